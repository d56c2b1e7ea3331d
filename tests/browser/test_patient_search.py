"""The staff patient search in a real browser: with htmx the list follows the typing and
the address keeps the search; the page stays axe-clean and nothing breaks the CSP."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

import pytest

from tests import factories as f
from tests.browser.conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_the_patient_list_follows_the_typing(page, live_server, world):
    f.make_patient(world.clinic, first_name="Quinn", last_name="Searchable")
    f.make_patient(world.clinic, first_name="Robin", last_name="Other")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_viewport_size({"width": 375, "height": 800})
    _log_in(page, live_server, world.reception)
    url = live_server.url + reverse("bookings:staff-patient-list")
    page.goto(url)
    assert page.get_by_text("Searchable, Quinn").is_visible()
    loads: list[str] = []
    page.on("load", lambda _: loads.append(page.url))

    page.get_by_label("Name, email or phone").press_sequentially("quinn")
    page.get_by_text("1 patient matching “quinn”.").wait_for()

    assert page.get_by_text("Searchable, Quinn").is_visible()
    assert page.get_by_text("Other, Robin").count() == 0
    assert loads == []  # updated in place, not by loading the page again
    assert page.url.endswith("?q=quinn")  # the address keeps the search
    assert page.locator("#id_q").input_value() == "quinn"  # typing was not interrupted
    check_page(page, "staff-patient-search-htmx")
    assert problems == []  # no CSP report, no script error

    page.reload()  # the pushed address is a real page
    assert page.get_by_text("1 patient matching “quinn”.").is_visible()
