"""Issue 16: typing someone's email address must not attach a booking to their record.

An online or API booking with an address the clinic already has, by someone who has not
shown they own it (signed in, or the link in the confirmation email), is kept on a
record of its own marked as a possible duplicate; the answer is the same as for a new
patient; the address's owner can confirm from the email, and staff can join the two.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.emails import notification_email
from bookings.models import Appointment, Notification
from bookings.services import PatientDetails, appointment_book
from bookings.tokens import same_person_token_for
from clinic.models import Patient
from tests import factories as f
from tests.outbox import email_parts

pytestmark = pytest.mark.django_db

BOOK = "/api/v1/appointments/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _stranger(world, **changes):
    details = {
        "first_name": "Mallory",
        "last_name": "Stranger",
        "email": world.patient.email.upper(),  # Pat's address, typed differently
        "phone": "0499 999 999",
        "date_of_birth": "1980-01-01",
    }
    return details | changes


def _api_book(world, start, patient):
    body = {
        "service": str(world.service.code),
        "practitioner": str(world.ep.code),
        "modality": "clinic",
        "start": start.isoformat(),
        "patient": patient,
    }
    return Client().post(BOOK, json.dumps(body), content_type="application/json")


def _pats_record(world):
    return Patient.objects.get(pk=world.patient.pk)


def test_an_api_booking_with_a_known_address_stays_apart_and_reveals_nothing(world):
    before = _pats_record(world)
    pats_visits = Appointment.objects.filter(patient=before).count()

    response = _api_book(world, f.next_weekday_at(world.clinic, 0, 10), _stranger(world))

    assert response.status_code == 201
    answer = json.dumps(response.json())
    for private in (before.first_name, before.last_name, before.phone, str(before.code)):
        assert private not in answer
    appointment = Appointment.objects.get(code=response.json()["id"])
    assert appointment.patient_id != before.pk
    assert appointment.patient.possible_duplicate_of_id == before.pk
    assert appointment.patient.user_id is None  # Pat's login is not joined either
    after = _pats_record(world)
    assert (after.first_name, after.phone, after.user_id) == (
        before.first_name,
        before.phone,
        before.user_id,
    )
    assert Appointment.objects.filter(patient=after).count() == pats_visits


def test_the_answer_looks_the_same_as_for_an_address_nobody_has(world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    known = _api_book(world, start, _stranger(world)).json()
    unknown = _api_book(
        world, start + timedelta(hours=2), _stranger(world, email="nobody@example.org")
    ).json()
    assert sorted(known) == sorted(unknown)


def test_a_booking_form_with_a_known_address_stays_apart_too(world):
    start = f.next_weekday_at(world.clinic, 1, 10)
    details = _stranger(world)
    born = timezone.datetime.fromisoformat(details.pop("date_of_birth")).date()
    appointment = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=PatientDetails(date_of_birth=born, **details),
        source=Appointment.Source.ONLINE,
    )
    assert appointment.patient.possible_duplicate_of_id == world.patient.pk


def test_staff_booking_with_a_known_address_uses_the_record(world):
    start = f.next_weekday_at(world.clinic, 1, 11)
    appointment = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=PatientDetails(
            first_name="Pat",
            last_name="Whoever",
            email=world.patient.email,
            phone="0400 000 000",
            date_of_birth=world.patient.date_of_birth,
        ),
        source=Appointment.Source.STAFF,
        booked_by=world.reception,
    )
    assert appointment.patient_id == world.patient.pk


def test_the_owner_confirms_from_the_email_and_the_visit_joins_their_record(world):
    response = _api_book(world, f.next_weekday_at(world.clinic, 2, 10), _stranger(world))
    appointment = Appointment.objects.get(code=response.json()["id"])
    duplicate = appointment.patient
    confirmation = Notification.objects.get(
        appointment=appointment, kind=Notification.Kind.CONFIRMATION
    )

    message = notification_email(confirmation)
    parts = email_parts(message)
    assert message.to == [world.patient.email]
    assert "confirm it is you" in parts["text/plain"]
    link = re.search(r"http://[^\s]+/confirm-booking/[^/\s]+/", parts["text/plain"])[0]
    path = link.split("8000", 1)[1]

    page = Client().get(path)
    assert page.status_code == 200
    assert Patient.objects.filter(pk=duplicate.pk).exists()  # a GET only asks

    done = Client().post(path)
    assert done.status_code == 200
    assert "Your visit is on your record" in done.content.decode()
    appointment.refresh_from_db()
    assert appointment.patient_id == world.patient.pk
    duplicate.refresh_from_db()
    assert duplicate.duplicate_joined_at is not None
    assert Client().get(path).status_code == 404  # used


def test_a_confirm_link_is_for_one_purpose_and_expires(world):
    response = _api_book(world, f.next_weekday_at(world.clinic, 2, 11), _stranger(world))
    duplicate = Appointment.objects.get(code=response.json()["id"]).patient
    old = same_person_token_for(duplicate, now=timezone.now() - timedelta(days=31))
    assert Client().get(reverse("bookings:same-person", args=[old])).status_code == 404
    assert (
        Client().get(reverse("bookings:same-person", args=[str(uuid.uuid4())])).status_code == 404
    )
    ordinary = same_person_token_for(world.patient)  # not a possible duplicate
    assert Client().get(reverse("bookings:same-person", args=[ordinary])).status_code == 404


def test_staff_see_the_possible_match_and_join_the_two(world):
    response = _api_book(world, f.next_weekday_at(world.clinic, 3, 10), _stranger(world))
    appointment = Appointment.objects.get(code=response.json()["id"])
    duplicate = appointment.patient
    staff = Client()
    staff.force_login(world.reception)

    page = staff.get(duplicate.get_absolute_url()).content.decode()
    assert "Possible duplicate" in page
    assert world.patient.full_name in page
    assert duplicate.full_name in staff.get(world.patient.get_absolute_url()).content.decode()

    joined = staff.post(reverse("bookings:staff-patient-join", args=[duplicate.code]))
    assert joined.status_code == 302
    assert joined["Location"] == world.patient.get_absolute_url()
    appointment.refresh_from_db()
    assert appointment.patient_id == world.patient.pk
    assert Notification.objects.filter(appointment=appointment, patient=world.patient).exists()
    # The emptied record stays (the access log names it) but leaves the patient list.
    duplicate.refresh_from_db()
    assert duplicate.duplicate_joined_at is not None
    assert "Joined into" in staff.get(duplicate.get_absolute_url()).content.decode()
    assert duplicate.full_name not in staff.get(world.patient.get_absolute_url()).content.decode()
    listing = staff.get(reverse("bookings:staff-patient-list"), {"q": "Mallory"})
    assert duplicate.full_name not in listing.content.decode()
    again = staff.post(reverse("bookings:staff-patient-join", args=[duplicate.code]))
    assert again.status_code == 302  # told on the page: nothing more to join
