"""Real servers for tests: processes (start, SIGKILL, restart on the same database) and a
restartable in-process server on a thread. Both go through ``server.launcher``, the code
``enroll-server serve`` runs."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from server import launcher
from server.config import Settings

free_port = launcher.free_port


class ServerProcess:
    """``enroll-server serve`` in its own process, configured by exactly ``settings``."""

    def __init__(
        self,
        settings: Settings,
        port: int | None = None,
        log_path: Path | None = None,
        *,
        host: str = "127.0.0.1",
        workers: int = 1,
    ) -> None:
        self.settings = settings.model_copy(
            update={"argon2_memory_kib": 1024, "argon2_time_cost": 1, "argon2_parallelism": 1}
        )
        self.host = host
        self.port = port or free_port(host)
        self.workers = workers
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30) -> ServerProcess:
        return self.launch().wait_ready(timeout)

    def launch(self) -> ServerProcess:
        """Start the process without waiting (launch several, then wait for each)."""
        # Appending keeps the log of a killed run when the server is started again.
        log = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        try:
            self.proc = launcher.spawn(
                self.settings, host=self.host, port=self.port, workers=self.workers, log=log
            )
        finally:
            if not isinstance(log, int):
                log.close()  # the child holds its own descriptor
        return self

    def wait_ready(self, timeout: float = 30) -> ServerProcess:
        try:
            launcher.wait_ready(self.url, self.proc, timeout)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc} (log: {self.log_path})") from exc
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, whatever it was doing."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class ThreadServer(launcher.InThread):
    """The app under uvicorn in a thread, stoppable and restartable on the same port."""

    def __init__(self, app: object, port: int | None = None) -> None:
        super().__init__(app, port=port or 0)  # type: ignore[arg-type]
