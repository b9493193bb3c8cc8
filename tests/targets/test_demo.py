"""The demo seed's targets: Ea Kar's article figures, exact splits, nothing to warn about."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from enroll_common.periods import parse_period
from server.auth.models import User
from server.auth.security import Passwords
from server.auth.service import load_principal
from server.config import Settings
from server.demo import seed_demo
from server.reports.models import CommissionRate, CommunePopulation
from server.targets.models import Target
from server.targets.service import target_warnings


def test_demo_seed_sets_ea_kar_year_targets_that_add_up(engine: Engine, settings: Settings) -> None:
    with Session(engine) as s:
        seed_demo(s, Passwords(settings))
        s.commit()
        ea_kar = s.exec(
            select(Target.scheme, func.sum(Target.value))
            .where(
                Target.commune_code == 24373,
                Target.period == "2025",
                col(Target.agent_id).is_(None),
            )
            .group_by(Target.scheme)
        ).all()
        assert dict(ea_kar) == {"voluntary_si": 3200, "household_hi": 136_744}
        admin = s.exec(select(User).where(User.username == "admin")).one()
        principal = load_principal(s, admin, device_id=None, session_id=None)
        assert target_warnings(s, principal=principal, period=parse_period("2025")) == []
        populated = select(func.count()).where(CommunePopulation.year == 2025)
        assert s.exec(populated).one() == 10
        assert s.exec(select(func.count()).select_from(CommissionRate)).one() == 4
