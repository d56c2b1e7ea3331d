"""Sign-up: where patient accounts are made (the booking flow's details step and API
bookings) has its own rate limit, and never tells whether an address has an account."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.core.cache import cache
from django.test import Client
from django.urls import reverse

import pytest

from bookings.models import ScreeningQuestion
from clinic.models import Patient, User
from tests import factories as f

pytestmark = pytest.mark.django_db

DETAILS = {
    "first_name": "Rowan",
    "last_name": "Inventa",
    "phone": "0400 123 456",
    "dob_day": "14",
    "dob_month": "7",
    "dob_year": "1979",
}


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _details_url(world, start) -> str:
    query = {
        "service": world.telehealth.code,
        "modality": "telehealth",
        "practitioner": world.ep.code,
        "start": start.isoformat(),
        "location": "",
    }
    return reverse("bookings:book-details") + "?" + urlencode(query)


def _api_body(world, start, email: str) -> dict:
    return {
        "service": str(world.telehealth.code),
        "practitioner": str(world.ep.code),
        "modality": "telehealth",
        "start": start.isoformat(),
        "patient": {
            "first_name": "Rowan",
            "last_name": "Inventa",
            "email": email,
            "phone": "0400 123 456",
            "date_of_birth": "1979-07-14",
        },
    }


def test_the_details_step_is_limited_per_client_on_its_own_budget(world, settings):
    settings.STANCE_SIGNUP_RATE_LIMIT = "3/hour"
    settings.STANCE_BOOKING_RATE_LIMIT = "off"
    settings.STANCE_PASSWORD_RESET_RATE_LIMIT = "100/hour"
    url = _details_url(world, f.next_weekday_at(world.clinic, 0, 10))
    client = Client()
    for n in range(3):
        data = {**DETAILS, "email": f"new{n}@example.org"}
        assert client.post(url, data).status_code == 302
    paused = client.post(url, {**DETAILS, "email": "new9@example.org"})
    assert paused.status_code == 429
    assert "Too many new bookings" in paused.content.decode()
    # Another client is not affected, and password links have their own budget.
    other = Client(REMOTE_ADDR="198.51.100.20")
    assert other.post(url, {**DETAILS, "email": "x@example.org"}).status_code == 302
    assert client.post(reverse("password_reset"), {"email": "a@example.org"}).status_code == 302


def test_the_api_shares_the_sign_up_budget(world, settings):
    settings.STANCE_SIGNUP_RATE_LIMIT = "2/hour"
    client = Client()
    url = reverse("bookings:api-appointment-create")
    starts = [f.next_weekday_at(world.clinic, 0, h) for h in (10, 11, 12)]
    details = _details_url(world, starts[0])
    assert client.post(details, {**DETAILS, "email": "web@example.org"}).status_code == 302
    body = json.dumps(_api_body(world, starts[1], "api1@example.org"))
    assert client.post(url, body, content_type="application/json").status_code == 201
    body = json.dumps(_api_body(world, starts[2], "api2@example.org"))
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert not Patient.objects.filter(email="api2@example.org").exists()


def test_a_known_address_gets_the_same_pages_as_a_new_one(world, settings):
    """Booking with an address that has an account (even a staff one) looks the same as
    with a new address, and shows none of the stored record."""
    settings.MAILERS = {"default": {"BACKEND": "tests.security.test_signup.BrokenBackend"}}
    f.make_patient(world.clinic, email="known@example.org", first_name="Stored", phone="0299")
    pages = []
    for hour, email in ((10, "known@example.org"), (11, "fresh@example.org")):
        client = Client()
        start = f.next_weekday_at(world.clinic, 0, hour)
        details = client.post(_details_url(world, start), {**DETAILS, "email": email})
        review = client.get(details["Location"])
        done = client.post(reverse("bookings:book-review"))
        final = client.get(done["Location"])
        pages.append((details.status_code, review.status_code, done.status_code, final))
    (a1, a2, a3, known), (b1, b2, b3, fresh) = pages
    assert (a1, a2, a3) == (b1, b2, b3) == (302, 200, 302)
    assert known.status_code == fresh.status_code == 200
    body = known.content.decode()
    assert "Stored" not in body and "0299" not in body
    assert ("Set a password" in body) == ("Set a password" in fresh.content.decode())


class BrokenBackend:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise ConnectionRefusedError("down")

    def send_messages(self, messages):
        raise ConnectionRefusedError("down")

    def close(self):
        pass


def test_password_links_answer_the_same_when_mail_fails(world, settings, client):
    settings.MAILERS = {"default": {"BACKEND": "tests.security.test_signup.BrokenBackend"}}
    staff = f.make_user(role=User.Role.RECEPTION, clinic=world.clinic, email="desk@example.org")
    answers = [
        client.post(reverse("password_reset"), {"email": address})
        for address in (world.patient.user.email, "nobody@example.org", staff.email)
    ]
    assert {(r.status_code, r["Location"]) for r in answers} == {
        (302, reverse("password_reset_done"))
    }


def test_screening_answers_leave_the_session_once_booked(world):
    ScreeningQuestion.objects.create(clinic=world.clinic, text="Any new injury?")
    client = Client()
    start = f.next_weekday_at(world.clinic, 0, 10)
    query = {
        "service": world.service.code,
        "modality": "clinic",
        "practitioner": world.ep.code,
        "start": start.isoformat(),
        "location": world.location.pk,
    }
    url = reverse("bookings:book-details") + "?" + urlencode(query)
    assert client.post(url, {**DETAILS, "email": "s@example.org"}).status_code == 302
    question = ScreeningQuestion.objects.get()
    client.post(reverse("bookings:book-screening"), {f"q{question.pk}": "no"})
    assert client.session["booking_draft"]["screening"]["answers"] == {str(question.pk): "no"}
    assert client.post(reverse("bookings:book-review")).status_code == 302
    assert client.session["booking_draft"]["screening"] == {"answers": {}, "clear": True}
