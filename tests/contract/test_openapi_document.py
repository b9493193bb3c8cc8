"""The OpenAPI document as a contract: readable ids, every error documented, file types."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from server.config import Settings
from server.main import create_app
from server.openapi import CSV, XLSX, readable_id

ERROR_REFS = {"#/components/schemas/ErrorBody", "#/components/schemas/HTTPValidationError"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("openapi")
    app = create_app(Settings(database_url=f"sqlite:///{folder / 'unused.db'}"))
    with TestClient(app) as client:
        r = client.get("/openapi.json")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()
    ]


def _refs(schema: dict[str, Any]) -> set[str]:
    if "$ref" in schema:
        return {schema["$ref"]}
    return {s["$ref"] for s in schema.get("anyOf", []) if "$ref" in s}


def test_every_operation_has_a_readable_unique_id(document):
    ids = [op["operationId"] for _, _, op in _operations(document)]
    assert len(ids) == len(set(ids)) and len(ids) > 40
    for op_id in ids:
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", op_id), op_id
        assert "api_v1" not in op_id and len(op_id) <= 40, op_id
    for expected in (
        "sync_push",
        "sync_pull",
        "auth_login",
        "auth_refresh",
        "participants_import",
        "participants_list",
        "enrollments_review",
        "reports_progress_csv",
        "policy_quote",
    ):
        assert expected in ids
    # The names of generated request bodies follow the ids.
    schemas = document["components"]["schemas"]
    assert "Body_participants_import" in schemas
    assert not [name for name in schemas if "api_v1" in name]


def test_readable_id_drops_the_tags_noun():
    assert readable_id("participants", "list_participants") == "participants_list"
    assert readable_id("enrollments", "review_enrollment") == "enrollments_review"
    assert readable_id("sync", "push") == "sync_push"
    assert readable_id("organisation", "list_communes") == "organisation_list_communes"


def test_every_error_response_is_documented_with_the_error_body(document):
    schemas = document["components"]["schemas"]
    body = schemas["ErrorBody"]
    assert set(body["required"]) == {"type", "detail"}
    assert {"type", "detail", "field", "request_id"} <= set(body["properties"])
    for method, path, op in _operations(document):
        responses = op["responses"]
        where = f"{method.upper()} {path}"
        assert {"500", "503"} <= set(responses), where
        assert "Retry-After" in responses["503"]["headers"], where
        if op.get("security"):
            assert {"401", "403"} <= set(responses), where
        if "{" in path:
            assert "404" in responses, where
        if "requestBody" in op:
            assert {"413", "422"} <= set(responses), where
        for status, answer in responses.items():
            if int(status) < 400:
                continue
            schema = answer["content"]["application/json"]["schema"]
            assert _refs(schema) & ERROR_REFS, (where, status)
            assert answer["description"], (where, status)
    by_id = {op["operationId"]: op["responses"] for _, _, op in _operations(document)}
    assert {"410", "429"} <= set(by_id["sync_pull"])  # pulls share the sync budget
    assert "Retry-After" in by_id["sync_pull"]["429"]["headers"]
    assert "429" in by_id["enrollments_void_receipt"]
    assert {"413", "429"} <= set(by_id["sync_push"])
    assert "Retry-After" in by_id["sync_push"]["429"]["headers"]
    assert {"401", "429"} <= set(by_id["auth_login"])
    assert "409" in by_id["enrollments_review"] and "409" in by_id["auth_create_user"]
    # The register import's 422 is its report (rows named) or a plain validation error.
    refs = _refs(by_id["participants_import"]["422"]["content"]["application/json"]["schema"])
    assert refs == {
        "#/components/schemas/RegisterImportInvalid",
        "#/components/schemas/HTTPValidationError",
    }
    refs = _refs(by_id["targets_import"]["422"]["content"]["application/json"]["schema"])
    assert "#/components/schemas/TargetsImportInvalid" in refs


def test_file_uploads_are_binary(document):
    schemas = document["components"]["schemas"]
    for name in ("Body_participants_import", "Body_targets_import"):
        assert schemas[name]["properties"]["file"]["format"] == "binary"


def test_downloads_declare_their_media_types(document):
    by_id = {op["operationId"]: op["responses"].get("200") for _, _, op in _operations(document)}
    assert set(by_id["reports_progress_csv"]["content"]) == {CSV}
    assert set(by_id["reports_progress_xlsx"]["content"]) == {XLSX}
    assert set(by_id["targets_import_template"]["content"]) == {CSV, XLSX}
    assert by_id["reports_progress_xlsx"]["content"][XLSX]["schema"]["format"] == "binary"
