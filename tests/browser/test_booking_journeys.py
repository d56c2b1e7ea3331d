"""The public online booking flow in a real browser (issue 2).

A new patient books a telehealth and a clinic visit with the keyboard alone (after the
first page, nothing but Tab, Shift+Tab, arrows, Space and Enter); every step passes
axe-core at 375 px and is screenshotted; the screening "yes" path offers telehealth or
another time; the whole flow works with JavaScript turned off; bad details are reported
next to the fields and in a summary that takes focus, and nothing is saved.

The journeys book next week's Monday, 9:00 am in Sydney: next week always has free times
in the `world` clinic (Monday to Friday, 9 to 5), whatever day the suite runs.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

import pytest
from icalendar import Calendar

from bookings.models import Appointment, Modality, ScreeningQuestion
from clinic.celery import app as celery_app
from clinic.lib.time import day_label, week_start
from clinic.models import Patient, User
from tests import factories as f
from tests.browser.conftest import SCREENSHOTS, check_page
from tests.browser.keyboard import focused, press, submit, tab_to

pytestmark = pytest.mark.django_db(transaction=True)

ROWAN = {
    "first_name": "Rowan",
    "last_name": "Inventa",
    "email": "rowan.inventa@example.org",
    "phone": "0400 123 456",
    "dob": ("14", "7", "1979"),
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    """Fresh rate-limit counters, and confirmation emails kept off the shared broker."""
    cache.clear()
    published: list[Any] = []
    monkeypatch.setattr(celery_app, "send_task", lambda *a, **kw: published.append(a))
    yield published
    cache.clear()


# --- Keyboard helpers ---------------------------------------------------------------------


def skip_to_main(page) -> None:
    """The first Tab on every page reaches the skip link, which moves focus to <main>.

    A GET form (action="") keeps the address's #main-content from an earlier skip, and
    the redirect after it too; such a page already opens at <main>, and the next Tab
    goes to the first thing in it.
    """
    if page.url.endswith("#main-content"):
        return
    el = press(page, "Tab")
    assert el["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def is_text(text: str):
    return lambda el: el["text"] == text


def is_slot(el: dict[str, Any]) -> bool:
    return "slot-link" in el["cls"].split()


def h1(page) -> str:
    """The heading of the page now showing; a click that follows a link or sends a form
    returns once the next page has begun to load, so wait for it first."""
    page.wait_for_load_state()
    return page.locator("h1").inner_text().strip()


def text_of(page, selector: str) -> str:
    return " ".join(page.locator(selector).text_content().split())


def fill_details(page, person: dict[str, Any]) -> None:
    """Fill in the details form the ordinary way (not a keyboard journey)."""
    page.get_by_label("First name").fill(person["first_name"])
    page.get_by_label("Last name").fill(person["last_name"])
    page.get_by_label("Email address").fill(person["email"])
    page.get_by_label("Phone number").fill(person["phone"])
    for part, value in zip(("Day", "Month", "Year"), person["dob"], strict=True):
        page.get_by_label(part, exact=True).fill(value)


def type_into(page, field_id: str, value: str) -> None:
    el = press(page, "Tab")
    assert el["id"] == field_id, f"expected #{field_id} next, focus is on {el}"
    page.keyboard.type(value)


def type_details(page, person: dict[str, Any]) -> None:
    """From the focus just before "First name", type a new patient's details."""
    type_into(page, "id_first_name", person["first_name"])
    type_into(page, "id_last_name", person["last_name"])
    # Shift+Tab goes back to the field before, with what was typed still there.
    el = press(page, "Shift+Tab")
    assert el["id"] == "id_first_name" and el["value"] == person["first_name"]
    press(page, "Tab")
    type_into(page, "id_email", person["email"])
    type_into(page, "id_phone", person["phone"])
    for part, value in zip(("day", "month", "year"), person["dob"], strict=True):
        type_into(page, f"id_dob_{part}", value)


# --- Dates ----------------------------------------------------------------------------------


def next_monday_at(clinic, hour: int) -> datetime:
    today = timezone.now().astimezone(clinic.tz).date()
    monday = week_start(today) + timedelta(days=7)
    return datetime.combine(monday, time(hour), tzinfo=clinic.tz)


def details_url(live_server, world, modality: str, start: datetime, **extra: str) -> str:
    query = {
        "service": world.service.code,
        "modality": modality,
        "practitioner": world.ep.code,
        "start": start.isoformat(),
        "location": world.location.pk if modality == Modality.CLINIC else "",
        **extra,
    }
    return f"{live_server.url}{reverse('bookings:book-details')}?{urlencode(query)}"


