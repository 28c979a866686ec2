"""Speed and memory of the assistant, against its targets (benchmarks/README.md), in one table.

Measures, on a fresh copy of the corpus in a temporary data dir (the real index is never
touched):

- index build: cold (new data dir, model load included), incremental with nothing changed,
  incremental with one changed document; each a `talenthub index` subprocess;
- cold start of `talenthub ask` as a subprocess (median of several runs);
- warm per-question latency over the eval questions (dev + test), per stage, by wrapping the
  assistant's embedder, index snapshot and composer in timers (no private API is used);
- the naive LangChain recipe (the eval's baseline) on the same questions, as a ratio;
- peak RSS of every subprocess (`os.wait4`) and of this process.

Wall times depend on what else the machine runs, so CPU times and the load average are
printed beside them. `--profile DIR` also writes pyinstrument profiles of the cold start and
of the warm path, which is how the changes in benchmarks/README.md were found.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.api import Assistant  # noqa: E402
from assistant.extractive import Composer  # noqa: E402
from corpus.settings import DEFAULT_CORPUS_DIR, Settings  # noqa: E402
from index.embeddings import Embedder  # noqa: E402
from index.reader import IndexReader, IndexSnapshot  # noqa: E402

TALENTHUB = Path(sys.executable).with_name("talenthub")
DATASETS = [ROOT / "evals" / "datasets" / "dev.jsonl", ROOT / "evals" / "datasets" / "test.jsonl"]
QUESTION = "What should employers do before talent arrives?"
CHANGED_DOCUMENT = "mpf-labour-migration-news.txt"
TARGET_WARM_MS = 40.0
TARGET_COLD_S = 8.0
TARGET_RSS_MB = 1536.0
STAGES = ("embedding", "dense search", "BM25", "fusion + rescoring", "composition",
          "analysis + rest", "total ask")
SUBPROCESS_TIMEOUT = 600


@dataclass
class Run:
    """One subprocess: wall and CPU seconds, peak RSS."""

    wall: float
    cpu: float
    rss_mb: float


@dataclass
class Results:
    load_before: tuple[float, float, float]
    build_cold: Run | None = None
    build_unchanged: Run | None = None
    build_one_changed: Run | None = None
    cold_ask: list[Run] = field(default_factory=list)
    stages_ms: dict[str, list[float]] = field(default_factory=dict)
    naive_ms: list[float] = field(default_factory=list)
    process_rss_mb: float = 0.0
    questions: int = 0


def child_env(data_dir: Path, corpus_dir: Path) -> dict[str, str]:
    env = {**os.environ, "TALENTHUB_DATA_DIR": str(data_dir),
           "TALENTHUB_CORPUS_DIR": str(corpus_dir), "HF_HUB_OFFLINE": "1",
           "ANONYMIZED_TELEMETRY": "False"}
    env.pop("TALENTHUB_CHROMA_URL", None)
    return env


def run_child(args: list[str], env: dict[str, str]) -> Run:
    """Run a command to completion; its own rusage comes from `os.wait4`, not the sum of
    all children so far."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        deadline = started + SUBPROCESS_TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            out.seek(0)
            tail = out.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{tail}")
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_mb=usage.ru_maxrss / 1024)


def copy_corpus(target: Path) -> Path:
    """Documents (the manifest inside), so that one document can be changed safely."""
    documents = target / "documents"
    shutil.copytree(DEFAULT_CORPUS_DIR, documents)
    return documents


def questions() -> list[dict[str, Any]]:
    requests = []
    for path in DATASETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                requests.append({"question": case["question"],
                                 "history": case.get("history") or None,
                                 "stakeholder": case.get("stakeholder"),
                                 "phase": case.get("phase")})
    return requests


class Timer:
    """Accumulates the time spent in named stages of the current question."""

    def __init__(self) -> None:
        self.current: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.current[name] = self.current.get(name, 0.0) + time.perf_counter() - started


class TimedEmbedder:
    def __init__(self, inner: Embedder, timer: Timer):
        self.inner = inner
        self.name = inner.name
        self.timer = timer

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        with self.timer.stage("embedding"):
            return self.inner.encode(texts, show_progress=show_progress)


