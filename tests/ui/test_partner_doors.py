"""Two partners and the shared scope on one server, attacked through every door: REST,
OpenAI, MCP, the chat, the self-assessment and LangChain. A caller of partner alpha quotes
partner beta's document word for word, asks for its unit ids, puts beta's name in the body,
and sends single-sign-on headers from where no proxy is; none of it shows beta's words.
In process, with the fake embedder: the scope is enforced below the doors, in retrieval."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import BETA_QUOTE, FakeEmbedder, add_partners, copy_corpus

from assistant import Assistant
from corpus.scopes import Scope
from corpus.settings import Settings
from index.build import build_index
from index.reader import IndexReader
from ui.app import UIContext, respond
from ui.door import chat_identity
from ui.server import create_app
from ui.storage import questions

KEYS = {"alpha": "key-alpha", "beta": "key-beta", "ops": "key-ops"}
BETA_WORDS = ("Zorblatt", "58,000", "Quillonberg", "beta/")
MCP_HEADERS = {"Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-11-25"}
PROXY = ("10.0.0.5", 50000)  # a trusted proxy's address in these settings


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("partners")
    settings = Settings(
        corpus_dir=add_partners(copy_corpus(root / "corpus")), data_dir=root / "data",
        api_keys=",".join(f"{n}:{k}" for n, k in KEYS.items()), admins="ops",
        analytics=True, rate_limit_per_minute=0, trusted_proxies="10.0.0.0/8",
        trusted_user_header="X-Forwarded-User", trusted_groups_header="X-Forwarded-Groups",
        group_roles={"beta-staff": "beta", "alpha-hr": "alpha:admin"})
    build_index(settings, FakeEmbedder)
    assistant = Assistant(settings, IndexReader(settings), FakeEmbedder())
    app = create_app(settings, assistant)
    beta_unit = next(u for u in assistant.scoped(Scope("beta")).check_index().units
                     if u.startswith("beta/"))
    proxied = TestClient(app, client=PROXY)  # no lifespan of its own: the MCP one runs once
    with TestClient(app) as client:
        yield SimpleNamespace(settings=settings, assistant=assistant, app=app, client=client,
                              proxied=proxied, beta_unit=beta_unit)


def key(name: str) -> dict[str, str]:
    return {"X-API-Key": KEYS[name]}


def leaks(payload: Any) -> list[str]:
    """Beta's words in a response, apart from the question itself where it is echoed."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    text = text.replace(BETA_QUOTE, "")
    return [word for word in BETA_WORDS if word in text]


def mcp(client: TestClient, tool: str, arguments: dict[str, Any],
        headers: dict[str, str]) -> dict[str, Any]:
    response = client.post("/mcp", headers={**MCP_HEADERS, **headers}, json={
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments}})
    data = next(line for line in response.text.splitlines() if line.startswith("data: "))
    return json.loads(data.removeprefix("data: "))["result"]  # type: ignore[no-any-return]


def test_rest_a_verbatim_quote_of_beta_shows_alpha_nothing_of_beta(server: Any) -> None:
    for headers in (key("alpha"), key("ops")):
        answer = server.client.post("/api/ask", json={"question": BETA_QUOTE}, headers=headers)
        assert answer.status_code == 200 and leaks(answer.json()) == []
    own = server.client.post("/api/ask", json={"question": BETA_QUOTE}, headers=key("beta"))
    assert "beta/member-handbook" in {c["document"] for c in own.json()["citations"]}


def test_rest_another_partners_scope_in_the_body_is_refused(server: Any) -> None:
    for field in ("scope", "partner"):
        response = server.client.post("/api/ask", headers=key("alpha"),
                                      json={"question": BETA_QUOTE, field: "beta"})
        assert response.status_code == 422 and "Extra inputs" in response.json()["detail"]


def test_openai_metadata_cannot_choose_another_scope(server: Any) -> None:
    body = {"model": "talenthub", "metadata": {"partner": "beta", "scope": "beta"},
            "messages": [{"role": "user", "content": BETA_QUOTE}]}
    alpha = server.client.post("/v1/chat/completions", json=body, headers=key("alpha"))
    assert alpha.status_code == 200 and leaks(alpha.json()) == []
    streamed = server.client.post("/v1/chat/completions", json={**body, "stream": True},
                                  headers=key("alpha"))
    assert leaks(streamed.text) == []
    beta = server.client.post("/v1/chat/completions", json=body, headers=key("beta"))
    assert "Zorblatt" in beta.json()["choices"][0]["message"]["content"]


