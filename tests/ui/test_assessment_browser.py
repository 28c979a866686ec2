"""The Self-assessment tab in headless Chromium, on a real `talenthub serve`.

A practitioner's answers survive what used to wipe them (focus and blur on the organisation
box, switching organisation and back, a reload), discarding them asks first, each
statement's radios are one group for the keyboard, and the plan comes with its status
read out, its unanswered statements named and its downloads labelled at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def choose(page: Page, organisation: str) -> None:
    from playwright.sync_api import expect

    page.locator("#th-sa-stakeholder input").click()
    page.get_by_role("option", name=organisation).click()
    expect(page.locator("#th-sa-sheet form")).to_have_attribute(
        "aria-label", f"Self-assessment: {organisation}", timeout=30_000)


def assessment(page: Page, organisation: str = "Employers") -> None:
    page.get_by_role("tab", name="Self-assessment").click()
    choose(page, organisation)


def answer(page: Page, number: int, choice: str) -> None:
    page.locator(f"#th-sa-{number}").get_by_label(choice, exact=True).check()


def test_answers_survive_focus_blur_switching_and_a_reload(
        open_page: Callable[..., Page], live_server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(live_server, 390, 844)
    assessment(page)
    answer(page, 3, "No")
    answer(page, 10, "Not sure")
    answer(page, 1, "Yes")
    progress = page.locator(".th-sa-progress")
    expect(progress).to_have_text("3 of 16 statements answered")

    page.locator("#th-sa-stakeholder input").click()  # focus, then away without a change
    page.locator(".block.th-sa-intro").click()
    page.keyboard.press("Tab")
    page.wait_for_timeout(500)
    expect(progress).to_have_text("3 of 16 statements answered")

    choose(page, "Municipalities")
    expect(progress).to_have_text("0 of 12 statements answered")
    answer(page, 1, "No")
    choose(page, "Employers")
    expect(progress).to_have_text("3 of 16 statements answered")
    expect(page.locator("#th-sa-3").get_by_label("No", exact=True)).to_be_checked()

    page.reload()
    assessment(page)
    expect(progress).to_have_text("3 of 16 statements answered")
    expect(page.locator("#th-sa-10").get_by_label("Not sure", exact=True)).to_be_checked()
    choose(page, "Municipalities")
    expect(progress).to_have_text("1 of 12 statements answered")


def test_discarding_answers_asks_first(open_page: Callable[..., Page],
                                       live_server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(live_server)
    assessment(page)
    answer(page, 2, "Yes")
    answer(page, 5, "No")
    page.get_by_role("button", name="Clear answers").click()
    confirm = page.locator(".th-sa-confirm")
    expect(confirm).to_contain_text("Discard your 2 answers for Employers?")
    confirm.get_by_role("button", name="Keep them").click()
    expect(page.locator(".th-sa-progress")).to_have_text("2 of 16 statements answered")
    page.get_by_role("button", name="Clear answers").click()
    confirm.get_by_role("button", name="Discard them").click()
    expect(page.locator(".th-sa-progress")).to_have_text("0 of 16 statements answered")


def test_a_statement_s_radios_are_one_group_for_the_keyboard(
        open_page: Callable[..., Page], live_server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(live_server)
    assessment(page)
    statement = page.get_by_role("group", name="4. Collecting feedback")
    expect(statement.get_by_role("radio")).to_have_count(3)
    statement.get_by_label("Yes", exact=True).check()
    page.keyboard.press("ArrowRight")
    expect(statement.get_by_label("No", exact=True)).to_be_checked()
    expect(page.locator(".th-sa-progress")).to_have_text("1 of 16 statements answered")
    page.keyboard.press("Tab")  # one stop per statement: on to the next group
    expect(page.locator("#th-sa-5 input").first).to_be_focused()


def test_errors_sit_by_the_button_and_the_plan_is_announced_with_its_downloads(
        open_page: Callable[..., Page], live_server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(live_server, 390, 844)
    assessment(page)
    build = page.locator("#th-sa-build")
    build.click()
    error = page.locator("#th-sa-status [role=alert]")
    expect(error).to_have_text("Answer at least one statement first.")
    expect(error).to_be_in_viewport()

    answer(page, 3, "No")
    answer(page, 10, "Not sure")
    answer(page, 1, "Yes")
    build.click()
    plan = page.locator("#th-sa-plan")
    expect(plan.locator("h3.th-plan-group").first).to_have_text("Pre-departure",
                                                                timeout=30_000)
    expect(page.locator("#th-sa-status [role=status]")).to_contain_text(
        "Your action plan is ready below")
    expect(page.locator("#th-announce")).to_contain_text("Your action plan is ready below")
    expect(plan.locator("h1")).to_be_focused()
    expect(plan).to_contain_text("3 of 16 statements answered")
    expect(plan).to_contain_text("Not answered: 2. Onboarding prior to arrival;")
    ids = plan.locator(".th-plan-where code").all_text_contents()
    assert {"employers/pre-departure/4", "employers/pre-departure/5"} <= set(ids)
    expect(plan).to_contain_text("Closes: Pre-arrival language learning")

    downloads = page.locator("#th-sa-downloads")
    for label in ("Save answers (.json)", "Plan as Markdown", "Plan as CSV",
                  "Printable plan (HTML)"):
        expect(downloads.get_by_role("button", name=label)).to_be_visible()
    above = downloads.bounding_box()
    top = plan.bounding_box()
    assert above and top and above["y"] < top["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
