"""Every metric pinned by a hand-worked example, in the style of sentence-transformers'
InformationRetrievalEvaluator tests: the arithmetic is in the comments."""

from __future__ import annotations

import pytest

from evals.dataset import Case
from evals.metrics import (
    Outcome,
    aggregate,
    breakdown,
    citation_precision,
    citation_recall,
    fact_correct,
    false_refusal,
    hit,
    is_action_point,
    judge,
    quote_faithfulness,
    recall_at_k,
    reciprocal_rank,
    refusal_correct,
    score_case,
)

A1, A2, A3 = "employers/pre-departure/1", "employers/pre-departure/2", "employers/on-boarding/3"
M1 = "municipalities/integration/1"
INT = "employers/interventions/language"
WEB = "iom-germany-talent-hub#surveys"


def test_action_point_ids() -> None:
    assert is_action_point(A1)
    assert not is_action_point(INT)  # interventions/<theme>: not a phase
    assert not is_action_point("employers/self-assessment/2")
    assert not is_action_point(WEB)


def test_hit_rate() -> None:
    # expected {A1, A2}; cited [A3, A2] -> A2 is expected -> 1
    assert hit([A1, A2], [A3, A2]) == 1.0
    # cited [A3] shares nothing with {A1} -> 0
    assert hit([A1], [A3]) == 0.0
    # nothing expected (out of scope): says nothing about the case
    assert hit([], [A1]) is None


def test_citation_recall() -> None:
    # expected {A1, A2, A3}; cited [A1, A3, M1] -> 2 of 3 expected cited = 0.6667
    assert citation_recall([A1, A2, A3], [A1, A3, M1]) == pytest.approx(2 / 3)
    # citing an expected id twice counts it once: 1 of 2
    assert citation_recall([A1, A2], [A1, A1]) == 0.5
    assert citation_recall([], [A1]) is None


def test_citation_precision_judges_every_cited_unit() -> None:
    # cited [A1, M1, INT, A3]; expected {A1}, acceptable {A3} -> correct: A1, A3 of 4 = 0.5
    # (the intervention paragraph INT is neither expected nor acceptable: it counts as wrong)
    assert citation_precision([A1, M1, INT, A3], [A1], [A3]) == 0.5
    # the same paragraph listed as acceptable counts as right: 3 of 4
    assert citation_precision([A1, M1, INT, A3], [A1], [A3, INT]) == 0.75
    # a duplicate does not dilute: unique [A1, M1] -> 1 / 2
    assert citation_precision([A1, A1, M1], [A1], []) == 0.5


def test_citation_precision_undefined_cases_follow_alce() -> None:
    # nothing cited although something is expected: ALCE scores 0, not "undefined",
    # so citing nothing cannot buy precision
    assert citation_precision([], [A1], []) == 0.0
    assert citation_precision([], [WEB], []) == 0.0
    # a fact case citing its web section: 1 of 1
    assert citation_precision([WEB], [WEB], []) == 1.0
    # an out-of-scope case that cites anything: 0 of 1 correct -> 0
    assert citation_precision([A1], [], []) == 0.0
    # an out-of-scope case refused (nothing cited): precision says nothing -> None
    assert citation_precision([], [], []) is None


def test_retrieval_recall_at_k() -> None:
    # ranked [A3, A1, A1, M1, A2]; distinct: A3, A1, M1, A2
    # k=2 -> {A3, A1}: expected {A1, A2} -> 1 of 2 = 0.5
    ranked = [A3, A1, A1, M1, A2]
    assert recall_at_k([A1, A2], ranked, 2) == 0.5
    # k=4 -> all four distinct units: 2 of 2 = 1.0
    assert recall_at_k([A1, A2], ranked, 4) == 1.0
    assert recall_at_k([], ranked, 4) is None


def test_mrr() -> None:
    # ranked distinct [A3, M1, A2]; first expected (A2) at rank 3 -> 1/3
    assert reciprocal_rank([A1, A2], [A3, M1, A2], 10) == pytest.approx(1 / 3)
    # the same, but k=2 cuts A2 off -> 0
    assert reciprocal_rank([A1, A2], [A3, M1, A2], 2) == 0.0
    # a repeated unit does not push the next one down: [A3, A3, A1] -> A1 is rank 2 -> 0.5
    assert reciprocal_rank([A1], [A3, A3, A1], 10) == 0.5
    assert reciprocal_rank([], [A1], 10) is None


