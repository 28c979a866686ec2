"""Deterministic metrics on citation ids, per case and aggregated.

They follow ALCE (citation recall and precision) and RAGAS's id-based context recall and
precision: a score compares the ids an answer cites with the ids the dataset says are right,
so no model judges anything and a run is exactly repeatable.

Every per-case function returns `None` when the metric says nothing about that case (recall
of a case that expects nothing, refusal accuracy of an in-scope question). Aggregates are
macro means over the cases where the metric is defined, as ALCE averages per question; each
aggregate carries that count, so "0.90 over 3 cases" is never mistaken for "over 40".

Citation precision judges every cited unit, whatever its kind: an intervention paragraph,
a self-assessment statement or a project page counts as right only when the case lists it
as expected or acceptable. ALCE scores an answer without citations as precision 0 rather
than leaving it out, so that citing nothing cannot buy precision; this suite does the same
when the case expects something. A case that expects nothing and cites nothing (a refusal)
has no precision.

Every aggregate carries a percentile-bootstrap 95% interval over its cases, so a reader can
tell a real change from the noise of a small set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.grounding import answer_statements, supports
from corpus.models import PHASES, STAKEHOLDERS
from corpus.text import normalise_space
from evals.dataset import KINDS, Case

Scores = dict[str, float | None]
METRICS = ("hit_rate", "citation_recall", "citation_precision", "retrieval_recall", "mrr",
           "refusal_accuracy", "false_refusal_rate", "fact_accuracy", "quote_faithfulness",
           "answer_faithfulness")
# Lower is better for these; everything else is a score in [0, 1] where higher is better.
LOWER_IS_BETTER = frozenset({"false_refusal_rate"})
# Which headline row a kind of case counts in (see `case_groups`).
TASKS = {"list": "list", "out-of-scope": "refusal", "fact": "fact", "action-point": "retrieval",
         "cross-stakeholder": "retrieval", "follow-up": "retrieval"}
GROUP_ORDER: dict[str, list[str]] = {
    "task": ["retrieval", "list", "fact", "refusal"], "stakeholder": list(STAKEHOLDERS),
    "phase": list(PHASES), "kind": list(KINDS), "tag": []}  # tags: alphabetical
# The three figures shown per stakeholder, phase and kind, and per case.
HEADLINE = ("hit_rate", "citation_recall", "citation_precision")
# Per-case metrics whose shortfall makes a case worth reading in the report.
CASE_CHECKS = ("hit_rate", "citation_recall", "citation_precision", "refusal_accuracy",
               "fact_accuracy", "quote_faithfulness", "answer_faithfulness")
LABELS = {
    "hit_rate": "Hit rate", "citation_recall": "Citation recall",
    "citation_precision": "Citation precision", "retrieval_recall": "Retrieval recall@k",
    "mrr": "MRR@k", "refusal_accuracy": "Refusal accuracy",
    "false_refusal_rate": "False refusals (in scope)", "fact_accuracy": "Fact accuracy",
    "quote_faithfulness": "Quote faithfulness", "answer_faithfulness": "Answer faithfulness",
}


def label(metric: str, k: int) -> str:
    """The metric's name for people, with the retrieval depth filled in ("MRR@10")."""
    return LABELS[metric].replace("@k", f"@{k}")


def bound(metric: str, limit: float) -> str:
    """A threshold as people read it: '≥ 0.95', or '≤ 0.05' where lower is better."""
    return f"{'≤' if metric in LOWER_IS_BETTER else '≥'} {limit:.2f}"


def meets(metric: str, value: float, limit: float) -> bool:
    """Whether a score meets its threshold, in the metric's direction."""
    if metric in LOWER_IS_BETTER:
        return value <= limit + 1e-9
    return value >= limit - 1e-9


def format_score(value: float | None, digits: int = 2) -> str:
    """A score as printed and shown in reports; "–" where the metric does not apply."""
    return "–" if value is None else f"{value:.{digits}f}"


