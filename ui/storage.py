"""The server's own records in one SQL database, through SQLAlchemy Core: ratings
(`feedback`), the questions asked (`questions`, only with analytics on) and the admin
`audit` log.

SQLite in the data dir is the embedded default, in WAL mode so that exports and the
analytics page read while the chat writes. Set `TALENTHUB_DATABASE_URL` to a PostgreSQL
URL (`postgresql+psycopg://user:password@host/db`) when several replicas should share one
set of analytics. The same code runs on both: portable column types, no vendor SQL.

No table has a column for an IP address.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from corpus.scopes import SHARED
from corpus.settings import Settings

log = logging.getLogger(__name__)
FILENAME = "talenthub.sqlite3"
LEGACY_FEEDBACK = "feedback.sqlite3"  # where ratings lived before this database
Clock = Callable[[], datetime]

metadata = MetaData()
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", DateTime, nullable=False, index=True),
    Column("source", String(200), nullable=False),
    Column("partner", String(64), nullable=False, default=SHARED, index=True),
    Column("user_name", String(200), index=True),
    Column("rating", String(4), CheckConstraint("rating IN ('up', 'down')"), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),  # JSON list of unit ids
    Column("history", Text),  # JSON list of [user, assistant] pairs
    Column("comment", Text),
)
questions = Table(
    "questions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", DateTime, nullable=False, index=True),
    Column("partner", String(64), nullable=False, index=True),
    Column("user_name", String(200), index=True),
    Column("channel", String(16), nullable=False),  # chat, api, openai, mcp
    Column("question", Text, nullable=False),
    Column("grounded", Boolean, nullable=False),
    Column("outcome", String(16), nullable=False),  # answered, refused, ungrounded
    Column("kind", String(32), nullable=False),
    Column("stakeholders", Text, nullable=False),  # JSON lists, as detected
    Column("phases", Text, nullable=False),
    Column("themes", Text, nullable=False),
    Column("cited", Text, nullable=False),  # JSON list of unit ids
    Column("documents", Text, nullable=False),  # JSON list of document slugs
)
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", DateTime, nullable=False, index=True),
    Column("actor", String(200), nullable=False, index=True),
    Column("scope", String(64), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("target", Text, nullable=False),
    Column("detail", Text, nullable=False, default=""),
)


def utcnow() -> datetime:
    """Naive UTC, as stored: SQLite has no time zones, and one convention fits both."""
    return datetime.now(UTC).replace(tzinfo=None)


class Database:
    """One engine per process; every call opens a short transaction (`engine.begin()`),
    which keeps the server's threads apart. `clock` is injectable for retention tests."""

    def __init__(self, url: str, *, clock: Clock = utcnow):
        self.url = url
        self.clock = clock
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ValueError(f"TALENTHUB_DATABASE_URL '{url}' is not a database URL "
                             "(sqlite:///path or postgresql+psycopg://...)") from exc
        self.sqlite = parsed.get_backend_name() == "sqlite"
        if self.sqlite and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite: a connection per use (NullPool), as before, so WAL readers never hold
        # a stale snapshot; PostgreSQL: a small pool, checked before use.
        options: dict[str, Any] = ({"poolclass": NullPool, "connect_args": {"timeout": 10}}
                                   if self.sqlite else {"pool_pre_ping": True})
        self.engine: Engine = create_engine(url, **options)
        if self.sqlite:
            # WAL is kept in the database file: set once, not on every new connection
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            event.listen(self.engine, "connect", _sqlite_busy_timeout)
        metadata.create_all(self.engine)

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = utcnow) -> Database:
        if settings.database_url:
            return cls(settings.database_url, clock=clock)
        database = cls(f"sqlite:///{(settings.data_dir / FILENAME).resolve()}", clock=clock)
        database.import_legacy_feedback(settings.data_dir / LEGACY_FEEDBACK)
        return database

    @property
    def where(self) -> str:
        return masked(self.url)

    def import_legacy_feedback(self, path: Path) -> int:
        """Ratings from the SQLite file used before this database, moved in once; the old
        file is renamed `.imported` so nothing is counted twice and nothing is lost."""
        if not path.is_file():
            return 0
        with closing(sqlite3.connect(path)) as old:
            rows = old.execute("SELECT created, source, rating, question, answer, citations,"
                               " history, comment FROM feedback ORDER BY id").fetchall()
        records = [{"created": _parse_time(r[0]), "source": r[1], "partner": SHARED,
                    "user_name": None, "rating": r[2], "question": r[3], "answer": r[4],
                    "citations": r[5], "history": r[6], "comment": r[7]} for r in rows]
        with self.engine.begin() as connection:
            if records:
                connection.execute(insert(feedback), records)
        path.rename(path.with_name(path.name + ".imported"))
        log.warning("moved %d ratings from %s into %s", len(records), path, self.where)
        return len(records)


def masked(url: str) -> str:
    """A database URL for messages, without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an invalid database URL)"


def _sqlite_busy_timeout(connection: Any, _record: Any) -> None:
    """Per connection: wait for a writer rather than fail at once."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _parse_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
