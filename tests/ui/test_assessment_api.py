"""`POST /api/assess` through the real server app, a real index and the bundled model."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import Assistant
from corpus.settings import Settings
from ui.assess_routes import AssessmentModel
from ui.server import create_app

pytestmark = pytest.mark.slow
S = "employers"
ANSWERS = {f"{S}/self-assessment/3": "no", f"{S}/self-assessment/10": "not-sure",
           f"{S}/self-assessment/1": "yes", f"{S}/self-assessment/2": ""}


@pytest.fixture(scope="session")
def assistant(real_assistant: Assistant) -> Assistant:
    """The suite's real index and model (tests/conftest.py), built once per session."""
    return real_assistant


@pytest.fixture(scope="module")
def client(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    settings = Settings(data_dir=tmp_path_factory.mktemp("api"), rate_limit_per_minute=0)
    return TestClient(create_app(settings, assistant), raise_server_exceptions=False)


def assess(client: TestClient, body: dict[str, Any], **params: str) -> Any:
    return client.post("/api/assess", json=body, params=params)


def test_answers_become_a_cited_plan(client: TestClient) -> None:
    response = assess(client, {"stakeholder": S, "date": "2025-03-31", "answers": ANSWERS})
    assert response.status_code == 200, response.text
    body = response.json()
    AssessmentModel.model_validate(body)
    assert [g["statement"]["id"] for g in body["gaps"]] == [f"{S}/self-assessment/3",
                                                           f"{S}/self-assessment/10"]
    first = body["gaps"][0]
    assert first["answer"] == "no" and first["statement"]["focus"] == "talent"
    assert {f"{S}/pre-departure/4", f"{S}/pre-departure/5"} <= {a["id"] for a in
                                                               first["actions"]}
    assert body["summary"]["total"] == {"yes": 1, "no": 1, "not-sure": 1, "unanswered": 13}
    assert body["date"] == "2025-03-31"
    phases = [g["phase"] for g in body["plan"]]
    assert phases[0] == "pre-departure"
    every = [a["id"] for g in body["plan"] for a in g["actions"]]
    assert len(every) == len(set(every))
    assert body["progress"] is None


def test_progress_against_previous_answers(client: TestClient) -> None:
    previous = {"stakeholder": S, "date": "2024-12-31",
                "answers": {f"{S}/self-assessment/1": "no", f"{S}/self-assessment/3": "no"}}
    body = assess(client, {"stakeholder": S, "answers": ANSWERS, "previous": previous}).json()
    assert body["progress"] == {"previous_date": "2024-12-31",
                                "closed": [f"{S}/self-assessment/1"],
                                "new": [f"{S}/self-assessment/10"],
                                "unchanged": [f"{S}/self-assessment/3"], "unanswered": []}


def test_exports_by_format(client: TestClient) -> None:
    body = {"stakeholder": S, "answers": ANSWERS}
    table = assess(client, body, format="csv")
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert {r["statement_id"] for r in rows} == {f"{S}/self-assessment/3",
                                                 f"{S}/self-assessment/10"}
    page = assess(client, body, format="html")
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.startswith("<!DOCTYPE html>") and "@media print" in page.text
    assert assess(client, body, format="md").text.startswith("# Self-assessment action plan")


@pytest.mark.parametrize(("answers", "named"), [
    ({f"{S}/self-assessment/99": "no"}, f'"{S}/self-assessment/99": unknown statement id'),
    ({"municipalities/self-assessment/2": "yes"},
     '"municipalities/self-assessment/2": a statement of municipalities, not employers'),
    ({f"{S}/self-assessment/3": "maybe"}, f"answers.{S}/self-assessment/3: Input should be"),
])
def test_a_bad_entry_is_a_422_naming_it(client: TestClient, answers: dict[str, str],
                                        named: str) -> None:
    response = assess(client, {"stakeholder": S, "answers": answers})
    assert response.status_code == 422
    assert named in response.json()["detail"]


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"answers": {}}, 422, "stakeholder: Field required"),
    ({"stakeholder": "bakers", "answers": {}}, 422, "stakeholder: Input should be"),
    ({"stakeholder": S, "answers": {}, "date": "soon"}, 422, 'date "soon" is not a date'),
    ({"stakeholder": S, "answers": {}, "extra": 1}, 422, "extra: Extra inputs"),
    ({"stakeholder": S, "answers": {}, "previous": {"stakeholder": "education",
                                                    "answers": {}}},
     422, "previous answers: the answers are for education, not employers"),
])
def test_bad_requests_are_one_line_json(client: TestClient, body: dict[str, Any], status: int,
                                        detail: str) -> None:
    response = assess(client, body)
    assert response.status_code == status
    assert detail in response.json()["detail"]


def test_the_route_is_behind_the_api_keys(assistant: Assistant,
                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = Settings(data_dir=tmp_path_factory.mktemp("keys"), api_keys="partner:s3cret",
                        rate_limit_per_minute=0)
    keyed = TestClient(create_app(settings, assistant), raise_server_exceptions=False)
    body = {"stakeholder": S, "answers": {}}
    assert keyed.post("/api/assess", json=body).status_code == 401
    ok = keyed.post("/api/assess", json=body, headers={"X-API-Key": "s3cret"})
    assert ok.status_code == 200
    assert "/api/assess" in keyed.get("/api/openapi.json").json()["paths"]
