"""A loopback TCP proxy that can cut a connection after the request reached the server.

Faults are injected on the wire, between the real client and the real server: ``cut(n)``
makes the next ``n`` exchanges whose request line contains ``match`` lose their response
(the request is forwarded and answered by the server, then the client's socket is closed),
and ``inject(status, headers, n)`` answers the next ``n`` matching requests itself without
forwarding them (for 429/503 with Retry-After).
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress


class FaultProxy:
    def __init__(
        self, upstream_host: str, upstream_port: int, match: bytes = b"/sync/push"
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.match = match
        self._cuts = 0
        self._injections: list[tuple[int, dict[str, str]]] = []
        self.cut_count = 0
        self.injected_count = 0
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self, n: int = 1) -> None:
        with self._lock:
            self._cuts += n

    def inject(self, status: int, headers: dict[str, str], n: int = 1) -> None:
        with self._lock:
            self._injections.extend([(status, headers)] * n)

    def close(self) -> None:
        self._closed = True
        with suppress(OSError):
            self._sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            body += chunk
        return head + b"\r\n\r\n" + body

    def _serve(self, client: socket.socket) -> None:
        """One request per connection (Connection: close upstream), which keeps this simple."""
        with client:
            request = self._read_request(client)
            if request is None:
                return
            first_line = request.split(b"\r\n", 1)[0]
            matched = self.match in first_line
            with self._lock:
                inject = self._injections.pop(0) if matched and self._injections else None
                cut = matched and inject is None and self._cuts > 0
                if cut:
                    self._cuts -= 1
            if inject is not None:
                status, headers = inject
                body = b'{"type":"unavailable","detail":"injected by the test proxy"}'
                lines = [f"HTTP/1.1 {status} Injected".encode()]
                lines += [f"{k}: {v}".encode() for k, v in headers.items()]
                lines += [
                    b"Content-Type: application/json",
                    f"Content-Length: {len(body)}".encode(),
                    b"Connection: close",
                ]
                client.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
                self.injected_count += 1
                return
            # Force one exchange per upstream connection.
            head, _, body = request.partition(b"\r\n\r\n")
            head_lines = [
                line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")
            ]
            head_lines.append(b"Connection: close")
            try:
                upstream = socket.create_connection(self.upstream, timeout=60)
            except OSError:
                return  # server down: the client sees its connection closed
            response = b""
            with upstream:
                try:
                    upstream.sendall(b"\r\n".join(head_lines) + b"\r\n\r\n" + body)
                    while True:
                        chunk = upstream.recv(65536)
                        if not chunk:
                            break
                        response += chunk
                except OSError:
                    return
            if cut:
                self.cut_count += 1
                return  # the server answered; the client never hears it
            with suppress(OSError):
                client.sendall(response)
