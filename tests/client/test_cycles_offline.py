"""The device's offline quote follows the participant's payment cycle and runs the
identity checks, exactly as the push does (tests/enrollments/test_cycles_identity_push.py)."""

from __future__ import annotations

import httpx
import pytest

from client_sdk import ValidationError
from tests.client.conftest import vsi_record

REGISTER = (
    "citizen_id,si_code,full_name,date_of_birth,household_code,scheme,coverage_end\n"
    "066075000001,,Y Hoa,1975-01-02,,voluntary_si,2026-06-30\n"
)


def test_offline_quote_credits_the_payment_to_the_period_and_server_agrees(field, tmp_path):
    r = httpx.post(
        f"{field.server_url}/api/v1/participants/import",
        params={"commune_code": 24373},
        files={"file": ("register.csv", REGISTER.encode("utf-8"))},
        headers=field.coord_headers,
    )
    assert r.status_code == 200, r.text
    with field.agent_device(tmp_path / "a") as fc:
        data = vsi_record(
            "066075000001",
            income=2_000_000,
            support_groups=[],
            months=6,
            payment_date="2026-09-15",
            captured_at="2026-09-15T09:00:00+07:00",
        )
        local = fc.record(data)
        # Paid up to 30 June: the 6-month payment of 15 September covers July-December.
        assert (local.quote["coverage_start"], local.quote["coverage_end"]) == (
            "2026-07-01",
            "2026-12-31",
        )
        assert local.quote["net_vnd"] == 2_244_000
        fc.sync()
        accepted = (fc.get(local.id).result or {})["accepted"]
        assert accepted["amount_vnd"] == local.quote["net_vnd"]
        assert accepted["coverage_start"] == local.quote["coverage_start"]
        assert accepted["adjustment_vnd"] == 0


def test_offline_form_refuses_what_the_server_would(field, tmp_path):
    with field.agent_device(tmp_path / "a") as fc:
        child = vsi_record("066218000001", payment_date="2026-11-20")
        child["person"]["date_of_birth"] = "2018-06-01"  # type: ignore[index]
        with pytest.raises(ValidationError) as err:
            fc.record(child)
        assert err.value.field == "person.date_of_birth" and "15 tuổi" in str(err.value)
        wrong = vsi_record("000079000001", payment_date="2026-11-20")
        with pytest.raises(ValidationError) as err:
            fc.record(wrong)
        assert err.value.field == "person.citizen_id"
