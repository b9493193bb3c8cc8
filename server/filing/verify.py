"""The public receipt check, extended with the agency's confirmation once it is imported."""

from __future__ import annotations

from sqlmodel import Session

from enroll_common.sync_wire import Verification
from server.collectors.models import CollectionOrganisation
from server.collectors.service import contract_on
from server.enrollments.models import Enrollment
from server.filing.models import FilingEntry
from server.filing.schemas import AgencyVerification
from server.org.models import CollectionPoint


def with_agency(session: Session, found: Verification) -> AgencyVerification:
    """Add the agency's code, the organisation and the contracting office to a verification."""
    out = AgencyVerification(**found.model_dump())
    enrollment = session.get(Enrollment, found.enrollment_id)
    point = session.get(CollectionPoint, enrollment.point_id) if enrollment else None
    if enrollment is None or point is None or point.organisation_id is None:
        return out
    org = session.get(CollectionOrganisation, point.organisation_id)
    contract = contract_on(
        session, organisation_id=point.organisation_id, day=enrollment.payment_date
    )
    entry = session.get(FilingEntry, enrollment.id)
    out.organisation_code = org.code if org else None
    out.si_office_code = contract.si_office_code if contract else None
    if entry is not None:
        out.agency_confirmation_code = entry.confirmation_code
        out.agency_confirmed_on = entry.confirmed_on
    return out
