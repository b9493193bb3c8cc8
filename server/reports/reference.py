"""Population figures (CSV import) and commission rates, and the commission report."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from enroll_common.money import round_half_up
from enroll_common.periods import Period, parse_period
from server.auth.models import Role, User
from server.auth.scope import Principal
from server.errors import Forbidden, RuleViolation
from server.org.models import Commune
from server.org.service import readable_points
from server.reports.contract_rates import ContractRates
from server.reports.models import CommissionRate, CommunePopulation, ProgressSummary
from server.reports.schemas import (
    CommissionRateCreate,
    CommissionReport,
    CommissionRow,
    PopulationImportReport,
)
from server.reports.summary import ensure_fresh

POPULATION_COLUMNS = ["commune_code", "year", "population", "working_age", "source"]


def import_population(
    session: Session, *, principal: Principal, content: bytes, dry_run: bool
) -> PopulationImportReport:
    """Load population and working-age figures per commune and year; all rows or none."""
    if not principal.is_admin:
        raise Forbidden("population figures are loaded by an administrator")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleViolation("CSV files must be UTF-8", field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in POPULATION_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise RuleViolation(f"missing column(s): {', '.join(missing)}", field="file")
    communes = {
        c.code
        for c in session.exec(
            select(Commune).where(Commune.province_code == principal.province_code)
        ).all()
    }
    errors: list[dict[str, object]] = []
    rows: list[CommunePopulation] = []
    for number, raw in enumerate(reader, start=2):
        values: dict[str, int] = {}
        for column in POPULATION_COLUMNS[:4]:
            text_value = (raw.get(column) or "").strip().replace(".", "").replace(",", "")
            if not text_value.isdigit():
                errors.append({"row": number, "column": column, "reason": "must be a whole number"})
            else:
                values[column] = int(text_value)
        if len(values) < 4:
            continue
        if values["commune_code"] not in communes:
            errors.append(
                {
                    "row": number,
                    "column": "commune_code",
                    "reason": "not a commune of your province",
                }
            )
        elif values["working_age"] > values["population"]:
            errors.append(
                {"row": number, "column": "working_age", "reason": "larger than the population"}
            )
        else:
            rows.append(
                CommunePopulation(
                    commune_code=values["commune_code"],
                    year=values["year"],
                    population=values["population"],
                    working_age=values["working_age"],
                    source=(raw.get("source") or "").strip()[:200],
                    loaded_by=principal.user_id,
                )
            )
    report = PopulationImportReport(rows=len(rows) + len(errors), written=0, errors=errors)
    if errors or dry_run:
        return report
    for row in rows:
        session.merge(row)
    session.flush()
    report.written = len(rows)
    return report


def get_population(
    session: Session, *, principal: Principal, year: int | None
) -> Sequence[CommunePopulation]:
    stmt = (
        select(CommunePopulation)
        .join(Commune, col(Commune.code) == col(CommunePopulation.commune_code))
        .where(Commune.province_code == principal.province_code)
    )
    if not principal.is_admin:
        stmt = stmt.where(col(CommunePopulation.commune_code).in_(sorted(principal.commune_codes)))
    if year is not None:
        stmt = stmt.where(CommunePopulation.year == year)
    return session.exec(
        stmt.order_by(col(CommunePopulation.year), col(CommunePopulation.commune_code))
    ).all()


def create_rate(
    session: Session, *, principal: Principal, data: CommissionRateCreate
) -> CommissionRate:
    """Add a contract rate; it closes the open rate of the same scheme and kind."""
    if not principal.is_admin:
        raise Forbidden("commission rates are set by an administrator")
    if data.effective_to is not None and data.effective_to < data.effective_from:
        raise RuleViolation("effective_to is before effective_from", field="effective_to")
    overlapping = session.exec(
        select(CommissionRate).where(
            CommissionRate.province_code == principal.province_code,
            CommissionRate.scheme == data.scheme,
            CommissionRate.kind == data.kind,
            col(CommissionRate.effective_from) >= data.effective_from,
        )
    ).first()
    if overlapping is not None:
        raise RuleViolation(
            f"a rate from {overlapping.effective_from} exists; add rates in date order",
            field="effective_from",
        )
    for open_rate in session.exec(
        select(CommissionRate).where(
            CommissionRate.province_code == principal.province_code,
            CommissionRate.scheme == data.scheme,
            CommissionRate.kind == data.kind,
            col(CommissionRate.effective_to).is_(None),
        )
    ).all():
        open_rate.effective_to = data.effective_from - timedelta(days=1)
        session.add(open_rate)
    rate = CommissionRate(
        province_code=principal.province_code, created_by=principal.user_id, **data.model_dump()
    )
    session.add(rate)
    session.flush()
    return rate


def get_rates(session: Session, *, principal: Principal) -> Sequence[CommissionRate]:
    return session.exec(
        select(CommissionRate)
        .where(CommissionRate.province_code == principal.province_code)
        .order_by(
            col(CommissionRate.scheme), col(CommissionRate.kind), col(CommissionRate.effective_from)
        )
    ).all()


def commission_report(
    session: Session, *, principal: Principal, period: Period, refresh: bool = False
) -> CommissionReport:
    """Commission per agent: approved sign-ups' amounts times the rate in force on the first
    day of each month (rates change at month boundaries), plus the per-participant fee.
    Where the point's organisation has a contract in force that day, its rate applies
    instead of the province's table."""
    state = ensure_fresh(
        session, province_code=principal.province_code, years=[period.year], force=refresh
    )
    point_ids = sorted(p.id for p in session.exec(readable_points(principal)).all() if p.id)
    columns: list[Any] = [
        ProgressSummary.agent_id,
        ProgressSummary.point_id,
        ProgressSummary.period,
        ProgressSummary.scheme,
        ProgressSummary.kind,
        func.sum(ProgressSummary.amount_vnd),
        func.sum(ProgressSummary.sign_ups),
    ]
    stmt = (
        sa_select(*columns)
        .where(
            col(ProgressSummary.province_code) == principal.province_code,
            col(ProgressSummary.period).in_([str(m) for m in period.months()]),
            col(ProgressSummary.status) == "approved",
            col(ProgressSummary.point_id).in_(point_ids),
        )
        .group_by(*columns[:5])
    )
    if principal.role is Role.AGENT:
        stmt = stmt.where(col(ProgressSummary.agent_id) == principal.user_id)
    rates = get_rates(session, principal=principal)
    contracts = ContractRates(session)
    totals: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for agent_id, point_id, month, scheme, kind, amount, sign_ups in session.execute(stmt).all():
        first_day = parse_period(month).start
        cell = totals[(int(agent_id), scheme, kind)]
        cell[0] += int(sign_ups or 0)
        cell[1] += int(amount or 0)
        contract_bp = contracts.rate_bp(int(point_id), first_day, scheme, kind)
        if contract_bp is not None:
            cell[2] += round_half_up(Decimal(int(amount or 0)) * contract_bp / Decimal(10_000))
            continue
        rate = next(
            (
                r
                for r in rates
                if r.scheme == scheme
                and r.kind == kind
                and r.effective_from <= first_day
                and (r.effective_to is None or first_day <= r.effective_to)
            ),
            None,
        )
        if rate is not None:
            cell[2] += round_half_up(Decimal(int(amount or 0)) * rate.rate_bp / Decimal(10_000))
            cell[2] += int(sign_ups or 0) * rate.per_participant_vnd
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_(sorted({k[0] for k in totals})))
        ).all()
    }
    rows = [
        CommissionRow(
            agent_id=agent_id,
            agent_code=(users[agent_id].agent_code or users[agent_id].username),
            agent_name=users[agent_id].full_name,
            scheme=scheme,
            kind=kind,
            sign_ups=values[0],
            amount_vnd=values[1],
            commission_vnd=values[2],
        )
        for (agent_id, scheme, kind), values in sorted(
            totals.items(), key=lambda kv: (users[kv[0][0]].agent_code or "", kv[0][1], kv[0][2])
        )
    ]
    return CommissionReport(
        period=str(period),
        as_of=state.refreshed_at,
        rows=rows,
        total_commission_vnd=sum(r.commission_vnd for r in rows),
    )
