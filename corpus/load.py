"""Reads a corpus folder: the manifest, every document, and the files it had to skip."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from corpus.guidebook import parse_guidebook
from corpus.loaders import SUPPORTED_SUFFIXES, LoaderError, load_document, slugify
from corpus.models import Document, Section
from corpus.settings import read_toml

log = logging.getLogger(__name__)
MANIFEST_NAME = "manifest.toml"
IGNORED_NAMES = {MANIFEST_NAME, "README.md", ".gitkeep"}
PARSER_VERSION = "2"  # bump when parsing changes, so the index re-embeds


@dataclass(frozen=True)
class Skipped:
    """A file left out of the index, and why, for the user to fix."""

    path: Path
    reason: str


@dataclass
class CorpusLoad:
    documents: list[Document] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)

    def sections_of(self, slug: str) -> list[Section]:
        return [s for s in self.sections if s.document == slug]


def find_manifest(corpus_dir: Path) -> Path | None:
    """The manifest sits in the corpus folder or, for the repo layout, one level up."""
    for candidate in (corpus_dir / MANIFEST_NAME, corpus_dir.parent / MANIFEST_NAME):
        if candidate.is_file():
            return candidate
    return None


def read_manifest(corpus_dir: Path) -> dict[str, dict[str, str]]:
    """Manifest entries keyed by file name."""
    path = find_manifest(corpus_dir)
    if path is None:
        return {}
    data = read_toml(path, "manifest")
    return {entry["file"]: entry for entry in data.get("document", [])}


def discover(corpus_dir: Path) -> list[Document]:
    """Every document file in the folder, described by the manifest where it has an entry."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus_dir} does not exist; set "
                                "TALENTHUB_CORPUS_DIR to a folder of documents")
    manifest = read_manifest(corpus_dir)
    documents: list[Document] = []
    used: set[str] = set()
    for path in sorted(p for p in corpus_dir.iterdir() if p.is_file()):
        if path.name in IGNORED_NAMES or path.name.startswith("."):
            continue
        entry = manifest.get(path.name, {})
        stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
        slug = entry.get("slug") or slugify(stem)
        if slug in used:  # "brief.md" and "brief.pdf": both stay citable
            slug = f"{slug}-{path.suffix.lstrip('.').lower() or 'file'}"
        used.add(slug)
        documents.append(Document(
            slug=slug, path=path,
            title=entry.get("title") or path.stem.replace("-", " ").replace("_", " ").title(),
            publisher=entry.get("publisher", ""), date=str(entry.get("date", "")),
            licence=entry.get("licence", ""), source_url=entry.get("source_url", ""),
            citation=entry.get("citation", ""), parser=entry.get("parser", "auto"),
        ))
    return documents


def file_hash(path: Path) -> str:
    """Content hash plus parser version: what decides whether a document is re-embedded."""
    digest = hashlib.sha256(PARSER_VERSION.encode())
    digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def parse(document: Document) -> list[Section]:
    if document.parser == "guidebook":
        return parse_guidebook(document)
    return load_document(document)


def load_corpus(corpus_dir: Path) -> CorpusLoad:
    """Parse every document; an unreadable, empty or unsupported file is skipped, named."""
    result = CorpusLoad()
    for document in discover(corpus_dir):
        if document.path.suffix.lower() not in SUPPORTED_SUFFIXES and document.parser == "auto":
            reason = f"unsupported file type {document.path.suffix or '(none)'}"
            result.skipped.append(Skipped(document.path, reason))
            log.warning("skipping %s: %s", document.path, reason)
            continue
        try:
            sections = parse(document)
            digest = file_hash(document.path)
        except (LoaderError, ValueError, OSError, UnicodeDecodeError) as exc:
            result.skipped.append(Skipped(document.path, str(exc)))
            log.warning("skipping %s: %s", document.path, exc)
            continue
        if not sections:
            result.skipped.append(Skipped(document.path, "no text found"))
            log.warning("skipping %s: no text found", document.path)
            continue
        result.documents.append(document)
        result.sections.extend(sections)
        result.hashes[document.slug] = digest
    return result
