"""The vendor registry over SQLAlchemy Core."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.domain.model import Category, Vendor, VendorStatus
from storage import tables as t
from storage._base import Repository


def _vendor_values(vendor: Vendor) -> dict[str, Any]:
    return {
        "key": vendor.key,
        "name": vendor.name,
        "status": vendor.status.value,
        "category": vendor.category.value if vendor.category else None,
        "website": vendor.website,
        "owner": vendor.owner,
        "notes": vendor.notes,
        "reviewed_by": vendor.reviewed_by,
        "reviewed_at": vendor.reviewed_at,
        "review_outcome": vendor.review_outcome,
    }


def _vendor_from(row: Row[Any]) -> Vendor:
    return Vendor(
        name=row.name,
        status=VendorStatus(row.status),
        category=Category(row.category) if row.category else None,
        website=row.website,
        owner=row.owner,
        notes=row.notes,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        review_outcome=row.review_outcome,
        id=row.id,
    )


class SqlVendorRepository(Repository):
    """Vendors, found by their forgiving match key."""

    def get(self, key: str) -> Vendor | None:
        """By vendor_key()."""
        row = self._conn.execute(select(t.vendors).where(t.vendors.c.key == key)).first()
        return _vendor_from(row) if row else None

    def add(self, vendor: Vendor) -> Vendor:
        """Insert and set its id; if another transaction added the same vendor meanwhile
        (two first requests for a new vendor at once), the stored one is returned instead."""
        savepoint = self._conn.begin_nested()
        try:
            vendor.id = self._conn.execute(
                insert(t.vendors).values(**_vendor_values(vendor)).returning(t.vendors.c.id)
            ).scalar_one()
        except IntegrityError:
            savepoint.rollback()
            stored = self.get(vendor.key)
            if stored is None:
                raise
            return stored
        savepoint.commit()
        return vendor

    def save(self, vendor: Vendor) -> None:
        """Update by id (by key for a vendor that was never loaded)."""
        if vendor.id is not None:
            where = t.vendors.c.id == vendor.id
        else:
            where = t.vendors.c.key == vendor.key
        result = self._conn.execute(update(t.vendors).where(where).values(**_vendor_values(vendor)))
        if result.rowcount != 1:
            raise LookupError(f"no stored vendor {vendor.name!r} to update")

    def list(self, *, status: VendorStatus | None = None) -> builtins.list[Vendor]:
        """By name; only those of `status` if given."""
        query = select(t.vendors).order_by(t.vendors.c.name, t.vendors.c.id)
        if status is not None:
            query = query.where(t.vendors.c.status == status.value)
        return [_vendor_from(row) for row in self._conn.execute(query)]
