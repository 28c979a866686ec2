"""The MCP endpoint in process: behind the `/api/` keys and rate limit, the caller passed
on to the tools, and the chat still served at `/`. The official client drives every tool
over both transports in test_doors_live.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from corpus.settings import Settings
from ui.server import create_app

CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "ask_guidebook", "arguments": {"question": "What should we do?"}}}
MCP_HEADERS = {"Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-11-25"}


def result(response: Any) -> dict[str, Any]:
    """The JSON-RPC result in a streamable HTTP (SSE) response."""
    data = next(line for line in response.text.splitlines() if line.startswith("data: "))
    return json.loads(data.removeprefix("data: "))["result"]  # type: ignore[no-any-return]


def test_mcp_needs_a_key_counts_the_rate_limit_and_knows_the_caller(
        settings: Settings, make_fake: Callable[..., Any], callers: list[str]) -> None:
    app = create_app(settings.model_copy(update={"api_keys": "rotterdam:secret-1",
                                                 "rate_limit_per_minute": 2}), make_fake())
    with TestClient(app) as client:  # runs the lifespan, where the MCP sessions live
        missing = client.post("/mcp", json=CALL, headers=MCP_HEADERS)
        assert missing.status_code == 401
        assert "needs an API key" in missing.json()["error"]["message"]
        wrong = client.post("/mcp", json=CALL, headers={**MCP_HEADERS, "X-API-Key": "nope"})
        assert wrong.status_code == 401
        key = {**MCP_HEADERS, "Authorization": "Bearer secret-1"}
        answered = client.post("/mcp", json=CALL, headers=key)
        assert answered.status_code == 200
        citations = result(answered)["structuredContent"]["citations"]
        assert [c["id"] for c in citations] == ["employers/pre-departure/4",
                                                "employers/pre-departure/6"]
        assert callers == ["key:rotterdam"]
        client.post("/mcp", json=CALL, headers=key)
        limited = client.post("/mcp", json=CALL, headers=key)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_the_chat_and_the_api_still_answer_beside_mcp(settings: Settings,
                                                      make_fake: Callable[..., Any]) -> None:
    with TestClient(create_app(settings, make_fake())) as client:
        assert client.post("/mcp", json=CALL, headers=MCP_HEADERS).status_code == 200
        page = client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert client.get("/api/health").json()["status"] == "ok"
        assert client.post("/api/ask", json={"question": "What should we do?"}).json()[
            "grounded"] is True
