"""Golden cases of issue 11 items 1–3: each rule priced four ways, which must agree.

1. the shared calculator, on the shipped policy rows and the frozen commune marks;
2. ``POST /api/v1/quote`` on a live server;
3. the device's offline quote (``FieldClient.record``), on what it pulled;
4. a real push of that record: the server's recomputed ``amount_vnd``.

The expected figures are worked out by hand in docs/policy-rules.md §11–§13 (base salary
2,530,000 from 2026-07-01: 4.5 % = 113,850 a month, 1,366,200 a year).
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from client_sdk import FieldClient
from client_sdk.errors import ValidationError
from enroll_common import PolicyError, PolicySet, quote
from enroll_common.quote_wire import QuoteInput
from server.auth.models import AgentPoint, Role, User
from server.auth.security import Passwords
from server.migrate import MIGRATIONS_DIR
from server.policy.initial import initial_policy_dicts
from server.sync.settings import SyncSettings
from tests.client.conftest import Field
from tests.client.conftest import field as field  # noqa: F401 (the live-server fixture)
from tests.factories import EA_KAR, PASSWORD

SHIPPED = PolicySet.from_dicts(initial_policy_dicts())
FROZEN = json.loads(
    (MIGRATIONS_DIR / "versions" / "data" / "0010_schemes_supported_hi.json").read_text("utf-8")
)
AREAS = {c["code"]: c["support_area"] for c in FROZEN["support_areas"]["communes"]}
CON_DAO = 26732  # Đặc khu Côn Đảo (TP Hồ Chí Minh)
HANOI_COMMUNE = 4
DAK_LAK, HA_NOI = 66, 1
CAPTURED_ON_PAYMENT_DAY = "2026-11-20T09:00:00+07:00"
LATE_AFTER_DAYS = SyncSettings.model_fields["max_record_age_days"].default  # the server's


@dataclass
class Case:
    name: str
    record: dict[str, Any]
    net_vnd: int
    support_vnd: int
    who: str = "dak_lak"
    extra: dict[str, Any] = dc_field(default_factory=dict)


def _person(citizen_id: str, commune: int = EA_KAR) -> dict[str, Any]:
    return {
        "full_name": "Hoàng Thị Mai",
        "date_of_birth": "1990-05-06",
        "sex": "female",
        "citizen_id": citizen_id,
        "commune_code": commune,
    }


def _supported(
    citizen_id: str, group: str, kind: str, *, until: str | None = None, commune: int = EA_KAR
) -> dict[str, Any]:
    return {
        "scheme": "supported_hi",
        "person": _person(citizen_id, commune),
        "support_groups": [group],
        "support_evidence": {"kind": kind, "reference": f"QD-{citizen_id[-4:]}"}
        | ({"valid_until": until} if until else {}),
        "months": 12,
        "payment_date": "2026-11-20",
    }


def _vsi(citizen_id: str, commune: int, groups: list[str], **extra: Any) -> dict[str, Any]:
    """Captured on its payment day, as in the field: a month of voluntary SI recorded after
    that month is refused (the payment deadline), whatever day the suite runs."""
    return {
        "scheme": "voluntary_si",
        "person": _person(citizen_id, commune),
        "monthly_income_vnd": 1_500_000,
        "support_groups": groups,
        "months": 1,
        "payment_date": "2026-11-20",
        "captured_at": CAPTURED_ON_PAYMENT_DAY,
        **extra,
    }


CASES = [
    # Decree 188/2025: near-poor ≥ 70 % — the 956,340 VND overcharge, now the support.
    Case(
        "near_poor_70",
        _supported("066190100001", "near_poor", "near_poor_certificate"),
        net_vnd=409_860,
        support_vnd=956_340,
    ),
    # Students ≥ 50 %: 113,850 × 0.5 = 56,925 a month.
    Case(
        "student_50",
        _supported("066190100002", "student", "student_card"),
        net_vnd=683_100,
        support_vnd=683_100,
    ),
    # Farm / forestry / fishery / salt households of average living standard ≥ 30 %.
    Case(
        "farm_household_30",
        _supported("066190100003", "farm_household", "commune_list"),
        net_vnd=956_340,
        support_vnd=409_860,
    ),
    # Ethnic minorities of a commune that left the list: 70 % until the evidence's end. The
    # first card starts 30 days after payment (2026-12-20); the months starting on or before
    # 2027-05-31 (Dec–May: 6) are supported, the other 6 are paid in full.
    Case(
        "ethnic_transition_validity",
        _supported(
            "066190100004", "ethnic_minority_transition", "commune_list", until="2027-05-31"
        ),
        net_vnd=888_030,
        support_vnd=478_170,
    ),
    # Hà Nội's row (Resolution 19/2025/NQ-HĐND, from 2026-01-01) overrides the national one:
    # students 100 %, farm households 30 % + 30 %.
    Case(
        "ha_noi_student_100",
        _supported("001190100005", "student", "school_confirmation", commune=HANOI_COMMUNE),
        net_vnd=0,
        support_vnd=1_366_200,
        who="ha_noi",
    ),
    Case(
        "ha_noi_farm_60",
        _supported("001190100006", "farm_household", "commune_list", commune=HANOI_COMMUNE),
        net_vnd=546_480,
        support_vnd=819_720,
        who="ha_noi",
    ),
    # Decree 159/2025: a resident of a special zone gets 50 % from the commune, no group typed.
    Case(
        "vsi_special_zone", _vsi("079190100007", CON_DAO, []), net_vnd=165_000, support_vnd=165_000
    ),
    # The agent's lower group cannot lower it (near-poor 40 % < 50 %).
    Case(
        "vsi_special_zone_never_lower",
        _vsi("079190100008", CON_DAO, ["near_poor"]),
        net_vnd=165_000,
        support_vnd=165_000,
    ),
    # Outside such communes the agent's group applies as before.
    Case(
        "vsi_mainland_near_poor",
        _vsi("066190100009", EA_KAR, ["near_poor"]),
        net_vnd=198_000,
        support_vnd=132_000,
    ),
]


def _time_flags(record: dict[str, Any]) -> list[str]:
    """A record captured on a fixed day is a late upload once the suite runs more than the
    allowed age after it; that is the only flag a golden case may carry."""
    captured = record.get("captured_at")
    if captured is None:
        return []
    age = datetime.now(UTC) - datetime.fromisoformat(captured)
    return ["late_upload"] if age > timedelta(days=LATE_AFTER_DAYS) else []


def _quote_input(rec: dict[str, Any], province: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "scheme": rec["scheme"],
        "payment_date": rec["payment_date"],
        "months": rec["months"],
        "support_groups": rec.get("support_groups", []),
        "province_code": province,
        "commune_code": rec["person"]["commune_code"],
    }
    for key in ("monthly_income_vnd", "support_evidence"):
        if key in rec:
            body[key] = rec[key]
    return body


def _token(url: str, username: str, device: str) -> dict[str, str]:
    r = httpx.post(
        f"{url}/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": device},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _ha_noi_agent(field: Field, engine: Any, settings: Any) -> None:
    """An agent of the Hà Nội point, so a push is priced with Hà Nội's own rows."""
    with Session(engine) as s:
        agent = User(
            username="agent.hn",
            full_name="Agent HN",
            role=Role.AGENT,
            province_code=HA_NOI,
            agent_code="NVT0100",
            password_hash=Passwords(settings).hash(PASSWORD),
        )
        s.add(agent)
        s.flush()
        s.add(AgentPoint(user_id=agent.id or 0, point_id=field.world["p_hn"]))  # type: ignore[index]
        s.commit()


