"""The read side: the current build held in memory, searched densely (Chroma) and
lexically (BM25), reloaded when a new build goes live."""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import bm25s
import httpx
import numpy as np
import Stemmer
from chromadb.errors import ChromaError

from corpus.scopes import Scope
from corpus.settings import Settings
from index.store import (
    CATALOGUE,
    REBUILD_INDEX,
    IndexUnavailable,
    LocalLayout,
    NoIndex,
    ServerLayout,
    get_all,
    open_layout,
)

_STEMMER = Stemmer.Stemmer("english")
_WORD = re.compile(r"[a-z]{2,}")
# bm25s sets its own logger to DEBUG, which put "Building index from tokens" on every
# `talenthub ask`'s stderr.
logging.getLogger("bm25s").setLevel(logging.WARNING)
SERVER_POINTER_CHECK_SECONDS = 5.0
MAX_CACHED_TEXTS = 50_000
_TOKENS: dict[str, tuple[str, ...]] = {}
_TOKENS_LOCK = threading.Lock()
T = TypeVar("T")


@dataclass(frozen=True)
class ChunkRecord:
    id: str
    unit_id: str
    text: str
    metadata: dict[str, Any]


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-worded, stemmed tokens: 'spouses' must meet 'spouse'.

    Memoised per text: the answerer scores the same corpus sentences question after
    question, and every bm25s call has a fixed setup cost. Under a lock, because a PyStemmer
    stemmer must not be used by two threads at once.
    """
    with _TOKENS_LOCK:
        missing = list(dict.fromkeys(t for t in texts if t not in _TOKENS))
        if missing:
            if len(_TOKENS) + len(missing) > MAX_CACHED_TEXTS:
                _TOKENS.clear()
            tokens = bm25s.tokenize(missing, stopwords="en", stemmer=_STEMMER,
                                    return_ids=False, show_progress=False)
            _TOKENS.update(zip(missing, (tuple(t) for t in tokens), strict=True))
        return [list(_TOKENS[t]) for t in texts]


class IndexSnapshot:
    """One build, loaded once: all chunk texts and metadata, and a BM25 index over them.

    BM25 is rebuilt from the stored texts at load (milliseconds for this corpus) rather than
    saved beside the build, so a Chroma server is the single source of truth for replicas.

    `view(scope)` is the same build as one scope sees it: only its chunks, with a BM25
    index, term statistics and vocabulary of their own, and dense search filtered by the
    chunks' `scope` metadata. Everything a request reads goes through a view, so another
    partner's documents are neither found nor able to move a score, a typo correction or
    the corpus lexicon.
    """

    def __init__(self, build_id: str, collection: Any, chunks: list[ChunkRecord], *,
                 remedy: str = REBUILD_INDEX, scope: Scope | None = None,
                 root: IndexSnapshot | None = None):
        self.build_id = build_id
        self.collection = collection
        self.remedy = remedy
        self.failed = False  # a search failed: the reader reconnects and reloads
        self.model = (collection.metadata or {}).get("model", "")
        self.scope = scope  # None: the whole build, every scope
        self._root = root or self
        self._views: dict[str, IndexSnapshot] = {}
        self._views_lock = threading.Lock()
        self.chunks = chunks
        if not self.chunks:
            raise NoIndex(f"the index is empty; {REBUILD_INDEX}" if scope is None else
                          "the index holds no documents you can see yet; add documents to "
                          "the corpus and run `talenthub index`")
        whole = root is None or len(chunks) == len(root.chunks)
        self._where = None if whole or scope is None else scope.where()
        if root is not None and whole:  # a scope that sees every chunk: the root's serve it
            self.by_id, self.units, self._bm25 = root.by_id, root.units, root._bm25
            self.idf, self.vocabulary = root.idf, root.vocabulary
        else:
            self.by_id = {c.id: c for c in self.chunks}
            self.units = _group_units(self.chunks)
            tokens = tokenize([f"{c.metadata['title']} {c.text}" for c in self.chunks])
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)
            self.idf = _idf(tokens)
            # Every word of the chunk texts, lower-cased: what query analysis corrects typos
            # to.
            self.vocabulary = frozenset(w for c in self.chunks
                                        for w in _WORD.findall(c.text.lower()))
        self._derived: dict[str, Any] = {}
        self._derived_lock = threading.Lock()

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """What later stages derive from this build (the lexicon, ...), made once and kept
        with it, so it is dropped with the build when a new one goes live."""
        with self._derived_lock:
            if key not in self._derived:
                self._derived[key] = make()
            return self._derived[key]  # type: ignore[no-any-return]

    @classmethod
    def load(cls, build_id: str, collection: Any, *, remedy: str = REBUILD_INDEX
             ) -> IndexSnapshot:
        return cls(build_id, collection, _read_chunks(collection), remedy=remedy)

    def view(self, scope: Scope) -> IndexSnapshot:
        """The build as `scope` sees it; made once per scope and kept with the build."""
        root = self._root
        with root._views_lock:
            view = root._views.get(scope.key)
            if view is None:
                chunks = [c for c in root.chunks if scope.sees(c.metadata.get("scope", ""))]
                view = IndexSnapshot(root.build_id, root.collection, chunks,
                                     remedy=root.remedy, scope=scope, root=root)
                root._views[scope.key] = view
            return view

    def dense(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
              ) -> list[tuple[str, float]]:
        """Chunk ids with cosine similarity, best first."""
        k = min(k, len(self.chunks))
        if self._where is not None:
            where = {"$and": [self._where, where]} if where else self._where
        try:
            result = self.collection.query(query_embeddings=[vector.tolist()], n_results=k,
                                           where=where or None, include=["distances"])
        except (httpx.TransportError, ChromaError, OSError) as exc:
            self._root.failed = True
            raise IndexUnavailable(f"cannot search the index ({_describe(exc)}); "
                                   f"{self.remedy}") from exc
        return [(cid, 1.0 - dist) for cid, dist in
                zip(result["ids"][0], result["distances"][0], strict=True)]

    def lexical(self, query: str, k: int) -> list[tuple[str, float]]:
        """Chunk ids with BM25 scores, best first; no query terms in the corpus -> []."""
        tokens = tokenize([query])[0]
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        order = np.argsort(-scores)[: min(k, len(self.chunks))]
        return [(self.chunks[i].id, float(scores[i])) for i in order if scores[i] > 0]

    def catalogue(self) -> dict[str, list[dict[str, Any]]]:
        """The build's documents and skipped files as this view's scope sees them (each
        with its `scope`, `path`...; see index/build.py `_catalogue`)."""
        stored = json.loads((self.collection.metadata or {}).get(CATALOGUE, "{}"))
        return {part: [entry for entry in stored.get(part, [])
                       if self.scope is None or self.scope.sees(entry.get("scope", ""))]
                for part in ("documents", "skipped")}

    def stats(self) -> dict[str, Any]:
        documents = {c.metadata["document"] for c in self.chunks}
        units = {c.unit_id for c in self.chunks}
        kinds: dict[str, int] = {}
        for unit in {(c.unit_id, c.metadata["kind"]) for c in self.chunks}:
            kinds[unit[1]] = kinds.get(unit[1], 0) + 1
        return {"build": self.build_id, "documents": len(documents), "units": len(units),
                "chunks": len(self.chunks), "kinds": kinds, "model": self.model}


class IndexReader:
    """Hands out the current snapshot; swaps in a new one when `talenthub index` switches.

    Thread-safe: requests share one snapshot, and a reload happens once, under a lock.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._snapshot: IndexSnapshot | None = None
        self._layout: LocalLayout | ServerLayout | None = None
        self._stamp: float = -1.0
        self._checked = 0.0

    def snapshot(self) -> IndexSnapshot:
        """The current build. Until one loads, every call tries again and raises
        `IndexUnavailable`, so an outage or a damaged index is a clear 503 that ends by
        itself once the server is back or `talenthub index` has run."""
        with self._lock:
            if self._snapshot is None or self._snapshot.failed or self._pointer_moved():
                self._snapshot = None
                self._snapshot = self._load()
            return self._snapshot

    def _pointer_moved(self) -> bool:
        if self._layout is None:
            return True
        if isinstance(self._layout, LocalLayout):
            return self._layout.pointer_stamp() != self._stamp
        if time.monotonic() - self._checked < SERVER_POINTER_CHECK_SECONDS:
            return False
        self._checked = time.monotonic()
        try:
            return self._layout.current() != self._snapshot.build_id  # type: ignore[union-attr]
        except IndexUnavailable:  # the server went away: reconnect from scratch
            return True

    def _load(self) -> IndexSnapshot:
        """Open the layout afresh unless the last load succeeded: a client that saw a
        failure is never reused."""
        layout, self._layout = self._layout, None
        if self.settings.chroma_url:
            where = self.settings.chroma_url
            remedy = "check that the Chroma server is running and indexed (`talenthub index`)"
        else:
            where, remedy = str(self.settings.index_dir), REBUILD_INDEX
        try:
            layout = layout or open_layout(self.settings)
            if isinstance(layout, LocalLayout):
                self._stamp = layout.pointer_stamp()
            build_id = layout.current()
            if build_id is None:
                raise NoIndex("no index found; run `talenthub index` to build it")
            snapshot = IndexSnapshot.load(build_id, layout.collection(build_id), remedy=remedy)
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable(
                f"cannot read the index at {where} ({_describe(exc)}); {remedy}") from exc
        self._layout = layout
        self._checked = time.monotonic()
        return snapshot


def _read_chunks(collection: Any) -> list[ChunkRecord]:
    got = get_all(collection, include=["documents", "metadatas"])
    return [ChunkRecord(id=i, unit_id=m["unit_id"], text=d, metadata=m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]


def _group_units(chunks: list[ChunkRecord]) -> dict[str, list[ChunkRecord]]:
    """Unit id -> its chunks, in order."""
    units: dict[str, list[ChunkRecord]] = {}
    for chunk in sorted(chunks, key=lambda c: c.metadata.get("part", 1)):
        units.setdefault(chunk.unit_id, []).append(chunk)
    return units


def _idf(tokens: list[list[str]]) -> dict[str, float]:
    """BM25's idf of every term, for scoring sentences within a retrieved unit."""
    frequency = Counter(t for doc in tokens for t in set(doc))
    n = len(tokens)
    return {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in frequency.items()}


def _describe(exc: BaseException) -> str:
    """The error on one line, for a CLI message or an HTTP `detail`."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