@dataclass(frozen=True)
class Outcome:
    """What one pipeline did with one case: the ids it cites, in the order it cites them,
    and the ids its retriever ranked, best first."""

    answer: str
    grounded: bool
    cited: tuple[str, ...]
    ranked: tuple[str, ...] = ()
    quotes: tuple[tuple[str, str], ...] = ()  # (cited id, quote) pairs
    citations: tuple[dict[str, Any], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Aggregate:
    """A macro mean, the number of cases it is over (`value` is None when n == 0), and its
    bootstrap 95% interval."""

    value: float | None
    n: int
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {"value": r(self.value), "n": self.n, "low": r(self.low), "high": r(self.high)}


BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240501  # fixed: a report must be exactly repeatable


def mean_with_interval(values: Sequence[float]) -> Aggregate:
    """The mean and its percentile-bootstrap 95% interval (resampling cases)."""
    if not values:
        return Aggregate(None, 0)
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    means = data[rng.integers(0, len(data), size=(BOOTSTRAP_RESAMPLES, len(data)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Aggregate(float(data.mean()), len(data), float(low), float(high))


def is_action_point(unit_id: str) -> bool:
    """`{stakeholder}/{phase}/{n}` (docs/architecture.md, section 2)."""
    parts = unit_id.split("/")
    return len(parts) == 3 and parts[1] in PHASES and parts[2].isdigit()


def unique(ids: Iterable[str]) -> list[str]:
    """First occurrences, in order: citing the same id twice does not count twice."""
    return list(dict.fromkeys(ids))


def hit(expected: Sequence[str], cited: Sequence[str]) -> float | None:
    """1.0 when at least one expected id is cited."""
    if not expected:
        return None
    return 1.0 if set(expected) & set(cited) else 0.0


def citation_recall(expected: Sequence[str], cited: Sequence[str]) -> float | None:
    """Expected ids cited, out of all expected ids."""
    if not expected:
        return None
    wanted = set(expected)
    return len(wanted & set(cited)) / len(wanted)


def citation_precision(cited: Sequence[str], expected: Sequence[str],
                       acceptable: Sequence[str]) -> float | None:
    """Cited units that are expected or acceptable, out of all cited units.

    Nothing cited: 0.0 if the case expects something (ALCE), else undefined.
    """
    ids = unique(cited)
    if not ids:
        return 0.0 if expected else None
    correct = set(expected) | set(acceptable)
    return sum(1 for i in ids if i in correct) / len(ids)


def recall_at_k(expected: Sequence[str], ranked: Sequence[str], k: int) -> float | None:
    """Expected ids among the retriever's first k distinct units."""
    if not expected:
        return None
    wanted = set(expected)
    return len(wanted & set(unique(ranked)[:k])) / len(wanted)


def reciprocal_rank(expected: Sequence[str], ranked: Sequence[str], k: int) -> float | None:
    """1 / rank of the first expected id within the first k distinct units, else 0."""
    if not expected:
        return None
    wanted = set(expected)
    for rank, unit_id in enumerate(unique(ranked)[:k], start=1):
        if unit_id in wanted:
            return 1.0 / rank
    return 0.0


def is_refusal(grounded: bool, cited: Sequence[str]) -> bool:
    """A refusal says the corpus has no answer and cites nothing (docs/architecture.md, 3)."""
    return not grounded and not cited


def refusal_correct(in_scope: bool, grounded: bool, cited: Sequence[str]) -> float | None:
    """For out-of-scope questions only: 1.0 when refused."""
    if in_scope:
        return None
    return 1.0 if is_refusal(grounded, cited) else 0.0


def false_refusal(in_scope: bool, grounded: bool) -> float | None:
    """For in-scope questions only: 1.0 when the answer claims the corpus has no answer."""
    if not in_scope:
        return None
    return 0.0 if grounded else 1.0


def fact_correct(must_contain: Sequence[str], answer: str) -> float | None:
    """1.0 when every required string is in the answer (case- and whitespace-insensitive)."""
    if not must_contain:
        return None
    text = normalise_space(answer).casefold()
    return 1.0 if all(normalise_space(s).casefold() in text for s in must_contain) else 0.0


def quote_faithfulness(quotes: Sequence[tuple[str, str]],
                       sources: Mapping[str, str]) -> float | None:
    """Quotes that occur verbatim (whitespace-normalised) in the cited unit's source text.

    A quote of an id the corpus does not know is unfaithful by definition.
    """
    if not quotes:
        return None
    faithful = sum(1 for unit_id, quote in quotes
                   if unit_id in sources and normalise_space(quote)
                   and normalise_space(quote) in normalise_space(sources[unit_id]))
    return faithful / len(quotes)


def answer_faithfulness(answer: str, grounded: bool, citations: Sequence[Mapping[str, Any]],
                        sources: Mapping[str, str]) -> float | None:
    """Answer statements traceable to the units they cite, out of all statements.

    A statement is a sentence or bullet of the answer; lead-in lines ("For employers, the
    guidebook suggests:") state nothing and are not counted. A statement is traceable when
    its markers name citations and `supports` finds its words in those units' text. For the
    extractive answerer this holds by construction; for an LLM it is the real check.
    Pipelines without numbered citations (the retrieval baselines) have nothing to trace.
    """
    if not grounded or not citations:
        return None
    texts = {c["marker"]: sources.get(c["id"], "") for c in citations}
    statements = answer_statements(answer)
    if not statements:
        return None
    traced = sum(1 for text, markers in statements
                 if markers and supports(text, [texts.get(m, "") for m in markers]))
    return traced / len(statements)


def score_case(case: Case, outcome: Outcome, *, k: int, sources: Mapping[str, str]) -> Scores:
    """Every metric for one case; `sources` maps unit ids to their cleaned section text."""
    cited = unique(outcome.cited)
    return {
        "hit_rate": hit(case.expected, cited),
        "citation_recall": citation_recall(case.expected, cited),
        "citation_precision": citation_precision(cited, case.expected, case.acceptable),
        "retrieval_recall": recall_at_k(case.expected, outcome.ranked, k),
        "mrr": reciprocal_rank(case.expected, outcome.ranked, k),
        "refusal_accuracy": refusal_correct(case.in_scope, outcome.grounded, cited),
        "false_refusal_rate": false_refusal(case.in_scope, outcome.grounded),
        "fact_accuracy": fact_correct(case.must_contain, outcome.answer),
        "quote_faithfulness": quote_faithfulness(outcome.quotes, sources),
        "answer_faithfulness": answer_faithfulness(outcome.answer, outcome.grounded,
                                                   outcome.citations, sources),
    }


def judge(case: Case, cited: Sequence[str]) -> dict[str, list[str]]:
    """What a reader of the report wants per case: right, also fine, missing and wrong ids."""
    ids = unique(cited)
    expected, acceptable = set(case.expected), set(case.acceptable)
    return {"right": [i for i in ids if i in expected],
            "acceptable": [i for i in ids if i in acceptable and i not in expected],
            "missing": [i for i in case.expected if i not in set(ids)],
            "wrong": [i for i in ids if i not in expected and i not in acceptable]}


def aggregate(scores: Sequence[Mapping[str, float | None]]) -> dict[str, Aggregate]:
    """Macro mean of each metric over the cases where it is defined."""
    return {metric: mean_with_interval([v for s in scores if (v := s.get(metric)) is not None])
            for metric in METRICS}


def case_groups(case: Case) -> dict[str, tuple[str, ...]]:
    """The rows a case counts in: its stakeholders, phases, kind, tags and task.

    The task keeps list questions (a stakeholder's whole phase list, which the index hands
    over once the question is understood) apart from retrieval questions, so neither hides
    the other in the headline figures.
    """
    return {"task": (TASKS[case.kind],), "stakeholder": case.stakeholders,
            "phase": case.phases, "kind": (case.kind,), "tag": case.tags}


def breakdown(cases: Sequence[Case], scores: Sequence[Mapping[str, float | None]]
              ) -> dict[str, Any]:
    """Aggregates overall and per stakeholder, phase and kind.

    A case counts in every stakeholder and phase it lists, so a cross-stakeholder question
    weighs in each stakeholder's row; facts and out-of-scope questions list none and only
    show up overall and in their kind.
    """
    groups: dict[str, dict[str, list[Mapping[str, float | None]]]] = {
        name: {} for name in GROUP_ORDER}
    for case, case_scores in zip(cases, scores, strict=True):
        for group, labels in case_groups(case).items():
            for label in labels:
                groups[group].setdefault(label, []).append(case_scores)
    return {"overall": aggregate(scores),
            **{name: {label: aggregate(members[label])
                      for label in GROUP_ORDER[name] or sorted(members) if label in members}
               for name, members in groups.items()}}
