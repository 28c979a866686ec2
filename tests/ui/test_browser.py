"""The real chat in headless Chromium: `talenthub serve` on a free port, a real index.

What a practitioner sees and does: a question typed and sent with Enter, an answer scrolled
to its start and read out once as text, a source that opens, "Open in document" landing on
the highlighted passage, a follow-up clicked, and the keyboard reaching all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest
from support import LIVE_KEY

QUESTION = "What should employers do before international talent arrives?"

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def ask(page: Page, question: str) -> None:
    """Type into the box and send with Enter."""
    from playwright.sync_api import expect

    asked = page.locator("#th-chat [data-testid=user]").count()
    page.locator("#th-question textarea").focus()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    expect(page.locator("#th-chat [data-testid=user]")).to_have_count(asked + 1, timeout=30_000)
    expect(page.locator("#th-chat [data-testid=bot]").last.locator(".th-sources")) \
        .to_be_attached(timeout=30_000)


def test_an_answer_lands_at_its_start_with_sources_that_open(
        open_page: Callable[..., Page], live_server: str) -> None:
    from playwright.sync_api import expect

    expected = httpx.post(f"{live_server}/api/ask", json={"question": QUESTION},
                          headers={"X-API-Key": LIVE_KEY}, timeout=30).json()
    assert expected["citations"], "the API found no sources for the test question"
    page = open_page(live_server, 390, 844)
    expect(page.get_by_text("they are not legal advice")).to_have_count(1)
    expect(page.locator("#th-question textarea")).to_be_focused()
    ask(page, "How can a trade union reach international students?")
    ask(page, QUESTION)  # a second answer, below the first: it must scroll into view

    chat, answer = page.locator("#th-chat"), page.locator("#th-chat [data-testid=bot]").last
    expect(answer).to_contain_text("[1]")
    window, start = chat.bounding_box(), answer.bounding_box()
    assert window and start
    assert window["y"] <= start["y"] <= window["y"] + window["height"] / 3, \
        "the new answer's first lines are not in view"
    expect(page.locator("#th-stakeholder")).to_contain_text("Detected: Employers")
    # read out once, as text: no Markdown label, no live log of every streamed piece
    assert answer.get_attribute("aria-label") is None
    expect(page.locator("#th-chat [role=log]")).to_have_attribute("aria-live", "off")
    expect(page.locator("#th-announce")).to_contain_text(
        " ".join(expected["citations"][0]["quote"].split()[:6]))
    expect(page.locator("#th-announce")).not_to_contain_text("**")

    sources = answer.locator("details.th-source")
    assert sources.count() == len(expected["citations"])
    first = sources.first
    expect(first.locator("summary")).to_contain_text(
        " ".join(expected["citations"][0]["quote"].split()[:3]))
    where = first.locator(".th-where")
    expect(where).to_be_hidden()
    first.locator("summary").click()
    expect(where).to_be_visible()
    expect(first.locator(".th-cite-as")).to_contain_text(expected["citations"][0]["id"])


def test_open_in_document_lands_on_the_highlighted_passage(
        open_page: Callable[..., Page], live_server: str) -> None:
    from playwright.sync_api import expect

    cited = httpx.post(f"{live_server}/api/ask", json={"question": QUESTION},
                       headers={"X-API-Key": LIVE_KEY}, timeout=30).json()["citations"][0]
    page = open_page(live_server)
    ask(page, QUESTION)
    source = page.locator("#th-chat details.th-source").first
    source.locator("summary").click()
    with page.context.expect_page() as opened:
        source.get_by_role("link", name="Open in document").click()
    document = opened.value
    document.wait_for_load_state()
    assert document.url.endswith("#passage")
    mark = document.locator("#passage mark")
    expect(mark).to_be_in_viewport()
    assert " ".join(mark.inner_text().split()) == " ".join(cited["quote"].split())
    # the passage in its section: the other action points of the same phase around it
    assert document.locator("section").count() > 1
    expect(document.locator(".cite")).to_contain_text(f"[{cited['id']}]")


def test_a_follow_up_asks_its_question_and_the_keyboard_reaches_it(
        open_page: Callable[..., Page], live_server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(live_server)
    ask(page, "What should municipalities do before talent arrives?")
    followups = page.locator("#th-chat [data-testid=bot]").last.locator("button.th-followup")
    assert 2 <= followups.count() <= 3
    question = followups.last.inner_text()  # the last one is the first reached backwards

    page.locator("#th-question textarea").focus()
    reached = []
    for _ in range(20):  # backwards from the box: the sources, then the follow-ups
        page.keyboard.press("Shift+Tab")
        reached.append(page.evaluate("document.activeElement.tagName + '.' + "
                                     "document.activeElement.className"))
        if reached[-1] == "BUTTON.th-followup":
            break
    assert "SUMMARY." in reached and reached[-1] == "BUTTON.th-followup", reached
    page.keyboard.press("Enter")
    expect(page.locator("#th-chat [data-testid=user]").last).to_have_text(question)
    expect(page.locator("#th-chat [data-testid=bot]").last.locator(".th-sources")) \
        .to_be_attached(timeout=30_000)
    expected = httpx.post(f"{live_server}/api/ask", json={"question": question},
                          headers={"X-API-Key": LIVE_KEY}, timeout=30).json()
    expect(page.locator("#th-chat [data-testid=bot]").last.locator(".th-cite-as").first) \
        .to_contain_text(f"[{expected['citations'][0]['id']}]")


def test_the_self_assessment_follow_up_opens_the_tab_at_the_stakeholder(
        open_page: Callable[..., Page], live_server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(live_server)
    ask(page, "How can our company help the spouses of our international hires?")
    page.locator("#th-chat button.th-assess").last.click()
    expect(page.get_by_role("tab", name="Self-assessment")).to_have_attribute(
        "aria-selected", "true")
    expect(page.locator("#th-sa-stakeholder input")).to_have_value("Employers")
    expect(page.locator("#th-sa-sheet fieldset")).to_have_count(16)
