"""Build or update the index: only changed documents are embedded, and the new build
goes live in one atomic switch.

Why not LangChain's indexing API with a record manager: it updates one live collection in
place, so a crash mid-run leaves a half-updated index serving, and its record manager is a
second store that would have to switch over together with the collection. Here every build
is a fresh collection; embeddings of unchanged documents are copied across from the current
build (keyed on the document's content hash), which gives the same "embed only what
changed" with an atomic switch for free.
"""

from __future__ import annotations

import fcntl
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.errors import ChromaError

from corpus.load import CorpusLoad, Skipped, load_corpus
from corpus.settings import Settings
from index.chunking import CHUNKER_VERSION, Chunk, chunk_sections
from index.embeddings import Embedder
from index.store import (
    CATALOGUE,
    REBUILD_INDEX,
    Layout,
    NoIndex,
    get_all,
    hnsw_configuration,
    new_build_id,
    open_layout,
    prune,
)

log = logging.getLogger(__name__)

BATCH = 64
# (stage, done, total, what): "parse" once per document read, "embed" once per batch.
Progress = Callable[[str, int, int, str], None]


@dataclass
class BuildReport:
    """What `talenthub index` prints at the end."""

    build_id: str | None
    documents: int
    sections: int
    chunks: int
    embedded: int
    reused: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    skips_changed: bool = False  # a file is skipped now that was not, or the other way

    @property
    def up_to_date(self) -> bool:
        return self.embedded == 0 and not (self.added or self.changed or self.removed
                                           or self.skips_changed)


class IndexBusy(RuntimeError):
    """Another `talenthub index` holds the lock."""


