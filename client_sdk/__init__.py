"""field-enroll's client SDK: record sign-ups offline and sync them with the server.

Public surface: ``FieldClient`` and its result types, the retry policy, and the error tree
(pinned by tests/client/test_public_surface.py). See docs/client-sdk.md for an example.
"""

from client_sdk.api import RetryPolicy
from client_sdk.client import FieldClient
from client_sdk.errors import (
    AuthError,
    ConflictError,
    FieldEnrollError,
    LoginRequired,
    NetworkError,
    ReceiptBlockExhausted,
    ServerError,
    ValidationError,
)
from client_sdk.models import (
    HouseholdMember,
    HouseholdView,
    LocalRecord,
    ReceiptSummary,
    SyncProgress,
    SyncReport,
)

__all__ = [
    "AuthError",
    "ConflictError",
    "FieldClient",
    "FieldEnrollError",
    "HouseholdMember",
    "HouseholdView",
    "LocalRecord",
    "LoginRequired",
    "NetworkError",
    "ReceiptBlockExhausted",
    "ReceiptSummary",
    "RetryPolicy",
    "ServerError",
    "SyncProgress",
    "SyncReport",
    "ValidationError",
]
