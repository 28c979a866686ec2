"""One FastAPI app: the REST API under `/api/` and the Gradio chat mounted at `/`.

Both share one `Assistant` (one embedding model, one index reader) per process. REST
handlers are plain `def`s, so FastAPI runs them in its thread pool; the chat goes through
Gradio's queue, which bounds how many answers are computed at once (`ui_concurrency`).
The chat's Gradio endpoints are private: programs use `/api/`, where keys and rate limits
apply.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gradio as gr
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from gradio.routes import App as GradioApp

from assistant.api import Assistant
from assistant.errors import IndexUnavailable, NoIndex, TalentHubError
from assistant.models import Final, StreamEvent, collect
from corpus.settings import Settings
from ui.access import (
    RateLimiter,
    SecurityHeaders,
    allowed_origins,
    key_name,
    load_api_keys,
    security_headers,
    ui_logins,
)
from ui.admin import Library, ReindexJob
from ui.admin_routes import admin_router
from ui.analytics import Analytics
from ui.analytics_routes import analytics_router
from ui.app import (
    CSS_PATHS,
    HEAD_PATHS,
    UIContext,
    branding_css,
    build_ui,
    page_js,
    theme,
)
from ui.assess_routes import assessment_router
from ui.branding import Branding, load_branding
from ui.door import ANONYMOUS, Door, chat_identity, gradio_login
from ui.doors import open_doors
from ui.feedback import OFF as FEEDBACK_OFF
from ui.feedback import Feedback, FeedbackStore
from ui.identity import Forbidden, Identities, Identity
from ui.passage_routes import passage_router
from ui.privacy import Retention, RetentionJob
from ui.schemas import (
    AnswerModel,
    AskRequest,
    ErrorResponse,
    FeedbackRequest,
    FeedbackResponse,
    HealthResponse,
)
from ui.storage import Database

log = logging.getLogger(__name__)
GRADIO_JS = Path(gr.__file__).parent / "templates" / "frontend" / "gradio.js"

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text} for code, text in (
        (400, "The body is not valid JSON."),
        (401, "An API key is required and was missing or wrong."),
        (403, "Not allowed: feedback with analytics off, or single-sign-on groups that "
              "name several partners."),
        (422, "The request is malformed: empty or oversized question, unknown stakeholder..."),
        (429, "Too many requests for this key; see the Retry-After header."),
        (503, "The index is missing (run `talenthub index`) or cannot be reached."),
    )}
STREAM_DOC = {"description": "The answer JSON; with `Accept: text/event-stream`, server-sent "
              "events: `delta` ({\"text\"}) pieces, then one `answer` (the answer JSON), or "
              "an `error` ({\"detail\"}).",
              "content": {"text/event-stream": {"schema": {"type": "string"}}}}


@dataclass(frozen=True)
class Services:
    """What the REST handlers share, kept on `app.state` for the module-level routes."""

    door: Door
    feedback: FeedbackStore
    keys: dict[str, str]
    limiter: RateLimiter
    identities: Identities

    @property
    def assistant(self) -> Assistant:
        """The shared assistant, seeing the shared documents (what nobody in particular
        may see); a caller's own goes through `door.assistant_for`."""
        return self.door.assistant