def test_refusal_accuracy_and_false_refusals() -> None:
    # out of scope: refused means grounded=false AND no citations
    assert refusal_correct(False, grounded=False, cited=[]) == 1.0
    assert refusal_correct(False, grounded=False, cited=[A1]) == 0.0  # cites: not a refusal
    assert refusal_correct(False, grounded=True, cited=[]) == 0.0
    assert refusal_correct(True, grounded=False, cited=[]) is None  # in scope: n/a
    # in scope: grounded=false is a false refusal
    assert false_refusal(True, grounded=False) == 1.0
    assert false_refusal(True, grounded=True) == 0.0
    assert false_refusal(False, grounded=False) is None


def test_fact_accuracy() -> None:
    answer = "The survey received **68 responses**,\nfrom 5 to 19  December 2023."
    # every string present, ignoring case and line breaks -> 1
    assert fact_correct(["68", "5 to 19 december 2023"], answer) == 1.0
    # one of two missing -> 0 (all or nothing)
    assert fact_correct(["68", "110"], answer) == 0.0
    assert fact_correct([], answer) is None


def test_quote_faithfulness() -> None:
    sources = {A1: "Engage with local municipality to offer services\nto incoming talent."}
    # quote 1: verbatim modulo whitespace -> faithful; quote 2: a changed word -> not;
    # quote 3: an id the corpus does not know -> not. 1 of 3.
    quotes = [(A1, "local municipality to offer services to incoming"),
              (A1, "local municipalities to offer services"),
              ("employers/pre-departure/99", "anything")]
    assert quote_faithfulness(quotes, sources) == pytest.approx(1 / 3)
    assert quote_faithfulness([], sources) is None


def _case(**fields: object) -> Case:
    defaults: dict[str, object] = {"id": "c", "question": "q?", "kind": "action-point",
                                   "expected": (A1,)}
    return Case(**{**defaults, **fields})  # type: ignore[arg-type]


def test_score_case_and_judge() -> None:
    case = _case(expected=(A1, A2), acceptable=(INT,), stakeholders=("employers",),
                 phases=("pre-departure",))
    outcome = Outcome(answer="Employers should:\n- offer language courses [1]\n- wrong [3]",
                      grounded=True, cited=(A1, INT, M1), ranked=(M1, A1, A3),
                      quotes=((A1, "Offer language courses"),),
                      citations=({"marker": 1, "id": A1}, {"marker": 2, "id": INT},
                                 {"marker": 3, "id": M1}))
    scores = score_case(case, outcome, k=10, sources={A1: "Offer language courses.",
                                                      M1: "Build a brand."})
    # hit: A1 cited -> 1; recall: 1 of {A1, A2} -> 0.5;
    # precision: cited A1 (expected), INT (acceptable), M1 (wrong) -> 2 / 3
    # recall@10: A1 in ranking, A2 not -> 0.5; MRR: A1 at rank 2 -> 0.5
    # answer faithfulness: the lead-in line states nothing; bullet 1's words are in A1's
    # text, bullet 2 ("wrong") is not in M1's -> 1 of 2 statements = 0.5
    assert scores == {"hit_rate": 1.0, "citation_recall": 0.5,
                      "citation_precision": pytest.approx(2 / 3),
                      "retrieval_recall": 0.5, "mrr": 0.5, "refusal_accuracy": None,
                      "false_refusal_rate": 0.0, "fact_accuracy": None,
                      "quote_faithfulness": 1.0, "answer_faithfulness": 0.5}
    assert judge(case, outcome.cited) == {"right": [A1], "acceptable": [INT],
                                          "missing": [A2], "wrong": [M1]}


def test_aggregate_is_a_macro_mean_over_defined_cases() -> None:
    # recall per case: 1.0, 0.5, None (out of scope) -> mean over 2 defined = 0.75, n=2
    # refusal: only the third case defines it -> 1.0, n=1
    scores = [{"citation_recall": 1.0, "refusal_accuracy": None},
              {"citation_recall": 0.5, "refusal_accuracy": None},
              {"citation_recall": None, "refusal_accuracy": 1.0}]
    result = aggregate(scores)
    assert (result["citation_recall"].value, result["citation_recall"].n) == (0.75, 2)
    assert (result["refusal_accuracy"].value, result["refusal_accuracy"].n) == (1.0, 1)
    # no case defines fact accuracy: value None, n 0 (never a made-up 0)
    assert (result["fact_accuracy"].value, result["fact_accuracy"].n) == (None, 0)


