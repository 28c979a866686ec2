"""The OpenAI-compatible door in process: request mapping, chunks and errors in OpenAI's
shape. The official `openai` client drives a real server in test_doors_live.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from support import client_for

from assistant import Assistant
from assistant.errors import IndexUnavailable, NoIndex
from assistant.llm import LLMAnswerer
from assistant.models import Delta, StreamEvent
from corpus.settings import Settings
from ui.door import Door
from ui.identity import LOCAL
from ui.openai_door import Message, conversation, open_openai

QUESTION = "What should employers do before talent arrives?"
ASK = {"model": "talenthub", "messages": [{"role": "user", "content": QUESTION}]}


def chunks(text: str) -> list[Any]:
    """The `data:` payloads of an SSE body, `[DONE]` as the string."""
    payloads = [block.removeprefix("data: ") for block in text.strip().split("\n\n")]
    return [p if p == "[DONE]" else json.loads(p) for p in payloads]


def assert_openai_error(response: Any, status: int, code: str, words: str) -> None:
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == code and words in error["message"]


def test_models_lists_the_extractive_model_only_without_an_llm(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["talenthub"]


def test_completion_keeps_markers_and_lists_sources_in_markdown(client: TestClient) -> None:
    body = client.post("/v1/chat/completions", json=ASK).json()
    assert body["object"] == "chat.completion" and body["model"] == "talenthub"
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    content = choice["message"]["content"]
    assert content.startswith("Employers should offer language learning before arrival [1].")
    sources = content.split("**Sources**")[1]
    assert "- [1] `employers/pre-departure/4` Guidebook › Employers ›" in sources
    assert '"Support with housing & schools."' in sources
    assert [c["id"] for c in body["citations"]] == ["employers/pre-departure/4",
                                                    "employers/pre-departure/6"]
    assert body["citations"][0]["quote"].startswith("Offer online")


def test_a_refusal_has_no_sources_list(client: TestClient) -> None:
    body = client.post("/v1/chat/completions", json={
        **ASK, "messages": [{"role": "user", "content": "A lasagna recipe?"}]}).json()
    assert "Sources" not in body["choices"][0]["message"]["content"]
    assert body["citations"] == []


def test_earlier_turns_become_history_and_metadata_filters(
        shared: tuple[TestClient, Any]) -> None:
    client, fake = shared
    messages = [{"role": "system", "content": "You are helpful."},
                {"role": "user", "content": "What should employers do?"},
                {"role": "assistant", "content": "Offer language courses [1]."},
                {"role": "user", "content": [{"type": "text", "text": "And municipalities?"}]}]
    response = client.post("/v1/chat/completions", json={
        **ASK, "messages": messages, "temperature": 0.2, "user": "someone",
        "metadata": {"stakeholder": "municipalities", "phase": "on-boarding", "tag": "x"}})
    assert response.status_code == 200
    assert fake.calls[-1] == {"question": "And municipalities?",
                              "history": [["What should employers do?",
                                           "Offer language courses [1]."]],
                              "stakeholder": "municipalities", "phase": "on-boarding"}


def test_conversation_pairs_turns_and_needs_a_final_user_message() -> None:
    def messages(*turns: tuple[str, str]) -> list[Message]:
        return [Message(role=role, content=text) for role, text in turns]  # type: ignore[arg-type]

    question, history = conversation(messages(("assistant", "Hi!"), ("user", "a"), ("user", "b"),
                                              ("assistant", "B"), ("user", "c")))
    assert question == "c"
    assert history == [["a", ""], ["b", "B"]]
    with pytest.raises(ValueError, match="last message must be the user's question"):
        conversation(messages(("user", "a"), ("assistant", "A")))
    with pytest.raises(ValueError, match="last message"):
        conversation([])


def test_streaming_sends_chunks_that_add_up_to_the_completion(client: TestClient) -> None:
    whole = client.post("/v1/chat/completions", json=ASK).json()
    response = client.post("/v1/chat/completions", json={**ASK, "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = chunks(response.text)
    assert events[-1] == "[DONE]"
    pieces = events[:-1]
    assert all(p["object"] == "chat.completion.chunk" for p in pieces)
    assert len({p["id"] for p in pieces}) == 1
    assert pieces[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert len(pieces) > 3  # the answer comes in pieces, not in one block
    text = "".join(p["choices"][0]["delta"].get("content", "") for p in pieces)
    assert text == whole["choices"][0]["message"]["content"]
    assert pieces[-1]["choices"][0]["finish_reason"] == "stop"
    assert pieces[-1]["citations"] == whole["citations"]


class FailsMidStream:
    """Streams one piece, then loses the index."""

    llm = reader = embedder = None

    def without_llm(self) -> FailsMidStream:
        return self

    def scoped(self, scope: Any, **options: Any) -> FailsMidStream:
        return self

    def stream(self, question: str, **kwargs: Any) -> Iterator[StreamEvent]:
        yield Delta("Employers should ")
        raise IndexUnavailable("the index cannot be reached; check TALENTHUB_CHROMA_URL")


def test_an_error_after_the_stream_started_is_an_error_chunk_then_done(
        settings: Settings) -> None:
    response = client_for(settings, FailsMidStream()).post(
        "/v1/chat/completions", json={**ASK, "stream": True})
    assert response.status_code == 200
    events = chunks(response.text)
    assert events[-1] == "[DONE]"
    assert events[-2]["error"]["code"] == "index_unavailable"
    assert "cannot be reached" in events[-2]["error"]["message"]


@pytest.mark.parametrize(("body", "status", "code", "words"), [
    ("{not json", 400, "invalid_json", "not valid JSON"),
    ({**ASK, "messages": [{"role": "user", "content": "   "}]}, 422, "invalid_value",
     "the question is empty"),
    ({**ASK, "messages": []}, 422, "invalid_value", "last message"),
    ({**ASK, "metadata": {"stakeholder": "employer"}}, 422, "invalid_value",
     "unknown stakeholder 'employer'"),
    ({"messages": ASK["messages"]}, 422, "invalid_value", "model: Field required"),
    ({**ASK, "model": "gpt-4o"}, 404, "model_not_found", "choose one of: talenthub"),
])
def test_bad_requests_get_openai_errors(client: TestClient, body: Any, status: int, code: str,
                                        words: str) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    response = client.post("/v1/chat/completions", content=content,
                           headers={"Content-Type": "application/json"})
    assert_openai_error(response, status, code, words)


def test_keys_and_rate_limits_apply_with_openai_errors(settings: Settings,
                                                       make_fake: Callable[..., Any]) -> None:
    client = client_for(settings, make_fake(), api_keys="rotterdam:secret-1",
                        rate_limit_per_minute=2)
    assert_openai_error(client.get("/v1/models"), 401, "invalid_api_key", "needs an API key")
    assert_openai_error(client.post("/v1/chat/completions", json=ASK,
                                    headers={"Authorization": "Bearer wrong"}),
                        401, "invalid_api_key", "not valid")
    key = {"Authorization": "Bearer secret-1"}
    assert client.post("/v1/chat/completions", json=ASK, headers=key).status_code == 200
    assert client.get("/v1/models", headers=key).status_code == 200
    limited = client.post("/v1/chat/completions", json=ASK, headers=key)
    assert_openai_error(limited, 429, "rate_limit_exceeded", "rate limit of 2 requests")
    assert int(limited.headers["Retry-After"]) > 0


@pytest.mark.parametrize("error", [NoIndex("no index yet: run `talenthub index`"),
                                   IndexUnavailable("the index cannot be reached")])
def test_a_missing_index_is_503_before_streaming(settings: Settings,
                                                 make_fake: Callable[..., Any],
                                                 error: Exception) -> None:
    client = client_for(settings, make_fake(error=error))
    for stream in (False, True):
        response = client.post("/v1/chat/completions", json={**ASK, "stream": stream})
        assert_openai_error(response, 503, "index_unavailable", str(error))


def test_the_rest_api_keeps_its_own_error_shape(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": " "})
    assert response.status_code == 422 and set(response.json()) == {"detail"}


def test_the_caller_reaches_the_assistant_through_the_door(
        settings: Settings, make_fake: Callable[..., Any], callers: list[str]) -> None:
    client = client_for(settings, make_fake(), api_keys="aarhus:secret-2")
    response = client.post("/v1/chat/completions", json=ASK, headers={"X-API-Key": "secret-2"})
    assert response.status_code == 200 and callers == ["key:aarhus"]


@pytest.mark.slow
def test_with_an_llm_both_models_answer_and_only_checked_text_is_streamed(
        real_assistant: Assistant) -> None:
    reply = "Offer language training online [4]. Invent a grant scheme [99]."
    chat_model = GenericFakeChatModel(messages=iter([AIMessage(content=reply)] * 2))
    llm = Assistant(real_assistant.settings, real_assistant.reader, real_assistant.embedder,
                    llm=LLMAnswerer(chat_model))
    app = FastAPI()
    open_openai(app, Door(llm, caller=lambda: LOCAL))
    client = TestClient(app)
    assert [m["id"] for m in client.get("/v1/models").json()["data"]] == ["talenthub",
                                                                          "talenthub-llm"]
    # a whole-phase list: its fourth source is the online language action point
    question = {"role": "user", "content": "What should employers do before talent arrives?"}
    written = client.post("/v1/chat/completions", json={
        "model": "talenthub-llm", "messages": [question]}).json()
    content = written["choices"][0]["message"]["content"]
    assert "Offer language training online [1]." in content
    assert "grant scheme" not in content  # the uncited sentence was removed
    streamed = client.post("/v1/chat/completions", json={
        "model": "talenthub-llm", "messages": [question], "stream": True})
    pieces = [c for c in chunks(streamed.text)[:-1] if c["choices"]]
    text = "".join(p["choices"][0]["delta"].get("content", "") for p in pieces)
    assert text == content and "grant scheme" not in text
    extractive = client.post("/v1/chat/completions", json={
        "model": "talenthub", "messages": [question]}).json()
    assert ([c["id"] for c in extractive["citations"]]
            == real_assistant.ask(question["content"]).cited_ids)
