"""Rows of requests, steps, approvers, decisions and questions to and from the domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from bot.domain.model import (
    Category,
    DataAccess,
    Decision,
    Money,
    PurchaseRequest,
    Question,
    Recurrence,
    RequestStatus,
    Step,
    StepMode,
    StepStatus,
    VendorStatus,
    vendor_key,
)


def request_values(request: PurchaseRequest) -> dict[str, Any]:
    """The requests row of a request (without id and version)."""
    return {
        "requester": request.requester,
        "title": request.title,
        "category": request.category.value,
        "vendor": request.vendor,
        "vendor_key": vendor_key(request.vendor),
        "unit_price": request.unit_price.amount,
        "currency": request.unit_price.currency,
        "quantity": request.quantity,
        "recurrence": request.recurrence.value,
        "cost_centre": request.cost_centre,
        "data_access": request.data_access.value,
        "justification": request.justification,
        "link": request.link,
        "needed_by": request.needed_by,
        "renewal_date": request.renewal_date,
        "status": request.status.value,
        "base_amount": request.base_amount,
        "base_currency": request.base_currency,
        "catalogue_entry": request.catalogue_entry,
        "vendor_status": request.vendor_status.value,
        "po_number": request.po_number,
        "rejection_reason": request.rejection_reason,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
    }


def request_from(row: Row[Any], steps: list[Step], questions: list[Question]) -> PurchaseRequest:
    """A request from its row and its already loaded children."""
    return PurchaseRequest(
        id=row.id,
        requester=row.requester,
        title=row.title,
        category=Category(row.category),
        vendor=row.vendor,
        unit_price=Money(row.unit_price, row.currency),
        quantity=row.quantity,
        recurrence=Recurrence(row.recurrence),
        cost_centre=row.cost_centre,
        data_access=DataAccess(row.data_access),
        justification=row.justification,
        created_at=row.created_at,
        updated_at=row.updated_at,
        needed_by=row.needed_by,
        link=row.link,
        renewal_date=row.renewal_date,
        status=RequestStatus(row.status),
        steps=steps,
        questions=questions,
        base_amount=row.base_amount,
        base_currency=row.base_currency,
        catalogue_entry=row.catalogue_entry,
        vendor_status=VendorStatus(row.vendor_status),
        po_number=row.po_number,
        rejection_reason=row.rejection_reason,
        version=row.version,
    )


def step_from(row: Row[Any], approvers: list[str], decisions: list[Decision]) -> Step:
    """A step from its row, approvers and decisions."""
    return Step(
        name=row.name,
        group=row.group_name,
        stage=row.stage,
        mode=StepMode(row.mode),
        approvers=approvers,
        reason=row.reason,
        status=StepStatus(row.status),
        decisions=decisions,
        activated_at=row.activated_at,
        decided_at=row.decided_at,
        reminded_at=row.reminded_at,
        escalated_at=row.escalated_at,
        vendor_qualification=row.vendor_qualification,
    )


def decision_from(row: Row[Any]) -> Decision:
    """A decision from its row."""
    return Decision(
        approver=row.approver,
        outcome=StepStatus(row.outcome),
        at=row.at,
        comment=row.comment,
        on_behalf_of=row.on_behalf_of,
    )


def question_from(row: Row[Any]) -> Question:
    """A question from its row."""
    return Question(
        asked_by=row.asked_by,
        step=row.step,
        text=row.text,
        asked_at=row.asked_at,
        answer=row.answer,
        answered_at=row.answered_at,
    )


def step_values(request_id: int, position: int, step: Step) -> dict[str, Any]:
    """The steps row of the request's step at `position`."""
    return {
        "request_id": request_id,
        "position": position,
        "name": step.name,
        "group_name": step.group,
        "stage": step.stage,
        "mode": step.mode.value,
        "reason": step.reason,
        "status": step.status.value,
        "activated_at": step.activated_at,
        "decided_at": step.decided_at,
        "reminded_at": step.reminded_at,
        "escalated_at": step.escalated_at,
        "vendor_qualification": step.vendor_qualification,
    }


def decision_values(step_id: int, decision: Decision) -> dict[str, Any]:
    """The decisions row of a vote on the step."""
    return {
        "step_id": step_id,
        "approver": decision.approver,
        "outcome": decision.outcome.value,
        "comment": decision.comment,
        "on_behalf_of": decision.on_behalf_of,
        "at": decision.at,
    }


def question_values(request_id: int, position: int, question: Question) -> dict[str, Any]:
    """The questions row of the request's question at `position`."""
    return {
        "request_id": request_id,
        "position": position,
        "asked_by": question.asked_by,
        "step": question.step,
        "text": question.text,
        "asked_at": question.asked_at,
        "answer": question.answer,
        "answered_at": question.answered_at,
    }
