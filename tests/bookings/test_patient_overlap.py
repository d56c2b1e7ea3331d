"""Issue 14: one patient, two practitioners, the same time. Refused when a signed-in
patient books; staff are warned and may book it anyway. (A booking made with typed
details never reaches an existing record before its owner confirms, issue 16, so there
is nothing to compare it with.)"""

from __future__ import annotations

from datetime import date

import pytest

from bookings.forms.staff import slot_value
from bookings.models import Appointment
from bookings.services import PatientAlreadyBooked, appointment_book
from tests import factories as f
from tests.bookings.test_views_staff import _book_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(world):
    """Pat sees the EP on Tuesday at 10:00 (30 minutes)."""
    start = f.next_weekday_at(world.clinic, 1, 10)
    return appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=world.patient,
    )


def _with_physio(world, start, **kw):
    return appointment_book(
        service=world.service,
        practitioner=world.physio,
        modality="clinic",
        start=start,
        patient=world.patient,
        **kw,
    )


def test_an_online_booking_over_the_patients_own_visit_is_refused(world, booked):
    with pytest.raises(PatientAlreadyBooked) as refused:
        _with_physio(world, booked.start.replace(minute=15), source=Appointment.Source.ONLINE)
    assert "Sam Lee" in refused.value.message
    assert Appointment.objects.filter(patient=world.patient).count() == 1


def test_back_to_back_visits_are_fine(world, booked):
    after = _with_physio(world, booked.end)
    assert after.start == booked.end


def test_a_cancelled_visit_does_not_count(world, booked):
    booked.status = Appointment.Status.CANCELLED
    booked.save()
    assert _with_physio(world, booked.start).practitioner == world.physio


def test_staff_are_stopped_too_unless_they_book_anyway(world, booked):
    with pytest.raises(PatientAlreadyBooked):
        _with_physio(world, booked.start, source=Appointment.Source.STAFF)
    both = _with_physio(
        world, booked.start, source=Appointment.Source.STAFF, allow_patient_overlap=True
    )
    assert both.practitioner == world.physio


def test_an_online_caller_cannot_ask_to_book_anyway(world, booked):
    with pytest.raises(PatientAlreadyBooked):
        _with_physio(
            world, booked.start, source=Appointment.Source.ONLINE, allow_patient_overlap=True
        )


def test_the_staff_page_warns_and_offers_book_anyway(client_as_reception, world, booked):
    day: date = booked.start.astimezone(world.clinic.tz).date()
    url = _book_url(world, world.patient, day, practitioner=world.physio.code)
    value = slot_value(
        practitioner_code=world.physio.code, start=booked.start, location_id=world.location.pk
    )

    warned = client_as_reception.post(url, {"slot": value})
    body = warned.content.decode()
    assert warned.status_code == 200
    assert "already has a visit at that time" in body
    assert 'name="allow_overlap"' in body
    assert Appointment.objects.filter(patient=world.patient).count() == 1

    anyway = client_as_reception.post(url, {"slot": value, "allow_overlap": "on"})
    assert anyway.status_code == 302
    assert Appointment.objects.filter(patient=world.patient).count() == 2


def test_a_visit_booked_anyway_is_marked_so_and_the_rule_skips_it(world):
    from django.core.exceptions import ValidationError

    start = f.next_weekday_at(world.clinic, 1, 10)
    first = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=world.patient,
        source=Appointment.Source.STAFF,
    )
    second = appointment_book(
        service=world.service,
        practitioner=world.physio,
        modality="clinic",
        start=start,
        patient=world.patient,
        source=Appointment.Source.STAFF,
        allow_patient_overlap=True,
    )
    assert (first.patient_overlap_ok, second.patient_overlap_ok) == (False, True)
    # The admin's and forms' check says the same as the database for an unmarked one.
    second.patient_overlap_ok = False
    with pytest.raises(ValidationError, match="already has a visit at that time"):
        second.full_clean()
