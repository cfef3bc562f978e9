"""When a waiting step is due a reminder or an escalation: pure timing, no I/O."""

from __future__ import annotations

import enum
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.model import Step, StepStatus
from bot.domain.policy_schema import Reminders


class Nudge(enum.StrEnum):
    REMIND = "remind"
    ESCALATE = "escalate"


def waiting_hours(
    start: datetime, end: datetime, *, timezone: str, business_days_only: bool
) -> float:
    """Hours from start to end; with business_days_only, Saturdays and Sundays (in the
    company's zone) do not count."""
    if end <= start:
        return 0.0
    if not business_days_only:
        return (end - start).total_seconds() / 3600
    zone = ZoneInfo(timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = timedelta()
    day = local_start.date()
    while day <= local_end.date():
        if day.weekday() < 5:
            opens = datetime.combine(day, time(0), tzinfo=zone)
            closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
            overlap = min(closes, local_end) - max(opens, local_start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def nudge_due(step: Step, *, now: datetime, settings: Reminders, timezone: str) -> Nudge | None:
    """What a step waiting since its activation needs now: nothing, a reminder (once) or the
    escalation (once; it comes after the reminder's hours by the policy's check)."""
    if step.status is not StepStatus.ACTIVE or step.activated_at is None:
        return None
    if step.escalated_at is not None:
        return None
    hours = waiting_hours(
        step.activated_at, now, timezone=timezone, business_days_only=settings.business_days_only
    )
    if hours >= settings.escalate_after_hours:
        return Nudge.ESCALATE
    if step.reminded_at is None and hours >= settings.remind_after_hours:
        return Nudge.REMIND
    return None
