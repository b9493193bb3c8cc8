"""A client generated from /openapi.json by a standard generator logs in, pushes and pulls.

``openapi-python-client`` (the test extras) generates the client in a subprocess from the
document a live server on loopback serves; the client then talks to that server. It is
built to raise on any status the document does not list, so an undocumented error fails.
"""

from __future__ import annotations

import csv
import importlib
import io
import subprocess
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import httpx
import pytest

from tests.enrollments.helpers import hi_record
from tests.factories import PASSWORD, USERNAMES, build_world

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
CONFIG = (
    "content_type_overrides:\n"
    # The generator only knows binary bodies as octet-stream; the document says XLSX.
    "  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:"
    " application/octet-stream\n"
)


def _generate(tmp_path: Path, base_url: str) -> str:
    """Generate a client package from the live document; its import name."""
    spec = tmp_path / "openapi.json"
    spec.write_bytes(httpx.get(f"{base_url}/openapi.json", timeout=10).content)
    config = tmp_path / "generator.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    name = f"fe_client_{uuid.uuid4().hex[:8]}"
    env = {"PATH": f"{GENERATOR.parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(tmp_path / name),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout  # every operation was understood
    return name


@pytest.fixture
def generated(tmp_path, live_server, monkeypatch) -> Any:
    name = _generate(tmp_path, live_server.url)
    monkeypatch.syspath_prepend(str(tmp_path))

    def load(module: str) -> ModuleType:
        return importlib.import_module(f"{name}.{module}")

    with ExitStack() as opened:

        def connect(token: str | None = None) -> Any:
            """A generated client that raises on any status the document does not list."""
            clients = load("client")
            if token is None:
                made = clients.Client(base_url=live_server.url, raise_on_unexpected_status=True)
            else:
                made = clients.AuthenticatedClient(
                    base_url=live_server.url, token=token, raise_on_unexpected_status=True
                )
            return opened.enter_context(made)

        yield SimpleNamespace(load=load, connect=connect)
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def test_generated_client_logs_in_pushes_and_pulls(generated, engine, settings):
    world = build_world(engine, settings)
    models = generated.load("models")
    login = generated.load("api.auth.auth_login")
    issue = generated.load("api.enrollments.enrollments_issue_receipt_block")
    push = generated.load("api.sync.sync_push")
    pull = generated.load("api.sync.sync_pull")
    anonymous = generated.connect()

    def sign_in(who: str, device: str) -> Any:
        body = models.LoginRequest(
            username=USERNAMES[who], password=PASSWORD, device_id=device, device_name=device
        )
        tokens = login.sync(client=anonymous, body=body)
        assert isinstance(tokens, models.TokenPair), tokens
        return tokens

    tokens = sign_in("agent1", "android-1")
    agent = generated.connect(tokens.access_token)
    coord = generated.connect(sign_in("coord1", "desk-1").access_token)
    block = issue.sync(
        tokens.device_id, client=coord, body=models.ReceiptBlockRequest.from_dict({"size": 10})
    )
    assert isinstance(block, models.ReceiptBlockOut), block

    record = hi_record(
        SimpleNamespace(world=world), receipt=int(block.first_number), citizen_id="066090000077"
    )
    answer = push.sync(client=agent, body=models.PushBatch.from_dict({"records": [record]}))
    assert isinstance(answer, models.PushResponse), answer
    result = answer.results[0]
    assert result.id == record["id"] and result.status.value == "accepted"
    assert result.to_dict()["accepted"]["amount_vnd"] == record["amount_collected_vnd"]
    # The same push again is a replay: same answer, nothing doubled.
    again = push.sync(client=agent, body=models.PushBatch.from_dict({"records": [record]}))
    assert again.results[0].status.value in {"accepted", "duplicate"}

    page = pull.sync(client=agent, cursor="0", limit=1000)
    assert isinstance(page, models.PullPage), page
    # The sign-up's person is now in the register the device keeps (its roster).
    roster = [c.payload.to_dict() for c in page.changes if c.entity == "participant"]
    assert [p["citizen_id"] for p in roster] == ["066090000077"], [c.entity for c in page.changes]
    assert roster[0]["coverage_end"] == result.to_dict()["accepted"]["coverage_end"]
    assert page.next_cursor.isdigit()


def test_generated_client_decodes_documented_errors(generated, engine, settings):
    build_world(engine, settings)
    models = generated.load("models")
    login = generated.load("api.auth.auth_login")
    push = generated.load("api.sync.sync_push")
    pull = generated.load("api.sync.sync_pull")
    anonymous = generated.connect()

    wrong = login.sync_detailed(
        client=anonymous,
        body=models.LoginRequest(username=USERNAMES["agent1"], password="nope-nope", device_id="x"),
    )
    assert wrong.status_code == 401 and isinstance(wrong.parsed, models.ErrorBody)
    assert wrong.parsed.request_id

    stale = generated.connect("not-a-token")
    refused = push.sync_detailed(client=stale, body=models.PushBatch.from_dict({"records": []}))
    assert refused.status_code == 401 and isinstance(refused.parsed, models.ErrorBody)
    assert refused.parsed.type_ == "not_authenticated"

    tokens = login.sync(
        client=anonymous,
        body=models.LoginRequest(username=USERNAMES["agent1"], password=PASSWORD, device_id="a"),
    )
    agent = generated.connect(tokens.access_token)
    gone = pull.sync_detailed(client=agent, cursor="999999999")
    assert gone.status_code == 410 and isinstance(gone.parsed, models.ErrorBody)
    assert gone.parsed.type_ == "cursor_invalid" and gone.parsed.field == "cursor"
    bad = pull.sync_detailed(client=agent, cursor="0", limit=0)
    assert bad.status_code == 422 and bad.parsed.field == "limit"


def test_generated_client_uploads_a_register_and_downloads_a_report(generated, engine, settings):
    build_world(engine, settings)
    models = generated.load("models")
    types = generated.load("types")
    login = generated.load("api.auth.auth_login")
    upload = generated.load("api.participants.participants_import")
    csv_report = generated.load("api.reports.reports_progress_csv")
    tokens = login.sync(
        client=generated.connect(),
        body=models.LoginRequest(username=USERNAMES["coord1"], password=PASSWORD, device_id="d"),
    )
    coord = generated.connect(tokens.access_token)
    header = "citizen_id,si_code,full_name,date_of_birth,household_code,scheme,coverage_end\n"

    def send(text: str) -> Any:
        body = models.BodyParticipantsImport(
            file=types.File(payload=io.BytesIO(text.encode()), file_name="register.csv")
        )
        return upload.sync_detailed(client=coord, body=body, commune_code=24373)

    bad = send(header + "12345,,Lê Thị Mai,1975-03-02,,household_hi,2026-12-31\n")
    assert bad.status_code == 422 and isinstance(bad.parsed, models.RegisterImportInvalid)
    assert bad.parsed.type_ == "import_invalid" and not bad.parsed.written
    assert [(e.row, e.column) for e in bad.parsed.errors] == [(2, "citizen_id")]
    good = send(header + "066080000001,,Lê Thị Mai,1975-03-02,,household_hi,2026-12-31\n")
    assert good.status_code == 200 and isinstance(good.parsed, models.RegisterImportReport)
    assert good.parsed.created == 1 and good.parsed.written

    sheet = csv_report.sync_detailed(client=coord, period="2025-09")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert isinstance(sheet.parsed, str) and sheet.content.startswith(b"\xef\xbb\xbf")
    header_row = next(csv.reader(io.StringIO(sheet.parsed.lstrip("\ufeff"))))
    assert header_row[:3] == ["period", "level", "kind"]
