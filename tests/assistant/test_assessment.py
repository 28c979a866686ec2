"""Self-assessment: answers -> gaps -> cited plan.

The model-free layer (parsing, validation, fusion, selection, plan, summary, progress,
exports) is tested on hand-made statements and hits; the retrieval itself with the real
model and an index built once per session into a temporary folder (marked slow).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from assistant.api import Assistant
from assistant.assessment import (
    AnswerSheet,
    Assessment,
    Gap,
    Statement,
    assess,
    build_plan,
    compare,
    load_statements,
    parse_sheet,
    read_sheet,
    select_actions,
    summarise,
    template,
    validate_answers,
)
from assistant.assessment_export import answers_json, to_csv, to_html, to_markdown
from assistant.config import GapConfig, RetrievalConfig
from assistant.errors import InvalidInput
from assistant.models import Hit
from assistant.retrieval import fuse
from corpus.text import normalise_space

S = "employers"
STATEMENTS = [
    Statement(f"{S}/self-assessment/1", S, 1, "talent", "Onboarding",
              "Onboarding. We start onboarding in the country of origin."),
    Statement(f"{S}/self-assessment/2", S, 2, "talent", "Pre-arrival language learning",
              "Pre-arrival language learning. We offer pre-arrival language training."),
    Statement(f"{S}/self-assessment/3", S, 3, "family", "Language <b>learning</b>",
              "Language <b>learning</b>. We promote language learning to families."),
    Statement(f"{S}/self-assessment/4", S, 4, "partnerships", "Strategy",
              "Strategy. We have a strategy."),
]


def hit(unit_id: str, score: float, text: str = "Do the thing.") -> Hit:
    """A hit with the metadata the index stores for an action point or a paragraph."""
    parts = unit_id.split("/")
    paragraph = parts[1] == "interventions"
    metadata = {
        "unit_id": unit_id, "document": "talent-hub-guidebook",
        "kind": "interventions" if paragraph else "action-points",
        "stakeholder": parts[0], "phase": "" if paragraph else parts[1],
        "number": 0 if paragraph else int(parts[2]),
        "title": f"Employers / {'Interventions / Language' if paragraph else parts[1]}",
        "breadcrumb": f"Guidebook › {unit_id}", "heading": ""}
    return Hit(unit_id, unit_id, score, text, metadata)


# -- answers ---------------------------------------------------------------------------------


def test_both_answer_file_forms_parse_and_blanks_are_unanswered() -> None:
    bare = parse_sheet({f"{S}/self-assessment/1": "yes", f"{S}/self-assessment/2": ""})
    assert bare == AnswerSheet({f"{S}/self-assessment/1": "yes"})
    wrapped = parse_sheet({"stakeholder": S, "date": "2025-03-31", "statements": {},
                           "answers": {f"{S}/self-assessment/2": "no",
                                       f"{S}/self-assessment/3": None}})
    assert wrapped == AnswerSheet({f"{S}/self-assessment/2": "no"}, S, "2025-03-31")


@pytest.mark.parametrize(("data", "message"), [
    ([], "expected a JSON object"),
    ({"answers": ["no"]}, '"answers" must be an object'),
    ({"answers": {}, "stakehodler": S}, "unknown keys ['stakehodler']"),
    ({"answers": {}, "date": "next week"}, 'date "next week" is not a date'),
    ({f"{S}/self-assessment/1": True}, f'"{S}/self-assessment/1": the answer must be'),
])
def test_malformed_answer_files_are_one_clear_error(data: object, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_sheet(data, source="a.json")
    assert str(error.value).startswith("a.json: ")
    assert message in str(error.value)


def test_validation_names_every_bad_entry() -> None:
    answers = {f"{S}/self-assessment/2": "maybe", f"{S}/self-assessment/99": "no",
               "municipalities/self-assessment/2": "yes", "nonsense": "no",
               f"{S}/self-assessment/1": "yes"}
    with pytest.raises(InvalidInput) as error:
        validate_answers(answers, STATEMENTS, S, source="a.json")
    message = str(error.value)
    assert "\n" not in message
    assert f'"{S}/self-assessment/2": invalid answer "maybe"; use "yes", "no" or "not-sure"' \
        in message
    assert f'"{S}/self-assessment/99": unknown statement id; employers has ' \
           f"{S}/self-assessment/1 to /4" in message
    assert '"municipalities/self-assessment/2": a statement of municipalities, not employers' \
        in message
    assert '"nonsense": unknown statement id' in message


def test_valid_answers_come_back_in_table_order() -> None:
    answers = {f"{S}/self-assessment/3": "not-sure", f"{S}/self-assessment/1": "yes",
               f"{S}/self-assessment/2": ""}
    checked = validate_answers(answers, STATEMENTS, S)
    assert list(checked.items()) == [(f"{S}/self-assessment/1", "yes"),
                                     (f"{S}/self-assessment/3", "not-sure")]


def test_read_sheet_reports_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"nope\.json: no such file"):
        read_sheet(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": ', encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"broken\.json: not valid JSON \(.* at line 1\)"):
        read_sheet(broken)


def test_template_lists_every_statement_blank() -> None:
    blank = template(STATEMENTS, S)
    assert blank["stakeholder"] == S
    assert blank["answers"] == {s.id: "" for s in STATEMENTS}
    assert parse_sheet(blank).answers == {}


def test_statement_body_drops_its_label() -> None:
    assert STATEMENTS[1].body == "We offer pre-arrival language training."
    assert STATEMENTS[1].to_dict() == {"id": f"{S}/self-assessment/2",
                                       "text": STATEMENTS[1].text, "focus": "talent"}


# -- ranking ---------------------------------------------------------------------------------


def test_fuse_scores_only_the_scope_and_normalises_bm25_within_it() -> None:
    dense = {"a": 0.5, "b": 0.4}
    lexical = {"a": 2.0, "b": 4.0, "elsewhere": 40.0}  # "elsewhere" is out of scope
    # In-scope BM25 maximum is 4.0: a = 0.6*0.5 + 0.4*(2/4) = 0.5; b = 0.6*0.4 + 0.4*1 = 0.64
    assert fuse(dense, lexical, RetrievalConfig(dense_weight=0.6), scope_max=True) == \
        pytest.approx({"a": 0.5, "b": 0.64})
    assert fuse({"a": 0.5}, {}, RetrievalConfig(dense_weight=0.6), scope_max=True) == \
        pytest.approx({"a": 0.3})


def test_selection_keeps_actions_close_to_the_best_and_one_paragraph() -> None:
    config = GapConfig(relative=0.75, max_actions=3, floor=0.3, max_background=1)
    hits = [hit(f"{S}/interventions/language", 0.95), hit(f"{S}/pre-departure/5", 0.8),
            hit(f"{S}/pre-departure/4", 0.61), hit(f"{S}/integration/3", 0.59),
            hit(f"{S}/interventions/data", 0.7)]
    # The bar is 0.75 * 0.8 = 0.6, from the best action point; paragraphs do not set it.
    assert [h.unit_id for h in select_actions(hits, config)] == [
        f"{S}/pre-departure/5", f"{S}/pre-departure/4", f"{S}/interventions/language"]
    capped = select_actions(hits, GapConfig(relative=0.5, max_actions=2))
    assert [h.unit_id for h in capped if h.kind == "action-points"] == [
        f"{S}/pre-departure/5", f"{S}/pre-departure/4"]


def test_a_gap_no_action_point_covers_still_gets_its_paragraph() -> None:
    hits = [hit(f"{S}/interventions/well-being", 0.53), hit(f"{S}/integration/1", 0.24)]
    assert [h.unit_id for h in select_actions(hits, GapConfig())] == [
        f"{S}/interventions/well-being"]
    assert select_actions([hit(f"{S}/integration/1", 0.2)], GapConfig()) == []


# -- plan, summary, progress -----------------------------------------------------------------


def sample() -> Assessment:
    """Two language gaps sharing pre-departure/4, and a strategy gap."""
    answers = {STATEMENTS[0].id: "yes", STATEMENTS[1].id: "no", STATEMENTS[2].id: "not-sure",
               STATEMENTS[3].id: "no"}
    selected = {
        STATEMENTS[1].id: [hit(f"{S}/pre-departure/5", 0.9), hit(f"{S}/pre-departure/4", 0.7),
                           hit(f"{S}/interventions/language", 0.7, "Learn <script>x</script>")],
        STATEMENTS[2].id: [hit(f"{S}/integration/3", 0.8), hit(f"{S}/pre-departure/4", 0.75)],
        STATEMENTS[3].id: [],
    }
    plan, citations = build_plan(selected)
    gaps = tuple(Gap(s, answers[s.id], tuple(citations[h.unit_id] for h in selected[s.id]))
                 for s in STATEMENTS[1:])
    progress = compare(AnswerSheet({STATEMENTS[0].id: "no", STATEMENTS[1].id: "no",
                                    STATEMENTS[3].id: "yes"}, S, "2024-12-31"), answers)
    return Assessment(S, tuple(STATEMENTS), answers, gaps, plan, "2025-03-31", progress,
                      summarise(STATEMENTS, answers, plan))


def test_plan_lists_each_action_once_by_phase_with_the_gaps_it_closes() -> None:
    plan = sample().plan
    assert [(g.phase, [a.citation.id for a in g.actions]) for g in plan] == [
        ("pre-departure", [f"{S}/pre-departure/4", f"{S}/pre-departure/5"]),
        ("integration", [f"{S}/integration/3"]),
        (None, [f"{S}/interventions/language"]),
    ]
    shared = plan[0].actions[0]
    assert shared.gaps == (STATEMENTS[1].id, STATEMENTS[2].id)
    assert shared.citation.score == 0.75  # its best over the two gaps
    assert [a.citation.marker for g in plan for a in g.actions] == [1, 2, 3, 4]
    assert plan[-1].title == "Background from the guidebook"


def test_gaps_cite_with_the_plans_markers() -> None:
    result = sample()
    markers = {a.citation.id: a.citation.marker for g in result.plan for a in g.actions}
    for gap in result.gaps:
        assert all(c.marker == markers[c.id] for c in gap.actions)
    assert result.gaps[2].actions == ()


def test_summary_counts_answers_per_focus_group() -> None:
    summary = sample().summary
    assert summary["by_focus"]["talent"] == {"title": "Focus on talent", "yes": 1, "no": 1,
                                             "not-sure": 0, "unanswered": 0}
    assert summary["by_focus"]["family"]["not-sure"] == 1
    assert summary["by_focus"]["partnerships"]["no"] == 1
    assert summary["total"] == {"yes": 1, "no": 2, "not-sure": 1, "unanswered": 0}
    assert (summary["gaps"], summary["actions"], summary["answered"]) == (3, 3, 4)


def test_progress_closed_new_unchanged_and_unanswered() -> None:
    before = AnswerSheet({"x/self-assessment/1": "no", "x/self-assessment/2": "not-sure",
                          "x/self-assessment/3": "yes", "x/self-assessment/10": "no"},
                         "x", "2024-12-31")
    now = {"x/self-assessment/1": "yes", "x/self-assessment/2": "no",
           "x/self-assessment/3": "no", "x/self-assessment/4": "not-sure"}
    progress = compare(before, now)
    assert progress.closed == ("x/self-assessment/1",)
    assert progress.new == ("x/self-assessment/3", "x/self-assessment/4")
    assert progress.unchanged == ("x/self-assessment/2",)
    assert progress.unanswered == ("x/self-assessment/10",)
    assert progress.previous_date == "2024-12-31"


def test_json_has_the_documented_shape() -> None:
    data = json.loads(json.dumps(sample().to_dict()))
    assert {"stakeholder", "summary", "gaps", "plan"} <= set(data)
    gap = data["gaps"][0]
    assert set(gap) == {"statement", "answer", "actions"}
    assert set(gap["statement"]) == {"id", "text", "focus"}
    assert set(gap["actions"][0]) >= {"marker", "id", "document", "stakeholder", "section",
                                      "phase", "number", "title", "quote", "score"}
    assert data["plan"][0]["actions"][0]["gaps"] == [STATEMENTS[1].id, STATEMENTS[2].id]
    assert data["progress"]["closed"] == [STATEMENTS[0].id]


# -- exports ---------------------------------------------------------------------------------


def test_csv_parses_one_row_per_gap_and_action() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(sample()))))
    assert [(r["statement_id"][-1], r["action_id"]) for r in rows] == [
        ("2", f"{S}/pre-departure/5"), ("2", f"{S}/pre-departure/4"),
        ("2", f"{S}/interventions/language"), ("3", f"{S}/integration/3"),
        ("3", f"{S}/pre-departure/4"), ("4", "")]
    assert rows[2]["action"] == "Learn <script>x</script>"
    assert rows[0]["phase"] == "pre-departure" and rows[2]["phase"] == ""


def test_html_is_self_contained_printable_and_escapes_everything() -> None:
    page = to_html(sample())
    assert "<script>" not in page
    assert "Learn &lt;script&gt;x&lt;/script&gt;" in page
    assert "Language &lt;b&gt;learning&lt;/b&gt;" in page
    assert "@media print" in page and "<style>" in page
    assert "http://" not in page and "https://" not in page
    assert "<details" not in page  # a closed <details> does not print
    assert "Progress since 2024-12-31" in page


def test_markdown_lists_the_plan_progress_and_gaps() -> None:
    text = to_markdown(sample())
    assert text.startswith("# Self-assessment action plan: Employers\n")
    assert "### Pre-departure" in text and "### Integration & social inclusion" in text
    assert f"(`{S}/pre-departure/4`)" in text
    assert "Closes: Pre-arrival language learning (no); Language <b>learning</b> (not sure)" \
        in text
    assert "- Closed: Onboarding" in text
    assert "Actions: none found" in text


def test_saved_answers_load_back() -> None:
    saved = json.loads(answers_json(sample()))
    assert parse_sheet(saved) == AnswerSheet(sample().answers, S, "2025-03-31")


# -- with the real model and index -----------------------------------------------------------


@pytest.fixture(scope="session")
def assistant(real_assistant: Assistant) -> Assistant:
    """The suite's real index and model (tests/conftest.py), built once per session."""
    return real_assistant


