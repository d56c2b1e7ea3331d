"""Issue 14: a clinic admin adds a half-day closure by keyboard alone on a phone, and the
closures settings page stays axe-clean with its errors and its list."""

from __future__ import annotations

from datetime import time, timedelta

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Closure
from tests.browser.conftest import check_page
from tests.browser.keyboard import field, press, submit, tab_to, text

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_an_admin_adds_a_half_day_closure_by_keyboard_at_phone_width(page, live_server, world):
    world.location.state = "NSW"
    world.location.save()
    # A day whose day and month are the same number: typed as ddmmyyyy or mmddyyyy (the
    # date control follows the browser's own locale), it is the same date.
    day = timezone.now().astimezone(world.clinic.tz).date() + timedelta(days=1)
    while day.day != day.month:
        day += timedelta(days=1)
    page.set_viewport_size({"width": 375, "height": 812})
    _log_in(page, live_server, world.admin)
    page.goto(live_server.url + reverse("bookings:staff-settings-closures"))
    check_page(page, "closures-settings")

    # Submitting with nothing filled in: the summary, then each message by its field.
    tab_to(page, text("Add closure"))
    submit(page)
    assert page.locator(".error-summary").is_visible()
    # In the summary and next to the field.
    assert page.get_by_text("Enter the date of the closure.").count() == 2
    check_page(page, "closures-settings-errors")

    tab_to(page, field("id_date"))
    page.keyboard.type(f"{day:%d%m%Y}")
    tab_to(page, field("id_location"))
    # Choose the first location ("Every location" comes first) with the arrow key.
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_location").input_value() == str(
        min((world.location, world.second_location), key=lambda loc: loc.name).pk
    )
    tab_to(page, field("id_start_time"))
    page.keyboard.type("1200pm")
    tab_to(page, field("id_end_time"))
    page.keyboard.type("0500pm")
    tab_to(page, field("id_reason"))
    page.keyboard.type("Staff training")
    el = press(page, "Tab")
    assert el["text"] == "Add closure"
    submit(page)

    closure = Closure.objects.get()
    assert (closure.date, closure.start_time, closure.end_time, closure.reason) == (
        day,
        time(12),
        time(17),
        "Staff training",
    )
    assert page.get_by_text("12:00 pm to 5:00 pm", exact=False).first.is_visible()
    check_page(page, "closures-settings-added")
