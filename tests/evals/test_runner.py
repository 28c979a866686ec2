"""The runner on a scripted fake assistant: scoring, thresholds, reports, compare, and the
`talenthub eval` exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eval_fakes import FakeAssistant
from rich.console import Console

from corpus.load import CorpusLoad
from evals.baselines import AssistantPipeline, RetrieverBaseline
from evals.compare import compare_reports
from evals.console import print_comparison, print_summary
from evals.dataset import Case
from evals.report import render_html, write_reports
from evals.runner import Check, EvalReport, ThresholdError, evaluate, load_thresholds
from ui.cli import cli

E1, E2 = "employers/pre-departure/1", "employers/pre-departure/2"
M1 = "municipalities/on-boarding/1"
ROGUE = "<script>alert('x')</script> & what should employers do?"
CASES = [
    Case(id="a", question="What should employers do first?", kind="list",
         expected=(E1, E2), stakeholders=("employers",), phases=("pre-departure",)),
    Case(id="b", question=ROGUE, kind="action-point", expected=(M1,),
         stakeholders=("municipalities",), phases=("on-boarding",)),
    Case(id="c", question="Best lasagna recipe?", kind="out-of-scope", expected=()),
]
SCRIPT = {CASES[0].question: [E1, E2], CASES[1].question: [E1]}


def run(corpus: CorpusLoad, script: dict[str, list[str]] = SCRIPT,
        thresholds: dict[str, float] | None = None) -> EvalReport:
    fake = FakeAssistant(corpus, script)
    return evaluate(CASES, [AssistantPipeline(fake, k=10), RetrieverBaseline(fake, "bm25", k=10)],
                    k=10, sources={s.id: s.text for s in corpus.sections},
                    thresholds=thresholds if thresholds is not None else load_thresholds(),
                    config={"dataset": "cases.jsonl"})


def test_scores_every_pipeline_on_the_same_cases(corpus: CorpusLoad) -> None:
    report = run(corpus)
    overall = report.assistant.aggregates["overall"]
    # a: both expected cited (1, 1, 1); b: cites E1 for M1 (0, 0, 0); c: refused
    assert overall["hit_rate"].value == 0.5
    assert overall["citation_recall"].value == 0.5
    assert overall["citation_precision"].value == 0.5
    assert (overall["refusal_accuracy"].value, overall["refusal_accuracy"].n) == (1.0, 1)
    assert overall["quote_faithfulness"].value == 1.0
    assert report.assistant.aggregates["stakeholder"]["municipalities"]["hit_rate"].value == 0
    # the baseline "cites" its top four units and never refuses
    bm25 = report.runs[1].aggregates["overall"]
    assert bm25["refusal_accuracy"].value == 0.0
    assert not report.passed
    assert {c.metric for c in report.checks if not c.passed} == {
        "hit_rate", "citation_recall", "citation_precision"}
    assert [report.cases[i].id for i in report.failing()] == ["b"]


def test_a_metric_without_cases_is_not_applied(corpus: CorpusLoad) -> None:
    report = run(corpus, thresholds={"fact_accuracy": 1.0})
    (check,) = report.checks
    assert not check.applicable and check.passed
    assert report.passed


def test_report_json_has_every_case_with_right_missing_wrong(corpus: CorpusLoad,
                                                               tmp_path: Path) -> None:
    json_path, html_path = write_reports(run(corpus), tmp_path / "out")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["passed"] is False
    assert set(data["pipelines"]) == {"assistant", "bm25"}
    case_b = data["cases"][1]["results"]["assistant"]
    assert case_b["missing"] == [M1] and case_b["wrong"] == [E1] and case_b["right"] == []
    assert case_b["citations"][0]["quote"]
    assert case_b["scores"]["hit_rate"] == 0.0 and case_b["failed"] is True
    assert data["cases"][2]["results"]["assistant"]["grounded"] is False
    assert data["pipelines"]["assistant"]["aggregates"]["stakeholder"]["employers"][
        "hit_rate"] == {"value": 1.0, "n": 1, "low": 1.0, "high": 1.0}
    assert html_path.is_file()


def test_html_is_self_contained_and_escaped(corpus: CorpusLoad) -> None:
    page = render_html(run(corpus))
    assert "<script" not in page  # the rogue question is shown escaped
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp;" in page
    assert "src=" not in page and "<link" not in page and "@import" not in page
    assert page.count("<svg") == 6  # 3 headline metrics x (stakeholder, phase)
    assert "BM25 only" in page and "below threshold" in page


def test_html_renders_answers_and_promises_baselines_only_when_it_has_them(
        corpus: CorpusLoad) -> None:
    page = render_html(run(corpus))
    assert "Overall: the assistant beside the baselines" in page
    assert "Cases below full marks (1)" in page and "Cases with errors" not in page
    card = page[page.index('<div class="answer">'):]
    assert card.startswith('<div class="answer"><ul>\n<li>')  # Markdown rendered, not shown
    fake = FakeAssistant(corpus, SCRIPT)
    alone = render_html(evaluate(CASES, [AssistantPipeline(fake, k=10)], k=10,
                                 sources={s.id: s.text for s in corpus.sections},
                                 thresholds=load_thresholds(), config={}))
    assert "<h2>Overall</h2>" in alone and "beside the baselines" not in alone
    assert 'class="scroll"' in alone  # wide tables scroll on a phone, not the page


def test_summary_prints_baselines_beside_the_assistant(corpus: CorpusLoad) -> None:
    console = Console(record=True, width=160)
    print_summary(run(corpus), console)
    text = console.export_text()
    assert "Assistant" in text and "BM25 only" in text
    assert "FAIL  Hit rate: 0.500" in text
    assert "1 case(s) below full marks: b" in text


def test_bundled_thresholds_gate_both_directions(tmp_path: Path) -> None:
    thresholds = load_thresholds()
    # the contracts are all-or-nothing; the headline metrics and false refusals are gated
    assert thresholds["quote_faithfulness"] == 1.0 == thresholds["answer_faithfulness"]
    assert {"hit_rate", "citation_recall", "citation_precision", "refusal_accuracy",
            "false_refusal_rate"} <= set(thresholds)
    # a maximum where lower is better: 0.10 false refusals passes a 0.15 bound
    assert Check("false_refusal_rate", thresholds["false_refusal_rate"], 0.10, 50).passed
    assert not Check("false_refusal_rate", 0.05, 0.10, 50).passed
    bad = tmp_path / "t.toml"
    bad.write_text("[minimum]\nfalse_refusal_rate = 0.1\n", encoding="utf-8")
    with pytest.raises(ThresholdError, match=r"unknown metric 'false_refusal_rate' in \[minimum\]"):
        load_thresholds(bad)
    bad.write_text("[minimum]\nhit_ratio = 0.9\n", encoding="utf-8")
    with pytest.raises(ThresholdError, match="unknown metric 'hit_ratio'"):
        load_thresholds(bad)
    bad.write_text("[minimum]\nhit_rate = 95\n", encoding="utf-8")
    with pytest.raises(ThresholdError, match="from 0 to 1"):
        load_thresholds(bad)


def test_compare_shows_case_by_case_changes(corpus: CorpusLoad) -> None:
    old = run(corpus).to_dict()
    fixed = {**SCRIPT, CASES[1].question: [M1]}
    new = run(corpus, fixed).to_dict()
    (change,) = compare_reports(old, new)
    assert (change.id, change.status) == ("b", "better")
    assert change.gained == [M1] and change.lost == [E1]
    assert change.deltas["hit_rate"] == (0.0, 1.0)
    console = Console(record=True, width=200)
    print_comparison(old, new, console)
    text = console.export_text()
    assert "0.50 → 1.00" in text and "+municipalities/on-boarding/1" in text


# -- the CLI -------------------------------------------------------------------------------

def write_dataset(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def invoke(tmp_path: Path, *args: str) -> tuple[int, str]:
    """Exit code and output (stdout and stderr)."""
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "eval", *args])
    return result.exit_code, result.output


@pytest.fixture
def fake_assistant(monkeypatch: pytest.MonkeyPatch, corpus: CorpusLoad) -> FakeAssistant:
    from assistant.api import Assistant

    fake = FakeAssistant(corpus, {"Where should a firm start?": [E1]})
    monkeypatch.setattr(Assistant, "from_settings", classmethod(lambda cls, settings: fake))
    return fake


ROW = {"id": "t-1", "question": "Where should a firm start?", "expected": [E1],
       "acceptable": [], "kind": "action-point", "stakeholders": ["employers"],
       "phases": ["pre-departure"]}


def test_cli_passes_and_writes_reports(tmp_path: Path, fake_assistant: FakeAssistant) -> None:
    dataset = write_dataset(tmp_path / "ok.jsonl", [ROW])
    code, output = invoke(tmp_path, "--dataset", str(dataset), "--report-dir", str(tmp_path / "r"))
    assert code == 0, output
    assert (tmp_path / "r" / "report.json").is_file()
    assert (tmp_path / "r" / "report.html").is_file()


def test_cli_impossible_case_exits_1(tmp_path: Path, fake_assistant: FakeAssistant) -> None:
    # M1 exists in the index, but nothing makes the assistant cite it for this question
    dataset = write_dataset(tmp_path / "impossible.jsonl", [{**ROW, "expected": [M1]}])
    code, output = invoke(tmp_path, "--dataset", str(dataset), "--report-dir", str(tmp_path / "r"))
    assert code == 1
    assert "below threshold: hit_rate 0.000, needs ≥ 0.70" in output


def test_cli_bad_input_exits_2(tmp_path: Path, fake_assistant: FakeAssistant) -> None:
    code, output = invoke(tmp_path, "--dataset", str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert "no such dataset file" in output
    unknown = write_dataset(tmp_path / "typo.jsonl", [ROW, {**ROW, "id": "t-2",
                                                            "expected": ["employers/x/1"]}])
    code, output = invoke(tmp_path, "--dataset", str(unknown))
    assert code == 2
    assert f"{unknown}:2" in output and "'employers/x/1'" in output
    assert "Traceback" not in output


def test_cli_compare(tmp_path: Path, corpus: CorpusLoad) -> None:
    old, _ = write_reports(run(corpus), tmp_path / "old")
    new, _ = write_reports(run(corpus, {**SCRIPT, CASES[1].question: [M1]}), tmp_path / "new")
    code, output = invoke(tmp_path, "--compare", str(old), str(new))
    assert code == 0, output
    assert "better" in output
    code, output = invoke(tmp_path, "--compare", str(old), str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read the report" in output
