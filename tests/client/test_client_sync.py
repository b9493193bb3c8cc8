"""The SDK against a live server on loopback: record offline, sync, faults on the wire."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from client_sdk import LoginRequired, ReceiptBlockExhausted, ValidationError
from enroll_common import PolicySet, QuoteRequest, Scheme, quote
from tests.client.conftest import hi_record, vsi_record
from tests.client.proxy import FaultProxy


def server_count(engine, record_id: str | None = None) -> int:
    with engine.connect() as conn:
        if record_id:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM enrollment WHERE id = :i"), {"i": record_id}
                ).scalar()
            )
        return int(conn.execute(text("SELECT count(*) FROM enrollment")).scalar())


def test_record_offline_prices_with_cached_policy_and_numbers_from_block(field, tmp_path):
    with field.agent_device(tmp_path / "a", block=5) as fc:
        rec = fc.record(hi_record())
        assert rec.state == "queued"
        assert rec.body["receipt_number"] == fc.receipts().blocks[0]["first_number"]
        expected = quote(
            QuoteRequest(
                scheme=Scheme.HOUSEHOLD_HI,
                payment_date=__import__("datetime").date(2026, 11, 20),
                months=12,
                household_ordinal=1,
            ),
            PolicySet.from_dicts(fc.store.pulled("policy_version")),
        )
        assert rec.body["amount_collected_vnd"] == expected.net_vnd == 113_850 * 12
        assert fc.status()["outbox"] == 1


def test_sync_pushes_then_server_amount_matches_and_code_is_verifiable(field, tmp_path, engine):
    with field.agent_device(tmp_path / "a") as fc:
        a = fc.record(hi_record())
        b = fc.record(vsi_record())
        report = fc.sync()
        assert report.complete
        assert report.counts == {"accepted": 2}
        for rec in (fc.get(a.id), fc.get(b.id)):
            assert rec.state == "pending"
            acc = rec.result["accepted"]
            assert acc["amount_vnd"] == rec.body["amount_collected_vnd"]
            assert acc["adjustment_vnd"] == 0
            code = acc["verification_code"]
            v = httpx.get(f"{field.server_url}/api/v1/receipts/verify", params={"code": code})
            assert v.status_code == 200 and v.json()["valid"] is True
        assert server_count(engine) == 2
        # A second sync sends nothing again.
        again = fc.sync()
        assert again.pushed == 0 and server_count(engine) == 2


def test_outbox_record_is_frozen_and_fix_needs_a_server_answer(field, tmp_path):
    with field.agent_device(tmp_path / "a") as fc:
        rec = fc.record(hi_record())
        with pytest.raises(ValidationError) as err:
            fc.fix(rec.id, {"months": 6})
        assert "đồng bộ trước" in str(err.value)  # "sync first", in the agent's language


def test_bad_input_names_the_field(field, tmp_path):
    with field.agent_device(tmp_path / "a") as fc:
        with pytest.raises(ValidationError) as err:
            fc.record(hi_record(citizen_id="123"))
        assert err.value.field == "person.citizen_id"
        with pytest.raises(ValidationError) as err:
            fc.record(vsi_record(income=1_000))
        assert err.value.field == "monthly_income_vnd"
        with pytest.raises(ValidationError) as err:
            fc.record(hi_record(months=5))
        assert err.value.field == "months" and err.value.allowed
        assert fc.status()["outbox"] == 0  # nothing half-saved


def test_receipt_block_used_up_gives_clear_error(field, tmp_path):
    with field.agent_device(tmp_path / "a", block=2) as fc:
        fc.record(hi_record("066190000001"))
        fc.record(hi_record("066190000002", ordinal=2))
        with pytest.raises(ReceiptBlockExhausted) as err:
            fc.record(hi_record("066190000003", ordinal=3))
        assert err.value.field == "receipt_number"
        assert fc.status()["outbox"] == 2


def test_lost_response_is_replayed_and_stored_once(field, tmp_path, engine, proxy):
    with field.agent_device(tmp_path / "a", url=proxy.url) as fc:
        recs = [fc.record(hi_record(f"0661900001{i:02d}", household=f"HH-{i}")) for i in range(5)]
        proxy.cut(1)
        report = fc.sync()
        assert proxy.cut_count == 1
        assert report.complete
        # The retry came back as duplicates carrying the first answer.
        assert report.counts == {"duplicate": 5}
        assert all(fc.get(r.id).result["accepted"]["verification_code"] for r in recs)
        assert server_count(engine) == 5


def test_lost_response_then_gave_up_then_next_sync_stores_each_once(field, tmp_path, engine, proxy):
    with field.agent_device(tmp_path / "a", url=proxy.url) as fc:
        recs = [fc.record(hi_record(f"0661900002{i:02d}", household=f"HH-{i}")) for i in range(3)]
        proxy.cut(10)  # more cuts than retries: the sync stops cleanly
        report = fc.sync()
        assert report.stopped_reason and report.left_in_outbox == 3
        assert server_count(engine) == 3  # the server has them; the client does not know yet
        proxy._cuts = 0
        report = fc.sync()
        assert report.complete and report.counts == {"duplicate": 3}
        assert server_count(engine) == 3
        assert {fc.get(r.id).state for r in recs} == {"pending"}


def test_429_and_503_with_retry_after_are_honoured(field, tmp_path, proxy, engine):
    waits: list[float] = []
    with field.agent_device(tmp_path / "a", url=proxy.url, sleep=waits.append) as fc:
        fc.record(hi_record())
        proxy.inject(503, {"Retry-After": "2"})
        proxy.inject(429, {"Retry-After": "1"})
        report = fc.sync()
        assert report.complete and report.counts == {"accepted": 1}
        assert proxy.injected_count == 2
        assert waits[0] >= 2 and waits[1] >= 1
        assert server_count(engine) == 1


def test_429_on_pull_is_honoured(field, tmp_path, live_server, engine):
    """Pulls share the server's sync budget (protocol §3.6), so a pull may be told to wait."""
    port = int(live_server.url.rsplit(":", 1)[1])
    pull_proxy = FaultProxy("127.0.0.1", port, match=b"/sync/pull")
    waits: list[float] = []
    try:
        with field.agent_device(tmp_path / "a", url=pull_proxy.url, sleep=waits.append) as fc:
            fc.record(hi_record())
            pull_proxy.inject(429, {"Retry-After": "3"})
            report = fc.sync()
            assert report.complete and report.counts == {"accepted": 1}
            assert report.pulled >= 1
            assert pull_proxy.injected_count == 1
            assert waits and waits[0] >= 3
            assert server_count(engine) == 1
    finally:
        pull_proxy.close()


