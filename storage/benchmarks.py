"""bot.domain.benchmarks.PriceBenchmarks in SQL: unit prices ranked by window functions on SQLite
and PostgreSQL, so a card reads a handful of rows however many purchases a vendor has."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Float, case, cast, func, or_, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.benchmarks import IDS_SHOWN, CostCentrePrice, PriceBenchmark, product_key
from bot.domain.model import Recurrence
from storage import tables as t
from storage._base import SPENT

COST_CENTRES_SHOWN = 10
_CENT = Decimal("0.01")


def unit_price_column(connection: Connection) -> ColumnElement[Any]:
    """A request's price per unit in the base currency, per month for a subscription.

    base_amount is the yearly value (the total of a one-off purchase). Ranked as a double,
    cheaper to divide and sort than NUMERIC on PostgreSQL, and rounded to the cent afterwards;
    SQLite keeps the column as integer cents."""
    r = t.requests.c
    months = case((r.recurrence == Recurrence.ONE_OFF.value, 1), else_=12)
    amount: ColumnElement[Any] = cast(r.base_amount, Float)
    if connection.dialect.name == "sqlite":
        amount = type_coerce(r.base_amount, Float) / 100.0
    return amount / (r.quantity * months)


def per_month_filter(per_month: bool) -> ColumnElement[bool]:
    """Subscriptions or one-off purchases: their unit prices are never compared."""
    one_off = t.requests.c.recurrence == Recurrence.ONE_OFF.value
    return ~one_off if per_month else one_off


def to_money(value: Any) -> Decimal:
    """A unit price from either database, to the cent."""
    return Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)


def middle(n: Any) -> Any:
    """The row numbers whose average is the median of `n` ranked rows (one or two)."""
    return ((n + 1) // 2, (n + 2) // 2)


class SqlPriceBenchmarks:
    """Price benchmarks over the caller's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def benchmark(
        self,
        *,
        vendor_key: str,
        vendor: str,
        per_month: bool,
        product: str,
        catalogue_entry: str | None = None,
        currency: str,
        exclude_id: int | None = None,
    ) -> PriceBenchmark:
        """The vendor's approved purchases of this kind (the product's, when there are any)."""
        r = t.requests.c
        base = [r.vendor_key == vendor_key, r.status.in_(SPENT), per_month_filter(per_month)]
        if exclude_id is not None:
            base.append(r.id != exclude_id)
        same_product = (
            r.catalogue_entry == catalogue_entry
            if catalogue_entry
            else func.lower(r.title) == product_key(product)
        )
        found = self._benchmark([*base, same_product], vendor, per_month, currency)
        if found.purchases:
            return replace(found, product=" ".join((catalogue_entry or product).split()))
        return self._benchmark(base, vendor, per_month, currency)

    def _priced(self, where: list[ColumnElement[bool]]) -> Subquery:
        r = t.requests.c
        unit = unit_price_column(self._connection).label("unit")
        return select(r.id, r.cost_centre, r.created_at, unit).where(*where).subquery("priced")

    def _benchmark(
        self, where: list[ColumnElement[bool]], vendor: str, per_month: bool, currency: str
    ) -> PriceBenchmark:
        priced = self._priced(where)
        p = priced.c
        ranked = select(
            p.id,
            p.unit,
            func.row_number().over(order_by=(p.unit, p.id)).label("rn"),
            func.count().over().label("n"),
            func.row_number().over(order_by=(p.created_at.desc(), p.id.desc())).label("newest"),
        ).subquery("ranked")
        k = ranked.c
        rows = self._connection.execute(
            select(k.id, k.unit, k.rn, k.n, k.newest).where(
                or_(k.rn == 1, k.rn.in_(middle(k.n)), k.newest <= IDS_SHOWN)
            )
        ).all()
        if not rows:
            return PriceBenchmark(
                vendor=vendor, currency=currency, per_month=per_month, product=None, purchases=0
            )
        n = int(rows[0].n)
        mid = set(middle(n))
        median = sum(to_money(x.unit) for x in rows if x.rn in mid) / len(mid)
        lowest = next(x for x in rows if x.rn == 1)
        newest = sorted((x for x in rows if x.newest <= IDS_SHOWN), key=lambda x: x.newest)
        return PriceBenchmark(
            vendor=vendor,
            currency=currency,
            per_month=per_month,
            product=None,
            purchases=n,
            median=to_money(median),
            lowest=to_money(lowest.unit),
            lowest_id=int(lowest.id),
            request_ids=tuple(int(x.id) for x in newest),
            by_cost_centre=self._by_cost_centre(priced),
        )

    def _by_cost_centre(self, priced: Subquery) -> list[CostCentrePrice]:
        p = priced.c
        ranked = select(
            p.id,
            p.cost_centre,
            p.unit,
            func.row_number().over(partition_by=p.cost_centre, order_by=(p.unit, p.id)).label("rn"),
            func.count().over(partition_by=p.cost_centre).label("n"),
            func.row_number()
            .over(partition_by=p.cost_centre, order_by=(p.created_at.desc(), p.id.desc()))
            .label("newest"),
        ).subquery("by_centre")
        k = ranked.c
        rows = self._connection.execute(
            select(k.id, k.cost_centre, k.unit, k.rn, k.n, k.newest).where(
                or_(k.rn.in_(middle(k.n)), k.newest <= IDS_SHOWN)
            )
        ).all()
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[str(row.cost_centre)].append(row)
        prices = []
        for centre, group in grouped.items():
            n = int(group[0].n)
            mid = set(middle(n))
            units = [to_money(x.unit) for x in group if x.rn in mid]
            newest = sorted((x for x in group if x.newest <= IDS_SHOWN), key=lambda x: x.newest)
            prices.append(
                CostCentrePrice(
                    cost_centre=centre,
                    unit_price=to_money(sum(units) / len(units)),
                    purchases=n,
                    request_ids=tuple(int(x.id) for x in newest),
                )
            )
        prices.sort(key=lambda c: (c.unit_price, c.cost_centre))
        return prices[:COST_CENTRES_SHOWN]
