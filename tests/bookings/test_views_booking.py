"""The public booking flow, walked with the test client as a browser without JavaScript."""

import html
import itertools
import re
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Appointment, ScreeningQuestion, WorkingHours
from clinic.lib.time import week_start
from clinic.models import Patient
from clinic.ratelimit import parse_rate
from tests import factories as f

pytestmark = pytest.mark.django_db

THIS_YEAR_DATE = timezone.now().date()
NEW_PATIENT = {
    "first_name": "Rowan",
    "last_name": "Inventa",
    "email": "Rowan.Inventa@example.org",
    "phone": "0400 123 456",
    "dob_day": "14",
    "dob_month": "7",
    "dob_year": "1979",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()  # the rate-limit counters live in the cache
    yield
    cache.clear()


def _week(clinic, moment: datetime) -> str:
    return week_start(moment.astimezone(clinic.tz).date()).isoformat()


def _slot_url(service, modality, **query) -> str:
    return reverse("bookings:slot-list", args=[service.code, modality]) + "?" + urlencode(query)


def _time_links(response) -> list[dict[str, str]]:
    """The query of every link to the details step on a page."""
    hrefs = re.findall(r'href="([^"]*/book/details/\?[^"]*)"', response.content.decode())
    return [
        dict(parse_qsl(urlsplit(html.unescape(h)).query, keep_blank_values=True)) for h in hrefs
    ]


def _details_url(service, modality, practitioner, start, location="", **extra) -> str:
    query = {
        "service": service.code,
        "modality": modality,
        "practitioner": practitioner.code,
        "start": start.isoformat(),
        "location": location,
        **extra,
    }
    return reverse("bookings:book-details") + "?" + urlencode(query)


def _to_review(client, world, *, service, modality, start, location="", answers="no"):
    """Details (and screening) for a new patient, ending on the review page."""
    url = _details_url(service, modality, world.ep, start, location)
    r = client.post(url, NEW_PATIENT)
    assert r.status_code == 302, r.content.decode()[:2000]
    if modality == "clinic":
        assert r["Location"] == reverse("bookings:book-screening")
        questions = ScreeningQuestion.objects.filter(clinic=world.clinic, is_active=True)
        r = client.post(r["Location"], {f"q{q.pk}": answers for q in questions})
    return r


def _screening_questions(world):
    return [
        ScreeningQuestion.objects.create(clinic=world.clinic, text=text, display_order=n)
        for n, text in enumerate(
            ["Do you have a fever or cold symptoms today?", "Have you had a new injury?"]
        )
    ]


# --- Walking the whole flow ------------------------------------------------------------


def test_a_new_patient_books_a_telehealth_visit_end_to_end(world, settings):
    client = Client()
    clinic = world.clinic
    r = client.get(reverse("bookings:service-list"))
    assert r.status_code == 200
    page = r.content.decode()
    assert "Telehealth review" in page and "By video (telehealth)" in page
    assert "In clinic or by video" in page  # the Follow-up
    assert page.count("<h1") == 1

    # A telehealth-only service skips the modality step.
    r = client.get(reverse("bookings:book-modality", args=[world.telehealth.code]))
    assert r.status_code == 302
    assert r["Location"] == reverse(
        "bookings:book-practitioner", args=[world.telehealth.code, "telehealth"]
    )
    r = client.get(r["Location"])
    assert r.status_code == 200
    assert "Sam Lee" in r.content.decode() and "No preference" in r.content.decode()
    r = client.get(r.wsgi_request.path, {"practitioner": str(world.ep.code)})
    assert r.status_code == 302
    assert "/times/?" in r["Location"]

    start = f.next_weekday_at(clinic, 1, 11)  # a Tuesday, 11:00 in Sydney
    r = client.get(
        _slot_url(
            world.telehealth, "telehealth", practitioner=world.ep.code, week=_week(clinic, start)
        )
    )
    assert r.status_code == 200
    link = next(q for q in _time_links(r) if q["start"] == start.isoformat())
    assert link["practitioner"] == str(world.ep.code) and link["location"] == ""
    assert "11:00 am" in r.content.decode()

    details = reverse("bookings:book-details") + "?" + urlencode(link)
    r = client.get(details)
    assert r.status_code == 200
    page = r.content.decode()
    assert "Your details" in page and "Returning patient?" in page
    assert reverse("login") + "?next=" in page
    r = client.post(details, NEW_PATIENT)
    assert r.status_code == 302
    assert r["Location"] == reverse("bookings:book-review")  # telehealth: no screening

    r = client.get(reverse("bookings:book-review"))
    assert r.status_code == 200
    page = r.content.decode()
    for text in ("Telehealth review", "Sam Lee", "Rowan Inventa", "rowan.inventa@example.org"):
        assert text in page
    assert "Confirm booking" in page

    r = client.post(reverse("bookings:book-review"))
    assert r.status_code == 302
    appointment = Appointment.objects.get()
    assert r["Location"] == reverse("bookings:book-done", args=[appointment.code])
    assert appointment.modality == "telehealth"
    assert appointment.source == Appointment.Source.ONLINE
    assert appointment.practitioner == world.ep
    assert appointment.service == world.telehealth
    assert appointment.start == start
    assert appointment.location is None
    assert appointment.booking_request_id is not None
    assert appointment.telehealth_url.startswith(settings.TELEHEALTH_BASE_URL)
    patient = appointment.patient
    assert (patient.first_name, patient.email, patient.date_of_birth) == (
        "Rowan",
        "rowan.inventa@example.org",
        date(1979, 7, 14),
    )

    r = client.get(r["Location"])
    assert r.status_code == 200
    page = r.content.decode()
    assert "Appointment booked" in page
    assert appointment.telehealth_url in page
    assert reverse("bookings:book-ics", args=[appointment.code]) in page
    assert "Add to calendar" in page
    assert reverse("password_reset") in page
    assert "Set a password to see your visits later" in page

    # A second "Confirm booking" (double click, refresh) returns the same appointment.
    r = client.post(reverse("bookings:book-review"))
    assert r.status_code == 302
    assert r["Location"] == reverse("bookings:book-done", args=[appointment.code])
    assert Appointment.objects.count() == 1


def test_a_new_patient_books_a_clinic_visit_after_screening(world):
    _screening_questions(world)
    world.location.directions = "Enter from the lane behind the bakery."
    world.location.parking = "Two-hour parking on Example Street."
    world.location.save()
    client = Client()
    clinic = world.clinic

    r = client.get(reverse("bookings:book-modality", args=[world.service.code]))
    assert r.status_code == 200
    page = r.content.decode()
    assert (
        "<fieldset" in page and "<legend><h1>How would you like to be seen?</h1></legend>" in page
    )
    r = client.get(r.wsgi_request.path, {"modality": "clinic"})
    assert r["Location"] == reverse(
        "bookings:book-practitioner", args=[world.service.code, "clinic"]
    )
    r = client.get(r["Location"], {"practitioner": "any"})
    assert r.status_code == 302

    start = f.next_weekday_at(clinic, 2, 10, 30)  # a Wednesday, 10:30
    r = client.get(
        _slot_url(world.service, "clinic", practitioner="any", week=_week(clinic, start))
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert "Surry Hills rooms" in page
    links = [q for q in _time_links(r) if q["start"] == start.isoformat()]
    assert len(links) == 1  # No preference: each time once (per place)
    assert links[0]["location"] == str(world.location.pk)
    who = {str(world.ep.code): "Sam Lee", str(world.physio.code): "Jo Park"}[
        links[0]["practitioner"]
    ]
    assert f"with {who}" in page

    details = reverse("bookings:book-details") + "?" + urlencode(links[0])
    r = client.post(details, NEW_PATIENT)
    assert r["Location"] == reverse("bookings:book-screening")
    r = client.get(r["Location"])
    assert r.status_code == 200
    page = r.content.decode()
    assert "Do you have a fever" in page and page.count("<fieldset") == 2
    r = client.post(reverse("bookings:book-screening"), {})  # unanswered
    assert r.status_code == 200
    assert "There is a problem" in r.content.decode()
    questions = ScreeningQuestion.objects.filter(clinic=clinic)
    r = client.post(reverse("bookings:book-screening"), {f"q{q.pk}": "no" for q in questions})
    assert r["Location"] == reverse("bookings:book-review")

    r = client.get(reverse("bookings:book-review"))
    page = r.content.decode()
    assert "Surry Hills rooms" in page and "1 Example Street" in page
    r = client.post(reverse("bookings:book-review"))
    appointment = Appointment.objects.get()
    assert r["Location"] == reverse("bookings:book-done", args=[appointment.code])
    assert appointment.modality == "clinic"
    assert appointment.location == world.location
    assert appointment.start == start
    assert appointment.telehealth_url == ""

    page = client.get(r["Location"]).content.decode()
    assert "Surry Hills rooms" in page and "1 Example Street, Sydney NSW" in page
    assert "Enter from the lane behind the bakery." in page
    assert "Two-hour parking" in page
    assert f"{start.day} " in page and "10:30 am" in page


def test_a_logged_in_patient_skips_the_details_form(world, client_as_patient):
    start = f.next_weekday_at(world.clinic, 1, 14)
    url = _details_url(world.telehealth, "telehealth", world.ep, start)
    r = client_as_patient.get(url)
    assert r.status_code == 302
    assert r["Location"] == reverse("bookings:book-review")
    page = client_as_patient.get(r["Location"]).content.decode()
    assert world.patient.full_name in page
    r = client_as_patient.post(reverse("bookings:book-review"))
    appointment = Appointment.objects.get()
    assert appointment.patient == world.patient
    assert appointment.booked_by == world.patient.user
    page = client_as_patient.get(r["Location"]).content.decode()
    assert "Set a password" not in page

    # The owner sees it from another browser too; another patient does not.
    owner = Client()
    owner.force_login(world.patient.user)
    assert owner.get(r["Location"]).status_code == 200


def test_the_details_page_offers_login_for_returning_patients(world):
    start = f.next_weekday_at(world.clinic, 1, 14)
    url = _details_url(world.telehealth, "telehealth", world.ep, start)
    page = Client().get(url).content.decode()
    login = reverse("login") + "?" + urlencode({"next": url})
    assert html.escape(login) in page


# --- Screening -------------------------------------------------------------------------


def test_a_yes_to_screening_offers_telehealth_another_time_and_a_phone_call(world):
    _screening_questions(world)
    client = Client()
    start = f.next_weekday_at(world.clinic, 2, 11)
    r = _to_review(
        client, world, service=world.service, modality="clinic", start=start, answers="yes"
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert "We may need to see you another way" in page
    telehealth = _slot_url(
        world.service, "telehealth", practitioner=world.ep.code, week=_week(world.clinic, start)
    )
    assert html.escape(telehealth) in page
    assert "Choose another time" in page
    assert 'href="tel:0290000000"' in page
    # The review page will not book it.
    r = client.post(reverse("bookings:book-review"))
    assert r["Location"] == reverse("bookings:book-screening")
    assert not Appointment.objects.exists()


def test_a_clinic_only_service_offers_no_telehealth_after_a_yes(world):
    _screening_questions(world)
    client = Client()
    start = f.next_weekday_at(world.clinic, 2, 11)
    url = _details_url(world.physio_service, "clinic", world.physio, start)
    client.post(url, NEW_PATIENT)
    questions = ScreeningQuestion.objects.filter(clinic=world.clinic)
    r = client.post(reverse("bookings:book-screening"), {f"q{q.pk}": "yes" for q in questions})
    page = r.content.decode()
    assert "We may need to see you another way" in page
    assert "by video" not in page


# --- Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/book/not-a-uuid/",
        "/book/11111111-1111-1111-1111-111111111111/",
        "/book/11111111-1111-1111-1111-111111111111/clinic/",
        "/book/done/not-a-uuid/",
        "/book/done/11111111-1111-1111-1111-111111111111/",
        "/book/done/11111111-1111-1111-1111-111111111111/calendar.ics",
    ],
)
def test_unknown_or_malformed_addresses_are_404(world, path):
    assert Client().get(path).status_code == 404


def test_a_service_cannot_be_booked_in_a_way_it_is_not_offered(world):
    client = Client()
    url = reverse("bookings:book-practitioner", args=[world.physio_service.code, "telehealth"])
    assert client.get(url).status_code == 404
    url = reverse("bookings:slot-list", args=[world.telehealth.code, "clinic"])
    assert client.get(url).status_code == 404
    url = reverse("bookings:slot-list", args=[world.telehealth.code, "by-pigeon"])
    assert client.get(url).status_code == 404


def test_a_bad_choice_on_the_modality_and_practitioner_pages_is_an_error_message(world):
    client = Client()
    r = client.get(reverse("bookings:book-modality", args=[world.service.code]), {"modality": "x"})
    assert r.status_code == 200
    assert "There is a problem" in r.content.decode()
    assert 'href="#id_modality_0"' in r.content.decode()
    url = reverse("bookings:book-practitioner", args=[world.service.code, "clinic"])
    r = client.get(url, {"practitioner": "nobody"})
    assert r.status_code == 200
    assert "Select a practitioner, or No preference" in r.content.decode()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"practitioner": "not-a-uuid"}, 404),
        ({"practitioner": "11111111-1111-1111-1111-111111111111"}, 404),
        ({"practitioner": "any", "week": "2026-13-45"}, 400),
        ({"practitioner": "any", "week": "next tuesday"}, 400),
        ({"practitioner": "any", "week": "2026-W10"}, 400),
        ({"practitioner": "any", "week": "9999-12-31"}, 200),  # clamped to the horizon
        ({"practitioner": "any", "week": "0001-01-01"}, 200),  # clamped to this week
    ],
)
def test_bad_week_page_parameters_never_fail(world, query, status):
    r = Client().get(reverse("bookings:slot-list", args=[world.service.code, "clinic"]), query)
    assert r.status_code == status


