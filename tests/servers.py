"""Real servers for tests: processes (start, SIGKILL, restart on the same database) and a
restartable in-process server on a thread."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from server.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ServerProcess:
    """``uvicorn server.main:create_app --factory`` in its own process."""

    def __init__(
        self, settings: Settings, port: int | None = None, log_path: Path | None = None
    ) -> None:
        self.settings = settings
        self.port = port or free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> ServerProcess:
        return self.launch().wait_ready(timeout)

    def launch(self) -> ServerProcess:
        """Start the process without waiting (launch several, then wait for each)."""
        env = {
            **os.environ,
            "FIELD_ENROLL_DATABASE_URL": self.settings.database_url,
            "FIELD_ENROLL_SECRET_KEY": self.settings.secret_key,
            "FIELD_ENROLL_ARGON2_MEMORY_KIB": "1024",
            "FIELD_ENROLL_ARGON2_TIME_COST": "1",
            "FIELD_ENROLL_ARGON2_PARALLELISM": "1",
        }
        # Appending keeps the log of a killed run when the server is started again.
        log = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "server.main:create_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            if not isinstance(log, int):
                log.close()  # the child holds its own descriptor
        return self

    def wait_ready(self, timeout: float = 30) -> ServerProcess:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.proc.returncode} (log: {self.log_path})"
                )
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start in {timeout:.0f} s (log: {self.log_path})")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, whatever it was doing."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class ThreadServer:
    """The app under uvicorn in a thread, stoppable and restartable on the same port."""

    def __init__(self, app: object, port: int | None = None) -> None:
        import uvicorn

        self._uvicorn = uvicorn
        self.app = app
        self.port = port or free_port()
        self._server: object | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> ThreadServer:
        config = self._uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        server = self._uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("thread server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True  # type: ignore[attr-defined]
            self._thread.join(timeout=10)
        self._thread = None
