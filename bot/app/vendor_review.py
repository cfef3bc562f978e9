"""The vendor registry as requests move: a new vendor is under review while a request
qualifies it, and the qualification steps' decision is the vendor's review outcome."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from bot.app.ports import UnitOfWork
from bot.app.registry import OPEN
from bot.domain.model import (
    DataAccess,
    PurchaseRequest,
    StepStatus,
    Vendor,
    VendorStatus,
    vendor_key,
)


def qualifies(request: PurchaseRequest) -> bool:
    """Whether deciding the request decides its vendor's review."""
    return any(step.vendor_qualification for step in request.steps)


def register_vendor(uow: UnitOfWork, vendor: Vendor | None, request: PurchaseRequest) -> None:
    """Add a vendor the registry doesn't know; a new one is under review while the
    request's route qualifies it."""
    if vendor is None:
        vendor = uow.vendors.add(Vendor(name=request.vendor, category=request.category))
    if request.vendor_status is VendorStatus.NEW and qualifies(request):
        vendor.status = VendorStatus.UNDER_REVIEW
        uow.vendors.save(vendor)


def release_vendor(uow: UnitOfWork, request: PurchaseRequest) -> None:
    """Take the request's vendor out of the review its submission started, unless another
    open request qualifies it too: re-routing may qualify it again, or the edit switched
    to another vendor and this one must not stay under review for ever."""
    if request.vendor_status is not VendorStatus.NEW or not qualifies(request):
        return
    key = vendor_key(request.vendor)
    vendor = uow.vendors.get(key)
    if vendor is None or vendor.status is not VendorStatus.UNDER_REVIEW:
        return
    others = uow.requests.list(vendor_key=key, statuses=list(OPEN), limit=1000)
    if any(r.id != request.id and qualifies(r) for r in others):
        return
    vendor.status = VendorStatus.NEW
    uow.vendors.save(vendor)


def decide_vendor(
    uow: UnitOfWork,
    request: PurchaseRequest,
    *,
    approved: bool,
    actor: str,
    now: datetime,
    outcome: str = "",
) -> None:
    """A vendor-qualification step's decision is the vendor's review outcome."""
    if approved and request.vendor_status is VendorStatus.REJECTED:
        return  # an exception for one purchase; the vendor stays rejected
    key = vendor_key(request.vendor)
    vendor = uow.vendors.get(key) or uow.vendors.add(Vendor(name=request.vendor))
    if approved and any(
        s.vendor_qualification and s.status is not StepStatus.APPROVED for s in request.steps
    ):
        return  # every qualification step must approve before the vendor is approved
    vendor.status = VendorStatus.APPROVED if approved else VendorStatus.REJECTED
    vendor.reviewed_by = actor
    vendor.reviewed_at = now
    reviewers = sorted({d for s in request.steps if s.vendor_qualification for d in s.deciders})
    vendor.review_outcome = outcome or (
        f"Approved on {request.number} by {', '.join(reviewers) or actor}"
    )
    # What the first qualifying request tells us, kept unless someone recorded better.
    vendor.owner = vendor.owner or request.requester
    vendor.category = vendor.category or request.category
    if not vendor.notes and request.data_access is not DataAccess.NONE:
        vendor.notes = f"Data processing: {request.data_access.label} ({request.number})"
    if not vendor.website and request.link:
        parts = urlsplit(request.link)
        vendor.website = f"{parts.scheme}://{parts.netloc}"
    uow.vendors.save(vendor)