def test_a_far_week_is_clamped_to_the_booking_horizon(world):
    r = Client().get(
        reverse("bookings:slot-list", args=[world.service.code, "clinic"]),
        {"practitioner": "any", "week": "9999-12-31"},
    )
    last = timezone.now().astimezone(world.clinic.tz).date() + timedelta(
        days=world.clinic.booking_horizon_days
    )
    assert r.context["monday"] == week_start(last)


def test_an_unknown_time_zone_is_a_form_error_and_times_still_show(world):
    start = f.next_weekday_at(world.clinic, 1, 11)
    r = Client().get(
        _slot_url(
            world.telehealth,
            "telehealth",
            practitioner="any",
            week=_week(world.clinic, start),
            tz="Mars/Olympus_Mons",
        )
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert "Select a time zone from the list" in page
    assert 'href="#id_tz"' in page
    assert _time_links(r)


@pytest.mark.parametrize(
    "change",
    [
        {"service": "not-a-uuid"},
        {"service": "11111111-1111-1111-1111-111111111111"},
        {"practitioner": "nope"},
        {"practitioner": "11111111-1111-1111-1111-111111111111"},
        {"modality": "carrier-pigeon"},
        {"modality": "clinic"},  # telehealth-only service
        {"start": "tomorrow at ten"},
        {"start": "2030-03-03T10:00"},  # no offset
        {"start": "2030-03-03T10:00:00+11:00" + "0" * 100},
        {"start": "2030-02-30T10:00:00+11:00"},
        {"location": "not-a-number"},
        {"location": "99999999999999999999999999"},
        {"tz": "Not/AZone"},
        {"pref": "nobody"},
    ],
)
def test_a_malformed_details_link_gets_a_clear_message_and_saves_nothing(world, change):
    start = f.next_weekday_at(world.clinic, 1, 11)
    query = {
        "service": world.telehealth.code,
        "modality": "telehealth",
        "practitioner": world.ep.code,
        "start": start.isoformat(),
        "location": "",
        **change,
    }
    client = Client()
    url = reverse("bookings:book-details") + "?" + urlencode(query)
    for r in (client.get(url), client.post(url, NEW_PATIENT)):
        assert r.status_code == 400
        assert "There is a problem with this booking link" in r.content.decode()
    assert "booking_draft" not in client.session
    assert not Patient.objects.filter(email__iexact=NEW_PATIENT["email"]).exists()


@pytest.mark.parametrize(
    "when",
    [
        "past",
        "outside-hours",
        "off-grid",
        "saturday",
        "beyond-horizon",
    ],
)
def test_a_time_that_is_not_free_goes_back_to_the_week_with_the_nearest_times(world, when):
    tz = world.clinic.tz
    tuesday = f.next_weekday_at(world.clinic, 1, 10)
    start = {
        "past": timezone.now().astimezone(tz).replace(second=0, microsecond=0) - timedelta(days=1),
        "outside-hours": tuesday.replace(hour=20),
        "off-grid": tuesday.replace(minute=7),
        "saturday": tuesday + timedelta(days=4),
        "beyond-horizon": tuesday + timedelta(days=400),
    }[when]
    client = Client()
    url = _details_url(world.telehealth, "telehealth", world.ep, start, pref="any")
    r = client.post(url, NEW_PATIENT)
    assert r.status_code == 302
    assert "/times/?" in r["Location"]
    r = client.get(r["Location"])
    assert r.status_code == 200
    page = r.content.decode()
    assert "That time is no longer available" in page
    if when in {"outside-hours", "off-grid", "saturday"}:
        assert "These are the nearest free times" in page
    assert not Patient.objects.filter(email__iexact=NEW_PATIENT["email"]).exists()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"first_name": "A" * 81}, "First name must be 80 characters or fewer"),
        ({"last_name": ""}, "Enter your last name"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"email": "x" * 250 + "@example.org"}, "Email address must be 254 characters"),
        ({"phone": "call me"}, "Enter a phone number"),
        ({"phone": "0" * 31}, "Phone number must be 30 characters or fewer"),
        ({"dob_month": ""}, "Date of birth must include a month"),
        ({"dob_day": "", "dob_month": "", "dob_year": ""}, "Enter your date of birth"),
        ({"dob_day": "31", "dob_month": "2"}, "Date of birth must be a real date"),
        ({"dob_year": "79"}, "Date of birth must be a real date"),
        ({"dob_day": "x" * 500}, "Date of birth must be a real date"),
        ({"dob_day": "²"}, "Date of birth must be a real date"),
        ({"dob_year": str(THIS_YEAR_DATE.year + 1)}, "Date of birth must be in the past"),
        ({"dob_year": str(THIS_YEAR_DATE.year - 121)}, "less than 120 years ago"),
    ],
)
def test_bad_patient_details_are_shown_next_to_the_field_and_in_the_summary(world, change, message):
    start = f.next_weekday_at(world.clinic, 1, 11)
    client = Client()
    url = _details_url(world.telehealth, "telehealth", world.ep, start)
    r = client.post(url, {**NEW_PATIENT, **change})
    assert r.status_code == 200
    page = r.content.decode()
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the summary and next to the field
    assert "Error: " in page  # the page title says so too
    assert 'aria-invalid="true"' in page or "is-invalid" in page
    assert "booking_draft" not in client.session
    assert not Patient.objects.filter(email__iexact=NEW_PATIENT["email"]).exists()


