"""Property-based API fuzzing from the OpenAPI schema: no 5xx, no answer that breaks its
own documented schema, for an admin and for an agent on a device.

Bounded: ``MAX_EXAMPLES`` valid and as many invalid requests per operation, so the run
stays short. Operations that end the caller's own session (logout, password change,
device revoke) are left out: they would turn the rest of the run into 401s; they have
their own tests. Every operation is tried and all findings are reported together.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.enrollments.helpers import hi_record, ready
from tests.factories import login

MAX_EXAMPLES = int(os.environ.get("FIELD_ENROLL_FUZZ_EXAMPLES", "6"))
"""Valid and as many invalid requests per operation; raise it for a longer run by hand."""
SKIPPED = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/me/password"),
    ("POST", "/api/v1/devices/{device_id}/revoke"),
}
CHECKS = [not_a_server_error, response_schema_conformance]


def _run_operation(operation: Any, headers: dict[str, str], mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_every_operation_answers_without_5xx_and_within_its_schema(
    role, app, client, engine, settings
):
    ctx = ready(client, engine, settings)
    assert ctx.push_one(hi_record(ctx))["status"] == "accepted"
    headers = (
        ctx.agent
        if role == "agent"
        else {"Authorization": f"Bearer {login(client, 'admin', device='web')['access_token']}"}
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    findings: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        tried += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run_operation(operation, headers, mode)
            except Unsatisfiable:
                continue  # no invalid request exists for this operation (e.g. no parameters)
            except BaseException as exc:  # noqa: B036 - collect every finding, then fail once
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                name = f"{operation.method.upper()} {operation.path} [{mode.value}]"
                findings.append(f"{name}: {type(exc).__name__}: {exc}")
    assert tried > 30
    assert not findings, "\n\n".join(findings)


def test_documented_422_schema_matches_the_error_body(app, client, engine, settings):
    ctx = ready(client, engine, settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operation = schema["/api/v1/enrollments"]["GET"]
    case = operation.Case(query={"limit": 0})
    response = case.call(headers=ctx.coord)
    assert response.status_code == 422
    case.validate_response(response, checks=[response_schema_conformance])


def _integer_parameter_urls(schema: dict[str, Any], huge: int) -> list[tuple[str, str, dict]]:
    """(method, url, query) for each integer path/query parameter set to ``huge``."""
    out = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            params = op.get("parameters", [])
            for p in params:
                s = p.get("schema", {})
                types = {s.get("type")} | {a.get("type") for a in s.get("anyOf", [])}
                if "integer" not in types or p["in"] not in ("path", "query"):
                    continue
                url = path
                for other in params:
                    if other["in"] == "path":
                        value = str(huge) if other["name"] == p["name"] else "1"
                        url = url.replace("{" + other["name"] + "}", value)
                query = {p["name"]: huge} if p["in"] == "query" else {}
                out.append((method.upper(), url, query))
    return out


def test_integer_parameters_beyond_64_bits_answer_4xx(app, client, engine, settings):
    ctx = ready(client, engine, settings)
    failing = []
    for method, url, query in _integer_parameter_urls(app.openapi(), 2**70):
        body = {} if method in ("POST", "PATCH") else None
        r = client.request(method, url, params=query, headers=ctx.coord, json=body)
        if r.status_code >= 500:
            failing.append(f"{method} {url} {query}")
    assert not failing, "\n".join(failing)
