"""Where builds live and which one is current.

Every build is a complete collection of its own. A build becomes visible only when the
pointer moves to it, so a crash mid-build leaves the previous one serving. Embedded mode
keeps one Chroma folder per build and the pointer in a file; server mode keeps one
collection per build and the pointer in a small metadata collection, so that several app
replicas see the same current build.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings

from corpus.settings import Settings

COLLECTION = "chunks"
POINTER_COLLECTION = "talenthub_meta"
SERVER_PREFIX = "talenthub_"
KEEP_BUILDS = 2  # the current build and the one before it, for readers still on it
# Dense search is exhaustive up to EXACT_SEARCH_MAX_CHUNKS: ef_search at least the collection
# size makes HNSW visit every vector, so the same question gets the same sources on every
# build (CI rebuilds from scratch), not an approximation that varies with the graph. That
# costs 4 ms a query at 300 chunks and 7.6 ms at 3,000, growing with the size: at 5,000 it
# would pass 10 ms, a quarter of the 40 ms budget for a whole answer. Above it, HNSW searches
# approximately with ANN_EF_SEARCH: on the corpus replicated x100 (29,800 chunks, replicas
# perturbed so that they crowd each other, which is hard for HNSW) recall@10 against exact
# search was 0.69 at ef 128, 0.83 at 512 and 0.86 at 1024, at 3 to 6 ms; recall levels off
# there, so 512. The retriever asks for 300 candidates and hnswlib searches with
# max(ef_search, k). Measured by benchmarks/scale.py; see benchmarks/README.md.
EXACT_SEARCH_MAX_CHUNKS = 5_000
ANN_EF_SEARCH = 512
EF_CONSTRUCTION = 256
CATALOGUE = "catalogue"  # a build's metadata key for its documents and skipped files (JSON)
BUILD_ID = re.compile(r"[0-9]{14}-[0-9a-f]{6}")  # what new_build_id() makes


# The remedy for a damaged, incomplete or mismatched index, in every message that needs it.
REBUILD_INDEX = "run `talenthub index --rebuild`"


class IndexUnavailable(RuntimeError):
    """The index cannot be reached or read; the message says what to do."""


class NoIndex(IndexUnavailable):
    """No build has finished yet: the user must run `talenthub index`."""


# Chroma reads a get() in one SQLite statement, which allows only so many variables: a
# 30,000-chunk build failed with "too many SQL variables". Reads go in pages of this size.
GET_PAGE = 5_000


def get_all(collection: Any, *, include: list[str], ids: list[str] | None = None
            ) -> dict[str, list[Any]]:
    """Everything `collection.get` returns (ids and `include`), read a page at a time."""
    got: dict[str, list[Any]] = {"ids": [], **{key: [] for key in include}}
    offset = 0
    while True:
        if ids is None:
            page = collection.get(include=include, limit=GET_PAGE, offset=offset)
        else:
            page = collection.get(ids=ids[offset: offset + GET_PAGE], include=include)
        for key in got:
            got[key].extend(page[key])
        offset += GET_PAGE
        if len(page["ids"]) < GET_PAGE or (ids is not None and offset >= len(ids)):
            return got


def hnsw_configuration(chunks: int) -> dict[str, Any]:
    """The HNSW settings for a build of `chunks` vectors: exhaustive while that is cheap."""
    exact = chunks <= EXACT_SEARCH_MAX_CHUNKS
    return {"hnsw": {"space": "cosine", "ef_construction": EF_CONSTRUCTION,
                     "ef_search": max(512, chunks) if exact else ANN_EF_SEARCH}}


def chroma_settings() -> ChromaSettings:
    return ChromaSettings(anonymized_telemetry=False)


def new_build_id() -> str:
    return time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]


class Layout(Protocol):
    def current(self) -> str | None: ...
    def collection(self, build_id: str, *, create: bool = False,
                   configuration: dict[str, Any] | None = None) -> Any: ...
    def switch(self, build_id: str) -> None: ...
    def discard(self, build_id: str) -> None: ...
    def builds(self) -> list[str]: ...


class LocalLayout:
    """`<index_dir>/builds/<id>/` per build, `<index_dir>/CURRENT` names the live one."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self.pointer = index_dir / "CURRENT"

    def current(self) -> str | None:
        """The live build, or None when the pointer is missing, garbled or names no build:
        a damaged pointer (say `..`) must never send Chroma to open some other folder."""
        try:
            build_id = self.pointer.read_bytes().decode("utf-8", errors="replace").strip()
        except FileNotFoundError:
            return None
        if not BUILD_ID.fullmatch(build_id):
            return None
        return build_id if (self.index_dir / "builds" / build_id).is_dir() else None

    def pointer_stamp(self) -> float:
        try:
            return self.pointer.stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def collection(self, build_id: str, *, create: bool = False,
                   configuration: dict[str, Any] | None = None) -> Any:
        path = self.index_dir / "builds" / build_id
        if not create and not path.is_dir():
            raise NoIndex(f"index build {build_id} is missing; {REBUILD_INDEX}")
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
        return _collection(client, COLLECTION, create=create, configuration=configuration)

    def switch(self, build_id: str) -> None:
        tmp = self.pointer.with_suffix(".tmp")
        tmp.write_text(build_id + "\n", encoding="utf-8")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, self.pointer)

    def discard(self, build_id: str) -> None:
        shutil.rmtree(self.index_dir / "builds" / build_id, ignore_errors=True)

    def builds(self) -> list[str]:
        root = self.index_dir / "builds"
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