def test_an_error_is_tied_to_its_input_with_aria_describedby(world):
    start = f.next_weekday_at(world.clinic, 1, 11)
    url = _details_url(world.telehealth, "telehealth", world.ep, start)
    page = Client().post(url, {**NEW_PATIENT, "email": "nope"}).content.decode()
    assert 'href="#id_email"' in page
    assert 'aria-describedby="id_email_helptext id_email_error"' in page
    assert 'id="id_email_error"' in page


def test_a_time_taken_between_details_and_confirm_offers_the_nearest_free_times(world):
    client = Client()
    start = f.next_weekday_at(world.clinic, 1, 11)
    _to_review(client, world, service=world.telehealth, modality="telehealth", start=start)
    patients_before = Patient.objects.count()
    f.make_appointment(
        patient=world.other_patient,
        practitioner=world.ep,
        service=world.telehealth,
        start=start,
        modality="telehealth",
    )

    r = client.post(reverse("bookings:book-review"))
    assert r.status_code == 409
    page = r.content.decode()
    assert "That time was just taken: here are the nearest free times" in page
    alternatives = [q for q in _time_links(r) if q.get("keep") == "1"]
    assert len(alternatives) >= 3
    assert all(q["start"] != start.isoformat() for q in alternatives)
    assert Appointment.objects.count() == 1
    assert Patient.objects.count() == patients_before  # the new patient was rolled back

    # An alternative keeps the details already given and goes straight to review.
    chosen = alternatives[0]
    r = client.get(reverse("bookings:book-details") + "?" + urlencode(chosen))
    assert r["Location"] == reverse("bookings:book-review")
    assert "Rowan Inventa" in client.get(r["Location"]).content.decode()
    r = client.post(reverse("bookings:book-review"))
    assert r.status_code == 302
    booked = Appointment.objects.get(patient__email="rowan.inventa@example.org")
    assert (
        booked.start.isoformat()
        == datetime.fromisoformat(chosen["start"]).astimezone(booked.start.tzinfo).isoformat()
    )