def test_mcp_another_scopes_unit_is_unknown_like_a_made_up_one(server: Any) -> None:
    unit = server.beta_unit
    asked = mcp(server.client, "get_unit", {"id": unit}, key("alpha"))
    made_up = mcp(server.client, "get_unit", {"id": "beta/made-up#x"}, key("alpha"))
    assert asked["isError"] and made_up["isError"]
    assert asked["content"][0]["text"].replace(unit, "ID") == \
        made_up["content"][0]["text"].replace("beta/made-up#x", "ID")
    found = mcp(server.client, "search_guidebook", {"query": BETA_QUOTE, "k": 50},
                key("alpha"))
    assert leaks(found["structuredContent"]) == []
    answered = mcp(server.client, "ask_guidebook", {"question": BETA_QUOTE}, key("alpha"))
    assert leaks(answered["structuredContent"]) == []
    owner = mcp(server.client, "get_unit", {"id": unit}, key("beta"))
    assert not owner["isError"] and "Zorblatt" in json.dumps(owner["structuredContent"])
    uri = f"talenthub://unit/{unit.replace('#', '%23')}"
    resource = server.client.post("/mcp", headers={**MCP_HEADERS, **key("alpha")}, json={
        "jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": uri}})
    assert "there is no unit" in resource.text  # the id and URI asked for are echoed
    assert leaks(resource.text.replace(unit, "").replace(uri, "")) == []


def test_self_assessment_and_health_count_only_what_the_caller_sees(server: Any) -> None:
    plan = server.client.post("/api/assess", headers=key("alpha"), json={
        "stakeholder": "employers", "answers": {"employers/self-assessment/1": "no"}})
    assert plan.status_code == 200 and leaks(plan.json()) == []
    health = server.client.get("/api/health").json()
    assert health["documents"] == 5  # the shared documents: no partner's count


