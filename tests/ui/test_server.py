"""The REST API and the served page, through FastAPI's TestClient with a fake assistant."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import client_for

from assistant.errors import IndexUnavailable, NoIndex
from assistant.models import Answer, Citation, FollowUp
from corpus.settings import Settings
from ui.schemas import AnswerModel, CitationModel, FollowUpModel
from ui.server import create_app

QUESTION = {"question": "What should employers do before talent arrives?"}
PARTNER = "https://intranet.example.org"


def sse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_ask_returns_the_answer_json(client: TestClient) -> None:
    response = client.post("/api/ask", json={**QUESTION, "stakeholder": "employers",
                                             "history": [["Hi", "Hello"]]})
    assert response.status_code == 200
    body = response.json()
    assert body["grounded"] is True
    assert [c["id"] for c in body["citations"]] == ["employers/pre-departure/4",
                                                    "employers/pre-departure/6"]
    assert body["citations"][0]["marker"] == 1
    assert body["meta"]["stakeholders"] == ["employers"]


def test_ask_passes_filters_and_history(shared: tuple[TestClient, Any]) -> None:
    client, fake = shared
    client.post("/api/ask", json={**QUESTION, "phase": "on-boarding",
                                  "history": [["Hi", "Hello"]]})
    assert fake.calls[-1] == {"question": QUESTION["question"], "history": [["Hi", "Hello"]],
                              "stakeholder": None, "phase": "on-boarding"}


def test_ask_streams_server_sent_events(client: TestClient) -> None:
    response = client.post("/api/ask", json=QUESTION, headers={"Accept": "text/event-stream"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert [name for name, _ in events] == ["delta", "delta", "answer"]
    streamed = "".join(data["text"] for name, data in events if name == "delta")
    assert streamed == events[-1][1]["answer"]
    assert events[-1][1]["citations"][1]["id"] == "employers/pre-departure/6"


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"question": ""}, 422, "the question is empty"),
    ({"question": "   "}, 422, "the question is empty"),
    ({"question": "x" * 2001}, 422, "question: String should have at most 2000 characters"),
    ({"question": "q", "stakeholder": "pirates"}, 422, "stakeholder: Input should be"),
    ({"question": "q", "phase": "later"}, 422, "phase: Input should be"),
    ({"question": "q", "history": [["only one"]]}, 422, "history.0.1"),
    ({"question": "q", "stakehodler": "employers"}, 422, "stakehodler: Extra inputs"),
    ({"question": 42}, 422, "question: Input should be a valid string"),
    (["q"], 422, "must be a JSON object"),
    ({}, 422, "question: Field required"),
])
def test_bad_input_is_a_4xx_with_one_line_detail(client: TestClient, body: Any, status: int,
                                                 detail: str) -> None:
    response = client.post("/api/ask", json=body)
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert isinstance(response.json()["detail"], str)


def test_malformed_json_and_missing_body(client: TestClient) -> None:
    bad = client.post("/api/ask", content=b'{"question": ',
                      headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    assert bad.json() == {"detail": "the request body is not valid JSON"}
    missing = client.post("/api/ask")
    assert missing.status_code == 422
    assert "JSON object" in missing.json()["detail"]


def test_2000_characters_is_still_accepted(client: TestClient) -> None:
    assert client.post("/api/ask", json={"question": "x" * 2000}).status_code == 200


@pytest.mark.parametrize("accept", ["application/json", "text/event-stream"])
def test_missing_index_is_503_telling_what_to_run(settings: Settings,
                                                  make_fake: Callable[..., Any],
                                                  accept: str) -> None:
    client = client_for(settings, make_fake(error=NoIndex("no index yet: run "
                                                          "`talenthub index`")))
    response = client.post("/api/ask", json=QUESTION, headers={"Accept": accept})
    assert response.status_code == 503
    assert "talenthub index" in response.json()["detail"]


def test_unreachable_index_is_503(settings: Settings, make_fake: Callable[..., Any]) -> None:
    client = client_for(settings, make_fake(error=IndexUnavailable("cannot reach Chroma")))
    response = client.post("/api/ask", json=QUESTION)
    assert (response.status_code, response.json()) == (503, {"detail": "cannot reach Chroma"})


def test_unexpected_error_is_json_not_a_traceback(settings: Settings,
                                                  make_fake: Callable[..., Any]) -> None:
    client = client_for(settings, make_fake(error=RuntimeError("secret internals")))
    response = client.post("/api/ask", json=QUESTION)
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error; see the server log"}


def test_health_reports_counts_and_503_without_index(settings: Settings,
                                                     make_fake: Callable[..., Any]) -> None:
    ok = client_for(settings, make_fake()).get("/api/health")
    assert ok.status_code == 200
    assert ok.json()["documents"] == 5 and ok.json()["chunks"] == 320
    missing = client_for(settings, make_fake(status="missing")).get("/api/health")
    assert missing.status_code == 503
    assert missing.json()["status"] == "missing"
    assert "talenthub index" in missing.json()["detail"]


# -- keys and rate limits --------------------------------------------------------------------


@pytest.fixture
def keyed(settings: Settings, fake: Any) -> TestClient:
    return client_for(settings, fake, api_keys="alpha:secret-a,beta:secret-b",
                      rate_limit_per_minute=2, analytics=True)


def test_keys_missing_wrong_and_right(keyed: TestClient) -> None:
    missing = keyed.post("/api/ask", json=QUESTION)
    assert missing.status_code == 401
    assert "X-API-Key" in missing.json()["detail"]
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = keyed.post("/api/ask", json=QUESTION, headers={"X-API-Key": "secret-c"})
    assert wrong.status_code == 401
    assert "not valid" in wrong.json()["detail"]
    assert keyed.post("/api/ask", json=QUESTION,
                      headers={"X-API-Key": "secret-a"}).status_code == 200
    assert keyed.post("/api/ask", json=QUESTION,
                      headers={"Authorization": "Bearer secret-b"}).status_code == 200


def test_keys_from_a_toml_file(settings: Settings, fake: Any, tmp_path: Any) -> None:
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\nrotterdam = "r-secret"\n', encoding="utf-8")
    client = client_for(settings, fake, api_keys_file=path)
    assert client.post("/api/ask", json=QUESTION,
                       headers={"X-API-Key": "r-secret"}).status_code == 200
    assert client.post("/api/ask", json=QUESTION).status_code == 401


def test_health_and_page_need_no_key(keyed: TestClient) -> None:
    assert keyed.get("/api/health").status_code == 200
    assert keyed.get("/").status_code == 200


def test_rate_limit_is_per_key_with_retry_after(keyed: TestClient) -> None:
    alpha = {"X-API-Key": "secret-a"}
    assert [keyed.post("/api/ask", json=QUESTION, headers=alpha).status_code
            for _ in range(2)] == [200, 200]
    limited = keyed.post("/api/ask", json=QUESTION, headers=alpha)
    assert limited.status_code == 429
    retry_after = int(limited.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert limited.json()["detail"] == (f"rate limit of 2 requests per minute reached; "
                                        f"retry in {retry_after} s")
    # beta has its own window
    assert keyed.post("/api/ask", json=QUESTION,
                      headers={"X-API-Key": "secret-b"}).status_code == 200


def test_rate_limit_without_keys_is_per_client(settings: Settings, fake: Any) -> None:
    client = client_for(settings, fake, rate_limit_per_minute=1)
    assert client.post("/api/ask", json=QUESTION).status_code == 200
    assert client.post("/api/ask", json=QUESTION).status_code == 429


# -- cross-site: CORS and framing ------------------------------------------------------------


def preflight(client: TestClient, origin: str) -> Any:
    return client.options("/api/ask", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key"})


def test_no_origin_is_allowed_unless_configured(client: TestClient) -> None:
    assert "access-control-allow-origin" not in preflight(client, PARTNER).headers
    for path in ("/api/health", "/", "/config"):
        response = client.get(path, headers={"Origin": PARTNER})
        assert "access-control-allow-origin" not in response.headers, path


def test_configured_origin_is_allowed_and_others_are_not(settings: Settings,
                                                         fake: Any) -> None:
    client = client_for(settings, fake, allowed_origins=f"{PARTNER}/, https://b.example")
    allowed = preflight(client, PARTNER)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == PARTNER
    assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()
    response = client.post("/api/ask", json=QUESTION, headers={"Origin": PARTNER})
    assert response.headers["access-control-allow-origin"] == PARTNER
    page = client.get("/config", headers={"Origin": PARTNER})
    assert page.headers["access-control-allow-origin"] == PARTNER
    denied = preflight(client, "https://evil.example")
    assert "access-control-allow-origin" not in denied.headers
    # the embedded chat's own calls carry Gradio's headers
    queue = client.options("/gradio_api/queue/join", headers={
        "Origin": PARTNER, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-gradio-user"})
    assert queue.status_code == 200
    assert queue.headers["access-control-allow-origin"] == PARTNER


def test_framing_is_denied_unless_configured(client: TestClient) -> None:
    for path in ("/", "/api/health"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert response.headers["x-frame-options"] == "DENY"


SECURITY = {"x-content-type-options": "nosniff",
            "referrer-policy": "strict-origin-when-cross-origin",
            "content-security-policy": "frame-ancestors 'none'", "x-frame-options": "DENY"}


def test_every_response_carries_the_security_headers(
        settings: Settings, make_fake: Callable[..., Any]) -> None:
    client = client_for(settings, make_fake(error=RuntimeError("boom")))
    asset = re.findall(r'import\("\./(assets/[^"]+)"\)', client.get("/gradio.js").text)[0]
    responses = {
        "chat": client.get("/"), "chat config": client.get("/config"),
        "static file": client.get(f"/{asset}"), "web component": client.get("/gradio.js"),
        "health": client.get("/api/health"), "docs": client.get("/api/docs"),
        "schema": client.get("/api/openapi.json"),
        "not found": client.get("/api/nope"), "static not found": client.get("/assets/nope.js"),
        "bad json": client.post("/api/ask", content=b"{", headers={
            "Content-Type": "application/json"}),
        "bad question": client.post("/api/ask", json={"question": ""}),
        "server error": client.post("/api/ask", json=QUESTION),
    }
    assert responses["server error"].status_code == 500
    assert responses["static file"].status_code == 200
    for what, response in responses.items():
        for name, value in SECURITY.items():
            assert response.headers.get_list(name) == [value], (what, name, response.headers)


def test_configured_sites_may_frame_the_page(settings: Settings, fake: Any) -> None:
    client = client_for(settings, fake, allowed_origins=f"{PARTNER},https://b.example")
    response = client.get("/?embed=1")
    assert response.headers["content-security-policy"] == \
        f"frame-ancestors {PARTNER} https://b.example"
    assert "x-frame-options" not in response.headers


# -- feedback, schema, page ------------------------------------------------------------------


def test_feedback_is_stored_with_the_key_name(keyed: TestClient) -> None:
    response = keyed.post("/api/feedback", headers={"X-API-Key": "secret-a"}, json={
        "rating": "up", "question": "q", "answer": "a [1]",
        "citations": ["employers/pre-departure/4"], "comment": "spot on"})
    assert response.status_code == 201
    (stored,) = keyed.app.state.services.feedback.all()  # type: ignore[attr-defined]
    assert stored.id == response.json()["id"]
    assert (stored.source, stored.rating, stored.comment) == ("api:alpha", "up", "spot on")
    assert (stored.partner, stored.user) == ("alpha", "alpha")


def test_feedback_is_refused_and_nothing_stored_with_analytics_off(client: TestClient) -> None:
    response = client.post("/api/feedback", json={"rating": "up", "question": "q"})
    assert response.status_code == 403
    assert "TALENTHUB_ANALYTICS=on" in response.json()["detail"]
    assert client.app.state.services.feedback.all() == []  # type: ignore[attr-defined]


def test_feedback_rejects_bad_ratings_and_needs_a_key(keyed: TestClient) -> None:
    body = {"rating": "meh", "question": "q"}
    assert keyed.post("/api/feedback", json=body).status_code == 401
    response = keyed.post("/api/feedback", json=body, headers={"X-API-Key": "secret-b"})
    assert response.status_code == 422
    assert "rating" in response.json()["detail"]


def test_openapi_documents_the_shared_answer_model(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    assert {"/api/ask", "/api/health", "/api/feedback"} <= set(schema["paths"])
    ask = schema["paths"]["/api/ask"]["post"]
    assert "text/event-stream" in ask["responses"]["200"]["content"]
    assert {"401", "422", "429", "503"} <= set(ask["responses"])
    assert "AnswerModel" in schema["components"]["schemas"]
    assert client.get("/api/docs").status_code == 200


def test_response_models_mirror_the_python_api() -> None:
    assert set(AnswerModel.model_fields) == {f.name for f in dataclasses.fields(Answer)}
    assert set(CitationModel.model_fields) == {f.name for f in dataclasses.fields(Citation)}
    assert set(FollowUpModel.model_fields) == {f.name for f in dataclasses.fields(FollowUp)}


def test_page_is_served_with_branding(settings: Settings, fake: Any, tmp_path: Any) -> None:
    branding = tmp_path / "branding.toml"
    branding.write_text('title = "Rotterdam Talent Desk"\nprimary_color = "#aa3300"\n',
                        encoding="utf-8")
    client = client_for(settings, fake, branding_file=branding)
    assert client.get("/").status_code == 200
    config = client.get("/config").json()
    assert config["title"] == "Rotterdam Talent Desk"
    assert "#aa3300" in config["css"]


def test_web_component_loader_is_served_locally(client: TestClient) -> None:
    """Intranets that block the Gradio CDN load <gradio-app> from this server."""
    loader = client.get("/gradio.js")
    assert loader.status_code == 200
    assert loader.headers["content-type"].startswith("text/javascript")
    (asset,) = re.findall(r'import\("\./(assets/[^"]+)"\)', loader.text)
    assert client.get(f"/{asset}").status_code == 200


def test_bad_configuration_fails_before_serving(settings: Settings, fake: Any,
                                                tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="name:secret"):
        create_app(settings.model_copy(update={"api_keys": "just-a-secret"}), fake)
    with pytest.raises(ValueError, match="not found"):
        create_app(settings.model_copy(update={"branding_file": tmp_path / "nope.toml"}),
                   fake)
