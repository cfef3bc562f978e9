"""Demo history: a few weeks of requests played through the real use cases on a moved clock.

Only services are used, so every request, decision, vendor and audit event is exactly what the
bot itself would have written; the clock is set back in time so the history reads as weeks old.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.app.ports import UnitOfWorkFactory
from bot.domain.model import Category, Channel, DataAccess, Person, Recurrence, RequestDraft
from bot.domain.policy import Policy


@dataclass(frozen=True)
class DemoPerson:
    """Someone in the demo workspace: their email, name and what they do."""

    email: str
    name: str
    title: str
    tz: str = "America/New_York"


# The people of policy.example.yml, plus two colleagues who only ask for things.
PEOPLE = (
    DemoPerson("rita.req@acme.example", "Rita Requester", "Product designer"),
    DemoPerson("ines.it@acme.example", "Ines IT", "IT manager"),
    DemoPerson("omar.it@acme.example", "Omar IT", "IT engineer"),
    DemoPerson("sam.sec@acme.example", "Sam Security", "Security lead"),
    DemoPerson("priya.proc@acme.example", "Priya Procurement", "Procurement"),
    DemoPerson("fred.fin@acme.example", "Fred Finance", "Finance controller"),
    DemoPerson("carla.cfo@acme.example", "Carla CFO", "Chief financial officer"),
    DemoPerson("lee.cio@acme.example", "Lee CIO", "Chief information officer"),
    DemoPerson("dana.dev@acme.example", "Dana Developer", "Platform engineer"),
    DemoPerson("max.mkt@acme.example", "Max Marketing", "Marketing lead"),
)

RITA, INES, OMAR, SAM, PRIYA, FRED, CARLA, LEE, DANA, MAX = (p.email for p in PEOPLE)
HISTORY_DAYS = 27


@dataclass
class _Story:
    """One request's life: who asks for what, then the moves, each some hours after the last."""

    requester: str
    draft: RequestDraft
    moves: list[tuple[float, Callable[[Procurement, int], object]]] = field(default_factory=list)


def _draft(
    title: str,
    category: Category,
    vendor: str,
    price: str,
    *,
    quantity: int = 1,
    recurrence: Recurrence = Recurrence.ONE_OFF,
    cost_centre: str,
    data: DataAccess = DataAccess.NONE,
    why: str,
    currency: str = "USD",
) -> RequestDraft:
    return RequestDraft(
        title=title,
        category=category,
        vendor=vendor,
        unit_price=Decimal(price),
        currency=currency,
        quantity=quantity,
        recurrence=recurrence,
        cost_centre=cost_centre,
        data_access=data,
        justification=why,
    )


def _approve(actor: str) -> Callable[[Procurement, int], object]:
    return lambda s, rid: s.approve(request_id=rid, actor=actor, channel=Channel.SLACK)


def _reject(actor: str, reason: str) -> Callable[[Procurement, int], object]:
    return lambda s, rid: s.reject(
        request_id=rid, actor=actor, reason=reason, channel=Channel.SLACK
    )


def _ask(actor: str, question: str) -> Callable[[Procurement, int], object]:
    return lambda s, rid: s.ask(
        request_id=rid, actor=actor, question=question, channel=Channel.SLACK
    )


def _answer(actor: str, text: str) -> Callable[[Procurement, int], object]:
    return lambda s, rid: s.answer(request_id=rid, actor=actor, text=text, channel=Channel.SLACK)


def _po(actor: str, number: str) -> Callable[[Procurement, int], object]:
    return lambda s, rid: s.record_po(
        request_id=rid, actor=actor, po_number=number, channel=Channel.SLACK
    )