def test_the_review_step_without_a_draft_starts_again(world):
    client = Client()
    for name in ("book-review", "book-screening"):
        r = client.get(reverse(f"bookings:{name}"))
        assert r["Location"] == reverse("bookings:service-list")
    r = client.post(reverse("bookings:book-review"))
    assert r["Location"] == reverse("bookings:service-list")
    assert not Appointment.objects.exists()


# --- Who may see the result ----------------------------------------------------------------


def _book_telehealth(client, world, hour=11):
    start = f.next_weekday_at(world.clinic, 1, hour)
    _to_review(client, world, service=world.telehealth, modality="telehealth", start=start)
    r = client.post(reverse("bookings:book-review"))
    assert r.status_code == 302
    return Appointment.objects.get(start=start)


def test_done_and_calendar_pages_are_404_for_anyone_else(
    world, client_as_other_patient, client_as_practitioner
):
    booker = Client()
    appointment = _book_telehealth(booker, world)
    done = reverse("bookings:book-done", args=[appointment.code])
    ics = reverse("bookings:book-ics", args=[appointment.code])
    assert booker.get(done).status_code == 200
    assert booker.get(ics).status_code == 200
    for other in (Client(), client_as_other_patient, client_as_practitioner):
        assert other.get(done).status_code == 404
        assert other.get(ics).status_code == 404


