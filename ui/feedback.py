"""Thumbs up/down on answers, kept in SQLite so real questions flow back into the evals.

One small file under the data dir (`feedback.sqlite3`); a connection per call keeps it safe
across the server's threads, and WAL mode lets an export read while the chat writes.
`export` turns rows into eval-set candidates: a thumbs-up answer's citations become the
expected ids; a thumbs-down leaves `expected` empty for a person to fill in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corpus.models import PHASES, STAKEHOLDERS
from corpus.settings import Settings

FILENAME = "feedback.sqlite3"
RATINGS = ("up", "down")
SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    source TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    history TEXT,
    comment TEXT
)
"""


@dataclass(frozen=True)
class Feedback:
    """One rating of one answer. `source` is `ui` or `api:<key name>`, never a secret."""

    rating: str
    question: str
    answer: str
    citations: tuple[str, ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    comment: str | None = None
    source: str = "ui"
    id: int | None = None
    created: str = ""


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(settings.data_dir / FILENAME)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(SCHEMA)
        return connection

    def add(self, feedback: Feedback) -> int:
        """Store a rating; returns its id, so a comment or a changed mind can follow."""
        _check_rating(feedback.rating)
        with closing(self._connect()) as db, db:
            cursor = db.execute(
                "INSERT INTO feedback (created, source, rating, question, answer, citations,"
                " history, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (datetime.now(UTC).isoformat(timespec="seconds"), feedback.source,
                 feedback.rating, feedback.question, feedback.answer,
                 json.dumps(list(feedback.citations)),
                 json.dumps([list(t) for t in feedback.history]) if feedback.history else None,
                 feedback.comment or None))
            return int(cursor.lastrowid or 0)

    def update(self, feedback_id: int, *, rating: str | None = None,
               comment: str | None = None) -> None:
        """Change the rating (the user flipped the thumb) or attach a comment."""
        if rating is not None:
            _check_rating(rating)
        with closing(self._connect()) as db, db:
            if rating is not None:
                db.execute("UPDATE feedback SET rating = ? WHERE id = ?", (rating, feedback_id))
            if comment is not None:
                db.execute("UPDATE feedback SET comment = ? WHERE id = ?",
                           (comment.strip() or None, feedback_id))

    def delete(self, feedback_id: int) -> None:
        """The user took the thumb back."""
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM feedback WHERE id = ?", (feedback_id,))

    def all(self) -> list[Feedback]:
        """Every rating, oldest first; an absent file is simply no feedback yet."""
        if not self.path.exists():
            return []
        with closing(self._connect()) as db:
            rows = db.execute("SELECT id, created, source, rating, question, answer, citations,"
                              " history, comment FROM feedback ORDER BY id").fetchall()
        return [Feedback(id=row[0], created=row[1], source=row[2], rating=row[3],
                         question=row[4], answer=row[5], citations=tuple(json.loads(row[6])),
                         history=tuple(tuple(t) for t in json.loads(row[7] or "[]")),
                         comment=row[8]) for row in rows]

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
