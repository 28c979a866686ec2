"""`talenthub eval`: run the assistant (and the baselines) over a dataset, score every case
and check the thresholds. evals/report.py writes the result out, evals/console.py prints it.

The model and index are loaded once and shared by every pipeline, so a full run with
baselines stays well under the two-minute budget on two cores.
"""

from __future__ import annotations

import hashlib
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from corpus.load import load_corpus
from corpus.settings import Settings, read_toml
from evals.baselines import AssistantPipeline, NaiveBaseline, Pipeline, RetrieverBaseline
from evals.dataset import Case, load_dataset, validate_ids
from evals.metrics import (
    CASE_CHECKS,
    LOWER_IS_BETTER,
    METRICS,
    Outcome,
    Scores,
    breakdown,
    case_groups,
    judge,
    meets,
    score_case,
)

THRESHOLDS_PATH = Path(__file__).resolve().parent / "thresholds.toml"
DEFAULT_K = 10
Progressed = Callable[[str, int, int], None]


class ThresholdError(ValueError):
    """thresholds.toml names a metric that does not exist or a value outside [0, 1]."""


@dataclass(frozen=True)
class Check:
    """One threshold against the assistant's overall score; no cases means not applicable."""

    metric: str
    minimum: float
    value: float | None
    n: int

    @property
    def applicable(self) -> bool:
        return self.value is not None

    @property
    def passed(self) -> bool:
        return self.value is None or meets(self.metric, self.value, self.minimum)

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "minimum": self.minimum,
                "value": None if self.value is None else round(self.value, 4), "n": self.n,
                "passed": self.passed, "applicable": self.applicable}


@dataclass
class PipelineRun:
    """One pipeline's outcomes and scores, aligned with the cases."""

    name: str
    label: str
    outcomes: list[Outcome]
    scores: list[Scores]
    seconds: float
    aggregates: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvalReport:
    cases: list[Case]
    runs: list[PipelineRun]
    checks: list[Check]
    config: dict[str, Any]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def assistant(self) -> PipelineRun:
        return self.runs[0]

    def failing(self) -> list[int]:
        """Indexes of the cases where the assistant got something wrong, the worst first."""
        scores = self.assistant.scores
        bad = [i for i, s in enumerate(scores) if case_failed(s)]
        return sorted(bad, key=lambda i: _severity(scores[i]))

    def group_sizes(self, group: str) -> dict[str, int]:
        """How many cases count in each stakeholder, phase or kind row."""
        sizes: dict[str, int] = {}
        for case in self.cases:
            for label in case_groups(case)[group]:
                sizes[label] = sizes.get(label, 0) + 1
        return sizes

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "passed": self.passed,
            "checks": [c.to_dict() for c in self.checks],
            "pipelines": {r.name: {"label": r.label, "seconds": round(r.seconds, 2),
                                   "aggregates": _aggregates_dict(r.aggregates)}
                          for r in self.runs},
            "cases": [_case_dict(case, i, self.runs) for i, case in enumerate(self.cases)],
        }


def case_failed(scores: Mapping[str, float | None]) -> bool:
    if scores.get("false_refusal_rate") == 1.0:
        return True
    return any((v := scores.get(m)) is not None and v < 1.0 for m in CASE_CHECKS)


def _severity(scores: Mapping[str, float | None]) -> tuple[float, ...]:
    return tuple(1.0 if (v := scores.get(m)) is None else v
                 for m in ("refusal_accuracy", "hit_rate", "fact_accuracy", "citation_recall",
                           "citation_precision"))


# -- thresholds ----------------------------------------------------------------------------

def load_thresholds(path: Path = THRESHOLDS_PATH) -> dict[str, float]:
    """The `[minimum]` and `[maximum]` tables of thresholds.toml (a maximum for the metrics
    where lower is better), checked against the metric names."""
    try:
        data = read_toml(path, "thresholds file")
    except ValueError as exc:
        raise ThresholdError(str(exc)) from exc
    thresholds = {}
    for table, allowed in (("minimum", [m for m in METRICS if m not in LOWER_IS_BETTER]),
                           ("maximum", [m for m in METRICS if m in LOWER_IS_BETTER])):
        for metric, value in data.get(table, {}).items():
            if metric not in allowed:
                raise ThresholdError(f"{path}: unknown metric '{metric}' in [{table}]; "
                                     f"choose from {', '.join(allowed)}")
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not 0 <= value <= 1:
                raise ThresholdError(f"{path}: '{metric}' must be a number from 0 to 1")
            thresholds[metric] = float(value)
    return thresholds


def check_thresholds(overall: Mapping[str, Any], thresholds: Mapping[str, float]) -> list[Check]:
    return [Check(metric, minimum, overall[metric].value, overall[metric].n)
            for metric, minimum in thresholds.items()]


# -- running -------------------------------------------------------------------------------