def _device(field: Field, data_dir: Path, username: str, manager: str) -> FieldClient:
    fc = field.client(data_dir)
    me = fc.login(username, PASSWORD)
    r = httpx.post(
        f"{field.server_url}/api/v1/devices/{me['device_id']}/receipt-blocks",
        headers=_token(field.server_url, manager, "office-" + username),
        json={"size": 20},
    )
    assert r.status_code == 201, r.text
    fc.sync()
    return fc


def test_every_rule_is_priced_the_same_four_ways(field, engine, settings, tmp_path):
    _ha_noi_agent(field, engine, settings)
    with ExitStack() as devices_open:  # closed even when an assertion fails (no stray sockets)
        devices = {
            "dak_lak": devices_open.enter_context(
                _device(field, tmp_path / "dl", "agent.eakar", "coord.eakar")
            ),
            "ha_noi": devices_open.enter_context(
                _device(field, tmp_path / "hn", "agent.hn", "admin.hn")
            ),
        }
        _price_and_push_every_case(field, devices)


def _price_and_push_every_case(field: Field, devices: dict[str, FieldClient]) -> None:
    provinces = {"dak_lak": DAK_LAK, "ha_noi": HA_NOI}
    headers = {
        k: _token(field.server_url, u, "quote")
        for k, u in (("dak_lak", "agent.eakar"), ("ha_noi", "agent.hn"))
    }
    pushed: dict[str, tuple[Case, int]] = {}
    for case in CASES:
        record = case.record
        body = _quote_input(record, provinces[case.who])
        by_calculator = quote(QuoteInput.model_validate(body).to_request(AREAS), SHIPPED)
        assert (by_calculator.net_vnd, by_calculator.support_vnd) == (
            case.net_vnd,
            case.support_vnd,
        ), case.name
        api = httpx.post(f"{field.server_url}/api/v1/quote", json=body, headers=headers[case.who])
        assert api.status_code == 200, (case.name, api.text)
        assert api.json() == by_calculator.to_dict(), case.name
        local = devices[case.who].record(record)
        assert local.quote == by_calculator.to_dict(), case.name
        assert local.body["amount_collected_vnd"] == case.net_vnd, case.name
        pushed[local.id] = (case, by_calculator.net_vnd)
    for fc in devices.values():
        report = fc.sync()
        refused = [r for r in report.results if r["status"] != "accepted"]
        assert not refused, refused
        for answer in report.results:
            case, net = pushed[str(answer["id"])]
            accepted = answer["accepted"]
            assert accepted["amount_vnd"] == net, case.name
            assert accepted["adjustment_vnd"] == 0, case.name
            assert accepted["flags"] == _time_flags(case.record), case.name
            support = {line["code"]: line["amount_vnd"] for line in accepted["lines"]}
            assert support.get("support", 0) == case.support_vnd, case.name


