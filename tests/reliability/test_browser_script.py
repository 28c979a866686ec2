"""Markup never runs in the chat page: a `<script>` or an `onerror` handler in a question
or in a document is shown as text (or dropped), never executed, in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from support import copy_corpus, serve

from corpus.settings import Settings
from index.build import build_index
from index.embeddings import load_embedder

PAYLOAD = ("<script>window.__pwned = 'question'</script>"
           "<img src=x onerror=\"window.__pwned = 'question-img'\">")
DOCUMENT = ("Notice for employers\n\nEmployers should welcome newcomers warmly. "
            "<script>window.__pwned = 'document'</script> Employers can also offer mentoring "
            "<img src=x onerror=\"window.__pwned = 'document-img'\"> to international staff "
            "during their first months.\n")
QUESTION = f"{PAYLOAD} What does the notice say employers can offer international staff?"

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`talenthub serve` over a small real index whose one extra document holds markup."""
    root = tmp_path_factory.mktemp("markup")
    corpus = copy_corpus(root / "corpus")
    for document in corpus.iterdir():
        if document.name not in ("dg-reform-talent-hub.txt", "manifest.toml"):
            document.unlink()
    (corpus / "notice.txt").write_text(DOCUMENT, encoding="utf-8")
    settings = Settings(data_dir=root / "data", corpus_dir=corpus)
    build_index(settings, lambda: load_embedder(settings.embedding_model))
    with serve(settings.data_dir, root / "serve.log") as url:
        yield url


def test_markup_in_a_question_or_a_document_does_not_run(browser: Browser, server: str) -> None:
    from playwright.sync_api import expect

    expected = httpx.post(f"{server}/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert any(c["document"] == "notice" for c in expected["citations"]), expected
    dialogs: list[str] = []
    page = browser.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server)
    page.locator("#th-question textarea").fill(QUESTION)
    page.keyboard.press("Enter")
    sources = page.locator("#th-chat details.th-source")
    expect(sources.first).to_be_attached(timeout=60_000)
    for i in range(sources.count()):  # open every source: what they hold renders now
        sources.nth(i).locator("summary").click()
    quote = page.locator("#th-chat [data-testid=bot] li", has_text="mentoring")
    expect(quote.first).to_be_visible()
    expect(quote.first).to_contain_text("onerror")  # shown as text, not run
    page.wait_for_timeout(500)  # time for an injected handler to have fired
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#th-chat script, #th-chat img[src='x']").count() == 0
    assert not dialogs
