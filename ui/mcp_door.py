"""The Model Context Protocol door: the assistant's tools for AI assistants and agents.

Tools `ask_guidebook`, `search_guidebook`, `get_unit` and `self_assessment_plan`, and every
unit as a resource `talenthub://unit/{id}`. Served over stdio (`talenthub mcp`) and over
streamable HTTP at `/mcp` on `talenthub serve`, behind the keys and rate limits of `/api/`.
Each tool is one call of `Assistant`, so answers are exactly those of `/api/ask`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant import assessment
from assistant.api import Assistant
from assistant.errors import IndexUnavailable, TalentHubError
from assistant.models import Hit
from ui.assess_routes import Answers, AssessmentModel
from ui.door import Door
from ui.identity import Identity
from ui.schemas import AnswerModel, Phase, Section, Stakeholder

INSTRUCTIONS = (
    "Answers from the IOM Talent Hub EU Guidebook about retaining skilled third-country "
    "nationals (employers, municipalities, government, education, trade unions, civil "
    "society; pre-departure, on-boarding, integration). Answers quote the guidebook and cite "
    "unit ids such as employers/pre-departure/4; they are not legal advice. Keep the [n] "
    "markers and cite the ids when you pass an answer on.")
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
UNIT_URI = "talenthub://unit/{+id}"  # `+`: the slashes of an id stay as they are
MAX_RESULTS = 50
SERVER_ERROR = -32000  # JSON-RPC's implementation-defined server error

Question = Annotated[str, Field(description="A question about retaining international "
                                            "talent, in the user's words.")]
StakeholderFilter = Annotated[Stakeholder | None, Field(description="Only this stakeholder.")]
PhaseFilter = Annotated[Phase | None, Field(description="Only this customer-journey phase.")]
UnitId = Annotated[str, Field(description="A unit id, as cited: employers/pre-departure/4.")]


class UnitModel(BaseModel):
    id: str = Field(examples=["employers/pre-departure/4"])
    document: str
    kind: str = Field(description="action-points, interventions, self-assessment, quotes "
                                  "or other.")
    title: str
    breadcrumb: str
    stakeholder: str | None
    phase: str | None
    page: int | None = Field(description="The page in the source document, where it has pages.")
    score: float | None = Field(description="Relevance to the query; None outside a search.")
    text: str = Field(description="The source text, character for character.")


class SearchResults(BaseModel):
    units: list[UnitModel] = Field(description="Best first.")


def unit_model(hit: Hit, *, ranked: bool) -> UnitModel:
    unit = hit.to_dict()
    return UnitModel.model_validate({**unit, "score": unit["score"] if ranked else None})


@contextmanager
def user_errors(error: type[Exception] = ToolError) -> Iterator[None]:
    """Input and index problems reach the client as their one-line message."""
    try:
        yield
    except (TalentHubError, IndexUnavailable) as exc:
        raise error(str(exc)) from exc


def caller_of(ctx: Context, door: Door) -> Identity:
    """Who is asking: set by `KeyGate` over HTTP; over stdio, whoever started the server
    (`door.local`, the partner given to `talenthub mcp --partner`)."""
    request = ctx.request_context.request
    return getattr(request.state, "caller", door.local) if request is not None else door.local


def mcp_server(door: Door) -> MCPServer:
    server = MCPServer("talenthub", title="Talent Hub Assistant", instructions=INSTRUCTIONS,
                       log_level="WARNING")

    def assistant(ctx: Context) -> Assistant:
        return door.assistant_for(caller_of(ctx, door), channel="mcp")

    def whole_unit(ctx: Context, unit_id: str, error: type[Exception]) -> UnitModel:
        with user_errors(error):
            hit = assistant(ctx).unit(unit_id)
        if hit is None:
            raise error(f"there is no unit '{unit_id}'; ids come from the citations of "
                        "ask_guidebook and the results of search_guidebook")
        return unit_model(hit, ranked=False)

    @server.tool(annotations=READ_ONLY)
    def ask_guidebook(question: Question, ctx: Context, stakeholder: StakeholderFilter = None,
                      phase: PhaseFilter = None) -> AnswerModel:
        """Answer a question from the guidebook: the answer quotes its sources with [n]
        markers, and each citation gives the unit id, breadcrumb and exact quote. When the
        guidebook does not cover the question, `grounded` is false and the answer says so."""
        with user_errors():
            answer = assistant(ctx).ask(question, stakeholder=stakeholder, phase=phase)
        return AnswerModel.model_validate(answer.to_dict())

    @server.tool(annotations=READ_ONLY)
    def search_guidebook(query: Question, ctx: Context,
                         k: Annotated[int, Field(ge=1, le=MAX_RESULTS)] = 10,
                         stakeholder: StakeholderFilter = None, phase: PhaseFilter = None,
                         kind: Annotated[Section | None, Field(
                             description="Only this kind of unit.")] = None) -> SearchResults:
        """The guidebook units most relevant to a query, best first, with their ids, where
        they are (breadcrumb, document, page) and their text, for you to read and cite."""
        with user_errors():
            hits = assistant(ctx).retrieve(query, k=k, stakeholder=stakeholder, phase=phase,
                                           kind=kind)
        return SearchResults(units=[unit_model(h, ranked=True) for h in hits])

    @server.tool(annotations=READ_ONLY)
    def get_unit(id: UnitId, ctx: Context) -> UnitModel:
        """One unit's exact text, with its breadcrumb, document and page."""
        return whole_unit(ctx, id, ToolError)

    @server.tool(annotations=READ_ONLY)
    def self_assessment_plan(stakeholder: Stakeholder, answers: Annotated[Answers, Field(
            description='Statement id -> "yes", "no" or "not-sure", e.g. '
                        '{"employers/self-assessment/3": "no"}.')],
                             ctx: Context) -> AssessmentModel:
        """A stakeholder's self-assessment answers in, the action plan out: every "no" or
        "not-sure" is a gap, matched to the cited action points that close it, by phase.
        The statements are the units kind=self-assessment of that stakeholder."""
        with user_errors():
            plan = assessment.assess_sheet(assistant(ctx), stakeholder,
                                           assessment.parse_sheet(answers))
        return AssessmentModel.model_validate(plan.to_dict())

    @server.resource(UNIT_URI, name="unit", title="Guidebook unit",
                     mime_type="application/json")
    def unit_resource(id: str, ctx: Context) -> str:
        """A citable unit of the guidebook: its exact text and where it is."""
        return whole_unit(ctx, id, ResourceError).model_dump_json()

    return server


