"""The OpenAPI document as a contract other languages can generate clients from.

FastAPI's defaults leave a generated client half-blind: operation names such as
``push_api_v1_sync_push_post``, only the 422 documented (a 401 or a 410 "restart your pull"
decodes as an unexpected status) and file downloads typed as JSON. ``install_openapi``
fixes all three once the routes are in place:

- readable operation ids, ``<tag>_<route function>`` without the repeated noun
  (``sync_push``, ``auth_login``, ``participants_import``), unless a route names its own;
- every error response an operation can give, with the shared error body of
  ``server.errors`` (``ErrorBody``; the 422 keeps its richer ``HTTPValidationError``);
- the media types of the CSV and XLSX downloads.

It works on the generated document (``app.openapi``), so routes need no changes and a
route added later is covered too. Which errors apply is read from the operation where it
can be (bearer security: 401 and 403; path parameters: 404; a body: 413; any input: 422)
and listed below where only the service knows (409, 410, 429). Every operation may answer
500 and 503 (database busy).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# CSV is UTF-8 text (with a BOM for spreadsheet programs); a workbook is bytes.
_FILE_SCHEMAS: dict[str, dict[str, str]] = {
    CSV: {"type": "string"},
    XLSX: {"type": "string", "format": "binary"},
}
ERROR_SCHEMA = "ErrorBody"
VALIDATION_SCHEMA = "HTTPValidationError"
_COMPONENT = "#/components/schemas/"

# Errors only the services know about, by operation id.
EXTRA_ERRORS: dict[str, tuple[int, ...]] = {
    "auth_login": (401, 429),
    "auth_refresh": (401,),
    "auth_create_user": (409,),
    "auth_update_user": (409,),
    "organisation_create_point": (409,),
    "organisation_update_point": (409,),
    "policy_create_version": (409,),
    "policy_update_version": (409,),
    "enrollments_review": (409,),
    "enrollments_issue_receipt_block": (409,),
    "enrollments_void_receipt": (409, 429),
    "enrollments_verify_receipt": (404, 429),
    "sync_push": (429,),
    "sync_pull": (410, 429),
}
# File imports whose 422 is their row report plus the error fields, by operation id: the
# report's schema (``participants_import`` declares its own on the route).
ROW_REPORTS = {"targets_import": "ImportReport"}
# Ids the rule does not make readable, by what it makes of them.
RENAMED = {"policy_post_quote": "policy_quote"}
# Downloads whose type a query parameter chooses, by operation id (others go by suffix).
FILE_TYPES: dict[str, tuple[str, ...]] = {"targets_import_template": (XLSX, CSV)}

DESCRIPTIONS = {
    401: "Not authenticated: no, an expired or a revoked token (or wrong credentials).",
    403: "Authenticated, but the role or scope does not allow this.",
    404: "No such resource within the caller's scope.",
    409: "Conflicts with the current state (taken code, decided sign-up, used receipt).",
    410: "The pull cursor is no longer valid: restart the pull from cursor 0.",
    413: "The request body is larger than the server accepts.",
    422: "Invalid input; ``field`` names the first offending field.",
    429: "Too many requests; retry after ``Retry-After`` seconds.",
    500: "Unexpected server error; quote ``request_id`` when reporting it.",
    503: "The database is busy or unavailable; nothing was saved, retry after ``Retry-After``.",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer"},
    }
}


class ErrorBody(BaseModel):
    """Every error answer of the API (``server.errors``); some add fields, e.g. ``allowed``."""

    model_config = ConfigDict(extra="allow")

    type: str
    detail: str
    field: str | None = None
    request_id: str | None = None


def _words(text: str) -> set[str]:
    word = text.lower()
    return {word, word.removesuffix("s"), word.removesuffix("es")}


def readable_id(tag: str, function_name: str) -> str:
    """``<tag>_<function name>`` minus the tag's noun.

    ``list_participants`` tagged ``participants`` → ``participants_list``.
    """
    tag = re.sub(r"\W+", "_", tag.lower()).strip("_")  # "follow-up" → "follow_up"
    kept = function_name.split("_")
    nouns = tag.split("_")
    if len(nouns) > 1:  # a tag of several words: drop them where they stand together
        n = len(nouns)
        at = next((i for i in range(len(kept) - n + 1) if kept[i : i + n] == nouns), None)
        if at is not None:
            kept = kept[:at] + kept[at + n :]
    else:
        kept = [w for w in kept if w not in _words(tag)]
    made = "_".join([tag, *kept])
    return RENAMED.get(made, made)


def _function_name(default_id: str, path: str, method: str) -> str | None:
    """The route function's name inside FastAPI's default id (``<name><path>_<method>``),
    or None when a route chose its own id."""
    suffix = re.sub(r"\W", "_", path) + "_" + method
    if default_id.endswith(suffix) and len(default_id) > len(suffix):
        return default_id[: -len(suffix)]
    return None


def _error_statuses(op_id: str, method: str, op: dict[str, Any], path: str) -> set[int]:
    statuses = {500, 503}
    if op.get("security"):  # the bearer token: missing or stale (401), role or scope (403)
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if "requestBody" in op or op_id == "sync_push":  # the body-size limit (push: its own)
        statuses.add(413)
    if "requestBody" in op or op.get("parameters"):
        statuses.add(422)
    statuses.update(EXTRA_ERRORS.get(op_id, ()))
    return statuses


def _error_response(status: int) -> dict[str, Any]:
    schema = VALIDATION_SCHEMA if status == 422 else ERROR_SCHEMA
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if status in {429, 503}:
        response["headers"] = RETRY_AFTER
    return response


def _row_report(components: dict[str, Any], op_id: str, report: str) -> dict[str, Any]:
    """A file import's 422: its report naming the bad rows, or a plain validation error."""
    name = "".join(w.title() for w in op_id.split("_")) + "Invalid"
    components[name] = {
        "title": name,
        "description": "The import's report (rows named) with the shared error fields.",
        "allOf": [{"$ref": _COMPONENT + report}, {"$ref": _COMPONENT + ERROR_SCHEMA}],
    }
    return {
        "anyOf": [{"$ref": _COMPONENT + name}, {"$ref": _COMPONENT + VALIDATION_SCHEMA}],
        "title": f"{op_id}_response_422",
    }


