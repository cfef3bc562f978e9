"""Reminder and escalation timing: pure, with a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app.clock import FixedClock
from bot.domain.model import Step, StepMode, StepStatus
from bot.domain.policy_schema import Reminders
from bot.domain.reminders import Nudge, nudge_due, waiting_hours

NY = "America/New_York"
# Friday 20 Nov 2026, 10:00 in New York
FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def step(activated: datetime) -> Step:
    return Step(
        name="IT review",
        group="IT review",
        stage=1,
        mode=StepMode.ANY,
        approvers=["ines.it@acme.example"],
        reason="",
        status=StepStatus.ACTIVE,
        activated_at=activated,
    )


def test_weekend_hours_do_not_count_on_business_days() -> None:
    monday = FRIDAY + timedelta(days=3)
    assert waiting_hours(FRIDAY, monday, timezone=NY, business_days_only=False) == 72
    # Friday 10:00 -> midnight is 14 h, Monday midnight -> 10:00 is 10 h
    assert waiting_hours(FRIDAY, monday, timezone=NY, business_days_only=True) == 24
    assert waiting_hours(monday, FRIDAY, timezone=NY, business_days_only=True) == 0


def test_weekend_is_the_company_zone_weekend() -> None:
    # Saturday 02:00 UTC is still Friday evening in New York: it counts.
    start = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    end = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    assert waiting_hours(start, end, timezone=NY, business_days_only=True) == 3
    assert waiting_hours(start, end, timezone="UTC", business_days_only=True) == 0


def test_one_reminder_then_one_escalation() -> None:
    settings = Reminders(remind_after_hours=24, escalate_after_hours=72, business_days_only=False)
    clock = FixedClock(FRIDAY)
    s = step(clock.now())
    clock.advance(hours=23, minutes=59)
    assert nudge_due(s, now=clock.now(), settings=settings, timezone=NY) is None
    clock.advance(minutes=1)
    assert nudge_due(s, now=clock.now(), settings=settings, timezone=NY) is Nudge.REMIND
    s.reminded_at = clock.now()
    clock.advance(hours=47)
    assert nudge_due(s, now=clock.now(), settings=settings, timezone=NY) is None
    clock.advance(hours=1)
    assert nudge_due(s, now=clock.now(), settings=settings, timezone=NY) is Nudge.ESCALATE
    s.escalated_at = clock.now()
    clock.advance(hours=100)
    assert nudge_due(s, now=clock.now(), settings=settings, timezone=NY) is None


def test_business_days_push_the_reminder_past_the_weekend() -> None:
    settings = Reminders(remind_after_hours=24, escalate_after_hours=72, business_days_only=True)
    clock = FixedClock(FRIDAY)
    s = step(clock.now())
    clock.advance(days=2, hours=23)  # Monday 09:00: only 23 working hours
    assert nudge_due(s, now=clock.now(), settings=settings, timezone=NY) is None
    clock.advance(hours=1)
    assert nudge_due(s, now=clock.now(), settings=settings, timezone=NY) is Nudge.REMIND


def test_long_downtime_escalates_without_a_reminder_first() -> None:
    settings = Reminders(remind_after_hours=24, escalate_after_hours=72, business_days_only=False)
    s = step(FRIDAY)
    assert nudge_due(s, now=FRIDAY + timedelta(days=5), settings=settings, timezone=NY) is (
        Nudge.ESCALATE
    )


def test_decided_or_waiting_steps_need_nothing() -> None:
    settings = Reminders()
    s = step(FRIDAY)
    s.status = StepStatus.APPROVED
    assert nudge_due(s, now=FRIDAY + timedelta(days=9), settings=settings, timezone=NY) is None
    s = step(FRIDAY)
    s.status, s.activated_at = StepStatus.WAITING, None
    assert nudge_due(s, now=FRIDAY + timedelta(days=9), settings=settings, timezone=NY) is None
