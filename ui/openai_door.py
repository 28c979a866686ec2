"""The OpenAI chat-completions door: `/v1/chat/completions` and `/v1/models`.

Any chat front end or SDK that speaks the OpenAI protocol (Open WebUI, LibreChat, the
`openai` package) gets the assistant's cited answers with no glue code. The last user
message is the question and earlier turns are the history; the answer keeps its `[n]`
markers and lists its sources in Markdown, so a plain chat shows them, and the full
citation objects ride in an extra top-level `citations` field that clients ignore.
Keys, rate limits and status codes are those of `/api/`; errors take OpenAI's shape.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from assistant.api import Assistant
from assistant.errors import IndexUnavailable, InvalidInput, TalentHubError
from assistant.models import Answer, Delta, Final, StreamEvent
from ui.door import Door
from ui.identity import Identity

log = logging.getLogger(__name__)
EXTRACTIVE_MODEL = "talenthub"
LLM_MODEL = "talenthub-llm"
# OpenAI's error `type` and `code` for each status this server answers with.
ERROR_KINDS = {400: ("invalid_request_error", "invalid_json"),
               401: ("authentication_error", "invalid_api_key"),
               404: ("invalid_request_error", "model_not_found"),
               422: ("invalid_request_error", "invalid_value"),
               429: ("rate_limit_error", "rate_limit_exceeded"),
               500: ("server_error", "internal_error"),
               503: ("server_error", "index_unavailable")}


class Lenient(BaseModel):
    """OpenAI clients send many optional fields (temperature, user, tools...): the answer
    does not depend on them, so they are accepted and ignored."""

    model_config = ConfigDict(extra="allow")


class ContentPart(Lenient):
    type: str
    text: str | None = None


class Message(Lenient):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class ChatRequest(Lenient):
    model: str = Field(examples=[EXTRACTIVE_MODEL])
    messages: list[Message] = Field(description="The last one is the user's question.")
    stream: bool | None = False
    metadata: dict[str, Any] | None = Field(
        default=None, description='Optional "stakeholder" and "phase" filters, as in /api/ask.')


class OpenAIErrors(APIRoute):
    """Every failure of these routes, the key check and body validation included, in
    OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                status, body, headers = openai_error(exc)
                return JSONResponse(body, status, headers=headers)

        return route