def test_the_calendar_download_is_an_ics_file_for_the_booking(world):
    client = Client()
    appointment = _book_telehealth(client, world)
    r = client.get(reverse("bookings:book-ics", args=[appointment.code]))
    assert r["Content-Type"].startswith("text/calendar")
    assert "attachment" in r["Content-Disposition"]
    body = r.content.decode()
    assert f"UID:{appointment.code}@stance" in body
    assert "DTSTART;TZID=Australia/Sydney:" in body
    assert "Rowan" not in body  # no patient details in a PUBLISH file


def test_the_done_page_links_to_manage_when_that_page_exists(world):
    client = Client()
    appointment = _book_telehealth(client, world)
    page = client.get(reverse("bookings:book-done", args=[appointment.code])).content.decode()
    try:
        from bookings.tokens import manage_token_for

        manage = reverse("bookings:manage", args=[manage_token_for(appointment)])
    except Exception:
        assert "Manage or cancel" not in page
    else:
        assert manage in page


# --- Rate limit ------------------------------------------------------------------------------


def test_confirming_too_often_answers_429(world, settings):
    settings.STANCE_BOOKING_RATE_LIMIT = "2/min"
    client = Client()
    start = f.next_weekday_at(world.clinic, 1, 11)
    _to_review(client, world, service=world.telehealth, modality="telehealth", start=start)
    assert client.post(reverse("bookings:book-review")).status_code == 302
    assert client.post(reverse("bookings:book-review")).status_code == 302  # same booking
    r = client.post(reverse("bookings:book-review"))
    assert r.status_code == 429
    assert "Too many booking attempts" in r.content.decode()
    assert Appointment.objects.count() == 1
    # Another address has its own budget.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(reverse("bookings:book-review")).status_code == 302  # no draft: restart


