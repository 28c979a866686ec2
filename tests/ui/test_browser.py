"""The real page in headless Chromium: `talenthub serve` on a free port, a real index.

The one end-to-end check of what a practitioner sees: a question typed into the chat gets
an answer with citation markers, and a source opens to show its quote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from support import LIVE_KEY

QUESTION = "What should employers do before international talent arrives?"

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_question_answer_and_an_opened_source(browser: Browser, live_server: str) -> None:
    from playwright.sync_api import expect

    expected = httpx.post(f"{live_server}/api/ask", json={"question": QUESTION},
                          headers={"X-API-Key": LIVE_KEY}, timeout=30).json()
    assert expected["citations"], "the API found no sources for the test question"

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(live_server)
    expect(page.get_by_text("they are not legal advice").first).to_be_visible()
    page.locator("#th-question textarea").fill(QUESTION)
    page.keyboard.press("Enter")

    sources = page.locator("#th-chat details.th-source")
    expect(sources.first).to_be_attached(timeout=30_000)
    answer = page.locator("#th-chat [data-testid='bot']").last
    expect(answer).to_contain_text("[1]")
    assert sources.count() == len(expected["citations"])
    expect(page.locator("#th-stakeholder")).to_contain_text("Detected: Employers")

    first = sources.first
    quote = first.locator("blockquote.th-quote")
    expect(quote).to_be_hidden()
    first.locator("summary").click()
    expect(quote).to_be_visible()
    shown = " ".join(quote.inner_text().split())
    assert shown == " ".join(expected["citations"][0]["quote"].split())
    expect(first.locator(".th-where")).to_contain_text(
        expected["citations"][0]["id"])
