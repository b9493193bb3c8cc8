"""The demo seed's targets: commune scale, months and quarters adding up, nothing to warn."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from enroll_common.periods import parse_period
from server.auth.models import User
from server.auth.security import Passwords
from server.auth.service import load_principal
from server.config import Settings
from server.demo import seed_demo
from server.policy.service import today_local
from server.reports.models import CommissionRate, CommunePopulation
from server.targets.models import Target
from server.targets.warnings import target_warnings


def _sums(s: Session, kind: str, year: int) -> dict[str, int]:
    rows = s.exec(
        select(Target.scheme, func.sum(Target.value))
        .where(
            Target.commune_code == 24373,
            Target.period_kind == kind,
            col(Target.period).startswith(str(year)),
            col(Target.agent_id).is_(None),
        )
        .group_by(Target.scheme)
    ).all()
    return dict(rows)


def test_demo_seed_sets_commune_scale_targets_that_add_up(
    engine: Engine, settings: Settings
) -> None:
    year = today_local().year
    with Session(engine) as s:
        seed_demo(s, Passwords(settings))
        s.commit()
        for y in (year - 1, year):
            assert _sums(s, "year", y) == {"voluntary_si": 120, "household_hi": 660}
            assert _sums(s, "month", y) == _sums(s, "year", y) == _sums(s, "quarter", y)
        agents = s.exec(
            select(func.sum(Target.value)).where(
                Target.commune_code == 24373,
                Target.period == f"{year}-03",
                Target.scheme == "household_hi",
                col(Target.agent_id).is_not(None),
            )
        ).one()
        point = _sums(s, "month", year)  # agents' March shares add up to the points' March
        march = s.exec(
            select(func.sum(Target.value)).where(
                Target.commune_code == 24373,
                Target.period == f"{year}-03",
                Target.scheme == "household_hi",
                col(Target.agent_id).is_(None),
            )
        ).one()
        assert agents == march and point["household_hi"] == 660
        admin = s.exec(select(User).where(User.username == "admin")).one()
        principal = load_principal(s, admin, device_id=None, session_id=None)
        assert target_warnings(s, principal=principal, period=parse_period(str(year))) == []
        populated = select(func.count()).where(CommunePopulation.year == year)
        assert s.exec(populated).one() == 10
        assert s.exec(select(func.count()).select_from(CommissionRate)).one() == 4
