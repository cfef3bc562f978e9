"""How long the digest's savings queries and a card's price benchmark take on a big database
(a benchmark, not a test).

Builds the same N requests as benchmarks/digest_scale.py (2,000 vendors, 25 cost centres, five
categories, a third each one-off, monthly and annual, over two years), then times each
SavingsQueries call, the renewals of the next 60 days, all of them together as the digest
asks them, and the price benchmark one card loads.

    python benchmarks/savings_scale.py --sizes 10000,100000 --databases sqlite,postgresql
    python benchmarks/savings_scale.py --sizes 1000000 --databases postgresql
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text

from benchmarks.digest_scale import END, database, populate, rows, timed
from bot.domain import benchmarks, savings
from bot.domain.digest import WEEK
from bot.domain.model import Recurrence
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory


def spread(engine: Engine) -> None:
    """Let each vendor be bought by several cost centres over time (in digest_scale's data a
    vendor always goes with one cost centre, which would leave nothing to consolidate)."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE requests SET cost_centre = 'CC' || ((id / 2000) % 25)"))
        conn.execute(text("ANALYZE"))


def measure(engine: Engine, repeat: int) -> dict[str, float]:
    """Milliseconds per savings query, all of them together, and one card's benchmark."""
    uow = SqlUnitOfWorkFactory(engine)
    start = END - WEEK
    today = date(2026, 11, 23)
    calls: dict[str, Callable[[Any], Any]] = {
        "overlapping tools": lambda w: w.savings.overlaps(limit=savings.SHOWN),
        "consolidation candidates": lambda w: w.savings.consolidations(limit=savings.SHOWN),
        "price outliers (this week)": lambda w: w.savings.outliers(
            start=start, end=END, above_pct=savings.OUTLIER_PCT, limit=savings.SHOWN
        ),
        # The digest's own renewals query, for comparing this run with BENCHMARKS.md.
        "renewals (30 days, as before)": lambda w: w.digest.renewals(
            start=today, end=today + timedelta(days=30), limit=15
        ),
        "renewals (60 days)": lambda w: w.digest.renewals(
            start=today, end=today + timedelta(days=savings.RENEWAL_DAYS), limit=savings.SHOWN
        ),
        "whole savings section": lambda w: savings.collect(
            queries=w.savings, digest=w.digest, start=start, end=END, today=today
        ),
        "card price benchmark (monthly)": lambda w: benchmarks.load(
            w.benchmarks,
            vendor="vendor7",
            title="A new item",
            recurrence=Recurrence.MONTHLY,
            currency="USD",
        ),
        "card price benchmark (one-off)": lambda w: benchmarks.load(
            w.benchmarks,
            vendor="vendor7",
            title="A new item",
            recurrence=Recurrence.ONE_OFF,
            currency="USD",
        ),
    }
    results: dict[str, float] = {}
    last: dict[str, Any] = {}
    for name, call in calls.items():

        def run(call: Callable[[Any], Any] = call) -> Any:
            with uow() as work:
                return call(work)

        results[name], last[name] = timed(run, repeat)
    found: savings.Savings = last["whole savings section"]
    card: benchmarks.PriceBenchmark = last["card price benchmark (monthly)"]
    print(
        f"    found: {found.overlaps_total} overlapping categories, "
        f"{found.consolidations_total} consolidation candidates, {found.renewals_total} "
        f"renewals, {found.outliers_total} outliers; vendor7 monthly: {card.purchases} "
        f"purchases, median {card.median}, {len(card.by_cost_centre)} cost centres shown"
    )
    shown = savings.sections(found, currency="USD")
    for section in shown:
        if section.lines:
            print(f"    e.g. {section.lines[0][:150]}")
    assert isinstance(card.median, Decimal)
    return results


def main() -> None:
    """Parse options, build each database size and print the timings."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
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
                spread(engine)
                built = time.perf_counter() - began
                counts = rows(engine)
                print(
                    f"\n{kind} N={n:,}: built in {built:.1f}s "
                    f"({', '.join(f'{k} {v:,}' for k, v in counts.items())})",
                    flush=True,
                )
                for name, ms in measure(engine, args.repeat).items():
                    print(f"    {name:32} {ms:9.1f} ms", flush=True)
                engine.dispose()


if __name__ == "__main__":
    main()
