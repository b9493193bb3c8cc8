"""Imports every domain's tables so the metadata (and Alembic) sees them all."""

from server.auth.models import (
    AgentPoint,
    AuthSession,
    CoordinatorCommune,
    Device,
    LoginThrottle,
    RefreshToken,
    User,
)
from server.org.models import CollectionPoint, Commune, Province

__all__ = [
    "AgentPoint",
    "AuthSession",
    "CollectionPoint",
    "Commune",
    "CoordinatorCommune",
    "Device",
    "LoginThrottle",
    "Province",
    "RefreshToken",
    "User",
]
