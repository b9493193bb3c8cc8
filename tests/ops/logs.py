"""Read the JSON lines a server process wrote."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any


def entries(path: Path) -> list[dict[str, Any]]:
    found = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def wait_for(path: Path, match: dict[str, Any], timeout: float = 5) -> dict[str, Any]:
    """The first log entry holding every key/value of ``match`` (the line may lag the answer)."""
    deadline = time.monotonic() + timeout
    while True:
        for entry in entries(path):
            if all(entry.get(k) == v for k, v in match.items()):
                return entry
        if time.monotonic() > deadline:
            raise AssertionError(f"no log line with {match} in {path}:\n{path.read_text()[-3000:]}")
        time.sleep(0.1)
