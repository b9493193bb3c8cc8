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
from server.cash.models import (
    CashHandover,
    CashHandoverItem,
    CashRefund,
    CashTransfer,
    CashTransferItem,
)
from server.changelog import ChangeLog
from server.collectors.models import CollectionContract, CollectionOrganisation
from server.enrollments.first_block import CommuneReceiptSetting
from server.enrollments.models import (
    Enrollment,
    EnrollmentAudit,
    EnrollmentRevision,
    ReceiptBlock,
    ReceiptUse,
)
from server.facilities.models import HealthFacility
from server.filing.models import FilingBatch, FilingEntry
from server.org.models import CollectionPoint, Commune, Province
from server.participants.models import Participant
from server.policy.models import PolicyVersion
from server.provisioning.models import ProvisioningCode
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
    "CashHandover",
    "CashHandoverItem",
    "CashRefund",
    "CashTransfer",
    "CashTransferItem",
    "CollectionContract",
    "CollectionOrganisation",
    "ChangeLog",
    "CommissionRate",
    "CommuneReceiptSetting",
    "CollectionPoint",
    "Commune",
    "CommunePopulation",
    "CoordinatorCommune",
    "Device",
    "Enrollment",
    "HealthFacility",
    "EnrollmentAudit",
    "EnrollmentRevision",
    "FilingBatch",
    "FilingEntry",
    "LoginThrottle",
    "Participant",
    "PolicyVersion",
    "ProgressRefresh",
    "ProgressSummary",
    "ProvisioningCode",
    "Province",
    "ReceiptBlock",
    "ReceiptUse",
    "RefreshToken",
    "Target",
    "TargetRevision",
    "User",
]