def test_bootstrap_interval_brackets_the_mean() -> None:
    # six cases, half right: the mean is 0.5 and a 95% interval over resampled cases must
    # lie inside [0, 1] around it, clearly wider than a point (n is small)
    result = aggregate([{"hit_rate": v} for v in (1.0, 0.0, 1.0, 0.0, 1.0, 0.0)])["hit_rate"]
    assert result.value == 0.5 and result.n == 6
    assert 0.0 <= result.low < 0.5 < result.high <= 1.0
    assert result.high - result.low > 0.3
    # every case right: no spread at all
    perfect = aggregate([{"hit_rate": 1.0}] * 5)["hit_rate"]
    assert (perfect.low, perfect.high) == (1.0, 1.0)
    # the interval is repeatable run to run (fixed seed)
    again = aggregate([{"hit_rate": v} for v in (1.0, 0.0, 1.0, 0.0, 1.0, 0.0)])["hit_rate"]
    assert (again.low, again.high) == (result.low, result.high)


def test_breakdown_per_stakeholder_phase_and_kind() -> None:
    cases = [
        _case(id="a", stakeholders=("employers",), phases=("pre-departure",)),
        _case(id="b", kind="cross-stakeholder", stakeholders=("employers", "municipalities"),
              phases=("integration",)),
        _case(id="c", kind="out-of-scope", expected=()),
    ]
    scores = [{"hit_rate": 1.0}, {"hit_rate": 0.0}, {"hit_rate": None}]
    result = breakdown(cases, scores)
    # overall: (1 + 0) / 2 defined = 0.5
    assert result["overall"]["hit_rate"].value == 0.5
    # employers: cases a and b -> (1 + 0) / 2 = 0.5; municipalities: b only -> 0
    assert result["stakeholder"]["employers"]["hit_rate"].value == 0.5
    assert result["stakeholder"]["municipalities"]["hit_rate"].value == 0.0
    # phases: a -> pre-departure 1.0, b -> integration 0.0; nothing for on-boarding
    assert result["phase"]["pre-departure"]["hit_rate"].value == 1.0
    assert result["phase"]["integration"]["hit_rate"].value == 0.0
    assert "on-boarding" not in result["phase"]
    # kinds keep the dataset's canonical order; the out-of-scope row has n = 0 for hit rate
    assert list(result["kind"]) == ["action-point", "cross-stakeholder", "out-of-scope"]
    assert result["kind"]["out-of-scope"]["hit_rate"].n == 0
    # tasks: a and b are retrieval questions -> 0.5; c is a refusal case
    assert list(result["task"]) == ["retrieval", "refusal"]
    assert result["task"]["retrieval"]["hit_rate"].value == 0.5


def test_list_questions_are_scored_apart_from_retrieval() -> None:
    cases = [_case(id="a", kind="list"), _case(id="b"), _case(id="c", kind="follow-up")]
    scores = [{"citation_recall": 1.0}, {"citation_recall": 0.5}, {"citation_recall": 0.0}]
    result = breakdown(cases, scores)
    # list: a alone -> 1.0; retrieval: b and c -> (0.5 + 0) / 2 = 0.25
    assert result["task"]["list"]["citation_recall"].value == 1.0
    assert result["task"]["retrieval"]["citation_recall"].value == 0.25


def test_tags_get_their_own_rows() -> None:
    cases = [_case(id="a", tags=("scenario", "own-words")), _case(id="b", tags=("scenario",))]
    result = breakdown(cases, [{"hit_rate": 1.0}, {"hit_rate": 0.0}])
    # scenario: (1 + 0) / 2; own-words: a alone; rows in alphabetical order
    assert list(result["tag"]) == ["own-words", "scenario"]
    assert result["tag"]["scenario"]["hit_rate"].value == 0.5
    assert result["tag"]["own-words"]["hit_rate"].value == 1.0


def test_whole_sentences_and_fragments() -> None:
    from evals.formats import whole_sentences

    text = ("Employers should stress the local language. Learning opportunities should be "
            "facilitated.\n\nWelcome fair | 19 May 2025 | 380 visitors")
    assert whole_sentences("Employers should stress the local language.", text)
    assert whole_sentences("Employers should stress the local language. Learning "
                           "opportunities should be facilitated.", text)
    assert whole_sentences("Welcome fair | 19 May 2025 | 380 visitors", text)  # a table row
    assert not whole_sentences("should stress the local language.", text)
    assert not whole_sentences("Employers should stress the local language. Learning "
                               "opportunities", text)
    assert not whole_sentences("Employers should", text)