def test_the_rate_limit_can_be_switched_off(world, settings):
    settings.STANCE_BOOKING_RATE_LIMIT = "off"
    client = Client()
    for _ in range(25):
        assert client.post(reverse("bookings:book-review")).status_code == 302


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("20/min", (20, 60)),
        ("5/s", (5, 1)),
        ("100/hour", (100, 3600)),
        ("9/day", (9, 86400)),
        ("off", None),
        ("OFF", None),
    ],
)
def test_rates_are_parsed(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["20", "20/fortnight", "many/min", "-1/min", "0/min"])
def test_a_bad_rate_fails_loudly(rate):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        parse_rate(rate)


# --- The week page --------------------------------------------------------------------------


def test_the_week_page_groups_times_by_day_and_links_weeks(world):
    start = f.next_weekday_at(world.clinic, 0, 9)  # a Monday
    monday = start.date()
    r = Client().get(
        _slot_url(world.service, "clinic", practitioner=world.ep.code, week=monday.isoformat())
    )
    page = r.content.decode()
    assert page.count("<h1") == 1
    assert f"Monday {monday.day} {monday:%B}" in page
    assert "Saturday" in page and "No free times" in page  # EP does not work weekends
    assert "Previous week" in page and "Next week" in page
    starts = {q["start"] for q in _time_links(r)}
    assert start.isoformat() in starts
    # Only the chosen practitioner's times, without "with ..." labels.
    assert {q["practitioner"] for q in _time_links(r)} == {str(world.ep.code)}
    assert '<span class="slot-extra">with' not in page