class TimedSnapshot:
    """The snapshot with `dense` and `lexical` timed; everything else passes through."""

    def __init__(self, inner: IndexSnapshot, timer: Timer):
        self._inner = inner
        self._timer = timer

    def dense(self, *args: Any, **kwargs: Any) -> list[tuple[str, float]]:
        with self._timer.stage("dense search"):
            return self._inner.dense(*args, **kwargs)

    def lexical(self, *args: Any, **kwargs: Any) -> list[tuple[str, float]]:
        with self._timer.stage("BM25"):
            return self._inner.lexical(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TimedReader:
    def __init__(self, inner: IndexReader, timer: Timer):
        self.inner = inner
        self.timer = timer

    def snapshot(self) -> Any:
        return TimedSnapshot(self.inner.snapshot(), self.timer)


class TimedComposer(Composer):
    def __init__(self, inner: Composer, timer: Timer):
        super().__init__(inner.config)
        self.timer = timer

    def compose(self, *args: Any, **kwargs: Any) -> Any:
        with self.timer.stage("composition"):
            return super().compose(*args, **kwargs)


def timed_assistant(settings: Settings, timer: Timer) -> Assistant:
    plain = Assistant.from_settings(settings)
    timed = Assistant(settings, TimedReader(plain.reader, timer),  # type: ignore[arg-type]
                      TimedEmbedder(plain.embedder, timer), tuning=plain.tuning)
    timed.composer = TimedComposer(timed.composer, timer)
    return timed


def warm_latency(settings: Settings, results: Results, *, rounds: int) -> Assistant:
    """Per-stage milliseconds per question; `search` minus its parts is fusion."""
    timer = Timer()
    assistant = timed_assistant(settings, timer)
    requests = questions()
    results.questions = len(requests)
    for request in requests[:5]:  # warm caches, lazy imports, the snapshot
        assistant.ask(**request)
    stages: dict[str, list[float]] = {name: [] for name in STAGES}
    for _ in range(rounds):
        for request in requests:
            timer.current = {}
            started = time.perf_counter()
            assistant.ask(**request)
            total = time.perf_counter() - started
            parts = timer.current
            for name in ("embedding", "dense search", "BM25", "composition"):
                stages[name].append(parts.get(name, 0.0) * 1000)
            stages["total ask"].append(total * 1000)
    # Fusion + rescoring: the retriever's search minus the stages inside it.
    snapshot = assistant.check_index()
    analyses = [assistant.analyse(**r) for r in requests]
    for _ in range(rounds):
        for analysis in analyses:
            timer.current = {}
            started = time.perf_counter()
            assistant.retriever.search(analysis, snapshot, k=30)
            search = time.perf_counter() - started
            inner = sum(timer.current.get(n, 0.0) for n in ("embedding", "dense search", "BM25"))
            stages["fusion + rescoring"].append(max(0.0, search - inner) * 1000)
    for i, total in enumerate(stages["total ask"]):
        known = sum(stages[n][i] for n in ("embedding", "dense search", "BM25", "composition",
                                           "fusion + rescoring"))
        stages["analysis + rest"].append(max(0.0, total - known))
    results.stages_ms = stages
    return assistant


def naive_latency(settings: Settings, assistant: Assistant, results: Results, *,
                  rounds: int) -> None:
    """The eval's naive LangChain recipe: top-4 `similarity_search` per question."""
    from corpus.load import load_corpus
    from evals.baselines import NaiveBaseline

    embedder = assistant.embedder.inner  # type: ignore[attr-defined]
    baseline = NaiveBaseline(load_corpus(settings.corpus_dir), embedder, k=4)
    try:
        requests = questions()
        for request in requests[:5]:
            baseline.store.similarity_search(request["question"], k=4)
        for _ in range(rounds):
            for request in requests:
                started = time.perf_counter()
                baseline.store.similarity_search(request["question"], k=4)
                results.naive_ms.append((time.perf_counter() - started) * 1000)
    finally:
        baseline.close()


def profile(settings: Settings, env: dict[str, str], out_dir: Path) -> None:
    """pyinstrument text profiles of the cold start (subprocess) and the warm path."""
    from pyinstrument import Profiler

    out_dir.mkdir(parents=True, exist_ok=True)
    pyinstrument = Path(sys.executable).with_name("pyinstrument")
    run_child([str(pyinstrument), "-r", "text", "-o", str(out_dir / "cold_ask.txt"),
               str(TALENTHUB), "ask", QUESTION], env)
    assistant = Assistant.from_settings(settings)
    requests = questions()
    assistant.ask(**requests[0])
    profiler = Profiler(interval=0.0005)
    with profiler:
        for request in requests:
            assistant.ask(**request)
    (out_dir / "warm_ask.txt").write_text(profiler.output_text(), encoding="utf-8")
    profiler.write_html(str(out_dir / "warm_ask.html"))


def measure(args: argparse.Namespace, console: Console) -> Results:
    results = Results(load_before=os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="talenthub-bench-") as tmp:
        root = Path(tmp)
        corpus_dir = copy_corpus(root / "corpus")
        data_dir = root / "data"
        env = child_env(data_dir, corpus_dir)
        settings = Settings(data_dir=data_dir, corpus_dir=corpus_dir)
        console.print("building the index (cold) ...")
        results.build_cold = run_child([str(TALENTHUB), "index"], env)
        results.build_unchanged = run_child([str(TALENTHUB), "index"], env)
        (corpus_dir / CHANGED_DOCUMENT).chmod(0o644)  # the repo ships documents read-only
        with open(corpus_dir / CHANGED_DOCUMENT, "a", encoding="utf-8") as handle:
            handle.write("\nThe benchmark appended this sentence to change one document.\n")
        results.build_one_changed = run_child([str(TALENTHUB), "index"], env)
        console.print(f"cold `talenthub ask` x{args.cold_runs} ...")
        for _ in range(args.cold_runs):
            results.cold_ask.append(run_child([str(TALENTHUB), "ask", QUESTION], env))
        console.print(f"warm questions x{args.rounds} rounds ...")
        assistant = warm_latency(settings, results, rounds=args.rounds)
        if not args.no_baseline:
            console.print("naive LangChain baseline ...")
            naive_latency(settings, assistant, results, rounds=args.rounds)
        results.process_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if args.profile:
            console.print(f"profiling into {args.profile} ...")
            profile(settings, env, args.profile)
    return results


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def verdict(ok: bool) -> str:
    return "[green]ok[/]" if ok else "[red]over[/]"


def report(results: Results, console: Console) -> None:
    load = ", ".join(f"{x:.1f}" for x in results.load_before)
    table = Table(title=f"Talent Hub Assistant benchmarks ({os.cpu_count()} cores, load "
                        f"average at start {load})")
    for column in ("measure", "wall", "CPU", "peak RSS", "target"):
        table.add_column(column, justify="left" if column == "measure" else "right")

    def build_row(label: str, run: Run | None) -> None:
        if run:
            table.add_row(label, f"{run.wall:.1f} s", f"{run.cpu:.1f} s", f"{run.rss_mb:.0f} MB",
                          "")

    build_row("index build, cold (model load included)", results.build_cold)
    build_row("index build, incremental, nothing changed", results.build_unchanged)
    build_row("index build, incremental, one document changed", results.build_one_changed)
    if results.cold_ask:
        wall = statistics.median(r.wall for r in results.cold_ask)
        cpu = statistics.median(r.cpu for r in results.cold_ask)
        rss = max(r.rss_mb for r in results.cold_ask)
        table.add_row(f"cold `talenthub ask` (median of {len(results.cold_ask)})",
                      f"{wall:.2f} s", f"{cpu:.2f} s", f"{rss:.0f} MB",
                      f"≤ {TARGET_COLD_S:.0f} s {verdict(wall <= TARGET_COLD_S)}")
    table.add_section()
    for name in STAGES:
        values = results.stages_ms.get(name, [])
        target = ""
        if name == "total ask":
            target = f"≤ {TARGET_WARM_MS:.0f} ms {verdict(pct(values, 50) <= TARGET_WARM_MS)}"
        table.add_row(f"warm {name}, p50 / p95",
                      f"{pct(values, 50):.2f} / {pct(values, 95):.2f} ms", "", "", target)
    if results.naive_ms:
        total = results.stages_ms["total ask"]
        table.add_row("naive LangChain top-4, p50 / p95",
                      f"{pct(results.naive_ms, 50):.2f} / {pct(results.naive_ms, 95):.2f} ms",
                      "", "", "")
        table.add_row("assistant / naive (p50)",
                      f"{pct(total, 50) / pct(results.naive_ms, 50):.2f}x", "", "", "")
    table.add_section()
    rss = results.process_rss_mb
    table.add_row("peak RSS, warm benchmark process (assistant + baseline)", "", "",
                  f"{rss:.0f} MB", f"< {TARGET_RSS_MB:.0f} MB {verdict(rss < TARGET_RSS_MB)}")
    console.print(table)
    console.print(f"{results.questions} eval questions per round.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold-runs", type=int, default=5, help="cold `talenthub ask` runs")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the eval questions")
    parser.add_argument("--no-baseline", action="store_true", help="skip the LangChain baseline")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write pyinstrument profiles of cold and warm asks here")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures")
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 110)
    results = measure(args, console)
    report(results, console)
    if args.json:
        args.json.write_text(json.dumps(asdict(results), indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