def create_app(settings: Settings, assistant: Assistant | None = None, *,
               branding: Branding | None = None) -> FastAPI:
    """Build the server. Configuration errors (bad keys or branding file) raise ValueError
    before anything loads, so `talenthub serve` can report them in one line."""
    keys = load_api_keys(settings)
    logins = ui_logins(settings)
    identities = Identities(settings)
    branding = branding or load_branding(settings.branding_file)
    origins = allowed_origins(settings)
    headers = security_headers(origins)
    database = Database.from_settings(settings)
    assistant = assistant or Assistant.from_settings(settings)
    store = FeedbackStore(database, enabled=settings.analytics)
    analytics = Analytics(database, enabled=settings.analytics)
    door = Door(assistant, caller, analytics)
    retention = RetentionJob(database, Retention(settings.retention_days,
                                                 settings.audit_retention_days))

    app = FastAPI(title="Talent Hub Assistant API", version="1",
                  description="Answers from the IOM Talent Hub EU Guidebook, with exact "
                              "citations. Answers are not legal advice.",
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.services = Services(door, store, keys,
                                  RateLimiter(settings.rate_limit_per_minute), identities)
    _error_handlers(app, headers)
    app.include_router(api)
    app.include_router(assessment_router(door))
    library = Library(settings, assistant.reader, database)
    app.state.admin_job = ReindexJob(settings, assistant.embedder, library)
    app.include_router(admin_router(door, library, app.state.admin_job))
    app.include_router(analytics_router(door, analytics))
    chat: dict[str, Any] = {}  # the mounted Gradio app, once there: whose login a page is

    def page_reader(request: Request) -> Identity:
        """Who opens a page the chat links to (a passage, a PDF original): whoever the chat
        would answer, by the same single sign-on or chat login; nobody signed in is turned
        away where the chat asks for a login."""
        who = chat_identity(identities, request, username=gradio_login(chat.get("app"), request))
        if logins and who is ANONYMOUS:
            raise HTTPException(401, "sign in to the chat first, then open the link again")
        return who

    app.include_router(passage_router(door, page_reader))
    open_doors(app, door)
    _run_beside(app, retention)
    # Always install CORSMiddleware, even with no origins: Gradio then leaves CORS to it,
    # instead of applying its own localhost-friendly policy to the mounted UI.
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                       allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["*"],
                       expose_headers=["Retry-After"])
    app.add_middleware(SecurityHeaders, headers=headers)

    @app.get("/gradio.js", include_in_schema=False)
    def web_component() -> FileResponse:
        """Gradio's <gradio-app> loader from this server, for intranets without the CDN."""
        return FileResponse(GRADIO_JS, media_type="text/javascript")

    ctx = UIContext(assistant=assistant, branding=branding, feedback=store,
                    embed=settings.embed,
                    embed_assessment=settings.embed_assessment, framing_allowed=bool(origins),
                    door=door, identify=lambda request: chat_identity(identities, request))
    demo = build_ui(ctx)
    demo.queue(default_concurrency_limit=max(1, settings.ui_concurrency), api_open=False)
    app = gr.mount_gradio_app(
        app, demo, path="/", auth=logins, root_path=settings.root_path or None,
        footer_links=[], ssr_mode=False, mcp_server=False, show_error=False,
        theme=theme(), css=branding_css(branding), css_paths=list(CSS_PATHS),
        js=page_js(ctx), head_paths=list(HEAD_PATHS))
    chat["app"] = next(r.app for r in app.routes if isinstance(getattr(r, "app", None),
                                                                GradioApp))
    return app


api = APIRouter(prefix="/api", tags=["assistant"])
KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False,
                          description="A partner key (only when keys are configured).")
BEARER = HTTPBearer(auto_error=False, description="The same key as a Bearer token.")


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def caller(request: Request,
           x_api_key: Annotated[str | None, Depends(KEY_HEADER)],
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
           ) -> Identity:
    """Who is asking: the single-sign-on user a trusted proxy vouches for; else the named
    key when keys are configured; else nobody in particular, known by client address.

    Also counts the request against that caller's rate limit.
    """
    access = services(request)
    peer = request.client.host if request.client else None
    try:
        identity = access.identities.from_proxy(peer, request.headers)
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    if identity is None and access.keys:
        presented = (x_api_key or "").strip() or (
            credentials.credentials.strip() if credentials else "")
        if not presented:
            raise HTTPException(401, "this server needs an API key: send it as an X-API-Key "
                                     "header or Authorization: Bearer <key>",
                                headers={"WWW-Authenticate": "Bearer"})
        name = key_name(access.keys, presented)
        if name is None:
            raise HTTPException(401, "the API key is not valid; check it with whoever runs "
                                     "this server", headers={"WWW-Authenticate": "Bearer"})
        identity = access.identities.named("key", name)
    elif identity is None:
        identity = Identity(f"ip:{access.identities.client_address(peer, request.headers)}")
    limited = access.limiter.hit(identity.who)
    if limited is not None:
        raise HTTPException(429, f"rate limit of {access.limiter.limit} requests per minute "
                                 f"reached; retry in {limited.retry_after} s",
                            headers={"Retry-After": str(limited.retry_after)})
    return identity