@pytest.mark.slow
def test_statements_come_from_the_index_in_table_order(assistant: Assistant) -> None:
    statements = load_statements(assistant, S)
    assert [s.number for s in statements] == list(range(1, 17))
    assert statements[2].label == "Pre-arrival language learning"
    assert [s.focus for s in statements].count("family") == 4
    with pytest.raises(InvalidInput, match="unknown stakeholder 'bakers'"):
        load_statements(assistant, "bakers")


@pytest.mark.slow
def test_no_pre_arrival_language_learning_gets_the_language_action_points(
        assistant: Assistant) -> None:
    result = assess(assistant, S, {f"{S}/self-assessment/3": "no"})
    actions = [c.id for c in result.gaps[0].actions]
    assert {f"{S}/pre-departure/4", f"{S}/pre-departure/5"} <= set(actions)
    assert all(c.stakeholder == S for c in result.gaps[0].actions)
    assert result.gaps[0].actions[0].phase == "pre-departure"


@pytest.mark.slow
def test_shared_actions_appear_once_and_quotes_are_verbatim(assistant: Assistant) -> None:
    answers = {f"{S}/self-assessment/3": "no", f"{S}/self-assessment/10": "not-sure",
               f"{S}/self-assessment/4": "no", f"{S}/self-assessment/1": "yes"}
    result = assess(assistant, S, answers)
    ids = [a.citation.id for g in result.plan for a in g.actions]
    assert len(ids) == len(set(ids))
    shared = [a for g in result.plan for a in g.actions if len(a.gaps) > 1]
    assert shared, "the two language gaps should share an action"
    for gap in result.gaps:
        for c in gap.actions:
            source = normalise_space(assistant.unit(c.id).text)  # type: ignore[union-attr]
            assert normalise_space(c.quote) in source
    assert [g.phase for g in result.plan if g.phase] == sorted(
        {g.phase for g in result.plan if g.phase},
        key=["pre-departure", "on-boarding", "integration"].index)


@pytest.mark.slow
def test_progress_against_a_previous_assessment(assistant: Assistant) -> None:
    previous = AnswerSheet({f"{S}/self-assessment/3": "no", f"{S}/self-assessment/4": "no"},
                           S, "2024-12-31")
    result = assess(assistant, S, {f"{S}/self-assessment/3": "yes",
                                   f"{S}/self-assessment/4": "no"}, previous=previous)
    assert result.progress is not None
    assert result.progress.closed == (f"{S}/self-assessment/3",)
    assert result.progress.unchanged == (f"{S}/self-assessment/4",)
    with pytest.raises(InvalidInput, match="previous answers: the answers are for education"):
        assess(assistant, S, {}, previous=AnswerSheet({}, "education"))