def test_the_current_week_has_no_previous_link(world):
    r = Client().get(_slot_url(world.service, "clinic", practitioner="any"))
    assert r.status_code == 200
    assert "Previous week" not in r.content.decode()


def test_an_empty_week_links_to_the_next_week_with_free_times(world):
    start = f.next_weekday_at(world.clinic, 0, 9, weeks=2)
    monday = start.date()
    # The EP is away for the whole week of `monday`.
    world.ep.time_off.create(
        start=datetime.combine(monday, time(0), tzinfo=world.clinic.tz),
        end=datetime.combine(monday + timedelta(days=7), time(0), tzinfo=world.clinic.tz),
    )
    r = Client().get(
        _slot_url(world.telehealth, "telehealth", practitioner="any", week=monday.isoformat())
    )
    page = r.content.decode()
    assert "There are no free times this week." in page
    next_week = _slot_url(
        world.telehealth,
        "telehealth",
        practitioner="any",
        week=(monday + timedelta(days=7)).isoformat(),
    )
    assert html.escape(next_week) in page
    assert "See the next free times, from Monday" in page


def test_no_preference_gives_each_time_to_the_practitioner_with_fewest_bookings(world):
    wednesday = f.next_weekday_at(world.clinic, 2, 9)
    # The EP already has two visits that day, the physio none.
    for hour in (15, 16):
        f.make_appointment(
            patient=world.other_patient,
            practitioner=world.ep,
            service=world.service,
            start=wednesday.replace(hour=hour),
        )
    r = Client().get(
        _slot_url(world.service, "clinic", practitioner="any", week=_week(world.clinic, wednesday))
    )
    links = [q for q in _time_links(r) if q["start"] == wednesday.isoformat()]
    assert len(links) == 1
    assert links[0]["practitioner"] == str(world.physio.code)
    assert "with Jo Park" in r.content.decode()


