"""Service functions other domains call: load_policy_set and mark_used."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session

from enroll_common import PolicySet, QuoteRequest, Scheme, quote
from server.auth.models import User
from server.auth.scope import Principal
from server.errors import Conflict
from server.policy import service
from server.policy.initial import initial_policy_dicts
from server.policy.models import PolicyVersion
from server.policy.schemas import PolicyVersionCreate, PolicyVersionUpdate
from tests.factories import build_world


def _admin(engine, settings) -> Principal:
    w = build_world(engine, settings)
    with Session(engine) as s:
        user = s.get(User, w["admin"])
        assert user is not None
    return Principal(
        user=user,
        role=user.role,  # type: ignore[arg-type]
        province_code=66,
        device_id=None,
        session_id=None,
        commune_codes=frozenset(),
        point_ids=frozenset(),
    )


def test_load_policy_set_matches_the_shipped_rows(engine):
    with Session(engine) as s:
        loaded = service.load_policy_set(s)
    shipped = PolicySet.from_dicts(initial_policy_dicts())
    assert loaded.rows() == shipped.rows()
    req = QuoteRequest(Scheme.HOUSEHOLD_HI, date(2025, 3, 10), 12, household_ordinal=2)
    assert quote(req, loaded) == quote(req, shipped)


def test_mark_used_sets_first_used_at_once(engine):
    with Session(engine) as s:
        service.mark_used(s, [2, 4, 2])
        service.mark_used(s, [])
        s.commit()
    with Session(engine) as s:
        first = s.get(PolicyVersion, 2)
        assert first is not None and first.first_used_at is not None
        stamp = first.first_used_at
        assert s.get(PolicyVersion, 3).first_used_at is None  # type: ignore[union-attr]
    time.sleep(0.01)
    with Session(engine) as s:
        service.mark_used(s, (2, 3))
        s.commit()
    with Session(engine) as s:
        assert s.get(PolicyVersion, 2).first_used_at == stamp  # type: ignore[union-attr]
        assert s.get(PolicyVersion, 3).first_used_at is not None  # type: ignore[union-attr]


def test_update_version_after_mark_used_in_same_session_is_conflict(engine, settings):
    admin = _admin(engine, settings)
    with Session(engine) as s:
        version = service.get_version_or_raise(s, version_id=4)
        service.mark_used(s, [4])
        with pytest.raises(Conflict):
            service.update_version(
                s, principal=admin, version=version, data=PolicyVersionUpdate(source="x")
            )


# SQLite runs one writer at a time; the lock under test is PostgreSQL's.
@pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_edit_waits_for_a_pricing_transaction_to_finish(engine, settings):
    """An admin's edit cannot slip between pricing a sign-up and marking the rows used."""
    admin = _admin(engine, settings)
    outcome: list[str] = []
    pricing = Session(engine)
    service.load_policy_set(pricing)  # holds the shared lock until commit

    def edit() -> None:
        with Session(engine) as s:
            s.execute(text("SET lock_timeout = '10s'"))
            version = service.get_version_or_raise(s, version_id=4)
            try:
                service.update_version(
                    s, principal=admin, version=version, data=PolicyVersionUpdate(value="0.05")
                )
                s.commit()
                outcome.append("edited")
            except Conflict:
                outcome.append("conflict")

    thread = threading.Thread(target=edit)
    thread.start()
    try:
        time.sleep(0.5)
        waited = list(outcome)
        service.mark_used(pricing, [4])
        pricing.commit()
    finally:
        pricing.close()
        thread.join(timeout=15)
    assert waited == []  # the edit was still waiting for the pricing transaction
    assert outcome == ["conflict"]


def test_create_version_through_service_validates_like_the_calculator(engine, settings):
    admin = _admin(engine, settings)
    with Session(engine) as s:
        created = service.create_version(
            s,
            principal=admin,
            data=PolicyVersionCreate(
                parameter="vsi_income_floor",
                value=2_200_000,
                effective_from=date(2027, 1, 1),
                source="Nghị định mới về chuẩn nghèo",
            ),
        )
        s.commit()
        assert created.version.id == len(initial_policy_dicts()) + 1
        assert created.closed == [] and created.superseded == []  # row 9 ends 2026-12-31
        policy = service.load_policy_set(s)
    assert (
        policy.in_force("vsi_income_floor", date(2027, 3, 1)).id == len(initial_policy_dicts()) + 1
    )
