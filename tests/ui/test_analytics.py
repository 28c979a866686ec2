"""The analytics page on the real model and index: questions seeded through the API, the
knowledge gaps clustered by meaning, charts with text alternatives, and CSV exports."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant import Assistant
from corpus.settings import Settings
from ui.analytics import Analytics
from ui.server import create_app
from ui.storage import Database, questions

pytestmark = pytest.mark.slow

# Questions the guidebook is not about, each topic asked three ways, and one loner.
SEEDED = {
    "pets": ["Can employees bring their dog when they relocate?",
             "What are the rules for bringing a cat from abroad?",
             "Do pets need a vaccination passport to move here?"],
    "tax": ["How do I file my income tax return as a newcomer?",
            "Where do foreign employees submit their annual tax return?",
            "What is the process for filing taxes in my first year here?"],
    "driving": ["Can I exchange my foreign driving licence?",
                "How do I convert a non-EU driver's license?",
                "Is my home country driving licence valid here?"],
    "pension": ["Will my pension contributions transfer if I leave the country?",
                "How does the state pension work for foreign workers?"],
    "food": ["What is a good recipe for lasagna?"],
}
TOPIC = {question: topic for topic, asked in SEEDED.items() for question in asked}
ANSWERED = "How can we help the spouses of our foreign hires?"
KEYS = {"alpha": {"X-API-Key": "key-alpha"}, "ops": {"X-API-Key": "key-ops"}}


@pytest.fixture(scope="module")
def client(real_settings: Settings, real_assistant: Assistant,
           tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    database = tmp_path_factory.mktemp("analytics") / "analytics.sqlite3"
    settings = real_settings.model_copy(update={
        "database_url": f"sqlite:///{database}", "analytics": True, "admins": "ops",
        "api_keys": "alpha:key-alpha,ops:key-ops", "rate_limit_per_minute": 0})
    client = TestClient(create_app(settings, real_assistant))
    for question in [*TOPIC, ANSWERED]:
        assert client.post("/api/ask", json={"question": question},
                           headers=KEYS["alpha"]).status_code == 200
    client.post("/api/feedback", headers=KEYS["alpha"], json={
        "rating": "down", "question": SEEDED["pets"][0], "answer": "..."})
    return client


def test_gaps_group_the_same_question_asked_differently(real_assistant: Assistant,
                                                         tmp_path: Path) -> None:
    analytics = Analytics(Database(f"sqlite:///{tmp_path / 'a.sqlite3'}"), enabled=True)
    gaps = analytics.gaps([*TOPIC, SEEDED["pets"][0]], real_assistant)
    assert {frozenset(q for q, _ in gap.questions) for gap in gaps} == {
        frozenset(asked) for asked in SEEDED.values()}
    pets = next(g for g in gaps if SEEDED["pets"][0] in g.examples)
    assert (pets.size, len(pets.examples)) == (4, 3)  # asked 4 times, 3 ways
    assert gaps[0] is pets  # the largest first
    assert all(len(gap.nearest) == 3 and gap.nearest[0][1] for gap in gaps)


def test_the_page_shows_the_seeded_traffic_and_its_gaps(client: TestClient) -> None:
    page = client.get("/api/admin/analytics", headers=KEYS["ops"], params={"partner": "alpha"})
    assert page.status_code == 200
    html = page.text
    asked = len(TOPIC) + 1
    assert re.search(rf'<span class="th-figure">{asked}</span> questions', html)
    database = client.app.state.services.door.analytics.database  # type: ignore[attr-defined]
    with database.engine.connect() as db:
        unanswered = [r.question for r in db.execute(questions.select())
                      if r.outcome != "answered"]
    gaps = re.findall(r'<li class="th-gap">(.*?)</li>\s*(?=<li class="th-gap">|</ol>)', html,
                      re.S)
    topics_shown = [{TOPIC[q] for q in TOPIC if q in gap} for gap in gaps]
    assert all(len(t) == 1 for t in topics_shown)  # one topic per gap
    expected = {TOPIC[q] for q in unanswered if q in TOPIC} | {"pets"}  # the thumb down
    assert {t.pop() for t in topics_shown} == expected
    for figure in re.findall(r"<svg.*?</svg>", html, re.S):
        assert 'role="img"' in figure and "<title" in figure and "<desc" in figure
    assert html.count("<details><summary>Data table") == html.count("<svg")


def test_a_question_naming_no_role_counts_for_what_its_answer_cited(
        client: TestClient) -> None:
    database = client.app.state.services.door.analytics.database  # type: ignore[attr-defined]
    with database.engine.connect() as db:
        row = next(r for r in db.execute(questions.select()) if r.question == ANSWERED)
    cited = json.loads(row.cited)
    stakeholders = json.loads(row.stakeholders)
    assert cited and stakeholders  # the question names no role; its answer's units do
    assert set(stakeholders) == {c.split("/")[0] for c in cited if "/" in c and "#" not in c}
    assert json.loads(row.themes)  # the themes the cited action points' words mark


def test_every_table_exports_as_csv(client: TestClient) -> None:
    for table, column in (("questions", "question"), ("feedback", "rating"),
                          ("daily", "answered"), ("topics", "dimension"), ("cited", "id"),
                          ("gaps", "nearest units")):
        response = client.get(f"/api/admin/analytics/{table}.csv", headers=KEYS["ops"])
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert column in (rows[0] if rows else response.text), table
        assert "user" not in response.text.splitlines()[0]  # never who asked
    assert client.get("/api/admin/analytics/secrets.csv", headers=KEYS["ops"]).status_code \
        == 422


def test_an_export_does_not_name_the_askers(client: TestClient) -> None:
    rows: list[dict[str, Any]] = list(csv.DictReader(io.StringIO(client.get(
        "/api/admin/analytics/questions.csv", headers=KEYS["ops"]).text)))
    assert rows and all(r["partner"] == "alpha" for r in rows)
    assert not any("key-alpha" in str(r) for r in rows)
