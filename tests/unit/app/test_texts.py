"""The DM texts: each names the request by number, title and amount and says what comes next."""

from __future__ import annotations

from datetime import date

from bot.app import texts
from tests.unit.builders import make_request


def test_next_steps_names_each_active_step_and_its_approvers_or_nothing() -> None:
    assert texts.next_steps([]) == ""
    assert (
        texts.next_steps([("IT review", ["Ines", "Omar"]), ("Security review", ["Sam"])])
        == "Next: IT review (Ines, Omar); Security review (Sam)."
    )


def test_every_note_about_a_request_opens_with_its_number_title_and_amount() -> None:
    request = make_request()
    head = texts.head(request)
    assert head.startswith(f"{request.number} · {request.title} · ")
    notes = [
        texts.approved(request),
        texts.rejected(request, by="Ines", step="IT review", reason="Use Miro."),
        texts.cancelled(request, by="Rita"),
        texts.ordered(request),
        texts.lapsing(request, due=date(2026, 12, 1), by="Paul"),
        texts.still_waiting(request, waited="3 days", step="IT review", approvers="ines@x"),
        texts.edited(request, by="Rita", changes="quantity: 1 → 2"),
    ]
    assert all(note.startswith(head) for note in notes)
    assert texts.reminder(request, waited="2 days", step="IT review").startswith(
        f"Reminder: {head} has waited 2 days"
    )


def test_the_edit_notes_build_on_one_opening() -> None:
    opening = texts.edited(make_request(), by="Rita", changes="vendor: Figma → Miro")
    dropped = texts.edit_dropped_step(opening, step="Security review")
    assert dropped == f"{opening} and no longer needs Security review under the policy: " + (
        "nothing left for you to do."
    )
    again = texts.edit_reopened_step(opening, step="IT review", next_text="Next: IT review (Ines).")
    assert again.startswith(f"{opening}, so IT review is asked again")
    assert again.endswith("Next: IT review (Ines). I'll send you a new card when it is its turn.")