def test_proxy_headers_from_an_untrusted_address_are_ignored(server: Any) -> None:
    spoofed = {"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "beta-staff,alpha-hr"}
    refused = server.client.post("/api/ask", json={"question": BETA_QUOTE}, headers=spoofed)
    assert refused.status_code == 401  # not an identity: a key is still needed
    with_key = server.client.post("/api/ask", json={"question": BETA_QUOTE},
                                  headers={**spoofed, **key("alpha")})
    assert leaks(with_key.json()) == []
    admin = server.client.get("/api/admin/documents", headers={**spoofed, **key("alpha")})
    assert admin.status_code == 403
    trusted = server.proxied.post("/api/ask", json={"question": BETA_QUOTE},
                                  headers={"X-Forwarded-User": "bea",
                                           "X-Forwarded-Groups": "beta-staff"})
    assert "Zorblatt" in trusted.text  # the same headers from the proxy: partner beta


def test_chat_a_login_sees_its_partner_and_spoofed_headers_change_nothing(
        server: Any) -> None:
    services = server.app.state.services
    ctx = UIContext(assistant=server.assistant, branding=None,  # type: ignore[arg-type]
                    feedback=services.feedback, door=services.door,
                    identify=lambda request: chat_identity(services.identities, request))

    def chat(username: str | None, host: str = "testclient", **headers: str) -> str:
        request = SimpleNamespace(username=username, client=SimpleNamespace(host=host),
                                  headers=headers)
        *_, (_, _, turns, _, _) = respond(BETA_QUOTE, [], None, None,
                                          assistant=ctx.assistant_for(request), documents={})
        return json.dumps(turns[-1].answer.to_dict())

    forged = {"x-forwarded-user": "mallory", "x-forwarded-groups": "beta-staff"}
    assert leaks(chat("alpha", **forged)) == []
    assert leaks(chat(None, **forged)) == []
    assert "Zorblatt" in chat("beta")
    assert "Zorblatt" in chat(None, host=PROXY[0], **forged)  # behind the trusted proxy


def test_the_chat_s_passage_pages_show_another_scope_s_unit_as_not_found(
        server: Any) -> None:
    unit = server.beta_unit

    def passage(client: TestClient, unit_id: str, **headers: str) -> Any:
        return client.get("/passage", params={"id": unit_id}, headers=headers)

    beta = {"X-Forwarded-User": "bea", "X-Forwarded-Groups": "beta-staff"}
    alpha = {"X-Forwarded-User": "al", "X-Forwarded-Groups": "alpha-hr"}
    assert "Zorblatt" in passage(server.proxied, unit, **beta).text
    made_up = passage(server.proxied, "beta/made-up#x", **alpha)
    for refused in (passage(server.proxied, unit, **alpha), passage(server.client, unit),
                    passage(server.client, unit, **beta)):  # headers from no proxy
        assert refused.status_code == 404 and leaks(refused.text.replace(unit, "")) == []
        assert refused.json()["detail"].replace(unit, "ID") == \
            made_up.json()["detail"].replace("beta/made-up#x", "ID")
    original = server.proxied.get("/documents/beta/member-handbook/original", headers=alpha)
    assert original.status_code == 404
    assert leaks(original.text.replace("beta/member-handbook", "")) == []


def test_langchain_adapters_keep_the_scope(server: Any) -> None:
    alpha = server.assistant.scoped(Scope("alpha"))
    documents = alpha.as_retriever(k=50).invoke(BETA_QUOTE)
    assert all(not d.metadata["id"].startswith("beta/") for d in documents)
    assert leaks(alpha.as_runnable().invoke(BETA_QUOTE).to_dict()) == []


def test_analytics_record_each_answer_under_its_callers_scope(server: Any) -> None:
    server.client.post("/api/ask", json={"question": "Opening hours of Harbourgate?"},
                       headers=key("alpha"))
    with server.app.state.services.door.analytics.database.engine.connect() as db:
        rows = db.execute(questions.select()).mappings().all()
    by_partner = {(r["partner"], r["user_name"], r["channel"]) for r in rows}
    assert ("alpha", "alpha", "api") in by_partner
    assert {("beta", "beta", "openai"), ("alpha", "alpha", "mcp"), ("alpha", "alpha", "chat"),
            ("beta", "mallory", "chat")} <= by_partner
    assert all("ip" not in column for column in rows[0])


def test_admin_pages_need_an_admin_and_show_each_its_own(server: Any) -> None:
    for headers in ({}, key("alpha"), key("beta")):
        assert server.client.get("/api/admin/documents", headers=headers).status_code in (
            401, 403)
    ops = server.client.get("/api/admin/documents", headers=key("ops")).json()
    assert set(ops["scopes"]) == {"shared", "alpha", "beta"}
    hr = {"X-Forwarded-User": "hana", "X-Forwarded-Groups": "alpha-hr"}
    alpha_admin = server.proxied.get("/api/admin/documents", headers=hr).json()
    assert set(alpha_admin["scopes"]) == {"shared", "alpha"} and alpha_admin["writable"] == [
        "alpha"]
    assert leaks(alpha_admin) == [] and "member-handbook" not in json.dumps(alpha_admin)
    denied = server.proxied.delete("/api/admin/documents", headers=hr, params={
        "scope": "beta", "path": "partners/beta/member-handbook.md"})
    assert denied.status_code == 403
    assert (Path(server.settings.corpus_dir) / "partners/beta/member-handbook.md").exists()
    # Alpha's analytics hold alpha's own questions (its attacker's quote of beta among them),
    # never beta's traffic or beta's units.
    report = server.proxied.get("/api/admin/analytics", headers=hr)
    assert report.status_code == 200 and "beta/member-handbook" not in report.text
    assert server.proxied.get("/api/admin/analytics", headers=hr,
                              params={"partner": "beta"}).status_code == 403
    rows = list(csv.DictReader(io.StringIO(server.proxied.get(
        "/api/admin/analytics/questions.csv", headers=hr).text)))
    assert rows and {r["partner"] for r in rows} == {"alpha"}
    assert not any("beta/" in r["cited"] for r in rows)
    everything = list(csv.DictReader(io.StringIO(server.client.get(
        "/api/admin/analytics/questions.csv", headers=key("ops"), params={"partner": "all"}
    ).text)))
    assert {r["partner"] for r in everything} >= {"alpha", "beta"}  # the operator sees all