def test_expired_access_token_is_refreshed_mid_sync(field, tmp_path, engine):
    with field.agent_device(tmp_path / "a") as fc:
        fc.record(hi_record())
        fc.api.access_token = "expired-or-garbage"
        old_refresh = fc.store.get_meta("refresh_token")
        report = fc.sync()
        assert report.complete and report.counts == {"accepted": 1}
        assert fc.store.get_meta("refresh_token") != old_refresh


def test_revoked_device_stops_with_clear_message_and_keeps_data(field, tmp_path, engine):
    with field.agent_device(tmp_path / "a") as fc:
        rec = fc.record(hi_record())
        device_id = fc.store.get_meta("device_id")
        r = httpx.post(
            f"{field.server_url}/api/v1/devices/{device_id}/revoke", headers=field.coord_headers
        )
        assert r.status_code == 200
        with pytest.raises(LoginRequired) as err:
            fc.sync()
        assert "revoked" in str(err.value)
        assert fc.status()["outbox"] == 1
        assert fc.get(rec.id).state == "queued"
        assert server_count(engine) == 0


def test_logout_and_other_user_keep_unsynced_records(field, tmp_path, engine):
    data = tmp_path / "shared-phone"
    with field.agent_device(data) as fc:
        rec = fc.record(hi_record())
        fc.logout()
        assert fc.status()["outbox"] == 1
    with field.agent_device(data, who="agent2", block=0) as other:
        assert other.username == "agent.eaknop"
        assert other.status()["outbox"] == 0
    with field.client(data) as fc:
        fc.login("agent.eakar", "correct horse battery")
        assert fc.get(rec.id).state == "queued"
        assert fc.sync().counts == {"accepted": 1}
    assert server_count(engine, rec.id) == 1


def test_returned_record_is_fixed_and_reuploaded_at_higher_rev(field, tmp_path, engine):
    with field.agent_device(tmp_path / "a") as fc:
        rec = fc.record(vsi_record())
        fc.sync()
        r = httpx.post(
            f"{field.server_url}/api/v1/enrollments/{rec.id}/review",
            headers=field.coord_headers,
            json={"decision": "return", "reason": "Sai số CCCD"},
        )
        assert r.status_code == 200, r.text
        fc.sync()
        returned = fc.get(rec.id)
        assert returned.state == "returned"
        assert returned.result["review"]["reason"] == "Sai số CCCD"
        fixed = fc.fix(rec.id, {"person": {"citizen_id": "066190000999"}})
        assert fixed.rev == 2 and fixed.state == "queued"
        report = fc.sync()
        assert report.counts == {"accepted": 1}, report.results
        assert fc.get(rec.id).state == "pending"
    assert server_count(engine, rec.id) == 1
