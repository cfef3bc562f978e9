"""The digest's decision times per step as SQL: percentile_cont on PostgreSQL; on SQLite, which
has none, interpolated from ranked rows with window functions the same way percentile_cont does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Float, Integer, and_, case, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.model import StepStatus
from bot.domain.views import StepTiming
from storage import tables as t

_DECIDED = (StepStatus.APPROVED.value, StepStatus.REJECTED.value)


def step_timings(
    conn: Connection, *, start: datetime, end: datetime, sla_hours: float
) -> list[StepTiming]:
    """Median and p90 decision time per step name for steps decided in [start, end)."""
    postgres = conn.dialect.name == "postgresql"
    hours = _hours(t.steps.c.activated_at, t.steps.c.decided_at, postgres=postgres)
    decided = and_(
        t.steps.c.status.in_(_DECIDED),
        t.steps.c.activated_at.is_not(None),
        t.steps.c.decided_at >= start,
        t.steps.c.decided_at < end,
    )
    if postgres:
        query = (
            select(
                t.steps.c.name,
                func.count().label("n"),
                func.percentile_cont(0.5).within_group(hours).label("p50"),
                func.percentile_cont(0.9).within_group(hours).label("p90"),
                func.count().filter(hours > sla_hours).label("late"),
            )
            .where(decided)
            .group_by(t.steps.c.name)
            .order_by(t.steps.c.name)
        )
    else:
        query = _ranked_percentiles(hours, decided, sla_hours)
    return [
        StepTiming(
            step=r.name,
            decided=int(r.n),
            median_hours=round(float(r.p50), 2),
            p90_hours=round(float(r.p90), 2),
            over_sla=int(r.late or 0),
        )
        for r in conn.execute(query)
    ]


def _hours(start: Any, end: Any, *, postgres: bool) -> ColumnElement[float]:
    if postgres:
        return cast(func.extract("epoch", end - start) / 3600.0, Float)
    return cast((func.julianday(end) - func.julianday(start)) * 24.0, Float)


def _ranked_percentiles(
    hours: ColumnElement[float], decided: ColumnElement[bool], sla_hours: float
) -> Any:
    """percentile_cont(0.5) and (0.9) per step name from row_number() and count() windows."""
    ranked = (
        select(
            t.steps.c.name.label("name"),
            hours.label("h"),
            func.row_number().over(partition_by=t.steps.c.name, order_by=hours).label("rn"),
            func.count().over(partition_by=t.steps.c.name).label("n"),
        )
        .where(decided)
        .subquery()
    )

    def percentile(p: float) -> ColumnElement[Any]:
        # percentile_cont: position 1 + p(n-1); interpolate between its floor and ceiling.
        position = 1.0 + p * (ranked.c.n - 1)
        low = cast(position, Integer)  # positive, so truncation is the floor
        fraction = position - low
        below = func.max(case((ranked.c.rn == low, ranked.c.h)))
        above = func.max(case((ranked.c.rn == low + 1, ranked.c.h), else_=None))
        return below + func.coalesce(
            func.max(case((ranked.c.rn == low, fraction))) * (above - below), 0.0
        )

    return (
        select(
            ranked.c.name,
            func.count().label("n"),
            percentile(0.5).label("p50"),
            percentile(0.9).label("p90"),
            func.sum(case((ranked.c.h > sla_hours, 1), else_=0)).label("late"),
        )
        .group_by(ranked.c.name)
        .order_by(ranked.c.name)
    )