class ServerLayout:
    """One `talenthub_<id>` collection per build on a Chroma server."""

    def __init__(self, url: str):
        self.url = url
        parsed = urlparse(url if "://" in url else f"http://{url}")
        try:
            self.client = chromadb.HttpClient(
                host=parsed.hostname or "localhost", port=parsed.port or 8000,
                ssl=parsed.scheme == "https", settings=chroma_settings(),
            )
        except Exception as exc:  # chromadb raises plain exceptions when the server is down
            raise IndexUnavailable(f"Chroma server {url} is unreachable: {exc}") from exc

    def _meta(self) -> Any:
        return self.client.get_or_create_collection(POINTER_COLLECTION, embedding_function=None)

    def current(self) -> str | None:
        with self._reaching():
            build_id = (self._meta().metadata or {}).get("current")
            return build_id if build_id in self.builds() else None

    def collection(self, build_id: str, *, create: bool = False,
                   configuration: dict[str, Any] | None = None) -> Any:
        with self._reaching():
            return _collection(self.client, SERVER_PREFIX + build_id, create=create,
                               configuration=configuration)

    def switch(self, build_id: str) -> None:
        with self._reaching():
            self._meta().modify(metadata={"current": build_id})

    def discard(self, build_id: str) -> None:
        with contextlib.suppress(Exception):  # already gone
            self.client.delete_collection(SERVER_PREFIX + build_id)

    def builds(self) -> list[str]:
        with self._reaching():
            collections = self.client.list_collections()
        names = [c if isinstance(c, str) else c.name for c in collections]
        return sorted(n[len(SERVER_PREFIX):] for n in names
                      if n.startswith(SERVER_PREFIX) and n != POINTER_COLLECTION)

    @contextlib.contextmanager
    def _reaching(self) -> Iterator[None]:
        """A server that went away is `IndexUnavailable` (HTTP 503, one CLI line)."""
        try:
            yield
        except httpx.TransportError as exc:
            raise IndexUnavailable(f"Chroma server {self.url} is unreachable "
                                   f"({type(exc).__name__}: {exc}); check that it is running"
                                   ) from exc


def _collection(client: Any, name: str, *, create: bool,
                configuration: dict[str, Any] | None = None) -> Any:
    if create:
        return client.create_collection(name, configuration=configuration or
                                        hnsw_configuration(0), embedding_function=None)
    return client.get_collection(name, embedding_function=None)


def open_layout(settings: Settings) -> LocalLayout | ServerLayout:
    if settings.chroma_url:
        return ServerLayout(settings.chroma_url)
    return LocalLayout(settings.index_dir)


def prune(layout: Layout, *, keep: int = KEEP_BUILDS) -> None:
    """Drop old and abandoned builds, never the current one."""
    current = layout.current()
    others = [b for b in layout.builds() if b != current]
    for build_id in others[: max(0, len(others) - (keep - 1))]:
        layout.discard(build_id)