@contextmanager
def build_lock(index_dir: Path, *, wait: bool = True) -> Iterator[None]:
    """Serialise builds: a second run waits for the first instead of interleaving."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError as exc:
            raise IndexBusy("another `talenthub index` is running; try again shortly") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_index(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    wait: bool = True,
) -> BuildReport:
    """Parse the corpus, embed what changed, write a new build and switch to it.

    The embedder is only created when something needs embedding, so an up-to-date index
    costs no model load. With `wait=False`, a build already running elsewhere raises
    `IndexBusy` instead of being waited for (the admin page says so at once).
    """
    started = time.perf_counter()
    with build_lock(settings.index_dir, wait=wait):
        layout = open_layout(settings)
        loaded = load_corpus(settings.corpus_dir, progress=None if progress is None else
                             lambda done, total, name: progress("parse", done, total, name))
        chunks = chunk_sections(loaded.sections)
        old_build = None if rebuild else layout.current()
        old_meta = _build_metadata(layout, old_build) if old_build else {}
        old_hashes = {k[5:]: v for k, v in old_meta.items() if k.startswith("hash:")}
        new_hashes = {slug: _version(h, settings) for slug, h in loaded.hashes.items()}
        unchanged = {s for s, h in new_hashes.items() if old_hashes.get(s) == h}
        old_catalogue = json.loads(old_meta.get(CATALOGUE, "{}"))
        catalogue = _catalogue(loaded, unchanged, old_catalogue)
        report = BuildReport(
            build_id=old_build, documents=len(loaded.documents), sections=len(loaded.sections),
            chunks=len(chunks), embedded=0, reused=0, skipped=loaded.skipped,
            added=sorted(set(new_hashes) - set(old_hashes)),
            changed=sorted(s for s in set(new_hashes) & set(old_hashes) if s not in unchanged),
            removed=sorted(set(old_hashes) - set(new_hashes)),
            counts=_counts(loaded.sections),
            skips_changed=catalogue["skipped"] != old_catalogue.get("skipped", []),
        )
        if old_build and report.up_to_date:
            report.seconds = time.perf_counter() - started
            return report
        build_id = new_build_id()
        collection = layout.collection(build_id, create=True,
                                       configuration=hnsw_configuration(len(chunks)))
        reuse = [c for c in chunks if c.metadata["document"] in unchanged]
        fresh = [c for c in chunks if c.metadata["document"] not in unchanged]
        total = len(chunks)
        done = _copy_embeddings(layout, old_build, collection, reuse) if reuse else 0
        if progress:
            progress("embed", done, total, f"{done} reused")
        embedder = embedder_factory() if fresh else None
        for start in range(0, len(fresh), BATCH):
            batch = fresh[start: start + BATCH]
            vectors = embedder.encode([c.embed_text for c in batch])  # type: ignore[union-attr]
            _add(collection, batch, vectors)
            done += len(batch)
            if progress:
                progress("embed", done, total, batch[-1].metadata["document"])
        collection.modify(metadata={"build": build_id, "model": settings.embedding_model,
                                    CATALOGUE: json.dumps(catalogue, ensure_ascii=False),
                                    **{f"hash:{s}": h for s, h in new_hashes.items()}})
        layout.switch(build_id)
        prune(layout)
        report.build_id = build_id
        report.embedded, report.reused = len(fresh), len(reuse)
        report.seconds = time.perf_counter() - started
        return report


def _version(content_hash: str, settings: Settings) -> str:
    """A document must be re-embedded when its bytes, the chunker or the model change."""
    return f"{content_hash}:{CHUNKER_VERSION}:{settings.embedding_model}"


def _build_metadata(layout: Layout, build_id: str) -> dict[str, Any]:
    """What the current build holds. A build that cannot be read counts as empty, so a
    damaged index is rebuilt in full: safe, as the new build goes live only once complete."""
    try:
        return dict(layout.collection(build_id).metadata or {})
    except NoIndex:
        return {}
    except (ChromaError, OSError) as exc:
        log.warning("build %s cannot be read (%s); embedding everything again", build_id, exc)
        return {}


def _catalogue(loaded: CorpusLoad, unchanged: set[str], old: dict[str, Any]
               ) -> dict[str, list[dict[str, Any]]]:
    """What the admin page lists, kept in the build's metadata so that every replica sees
    the same: each indexed document (scope, file, title, units, pages and when its text
    was last embedded) and each skipped file with the reason."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    before = {d["slug"]: d["indexed"] for d in old.get("documents", [])}
    by_document = loaded.by_document()
    documents = []
    for document in loaded.documents:
        sections = by_document.get(document.slug, [])
        documents.append({
            "slug": document.slug, "scope": document.scope, "path": document.relative_path,
            "title": document.title, "units": len(sections),
            "pages": max((p for s in sections for p in s.pages), default=0),
            "indexed": before.get(document.slug, now) if document.slug in unchanged else now})
    skipped = [{"scope": s.scope, "path": s.relative_path, "reason": s.reason}
               for s in loaded.skipped]
    return {"documents": documents, "skipped": skipped}


def _copy_embeddings(layout: Layout, old_build: str | None, collection: Any,
                     chunks: list[Chunk]) -> int:
    """Carry vectors of unchanged documents over from the current build."""
    old = layout.collection(old_build)  # type: ignore[arg-type]
    got = get_all(old, ids=[c.id for c in chunks], include=["embeddings"])
    vectors = dict(zip(got["ids"], got["embeddings"], strict=True))
    missing = [c.id for c in chunks if c.id not in vectors]
    if missing:
        raise RuntimeError(f"build {old_build} lacks {len(missing)} chunks; {REBUILD_INDEX}")
    for start in range(0, len(chunks), BATCH):
        batch = chunks[start: start + BATCH]
        _add(collection, batch, np.stack([vectors[c.id] for c in batch]))
    return len(chunks)


def _add(collection: Any, chunks: list[Chunk], vectors: np.ndarray) -> None:
    collection.add(ids=[c.id for c in chunks], embeddings=vectors,
                   documents=[c.text for c in chunks], metadatas=[c.metadata for c in chunks])


def _counts(sections: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for section in sections:
        counts[section.kind] = counts.get(section.kind, 0) + 1
    counts["stakeholders"] = len({s.stakeholder for s in sections if s.stakeholder})
    counts["intervention areas"] = len({s.theme for s in sections if s.theme})
    return counts
