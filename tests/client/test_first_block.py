"""Receipt numbers before the questions (issue 12, item 2): a first block at first login
when the commune allows it, and a clear message before the first question when none."""

from __future__ import annotations

import httpx
from typer.testing import CliRunner

from client_sdk import FieldClient
from client_sdk.cli import app
from tests.factories import EA_KAR, EA_KNOP, PASSWORD, USERNAMES

SETTINGS = "/api/v1/receipt-settings"


def test_first_login_gets_a_block_when_the_commune_allows_it(field, tmp_path):
    url = field.server_url + SETTINGS
    r = httpx.put(
        url, headers=field.coord_headers, json={"commune_code": EA_KAR, "first_block_size": 20}
    )
    assert r.status_code == 200, r.text
    got = httpx.get(url, headers=field.coord_headers, params={"commune_code": EA_KAR}).json()
    assert got == {"commune_code": EA_KAR, "first_block_size": 20}

    with field.client(tmp_path / "phone") as fc:
        fc.login(USERNAMES["agent1"], PASSWORD)
        fc.sync()
        assert [b["last_number"] - b["first_number"] + 1 for b in fc.receipts().blocks] == [20]
        fc.login(USERNAMES["agent1"], PASSWORD)  # a later login: no second block
        fc.sync()
        assert len(fc.receipts().blocks) == 1 and fc.receipts().remaining == 20

    # Switched off: a new phone gets nothing.
    httpx.put(
        url, headers=field.coord_headers, json={"commune_code": EA_KAR, "first_block_size": 0}
    )
    with field.client(tmp_path / "phone2") as fc:
        fc.login(USERNAMES["agent1"], PASSWORD)
        fc.sync()
        assert fc.receipts().blocks == []


def test_the_setting_is_the_coordinators_of_the_commune(field, tmp_path):
    url = field.server_url + SETTINGS
    body = {"commune_code": EA_KNOP, "first_block_size": 10}
    assert httpx.put(url, headers=field.coord_headers, json=body).status_code == 404
    with field.client(tmp_path / "phone") as fc:
        fc.login(USERNAMES["agent1"], PASSWORD)
        token = fc.store.get_meta("access_token")
    agent = {"Authorization": f"Bearer {token}"}
    r = httpx.put(url, headers=agent, json={"commune_code": EA_KAR, "first_block_size": 10})
    assert r.status_code == 403


def test_record_without_a_receipt_number_says_so_before_the_first_question(
    field, tmp_path, monkeypatch
):
    monkeypatch.setenv("FIELD_ENROLL_SERVER", field.server_url)
    monkeypatch.setenv("FIELD_ENROLL_DATA_DIR", str(tmp_path / "phone"))
    fc: FieldClient = field.client(tmp_path / "phone")
    fc.login(USERNAMES["agent1"], PASSWORD)
    fc.sync()
    fc.close()
    result = CliRunner().invoke(app, ["record"], input="Nguyễn Văn A\n")
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "hết số biên lai" in text and "cấp một quyển biên lai" in text
    assert "Loại hình" not in result.output  # not one question asked