class KeyGate:
    """ASGI: the `/api/` key check and rate limit in front of the MCP endpoint. The caller
    is kept on the request state, where the tools read it. A refusal keeps its status and
    headers, with a JSON-RPC error as the body, which MCP clients show as it is."""

    def __init__(self, app: ASGIApp, door: Door):
        self.app = app
        self.door = door

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        try:
            request.state.caller = self.door.identify(request)
        except HTTPException as exc:
            error = {"code": SERVER_ERROR, "message": exc.detail,
                     "data": {"status": exc.status_code}}
            await JSONResponse({"jsonrpc": "2.0", "id": None, "error": error}, exc.status_code,
                               headers=exc.headers)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def open_mcp(app: FastAPI, door: Door) -> None:
    """Streamable HTTP at `/mcp`, stateless so that any replica can take any request.

    The SDK's Host/Origin check is off: it only knows loopback names, which would refuse
    every request through a reverse proxy, and `/mcp` has the protection of `/api/`
    instead (keys, and the CORS allow-list for browsers)."""
    server = mcp_server(door)
    server.streamable_http_app(stateless_http=True, transport_security=TransportSecuritySettings(
        enable_dns_rebinding_protection=False))
    manager = server.session_manager
    app.add_route("/mcp", KeyGate(manager.handle_request, door), include_in_schema=False)
    # A route's app gets no lifespan of its own: the session manager runs in the app's.
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with outer(app) as state, manager.run():
            yield state

    app.router.lifespan_context = lifespan
