"""The staff calendar in a real browser, as reception: sign in and land on today's
calendar, mark a visit arrived and move one with the keyboard alone, drag one with the
mouse (and see a clash refused), axe-clean at 375 px and at 1280 px."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from bookings.models import Appointment
from tests import factories as f
from tests.browser.conftest import SCREENSHOTS, check_page
from tests.browser.test_every_page import SMALL_TARGETS_JS

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 1600}  # tall enough that a drag needs no scrolling
PHONE = {"width": 375, "height": 812}
_axe = Axe()


def check_wide(page, name: str) -> None:
    """At 1280 px: a screenshot and no axe-core violation."""
    page.wait_for_load_state()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = _axe.run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def _tab_to(page, accessible_text: str, limit: int = 200) -> None:
    """Press Tab until a focused link or button's text contains `accessible_text`."""
    script = """() => {
      const e = document.activeElement;
      return e && e.matches("a, button") ? e.textContent.replace(/\\s+/g, " ") : "";
    }"""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if accessible_text in page.evaluate(script):
            return
    raise AssertionError(f"Tab never reached {accessible_text!r}")


def _just_started(clinic):
    """A start at most 30 minutes ago, but today in the clinic's zone."""
    now = timezone.now().replace(second=0, microsecond=0)
    midnight = now.astimezone(clinic.tz).replace(hour=0, minute=0)
    return max(now - timedelta(minutes=30), midnight)


def test_reception_runs_the_day_from_the_calendar(page, live_server, world):
    started = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.physio,
        service=world.service,
        start=_just_started(world.clinic),
        location=world.location,
    )
    tuesday = f.next_weekday_at(world.clinic, 1, 10)
    to_move = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=tuesday,
        location=world.location,
    )
    to_drag = f.make_appointment(
        patient=f.make_patient(world.clinic, first_name="Dana", last_name="Dragged"),
        practitioner=world.ep,
        service=world.service,
        start=tuesday.replace(hour=12),
        location=world.location,
    )

    # Signing in lands on today's calendar.
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Email address").fill(world.reception.email)
    page.get_by_label("Password").fill(f.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(live_server.url + reverse("bookings:staff-calendar"))
    assert "(today)" in page.locator("h1").inner_text()
    check_page(page, "calendar-today-phone")
    assert page.evaluate(SMALL_TARGETS_JS) == []  # buttons 44 px tall on a phone

    # Arrived, by keyboard: the card alone changes (htmx), focus stays on the page.
    _tab_to(page, f"Arrived: {world.other_patient.full_name}")
    page.keyboard.press("Enter")
    card = page.locator(f"#card-{started.code}")
    card.get_by_text("Recorded Olive").wait_for()
    page.locator("#calendar-status").get_by_text("Recorded Olive").wait_for()  # read out
    page.wait_for_function(  # and the focus stays on the card, not lost with the button
        f"document.activeElement.closest('#card-{started.code}') !== null"
    )
    assert "Attended" in card.inner_text()
    started.refresh_from_db()
    assert started.status == Appointment.Status.ATTENDED
    check_page(page, "calendar-marked-phone")

    # Move, by keyboard: the Move link opens the move page; choose a time and move.
    day = tuesday.date().isoformat()
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}{reverse('bookings:staff-calendar')}?date={day}")
    check_wide(page, "calendar-day-wide")
    _tab_to(page, f"Move {world.patient.full_name}'s visit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "slot":
            break
    page.keyboard.press("Space")
    chosen = page.evaluate("document.activeElement.value")
    _tab_to(page, "Move to this time")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text("Moved to")
    to_move.refresh_from_db()
    assert chosen.split("|")[1].startswith(to_move.start.isoformat()[:16])

    # Drag, by mouse: Dana's 12:00 visit onto 2:00 pm in the same column.
    page.goto(f"{live_server.url}{reverse('bookings:staff-calendar')}?date={day}")
    column = page.locator(f'.cal-col[data-practitioner="{world.ep.code}"]')
    two_pm = tuesday.replace(hour=14)
    target = column.locator(f'li.cal-free[data-start="{two_pm.isoformat()}"]')
    source = column.locator(f'li.cal-appt[data-code="{to_drag.code}"]')
    source.drag_to(target, source_position={"x": 20, "y": 4})
    status = page.locator("#calendar-status")
    status.get_by_text("Moved to").wait_for()
    page.locator(
        f'li.cal-appt[data-code="{to_drag.code}"][data-start="{two_pm.isoformat()}"]'
    ).wait_for()
    to_drag.refresh_from_db()
    assert to_drag.start == two_pm
    check_wide(page, "calendar-dragged-wide")

    # A drag onto a visit is refused: the reason is read out and nothing moves.
    to_move.refresh_from_db()
    occupied = to_move.start.astimezone(world.clinic.tz)
    source = page.locator(f'li.cal-appt[data-code="{to_drag.code}"]')
    busy = page.locator(f'li.cal-appt[data-code="{to_move.code}"]')
    source.drag_to(busy, source_position={"x": 20, "y": 4}, target_position={"x": 20, "y": 4})
    status.get_by_text("That time is no longer available.").wait_for()
    to_drag.refresh_from_db()
    assert to_drag.start == two_pm
    assert occupied == to_move.start.astimezone(world.clinic.tz)
    check_wide(page, "calendar-refused-wide")

    # With JavaScript the keyboard can do what the mouse does: "m", arrows, Enter.
    page.locator(f'li.cal-appt[data-code="{to_drag.code}"] .cal-who a').focus()
    page.keyboard.press("m")
    status.get_by_text("Moving this visit: 2:00 pm, Sam Lee").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    status.get_by_text("2:30 pm, Sam Lee").wait_for()
    page.keyboard.press("Enter")
    status.get_by_text("Moved to").wait_for()
    half_past = tuesday.replace(hour=14, minute=30)
    page.locator(f'li.cal-appt[data-start="{half_past.isoformat()}"]').wait_for()
    to_drag.refresh_from_db()
    assert to_drag.start == half_past

    # The week, at both widths.
    page.goto(f"{live_server.url}{reverse('bookings:staff-calendar')}?view=week&date={day}")
    check_wide(page, "calendar-week-wide")
    page.set_viewport_size(PHONE)
    check_page(page, "calendar-week-phone")
    assert page.evaluate(SMALL_TARGETS_JS) == []
