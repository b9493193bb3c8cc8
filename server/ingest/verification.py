"""Verification codes: what the participant checks their receipt with (docs/sync-protocol.md §6)."""

from __future__ import annotations

import base64
import hmac


def verification_key(secret: str) -> bytes:
    """A key of its own for verification codes, derived from the server secret."""
    return hmac.new(secret.encode(), b"field-enroll/receipt-verification/v1", "sha256").digest()


def verification_code(key: bytes, *, enrollment_id: str, content_hash: str, seq: int) -> str:
    """10 base32 characters (50 bits): short enough to read out, too many to guess."""
    mac = hmac.digest(key, f"{enrollment_id}|{content_hash}|{seq}".encode(), "sha256")
    return base64.b32encode(mac[:10]).decode()[:10]  # 10 bytes are 16 characters: enough