Caller = Annotated[Identity, Depends(caller)]


@api.post("/ask", response_model=AnswerModel, responses={**ERRORS, 200: STREAM_DOC})
def ask(body: AskRequest, request: Request, who: Caller) -> Any:
    """Answer a question with citations; streams with `Accept: text/event-stream`."""
    history = [list(turn) for turn in body.history] if body.history else None
    assistant = services(request).door.assistant_for(who)
    items = assistant.stream(body.question, history=history, stakeholder=body.stakeholder,
                             phase=body.phase)
    # The first item surfaces bad input and a missing index as proper status codes,
    # before any streamed response has started.
    first = next(items)
    if "text/event-stream" in request.headers.get("accept", ""):
        return StreamingResponse(
            sse(itertools.chain([first], items)), media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return collect(itertools.chain([first], items)).to_dict()


@api.get("/health", response_model=HealthResponse,
         responses={503: {"model": HealthResponse,
                          "description": "No index yet, or it cannot be reached."}})
def health(request: Request) -> JSONResponse:
    """Index status and counts; 503 until the index can answer (for load balancers)."""
    status = HealthResponse.model_validate(services(request).assistant.status())
    return JSONResponse(status.model_dump(),
                        status_code=200 if status.status == "ok" else 503)


@api.post("/feedback", response_model=FeedbackResponse, status_code=201, responses=ERRORS)
def feedback(body: FeedbackRequest, request: Request, who: Caller) -> FeedbackResponse:
    """Thumbs up or down on an answer, for `talenthub feedback export` and the analytics
    page; refused (403) unless the server stores analytics."""
    store = services(request).feedback
    if not store.enabled:
        raise HTTPException(403, FEEDBACK_OFF)
    source = "api:" + who.who.removeprefix("key:") if who.who.startswith("key:") else "api"
    feedback_id = store.add(Feedback(
        rating=body.rating, question=body.question, answer=body.answer,
        citations=tuple(body.citations), comment=body.comment, source=source,
        history=tuple((q, a) for q, a in body.history or []), partner=who.scope.key,
        user=who.user))
    return FeedbackResponse(id=feedback_id)


def _run_beside(app: FastAPI, job: RetentionJob) -> None:
    """The retention job runs as long as the app does: started and stopped with it."""
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        job.start()
        try:
            async with outer(app) as state:
                yield state
        finally:
            job.stop()

    app.router.lifespan_context = lifespan


def sse(events: Iterator[StreamEvent]) -> Iterator[str]:
    """Server-sent events; an error after the stream started becomes an `error` event."""
    try:
        for item in events:
            if isinstance(item, Final):
                yield event("answer", item.answer.to_dict())
            else:
                yield event("delta", {"text": item.text})
    except (TalentHubError, IndexUnavailable) as exc:
        yield event("error", {"detail": str(exc)})
    except Exception:
        log.exception("streaming an answer failed")
        yield event("error", {"detail": "internal error while answering; see the server log"})


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _error_handlers(app: FastAPI, headers: dict[str, str]) -> None:
    """Every error is JSON with a one-line `detail`; never a traceback."""

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse({"detail": "the request body is not valid JSON"}, 400)
        return JSONResponse({"detail": "; ".join(_describe(e) for e in errors)}, 422)

    @app.exception_handler(TalentHubError)
    async def bad_input(request: Request, exc: TalentHubError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 422)

    @app.exception_handler(NoIndex)
    async def no_index(request: Request, exc: NoIndex) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 503)

    @app.exception_handler(IndexUnavailable)
    async def unavailable(request: Request, exc: IndexUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 503)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        # Starlette answers a 500 outside every middleware, so it gets the headers here.
        log.exception("request to %s failed", request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error; see the server log"}, 500,
                            headers=headers)


def _describe(error: dict[str, Any]) -> str:
    # A field name comes from the client: shown as a repr-like one-liner, never raw.
    where = ".".join(part if isinstance(part, str) and part.isprintable() else repr(part)
                     for part in error.get("loc", ()) if part != "body")
    message = str(error.get("msg", "invalid"))
    if not where:
        return 'the request body must be a JSON object like {"question": "..."}'
    return f"{where}: {message}"
