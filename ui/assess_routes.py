"""`POST /api/assess`: self-assessment answers in, the cited action plan out.

A router factory rather than module-level routes, so that the server passes in its door
(the shared `Assistant`, its access check and the caller's scope) when it includes the
router, and this module needs nothing from `ui.server`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from assistant import assessment
from assistant.assessment_export import render
from ui.door import Door
from ui.identity import Identity
from ui.schemas import CitationModel, ErrorResponse, Phase, Stakeholder, Strict

# "" (as in the blank template) and null mean unanswered.
AnswerValue = Literal["yes", "no", "not-sure", ""]
# Well above the longest table (16 statements), well below anything abusive.
MAX_ANSWERS = 100
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8",
               "html": "text/html; charset=utf-8"}
EXAMPLE = {"stakeholder": "employers", "date": "2025-03-31",
           "answers": {"employers/self-assessment/1": "yes", "employers/self-assessment/3": "no",
                       "employers/self-assessment/4": "not-sure"}}


Answers = dict[str, AnswerValue | None]
ANSWERS_FIELD = {"max_length": MAX_ANSWERS,
                 "description": 'Statement id -> "yes", "no" or "not-sure"; blank (null '
                                'or "") is unanswered.'}
DATE_FIELD = {"default": None, "description": "ISO date of the assessment.",
              "examples": ["2025-03-31"]}


class PreviousModel(Strict):
    """An earlier assessment as saved (the tab's and the CLI's answers file)."""

    stakeholder: Stakeholder | None = None
    date: str | None = Field(**DATE_FIELD)
    answers: Answers = Field(**ANSWERS_FIELD)


class AssessRequest(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    stakeholder: Stakeholder
    date: str | None = Field(**DATE_FIELD)
    answers: Answers = Field(**ANSWERS_FIELD)
    previous: PreviousModel | None = Field(
        default=None, description="An earlier assessment, to report the progress since.")


class StatementModel(BaseModel):
    id: str = Field(examples=["employers/self-assessment/3"])
    text: str
    focus: Literal["talent", "family", "partnerships"]


class GapModel(BaseModel):
    statement: StatementModel
    answer: Literal["no", "not-sure"]
    actions: list[CitationModel] = Field(description="Best first; markers are the plan's.")


class PlanActionModel(CitationModel):
    gaps: list[str] = Field(description="The statement ids this action addresses.")


class PlanGroupModel(BaseModel):
    phase: Phase | None = Field(description="None for intervention paragraphs (context).")
    title: str
    actions: list[PlanActionModel]


class CountsModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    yes: int
    no: int
    not_sure: int = Field(alias="not-sure")
    unanswered: int


class FocusCountsModel(CountsModel):
    title: str


class SummaryModel(BaseModel):
    statements: int
    answered: int
    gaps: int
    actions: int = Field(description="Distinct action points in the plan.")
    total: CountsModel
    by_focus: dict[str, FocusCountsModel]


class ProgressModel(BaseModel):
    previous_date: str | None
    closed: list[str] = Field(description="Gaps then, answered yes now.")
    new: list[str] = Field(description="Gaps now that were not gaps then.")
    unchanged: list[str] = Field(description="Gaps then and now.")
    unanswered: list[str] = Field(description="Gaps then, not answered now.")


class AssessmentModel(BaseModel):
    stakeholder: Stakeholder
    date: str | None
    summary: SummaryModel
    gaps: list[GapModel]
    plan: list[PlanGroupModel]
    progress: ProgressModel | None


def _sheet(model: AssessRequest | PreviousModel, label: str) -> assessment.AnswerSheet:
    """Errors about the entries say "answers" ("previous answers" for the earlier sheet)."""
    answers = {k: v for k, v in model.answers.items() if v}
    return assessment.AnswerSheet(answers, model.stakeholder,
                                  assessment.check_date(model.date, label), "answers")


def assessment_router(door: Door) -> APIRouter:
    """The `/api/assess` route, answering from what the caller may see."""
    router = APIRouter(prefix="/api", tags=["self-assessment"])

    @router.post("/assess", response_model=AssessmentModel, responses={
        200: {"description": "The assessment JSON; with `format`, the plan as Markdown, "
                             "CSV or a printable HTML page.",
              "content": {m.split(";")[0]: {"schema": {"type": "string"}}
                          for m in MEDIA_TYPES.values()}},
        **{code: {"model": ErrorResponse, "description": text} for code, text in (
            (400, "The body is not valid JSON."),
            (401, "An API key is required and was missing or wrong."),
            (422, "An unknown statement id, another stakeholder's statement, or an answer "
                  "other than yes, no or not-sure; the detail names the entry."),
            (429, "Too many requests for this key."),
            (503, "The index is missing or cannot be reached."))}})
    def assess(body: AssessRequest, format: Annotated[
            Literal["json", "md", "csv", "html"],
            Query(description="json (default), md, csv or html.")] = "json",
               who: Identity = Depends(door.caller)) -> Any:
        """Gaps (answers "no" and "not-sure") with the cited actions that close them, and
        the plan grouped by customer-journey phase."""
        previous = _sheet(body.previous, "previous answers") if body.previous else None
        result = assessment.assess_sheet(door.assistant_for(who), body.stakeholder,
                                         _sheet(body, "answers"), previous=previous)
        if format != "json":
            return Response(render(result, format), media_type=MEDIA_TYPES[format])
        return result.to_dict()

    return router
