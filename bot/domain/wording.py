"""Words around data: one full stop around typed text, a vendor's state in plain English."""

from __future__ import annotations

from bot.domain.model import VendorStatus

_VENDOR_STATES = {
    VendorStatus.NEW: "new vendor",
    VendorStatus.UNDER_REVIEW: "vendor under review",
    VendorStatus.APPROVED: "approved vendor",
    VendorStatus.REJECTED: "rejected vendor",
}


def vendor_state(status: VendorStatus) -> str:
    """'new vendor', 'vendor under review', 'approved vendor' or 'rejected vendor'."""
    return _VENDOR_STATES[status]


_ENDS = ".!?…"
_CLOSERS = "”’\"')]"


def ends_sentence(text: str) -> bool:
    """Whether `text` already ends a sentence, looking past closing quotes and brackets."""
    return text.rstrip().rstrip(_CLOSERS)[-1:] in tuple(_ENDS)


def full_stop(text: str) -> str:
    """`text` ending in a full stop: 'on offer.”' stays, 'on offer”' gets one ('on offer”.')."""
    text = text.rstrip()
    return text if not text or ends_sentence(text) else f"{text}."


def clause(text: str) -> str:
    """Typed text to sit inside a sentence or brackets: its own final full stop dropped."""
    text = text.rstrip()
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text
