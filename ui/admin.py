"""Documents as administrators manage them: listed per scope with their index status,
uploaded, deleted and re-indexed without a shell, every action in the audit log.

An upload must be a format the corpus reads, within the size limit, and what its name says:
the type is checked from the bytes (a PDF starts `%PDF-`, a Word file is a ZIP holding
`word/document.xml`, text is UTF-8 without NUL bytes), and the name is reduced to safe
characters. It lands in its scope's folder (`partners/<name>/` or the top level) through a
hidden temporary file and an atomic rename, so a half-written file is never indexed.

Re-indexing runs `index.build.build_index` in a background thread with the server's
embedding model: the build is written beside the live one and switched in atomically under
the build lock, so the chat keeps answering from the previous build until it is done.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import threading
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from corpus.load import IGNORED_NAMES, find_documents
from corpus.scopes import SHARED, folder_of, is_partner_name
from corpus.settings import Settings
from index.build import IndexBusy, build_index
from index.embeddings import Embedder
from index.reader import IndexReader
from index.store import IndexUnavailable
from ui.identity import Identity
from ui.storage import Database, audit

# The content each suffix must have: one entry per format the corpus reads
# (corpus.readers.supported_suffixes; tests/ui/test_admin.py keeps the two the same).
CONTENT = {".md": "text", ".markdown": "text", ".txt": "text", ".html": "html",
           ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
MAX_NAME_CHARS = 100
AUDIT_SHOWN = 50
_UNSAFE = re.compile(r"[^a-z0-9._-]+")


class AdminError(ValueError):
    """A refused admin action: `status` is the HTTP status, the message one line."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def clean_name(name: str) -> str:
    """The file name as stored: its last path part, ASCII, lower case, letters, digits,
    '.', '-' and '_' only, not hidden and not a name the corpus reserves."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = base.lower().rpartition(".")
    stem = _UNSAFE.sub("-", stem if dot else suffix).strip(".-_")
    clean = f"{stem[:MAX_NAME_CHARS]}.{suffix}" if dot and stem else ""
    if not clean or f".{suffix}" not in CONTENT:
        raise AdminError(415, f"'{name}' is not a document the corpus reads; upload "
                              f"{', '.join(sorted(CONTENT))}")
    if clean in {n.lower() for n in IGNORED_NAMES}:
        raise AdminError(422, f"'{clean}' is a name the corpus folder reserves; rename it")
    return clean


def sniff(data: bytes) -> str:
    """What the bytes are: pdf, docx, html, text, or binary."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else "binary"
        except zipfile.BadZipFile:
            return "binary"
    if b"\x00" in data:
        return "binary"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    head = text[:2048].lstrip("\ufeff \t\r\n").lower()
    return "html" if head.startswith(("<!doctype html", "<html")) else "text"


def check_upload(name: str, data: bytes, max_bytes: int) -> str:
    """The cleaned name of an acceptable upload, or an `AdminError` saying what is wrong."""
    clean = clean_name(name)
    if not data:
        raise AdminError(422, f"'{clean}' is empty")
    if len(data) > max_bytes:
        raise AdminError(413, f"'{clean}' is {len(data) / 1e6:.1f} MB; the limit is "
                              f"{max_bytes / 1e6:.0f} MB")
    expected = CONTENT[Path(clean).suffix]
    found = sniff(data)
    # HTML is text too, so a Markdown or text file may hold some.
    if found != expected and not (expected == "text" and found == "html") \
            and not (expected == "html" and found == "text"):
        raise AdminError(415, f"'{clean}' is named as {expected} but its content is "
                              f"{'not a document' if found == 'binary' else found}")
    return clean


@dataclass(frozen=True)
class Entry:
    """One document of a scope as the admin page lists it."""

    scope: str
    path: str  # within the corpus folder
    title: str
    status: str  # indexed, skipped, not indexed yet, removed (still in the index)
    reason: str = ""
    pages: int = 0
    units: int = 0
    indexed: str = ""  # when its text was last embedded (UTC, ISO)
    changed: bool = False  # the file is newer than what is indexed

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "path": self.path, "title": self.title,
                "status": self.status, "reason": self.reason, "pages": self.pages,
                "units": self.units, "indexed": self.indexed, "changed": self.changed}


