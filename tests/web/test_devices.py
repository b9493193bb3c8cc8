"""The devices page: issue a receipt block, void unused numbers, errors kept at the field."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.enrollments.models import EnrollmentAudit, ReceiptBlock, ReceiptUse
from tests.factories import build_world, login
from tests.web.data import build_scene
from tests.web.helpers import web_login


def test_issue_block_from_next_free_range_is_audited(client: TestClient, engine: Engine, settings):
    scene = build_scene(client, engine, settings, n=2)
    w = scene.world
    phone = login(client, "agent1", device="phone-new")
    token = web_login(client, "coord1")
    r = client.post(
        f"/web/devices/{phone['device_id']}/blocks", data={"csrf_token": token, "size": "20"}
    )
    assert r.status_code == 200
    with Session(engine) as s:
        blocks = s.exec(select(ReceiptBlock).order_by(col(ReceiptBlock.first_number))).all()
        new = blocks[-1]
        assert new.device_id == phone["device_id"]
        assert new.first_number == blocks[-2].last_number + 1
        assert new.last_number - new.first_number + 1 == 20
        assert s.exec(
            select(EnrollmentAudit).where(
                EnrollmentAudit.entity == "receipt_block", EnrollmentAudit.entity_id == str(new.id)
            )
        ).first()
    assert f"{new.first_number}–{new.last_number}" in r.text
    assert w["agent1"]


def test_issue_block_bad_size_re_renders_with_input_and_vietnamese_message(
    client: TestClient, engine: Engine, settings
):
    build_world(engine, settings)
    phone = login(client, "agent1", device="phone-new")
    token = web_login(client, "coord1")
    r = client.post(
        f"/web/devices/{phone['device_id']}/blocks", data={"csrf_token": token, "size": "hai"}
    )
    assert r.status_code == 422
    assert 'value="hai"' in r.text and 'aria-invalid="true"' in r.text
    assert "Nhập số biên lai là số nguyên từ 1 đến 1.000." in r.text
    with Session(engine) as s:
        assert s.exec(select(ReceiptBlock)).first() is None


def test_void_unused_numbers_skips_used_ones_and_audits_each(
    client: TestClient, engine: Engine, settings
):
    scene = build_scene(client, engine, settings, n=2)
    token = web_login(client, "coord1")
    with Session(engine) as s:
        block = s.exec(select(ReceiptBlock)).first()
        assert block is not None
        device_id, first = block.device_id, block.first_number
    r = client.post(
        f"/web/devices/{device_id}/void",
        data={
            "csrf_token": token,
            "first_number": str(first),
            "last_number": str(first + 4),
            "reason": "Mất quyển",
        },
    )
    assert r.status_code == 200
    assert "Đã hủy 3 số chưa dùng." in r.text  # two of the five were spent on sign-ups
    with Session(engine) as s:
        voids = s.exec(select(ReceiptUse).where(ReceiptUse.kind == "void")).all()
        assert sorted(v.receipt_number for v in voids) == [first + 2, first + 3, first + 4]
        audits = s.exec(
            select(EnrollmentAudit).where(
                EnrollmentAudit.entity == "receipt", EnrollmentAudit.action == "voided"
            )
        ).all()
        assert len(audits) == 3
    assert len(scene.signups) == 2


def test_void_without_reason_keeps_the_numbers_typed(client: TestClient, engine: Engine, settings):
    build_scene(client, engine, settings, n=1)
    token = web_login(client, "coord1")
    with Session(engine) as s:
        block = s.exec(select(ReceiptBlock)).first()
        assert block is not None
        device_id, last = block.device_id, block.last_number
    r = client.post(
        f"/web/devices/{device_id}/void",
        data={"csrf_token": token, "first_number": str(last), "last_number": "", "reason": " "},
    )
    assert r.status_code == 422
    assert f'value="{last}"' in r.text
    assert "Hãy ghi lý do hủy các số biên lai." in r.text
    assert not re.search(r"device_id|block_id", r.text)


def test_other_communes_device_cannot_get_a_block(client: TestClient, engine: Engine, settings):
    build_world(engine, settings)
    phone = login(client, "agent2", device="phone-2")
    token = web_login(client, "coord1")
    r = client.post(
        f"/web/devices/{phone['device_id']}/blocks", data={"csrf_token": token, "size": "10"}
    )
    assert r.status_code == 404
    with Session(engine) as s:
        assert s.exec(select(ReceiptBlock)).first() is None


def test_revoke_is_audited(client: TestClient, engine: Engine, settings):
    build_world(engine, settings)
    phone = login(client, "agent1", device="phone-x")
    token = web_login(client, "coord1")
    client.post(f"/web/devices/{phone['device_id']}/revoke", data={"csrf_token": token})
    with Session(engine) as s:
        row = s.exec(select(EnrollmentAudit).where(EnrollmentAudit.entity == "device")).first()
        assert row is not None and row.action == "revoked"
