"""The vendor security questionnaire held in the policy, and the checks of a proposer's answers."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_ANSWER = 2000  # characters of one answer; a long free-text answer goes in a document
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
YES, NO = "yes", "no"


class QuestionKind(enum.StrEnum):
    YES_NO = "yes_no"
    TEXT = "text"
    CHOICE = "choice"


class Question(BaseModel):
    """One question of the vendor security questionnaire."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Short key, e.g. soc2; stored with each answer.")
    text: str = Field(min_length=1, max_length=150)
    kind: QuestionKind
    choices: list[str] = Field(default_factory=list)
    required: bool = True

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if not _ID.match(self.id):
            raise ValueError(
                f"question id {self.id!r}: use lowercase letters, digits and _ (at most 40)"
            )
        if self.kind is QuestionKind.CHOICE and len(self.choices) < 2:
            raise ValueError(f"question {self.id!r} is a choice: give at least two choices")
        if self.kind is not QuestionKind.CHOICE and self.choices:
            raise ValueError(f"question {self.id!r} has choices but is not kind: choice")
        return self


def check_questionnaire(
    questions: Sequence[Question], groups: Iterable[str], qualification_groups: Sequence[str]
) -> Iterable[tuple[tuple[Any, ...], str]]:
    """Problems of the policy's `vendors` section: (location, message) as policy check shows."""
    known = set(groups)
    seen: set[str] = set()
    for i, question in enumerate(questions):
        if question.id in seen:
            yield ("vendors", "questionnaire", i, "id"), f"a second question {question.id!r}"
        seen.add(question.id)
    for i, group in enumerate(qualification_groups):
        if group not in known:
            yield (
                ("vendors", "qualification_groups", i),
                f"no group called {group!r}; groups are {', '.join(sorted(known))}",
            )
    if len(set(qualification_groups)) != len(qualification_groups):
        yield ("vendors", "qualification_groups"), "a group is named twice"


def check_answers(
    questions: Sequence[Question], raw: Mapping[str, str | None]
) -> tuple[dict[str, str], dict[str, str]]:
    """(clean answers by question id, problems by question id) for what the proposer typed."""
    answers: dict[str, str] = {}
    problems: dict[str, str] = {}
    for question in questions:
        value = " ".join(str(raw.get(question.id) or "").split())
        if not value:
            if question.required:
                problems[question.id] = "Please answer this."
            continue
        if len(value) > MAX_ANSWER:
            problems[question.id] = f"Keep it under {MAX_ANSWER} characters."
        elif question.kind is QuestionKind.YES_NO and value.lower() not in (YES, NO):
            problems[question.id] = "Answer yes or no."
        elif question.kind is QuestionKind.CHOICE and value not in question.choices:
            problems[question.id] = f"Pick one of: {', '.join(question.choices)}."
        else:
            answers[question.id] = value.lower() if question.kind is QuestionKind.YES_NO else value
    return answers, problems


def answer_lines(
    questions: Sequence[Question], answers: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(question text, answer) in the policy's order; questions asked since are marked unanswered,
    answers to questions no longer asked are kept under their id."""
    lines = [(q.text, _shown(answers.get(q.id))) for q in questions]
    known = {q.id for q in questions}
    lines.extend((key, value) for key, value in answers.items() if key not in known)
    return lines


def _shown(value: str | None) -> str:
    if not value:
        return "(no answer)"
    return {YES: "Yes", NO: "No"}.get(value, value)
