"""Commission rates from collection contracts, looked up per point, day, scheme and kind."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from enroll_common.calculator import Scheme
from enroll_common.schemes import Insurance, rules
from server.collectors.models import CollectionContract
from server.collectors.service import contract_on
from server.org.models import CollectionPoint

_FIELDS = {
    (Insurance.VSI, "new"): "vsi_new_bp",
    (Insurance.VSI, "renewal"): "vsi_renewal_bp",
    (Insurance.HI, "new"): "hi_new_bp",
    (Insurance.HI, "renewal"): "hi_renewal_bp",
}
"""Contracts rate per insurance: every HI scheme earns the HI rate."""


class ContractRates:
    """Caches each point's organisation and each (organisation, day)'s contract."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._org: dict[int, int | None] = {}
        self._contract: dict[tuple[int, date], CollectionContract | None] = {}

    def rate_bp(self, point_id: int, day: date, scheme: str, kind: str) -> int | None:
        """The contract's basis points, or None when no contract applies."""
        if point_id not in self._org:
            point = self.session.get(CollectionPoint, point_id)
            self._org[point_id] = point.organisation_id if point else None
        org_id = self._org[point_id]
        if org_id is None or scheme not in Scheme._value2member_map_:
            return None
        field = _FIELDS.get((rules(scheme).insurance, kind))
        if field is None:
            return None
        key = (org_id, day)
        if key not in self._contract:
            self._contract[key] = contract_on(self.session, organisation_id=org_id, day=day)
        contract = self._contract[key]
        return None if contract is None else int(getattr(contract, field))
