"""The shipped nginx site (deploy/nginx/field-enroll.conf) in front of two real server
processes on loopback: TLS, the real client address, request ids, body limits, static files
and a restart of one instance at a time without a failed request.

Clients connect to nginx from 127.0.0.2 and 127.0.0.3 (all of 127/8 is loopback), so nginx
sees, and forwards, two different addresses, as it would two phones in two communes.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.config import Settings
from tests.factories import PASSWORD, build_world
from tests.ops.logs import entries
from tests.servers import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "field-enroll.conf"
STATIC = ROOT / "server" / "web" / "static"


@dataclass
class Edge:
    url: str
    http_url: str
    tls: ssl.SSLContext
    tmp: Path
    servers: list[ServerProcess]

    def client(self, source: str) -> httpx.Client:
        """A client whose connections come from ``source`` (a loopback address)."""
        transport = httpx.HTTPTransport(local_address=source, verify=self.tls)
        return httpx.Client(base_url=self.url, transport=transport, timeout=30)

    def server_log(self) -> list[dict[str, object]]:
        return [e for s in self.servers for e in entries(s.log_path)]  # type: ignore[arg-type]

    def access_log(self) -> str:
        return (self.tmp / "field-enroll.access.log").read_text()

    def eventually(self, check, timeout: float = 5, *, log=None) -> bool:  # type: ignore[no-untyped-def]
        """Log lines are written just after the answer (the server's, or nginx's with
        ``log=edge.access_log``); give them a moment."""
        read = log or self.server_log
        deadline = time.monotonic() + timeout
        while not check(read()):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True


def _site(tmp: Path, https: int, http: int, upstreams: list[int], cert: Path, key: Path) -> str:
    text = SITE.read_text(encoding="utf-8")
    swaps = {
        "server 127.0.0.1:8001 ": f"server 127.0.0.1:{upstreams[0]} ",
        "server 127.0.0.1:8002 ": f"server 127.0.0.1:{upstreams[1]} ",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "/etc/letsencrypt/live/enroll.example.vn/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/enroll.example.vn/privkey.pem": str(key),
        "/var/log/nginx/": f"{tmp}/",
        "/opt/field-enroll/server/web/static/": f"{STATIC}/",
    }
    for old, new in swaps.items():
        assert old in text, f"{SITE} no longer contains {old!r}; update this test with it"
        text = text.replace(old, new)
    return text


def _nginx_conf(tmp: Path, site: Path) -> str:
    temp = {name: tmp / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
        folder.chmod(0o777)
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\ndaemon off;\npid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/nginx-error.log info;\nevents {{ worker_connections 256; }}\n"
        "http {\n    include /etc/nginx/mime.types;\n"
        f"    client_body_temp_path {temp['body']};\n    proxy_temp_path {temp['proxy']};\n"
        f"    fastcgi_temp_path {temp['fastcgi']};\n    uwsgi_temp_path {temp['uwsgi']};\n"
        f"    scgi_temp_path {temp['scgi']};\n    include {site};\n}}\n"
    )


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    import socket

    deadline = time.monotonic() + 15
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {log.read_text() if log.exists() else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise RuntimeError("nginx did not listen")
        time.sleep(0.05)


@pytest.fixture
def edge(settings: Settings, engine, tmp_path: Path) -> Iterator[Edge]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx missing: .ci/run installs nginx-light"
    build_world(engine, settings)
    behind_proxy = settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    servers = [
        ServerProcess(behind_proxy, log_path=tmp_path / f"server-{n}.log").launch()
        for n in range(2)
    ]
    proc = None
    try:
        for server in servers:
            server.wait_ready()
        cert, key = _self_signed(tmp_path)
        https, http = free_port(), free_port()
        site = tmp_path / "site.conf"
        site.write_text(_site(tmp_path, https, http, [s.port for s in servers], cert, key))
        conf = tmp_path / "nginx.conf"
        conf.write_text(_nginx_conf(tmp_path, site))
        check = subprocess.run(
            [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "e.log")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        proc = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "e.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(https, proc, tmp_path / "nginx-error.log")
        tls = ssl.create_default_context(cafile=str(cert))
        yield Edge(f"https://127.0.0.1:{https}", f"http://127.0.0.1:{http}", tls, tmp_path, servers)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        for server in servers:
            server.stop()


def _login(client: httpx.Client, username: str, password: str, **headers: str) -> httpx.Response:
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password, "device_id": "phone-1"},
        headers=headers,
    )


def test_throttle_counts_the_real_client_not_the_proxy(edge: Edge, settings: Settings):
    """The issue's case: a guesser locks out its own address, not the whole province."""
    with edge.client("127.0.0.2") as guesser, edge.client("127.0.0.3") as agent:
        for n in range(settings.login_max_failures_per_address):
            # A made-up account each time, and a forged X-Forwarded-For: neither helps.
            r = _login(guesser, f"made.up.{n}", "guess", **{"X-Forwarded-For": f"10.9.8.{n}"})
            assert r.status_code == 401, r.text
        locked = _login(guesser, "made.up.last", "guess")
        assert locked.status_code == 429 and locked.headers["retry-after"]
        assert _login(guesser, "agent.eakar", PASSWORD).status_code == 429  # that address only
        ok = _login(agent, "agent.eakar", PASSWORD)  # another phone, another address
        assert ok.status_code == 200, ok.text
    assert edge.eventually(
        lambda log: (
            {e["client"] for e in log if e.get("route") == "/api/v1/auth/login"}
            == {"127.0.0.2", "127.0.0.3"}
        )
    )