class Library:
    """The corpus folder and the live build's catalogue, as administrators see them."""

    def __init__(self, settings: Settings, reader: IndexReader, database: Database):
        self.settings = settings
        self.reader = reader
        self.database = database
        self.max_bytes = int(settings.upload_max_mb * 1_000_000)

    # -- what there is -------------------------------------------------------------------

    def listing(self, identity: Identity) -> dict[str, list[Entry]]:
        """The entries `identity` may list, by scope: every scope for an administrator of
        all, else the shared one (read only) and its own."""
        entries = self._entries()
        if identity.administers_all:
            found = {SHARED, *(e.scope for e in entries if e.scope)}
            visible = sorted(found, key=lambda s: (s != SHARED, s))
        else:
            visible = [SHARED, identity.admin] if identity.admin else []
        grouped: dict[str, list[Entry]] = {scope: [] for scope in visible}
        for entry in entries:
            if entry.scope in grouped:
                grouped[entry.scope].append(entry)
        if identity.administers_all:  # files in no scope: only the operator sees them
            grouped["(no scope)"] = [e for e in entries if not e.scope]
            if not grouped["(no scope)"]:
                del grouped["(no scope)"]
        return grouped

    def _entries(self) -> list[Entry]:
        """Files on disk joined with the live build's catalogue."""
        try:
            catalogue = self.reader.snapshot().catalogue()
        except IndexUnavailable:  # no build yet: everything is waiting to be indexed
            catalogue = {"documents": [], "skipped": []}
        indexed = {d["path"]: d for d in catalogue["documents"]}
        skipped = {s["path"]: s for s in catalogue["skipped"]}
        try:
            documents, misplaced = find_documents(self.settings.corpus_dir)
        except (FileNotFoundError, ValueError):
            documents, misplaced = [], []
        entries = []
        on_disk = set()
        for document in documents:
            on_disk.add(document.relative_path)
            done = indexed.get(document.relative_path)
            if done:
                stamp = datetime.fromtimestamp(document.path.stat().st_mtime).astimezone()
                changed = stamp > datetime.fromisoformat(done["indexed"])
                entries.append(Entry(document.scope, document.relative_path, done["title"],
                                     "indexed", pages=done["pages"], units=done["units"],
                                     indexed=done["indexed"], changed=changed))
            elif document.relative_path in skipped:
                entries.append(Entry(document.scope, document.relative_path, "", "skipped",
                                     skipped[document.relative_path]["reason"]))
            else:
                entries.append(Entry(document.scope, document.relative_path, "",
                                     "not indexed yet", "re-index to add it"))
        for item in misplaced:
            on_disk.add(item.relative_path)
            entries.append(Entry("", item.relative_path, "", "skipped", item.reason))
        for path, done in indexed.items():
            if path not in on_disk:
                entries.append(Entry(done["scope"], path, done["title"], "removed",
                                     "deleted; re-index to take it out of answers",
                                     done["pages"], done["units"], done["indexed"]))
        return sorted(entries, key=lambda e: e.path)

    # -- changes -------------------------------------------------------------------------

    def upload(self, identity: Identity, scope: str, name: str, data: bytes, *,
               replace: bool = False) -> str:
        """Store a checked upload in the scope's folder; returns its corpus-relative path."""
        self._check_may_change(identity, scope)
        clean = check_upload(name, data, self.max_bytes)
        folder = self.settings.corpus_dir / folder_of(scope)
        target = folder / clean
        relative = target.relative_to(self.settings.corpus_dir).as_posix()
        if target.exists() and not replace:
            raise AdminError(409, f"{relative} exists; tick 'replace' to upload a new version")
        existed = target.exists()
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise AdminError(500, f"cannot write {relative}: {exc.strerror}") from exc
        self.log(identity, scope, "replace" if existed else "upload", relative,
                 f"{len(data)} bytes")
        return relative

    def delete(self, identity: Identity, scope: str, path: str) -> None:
        """Delete a document file of the scope (it leaves answers at the next re-index)."""
        self._check_may_change(identity, scope)
        root = self.settings.corpus_dir.resolve()
        target = (root / path).resolve()
        documents, _ = find_documents(self.settings.corpus_dir)
        known = {d.relative_path: d.scope for d in documents}
        relative = target.relative_to(root).as_posix() if target.is_relative_to(root) else ""
        if known.get(relative) != scope:
            raise AdminError(404, f"there is no document '{path}' in {scope}")
        target.unlink()
        self.log(identity, scope, "delete", relative)

    def _check_may_change(self, identity: Identity, scope: str) -> None:
        if scope != SHARED and not is_partner_name(scope):
            raise AdminError(422, f"'{scope}' is not a partner name (lower-case letters, "
                                  "digits, '-' and '_')")
        if not identity.administers(scope):
            raise AdminError(403, f"you do not administer {scope}'s documents")

    # -- the audit log -------------------------------------------------------------------

    def log(self, identity: Identity, scope: str, action: str, target: str,
            detail: str = "") -> None:
        """Who did what, when: every admin action, whatever the analytics setting."""
        with self.database.engine.begin() as db:
            db.execute(insert(audit).values(created=self.database.clock(),
                                            actor=identity.user or identity.who, scope=scope,
                                            action=action, target=target, detail=detail))

    def audit_log(self, identity: Identity, *, limit: int = AUDIT_SHOWN) -> list[dict[str, Any]]:
        """The latest entries: all for an administrator of every scope, else its own
        scope's."""
        query = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if not identity.administers_all:
            query = query.where(audit.c.scope == identity.admin)
        with self.database.engine.connect() as db:
            rows = db.execute(query).mappings().all()
        return [{"created": r["created"].isoformat(timespec="seconds") + "Z",
                 "actor": r["actor"], "scope": r["scope"], "action": r["action"],
                 "target": r["target"], "detail": r["detail"]} for r in rows]


