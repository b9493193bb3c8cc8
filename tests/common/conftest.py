"""Shared fixtures: the policy rows the server ships in its initial migration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from enroll_common import PolicySet

POLICY_FILE = (
    Path(__file__).resolve().parents[2] / "server" / "policy" / "data" / "initial_policy.json"
)


def _load_policy_dicts() -> list[dict[str, Any]]:
    with POLICY_FILE.open(encoding="utf-8") as fh:
        data: list[dict[str, Any]] = json.load(fh)
    return data


@pytest.fixture(scope="session")
def policy_dicts() -> list[dict[str, Any]]:
    return _load_policy_dicts()


@pytest.fixture(scope="session")
def policy(policy_dicts: list[dict[str, Any]]) -> PolicySet:
    # Session scope: hypothesis tests may use it (function-scoped fixtures are not reset
    # between examples) and the set is immutable anyway.
    return PolicySet.from_dicts(policy_dicts)
