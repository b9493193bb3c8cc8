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
from server.changelog import ChangeLog
from server.enrollments.first_block import CommuneReceiptSetting
from server.enrollments.models import (
    Enrollment,
    EnrollmentAudit,
    EnrollmentRevision,
    ReceiptBlock,
    ReceiptUse,
)
from server.org.models import CollectionPoint, Commune, Province
from server.participants.models import Participant
from server.policy.models import PolicyVersion
from server.reports.models import (
    CommissionRate,
    CommunePopulation,
    ProgressRefresh,
    ProgressSummary,
)
from server.targets.models import Target, TargetRevision

__all__ = [
    "AgentPoint",
    "AuthSession",
    "ChangeLog",
    "CommissionRate",
    "CommuneReceiptSetting",
    "CollectionPoint",
    "Commune",
    "CommunePopulation",
    "CoordinatorCommune",
    "Device",
    "Enrollment",
    "EnrollmentAudit",
    "EnrollmentRevision",
    "LoginThrottle",
    "Participant",
    "PolicyVersion",
    "ProgressRefresh",
    "ProgressSummary",
    "Province",
    "ReceiptBlock",
    "ReceiptUse",
    "RefreshToken",
    "Target",
    "TargetRevision",
    "User",
]
