"""The tuned numbers of retrieval, answering and the self-assessment, in one place.

Each field says what it does and why it has its value; "measured on dev" figures come from
`talenthub eval --split dev` (the test split is never tuned on). The defaults are the tuned
values; a TOML file (`TALENTHUB_TUNING_FILE`, see docs/architecture.md) overrides any of
them without a code edit, and a wrong name or an out-of-range value is a one-line error.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corpus.settings import read_toml


class _Tuned(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetrievalConfig(_Tuned):
    """How dense and BM25 scores are fused, and how the query analysis re-scores them.

    Measured on the dev split's 147 in-scope cases (recall@10 / MRR of the ranking): the
    previous values (0.6 / 4.0 / 0.12 / 0.10 / 0.03) gave 0.786 / 0.640, these 0.912 /
    0.763. Most of the gain is the action-point prior: without it, 0.876 / 0.707.
    """

    candidates: int = Field(300, ge=1, description=(
        "Chunks each retriever returns before fusion. Above the corpus size, so fusion sees "
        "every chunk that either retriever scores."))
    dense_weight: float = Field(0.8, ge=0, le=1, description=(
        "Share of cosine similarity in the fused score; the rest is saturated BM25. Dev "
        "MRR 0.763 at 0.8, 0.759 at 0.6, 0.761 at 0.9 (the old value was 0.6)."))
    bm25_saturation: float = Field(8.0, gt=0, description=(
        "BM25 score s becomes s / (s + c): a poor lexical match stays low, which keeps an "
        "unanswerable question recognisable (max-normalisation lifts it to 1). Dev MRR "
        "0.763 at 8, 0.745 at 4."))
    stakeholder_boost: float = Field(0.2, ge=0, description=(
        "Added to units of the stakeholder the question names (half for a second one). "
        "Dev MRR 0.763 at 0.2, 0.756 at 0.12, 0.537 at 0."))
    stakeholder_penalty: float = Field(0.08, ge=0, description=(
        "Taken from units of another stakeholder: lowers, never hides them."))
    phase_boost: float = Field(0.3, ge=0, description=(
        "Added to units of the phase the question names. The ranking is flat from 0.1 to "
        "0.3 (dev MRR 0.763-0.781); 0.3 cites best (dev answer precision 0.610 vs 0.600)."))
    phase_penalty: float = Field(0.05, ge=0, description="Taken from units of other phases.")
    action_point_prior: float = Field(0.15, ge=0, description=(
        "Action points are what practitioners ask for, and intervention paragraphs match on "
        "many words; dev MRR 0.707 at 0.03, 0.763 at 0.15, 0.766 at 0.2."))
    fact_document_boost: float = Field(0.15, ge=0, description=(
        "For project-fact questions, added to sections outside the guidebook chapter."))


class AnswerConfig(_Tuned):
    """What an answer cites and when it refuses, on the match scale (the fused score
    before boosts, see `Hit.match`).

    Measured on the dev split (238 cases; 180 scored on citations): hit 0.850, recall
    0.769, precision over all citations 0.676, refusals 0.914 (58 cases), false refusals
    0.022, facts 0.759 (29). (On its first 187 cases, before the 51 written later were
    added: 0.830 / 0.747 / 0.679, refusals 0.925, false refusals 0.020.) The
    selection trades recall for precision: up to 5 units within 0.2 of the first and 0.7
    of its match gave hit 0.871 / recall 0.802 / precision 0.611, but on the dev cases
    written after the old query vocabulary (never tuned to), it cited more wrong units than
    the previous release (precision 0.41 vs 0.52 at the same hit rate), so the narrower
    answer was chosen: most questions expect one action point.
    """

    refuse_below: float = Field(0.28, ge=0, le=1, description=(
        "Best match under which no unit answers the question: every off-topic dev question "
        "matched below 0.26, answerable ones from 0.27 up (long scenarios match lowest). "
        "Dev (238): 0.28 refusals 0.914 / false refusals 0.022, 0.30 0.914 / 0.028, 0.26 "
        "0.897 / 0.017."))
    refuse_out_of_domain_below: float = Field(0.35, ge=0, le=1, description=(
        "The same bar for a question that names no role, phase, theme or project and "
        "whose words the corpus mostly never uses ('the Dutch salary threshold')."))
    refuse_request_below: float = Field(0.60, ge=0, le=1, description=(
        "A request for a verdict or about one person's own case is answered only when a "
        "unit matches it at least this well; the dev refusals of that form matched below 0.42."))
    action_floor: float = Field(0.25, ge=0, le=1, description=(
        "No unit matching below this is cited."))
    relative: float = Field(0.80, ge=0, le=1, description=(
        "Units beside the first must match the question at least this share as well."))
    max_actions: int = Field(3, ge=1, description=(
        "Most action points in one answer: 103 of the 147 in-scope dev cases expect one "
        "or two (lists, which cite a whole phase, are not capped by this)."))
    score_margin: float = Field(0.1, ge=0, description=(
        "... and rank within this margin of the first (dev, at most 3: 0.05 precision "
        "0.688 / recall 0.695, 0.1 0.672 / 0.736)."))
    cross_relative: float = Field(0.75, ge=0, le=1, description=(
        "The relative cut for 'which stakeholders ...' answers (dev: flat from 0.6 to 0.75)."))
    cross_per_stakeholder: int = Field(3, ge=1, description=(
        "Most units per stakeholder in a cross-stakeholder answer."))
    cross_stakeholders: int = Field(5, ge=1, description=(
        "Most stakeholders in a cross-stakeholder answer."))
    fact_coverage: float = Field(0.4, ge=0, le=1, description=(
        "A project fact is quoted only from a section that uses at least this share of the "
        "question's content words (IDF-weighted; words the corpus never uses weigh most). "
        "Dev: 0.4 facts 0.77 / false refusals 0.020, 0.6 0.58 / 0.061."))
    background_floor: float = Field(0.65, ge=0, le=1, description=(
        "An intervention paragraph is added as background only when it matches this well; "
        "at 0.45, weaker paragraphs were cited and judged off-topic (dev list precision "
        "0.87 vs 0.90)."))
    background_sentences: int = Field(2, ge=1, description=(
        "Sentences quoted from a background paragraph."))
    duplicate_similarity: float = Field(0.7, ge=0, le=1, description=(
        "Action points sharing at least this share of their stemmed words (Jaccard) are one "
        "bullet citing both. In this corpus the actions repeated for a second phase or role "
        "score 0.71 to 1.0 ('pre-departure' vs 'post-arrival' orientation), and the closest "
        "distinct actions 0.62 ('... online' vs '... and orientation')."))


class GapConfig(_Tuned):
    """How the self-assessment turns a gap into action points (evals/assessment_eval.py).

    The search is scoped to the stakeholder's action points and interventions (a Chroma
    `where`), and BM25 is max-normalised within that scope, so the best action of every gap
    scores near the top of the scale and a threshold relative to it is meaningful. Measured
    and dropped: a phase prior from the statement's wording (no change), dense-only scoring
    (precision 0.63), and letting a better-scoring intervention paragraph suppress the
    action points (hit rate 0.96 -> 0.89).
    """

    dense_weight: float = Field(0.6, ge=0, le=1, description=(
        "Share of cosine similarity in the gap search, which ranks one stakeholder's "
        "actions against a statement: measured on the tuned half, 0.6 precision 0.893 "
        "and 0.8 (the chat's value) 0.845, at the same hit rate and recall."))
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
