"""WCAG 2.1 AA in headless Chromium: axe-core (bundled by axe-playwright-python) finds no
critical or serious violation on any page a practitioner meets, and the embed widget at
400×700 is the chat, filling the frame."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from support import axe_violations as violations

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
QUESTION = "How can our company help the spouses of our international hires?"


def test_no_serious_violations_on_any_page(open_page: Callable[..., Page],
                                          live_server: str) -> None:
    from playwright.sync_api import expect

    found: dict[str, list[str]] = {}
    page = open_page(live_server)
    expect(page.locator("#th-chat .examples")).to_be_visible()
    found["empty chat"] = violations(page)

    page.locator("#th-question textarea").fill(QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator("#th-chat details.th-source").first).to_be_attached(timeout=30_000)
    page.locator("#th-chat details.th-source summary").first.click()
    found["chat with an answer"] = violations(page)

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open in document").first.click()
    opened.value.wait_for_load_state()
    found["passage"] = violations(opened.value)

    page.get_by_role("tab", name="Self-assessment").click()
    page.locator("#th-sa-stakeholder input").click()
    page.get_by_role("option", name="Employers").click()
    expect(page.locator("#th-sa-3")).to_be_visible(timeout=30_000)
    page.locator("#th-sa-3").get_by_label("No", exact=True).check()
    page.locator("#th-sa-10").get_by_label("Not sure", exact=True).check()
    found["self-assessment statements"] = violations(page)

    page.locator("#th-sa-build").click()
    expect(page.locator("#th-sa-plan h3.th-plan-group").first).to_be_visible(timeout=30_000)
    found["plan"] = violations(page)

    widget = open_page(f"{live_server}/?embed=1", 400, 700)
    expect(widget.locator("#th-chat .examples")).to_be_visible()
    found["embed widget"] = violations(widget)
    assert {name: v for name, v in found.items() if v} == {}


def test_the_embed_widget_is_the_chat_filling_the_frame(open_page: Callable[..., Page],
                                                       live_server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(f"{live_server}/?embed=1", 400, 700)
    for css in ("th-embed", "th-unframeable"):
        expect(page.locator("html")).to_have_class(re.compile(rf"\b{css}\b"))
    expect(page.get_by_role("tab", name="Self-assessment")).to_be_hidden()
    header = page.locator(".block.th-chrome").bounding_box()
    assert header and header["height"] <= 1  # its title stays, for screen readers only
    expect(page.get_by_text("they are not legal advice")).to_have_count(1)
    expect(page.locator("#th-chat .examples")).to_be_visible()
    expect(page.locator("#th-chat")).to_contain_text("start from an example below")
    # nobody may frame this server yet: the page says what to set
    expect(page.locator(".th-frame-help")).to_contain_text("TALENTHUB_ALLOWED_ORIGINS")
    assert page.evaluate("document.documentElement.scrollHeight") <= 700

    page.locator("#th-question textarea").fill(QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator("#th-chat details.th-source").first).to_be_attached(timeout=30_000)
    expect(page.locator("#th-chat li.th-assess")).to_be_hidden()  # no such tab here
    chat = page.locator("#th-chat").bounding_box()
    help_note = page.locator(".th-frame-help").bounding_box()
    assert chat and help_note
    # framed, the note is gone and the chat takes its place too
    assert chat["height"] + help_note["height"] >= 0.55 * 700
    expect(page.locator("#th-question textarea")).to_be_in_viewport()