def test_telehealth_times_can_also_be_shown_in_the_patients_zone(world):
    start = f.next_weekday_at(world.clinic, 1, 11)
    r = Client().get(
        _slot_url(
            world.telehealth,
            "telehealth",
            practitioner=world.ep.code,
            week=_week(world.clinic, start),
            tz="Australia/Perth",
        )
    )
    page = r.content.decode()
    perth = start.astimezone(ZoneInfo("Australia/Perth"))
    hour = perth.hour % 12 or 12
    assert f"{hour}:00 am in Perth (Western Australia)" in page
    assert '<option value="Australia/Perth" selected>' in page
    assert "js/booking.js" in page
    # The chosen zone follows the visitor to the details step.
    assert {q["tz"] for q in _time_links(r)} == {"Australia/Perth"}


def test_the_week_page_keeps_a_constant_number_of_queries(world, django_assert_max_num_queries):
    start = f.next_weekday_at(world.clinic, 2, 9)
    url = _slot_url(world.service, "clinic", practitioner="any", week=_week(world.clinic, start))
    client = Client()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    # Many more practitioners, locations, hours and bookings.
    for n in range(4):
        extra = f.make_practitioner(world.clinic, display_name=f"Extra {n}")
        place = f.make_location(world.clinic, name=f"Extra rooms {n}")
        f.make_hours(extra, place, weekdays=range(0, 5))
        world.service.practitioners.add(extra)
        for day in range(5):
            f.make_appointment(
                patient=world.other_patient,
                practitioner=extra,
                service=world.service,
                start=start + timedelta(days=day - 2, hours=n),
                location=place,
            )
    with django_assert_max_num_queries(len(few)):
        r = client.get(url)
    assert r.status_code == 200
    assert len(_time_links(r)) > 100
    assert len(few) <= 10


def _next_dst_change(tz: ZoneInfo, after: date) -> date:
    day = after
    while True:
        day += timedelta(days=1)
        morning = datetime.combine(day, time(0), tzinfo=tz)
        evening = datetime.combine(day, time(23), tzinfo=tz)
        if morning.utcoffset() != evening.utcoffset():
            return day


def test_a_sydney_daylight_saving_day_shows_the_right_local_times(world):
    clinic = world.clinic
    clinic.booking_horizon_days = 365
    clinic.save()
    tz = clinic.tz
    change = _next_dst_change(tz, timezone.now().astimezone(tz).date() + timedelta(days=1))
    assert change.weekday() == 6  # Sydney changes on Sundays
    WorkingHours.objects.create(
        practitioner=world.ep,
        location=world.location,
        weekday=6,
        start_time=time(0),
        end_time=time(5),
    )
    r = Client().get(
        _slot_url(
            world.telehealth, "telehealth", practitioner=world.ep.code, week=week_start(change)
        )
    )
    assert r.status_code == 200
    starts = [
        datetime.fromisoformat(q["start"])
        for q in _time_links(r)
        if q["start"].startswith(change.isoformat())
    ]
    offsets = {s.utcoffset() for s in starts}
    assert offsets == {timedelta(hours=10), timedelta(hours=11)}
    # Every start is 15 real minutes after the one before, across the change.
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(starts))
    page = r.content.decode()
    if change.month == 10:  # spring forward: 2:00 to 2:59 am does not exist
        assert len(starts) == 15  # 4 real hours of 30-minute visits
        assert not any(s.hour == 2 for s in starts)
        assert "1:45 am" in page and "3:00 am" in page
    else:  # fall back: 2:00 to 2:59 am happens twice
        assert len(starts) == 23  # 6 real hours
        assert [s.hour for s in starts].count(2) == 8
    # The shown labels are the local wall-clock times of the instants in the links.
    for s in starts:
        label = f"{s.hour % 12 or 12}:{s:%M} {'am' if s.hour < 12 else 'pm'}"
        assert label in page