REFUSED = [
    # No evidence for a group that requires it: refused, naming the field, in Vietnamese.
    (
        "no_evidence",
        {
            k: v
            for k, v in _supported("066190200001", "near_poor", "x").items()
            if k != "support_evidence"
        },
        "support_evidence.kind",
        "giấy tờ",
    ),
    (
        "wrong_kind",
        _supported("066190200002", "near_poor", "student_card"),
        "support_evidence.kind",
        "không dùng được",
    ),
    (
        "no_validity_end",
        _supported("066190200003", "ethnic_minority_transition", "commune_list"),
        "support_evidence.valid_until",
        "36 tháng",
    ),
    (
        "validity_beyond_36_months",
        _supported(
            "066190200004", "ethnic_minority_transition", "commune_list", until="2030-01-31"
        ),
        "support_evidence.valid_until",
        "tối đa 36 tháng",
    ),
    (
        "two_groups",
        _supported("066190200005", "near_poor", "near_poor_certificate")
        | {"support_groups": ["near_poor", "student"]},
        "support_groups",
        "đúng một nhóm",
    ),
]


@pytest.mark.parametrize(
    ("name", "record", "field_name", "words"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_supported_hi_without_its_evidence_is_refused_everywhere(
    field, tmp_path, name, record, field_name, words
):
    body = _quote_input(record, DAK_LAK)
    with pytest.raises(PolicyError) as exc:
        quote(QuoteInput.model_validate(body).to_request(AREAS), SHIPPED)
    assert exc.value.field == field_name and words in exc.value.message
    headers = _token(field.server_url, "agent.eakar", "quote")
    api = httpx.post(f"{field.server_url}/api/v1/quote", json=body, headers=headers)
    assert api.status_code == 422 and api.json()["field"] == field_name, api.text
    assert words in api.json()["detail"]
    with _device(field, tmp_path / "d", "agent.eakar", "coord.eakar") as fc:
        with pytest.raises(ValidationError) as refused:
            fc.record(record)
        assert refused.value.field == field_name
        # A device that skips its own check (an older app) is refused by the push, per record.
        draft = fc.build_record(record).model_dump(mode="json")
        draft["receipt_number"] = fc.next_receipt_number()
        r = httpx.post(
            f"{field.server_url}/api/v1/sync/push",
            json={"records": [draft]},
            headers={"Authorization": f"Bearer {fc.store.get_meta('access_token')}"},
        )
        assert r.status_code == 200, r.text
        result = r.json()["results"][0]
        assert result["status"] == "rejected"
        assert [e["field"] for e in result["errors"]] == [field_name]
        assert words in result["errors"][0]["message"]


def test_agent_cli_records_a_supported_member_with_evidence(field, tmp_path, monkeypatch):
    """The ``enroll-agent record`` form: group and evidence asked, amount as the golden case."""
    from typer.testing import CliRunner

    from client_sdk.cli import app

    home = tmp_path / "home"
    _device(field, home, "agent.eakar", "coord.eakar").close()
    monkeypatch.setenv("FIELD_ENROLL_SERVER", field.server_url)
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(home))
    args = ["--json", "record", "--scheme", "supported_hi", "--name", "Lò Thị Xuân"]
    args += ["--dob", "01/02/1995", "--citizen-id", "066195000777", "--commune", str(EA_KAR)]
    args += ["--payment-date", "20/11/2026", "--months", "12", "--group", "near_poor"]
    runner = CliRunner()
    missing = runner.invoke(app, [*args, "--yes", "--no-input"], catch_exceptions=False)
    assert missing.exit_code != 0 and "support_evidence.kind" in missing.output
    args += ["--evidence-kind", "near_poor_certificate", "--evidence-ref", "GCN-12/2026"]
    saved = runner.invoke(app, [*args, "--yes", "--no-input"], catch_exceptions=False)
    assert saved.exit_code == 0, saved.output
    body = json.loads(saved.output)
    assert body["record"]["support_evidence"] == {
        "kind": "near_poor_certificate",
        "reference": "GCN-12/2026",
        "valid_until": None,
    }
    assert body["record"]["amount_collected_vnd"] == 409_860
    synced = runner.invoke(app, ["--json", "sync"], catch_exceptions=False)
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.output)["results"][0]["accepted"]["amount_vnd"] == 409_860


def test_rows_older_apps_cannot_read_travel_apart(field, tmp_path):
    """An app before 2026-11 reads only ``policy_version`` and refuses its whole table on an
    unknown parameter or group: those rows come as ``policy_row``; a province's rows only to
    that province's devices."""
    fc = _device(field, tmp_path / "d", "agent.eakar", "coord.eakar")
    legacy = fc.store.pulled("policy_version")
    assert [r["id"] for r in legacy] == list(range(1, 17))
    for r in legacy:
        assert "province_code" not in r
        if r["parameter"] == "vsi_support":
            assert set(r["value"]["rates"]) <= {"poor", "near_poor", "ethnic_minority", "other"}
    # not Hà Nội's 20; 21–24 are the payment-cycle rows of 0012
    assert [r["id"] for r in fc.store.pulled("policy_row")] == [17, 18, 19, 21, 22, 23, 24]
    assert fc.recorder.pricing.policy().in_force("vsi_support", date(2026, 11, 20)).id == 17
    fc.close()