def run_pipelines(cases: Sequence[Case], pipelines: Sequence[Pipeline], *, k: int,
                  sources: Mapping[str, str], progress: Progressed | None = None
                  ) -> list[PipelineRun]:
    """Every pipeline over every case, scored; `progress(name, done, total)` after each."""
    runs = []
    for pipeline in pipelines:
        started = time.perf_counter()
        outcomes, scores = [], []
        for done, case in enumerate(cases, start=1):
            outcome = pipeline.run(case)
            outcomes.append(outcome)
            scores.append(score_case(case, outcome, k=k, sources=sources))
            if progress:
                progress(pipeline.name, done, len(cases))
        runs.append(PipelineRun(pipeline.name, pipeline.label, outcomes, scores,
                                time.perf_counter() - started, breakdown(cases, scores)))
    return runs


def evaluate(cases: Sequence[Case], pipelines: Sequence[Pipeline], *, k: int,
             sources: Mapping[str, str], thresholds: Mapping[str, float],
             config: dict[str, Any], progress: Progressed | None = None) -> EvalReport:
    """Score the pipelines (the first one is gated by the thresholds) into a report."""
    runs = run_pipelines(cases, pipelines, k=k, sources=sources, progress=progress)
    checks = check_thresholds(runs[0].aggregates["overall"], thresholds)
    return EvalReport(list(cases), runs, checks, {**config, "k": k,
                                                  "thresholds": dict(thresholds)})


def run_suite(settings: Settings, *, dataset: Path, split: str | None = None,
              baselines: bool = False, thresholds_path: Path = THRESHOLDS_PATH,
              k: int = DEFAULT_K, console: Console | None = None) -> EvalReport:
    """What `talenthub eval` does: load everything once, validate, run with a progress bar."""
    from assistant.api import Assistant

    started = time.perf_counter()
    cases = load_dataset(dataset)
    thresholds = load_thresholds(thresholds_path)
    assistant = Assistant.from_settings(settings)
    snapshot = assistant.check_index()
    validate_ids(cases, {c.unit_id for c in snapshot.chunks})
    corpus = load_corpus(settings.corpus_dir)
    sources = {s.id: s.text for s in corpus.sections}
    console = console or Console(stderr=True)
    pipelines: list[Pipeline] = [AssistantPipeline(assistant, k=k)]
    naive: NaiveBaseline | None = None
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True, disable=not console.is_terminal) as bar:
        if baselines:
            task = bar.add_task("Building the naive LangChain baseline", total=None)
            naive = NaiveBaseline(corpus, assistant.embedder, k=k)
            bar.remove_task(task)
            pipelines += [naive, RetrieverBaseline(assistant, "bm25", k=k),
                          RetrieverBaseline(assistant, "dense", k=k)]
        tasks = {p.name: bar.add_task(f"{p.label:<16}", total=len(cases)) for p in pipelines}

        def progress(name: str, done: int, total: int) -> None:
            bar.update(tasks[name], completed=done, total=total)

        try:
            report = evaluate(cases, pipelines, k=k, sources=sources, thresholds=thresholds,
                              progress=progress, config={
                                  "dataset": str(dataset), "split": split,
                                  "dataset_sha256": hashlib.sha256(dataset.read_bytes())
                                  .hexdigest()[:16],
                                  "cases": len(cases), "build": snapshot.build_id,
                                  "moved_from_test": sum(c.origin == "moved-from-test"
                                                         for c in cases),
                                  "model": assistant.embedder.name,
                                  "corpus_dir": str(settings.corpus_dir),
                                  "llm": settings.llm,
                                  "baselines": [p.name for p in pipelines[1:]],
                                  "started": datetime.now(UTC).isoformat(timespec="seconds"),
                                  "python": platform.python_version(),
                              })
        finally:
            if naive is not None:
                naive.close()
    report.config["seconds"] = round(time.perf_counter() - started, 2)
    return report


# -- report.json ---------------------------------------------------------------------------

def _aggregates_dict(aggregates: Mapping[str, Any]) -> dict[str, Any]:
    return {group: ({m: a.to_dict() for m, a in members.items()} if group == "overall" else
                    {label: {m: a.to_dict() for m, a in metrics.items()}
                     for label, metrics in members.items()})
            for group, members in aggregates.items()}


def _case_dict(case: Case, index: int, runs: Sequence[PipelineRun]) -> dict[str, Any]:
    results = {}
    for run in runs:
        outcome, scores = run.outcomes[index], run.scores[index]
        results[run.name] = {
            "answer": outcome.answer, "grounded": outcome.grounded,
            "cited": list(outcome.cited), "citations": list(outcome.citations),
            "ranked": list(outcome.ranked), **judge(case, outcome.cited),
            "scores": {m: None if v is None else round(v, 4) for m, v in scores.items()},
            "failed": case_failed(scores),
        }
    return {**case.to_dict(), "line": case.line, "results": results}
