"""The booking services: book, cancel, reschedule, mark, and the availability selector."""

from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

import pytest

from bookings.models import Appointment, Notification, TimeOff
from bookings.selectors import available_slots
from bookings.services import (
    CancellationWindowPassed,
    SlotUnavailable,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_reschedule,
    patient_match_or_create,
)
from clinic.errors import DomainError
from tests import factories as f

pytestmark = pytest.mark.django_db


def _book(world, start, **kw):
    args = {
        "service": world.service,
        "practitioner": world.ep,
        "modality": "clinic",
        "start": start,
        "patient": world.patient,
    }
    args.update(kw)
    return appointment_book(**args)


def test_it_books_a_free_clinic_slot_at_the_working_location(world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    assert appt.status == Appointment.Status.BOOKED
    assert appt.end - appt.start == timedelta(minutes=30)
    assert appt.location == world.location
    assert appt.telehealth_url == ""


def test_a_telehealth_visit_gets_an_unguessable_room_and_no_location(world, settings):
    start = f.next_weekday_at(world.clinic, 1, 11)
    a = _book(world, start, service=world.telehealth, modality="telehealth")
    b = _book(world, start + timedelta(hours=1), service=world.telehealth, modality="telehealth")
    assert a.location is None
    assert a.telehealth_url.startswith(settings.TELEHEALTH_BASE_URL + "/stance-")
    assert a.telehealth_url != b.telehealth_url
    assert len(a.telehealth_url.removeprefix(settings.TELEHEALTH_BASE_URL + "/stance-")) >= 24


def test_it_refuses_a_taken_time_and_offers_the_nearest_free_ones(world):
    start = f.next_weekday_at(world.clinic, 2, 10)
    _book(world, start)
    with pytest.raises(SlotUnavailable) as exc:
        _book(world, start + timedelta(minutes=15), patient=world.other_patient)
    alternatives = exc.value.alternatives
    assert alternatives
    assert all(abs(s.start - start) <= timedelta(hours=2) for s in alternatives[:2])
    assert Appointment.objects.count() == 1


def test_it_refuses_times_outside_hours_in_the_past_and_off_grid(world):
    monday = f.next_weekday_at(world.clinic, 0, 10)
    with pytest.raises(SlotUnavailable):
        _book(world, monday.replace(hour=18))
    with pytest.raises(SlotUnavailable):
        _book(world, monday.replace(minute=7))
    with pytest.raises(SlotUnavailable):
        _book(world, monday + timedelta(days=5))  # Saturday
    with pytest.raises(DomainError):
        _book(world, timezone.now() - timedelta(hours=1))
    assert not Appointment.objects.exists()


def test_it_respects_minimum_notice_and_the_horizon_for_patients_but_not_staff(world):
    world.clinic.min_booking_notice_minutes = 7 * 24 * 60
    world.clinic.booking_horizon_days = 14
    world.clinic.save()
    soon = f.next_weekday_at(world.clinic, 0, 10, weeks=0) + timedelta(days=1)
    while soon.weekday() > 4:
        soon += timedelta(days=1)
    with pytest.raises(SlotUnavailable):
        _book(world, soon)
    too_far = f.next_weekday_at(world.clinic, 0, 10, weeks=3)
    with pytest.raises(SlotUnavailable):
        _book(world, too_far)
    staff = _book(world, soon, source=Appointment.Source.STAFF, booked_by=world.reception)
    assert staff.source == "staff"


def test_the_service_buffer_holds_time_after_the_visit(world):
    start = f.next_weekday_at(world.clinic, 3, 10)
    appt = _book(world, start, service=world.initial)  # 60 min + 15 min buffer
    assert appt.blocked_until == appt.end + timedelta(minutes=15)
    with pytest.raises(SlotUnavailable):
        _book(world, start + timedelta(minutes=60), patient=world.other_patient)
    ok = _book(world, start + timedelta(minutes=75), patient=world.other_patient)
    assert ok.start == start + timedelta(minutes=75)


def test_time_off_removes_slots(world):
    start = f.next_weekday_at(world.clinic, 4, 9)
    TimeOff.objects.create(practitioner=world.ep, start=start, end=start + timedelta(hours=8))
    day = start.date()
    assert not available_slots(
        service=world.service,
        start_date=day,
        end_date=day,
        now=timezone.now(),
        practitioner=world.ep,
    )


def test_no_preference_merges_every_practitioner_who_offers_the_service(world):
    start = f.next_weekday_at(world.clinic, 0, 9)
    day = start.date()
    slots = available_slots(
        service=world.service,
        start_date=day,
        end_date=day,
        now=timezone.now(),
        modality="clinic",
    )
    assert {s.practitioner_id for s in slots if s.start == start} == {world.ep.pk, world.physio.pk}


def test_the_availability_query_count_does_not_grow_with_days_or_practitioners(
    world, django_assert_num_queries
):
    day = f.next_weekday_at(world.clinic, 0, 9).date()
    service = type(world.service).objects.get(pk=world.service.pk)
    # clinic, practitioners, working hours, time off, appointments, closures
    with django_assert_num_queries(6):
        available_slots(service=service, start_date=day, end_date=day, now=timezone.now())
    for _ in range(5):
        p = f.make_practitioner(world.clinic)
        f.make_hours(p, world.location)
        service.practitioners.add(p)
    service = type(service).objects.get(pk=service.pk)
    with django_assert_num_queries(6):
        available_slots(
            service=service, start_date=day, end_date=day + timedelta(days=27), now=timezone.now()
        )


def test_a_repeated_booking_request_id_returns_the_first_booking(world):
    import uuid

    key = uuid.uuid4()
    start = f.next_weekday_at(world.clinic, 0, 13)
    first = _book(world, start, booking_request_id=key)
    again = _book(world, start, booking_request_id=key)
    assert first.pk == again.pk
    assert Appointment.objects.count() == 1


def test_patients_cannot_cancel_inside_the_window_but_staff_can(world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    late = start - timedelta(hours=2)
    with pytest.raises(CancellationWindowPassed) as exc:
        appointment_cancel(appointment=appt, by_user=world.patient.user, now=late)
    assert world.clinic.phone in exc.value.message
    done = appointment_cancel(
        appointment=appt, by_user=world.reception, as_staff=True, reason="Unwell", now=late
    )
    assert done.status == "cancelled"
    assert done.cancelled_by == world.reception
    assert done.cancellation_reason == "Unwell"


def test_a_cancelled_time_becomes_free_again(world):
    start = f.next_weekday_at(world.clinic, 1, 10)
    appt = _book(world, start)
    appointment_cancel(appointment=appt, by_user=world.patient.user)
    again = _book(world, start, patient=world.other_patient)
    assert again.status == "booked"


def test_reschedule_keeps_identity_bumps_sequence_and_frees_the_old_time(world):
    start = f.next_weekday_at(world.clinic, 2, 10)
    appt = _book(world, start)
    code = appt.code
    moved = appointment_reschedule(
        appointment=appt, start=start + timedelta(minutes=15), by_user=world.patient.user
    )
    assert moved.code == code
    assert moved.sequence == 1
    assert moved.start == start + timedelta(minutes=15)  # overlaps its own old time: fine
    other = _book(world, start + timedelta(hours=2), patient=world.other_patient)
    with pytest.raises(SlotUnavailable):
        appointment_reschedule(appointment=appt, start=other.start, by_user=world.patient.user)
    appt.refresh_from_db()
    assert appt.start == start + timedelta(minutes=15)


def test_reschedule_inside_the_window_is_refused_for_patients(world):
    start = f.next_weekday_at(world.clinic, 2, 10)
    appt = _book(world, start)
    with pytest.raises(CancellationWindowPassed):
        appointment_reschedule(
            appointment=appt,
            start=start + timedelta(days=1),
            by_user=world.patient.user,
            now=start - timedelta(hours=1),
        )


def test_attendance_can_be_marked_only_once_the_visit_started(world):
    start = f.next_weekday_at(world.clinic, 3, 10)
    appt = _book(world, start)
    with pytest.raises(DomainError):
        appointment_mark(appointment=appt, status="attended", by_user=world.ep.user)
    marked = appointment_mark(
        appointment=appt, status="no_show", by_user=world.ep.user, now=start + timedelta(minutes=5)
    )
    assert marked.status == "no_show"


def test_a_practitioner_who_does_not_offer_the_service_cannot_be_booked(world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    with pytest.raises(DomainError):
        _book(world, start, practitioner=world.physio, service=world.initial)
    with pytest.raises(DomainError):
        _book(
            world,
            start,
            service=world.physio_service,
            practitioner=world.physio,
            modality="telehealth",
        )


def test_patient_match_or_create_matches_by_email_and_never_overwrites(world):
    same = patient_match_or_create(
        clinic=world.clinic,
        first_name="Someone",
        last_name="Else",
        email="PAT@example.org",
        phone="1",
        date_of_birth=world.patient.date_of_birth,
    )
    assert same.pk == world.patient.pk
    world.patient.refresh_from_db()
    assert world.patient.first_name == "Pat"
    new = patient_match_or_create(
        clinic=world.clinic,
        first_name="Nia",
        last_name="New",
        email="nia@example.org",
        phone="0400 111 222",
        date_of_birth=world.patient.date_of_birth,
    )
    assert new.user is not None and new.user.email == "nia@example.org"
    assert not new.user.has_usable_password()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraint is PostgreSQL's"
)
def test_the_database_refuses_overlaps_written_around_the_service(world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    f.make_appointment(
        patient=world.patient, practitioner=world.ep, service=world.service, start=start
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        f.make_appointment(
            patient=world.other_patient,
            practitioner=world.ep,
            service=world.initial,
            start=start + timedelta(minutes=20),
        )
    # Back to back is fine, and a cancelled row holds no time.
    f.make_appointment(
        patient=world.other_patient,
        practitioner=world.ep,
        service=world.service,
        start=start + timedelta(minutes=30),
    )
    f.make_appointment(
        patient=world.other_patient,
        practitioner=world.ep,
        service=world.service,
        start=start,
        status="cancelled",
    )


def test_a_booking_costs_at_most_ten_statements(world, django_assert_max_num_queries):
    """Issue 16: lock the diary (asking in the same query whether the practitioner offers
    the service), re-check the one day (with its closures, issue 14), look for the
    patient's clash, insert the visit, insert its emails in one go (26 statements
    before); the savepoint and its release, a transaction's BEGIN and COMMIT outside a
    test, count too."""
    start = f.next_weekday_at(world.clinic, 2, 10)
    with django_assert_max_num_queries(10):
        appointment_book(
            service=world.service,
            practitioner=world.ep,
            modality="clinic",
            start=start,
            patient=world.patient,
        )
    assert Notification.objects.filter(appointment__start=start).count() == 3
