"""Every level of the progress report, scoping, periods, kinds, last year and renewals."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import select

from server.config import Settings
from server.enrollments.models import EnrollmentAudit
from server.reports.service import percent
from tests.factories import EA_KAR, EA_KNOP, World, auth, build_world
from tests.reports.data import SignUp, insert_sign_ups

VSI = "voluntary_si"
HI = "household_hi"


def _setup(client: TestClient, engine: Engine, settings: Settings) -> World:
    w = build_world(engine, settings)
    admin = auth(client, "admin")
    for point, agent, value in (("p1", None, 10), ("p1", "agent1", 10), ("p2", None, 4)):
        body = {"period": "2025-Q3", "scheme": VSI, "point_id": w[point], "value": value}
        if agent:
            body["agent_id"] = w[agent]
        assert client.post("/api/v1/targets", json=body, headers=admin).status_code == 201

    def p1(citizen: int, paid: date, **kw: object) -> SignUp:
        return SignUp(citizen, VSI, paid, w["agent1"], w["p1"], EA_KAR, **kw)  # type: ignore[arg-type]

    def p2(citizen: int, paid: date, **kw: object) -> SignUp:
        return SignUp(citizen, VSI, paid, w["agent2"], w["p2"], EA_KNOP, **kw)  # type: ignore[arg-type]

    insert_sign_ups(
        engine,
        [
            p1(1, date(2025, 7, 5)),
            p1(1, date(2025, 8, 5), kind="renewal"),  # same person again in the quarter
            p1(2, date(2025, 7, 9), status="pending", amount_vnd=250_000),
            p1(3, date(2025, 9, 30), kind="renewal"),
            p1(4, date(2025, 10, 1)),  # Q4: outside
            p1(5, date(2025, 8, 1), status="rejected"),
            p1(6, date(2024, 8, 1), months=6),  # same quarter last year
            p1(7, date(2024, 9, 1), months=13),  # coverage ends in 2025-Q3: due for renewal
            p2(8, date(2025, 7, 1)),
            p2(9, date(2025, 7, 2)),
            p2(10, date(2025, 7, 3)),
            p2(11, date(2025, 7, 4)),
            p2(12, date(2025, 7, 5)),
        ],
    )
    return w


def _report(client: TestClient, who: str, **params: str) -> dict[str, object]:
    r = client.get(
        "/api/v1/reports/progress",
        params={"period": "2025-Q3", "scheme": VSI, **params},
        headers=auth(client, who),
    )
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _rows(body: dict[str, object]) -> dict[str, dict[str, object]]:
    return {r["unit_code"]: r for r in body["rows"]}  # type: ignore[attr-defined,index]


def test_point_level_counts_distinct_accepted_participants(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    _setup(client, engine, settings)
    rows = _rows(_report(client, "admin", level="point"))
    p1 = rows["EAKAR-01"]
    assert (p1["achieved"], p1["approved"], p1["pending"], p1["sign_ups"]) == (3, 2, 1, 4)
    assert (p1["target"], p1["percent"], p1["shortfall"], p1["surplus"]) == (10, 30.0, 7, 0)
    assert p1["amount_vnd"] == 550_000
    assert (p1["last_year"], p1["change"], p1["change_percent"]) == (2, 1, 50.0)
    assert p1["due_renewal"] == 1
    p2 = rows["EAKNOP-01"]
    assert (p2["achieved"], p2["percent"], p2["surplus"], p2["shortfall"]) == (5, 125.0, 1, 0)
    assert (p2["rank"], p1["rank"]) == (1, 2)
    assert "HN-01" not in rows


def test_agent_commune_and_province_levels_add_up(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _setup(client, engine, settings)
    agents = {r["unit_id"]: r for r in _report(client, "admin", level="agent")["rows"]}  # type: ignore[attr-defined]
    assert agents[w["agent1"]]["achieved"] == 3 and agents[w["agent1"]]["target"] == 10
    assert agents[w["agent2"]]["achieved"] == 5 and agents[w["agent2"]]["target"] is None
    communes = _rows(_report(client, "admin", level="commune"))
    assert communes[str(EA_KAR)]["achieved"] == 3 and communes[str(EA_KAR)]["target"] == 10
    assert communes[str(EA_KNOP)]["achieved"] == 5
    province = _report(client, "admin", level="province")
    (row,) = province["rows"]  # type: ignore[misc]
    assert (row["achieved"], row["target"], row["percent"]) == (8, 14, 57.1)
    (total,) = province["totals"]  # type: ignore[misc]
    assert total["achieved"] == 8


def test_month_and_year_periods_count_each_person_once(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    _setup(client, engine, settings)
    july = _rows(_report(client, "admin", level="point", period="2025-07"))
    assert july["EAKAR-01"]["achieved"] == 2  # citizens 1 and 2
    august = _rows(_report(client, "admin", level="point", period="2025-08"))
    assert august["EAKAR-01"]["achieved"] == 1  # citizen 1 again, counted in August too
    year = _rows(_report(client, "admin", level="point", period="2025"))
    assert year["EAKAR-01"]["achieved"] == 4  # 1, 2, 3 and 4


def test_kind_filter_counts_new_and_renewal_apart(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    _setup(client, engine, settings)
    new = _rows(_report(client, "admin", level="point", kind="new"))
    renewal = _rows(_report(client, "admin", level="point", kind="renewal"))
    assert new["EAKAR-01"]["achieved"] == 2  # 1 and 2
    assert renewal["EAKAR-01"]["achieved"] == 2  # 1 (August) and 3


def test_coordinator_sees_only_their_commune_and_not_the_province(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    _setup(client, engine, settings)
    assert set(_rows(_report(client, "coord1", level="point"))) == {"EAKAR-01"}
    r = client.get(
        "/api/v1/reports/progress",
        params={"period": "2025-Q3", "level": "province"},
        headers=auth(client, "coord1"),
    )
    assert r.status_code == 403 and r.json()["field"] == "level"


def test_agent_sees_only_their_own_row(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _setup(client, engine, settings)
    body = _report(client, "agent1", level="agent")
    assert [r["unit_id"] for r in body["rows"]] == [w["agent1"]]  # type: ignore[attr-defined]
    r = client.get(
        "/api/v1/reports/progress",
        params={"period": "2025-Q3", "level": "commune"},
        headers=auth(client, "agent1"),
    )
    assert r.status_code == 403


def test_new_sign_up_shows_after_refresh(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    w = _setup(client, engine, settings)
    assert _rows(_report(client, "admin", level="point"))["EAKAR-01"]["achieved"] == 3
    insert_sign_ups(engine, [SignUp(99, VSI, date(2025, 9, 1), w["agent1"], w["p1"], EA_KAR)])
    fresh = _rows(_report(client, "admin", level="point", refresh="true"))
    assert fresh["EAKAR-01"]["achieved"] == 4


def test_bad_period_names_the_field(client: TestClient, engine: Engine, settings: Settings) -> None:
    build_world(engine, settings)
    r = client.get(
        "/api/v1/reports/progress", params={"period": "Q3"}, headers=auth(client, "admin")
    )
    assert r.status_code == 422 and r.json()["field"] == "period"


def test_percent_rounds_exact_ratio_half_up() -> None:
    assert percent(2005, 3200) == 62.7  # 62.65625
    assert percent(130_629, 136_744) == 95.5
    assert percent(1, 8) == 12.5
    assert percent(1, 16) == 6.3  # 6.25 rounds up, not to even
    assert percent(5, None) is None and percent(5, 0) is None
    assert percent(-1, 16) == -6.3  # a fall: ties away from zero, as ROUND_HALF_UP
    assert str(percent(-1, 100_000)) == "-0.0"  # as Decimal's -0.0 gave


def _percent_by_decimal(numerator: int, denominator: int) -> float:
    """The rule as first written (Fraction, then Decimal ROUND_HALF_UP): the reference."""
    exact = Fraction(numerator * 100, denominator)
    rounded = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return float(rounded)


def test_percent_in_integers_gives_the_decimal_figures_for_small_ratios() -> None:
    # every ratio of small counts, where ties (x.x5 exactly) and -0.0 are common
    for denominator in range(1, 161):
        for numerator in range(-400, 401):
            got, want = percent(numerator, denominator), _percent_by_decimal(numerator, denominator)
            assert str(got) == str(want), (numerator, denominator)


@given(
    st.integers(min_value=-(10**13), max_value=10**13),
    st.integers(min_value=1, max_value=10**13) | st.integers(min_value=1, max_value=400),
)
def test_percent_in_integers_gives_the_decimal_figures(numerator: int, denominator: int) -> None:
    # amounts in VND reach 10^13 (a province's year); ties and -0.0 come up with small ones
    got, want = percent(numerator, denominator), _percent_by_decimal(numerator, denominator)
    assert got == want and str(got) == str(want)


def test_slow_summary_is_served_as_of_last_rebuild_until_refreshed(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    from sqlmodel import Session

    from server.reports.models import ProgressRefresh

    w = _setup(client, engine, settings)
    assert _rows(_report(client, "admin", level="point"))["EAKAR-01"]["achieved"] == 3
    with Session(engine) as s:
        for state in s.exec(select(ProgressRefresh)).all():
            state.duration_ms = 60_000  # as if a rebuild took a minute
            s.add(state)
        s.commit()
    insert_sign_ups(engine, [SignUp(99, VSI, date(2025, 9, 1), w["agent1"], w["p1"], EA_KAR)])
    with Session(engine) as s:  # a new audit row moves the watermark, as a push would
        s.add(EnrollmentAudit(entity="enrollment", entity_id="x", action="push", detail={}))
        s.commit()
    assert _rows(_report(client, "admin", level="point"))["EAKAR-01"]["achieved"] == 3
    assert (
        _rows(_report(client, "admin", level="point", refresh="true"))["EAKAR-01"]["achieved"] == 4
    )
