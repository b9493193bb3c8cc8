"""Signed cookie values: forged, tampered and expired ones are refused."""

from __future__ import annotations

import time
from pathlib import Path

from server.config import Settings
from server.web.session import csrf_token, sign, unsign


def _settings(tmp_path: Path, key: str = "k" * 40) -> Settings:
    return Settings(secret_key=key, secret_file=tmp_path / "secret")


def test_unsign_valid_value_round_trips(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    assert unsign(s, "session", sign(s, "session", "abc"), max_age=60) == "abc"


def test_unsign_other_purpose_or_key_is_refused(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    token = sign(s, "session", "abc")
    assert unsign(s, "login-csrf", token, max_age=60) is None
    assert unsign(_settings(tmp_path, "z" * 40), "session", token, max_age=60) is None
    assert unsign(s, "session", "garbage", max_age=60) is None


def test_unsign_expired_value_is_refused(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    old = sign(s, "session", "abc", now=time.time() - 3601)
    assert unsign(s, "session", old, max_age=3600) is None


def test_csrf_token_differs_per_session(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    assert csrf_token(s, "one") != csrf_token(s, "two")
    assert csrf_token(s, "one") == csrf_token(s, "one")