def stories() -> list[tuple[float, _Story]]:
    """The demo's requests, each with the day (counted from the start of the history) it begins."""
    saas, hw, sw = Category.SAAS, Category.HARDWARE, Category.SOFTWARE
    monthly, annual = Recurrence.MONTHLY, Recurrence.ANNUAL
    return [
        (
            0,
            _Story(
                RITA,
                _draft(
                    "Figma Professional seats",
                    saas,
                    "Figma",
                    "45",
                    quantity=3,
                    recurrence=monthly,
                    cost_centre="Design",
                    data=DataAccess.INTERNAL,
                    why="Three designers share one seat; reviews wait on each other.",
                ),
                [
                    (3, _approve(INES)),
                    (20, _approve(SAM)),
                    (2, _approve(PRIYA)),
                    (26, _po(PRIYA, "PO-88120")),
                ],
            ),
        ),
        (
            1,
            _Story(
                INES,
                _draft(
                    "MacBook Pro 14",
                    hw,
                    "Apple",
                    "2399",
                    quantity=2,
                    cost_centre="Engineering",
                    why="Laptops for the two engineers starting next month.",
                ),
            ),
        ),
        (
            3,
            _Story(
                MAX,
                _draft(
                    "Jasper AI copywriting",
                    saas,
                    "Jasper",
                    "99",
                    quantity=5,
                    recurrence=monthly,
                    cost_centre="Marketing",
                    data=DataAccess.CONFIDENTIAL,
                    why="Draft campaign copy faster for the spring launch.",
                ),
                [
                    (4, _approve(OMAR)),
                    (
                        22,
                        _reject(
                            SAM,
                            "Prompts and customer lists would be kept outside the EU; "
                            "no DPA on offer.",
                        ),
                    ),
                ],
            ),
        ),
        (
            6,
            _Story(
                DANA,
                _draft(
                    "PyCharm Professional",
                    sw,
                    "JetBrains",
                    "249",
                    quantity=4,
                    recurrence=annual,
                    cost_centre="Engineering",
                    why="Renewing the platform team's IDE licences.",
                ),
                [(2, _approve(INES)), (5, _approve(SAM)), (1, _approve(PRIYA))],
            ),
        ),
        (
            9,
            _Story(
                OMAR,
                _draft(
                    "Dell UltraSharp 27 monitor",
                    hw,
                    "Dell",
                    "519",
                    quantity=6,
                    cost_centre="IT",
                    why="Second screens for the support desk.",
                ),
            ),
        ),
        (
            11,
            _Story(
                RITA,
                _draft(
                    "Loom Business",
                    saas,
                    "Loom",
                    "15",
                    quantity=2,
                    recurrence=monthly,
                    cost_centre="Design",
                    why="Short screen recordings instead of meetings.",
                ),
                [(5, _reject(OMAR, "We already pay for Zoom Clips; it does the same."))],
            ),
        ),
        (
            14,
            _Story(
                MAX,
                _draft(
                    "Figma Professional seats",
                    saas,
                    "Figma",
                    "45",
                    quantity=2,
                    recurrence=monthly,
                    cost_centre="Marketing",
                    data=DataAccess.INTERNAL,
                    why="Two marketing designers join the shared brand library.",
                ),
                # Procurement takes a week: an approval inside the digest's last seven days,
                # and a step over its SLA.
                [(6, _approve(OMAR)), (190, _approve(PRIYA))],
            ),
        ),
        (
            18,
            _Story(
                DANA,
                _draft(
                    "Datadog Pro hosts",
                    saas,
                    "Datadog",
                    "23",
                    quantity=40,
                    recurrence=monthly,
                    cost_centre="Engineering",
                    data=DataAccess.CONFIDENTIAL,
                    why="Replace our self-hosted Grafana before the on-call rota grows.",
                ),
                [
                    (3, _approve(INES)),
                    (20, _ask(SAM, "Which log fields leave our VPC? Any customer emails?")),
                    (4, _answer(DANA, "Metrics and traces only; logs stay in our bucket.")),
                ],
            ),
        ),
        (
            21,
            _Story(
                MAX,
                _draft(
                    "Salesforce Sales Cloud",
                    saas,
                    "Salesforce",
                    "165",
                    quantity=30,
                    recurrence=monthly,
                    cost_centre="Sales",
                    data=DataAccess.PERSONAL,
                    why="The sales team outgrew spreadsheets; pipeline reviews need one source.",
                ),
                [(5, _approve(OMAR)), (22, _approve(SAM)), (3, _approve(PRIYA))],
            ),
        ),
        (
            25,
            _Story(
                RITA,
                _draft(
                    "Wacom Intuos Pro tablet",
                    hw,
                    "Wacom",
                    "379",
                    cost_centre="Design",
                    why="Illustration work for the onboarding screens.",
                ),
            ),
        ),
    ]


def seed(*, uow: UnitOfWorkFactory, policy: Policy, now: datetime) -> int:
    """Play the demo history so it ends just before `now`; returns how many requests it made."""
    start = now - timedelta(days=HISTORY_DAYS)
    clock = FixedClock(start)
    service = Procurement(uow=uow, policy=policy, clock=clock)
    for person in PEOPLE:
        service.remember_person(Person(email=person.email, name=person.name, tz=person.tz))
    # Interleave the stories by time, as the weeks really went.
    timeline: list[tuple[datetime, int, Callable[[Procurement, int], object] | _Story]] = []
    for order, (day, story) in enumerate(stories()):
        at = start + timedelta(days=day, hours=9 + order % 5)
        timeline.append((at, order, story))
        for hours, move in story.moves:
            at += timedelta(hours=hours)
            timeline.append((at, order, move))
    ids: dict[int, int] = {}
    for at, order, step in sorted(timeline, key=lambda item: (item[0], item[1])):
        clock.set(min(at, now - timedelta(minutes=30)))
        if isinstance(step, _Story):
            request = service.submit(
                requester=step.requester, draft=step.draft, channel=Channel.SLACK
            )
            assert request.id is not None
            ids[order] = request.id
        else:
            step(service, ids[order])
    return len(ids)
