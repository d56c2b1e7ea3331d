"""The clinic's settings pages in a real browser, by keyboard alone on a 375 px phone: a
clinic admin adds a location and changes the booking rules (a bad value first), and
every page on the way is axe-clean, fits the screen and has targets big enough to hit."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

import pytest

from clinic.models import Location
from tests.browser.conftest import check_page
from tests.browser.keyboard import activate, field, focused, submit, tab_to, text, type_in
from tests.browser.test_every_page import SMALL_TARGETS_JS

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _check(page, name: str) -> None:
    check_page(page, f"settings-{name}")
    assert page.evaluate(SMALL_TARGETS_JS) == [], name
    assert page.locator("h1").count() == 1, name


def test_an_admin_adds_a_location_and_changes_the_rules_by_keyboard(page, live_server, world):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_viewport_size({"width": 375, "height": 812})
    _log_in(page, live_server, world.admin)
    page.goto(live_server.url + reverse("bookings:staff-schedule"))

    # The staff menu's Settings link, then the index.
    activate(page, text("Settings"))
    assert page.url.endswith(reverse("bookings:staff-settings"))
    _check(page, "index")

    # Locations: add one.
    activate(page, lambda el: el["text"] == "Locations" and "settings" in el["href"])
    _check(page, "locations")
    activate(page, text("Add a location"))
    _check(page, "location-add")
    type_in(page, "id_name", "Newtown studio")
    type_in(page, "id_address", "9 King Street, Newtown NSW 2042")
    type_in(page, "id_parking", "Two-hour street parking on Wilson Street.")
    activate(page, text("Add the location"))
    assert page.get_by_text("Added Newtown studio.").is_visible()
    _check(page, "locations-added")
    location = Location.objects.get(name="Newtown studio")
    assert location.clinic == world.clinic and location.is_active
    assert "Wilson Street" in location.parking

    # Booking rules: a bad value is refused, the summary takes focus and links to it.
    activate(page, lambda el: el["text"] == "Booking rules")
    _check(page, "rules")
    type_in(page, "id_booking_horizon_days", "0")
    type_in(page, "id_cancellation_notice_hours", "48")
    activate(page, text("Save the booking rules"))
    summary = focused(page)
    assert summary is not None and "There is a problem" in summary["text"]
    _check(page, "rules-error")
    error = page.locator("#id_booking_horizon_days_error")
    assert "Enter a number of days from 1 to 365" in error.inner_text()
    world.clinic.refresh_from_db()
    assert world.clinic.cancellation_notice_hours == 24  # nothing saved

    # The summary's link takes focus to the field; fix it and save.
    tab_to(page, lambda el: el["href"] == "#id_booking_horizon_days")
    page.keyboard.press("Enter")
    assert (focused(page) or {}).get("id") == "id_booking_horizon_days"
    page.keyboard.press("Control+A")
    page.keyboard.type("90")
    tab_to(page, text("Save the booking rules"))
    submit(page)
    assert page.get_by_text("Saved the booking rules.").is_visible()
    _check(page, "rules-saved")
    world.clinic.refresh_from_db()
    assert (world.clinic.booking_horizon_days, world.clinic.cancellation_notice_hours) == (90, 48)
    assert tab_to(page, field("id_booking_horizon_days"))
    assert problems == []
