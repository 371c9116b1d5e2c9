import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The worked answers for case study 13, by question, used to answer in training.
CS13_MODEL = {
    "start": "want_to_share", "emergency_check": "no", "purpose": "yes", "statutory_duty": "no_or_power_only",
    "identifiable": "yes", "confidential": "yes", "consent_safe_to_ask": "no_safe", "consent_practicable": "yes",
    "consent_from_whom": "adult_18_plus", "adult_capacity_doubt": "no", "consent_outcome": "refused",
    "harm_threshold": "no_risk",
}


def filter_library(page: Page, base_url: str, *, axe: bool) -> None:
    page.goto(f"{base_url}/case-studies/")
    expect(page.get_by_role("heading", name="25 examples")).to_be_visible()
    if axe:
        assert_accessible(page)
    page.get_by_label("Unborn baby").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="4 examples")).to_be_visible()
    expect(page).to_have_url(re.compile(r"subject=unborn"))
    page.get_by_label("Unborn baby").uncheck()
    page.get_by_label("Search titles and text").fill("station wagon")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 example", exact=True)).to_be_visible()


def open_case(page: Page, *, axe: bool) -> None:
    page.get_by_role("link", name="Consent to share information is refused and the client's wishes must be followed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consent to share information is refused and the client's wishes must be followed"
    )
    expect(page.get_by_text("B&NES LSCB, Multi Agency Information Sharing Guidance Part Two (March 2017)")).to_be_visible()
    if axe:
        assert_accessible(page)


def step_through_walk(page: Page, *, axe: bool) -> None:
    page.get_by_role("link", name="Walk through this case").click()
    page.get_by_role("button", name="Start at step 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What is happening?")
    expect(page.get_by_text("Step 1 of 12")).to_be_visible()
    if axe:
        assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Next step")).click()
    expect(page.get_by_text("Step 2 of 12")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Previous step")).click()
    expect(page.get_by_text("Step 1 of 12")).to_be_visible()
    page.goto(page.url.replace("/steps/1/", "/steps/12/"))
    expect(page.get_by_role("heading", name="Where this leads: Do not share")).to_be_visible()


def train_with_divergence(page: Page, *, axe: bool) -> None:
    page.get_by_role("link", name="Try it yourself (training)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What is happening?")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Select an answer")).to_be_visible()
    if axe:
        assert_accessible(page)
    page.get_by_text("Show the model answer").click()
    expect(page.get_by_text("Stephen, James's housing worker, wants to")).to_be_visible()
    if axe:
        assert_accessible(page)
    answers = {**CS13_MODEL, "harm_threshold": "yes_others_serious_harm"}
    for number in range(1, 40):
        if "/results/" in page.url:
            break
        node = page.locator("input[name=node]").input_value()
        offered = [radio.get_attribute("value") for radio in page.locator("input[name=answer]").all()]
        choice = answers.get(node) if answers.get(node) in offered else next(v for v in offered if v != "not_sure")
        page.locator(f'input[name=answer][value="{choice}"]').check()
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(re.compile(rf"/train/(steps/{number + 1}|results)/$"))
    expect(page.get_by_role("heading", name="Your result")).to_be_visible()
    expect(page.get_by_role("heading", name="Where you first differed")).to_be_visible()
    expect(page.locator("#training-comparison").get_by_text("First difference")).to_be_visible()
    if axe:
        assert_accessible(page)
    page.get_by_role("button", name="Start again").click()
    expect(page).to_have_url(re.compile(r"/train/steps/1/$"))


def test_library_case_walk_and_training_with_javascript(console_errors, signed_in_page, live_server):
    page = signed_in_page
    page.set_default_timeout(5000)
    filter_library(page, live_server.url, axe=True)
    open_case(page, axe=True)
    step_through_walk(page, axe=True)
    page.goto(f"{live_server.url}/case-studies/cs13/")
    train_with_divergence(page, axe=True)
    assert console_errors == []


def test_library_filters_swap_results_without_reloading_the_page(console_errors, signed_in_page, live_server):
    page = signed_in_page
    page.set_default_timeout(5000)
    page.goto(f"{live_server.url}/case-studies/")
    page.evaluate("window.isgMarker = 'still here'")
    page.get_by_label("Do not share").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="5 examples")).to_be_visible()
    expect(page).to_have_url(re.compile(r"outcome=outcome_do_not_share"))
    assert page.evaluate("window.isgMarker") == "still here"
    # Screen-reader users hear the new count: the swapped region cannot announce itself.
    expect(page.locator("#casestudy-status")).to_have_text("5 examples")
    assert console_errors == []


def test_library_case_walk_and_training_without_javascript(no_js_page, live_server):
    page = no_js_page
    page.set_default_timeout(5000)
    # axe-core cannot run where scripts are off (its promise never settles), so the pages are
    # checked on the JavaScript run; they are the same HTML.
    filter_library(page, live_server.url, axe=False)
    open_case(page, axe=False)
    step_through_walk(page, axe=False)
    page.goto(f"{live_server.url}/case-studies/cs13/")
    train_with_divergence(page, axe=False)
