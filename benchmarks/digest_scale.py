"""How long the weekly digest's queries take on a big database (a benchmark, not a test).

Builds N requests spread over two years, with their steps, approvers, decisions and audit
events, generated inside the database (INSERT ... SELECT over generate_series on PostgreSQL,
a recursive CTE on SQLite), then times each DigestQueries call and the whole digest.

    python benchmarks/digest_scale.py --sizes 10000,100000 --databases sqlite,postgresql
    python benchmarks/digest_scale.py --sizes 1000000 --databases postgresql

PostgreSQL comes from --postgres-url (an admin URL: a throwaway database is created in it and
dropped afterwards unless --keep).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.app.chart import spend_chart
from bot.app.digest import build_digest
from bot.domain.digest import WEEK
from bot.domain.policy import load
from bot.resources import example_policy_path
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory

END = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday, 09:00 in New York
SPAN_SECONDS = 104 * 7 * 24 * 3600  # two years of requests
START = END - timedelta(seconds=SPAN_SECONDS)


class Dialect:
    """The few SQL spellings that differ between PostgreSQL and SQLite."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pg = name == "postgresql"

    def series(self, n: int) -> tuple[str, str]:
        """(a WITH prefix, a FROM item) yielding i = 1..n."""
        if self.pg:
            return "", f"generate_series(1, {n}) AS g(i)"
        return (
            f"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n}) ",
            "g",
        )

    def plus_seconds(self, moment: str, seconds: str) -> str:
        if self.pg:
            return f"({moment} + make_interval(secs => {seconds}))"
        # The text SQLAlchemy writes for a DateTime on SQLite (compared as strings)
        return (
            f"(strftime('%Y-%m-%d %H:%M:%f', {moment}, '+' || ({seconds}) || ' seconds') || '000')"
        )

    def start(self) -> str:
        stamp = START.strftime("%Y-%m-%d %H:%M:%S")
        return f"timestamptz '{stamp}+00'" if self.pg else f"'{stamp}'"

    def money(self, dollars: str) -> str:
        # storage.tables.Amount: NUMERIC on PostgreSQL, integer cents on SQLite
        return f"CAST({dollars} AS NUMERIC(18, 2))" if self.pg else f"({dollars}) * 100"


