"""Fixtures for the whole suite. `real_settings` builds the real index once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support import (
    LIVE_KEY,
    FakeEmbedder,
    build_real_index,
    launch_browser,
    postgres_server,
    serve,
)

from corpus.load import CorpusLoad, load_corpus
from corpus.settings import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at an index of the repo corpus built with the real model."""
    return build_real_index(tmp_path_factory.mktemp("real-index"))


@pytest.fixture(scope="session")
def renderings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Corpus folders holding the guidebook as Markdown, HTML, PDF and DOCX, and one of the
    web pages as PDFs, generated once per session (Chromium prints the PDFs)."""
    from evals.renderings import FORMATS, guidebook_folder, web_page_pdfs

    root = tmp_path_factory.mktemp("renderings")
    folders = {fmt: guidebook_folder(root / fmt, fmt) for fmt in FORMATS}
    folders["web-pdf"] = web_page_pdfs(root / "web-pdf")
    return folders


@pytest.fixture(scope="session")
def rendered_corpus(renderings: dict[str, Path]) -> dict[str, CorpusLoad]:
    """Each rendering read once per session: a PDF's layout takes seconds to read."""
    return {fmt: load_corpus(folder) for fmt, folder in renderings.items()}


@pytest.fixture(scope="session")
def real_assistant(real_settings: Settings):  # type: ignore[no-untyped-def]
    from assistant import Assistant

    return Assistant.from_settings(real_settings)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium. Missing or unable to start, it fails the run in CI (`CI=true`)
    and is skipped elsewhere, with what is missing and how to install it. Module-scoped so
    that it is checked before a module's own server is built."""
    with launch_browser() as launched:
        yield launched


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the storage tests, started once per session. Missing,
    it fails the run in CI (`CI=true`) and is skipped elsewhere, saying why."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def live_server(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[str]:
    """One `talenthub serve` on the real index, shared by the browser and door tests. It
    needs `LIVE_KEY`, as a partner's server would, and has no rate limit."""
    with serve(real_settings.data_dir, tmp_path_factory.mktemp("serve") / "serve.log",
               env={"TALENTHUB_API_KEYS": f"tests:{LIVE_KEY}",
                    "TALENTHUB_RATE_LIMIT_PER_MINUTE": "0"}) as url:
        yield url
