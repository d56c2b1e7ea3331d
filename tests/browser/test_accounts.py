"""Logging in safely, in a real browser at phone width, by keyboard: the lockout page,
setting up two-step verification from the typed key, backup codes, and verifying."""

from __future__ import annotations

from base64 import b32decode

from django.core.cache import cache

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def _log_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _code_for(secret_text: str) -> str:
    key = b32decode(secret_text.replace(" ", "") + "=" * (-len(secret_text.replace(" ", "")) % 8))
    totp = TOTP(key)
    return f"{totp.token():06d}"


def test_the_lockout_page_is_accessible(page, live_server, world):
    for _ in range(5):
        _log_in(page, live_server.url, world.patient.user.email, "not the password at all")
    assert page.get_by_role("heading", level=1).inner_text() == "Too many attempts to log in"
    check_page(page, "login-lockout")


def test_staff_set_up_two_step_verification_and_verify_later(page, live_server, world, settings):
    settings.STANCE_REQUIRE_STAFF_MFA = True
    _log_in(page, live_server.url, world.reception.email, f.PASSWORD)

    # Sent to set up before any staff page.
    assert "/accounts/two-step/set-up/" in page.url
    check_page(page, "mfa-setup")
    assert page.locator("svg.qr-code[role=img]").is_visible()
    page.get_by_text("I cannot scan the code").click()
    secret = page.locator("#secret-key").inner_text().replace("Setup key:", "").strip()

    page.get_by_label("Six-digit code").fill("000000" if _code_for(secret) != "000000" else "1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text("There is a problem")
    check_page(page, "mfa-setup-error")

    page.wait_for_timeout(1100)  # one wrong code pauses further tries for a second
    page.get_by_label("Six-digit code").fill(_code_for(secret))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "Save your backup codes"
    check_page(page, "mfa-backup-codes")
    codes = [c.replace(" ", "") for c in page.locator("ol.backup-codes code").all_inner_texts()]
    assert len(codes) == 10
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my codes, continue").click()

    # A new login asks for a code; a backup code works.
    page.context.clear_cookies()
    _log_in(page, live_server.url, world.reception.email, f.PASSWORD)
    assert "/accounts/two-step/verify/" in page.url
    check_page(page, "mfa-verify")
    page.get_by_label("Code", exact=True).fill(codes[0])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/two-step/" not in page.url

    page.goto(live_server.url + "/accounts/two-step/")
    expect(page.locator("body")).to_contain_text("9 unused backup codes")
    check_page(page, "mfa-overview")
