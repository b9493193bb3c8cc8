"""The one way the server is started: by ``enroll-server serve``, the tests and the benchmarks.

Settings are read and validated once, here; a bad value stops start-up with one line naming
the variable. One process serves ``create_app(settings)`` directly; with ``workers > 1``
uvicorn starts worker processes, each rebuilding the same settings from the environment the
launcher exported (``settings_env``), and the metrics of all workers are summed through
prometheus-client's multiprocess directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from server.config import Settings
from server.observability.logs import configure_logging, uvicorn_log_config


class SettingsError(Exception):
    """Settings that cannot be used; ``str()`` is one line for the operator."""


def describe(exc: ValidationError) -> str:
    """One line per problem, naming the environment variable to fix."""
    problems = []
    classes: list[type[BaseSettings]] = [Settings, *_groups().values()]
    title_to_prefix = {cls.__name__: str(cls.model_config.get("env_prefix", "")) for cls in classes}
    prefix = title_to_prefix.get(exc.title, "FIELD_ENROLL_")
    for error in exc.errors():
        name = "_".join(str(p) for p in error["loc"]).upper()
        given = error.get("input")
        shown = f"={given!r}" if isinstance(given, str | int | float) else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{prefix}{name}{shown}: {message}")
    return "invalid setting " + "; ".join(problems)


def _groups() -> dict[str, type[BaseSettings]]:
    """Nested settings groups (``sync``, ``web``…), each with its own environment prefix."""
    found: dict[str, type[BaseSettings]] = {}
    for name, field in Settings.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseSettings):
            found[name] = kind
    return found


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and ``overrides``), or ``SettingsError``."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from exc
    return settings


def check_budget(settings: Settings, workers: int) -> None:
    """Refuse a worker count whose pools could exceed the configured connection budget."""
    need = workers * settings.connections_per_worker()
    budget = settings.db_connection_budget
    if budget and need > budget and not settings.is_sqlite:
        raise SettingsError(
            f"{workers} workers x (FIELD_ENROLL_DB_POOL_SIZE {settings.db_pool_size} + "
            f"FIELD_ENROLL_DB_MAX_OVERFLOW {settings.db_max_overflow}) = {need} connections, "
            f"more than FIELD_ENROLL_DB_CONNECTION_BUDGET {budget}"
        )


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment variables that rebuild exactly ``settings`` in another process."""
    env: dict[str, str] = {}
    groups = _groups()
    prefix = str(Settings.model_config.get("env_prefix", ""))
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name in groups:
            sub_prefix = str(groups[name].model_config.get("env_prefix", ""))
            for sub in type(value).model_fields:
                env[f"{sub_prefix}{sub}".upper()] = _env_value(getattr(value, sub))
        else:
            env[f"{prefix}{name}".upper()] = _env_value(value)
    return env


def app_from_environment() -> FastAPI:
    """uvicorn's factory in each worker process (``workers > 1``)."""
    settings = Settings()
    configure_logging(settings)
    return _app(settings)


def _app(settings: Settings) -> FastAPI:
    from server.main import create_app  # late: the CLI validates settings before importing

    return create_app(settings)


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The same for every launch. Proxy headers are handled inside the app (only from
    ``trusted_proxies``), so uvicorn's own handling, which trusts 127.0.0.1 by default, is
    off; the access line is written by our middleware."""
    return {
        "proxy_headers": False,
        "server_header": False,
        "access_log": False,
        "log_config": uvicorn_log_config(),
        "log_level": settings.log_level,
        # The app's lifespan runs (it freezes the start-up heap, ``server.runtime``): with
        # "off" it never did, so served processes paid full collections of 130-170 ms.
        "lifespan": "on",
        "timeout_graceful_shutdown": 20,
    }


def uvicorn_config(app: FastAPI, settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, **_uvicorn_options(settings))


def serve(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until stopped (SIGTERM finishes the requests in flight, then exits)."""
    check_budget(settings, workers)
    configure_logging(settings)
    settings.resolved_secret()  # create the shared secret file once, before workers start
    if workers == 1:
        uvicorn.Server(uvicorn_config(_app(settings), settings, host=host, port=port)).run()
        return
    os.environ.update(settings_env(settings))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="field-enroll-metrics-")
    uvicorn.run(
        "server.launcher:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **_uvicorn_options(settings),
    )


# --- for tests and benchmarks ---------------------------------------------------------------


class InThread:
    """The app served by uvicorn in a thread of this process (stoppable, restartable)."""

    def __init__(self, app: FastAPI, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port or free_port(host)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10) -> InThread:
        settings: Settings = self.app.state.settings
        server = uvicorn.Server(uvicorn_config(self.app, settings, host=self.host, port=self.port))
        self._server = server
        self._thread = threading.Thread(target=server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("in-thread server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._thread = None


def free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def serve_command(*, host: str, port: int, workers: int = 1) -> list[str]:
    """The command line of ``enroll-server serve`` run by this interpreter."""
    return [
        sys.executable,
        "-m",
        "server.cli",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def spawn(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int,
    workers: int = 1,
    log: IO[bytes] | int = subprocess.DEVNULL,
    cwd: Path | None = None,
    extra_env: dict[str, str] | None = None,
    nice: int = 0,
) -> subprocess.Popen[bytes]:
    """``enroll-server serve`` in its own process, configured by exactly ``settings``."""
    env = {**os.environ, **settings_env(settings), **(extra_env or {})}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.Popen(
        serve_command(host=host, port=port, workers=workers),
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        preexec_fn=(lambda: os.nice(nice)) if nice else None,  # noqa: PLW1509
    )


def wait_ready(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30) -> None:
    """Until ``/api/v1/health/ready`` answers 200 (or the process dies, or time runs out)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server {url} exited with {proc.returncode}")
        try:
            r = httpx.get(f"{url}/api/v1/health/ready", timeout=2)
            if r.status_code == 200:
                return
            last = r.text[:200]
        except httpx.TransportError as exc:
            last = type(exc).__name__
        time.sleep(0.1)
    raise RuntimeError(f"server {url} not ready within {timeout:.0f} s ({last})")
