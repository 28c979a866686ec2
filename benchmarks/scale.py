"""Cost as the corpus grows: reading a 200-page PDF, and answering at the corpus x10 and x100.

1. Index throughput: `talenthub index` (a subprocess, model load included) on a folder
   holding one 200-page PDF report, printed by Chromium from the guidebook's and the web
   pages' text (its stakeholder headings renamed, so it is read as a generic report):
   pages/s, chunks/s, wall and CPU time, peak RSS; reading the PDF alone is timed in-process.
2. Scale: the repo corpus indexed with the real model, then its chunks replicated x10 and
   x100 into real builds (each replica a distinct document; its vectors perturbed with
   Gaussian noise, sigma 0.05 per dimension, then renormalised: a replica keeps a cosine of
   about 0.7 to its original, like a related text rather than a copy). Re-embedding 30,000
   chunks would take most of an hour on two cores and measure nothing the replicas do not.
   Per scale: recall@10 and latency of Chroma's HNSW search at several
   ef_search values against exact search (numpy, every vector; each ef in a fresh process,
   as Chroma applies a changed ef_search only to an index not yet loaded), the ef_search the
   build chose (index/store.py), `Assistant.ask` p50/p95 over the eval questions, and the
   process's resident memory.

    .venv/bin/python benchmarks/scale.py [--scales 10 100] [--pages 200] [--skip-pdf]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import TALENTHUB, child_env, questions, run_child  # noqa: E402
from corpus.settings import DEFAULT_CORPUS_DIR, Settings  # noqa: E402
from evals.renderings import (  # noqa: E402
    GUIDEBOOK_SEED,
    WEB_PAGES,
    print_pdf,
    publication,
    web_page_html,
)

EF_SEARCH = (64, 128, 256, 512, 1024)
RECALL_QUERIES = 100
NOISE = 0.05
BATCH = 5000


def rss_mb() -> float:
    """Resident memory now (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- 1. a 200-page PDF ----------------------------------------------------------------------


def report_pdf(target: Path, pages: int) -> int:
    """A long generic report; returns its page count."""
    import pdfplumber

    from corpus.readers.markup import markdown_html

    seed = re.sub(r"^## II\.(\d)", r"## Part \1:", GUIDEBOOK_SEED.read_text(encoding="utf-8"),
                  flags=re.M)
    chapter = markdown_html(seed) + "".join(
        re.search(r"<main>(.*)</main>", web_page_html(DEFAULT_CORPUS_DIR / f"{slug}.txt",
                                                      title), re.S).group(1)
        for slug, title in WEB_PAGES.items())
    source = target.with_suffix(".html")
    volumes = 1
    while True:
        body = "".join(f"<h1>Volume {n}</h1>{chapter}" for n in range(1, volumes + 1))
        source.write_text(publication(body, "Talent retention: collected reports"))
        print_pdf([(source, target)])
        with pdfplumber.open(target) as pdf:
            count = len(pdf.pages)
        if count >= pages:
            return count
        volumes = max(volumes + 1, round(volumes * pages / count))


def bench_pdf(workdir: Path, pages: int) -> dict[str, Any]:
    from corpus.load import load_corpus
    from index.chunking import chunk_sections

    corpus = workdir / "report"
    corpus.mkdir()
    count = report_pdf(corpus / "collected-reports.pdf", pages)
    (corpus / "collected-reports.html").unlink()
    started = time.perf_counter()
    loaded = load_corpus(corpus)
    read_seconds = time.perf_counter() - started
    chunks = len(chunk_sections(loaded.sections))
    run = run_child([str(TALENTHUB), "index"], child_env(workdir / "report-data", corpus))
    return {"pages": count, "sections": len(loaded.sections), "chunks": chunks,
            "read_s": read_seconds, "index_wall_s": run.wall, "index_cpu_s": run.cpu,
            "rss_mb": run.rss_mb}


# -- 2. scale -------------------------------------------------------------------------------


def replicate(settings: Settings, base: str, scale: int, rng: np.random.Generator) -> int:
    """A build holding the base build's chunks `scale` times; returns its chunk count."""
    from index.store import get_all, hnsw_configuration, new_build_id, open_layout

    layout = open_layout(settings)
    source = layout.collection(base)
    got = get_all(source, include=["embeddings", "documents", "metadatas"])
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    total = len(got["ids"]) * scale
    build = new_build_id()
    target = layout.collection(build, create=True, configuration=hnsw_configuration(total))
    for copy in range(scale):
        noisy = vectors if copy == 0 else vectors + rng.normal(0, NOISE, vectors.shape)
        noisy = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
        suffix = "" if copy == 0 else f"-copy{copy}"
        metas = [{**m, "document": m["document"] + suffix, "unit_id": m["unit_id"] + suffix}
                 for m in got["metadatas"]]
        ids = [i + suffix for i in got["ids"]]
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            target.add(ids=ids[start:end], embeddings=noisy[start:end],
                       documents=got["documents"][start:end], metadatas=metas[start:end])
    target.modify(metadata=source.metadata)
    layout.switch(build)
    return total


def recall_child(data_dir: Path, queries: Path, ef: int, k: int = 10) -> None:
    """In a fresh process (Chroma applies a changed ef_search only to an index it has not
    loaded yet): set ef_search, then print recall@k and ms per query against exact search."""
    from index.store import get_all, open_layout

    layout = open_layout(Settings(data_dir=data_dir, chroma_url=None))
    collection = layout.collection(layout.current())
    collection.modify(configuration={"hnsw": {"ef_search": ef}})
    got = get_all(collection, include=["embeddings"])
    ids = np.asarray(got["ids"])
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    vectors_q = np.load(queries)
    exact = [set(ids[np.argsort(-(vectors @ q))[:k]]) for q in vectors_q]
    hits, started = 0, time.perf_counter()
    for q, truth in zip(vectors_q, exact, strict=True):
        found = collection.query(query_embeddings=[q.tolist()], n_results=k)["ids"][0]
        hits += len(truth & set(found))
    ms = (time.perf_counter() - started) * 1000 / len(vectors_q)
    print(json.dumps({"recall": hits / (k * len(vectors_q)), "ms": ms}))


def recall(data_dir: Path, queries: Path, chosen: int) -> dict[int, tuple[float, float]]:
    """recall@10 and ms per query at each ef_search, then the build's own ef_search back."""
    results = {}
    for ef in [*sorted({*EF_SEARCH, chosen} - {chosen}), chosen]:
        out = subprocess.run([sys.executable, __file__, "--recall-child", str(data_dir),
                              str(queries), str(ef)], capture_output=True, text=True,
                             check=True, env=child_env(data_dir, DEFAULT_CORPUS_DIR))
        got = json.loads(out.stdout.strip().splitlines()[-1])
        results[ef] = (got["recall"], got["ms"])
    return results


def bench_scale(workdir: Path, scales: list[int]) -> list[dict[str, Any]]:
    from assistant import Assistant
    from index.build import build_index
    from index.embeddings import load_embedder
    from index.reader import IndexReader
    from index.store import hnsw_configuration, open_layout

    settings = Settings(data_dir=workdir / "scale-data", corpus_dir=DEFAULT_CORPUS_DIR,
                        chroma_url=None)
    embedder = load_embedder(settings.embedding_model)
    base = build_index(settings, lambda: embedder).build_id
    requests = questions()
    queries = workdir / "queries.npy"
    np.save(queries, embedder.encode([r["question"] for r in requests[:RECALL_QUERIES]]))
    rng = np.random.default_rng(7)
    rows = []
    for scale in [1, *scales]:
        if scale > 1:
            replicate(settings, base, scale, rng)
        layout = open_layout(settings)
        chunks = layout.collection(layout.current()).count()
        chosen = hnsw_configuration(chunks)["hnsw"]["ef_search"]
        ann = recall(settings.data_dir, queries, chosen)
        assistant = Assistant.from_settings(settings, embedder=embedder)
        assistant.ask(requests[0]["question"])  # loads the snapshot and BM25
        times = []
        for request in requests:
            started = time.perf_counter()
            assistant.ask(**request)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        assert len(IndexReader(settings).snapshot().chunks) == chunks
        rows.append({"scale": scale, "chunks": chunks, "ef_search": chosen, "recall": ann,
                     "p50": statistics.median(times),
                     "p95": times[int(0.95 * (len(times) - 1))], "rss_mb": rss_mb()})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description="Cost as the corpus grows.")
    parser.add_argument("--scales", type=int, nargs="*", default=[10, 100])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--recall-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.recall_child:
        data_dir, queries, ef = args.recall_child
        recall_child(Path(data_dir), Path(queries), int(ef))
        return 0
    console = Console(width=max(Console().width, 160))
    with tempfile.TemporaryDirectory(prefix="talenthub-scale-") as tmp:
        workdir = Path(tmp)
        if not args.skip_pdf:
            pdf = bench_pdf(workdir, args.pages)
            table = Table(title=f"Indexing one {pdf['pages']}-page PDF", title_justify="left")
            for column in ("pages", "sections", "chunks", "read s", "pages/s (read)",
                           "index wall / CPU s", "pages/s", "chunks/s", "peak RSS MB"):
                table.add_column(column, justify="right")
            table.add_row(str(pdf["pages"]), str(pdf["sections"]), str(pdf["chunks"]),
                          f"{pdf['read_s']:.1f}", f"{pdf['pages'] / pdf['read_s']:.2f}",
                          f"{pdf['index_wall_s']:.1f} / {pdf['index_cpu_s']:.1f}",
                          f"{pdf['pages'] / pdf['index_wall_s']:.2f}",
                          f"{pdf['chunks'] / pdf['index_wall_s']:.1f}", f"{pdf['rss_mb']:.0f}")
            console.print(table)
        rows = bench_scale(workdir, args.scales)
    table = Table(title="Questions as the corpus grows", title_justify="left")
    for column in ("scale", "chunks", "ef_search (build)", "ask p50 / p95 ms", "RSS MB",
                   *(f"ef {ef}: recall@10, ms" for ef in EF_SEARCH)):
        table.add_column(column, justify="right")
    for row in rows:
        chosen = row["recall"][row["ef_search"]]
        table.add_row(f"x{row['scale']}", str(row["chunks"]),
                      f"{row['ef_search']} ({chosen[0]:.3f}, {chosen[1]:.2f} ms)",
                      f"{row['p50']:.1f} / {row['p95']:.1f}", f"{row['rss_mb']:.0f}",
                      *(f"{row['recall'][ef][0]:.3f}, {row['recall'][ef][1]:.2f}"
                        for ef in EF_SEARCH))
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
