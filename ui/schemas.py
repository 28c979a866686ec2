"""Request and response models of the REST API: the answer contract (docs/architecture.md,
section 3) as pydantic models, so the OpenAPI schema documents exactly what the Python API returns.

Field names mirror `assistant.models.Answer` and `Citation`; a test keeps them in step.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from corpus.settings import MAX_QUESTION_CHARS

Stakeholder = Literal["employers", "municipalities", "government", "education",
                      "trade-unions", "civil-society"]
Phase = Literal["pre-departure", "on-boarding", "integration"]
Section = Literal["action-points", "interventions", "self-assessment", "quotes", "other"]
MAX_ANSWER_CHARS = 20_000
MAX_COMMENT_CHARS = 2_000
MAX_HISTORY_TURNS = 50


class Strict(BaseModel):
    """Unknown fields are an error, so a typo ('stakehoder') is reported, not ignored."""

    model_config = ConfigDict(extra="forbid")


class AskRequest(Strict):
    question: str = Field(max_length=MAX_QUESTION_CHARS,
                          examples=["What should employers do before talent arrives?"])
    history: list[tuple[str, str]] | None = Field(
        default=None, max_length=MAX_HISTORY_TURNS,
        description="Earlier turns as [user, assistant] pairs, oldest first.")
    stakeholder: Stakeholder | None = Field(default=None, description="Only this stakeholder.")
    phase: Phase | None = Field(default=None, description="Only this phase.")


class CitationModel(BaseModel):
    marker: int = Field(description="The [n] in the answer text.")
    id: str = Field(examples=["employers/pre-departure/4"])
    document: str
    stakeholder: str | None
    section: Section
    phase: str | None
    number: int | None
    title: str
    quote: str = Field(description="The source text, character for character.")
    score: float
    breadcrumb: str = ""
    page: int | None = Field(default=None, description="First page cited, in a paged document.")
    pages: list[int] = Field(default_factory=list, description="Every page the quote is on.")
    countries: list[str] = Field(default_factory=list, description=(
        "Countries the quote is specific to, as the guidebook names them ('Denmark')."))


class FollowUpModel(BaseModel):
    question: str = Field(examples=["What should employers do in the on-boarding phase?"])
    why: str = Field(description="Why it is suggested, in one sentence.")
    kind: Literal["next-phase", "neighbour", "self-assessment"] = Field(description=(
        "`self-assessment` points to the stakeholder's self-assessment (`POST /api/assess`) "
        "rather than to a question."))
    stakeholder: str | None = None


class AnswerModel(BaseModel):
    question: str
    answer: str = Field(description="Markdown with citation markers like [1].")
    grounded: bool = Field(description="False when the corpus does not support an answer.")
    citations: list[CitationModel]
    meta: dict[str, Any] = Field(default_factory=dict,
                                 description="Detected stakeholders, phases, answerer, timing.")
    followups: list[FollowUpModel] = Field(default_factory=list, description=(
        "Two or three suggested next questions; empty when the answer is a refusal."))


class HealthResponse(BaseModel):
    status: Literal["ok", "missing", "unavailable"]
    detail: str
    build: str | None = None
    documents: int = 0
    units: int = 0
    chunks: int = 0
    kinds: dict[str, int] = Field(default_factory=dict)


class FeedbackRequest(Strict):
    rating: Literal["up", "down"]
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    answer: str = Field(default="", max_length=MAX_ANSWER_CHARS)
    citations: list[str] = Field(default_factory=list, max_length=50,
                                 description="The cited ids of the rated answer.")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)
    history: list[tuple[str, str]] | None = Field(default=None, max_length=MAX_HISTORY_TURNS)


class FeedbackResponse(BaseModel):
    id: int


class ErrorResponse(BaseModel):
    detail: str = Field(description="One line that says what to do.")