def openai_error(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, body and headers for an exception, by the same rules as `/api/`."""
    headers = None
    if isinstance(exc, RequestValidationError):
        errors = exc.errors()
        invalid_json = any(e.get("type") == "json_invalid" for e in errors)
        status = 400 if invalid_json else 422
        message = ("the request body is not valid JSON" if invalid_json
                   else "; ".join(describe(e) for e in errors))
    elif isinstance(exc, HTTPException):
        status, message, headers = exc.status_code, str(exc.detail), exc.headers
    elif isinstance(exc, TalentHubError):
        status, message = (404 if isinstance(exc, UnknownModel) else 422), str(exc)
    elif isinstance(exc, IndexUnavailable):
        status, message = 503, str(exc)
    else:
        log.error("OpenAI-compatible request failed", exc_info=exc)
        status, message = 500, "internal error; see the server log"
    kind, code = ERROR_KINDS.get(status, ERROR_KINDS[500])
    return status, {"error": {"message": message, "type": kind, "param": None,
                              "code": code}}, headers


def describe(error: dict[str, Any]) -> str:
    # A field name comes from the client: shown as a repr-like one-liner, never raw.
    where = ".".join(part if isinstance(part, str) and part.isprintable() else repr(part)
                     for part in error.get("loc", ()) if part != "body")
    return f"{where or 'body'}: {error.get('msg', 'invalid')}"


class UnknownModel(InvalidInput):
    """A model this server does not serve (404 model_not_found, as OpenAI answers)."""


def served_models(assistant: Assistant) -> dict[str, Assistant]:
    """`talenthub` answers extractively; `talenthub-llm` is there when an LLM is set."""
    models = {EXTRACTIVE_MODEL: assistant.without_llm()}
    if assistant.llm is not None:
        models[LLM_MODEL] = assistant
    return models


def conversation(messages: list[Message]) -> tuple[str, list[list[str]]]:
    """The last user message and the [user, assistant] pairs before it. System prompts
    are the client's, not the assistant's, and are left out."""
    turns = [(m.role, m.text()) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise InvalidInput("messages: the last message must be the user's question")
    history: list[list[str]] = []
    for role, text in turns[:-1]:
        if role == "user":
            history.append([text, ""])
        elif history and not history[-1][1]:
            history[-1][1] = text
    return turns[-1][1], history


def with_sources(answer: Answer) -> str:
    """The answer, then its sources as a Markdown list with ids and quotes."""
    if not answer.citations:
        return answer.answer
    sources = "\n".join(f"- [{c.marker}] `{c.id}` {c.breadcrumb}: \"{' '.join(c.quote.split())}\""
                        for c in answer.citations)
    return f"{answer.answer}\n\n**Sources**\n\n{sources}"


def citations(answer: Answer) -> list[dict[str, Any]]:
    return [c.to_dict() for c in answer.citations]


def openai_router(door: Door) -> APIRouter:
    """The `/v1` routes, bound to the server's assistant and access check."""
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"], route_class=OpenAIErrors)
    models = served_models(door.assistant)
    started = int(time.time())

    @router.get("/models")
    def list_models(who: Identity = Depends(door.caller)) -> dict[str, Any]:
        """The models to pick in a chat front end."""
        return {"object": "list", "data": [
            {"id": name, "object": "model", "created": started, "owned_by": "talenthub"}
            for name in models]}

    @router.post("/chat/completions")
    def chat_completions(body: ChatRequest, who: Identity = Depends(door.caller)) -> Any:
        """An answer with citations; `stream: true` sends server-sent chunks ending in
        `[DONE]`. `metadata.stakeholder` and `metadata.phase` filter as in /api/ask."""
        if body.model not in models:
            raise UnknownModel(f"the model '{body.model}' is not served here; choose one of: "
                               f"{', '.join(models)}")
        assistant = door.assistant_for(who, models[body.model], channel="openai")
        question, history = conversation(body.messages)
        filters = body.metadata or {}
        events = assistant.stream(question, history=history or None,
                                  stakeholder=filters.get("stakeholder"),
                                  phase=filters.get("phase"))
        # The first event surfaces bad input and a missing index as a status code,
        # before any streamed response has started.
        events = itertools.chain([next(events)], events)
        reply = Reply(body.model, live=assistant.llm is None)
        if body.stream:
            return StreamingResponse(reply.chunks(events), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache",
                                              "X-Accel-Buffering": "no"})
        return reply.completion(events)

    return router


class Reply:
    """One chat completion, whole or as chunks."""

    def __init__(self, model: str, *, live: bool):
        self.model = model
        # Extractive text pieces are final as they come; an LLM's are provisional (the
        # checked answer can drop sentences), so those are sent once checked.
        self.live = live
        self.head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()),
                     "model": model}

    def completion(self, events: Iterator[StreamEvent]) -> dict[str, Any]:
        answer = next(e.answer for e in events if isinstance(e, Final))
        return {**self.head, "object": "chat.completion", "choices": [{
            "index": 0, "message": {"role": "assistant", "content": with_sources(answer)},
            "finish_reason": "stop", "logprobs": None}], "citations": citations(answer)}

    def chunks(self, events: Iterator[StreamEvent]) -> Iterator[str]:
        """`data:` chunks, then `[DONE]`; a failure after the start is an error chunk."""
        yield self.chunk({"role": "assistant", "content": ""})
        sent = ""
        try:
            for event in events:
                if isinstance(event, Delta):
                    if self.live and event.text:
                        sent += event.text
                        yield self.chunk({"content": event.text})
                    continue
                rest = with_sources(event.answer).removeprefix(sent)
                if rest:
                    yield self.chunk({"content": rest})
                yield self.chunk({}, "stop", citations=citations(event.answer))
        except Exception as exc:
            yield data(openai_error(exc)[1])
        yield "data: [DONE]\n\n"

    def chunk(self, delta: dict[str, Any], finish: str | None = None,
              **extra: Any) -> str:
        return data({**self.head, "object": "chat.completion.chunk", "choices": [
            {"index": 0, "delta": delta, "finish_reason": finish}], **extra})


def data(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def open_openai(app: FastAPI, door: Door) -> None:
    app.include_router(openai_router(door))
