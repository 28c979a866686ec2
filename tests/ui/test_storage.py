"""The server's database on SQLite and on a real PostgreSQL server: ratings, recorded
questions, retention by a fake clock, and access and erasure requests."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text

from assistant.models import Answer, Citation
from corpus.settings import Settings
from ui.analytics import Analytics
from ui.cli import cli
from ui.feedback import Feedback, FeedbackStore
from ui.identity import Identity
from ui.privacy import Retention, RetentionJob, delete_user, export_user
from ui.server import create_app
from ui.storage import Database, audit, feedback, metadata, questions

START = datetime(2025, 3, 1, 12, 0)
ANN = Identity("sso:ann", user="ann", partner="alpha")
BOB = Identity("key:beta", user="beta", partner="beta")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (f"sqlite:///{tmp_path / 'talenthub.sqlite3'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    database = Database(url, clock=Clock())
    yield database
    metadata.drop_all(database.engine)  # the PostgreSQL server is shared by the session
    database.engine.dispose()


def answer(question: str, *, grounded: bool = True, request: str = "question") -> Answer:
    cited = [Citation(1, "employers/pre-departure/4", "talent-hub-guidebook", "employers",
                      "action-points", "pre-departure", 4, "t", "q", 0.7)] if grounded else []
    return Answer(question, "a", grounded, cited,
                  {"stakeholders": ["employers"], "phases": [], "themes": ["language"],
                   "kind": "action-point", "request": request})


def count(database: Database, table: Any) -> int:
    with database.engine.connect() as db:
        return int(db.execute(select(func.count()).select_from(table)).scalar_one())


def test_ratings_round_trip_per_partner(database: Database) -> None:
    store = FeedbackStore(database)
    first = store.add(Feedback("up", "q1", "a", ("employers/pre-departure/4",), partner="alpha",
                               user="ann", history=(("hi", "hello"),)))
    second = store.add(Feedback("down", "q2", "a", partner="beta", user="beta"))
    store.update(second, rating="up", comment="  changed my mind ")
    assert [f.question for f in store.all(partner="alpha")] == ["q1"]
    (mine,) = store.all(partner="beta")
    assert (mine.rating, mine.comment, mine.user) == ("up", "changed my mind", "beta")
    assert store.all()[0].history == (("hi", "hello"),)
    store.delete(first)
    assert [f.id for f in store.all()] == [second]


def test_questions_are_recorded_with_their_scope_and_never_an_address(
        database: Database) -> None:
    analytics = Analytics(database, enabled=True)
    analytics.record(answer("How to help spouses?"), ANN, "chat")
    analytics.record(answer("Write my CV", grounded=False, request="task"), ANN, "api")
    analytics.record(answer("Visa rules in Peru?", grounded=False), BOB, "mcp")
    rows = analytics.rows(questions, "alpha", START - timedelta(days=1))
    assert [(r["outcome"], r["channel"], r["user_name"]) for r in rows] == [
        ("answered", "chat", "ann"), ("refused", "api", "ann")]
    assert json.loads(rows[0]["cited"]) == ["employers/pre-departure/4"]
    assert not {c.name for t in metadata.sorted_tables for c in t.columns} & {
        "ip", "address", "client", "host"}
    off = Analytics(database, enabled=False)
    assert off.recorder(ANN, "chat") is None  # with analytics off nothing is even offered


def test_retention_deletes_old_rows_by_the_clock(database: Database) -> None:
    clock = database.clock
    assert isinstance(clock, Clock)
    Analytics(database, enabled=True).record(answer("q"), ANN, "chat")
    FeedbackStore(database).add(Feedback("up", "q", "a", partner="alpha", user="ann"))
    with database.engine.begin() as db:
        db.execute(insert(audit).values(created=clock(), actor="ops", scope="alpha",
                                        action="upload", target="x.pdf", detail=""))
    job = RetentionJob(database, Retention(days=90, audit_days=365))
    clock.now = START + timedelta(days=89)
    assert job.run_once() == {"questions": 0, "feedback": 0, "audit": 0}
    clock.now = START + timedelta(days=91)
    assert job.run_once() == {"questions": 1, "feedback": 1, "audit": 0}
    clock.now = START + timedelta(days=366)
    assert job.run_once() == {"questions": 0, "feedback": 0, "audit": 1}


def test_access_and_erasure_requests(database: Database) -> None:
    Analytics(database, enabled=True).record(answer("q ann"), ANN, "chat")
    Analytics(database, enabled=True).record(answer("q bob"), BOB, "api")
    FeedbackStore(database).add(Feedback("down", "q ann", "a", partner="alpha", user="ann"))
    exported = export_user(database, "ann")
    assert [q["question"] for q in exported["questions"]] == ["q ann"]
    assert exported["questions"][0]["themes"] == ["language"]
    assert [f["rating"] for f in exported["feedback"]] == ["down"]
    assert delete_user(database, "ann") == {"questions": 1, "feedback": 1}
    assert export_user(database, "ann")["questions"] == []
    assert count(database, questions) == 1  # bob's stays


def test_sqlite_runs_in_wal_mode_and_old_ratings_move_in(tmp_path: Path) -> None:
    old = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT,"
                   " source TEXT, rating TEXT, question TEXT, answer TEXT, citations TEXT,"
                   " history TEXT, comment TEXT)")
        db.execute("INSERT INTO feedback (created, source, rating, question, answer, citations)"
                   " VALUES ('2025-01-02T03:04:05+00:00', 'ui', 'up', 'q', 'a', '[]')")
    database = Database.from_settings(Settings(data_dir=tmp_path))
    with database.engine.connect() as db:
        assert db.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    (moved,) = FeedbackStore(database).all()
    assert (moved.question, moved.created) == ("q", "2025-01-02T03:04:05")
    assert not old.exists() and (tmp_path / "feedback.sqlite3.imported").exists()
    Database.from_settings(Settings(data_dir=tmp_path))  # a second start moves nothing again
    assert len(FeedbackStore(database).all()) == 1


def test_the_server_deletes_expired_rows_itself(tmp_path: Path, make_fake: Any) -> None:
    settings = Settings(data_dir=tmp_path, analytics=True, retention_days=30)
    database = Database.from_settings(settings)
    long_ago = datetime.now() - timedelta(days=31)
    with database.engine.begin() as db:
        db.execute(insert(feedback).values(created=long_ago, source="ui", partner="shared",
                                           rating="up", question="q", answer="a",
                                           citations="[]"))
    with TestClient(create_app(settings, make_fake())):  # the lifespan starts the job
        deadline = time.monotonic() + 10
        while count(database, feedback) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert count(database, feedback) == 0


def test_privacy_commands(tmp_path: Path) -> None:
    database = Database.from_settings(Settings(data_dir=tmp_path))
    Analytics(database, enabled=True).record(answer("Where do I register?"), ANN, "chat")
    runner = CliRunner()
    exported = runner.invoke(cli, ["--data-dir", str(tmp_path), "privacy", "export",
                                   "--user", "ann"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["questions"][0]["question"] == "Where do I register?"
    deleted = runner.invoke(cli, ["--data-dir", str(tmp_path), "privacy", "delete",
                                  "--user", "ann"])
    assert "1 questions, 0 ratings" in deleted.stdout
    bad = runner.invoke(cli, ["privacy", "export", "--user", "ann"],
                        env={"TALENTHUB_DATABASE_URL": "postgresql+psycopg://u:secret@"
                                                       "127.0.0.1:1/none"})
    assert bad.exit_code == 2 and "cannot open the database" in bad.stderr
    assert "secret" not in bad.stderr