class ReindexJob:
    """One re-index at a time, in a background thread, its progress polled by the page."""

    def __init__(self, settings: Settings, embedder: Embedder, library: Library):
        self.settings = settings
        self.embedder = embedder
        self.library = library
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"state": "idle"}
        self._thread: threading.Thread | None = None

    def start(self, identity: Identity) -> dict[str, Any]:
        if not identity.is_admin:
            raise AdminError(403, "only administrators re-index")
        with self._lock:
            if self._state["state"] == "running":
                raise AdminError(409, "a re-index is already running; watch its progress")
            self._state = {"state": "running", "stage": "parse", "done": 0, "total": 0,
                           "what": "", "started": _now(), "actor": identity.user or ""}
            self._thread = threading.Thread(target=self._run, args=(identity,),
                                            name="talenthub-reindex", daemon=True)
            self._thread.start()
        self.library.log(identity, identity.admin or SHARED, "reindex", "index")
        return self.status(identity)

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, identity: Identity) -> None:
        def progress(stage: str, done: int, total: int, what: str) -> None:
            with self._lock:
                self._state.update(stage=stage, done=done, total=total, what=what)

        try:
            report = build_index(self.settings, lambda: self.embedder, progress=progress,
                                 wait=False)
        except IndexBusy:
            result = {"state": "failed", "message": "another re-index (perhaps "
                      "`talenthub index`) is running; try again when it has finished"}
        except Exception as exc:  # reported on the page; the live build is untouched
            result = {"state": "failed", "message": f"the re-index failed ({exc}); the "
                      "previous index still answers"}
        else:
            changes = len(report.added) + len(report.changed) + len(report.removed)
            result = {"state": "done", "message": "the index was already up to date"
                      if report.up_to_date else f"index updated: {changes} "
                      f"document{'' if changes == 1 else 's'} added, changed or removed",
                      "build": report.build_id,
                      "added": report.added, "changed": report.changed,
                      "removed": report.removed}
        with self._lock:
            self._state.update(result, finished=_now())

    def status(self, identity: Identity) -> dict[str, Any]:
        """Progress as `identity` may see it: an administrator of one partner gets the
        stage and percentage, not other scopes' file names or counts."""
        with self._lock:
            state = dict(self._state)
        total = state.get("total") or 0
        state["percent"] = round(100 * state.get("done", 0) / total) if total else 0
        if identity.administers_all:
            return state
        return {k: state[k] for k in ("state", "stage", "percent", "started", "finished")
                if k in state} | {"message": _generic(state)}


def _generic(state: dict[str, Any]) -> str:
    """The outcome without what only the operator may see (other scopes' files)."""
    if state["state"] == "done":
        return "the index is up to date"
    if state["state"] == "failed":
        return "the re-index failed and the previous index still answers; the operator's " \
               "admin page says why"
    return ""


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