def _file_types(op_id: str, path: str) -> tuple[str, ...]:
    if op_id in FILE_TYPES:
        return FILE_TYPES[op_id]
    if path.endswith(".csv"):
        return (CSV,)
    if path.endswith(".xlsx"):
        return (XLSX,)
    return ()


def _rename_refs(node: Any, renames: dict[str, str]) -> None:
    """Point every ``$ref`` at a renamed component to its new name (in place)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_COMPONENT):
            node["$ref"] = _COMPONENT + renames.get(ref[len(_COMPONENT) :], ref[len(_COMPONENT) :])
        for value in node.values():
            _rename_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rename_refs(value, renames)


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Readable ids, every error response and file media types, added to a generated
    document (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = ErrorBody.model_json_schema()
    # A route naming the 422 body model (to add its own) refers to the same schema.
    renames: dict[str, str] = {}
    if VALIDATION_SCHEMA in components and components.pop("ValidationErrorBody", None):
        renames["ValidationErrorBody"] = VALIDATION_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            default_id = op.get("operationId", "")
            name = _function_name(default_id, path, method)
            if name is not None:
                tags = op.get("tags") or ["api"]
                op["operationId"] = readable_id(str(tags[0]), name)
                renames[f"Body_{default_id}"] = f"Body_{op['operationId']}"
            op_id = op.get("operationId", "")
            responses = op.setdefault("responses", {})
            for status in sorted(_error_statuses(op_id, method, op, path)):
                documented = responses.setdefault(str(status), {})
                if status == 422 and "content" in documented:
                    continue  # FastAPI's, or the route's own richer body
                documented.update(_error_response(status))
            if op_id in ROW_REPORTS and ROW_REPORTS[op_id] in components:
                responses["422"]["content"]["application/json"]["schema"] = _row_report(
                    components, op_id, ROW_REPORTS[op_id]
                )
            for status, answer in responses.items():
                for media in answer.get("content", {}).values():
                    title = media.get("schema", {}).get("title", "")
                    if title.startswith("Response "):  # FastAPI's name for an inline union
                        media["schema"]["title"] = f"{op_id}_response_{status}"
            types = _file_types(op_id, path)
            if types:
                ok = responses.setdefault("200", {"description": "The file."})
                ok["content"] = {t: {"schema": _FILE_SCHEMAS[t]} for t in types}
    for name, body in components.items():
        for prop in body.get("properties", {}).values() if name.startswith("Body_") else ():
            if prop.get("contentMediaType") == "application/octet-stream":
                prop.setdefault("format", "binary")  # what most generators know a file by
    for old, new in renames.items():
        if old in components and new not in components:
            components[new] = components.pop(old)
            components[new]["title"] = new
    _rename_refs(schema.get("paths", {}), renames)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document. Call once, after any other ``app.openapi`` wrapper."""
    generate = app.openapi
    completed: dict[int, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        generated = generate()
        if id(generated) not in completed:  # FastAPI regenerates when routes change
            completed.clear()
            completed[id(generated)] = complete(generated)
        return completed[id(generated)]

    app.openapi = openapi  # type: ignore[method-assign]
