"""Dashboard knobs an operator may set (``FIELD_ENROLL_WEB_`` environment variables).

Kept beside the web code so the web domain owns them; read once per app and cached on
``app.state``, where a test may replace them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIELD_ENROLL_WEB_", extra="ignore")

    cookie_secure: bool = Field(
        default=False, description="Send cookies only over HTTPS (set it behind TLS)."
    )
    session_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="A browser login lasts this long."
    )
    same_site: Literal["lax", "strict"] = "lax"
    default_language: Literal["vi", "en"] = "vi"
