"""The tuned numbers of retrieval, answering and the self-assessment, in one place.

Each field says what it does and why it has its value; "measured on dev" figures come from
`talenthub eval --split dev` (the test split is never tuned on). The defaults are the tuned
values; a TOML file (`TALENTHUB_TUNING_FILE`, see docs/architecture.md) overrides any of
them without a code edit, and a wrong name or an out-of-range value is a one-line error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corpus.settings import read_toml


class _Tuned(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetrievalConfig(_Tuned):
    """How dense and BM25 scores are fused, and how the query analysis re-scores them."""

    candidates: int = Field(300, ge=1, description=(
        "Chunks each retriever returns before fusion. Above the corpus size, so fusion sees "
        "every chunk that either retriever scores."))
    fusion: Literal["weighted", "rrf"] = Field("weighted", description=(
        "Weighted sum keeps one interpretable 0..1 scale for the answer thresholds. Measured "
        "on dev: weighted + boosts recall@5 0.849 / MRR 0.830, reciprocal rank fusion "
        "0.606 / 0.466."))
    dense_weight: float = Field(0.6, ge=0, le=1, description=(
        "Share of cosine similarity in the fused score; the rest is saturated BM25."))
    bm25_saturation: float = Field(4.0, gt=0, description=(
        "BM25 score s becomes s / (s + c): a poor lexical match stays low, which is what "
        "makes an unanswerable question recognisable (max-normalisation lifts it to 1)."))
    rrf_k: int = Field(60, ge=1, description="The usual k of reciprocal rank fusion.")
    stakeholder_boost: float = Field(0.12, ge=0, description=(
        "Added to units of the stakeholder the question is about (half for a second one)."))
    stakeholder_penalty: float = Field(0.08, ge=0, description=(
        "Taken from units of another stakeholder: lowers, never hides them."))
    phase_boost: float = Field(0.10, ge=0, description="Added to units of the asked phase.")
    phase_penalty: float = Field(0.05, ge=0, description="Taken from units of other phases.")
    action_point_prior: float = Field(0.03, ge=0, description=(
        "Action points are what practitioners ask for; a small prior breaks near-ties with "
        "long paragraphs that match on many words."))
    fact_document_boost: float = Field(0.15, ge=0, description=(
        "For project-fact questions, added to sections outside the guidebook chapter."))


class AnswerConfig(_Tuned):
    """Thresholds on the retriever's fused scale that decide what an answer cites."""

    refuse_below: float = Field(0.30, ge=0, le=1, description=(
        "Best fused score under which no unit answers the question."))
    refuse_out_of_domain_below: float = Field(0.45, ge=0, le=1, description=(
        "The same bar for a question with no domain signal at all: it must match better."))
    action_floor: float = Field(0.35, ge=0, le=1, description=(
        "An action point below this score is never cited."))
    relative: float = Field(0.85, ge=0, le=1, description=(
        "Action points within this share of the best one are cited with it."))
    max_actions: int = Field(5, ge=1, description="Most action points in one answer.")
    cross_relative: float = Field(0.75, ge=0, le=1, description=(
        "The relative cut for 'which stakeholders ...' answers."))
    cross_per_stakeholder: int = Field(3, ge=1, description=(
        "Most units per stakeholder in a cross-stakeholder answer."))
    cross_stakeholders: int = Field(5, ge=1, description=(
        "Most stakeholders in a cross-stakeholder answer."))
    background_floor: float = Field(0.45, ge=0, le=1, description=(
        "An intervention paragraph is added as background only above this score."))
    background_sentences: int = Field(2, ge=1, description=(
        "Sentences quoted from a background paragraph."))


class GapConfig(_Tuned):
    """How the self-assessment turns a gap into action points (evals/assessment_eval.py).

    The search is scoped to the stakeholder's action points and interventions (a Chroma
    `where`), and BM25 is max-normalised within that scope, so the best action of every gap
    scores near the top of the scale and a threshold relative to it is meaningful. Measured
    and dropped: a phase prior from the statement's wording (no change), dense-only scoring
    (precision 0.63), and letting a better-scoring intervention paragraph suppress the
    action points (hit rate 0.96 -> 0.89).
    """

    relative: float = Field(0.75, ge=0, le=1, description=(
        "Action points within this share of the gap's best one are proposed."))
    max_actions: int = Field(3, ge=1, description="Most action points proposed per gap.")
    floor: float = Field(0.30, ge=0, le=1, description=(
        "No action point under this score is proposed."))
    max_background: int = Field(1, ge=0, description=(
        "Intervention paragraphs shown beside a gap's actions, when they clear the same bar."))
    background_sentences: int = Field(2, ge=1, description=(
        "Sentences quoted from such a paragraph."))


class Tuning(_Tuned):
    """Every tuned number, as one document: what a TOML tuning file holds."""

    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    answer: AnswerConfig = Field(default_factory=AnswerConfig)
    gap: GapConfig = Field(default_factory=GapConfig)


def load_tuning(path: Path | None) -> Tuning:
    """The defaults, overridden by the TOML file at `path` ([retrieval], [answer], [gap])."""
    if path is None:
        return Tuning()
    data = read_toml(path, "tuning file")
    try:
        return Tuning.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"tuning file {path}: {problems}") from exc