def screening_questions(world) -> list[ScreeningQuestion]:
    return [
        ScreeningQuestion.objects.create(clinic=world.clinic, text=text, display_order=n)
        for n, text in enumerate(
            ["Do you have a fever or cold symptoms today?", "Have you had a new injury?"]
        )
    ]


def assert_ics(page, live_server, href: str, appointment: Appointment) -> None:
    """The add-to-calendar link downloads one event at the booked time, as text/calendar."""
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == appointment.start
    assert event.decoded("dtend") == appointment.end
    response = page.request.get(live_server.url + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.text().startswith("BEGIN:VCALENDAR")


def assert_new_patient(appointment: Appointment) -> Patient:
    patient = appointment.patient
    assert (patient.first_name, patient.last_name) == ("Rowan", "Inventa")
    assert patient.email == ROWAN["email"]
    assert patient.date_of_birth.isoformat() == "1979-07-14"
    # The booking made them an account they can log in to later.
    assert patient.user is not None and patient.user.email == ROWAN["email"]
    assert patient.user.role == User.Role.PATIENT
    return patient


# --- 1. Telehealth, keyboard alone -----------------------------------------------------------


def test_new_patient_books_a_telehealth_visit_by_keyboard_alone(page, live_server, world):
    clinic = world.clinic
    expected_start = next_monday_at(clinic, 9)
    page.goto(live_server.url + reverse("bookings:service-list"))  # the only goto

    # 1. Services: the first link in <main> is the first service; Shift+Tab goes back.
    assert h1(page) == "Book an appointment"
    check_page(page, "booking-telehealth-01-services")
    skip_to_main(page)
    assert press(page, "Tab")["text"] == "Follow-up"
    assert press(page, "Tab")["text"] == "Initial assessment"
    assert press(page, "Shift+Tab")["text"] == "Follow-up"
    submit(page)

    # 2. Clinic or video: arrows move between the radios and choose.
    assert h1(page) == "How would you like to be seen?"
    check_page(page, "booking-telehealth-02-modality")
    skip_to_main(page)
    assert press(page, "Tab")["text"] == "Back"
    el = press(page, "Tab")
    assert (el["type"], el["label"], el["checked"]) == ("radio", "In clinic", False)
    el = press(page, "ArrowDown")
    assert (el["label"], el["checked"]) == ("Telehealth (video)", True)
    assert press(page, "Tab")["text"] == "Continue"
    submit(page, "Space")

    # 3. Practitioner: Space chooses "No preference".
    assert h1(page) == "Who would you like to see?"
    check_page(page, "booking-telehealth-03-practitioner")
    skip_to_main(page)
    assert press(page, "Tab")["text"] == "Back"
    el = press(page, "Tab")
    assert (el["label"], el["checked"]) == ("No preference", False)
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    assert press(page, "Tab")["text"] == "Continue"
    submit(page)

    # 4. The week of free times: also show them in the patient's zone (type-ahead in
    # the select), then the next week, then its first time.
    assert h1(page) == "Choose a time"
    skip_to_main(page)
    assert press(page, "Tab")["text"] == "Back"
    el = press(page, "Tab")
    assert el["id"] == "id_tz"
    page.keyboard.type("Perth")
    assert focused(page)["value"] == "Australia/Perth"
    assert press(page, "Tab")["text"] == "Show times"
    submit(page)
    assert page.locator("#id_tz").input_value() == "Australia/Perth"
    skip_to_main(page)
    tab_to(page, is_text("Next week"))
    submit(page)
    check_page(page, "booking-telehealth-04-times")
    skip_to_main(page)
    slot = tab_to(page, is_slot)
    assert slot["text"].startswith(f"{day_label(expected_start.date())}, 9:00 am")
    assert "in Perth (Western Australia)" in slot["text"]
    practitioner = next(p for p in (world.ep, world.physio) if p.display_name in slot["text"])
    submit(page)

    # 5. Details: typed field by field in order.
    assert h1(page) == "Your details"
    check_page(page, "booking-telehealth-05-details")
    skip_to_main(page)
    assert press(page, "Tab")["text"] == "Back"
    assert press(page, "Tab")["text"] == "Log in"  # returning patients
    type_details(page, ROWAN)
    assert press(page, "Tab")["text"] == "Continue"
    submit(page)

    # 6. Review (telehealth has no screening), then confirm.
    assert h1(page) == "Check your booking"
    check_page(page, "booking-telehealth-06-review")
    review = page.locator("main").inner_text()
    for text in ("Follow-up", practitioner.display_name, "Telehealth (video)", "Rowan Inventa"):
        assert text in review
    assert not Appointment.objects.exists()
    skip_to_main(page)
    tab_to(page, is_text("Confirm booking"))
    submit(page)

    # 7. Done: the video link, the time in Perth too, and the calendar file.
    assert h1(page) == "Appointment booked"
    check_page(page, "booking-telehealth-07-done")
    appointment = Appointment.objects.get()
    assert appointment.modality == Modality.TELEHEALTH
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.source == Appointment.Source.ONLINE
    assert appointment.start == expected_start
    assert appointment.practitioner == practitioner
    assert appointment.service == world.service
    assert appointment.location is None
    assert_new_patient(appointment)
    assert appointment.telehealth_url.startswith(settings.TELEHEALTH_BASE_URL + "/")
    video = page.locator(".video-link a")
    assert video.get_attribute("href") == appointment.telehealth_url
    assert video.inner_text() == appointment.telehealth_url
    assert "in Perth (Western Australia)" in page.locator("main").inner_text()
    skip_to_main(page)
    link = tab_to(page, lambda el: el["text"].startswith("Add to calendar"))
    assert_ics(page, live_server, link["href"], appointment)


# --- 2. Clinic, keyboard alone, with the screening questions ----------------------------------


def test_new_patient_books_a_clinic_visit_by_keyboard_alone(page, live_server, world):
    clinic = world.clinic
    questions = screening_questions(world)
    expected_start = next_monday_at(clinic, 9)
    page.goto(live_server.url + reverse("bookings:service-list"))  # the only goto

    check_page(page, "booking-clinic-01-services")
    skip_to_main(page)
    assert press(page, "Tab")["text"] == "Follow-up"
    submit(page)

    # In clinic is the first radio: Space chooses it.
    check_page(page, "booking-clinic-02-modality")
    skip_to_main(page)
    tab_to(page, lambda el: el["type"] == "radio")
    page.keyboard.press("Space")
    el = focused(page)
    assert (el["label"], el["checked"]) == ("In clinic", True)
    assert press(page, "Tab")["text"] == "Continue"
    submit(page)

    # A named practitioner: arrow down from "No preference" to Sam Lee.
    assert "clinic" in page.url
    check_page(page, "booking-clinic-03-practitioner")
    skip_to_main(page)
    el = tab_to(page, lambda el: el["type"] == "radio")
    assert el["label"] == "No preference"
    for _ in range(3):
        el = press(page, "ArrowDown")
        if el["label"] == "Sam Lee":
            break
    assert (el["label"], el["checked"]) == ("Sam Lee", True)
    assert press(page, "Tab")["text"] == "Continue"
    submit(page)

    # The week: no time zone choice for clinic visits; next week, first time.
    assert h1(page) == "Choose a time"
    assert page.locator("#id_tz").count() == 0
    skip_to_main(page)
    tab_to(page, is_text("Next week"))
    submit(page)
    check_page(page, "booking-clinic-04-times")
    assert "At Surry Hills rooms" in page.locator("main").inner_text()
    skip_to_main(page)
    slot = tab_to(page, is_slot)
    assert slot["text"] == f"{day_label(expected_start.date())}, 9:00 am"
    submit(page)

    check_page(page, "booking-clinic-05-details")
    assert "In clinic at Surry Hills rooms" in page.locator(".booking-summary").inner_text()
    skip_to_main(page)
    tab_to(page, is_text("Log in"))
    type_details(page, ROWAN)
    assert press(page, "Tab")["text"] == "Continue"
    submit(page)

    # Screening: Tab enters each Yes/No group on "Yes"; the right arrow moves to "No".
    assert h1(page) == "Before your visit"
    check_page(page, "booking-clinic-06-screening")
    skip_to_main(page)
    assert press(page, "Tab")["text"] == "Back"
    for question in questions:
        el = press(page, "Tab")
        assert (el["name"], el["label"], el["checked"]) == (f"q{question.pk}", "Yes", False)
        el = press(page, "ArrowRight")
        assert (el["name"], el["label"], el["checked"]) == (f"q{question.pk}", "No", True)
    assert press(page, "Tab")["text"] == "Continue"
    submit(page)

    assert h1(page) == "Check your booking"
    check_page(page, "booking-clinic-07-review")
    review = page.locator("main").inner_text()
    for text in ("Sam Lee", "In clinic", "Surry Hills rooms", "Health questions", "Answered"):
        assert text in review
    skip_to_main(page)
    tab_to(page, is_text("Confirm booking"))
    submit(page, "Space")

    assert h1(page) == "Appointment booked"
    check_page(page, "booking-clinic-08-done")
    appointment = Appointment.objects.get()
    assert appointment.modality == Modality.CLINIC
    assert appointment.start == expected_start
    assert appointment.practitioner == world.ep
    assert appointment.location == world.location
    assert not appointment.telehealth_url
    assert_new_patient(appointment)
    main = page.locator("main").inner_text()
    assert "Surry Hills rooms" in main and world.location.address in main
    assert page.locator(".video-link").count() == 0
    skip_to_main(page)
    link = tab_to(page, lambda el: el["text"].startswith("Add to calendar"))
    assert_ics(page, live_server, link["href"], appointment)


def test_a_screening_yes_offers_telehealth_or_another_time(page, live_server, world):
    first, second = screening_questions(world)
    start = next_monday_at(world.clinic, 10)
    page.goto(details_url(live_server, world, Modality.CLINIC, start))
    fill_details(page, ROWAN)
    page.get_by_role("button", name="Continue").click()

    assert h1(page) == "Before your visit"
    page.locator(f"#id_q{first.pk}_0").check()  # Yes
    page.locator(f"#id_q{second.pk}_1").check()  # No
    page.get_by_role("button", name="Continue").click()

    assert h1(page) == "We may need to see you another way"
    check_page(page, "booking-screening-stop")
    assert not Appointment.objects.exists()
    assert not Patient.objects.filter(email=ROWAN["email"]).exists()
    week = f"week={start.date().isoformat()}"
    another = page.get_by_role("link", name="Choose another time")
    assert "/clinic/times/" in another.get_attribute("href") and week in another.get_attribute(
        "href"
    )
    video = page.get_by_role("link", name="Have this appointment by video (telehealth) instead")
    assert "/telehealth/times/" in video.get_attribute("href")

    # Take the video offer, by keyboard: the same week, by video, details kept.
    skip_to_main(page)
    tab_to(page, is_text("Have this appointment by video (telehealth) instead"))
    submit(page)
    assert h1(page) == "Choose a time"
    assert "Telehealth (video)".lower() in page.locator("main").inner_text()
    skip_to_main(page)
    slot = tab_to(page, lambda el: is_slot(el) and ", 10:00 am" in el["text"])
    assert slot["text"].startswith(day_label(start.date()))
    submit(page)
    assert h1(page) == "Your details"
    assert page.get_by_label("Email address").input_value() == ROWAN["email"]
    page.get_by_role("button", name="Continue").click()
    assert h1(page) == "Check your booking"  # no screening for a video visit
    page.get_by_role("button", name="Confirm booking").click()

    assert h1(page) == "Appointment booked"
    appointment = Appointment.objects.get()
    assert (appointment.modality, appointment.start) == (Modality.TELEHEALTH, start)
    assert appointment.location is None
    assert page.locator(".video-link a").get_attribute("href") == appointment.telehealth_url


# --- 3. Without JavaScript -------------------------------------------------------------------


def screenshot_without_script(page, name: str) -> None:
    """check_page without axe-core: its asynchronous run never settles when page scripts
    are off (the same HTML is checked with scripts on above)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1


def test_the_booking_flow_works_without_javascript(
    browser, browser_context_args, live_server, world
):
    # Perth, not Sydney: with scripts on, booking.js would preselect it on the week page.
    context = browser.new_context(
        **{**browser_context_args, "timezone_id": "Australia/Perth"}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    expected_start = next_monday_at(world.clinic, 9)
    try:
        page.goto(live_server.url + reverse("bookings:service-list"))
        page.get_by_role("link", name="Follow-up").click()
        page.get_by_label("Telehealth (video)").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Sam Lee").check()
        page.get_by_role("button", name="Continue").click()

        assert h1(page) == "Choose a time"
        assert page.locator("#id_tz").input_value() == ""  # no script ran
        page.get_by_role("link", name="Next week").click()
        screenshot_without_script(page, "booking-nojs-04-times")
        page.locator("a.slot-link").first.click()

        assert h1(page) == "Your details"
        fill_details(page, ROWAN)
        page.get_by_role("button", name="Continue").click()

        assert h1(page) == "Check your booking"
        page.get_by_role("button", name="Confirm booking").click()

        assert h1(page) == "Appointment booked"
        screenshot_without_script(page, "booking-nojs-07-done")
        appointment = Appointment.objects.get()
        assert appointment.modality == Modality.TELEHEALTH
        assert appointment.start == expected_start
        assert appointment.practitioner == world.ep
        assert_new_patient(appointment)
        assert page.locator(".video-link a").get_attribute("href") == appointment.telehealth_url
        href = page.get_by_role("link", name="Add to calendar").get_attribute("href")
        response = page.request.get(live_server.url + href)
        assert response.headers["content-type"].startswith("text/calendar")
    finally:
        context.close()


# --- 4. Bad input ---------------------------------------------------------------------------


def test_bad_details_are_reported_at_the_fields_and_nothing_is_saved(page, live_server, world):
    start = next_monday_at(world.clinic, 11)
    users, patients = User.objects.count(), Patient.objects.count()
    page.goto(details_url(live_server, world, Modality.TELEHEALTH, start))
    page.get_by_label("First name").fill(ROWAN["first_name"])
    page.get_by_label("Last name").fill(ROWAN["last_name"])
    page.get_by_label("Email address").fill("rowan@@example")
    page.get_by_label("Phone number").fill(ROWAN["phone"])
    for part, value in zip(("Day", "Month", "Year"), ("31", "2", "1990"), strict=True):
        page.get_by_label(part, exact=True).fill(value)
    page.get_by_role("button", name="Continue").click()

    assert h1(page) == "Your details"
    assert page.title().startswith("Error: ")
    check_page(page, "booking-details-errors")
    # The summary takes focus, and lists each problem as a link to its field.
    assert "error-summary" in focused(page)["cls"]
    links = page.locator(".error-summary a")
    email_message = "Enter an email address in the correct format, like name@example.com"
    date_message = "Date of birth must be a real date, like 27 3 1980"
    assert links.all_inner_texts() == [email_message, date_message]
    assert [links.nth(i).get_attribute("href") for i in range(2)] == ["#id_email", "#id_dob_day"]
    # Each message is also next to its field, and tied to it for screen readers.
    assert text_of(page, "#id_email_error") == f"Error: {email_message}"
    email = page.locator("#id_email")
    assert email.get_attribute("aria-invalid") == "true"
    assert "id_email_error" in email.get_attribute("aria-describedby").split()
    assert email.input_value() == "rowan@@example"  # what was typed is kept
    assert text_of(page, "#dob-error") == f"Error: {date_message}"
    assert "dob-error" in page.locator("fieldset[role=group]").get_attribute("aria-describedby")
    # From the summary, Tab reaches the first link; Enter puts focus in the field.
    el = press(page, "Tab")
    assert el["text"] == email_message
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_email"

    assert (User.objects.count(), Patient.objects.count()) == (users, patients)
    assert not Appointment.objects.exists()

    # Corrected, the booking goes on to the review.
    page.get_by_label("Email address").fill(ROWAN["email"])
    page.get_by_label("Day", exact=True).fill("28")
    page.get_by_role("button", name="Continue").click()
    assert h1(page) == "Check your booking"
    assert not Appointment.objects.exists()


def test_a_time_taken_meanwhile_offers_the_nearest_free_times(page, live_server, world):
    start = next_monday_at(world.clinic, 11)
    page.goto(details_url(live_server, world, Modality.TELEHEALTH, start))
    fill_details(page, ROWAN)
    page.get_by_role("button", name="Continue").click()
    assert h1(page) == "Check your booking"
    # Someone else takes the time while Rowan reads the review.
    f.make_appointment(
        patient=world.other_patient,
        practitioner=world.ep,
        service=world.service,
        start=start,
        modality=Modality.TELEHEALTH,
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm booking").click()

    assert page.title().startswith("Error: ")
    check_page(page, "booking-review-taken")
    assert "error-summary" in focused(page)["cls"]
    assert "That time was just taken" in text_of(page, ".error-summary")
    assert not Patient.objects.filter(email=ROWAN["email"]).exists()
    assert Appointment.objects.count() == 1
    # The nearest free time keeps the details: choosing it leads straight to the review.
    alternative = page.locator(".error-summary a.slot-link").first
    assert alternative.text_content().startswith(day_label(start.date()))
    alternative.click()
    assert h1(page) == "Check your booking"
    page.get_by_role("button", name="Confirm booking").click()
    assert h1(page) == "Appointment booked"
    mine = Appointment.objects.get(patient__email=ROWAN["email"])
    assert mine.start != start and mine.modality == Modality.TELEHEALTH
