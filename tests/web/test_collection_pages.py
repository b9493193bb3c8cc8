"""The dashboard's filing-and-cash, follow-up and province pages, through the login form."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from server.config import Settings
from server.policy.service import today_local
from tests.collect.helpers import make_organisation
from tests.factories import EA_KAR, build_world
from tests.reports.data import SignUp, insert_sign_ups
from tests.web.helpers import web_login


def test_filing_button_cash_highlight_follow_up_and_province(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = build_world(engine, settings)
    org = make_organisation(client, w, remittance_days=5)
    today = today_local()
    paid = today - timedelta(days=20)  # held past the 5-day deadline
    insert_sign_ups(
        engine,
        [
            SignUp(1, "voluntary_si", paid, w["agent1"], w["p1"], EA_KAR, months=1),
            SignUp(2, "household_hi", paid, w["agent1"], w["p1"], EA_KAR),
        ],
    )
    period = f"{paid:%Y-%m}"
    csrf = web_login(client, "coord1")
    page = client.get("/web/collection", params={"organisation_id": org, "period": period})
    assert page.status_code == 200
    assert "Bưu điện tỉnh Đắk Lắk" in page.text and "Nộp danh sách và tiền thu" in page.text
    assert re.search(r'<tr class="warn overdue"><th scope="row">NVT0001', page.text)
    assert "Quá hạn" in page.text
    r = client.post(
        "/web/collection/filing",
        data={"csrf_token": csrf, "organisation_id": str(org), "period": period},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    batch_id = re.search(r"/web/collection/filing/(\d+)/file", page.text)
    assert batch_id is not None and "đang mở" in page.text
    wb = load_workbook(io.BytesIO(client.get(batch_id.group(0)).content))
    assert wb.sheetnames[:2] == ["D05-TS", "D03-TS"]
    no_csrf = client.post(
        f"/web/collection/filing/{batch_id.group(1)}/withdraw", data={}, follow_redirects=False
    )
    assert no_csrf.status_code == 403
    withdrawn = client.post(
        f"/web/collection/filing/{batch_id.group(1)}/withdraw",
        data={"csrf_token": csrf},
        follow_redirects=True,
    )
    assert "đã rút" in withdrawn.text

    follow = client.get("/web/follow-up")
    assert follow.status_code == 200 and "Vận động đóng tiếp" in follow.text
    cover_end = paid + timedelta(days=30)
    if cover_end < today <= cover_end + timedelta(days=31) or today >= cover_end - timedelta(
        days=30
    ):
        assert "Người 1" in follow.text
    province = client.get("/web/province", params={"at": str(date(today.year, 12, 31))})
    assert province.status_code == 200 and "Đang tham gia" in province.text
    xlsx = client.get("/web/province", params={"level": "point", "format": "xlsx"})
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["Điểm thu"]
    commission = client.get("/web/exports/commission", params={"period": period})
    assert commission.status_code == 200
