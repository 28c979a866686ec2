"""The Self-assessment tab in headless Chromium, on a real `talenthub serve`.

A practitioner picks their organisation, answers a few statements, builds the plan and
sees the guidebook's actions for their gaps, cited, with a source that opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_answer_statements_and_get_a_cited_plan(browser: Browser, live_server: str) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1100, "height": 1200})
    page.goto(live_server)
    page.get_by_role("tab", name="Self-assessment").click()
    page.locator("#th-sa-stakeholder input").click()
    page.get_by_role("option", name="Employers").click()

    language = page.locator("#th-sa-3")
    expect(language).to_contain_text("Pre-arrival language learning", timeout=30_000)
    language.get_by_label("No", exact=True).check()
    page.locator("#th-sa-10").get_by_label("Not sure", exact=True).check()
    page.locator("#th-sa-1").get_by_label("Yes", exact=True).check()
    page.locator("#th-sa-build").click()

    plan = page.locator("#th-sa-plan")
    expect(plan.locator("h3.th-plan-group").first).to_have_text(
        "Pre-departure", timeout=30_000)
    expect(plan).to_contain_text("3 of 16 statements answered")
    actions = plan.locator("li.th-plan-action")
    ids = plan.locator(".th-plan-where code").all_text_contents()
    assert actions.count() == len(ids) >= 2
    assert {"employers/pre-departure/4", "employers/pre-departure/5"} <= set(ids)
    expect(plan).to_contain_text("Closes: Pre-arrival language learning")

    source = actions.first.locator("details.th-plan-source")
    where = source.locator(".th-plan-where")
    expect(where).to_be_hidden()
    source.locator("summary").click()
    expect(where).to_be_visible()
    expect(where).to_contain_text("Guidebook › II.1 Employers › Action points")
    expect(page.locator("#th-sa-downloads")).to_be_visible()