def test_request_id_and_client_address_reach_both_logs(edge: Edge):
    with edge.client("127.0.0.3") as phone:
        token = _login(phone, "agent.eakar", PASSWORD).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        given = phone.get("/api/v1/me", headers={**auth, "X-Request-ID": "phone-7-retry-3"})
        made = phone.get("/api/v1/users/999999", headers=auth)
    assert given.status_code == 200 and given.headers["x-request-id"] == "phone-7-retry-3"
    assert edge.eventually(lambda log: any(e.get("request_id") == "phone-7-retry-3" for e in log))
    line = next(e for e in edge.server_log() if e.get("request_id") == "phone-7-retry-3")
    assert line["client"] == "127.0.0.3" and line["user"] == "agent.eakar"
    # No id given: nginx's own (32 hex digits) is used by the server, in the error body too.
    rid = made.json()["request_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid) and made.headers["x-request-id"] == rid
    assert edge.eventually(lambda log: any(e.get("request_id") == rid for e in log))
    # nginx too writes its access line after the answer has gone out.
    assert edge.eventually(lambda text: f"rid={rid} " in text, log=edge.access_log)
    access = edge.access_log()
    assert re.search(r"^127\.0\.0\.3 .*rid=phone-7-retry-3 ", access, re.M)
    assert f"rid={rid} " in access


def test_bodies_over_the_limit_stop_at_nginx(edge: Edge):
    big = b"x" * (8 * 1024 * 1024 + 1)
    with edge.client("127.0.0.2") as client:
        r = client.post(
            "/api/v1/sync/push", content=big, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413
        assert r.json()["type"] == "payload_too_large" and r.json()["request_id"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(9):
                yield b"x" * (1024 * 1024)

        streamed = client.post("/api/v1/sync/push", content=chunks())
        assert streamed.status_code == 413
        small = client.post("/api/v1/sync/push", json={"records": []})
        assert small.status_code == 401  # reached the server, which wants a token
    assert edge.eventually(  # the big ones never reached it
        lambda log: [e["status"] for e in log if e.get("route") == "/api/v1/sync/push"] == [401]
    )


def test_tls_redirect_static_files_and_private_metrics(edge: Edge):
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as plain:
        r = plain.get(f"{edge.http_url}/web/login")
        assert r.status_code == 301 and r.headers["location"].startswith("https://")
    with edge.client("127.0.0.2") as client:
        css = client.get("/web/static/style.css")
        assert css.status_code == 200
        assert css.content == (STATIC / "style.css").read_bytes()
        assert client.get("/metrics").status_code == 403  # internal network only
        assert client.get("/api/v1/health/ready").status_code == 200
    assert not any(e.get("path") == "/web/static/style.css" for e in edge.server_log())


def test_restarting_one_instance_at_a_time_fails_no_request(edge: Edge):
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def traffic() -> None:
        nonlocal answered
        with edge.client("127.0.0.3") as phone:
            while not stop.is_set():
                try:
                    r = phone.get("/api/v1/health/ready")
                    if r.status_code != 200:
                        failures.append(f"{r.status_code} {r.text[:100]}")
                    answered += 1
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))

    worker = threading.Thread(target=traffic)
    worker.start()
    try:
        for server in edge.servers:  # the recipe: stop one, start it, wait until ready and
            server.stop()  # past nginx's fail_timeout (2 s), then the next one
            server.start()
            time.sleep(3)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert answered > 20
    assert failures == []
