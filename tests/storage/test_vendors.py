"""SqlVendorRepository: the vendor registry."""

from __future__ import annotations

import pytest

from bot.domain.model import (
    Category,
    Vendor,
    VendorStatus,
)
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    BERLIN,
    T0,
    in_uow,
)


def test_vendors(uow_factory: SqlUnitOfWorkFactory) -> None:
    figma = Vendor("Figma, Inc.", category=Category.SAAS, website="https://figma.com")
    with uow_factory() as uow:
        uow.vendors.add(figma)
        uow.vendors.add(Vendor("Adobe"))
        uow.commit()
    assert figma.id is not None

    figma.status = VendorStatus.APPROVED
    figma.reviewed_by = "sec@example.com"
    figma.reviewed_at = T0.astimezone(BERLIN)
    figma.review_outcome = "SOC 2 report checked"
    in_uow(uow_factory, lambda uow: uow.vendors.save(figma))

    with uow_factory() as uow:
        assert uow.vendors.get("figma") == figma
        assert uow.vendors.get("sketch") is None
        assert [v.name for v in uow.vendors.list()] == ["Adobe", "Figma, Inc."]
        with pytest.raises(LookupError):
            uow.vendors.save(Vendor("Never stored"))