def _case(expr: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({expr}) % {len(values)} {whens} END"


def populate(engine: Engine, n: int) -> None:
    """Fill a migrated, empty database with n requests and their children."""
    d = Dialect(engine.dialect.name)
    prefix, source = d.series(n)
    created = d.plus_seconds(d.start(), f"CAST(i AS BIGINT) * {SPAN_SECONDS} / {n}")
    unit = "(100 + (i * 37) % 50000)"
    base = f"{unit} * CASE i % 3 WHEN 1 THEN 12 ELSE 1 END"
    # i % 20: 0 rejected at IT review, 1 from the catalogue, 2 still pending, else approved
    status = "CASE i % 20 WHEN 0 THEN 'rejected' WHEN 2 THEN 'pending' ELSE 'approved' END"
    h1 = "(1 + (r.id * 13) % 72)"
    h2 = "(1 + (r.id * 17) % 96)"
    decided1 = d.plus_seconds("r.created_at", f"{h1} * 3600")
    decided2 = d.plus_seconds("r.created_at", f"({h1} + {h2}) * 3600")
    statements = [
        f"""{prefix}INSERT INTO requests (id, requester, title, category, vendor, vendor_key,
            unit_price, currency, quantity, recurrence, cost_centre, data_access, justification,
            link, status, base_amount, base_currency, catalogue_entry, vendor_status,
            created_at, updated_at, version)
        SELECT i, 'user' || (i % 500) || '@acme.example', 'Item ' || i,
            {_case("i", ["hardware", "software", "saas", "services", "other"])},
            'Vendor ' || ((i * 7) % 2000), 'vendor' || ((i * 7) % 2000),
            {d.money(unit)}, 'USD', 1, {_case("i", ["one_off", "monthly", "annual"])},
            'CC' || (i % 25), 'internal', '', '', {status}, {d.money(base)}, 'USD',
            CASE WHEN i % 20 = 1 THEN 'Peripherals' END,
            CASE WHEN i % 40 = 3 THEN 'new' ELSE 'approved' END,
            {created}, {created}, 1
        FROM {source}""",
        # IT review: every routed request
        f"""INSERT INTO steps (id, request_id, position, name, group_name, stage, mode, reason,
            status, activated_at, decided_at, vendor_qualification)
        SELECT 2 * r.id - 1, r.id, 0, 'IT review', 'IT review', 1, 'any', '',
            CASE WHEN r.status = 'rejected' THEN 'rejected' ELSE 'approved' END,
            r.created_at, {decided1}, r.id % 40 = 3
        FROM requests r WHERE r.catalogue_entry IS NULL""",
        # Procurement: after IT; closed when IT rejected, still active when pending
        f"""INSERT INTO steps (id, request_id, position, name, group_name, stage, mode, reason,
            status, activated_at, decided_at, vendor_qualification)
        SELECT 2 * r.id, r.id, 1, 'Procurement', 'Procurement', 2, 'any', '',
            CASE r.status WHEN 'rejected' THEN 'closed' WHEN 'pending' THEN 'active'
                ELSE 'approved' END,
            CASE WHEN r.status = 'rejected' THEN NULL ELSE {decided1} END,
            CASE r.status WHEN 'rejected' THEN {decided1} WHEN 'pending' THEN NULL
                ELSE {decided2} END,
            r.id % 40 = 3
        FROM requests r WHERE r.catalogue_entry IS NULL""",
        """INSERT INTO step_approvers (step_id, position, email)
        SELECT s.id, 0, 'approver' || (s.id % 50) || '@acme.example' FROM steps s""",
        """INSERT INTO decisions (step_id, approver, outcome, comment, at)
        SELECT s.id, 'approver' || (s.id % 50) || '@acme.example', s.status, '', s.decided_at
        FROM steps s WHERE s.status IN ('approved', 'rejected')""",
        """INSERT INTO events (request_id, action, actor, channel, to_status, comment, at)
        SELECT r.id, 'Submitted', r.requester, 'slack', 'pending', '', r.created_at
        FROM requests r""",
        """INSERT INTO events (request_id, action, actor, channel, to_status, step, comment, at)
        SELECT s.request_id, CASE s.status WHEN 'approved' THEN 'StepApproved'
                ELSE 'Rejected' END,
            'approver' || (s.id % 50) || '@acme.example', 'slack',
            CASE s.status WHEN 'approved' THEN 'pending' ELSE 'rejected' END, s.name, '',
            s.decided_at
        FROM steps s WHERE s.status IN ('approved', 'rejected')""",
        """INSERT INTO events (request_id, action, actor, channel, to_status, comment, at)
        SELECT r.id, CASE WHEN r.catalogue_entry IS NULL THEN 'Approved' ELSE 'AutoApproved' END,
            'policy', 'system', 'approved', '',
            COALESCE((SELECT s.decided_at FROM steps s WHERE s.id = 2 * r.id), r.created_at)
        FROM requests r WHERE r.status = 'approved'""",
    ]
    if d.pg:
        statements += [
            "SELECT setval('requests_id_seq', (SELECT max(id) FROM requests))",
            "SELECT setval('steps_id_seq', (SELECT max(id) FROM steps))",
            "ANALYZE",
        ]
    else:
        statements.append("ANALYZE")
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def rows(engine: Engine) -> dict[str, int]:
    """Row counts of the tables the digest reads."""
    with engine.connect() as conn:
        return {
            name: int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())
            for name in ("requests", "steps", "step_approvers", "decisions", "events")
        }


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time in milliseconds of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def measure(engine: Engine, repeat: int) -> dict[str, float]:
    """Milliseconds per digest query, the whole digest, and the chart."""
    uow = SqlUnitOfWorkFactory(engine)
    policy = load(example_policy_path())
    start = END - WEEK
    today = date(2026, 11, 23)
    calls: dict[str, Callable[[Any], Any]] = {
        "week (counts, spend)": lambda q: q.week(start=start, end=END),
        "spend by category": lambda q: q.spend_by("category", start=start, end=END, limit=20),
        "spend by department": lambda q: q.spend_by("department", start=start, end=END, limit=5),
        "top vendors": lambda q: q.spend_by("vendor", start=start, end=END, limit=5),
        "cycle time p50/p90": lambda q: q.step_timings(start=start, end=END, sla_hours=48),
        "backlog": lambda q: q.backlog(limit=10),
        "new vendors": lambda q: q.new_vendors(start=start, end=END),
        "renewals (30 days)": lambda q: q.renewals(
            start=today, end=today + timedelta(days=30), limit=15
        ),
        "8 weeks by category": lambda q: q.weekly_spend(
            starts=[END - WEEK * k for k in range(8, 0, -1)]
        ),
    }
    results: dict[str, float] = {}
    for name, call in calls.items():

        def run(call: Callable[[Any], Any] = call) -> Any:
            with uow() as work:
                return call(work.digest)

        results[name], _ = timed(run, repeat)
    results["whole digest"], digest = timed(
        lambda: build_digest(uow=uow, policy=policy, end=END), repeat
    )
    results["chart PNG"], _ = timed(
        lambda: spend_chart(digest.weekly, currency="USD", timezone="America/New_York"), repeat
    )
    week = digest.this_week
    print(
        f"    this week: {week.submitted} submitted, {week.approved} approved, "
        f"{week.rejected} rejected, {week.auto_approved} auto; backlog {digest.backlog_total}; "
        f"renewals {digest.renewals_total}; steps {[t.step for t in digest.step_timings]}"
    )
    return results


@contextmanager
def database(kind: str, admin_url: str, keep: bool) -> Iterator[str]:
    """An empty database URL of `kind`."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"pb_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    """Parse options, build each database size and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated request counts")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    for kind in args.databases.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            with database(kind, args.postgres_url, args.keep) as url:
                upgrade(url)
                engine = make_engine(url)
                began = time.perf_counter()
                populate(engine, n)
                built = time.perf_counter() - began
                counts = rows(engine)
                print(
                    f"\n{kind} N={n:,}: built in {built:.1f}s "
                    f"({', '.join(f'{k} {v:,}' for k, v in counts.items())})"
                )
                for name, ms in measure(engine, args.repeat).items():
                    print(f"    {name:24} {ms:9.1f} ms")
                engine.dispose()


if __name__ == "__main__":
    main()
