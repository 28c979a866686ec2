"""The admin page's API in process: uploads checked by content and name, documents listed
per scope with their status, a re-index in the background while the chat keeps answering
from the previous build, deletion, and every action in the audit log."""

from __future__ import annotations

import io
import threading
from types import SimpleNamespace
from typing import Any

import docx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from support import FakeEmbedder, add_partners, copy_corpus

from assistant import Assistant
from corpus.readers import supported_suffixes
from corpus.settings import Settings
from index.build import build_index
from index.reader import IndexReader
from ui.admin import CONTENT, AdminError, check_upload, clean_name, sniff
from ui.server import create_app

OPS = {"X-API-Key": "key-ops"}
ALPHA = {"X-API-Key": "key-alpha"}
BETA = {"X-API-Key": "key-beta"}
FACT = "The Nordhavn language cafe meets every Wednesday evening for spouses of new staff."


def word_file(*paragraphs: str) -> bytes:
    document = docx.Document()
    document.add_heading("Alpha City family services", level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class GatedEmbedder(FakeEmbedder):
    """Holds the re-index thread's batches until `gate` is set; questions, from any other
    thread, always go through, as the chat's do during a re-index."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.held = threading.Event()

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        if threading.current_thread().name == "talenthub-reindex":
            self.held.set()
            assert self.gate.wait(30)
        return super().encode(texts)


@pytest.fixture
def server(tmp_path: Any) -> Any:
    settings = Settings(
        corpus_dir=add_partners(copy_corpus(tmp_path / "corpus")), data_dir=tmp_path / "data",
        api_keys="alpha:key-alpha,beta:key-beta,ops:key-ops", admins="ops", analytics=True,
        rate_limit_per_minute=0, upload_max_mb=0.2)
    build_index(settings, FakeEmbedder)
    embedder = GatedEmbedder()
    embedder.gate.set()
    assistant = Assistant(settings, IndexReader(settings), embedder)
    app = create_app(settings, assistant)
    return SimpleNamespace(settings=settings, embedder=embedder, app=app,
                           client=TestClient(app), job=app.state.admin_job)


def listing(client: TestClient, scope: str) -> dict[str, dict[str, Any]]:
    scopes = client.get("/api/admin/documents", headers=OPS).json()["scopes"]
    return {entry["path"]: entry for entry in scopes.get(scope, [])}


def test_uploads_take_every_format_the_corpus_reads() -> None:
    """A reader registered for a new format must get its content check here too."""
    assert set(CONTENT) == supported_suffixes()


def test_names_are_cleaned_and_types_checked_from_the_bytes() -> None:
    assert clean_name("../../etc/Évil Name (2).MD") == "evil-name-2.md"
    assert clean_name("C:\\Users\\me\\Report.PDF") == "report.pdf"
    for bad in ("notes.exe", "archive.tar.gz", ".md", "noextension"):
        with pytest.raises(AdminError, match="not a document"):
            clean_name(bad)
    with pytest.raises(AdminError, match="reserves"):
        clean_name("README.md")
    assert sniff(b"%PDF-1.7 ...") == "pdf" and sniff(word_file("x")) == "docx"
    assert sniff(b"<!DOCTYPE html><title>x</title>") == "html"
    assert sniff("Text, UTF-8: å".encode()) == "text" and sniff(b"\x00\x01") == "binary"
    assert sniff("Caf\xe9".encode("latin-1")) == "binary"
    with pytest.raises(AdminError, match="named as pdf but its content is text"):
        check_upload("brief.pdf", b"just text", 1000)
    with pytest.raises(AdminError, match="named as docx but its content is not a document"):
        check_upload("brief.docx", b"PK\x03\x04broken", 1000)
    with pytest.raises(AdminError, match="limit"):
        check_upload("brief.md", b"x" * 1001, 1000)
    assert check_upload("Brief.html", b"plain words", 1000) == "brief.html"


def test_upload_reindex_and_answer_while_the_chat_keeps_answering(server: Any) -> None:
    client, embedder = server.client, server.embedder
    stored = client.post("/api/admin/documents", headers=OPS, data={"scope": "alpha"},
                         files={"file": ("Family Services.DOCX", word_file(FACT))})
    assert stored.status_code == 201, stored.text
    path = stored.json()["path"]
    assert path == "partners/alpha/family-services.docx"
    assert listing(client, "alpha")[path]["status"] == "not indexed yet"
    before = client.post("/api/ask", json={"question": FACT}, headers=ALPHA).json()

    embedder.gate.clear()
    started = client.post("/api/admin/reindex", headers=OPS)
    assert started.status_code == 202 and started.json()["state"] == "running"
    assert embedder.held.wait(30)  # the new build is being embedded now
    during = client.post("/api/ask", json={"question": FACT}, headers=ALPHA).json()
    assert during["meta"]["build"] == before["meta"]["build"]  # the old build answers
    assert client.post("/api/admin/reindex", headers=OPS).status_code == 409
    embedder.gate.set()
    server.job.wait(30)
    done = client.get("/api/admin/reindex", headers=OPS).json()
    assert done["state"] == "done" and done["added"] == ["alpha/family-services"]

    entry = listing(client, "alpha")[path]
    assert (entry["status"], entry["units"]) == ("indexed", 1) and entry["indexed"]
    after = client.post("/api/ask", json={"question": FACT}, headers=ALPHA).json()
    assert after["meta"]["build"] != before["meta"]["build"]
    assert "alpha/family-services" in {c["document"] for c in after["citations"]}
    beta = client.post("/api/ask", json={"question": FACT}, headers=BETA).json()
    assert "alpha/family-services" not in {c["document"] for c in beta["citations"]}
    log = client.get("/api/admin/audit", headers=OPS).json()
    assert [(e["actor"], e["action"], e["target"]) for e in log[:2]] == [
        ("ops", "reindex", "index"), ("ops", "upload", path)]


def test_uploads_are_refused_with_the_reason(server: Any) -> None:
    client = server.client

    def upload(name: str, data: bytes, scope: str = "alpha", headers: Any = OPS,
               **form: str) -> Any:
        return client.post("/api/admin/documents", headers=headers,
                           data={"scope": scope, **form}, files={"file": (name, data)})

    assert upload("a.pdf", b"not a pdf").status_code == 415
    assert upload("big.md", b"x" * 300_000).status_code == 413
    assert upload("README.md", b"# hi\n").status_code == 422
    assert upload("a.md", b"# A\n\nText.\n", scope="Not A Partner").status_code == 422
    assert upload("a.md", b"# A\n\nText.\n", headers=ALPHA).status_code == 403
    assert upload("welcome-desk.md", b"# A\n\nText.\n").status_code == 409
    assert upload("welcome-desk.md", b"# A\n\nText.\n", replace="true").status_code == 201
    assert upload("new.md", b"# New\n\nA new partner's note.\n", scope="gamma").status_code \
        == 201
    assert "partners/gamma/new.md" in listing(client, "gamma")
    assert not list(server.settings.corpus_dir.rglob(".upload-*"))  # no temporary file left


def test_delete_stays_in_its_scope_and_shows_until_the_next_reindex(server: Any) -> None:
    client = server.client
    path = "partners/beta/member-handbook.md"
    for sneaky in ("partners/beta/../beta/member-handbook.md", "../corpus/" + path):
        response = client.delete("/api/admin/documents", headers=OPS,
                                 params={"scope": "alpha", "path": sneaky})
        assert response.status_code == 404
    assert client.delete("/api/admin/documents", headers=OPS,
                         params={"scope": "beta", "path": path}).status_code == 204
    assert listing(client, "beta")[path]["status"] == "removed"
    client.post("/api/admin/reindex", headers=OPS)
    server.job.wait(30)
    assert path not in listing(client, "beta")
