"""The front page and the login page in a real browser, by keyboard."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_and_login_are_accessible_and_keyboard_operable(page, live_server, world):
    page.goto(live_server.url + "/")
    check_page(page, "home")
    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    page.goto(live_server.url + "/accounts/login/")
    check_page(page, "login")
    page.get_by_label("Email address").fill(world.patient.user.email)
    page.get_by_label("Password").fill("wrong password here")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text("There is a problem")
    check_page(page, "login-error")
