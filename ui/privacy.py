"""Retention and data-subject requests for what the server stores.

Questions and ratings are kept `TALENTHUB_RETENTION_DAYS` (default 90) and the admin audit
log `TALENTHUB_AUDIT_RETENTION_DAYS` (default 365); `RetentionJob` deletes older rows at
start-up and then every hour, in the server itself, so that no cron job has to be set up.
`talenthub privacy export --user NAME` and `delete --user NAME` serve access and erasure
requests: NAME is what the server knows a person by (their single-sign-on user, chat login
or API key name).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from ui.storage import Database, audit, feedback, questions

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600.0  # an hour: rows outlive their limit by an hour at most


@dataclass(frozen=True)
class Retention:
    days: int
    audit_days: int

    def purge(self, database: Database) -> dict[str, int]:
        """Delete what is past its limit, by the database's clock; counts per table."""
        now = database.clock()
        limits = {questions: now - timedelta(days=self.days),
                  feedback: now - timedelta(days=self.days),
                  audit: now - timedelta(days=self.audit_days)}
        deleted = {}
        with database.engine.begin() as db:
            for table, before in limits.items():
                result = db.execute(delete(table).where(table.c.created < before))
                deleted[table.name] = int(result.rowcount or 0)
        return deleted


class RetentionJob:
    """A daemon thread: purge now, then every `interval` seconds, until stopped."""

    def __init__(self, database: Database, retention: Retention, *,
                 interval: float = PURGE_EVERY_SECONDS):
        self.database = database
        self.retention = retention
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> dict[str, int]:
        try:
            deleted = self.retention.purge(self.database)
        except Exception:  # a database hiccup must not end the job: next hour tries again
            log.exception("deleting expired rows from %s failed", self.database.where)
            return {}
        if any(deleted.values()):
            log.warning("retention: deleted %s", deleted)
        return deleted

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="talenthub-retention",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            self.run_once()
            if self._stop.wait(self.interval):
                return


def export_user(database: Database, user: str) -> dict[str, Any]:
    """Everything stored under `user`: questions, ratings, and admin actions."""
    out: dict[str, Any] = {"user": user}
    with database.engine.connect() as db:
        for name, table, column in (("questions", questions, questions.c.user_name),
                                    ("feedback", feedback, feedback.c.user_name),
                                    ("audit", audit, audit.c.actor)):
            rows = db.execute(select(table).where(column == user).order_by(table.c.id))
            out[name] = [_plain(dict(row)) for row in rows.mappings()]
    return out


def delete_user(database: Database, user: str) -> dict[str, int]:
    """Erase the user's questions and ratings. The audit log is kept: it records what an
    administrator did, which the deployment must be able to show."""
    deleted = {}
    with database.engine.begin() as db:
        for table in (questions, feedback):
            result = db.execute(delete(table).where(table.c.user_name == user))
            deleted[table.name] = int(result.rowcount or 0)
    return deleted


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready: times as ISO text, stored JSON lists as lists."""
    plain = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = value.isoformat(timespec="seconds")
        elif key in ("stakeholders", "phases", "themes", "cited", "documents", "citations",
                     "history") and isinstance(value, str):
            value = json.loads(value)
        plain[key] = value
    return plain
