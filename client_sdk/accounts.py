"""Accounts on a device: one store per username, tokens, login, refresh and logout."""

from __future__ import annotations

import json
import platform
import uuid
from pathlib import Path
from typing import Any

from client_sdk.api import Api
from client_sdk.errors import FieldEnrollError, LoginRequired
from client_sdk.store import Store


class Accounts:
    """Which account is open, and its session with the server."""

    def __init__(self, api: Api, data_dir: Path, server_url: str) -> None:
        self.api = api
        self.data_dir = data_dir
        self.server_url = server_url
        self.api.refresher = self.refresh
        self.device_key = self._device_key()
        self._store: Store | None = None
        current = self._current_account()
        if current:
            self.open(current)

    def _device_key(self) -> str:
        path = self.data_dir / "device.json"
        if path.exists():
            return str(json.loads(path.read_text(encoding="utf-8"))["device_key"])
        key = str(uuid.uuid4())
        atomic_write(path, json.dumps({"device_key": key, "name": platform.node()}))
        return key

    def _current_account(self) -> str | None:
        path = self.data_dir / "current_account"
        return path.read_text(encoding="utf-8").strip() or None if path.exists() else None

    def open(self, username: str) -> Store:
        if self._store is not None and self._store.get_meta("username") == username:
            return self._store
        if self._store is not None:
            self._store.close()
        self._store = Store(self.data_dir / "accounts" / f"{username}.db")
        self._store.set_meta("username", username)
        self.api.access_token = self._store.get_meta("access_token")
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def store(self) -> Store:
        if self._store is None:
            raise LoginRequired("no account on this device yet: log in first")
        return self._store

    @property
    def username(self) -> str | None:
        return self._store.get_meta("username") if self._store else None

    def login(self, username: str, password: str, device_name: str = "") -> dict[str, Any]:
        """Log in (online). Switching user keeps the other account's records in its own file."""
        body = self.api.request(
            "POST",
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": password,
                "device_id": self.device_key,
                "device_name": device_name or platform.node()[:100],
            },
            auth=False,
        )
        return self.start_session(username, body)

    def login_with_code(self, code: str, device_name: str = "") -> dict[str, Any]:
        """Register this device with a one-time provisioning code (online, no password)."""
        body = self.api.request(
            "POST",
            "/api/v1/auth/provision",
            json={
                "code": code,
                "device_id": self.device_key,
                "device_name": device_name or platform.node()[:100],
            },
            auth=False,
        )
        self.api.access_token = body["access_token"]
        who: dict[str, Any] = self.api.request("GET", "/api/v1/me")
        return self.start_session(str(who["username"]), body)

    def start_session(self, username: str, tokens: dict[str, Any]) -> dict[str, Any]:
        """Open ``username``'s store with a fresh token pair, fetch and keep who they are.

        Also the end of any other way of logging in (a provisioning code, for instance).
        """
        store = self.open(username)
        self._save_tokens(store, tokens)
        me: dict[str, Any] = self.api.request("GET", "/api/v1/me")
        with store.transaction() as conn:
            store.set_meta("me", json.dumps(me, ensure_ascii=False), conn)
            store.set_meta("server_url", self.server_url, conn)
        atomic_write(self.data_dir / "current_account", username)
        return me

    def _save_tokens(self, store: Store, body: dict[str, Any]) -> None:
        with store.transaction() as conn:
            store.set_meta("access_token", body["access_token"], conn)
            store.set_meta("refresh_token", body["refresh_token"], conn)
            store.set_meta("device_id", str(body["device_id"]), conn)
        self.api.access_token = body["access_token"]

    def refresh(self) -> str | None:
        """Rotate the refresh token once; None (log in again) when the session is gone."""
        if self._store is None:
            return None
        token = self._store.get_meta("refresh_token")
        if not token:
            return None
        try:
            body = self.api.request(
                "POST", "/api/v1/auth/refresh", json={"refresh_token": token}, auth=False
            )
        except LoginRequired:
            self._forget_tokens()
            return None
        self._save_tokens(self._store, body)
        return str(body["access_token"])

    def _forget_tokens(self) -> None:
        if self._store is None:
            return
        with self._store.transaction() as conn:
            self._store.set_meta("access_token", None, conn)
            self._store.set_meta("refresh_token", None, conn)
        self.api.access_token = None

    def logout(self) -> None:
        """End the session on the server if reachable; forget tokens; keep every record."""
        if self._store is None:
            return
        if self.api.access_token:
            try:
                self.api.request("POST", "/api/v1/auth/logout")
            except FieldEnrollError:
                pass  # offline or already ended: forgetting the tokens is what matters
        self._forget_tokens()

    @property
    def me(self) -> dict[str, Any]:
        raw = self.store.get_meta("me")
        if raw is None:
            raise LoginRequired("log in first")
        me: dict[str, Any] = json.loads(raw)
        return me

    def set_me(self, me: dict[str, Any]) -> None:
        self.store.set_meta("me", json.dumps(me, ensure_ascii=False))


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
