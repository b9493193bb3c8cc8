"""Shared CLI state, output helpers and the mapping of SDK errors to exit codes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from client_sdk.api import RetryPolicy
from client_sdk.cli.answers import BadAnswer
from client_sdk.client import FieldClient
from client_sdk.errors import (
    AuthError,
    ConflictError,
    FieldEnrollError,
    LoginRequired,
    NetworkError,
    ServerError,
    ValidationError,
)
from client_sdk.i18n import _
from enroll_common import format_vnd

# Exit codes scripts can rely on.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2
EXIT_LOGIN = 3
EXIT_NETWORK = 4
EXIT_CONFLICT = 5
EXIT_INCOMPLETE = 6  # sync stopped early or records need attention

DEFAULT_DATA_DIR = Path("~/.field-enroll")
DEFAULT_SERVER = "http://127.0.0.1:8000"


@dataclass
class State:
    server: str
    data_dir: Path
    json: bool
    console: Console
    retries: int = 6

    def client(self) -> FieldClient:
        return FieldClient(self.server, self.data_dir, retry=RetryPolicy(max_attempts=self.retries))

    def emit(self, data: Any) -> None:
        """Print machine-readable JSON (for --json)."""
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def vnd(amount: int | None) -> str:
    return "—" if amount is None else format_vnd(int(amount))


@contextmanager
def handled(st: State) -> Iterator[None]:
    """Turn SDK errors into a clear message and a documented exit code."""
    try:
        yield
    except LoginRequired as exc:
        _fail(st, exc, EXIT_LOGIN, _("Log in again with `enroll-agent login`; nothing was lost."))
    except AuthError as exc:
        _fail(st, exc, EXIT_LOGIN, None)
    except BadAnswer as exc:
        _fail(st, ValidationError(str(exc)), EXIT_INVALID, None)
    except ValidationError as exc:
        hint = _("Allowed: {values}").format(values=", ".join(exc.allowed)) if exc.allowed else None
        _fail(st, exc, EXIT_INVALID, hint)
    except ConflictError as exc:
        _fail(st, exc, EXIT_CONFLICT, None)
    except NetworkError as exc:
        _fail(
            st,
            exc,
            EXIT_NETWORK,
            _("Everything recorded is kept; run `enroll-agent sync` later."),
            message=_("The server could not be reached."),
        )
    except ServerError as exc:
        _fail(
            st, exc, EXIT_NETWORK, _("Everything recorded is kept; run `enroll-agent sync` later.")
        )
    except FieldEnrollError as exc:
        _fail(st, exc, EXIT_ERROR, None)


def _fail(
    st: State, exc: FieldEnrollError, code: int, hint: str | None, message: str | None = None
) -> None:
    if st.json:
        st.emit(
            {
                "error": type(exc).__name__,
                "detail": exc.detail,
                "field": getattr(exc, "field", None),
                "status": exc.status,
                "request_id": exc.request_id,
            }
        )
    else:
        st.console.print(f"[red]{_('Error')}:[/red] {message or exc}")
        if hint:
            st.console.print(hint)
    raise typer.Exit(code)


def env_default(name: str, default: str) -> str:
    return os.environ.get(name, default)
