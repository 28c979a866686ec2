"""Thumbs up/down on answers, kept so that real questions flow back into the evals.

Stored in the server's database (`ui/storage.py`, table `feedback`) only when analytics is
on: a rating holds the question, and nothing about a question is stored otherwise.
`export` turns rows into eval-set candidates: a thumbs-up answer's citations become the
expected ids; a thumbs-down leaves `expected` empty for a person to fill in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update

from corpus.models import PHASES, STAKEHOLDERS
from corpus.scopes import SHARED
from ui.storage import Database, dumps
from ui.storage import feedback as table

RATINGS = ("up", "down")
OFF = ("feedback is not stored on this server: its operator has not turned analytics on "
       "(TALENTHUB_ANALYTICS=on)")


@dataclass(frozen=True)
class Feedback:
    """One rating of one answer. `source` is `ui` or `api:<key name>`, never a secret;
    `partner` is the scope it was given in, `user` who gave it (None when anonymous)."""

    rating: str
    question: str
    answer: str
    citations: tuple[str, ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    comment: str | None = None
    source: str = "ui"
    partner: str = SHARED
    user: str | None = None
    id: int | None = None
    created: str = ""


class FeedbackStore:
    """Ratings in the database; `enabled` is the analytics switch, which the chat and
    `POST /api/feedback` check before offering or storing anything."""

    def __init__(self, database: Database, *, enabled: bool = True):
        self.database = database
        self.enabled = enabled

    def add(self, feedback: Feedback) -> int:
        """Store a rating; returns its id, so a comment or a changed mind can follow."""
        _check_rating(feedback.rating)
        with self.database.engine.begin() as db:
            result = db.execute(insert(table).values(
                created=self.database.clock(), source=feedback.source,
                partner=feedback.partner, user_name=feedback.user, rating=feedback.rating,
                question=feedback.question, answer=feedback.answer,
                citations=dumps(list(feedback.citations)),
                history=dumps([list(t) for t in feedback.history]) if feedback.history
                else None, comment=feedback.comment or None))
            return int(result.inserted_primary_key[0])

    def update(self, feedback_id: int, *, rating: str | None = None,
               comment: str | None = None) -> None:
        """Change the rating (the user flipped the thumb) or attach a comment."""
        if rating is not None:
            _check_rating(rating)
        values: dict[str, Any] = {}
        if rating is not None:
            values["rating"] = rating
        if comment is not None:
            values["comment"] = comment.strip() or None
        if values:
            with self.database.engine.begin() as db:
                db.execute(update(table).where(table.c.id == feedback_id).values(**values))

    def delete(self, feedback_id: int) -> None:
        """The user took the thumb back."""
        with self.database.engine.begin() as db:
            db.execute(delete(table).where(table.c.id == feedback_id))

    def all(self, *, partner: str | None = None) -> list[Feedback]:
        """Every rating, oldest first, or one scope's."""
        query = select(table).order_by(table.c.id)
        if partner is not None:
            query = query.where(table.c.partner == partner)
        with self.database.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [Feedback(id=row["id"], created=row["created"].isoformat(timespec="seconds"),
                         source=row["source"], partner=row["partner"], user=row["user_name"],
                         rating=row["rating"], question=row["question"], answer=row["answer"],
                         citations=tuple(json.loads(row["citations"])),
                         history=tuple(tuple(t) for t in json.loads(row["history"] or "[]")),
                         comment=row["comment"]) for row in rows]

    def export(self) -> Iterator[dict[str, Any]]:
        """Eval-set candidates, one per rating, in the evals JSONL format."""
        for feedback in self.all():
            yield eval_candidate(feedback)


def eval_candidate(feedback: Feedback) -> dict[str, Any]:
    """A thumbs-up vouches for the cited ids; a thumbs-down only for the question."""
    expected = list(feedback.citations) if feedback.rating == "up" else []
    stakeholders, phases = labels(expected)
    record: dict[str, Any] = {"id": f"feedback-{feedback.id}", "question": feedback.question}
    if feedback.history:
        record["history"] = [list(turn) for turn in feedback.history]
    record.update({"expected": expected, "acceptable": [], "kind": "action-point",
                   "stakeholders": stakeholders, "phases": phases, "source": "feedback",
                   "rating": feedback.rating, "comment": feedback.comment})
    return record


def labels(unit_ids: list[str]) -> tuple[list[str], list[str]]:
    """The stakeholders and phases named by citation ids like `employers/pre-departure/4`."""
    stakeholders: list[str] = []
    phases: list[str] = []
    for unit_id in unit_ids:
        parts = unit_id.split("/")
        if parts[0] in STAKEHOLDERS and parts[0] not in stakeholders:
            stakeholders.append(parts[0])
        if len(parts) > 1 and parts[1] in PHASES and parts[1] not in phases:
            phases.append(parts[1])
    return stakeholders, phases


def _check_rating(rating: str) -> None:
    if rating not in RATINGS:
        raise ValueError(f"rating must be 'up' or 'down', not '{rating}'")
