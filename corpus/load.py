"""Reads a corpus folder, subfolders included: every document, the optional manifest, and the
files it had to skip.

Structure comes from content: the guidebook is recognised wherever it sits and whatever its
format, and every other document is read as a generic one. The manifest only adds
attribution, and its `parser` key can force ("guidebook", "generic") what detection decides.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corpus.guidebook import SLUG as GUIDEBOOK_SLUG
from corpus.guidebook import looks_like_guidebook, parse_guidebook
from corpus.loaders import LoaderError, generic_sections, read_document, slugify
from corpus.models import Document, Section
from corpus.scopes import SHARED, ScopeError, folder_of, scope_of
from corpus.settings import read_toml

log = logging.getLogger(__name__)
MANIFEST_NAME = "manifest.toml"
IGNORED_NAMES = {MANIFEST_NAME, "README.md", ".gitkeep"}
PARSERS = ("auto", "guidebook", "generic")
PARSER_VERSION = "3"  # bump when parsing changes, so the index re-embeds
Progress = Callable[[int, int, str], None]  # (documents done, total, the one just read)


@dataclass(frozen=True)
class Skipped:
    """A file left out of the index, and why, for the user to fix."""

    path: Path
    reason: str
    relative_path: str = ""  # within the corpus folder, as its document's
    scope: str = SHARED  # whose folder it is in; "" for none (misplaced under partners/)

@dataclass
class CorpusLoad:
    documents: list[Document] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)

    def sections_of(self, slug: str) -> list[Section]:
        return [s for s in self.sections if s.document == slug]

    def by_document(self) -> dict[str, list[Section]]:
        """Every document's sections in one pass (`sections_of` for all of them)."""
        grouped: dict[str, list[Section]] = {}
        for section in self.sections:
            grouped.setdefault(section.document, []).append(section)
        return grouped


def read_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """Manifest entries keyed by their `file` (a path relative to the corpus folder, or a
    bare file name); no manifest is no metadata."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return {}
    data = read_toml(path, "manifest")
    entries = {entry["file"]: entry for entry in data.get("document", []) if "file" in entry}
    for name, entry in entries.items():
        if entry.get("parser", "auto") not in PARSERS:
            raise ValueError(f"manifest {path}: {name}: parser must be one of "
                             f"{', '.join(PARSERS)}")
    return entries


def discover(corpus_dir: Path) -> list[Document]:
    """Every document file in the folder and its subfolders, with its manifest entry."""
    return find_documents(corpus_dir)[0]


def find_documents(corpus_dir: Path) -> tuple[list[Document], list[Skipped]]:
    """Every document with its scope and manifest entry, and the files that have no valid
    scope (misplaced under `partners/`). Shared documents come first and take their slugs
    before any partner's, and a partner's slugs are `<partner>/<slug>`: no partner's files
    can change another scope's ids."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus_dir} does not exist; set "
                                "TALENTHUB_CORPUS_DIR to a folder of documents")
    manifest = read_manifest(corpus_dir)
    found: list[tuple[str, Path, Path]] = []
    skipped: list[Skipped] = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(corpus_dir)
        if path.name in IGNORED_NAMES or any(part.startswith(".") for part in relative.parts):
            continue
        try:
            found.append((scope_of(relative.as_posix()), path, relative))
        except ScopeError as exc:
            skipped.append(Skipped(path, str(exc), relative.as_posix(), scope=""))
    documents: list[Document] = []
    used: set[str] = set()
    for scope, path, relative in sorted(found, key=lambda f: (f[0] != SHARED, f[2])):
        entry = manifest.get(relative.as_posix()) or (
            manifest.get(path.name, {}) if scope == SHARED else {})
        within = relative if scope == SHARED else relative.relative_to(folder_of(scope))
        prefix = "" if scope == SHARED else f"{scope}/"
        slug = _unique_slug(entry.get("slug") or slugify(path.stem), within, used, prefix)
        documents.append(Document(
            slug=slug, path=path, title=entry.get("title", ""),
            publisher=entry.get("publisher", ""), date=str(entry.get("date", "")),
            licence=entry.get("licence", ""), source_url=entry.get("source_url", ""),
            citation=entry.get("citation", ""), parser=entry.get("parser", "auto"),
            relative_path=relative.as_posix(), scope=scope,
        ))
    return documents, skipped


def _unique_slug(slug: str, relative: Path, used: set[str], prefix: str = "") -> str:
    """"brief.md" and "brief.pdf", or two of a partner's "brief.pdf": all stay citable."""
    candidates = [prefix + c for c in (
        slug, f"{slug}-{relative.suffix.lstrip('.').lower() or 'file'}",
        slugify("-".join(relative.with_suffix("").parts)))]
    chosen = next((c for c in candidates if c not in used), None)
    n = 2
    while chosen is None:
        chosen = f"{prefix}{slug}-{n}" if f"{prefix}{slug}-{n}" not in used else None
        n += 1
    used.add(chosen)
    return chosen


def file_hash(path: Path) -> str:
    """Content hash plus parser version: what decides whether a document is re-embedded."""
    digest = hashlib.sha256(PARSER_VERSION.encode())
    digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def parse(document: Document) -> tuple[Document, list[Section]]:
    """The document, titled from its metadata or first heading, and its sections."""
    read = read_document(document.path)
    title = document.title or read.title or read.first_heading() or \
        re.sub(r"[-_]+", " ", document.path.stem).strip()
    document = replace(document, title=title)
    if document.parser == "guidebook" or (
            document.parser == "auto" and looks_like_guidebook(read.blocks)):
        guidebook = replace(document, slug=GUIDEBOOK_SLUG)
        try:
            return guidebook, _scoped(guidebook, parse_guidebook(guidebook, read.blocks))
        except ValueError as exc:
            if document.parser == "guidebook":
                raise
            log.warning("%s looks like the guidebook but %s; reading it as a generic "
                        "document", document.path, exc)
    return document, _scoped(document, generic_sections(document, read.blocks))


def _scoped(document: Document, sections: list[Section]) -> list[Section]:
    """Each section carries its document's scope, down to every chunk's metadata."""
    return [replace(section, scope=document.scope) for section in sections]


def load_corpus(corpus_dir: Path, *, progress: Progress | None = None) -> CorpusLoad:
    """Parse every document; an unreadable, empty or unsupported file is skipped, named, as
    is a second copy of the guidebook (its units would have the same ids)."""
    documents, misplaced = find_documents(corpus_dir)
    result = CorpusLoad(skipped=list(misplaced))
    for skipped in misplaced:
        log.warning("skipping %s: %s", skipped.path, skipped.reason)
    for done, document in enumerate(documents, start=1):
        reason = None
        try:
            digest = file_hash(document.path)  # first: a file replaced meanwhile re-indexes
            document, sections = parse(document)
        except (LoaderError, ValueError, OSError, UnicodeDecodeError) as exc:
            reason, sections = str(exc), []
        if reason is None and not sections:
            reason = "no text found"
        if reason is None and document.slug in result.hashes:
            first = next(d for d in result.documents if d.slug == document.slug)
            # Named only where this document's scope may see it.
            where = f" ({first.relative_path})" if first.scope in (SHARED, document.scope) \
                else ""
            reason = f"another copy of the guidebook{where} is already read"
        if reason is None:
            result.documents.append(document)
            result.sections.extend(sections)
            result.hashes[document.slug] = digest
        else:
            result.skipped.append(Skipped(document.path, reason, document.relative_path,
                                          document.scope))
            log.warning("skipping %s: %s", document.path, reason)
        if progress:
            progress(done, len(documents), document.relative_path)
    return result
