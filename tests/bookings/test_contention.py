"""Contention on PostgreSQL: a booking, move or cancellation that loses a race or waits
too long for a lock is a 409 with something to do next, never a 500; an idempotency key
answers only the request it was first used for.

Threads need committed data and their own connections, so these tests use
`transaction=True` and close each thread's connection.
"""

import json
import threading
import uuid
from collections import Counter
from contextlib import contextmanager

from django.db import connection, connections
from django.test import Client

import pytest

from bookings.models import Appointment
from bookings.services import (
    SlotUnavailable,
    VisitBusy,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from clinic.models import Patient, Practitioner
from tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

BOOK = "/api/v1/appointments/"


def _body(world, start, *, email="robin@example.org", key=None):
    body = {
        "service": str(world.service.code),
        "practitioner": str(world.ep.code),
        "modality": "clinic",
        "start": start.isoformat(),
        "patient": {
            "first_name": "Robin",
            "last_name": "Example",
            "email": email,
            "phone": "0400 111 222",
            "date_of_birth": "1990-05-17",
        },
    }
    if key is not None:
        body["booking_request_id"] = key
    return body


def _post_all(bodies):
    """POST each body from its own thread and client, all released at once."""
    barrier = threading.Barrier(len(bodies))
    answers = []
    lock = threading.Lock()

    def run(i, body):
        try:
            barrier.wait()
            client = Client(REMOTE_ADDR=f"192.0.2.{i + 1}")  # one rate-limit bucket each
            r = client.post(BOOK, json.dumps(body), content_type="application/json")
            answer = (r.status_code, r.json())
        finally:
            connection.close()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


@contextmanager
def _practitioner_locked(practitioner):
    """Another session holds the practitioner's row lock, as a slow writer would."""
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            sql = "SELECT 1 FROM clinic_practitioner WHERE id = %s FOR UPDATE"
            assert Practitioner._meta.db_table == "clinic_practitioner"
            cursor.execute(sql, [practitioner.pk])
        yield
    finally:
        other.rollback()
        other.close()


@pytest.fixture
def short_lock_wait():
    """This test's own session gives up on a lock after 200 ms instead of 5 s (a test-only
    session setting: the app's limit is the connection option in settings)."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    yield
    connection.close()


def test_many_clients_after_few_slots_get_bookings_or_409s_and_never_a_500(world):
    starts = [f.next_weekday_at(world.clinic, 0, hour) for hour in (9, 11, 14)]
    bodies = [
        _body(world, starts[i % len(starts)], email=f"racer{i}@example.org") for i in range(12)
    ]

    answers = _post_all(bodies)

    codes = Counter(code for code, _ in answers)
    assert set(codes) <= {201, 409}, answers
    assert codes[201] == len(starts)
    assert all("alternatives" in body for code, body in answers if code == 409)
    assert Appointment.objects.active().filter(practitioner=world.ep).count() == len(starts)


def test_one_key_sent_at_once_by_two_people_books_once_and_tells_only_the_first(world):
    start = f.next_weekday_at(world.clinic, 1, 10)
    key = str(uuid.uuid4())
    patients_before = Patient.objects.count()
    bodies = [_body(world, start, email=f"person{i}@example.org", key=key) for i in range(6)]

    answers = _post_all(bodies)

    booked = [body for code, body in answers if code in (200, 201)]
    refused = [body for code, body in answers if code == 409]
    assert len(booked) == 1, answers
    assert len(refused) == 5, answers
    assert all("manage_token" not in body for body in refused)
    assert Appointment.objects.count() == 1
    assert Patient.objects.count() == patients_before + 1  # no orphan patients


def test_one_key_sent_at_once_by_the_same_requester_answers_with_the_same_visit(world):
    start = f.next_weekday_at(world.clinic, 1, 11)
    key = str(uuid.uuid4())
    patients_before = Patient.objects.count()

    answers = _post_all([_body(world, start, key=key) for _ in range(4)])

    assert {code for code, _ in answers} <= {200, 201}, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert Appointment.objects.count() == 1
    assert Patient.objects.count() == patients_before + 1


def test_a_booking_that_waits_too_long_for_the_diary_is_a_409_with_free_times(
    world, short_lock_wait
):
    start = f.next_weekday_at(world.clinic, 2, 10)
    with _practitioner_locked(world.ep):
        r = Client(REMOTE_ADDR="192.0.2.200").post(
            BOOK, json.dumps(_body(world, start)), content_type="application/json"
        )

    assert r.status_code == 409
    assert r.json()["alternatives"]
    assert not Appointment.objects.exists()


def test_moving_a_visit_whose_diary_is_busy_is_slot_unavailable(world, short_lock_wait):
    start = f.next_weekday_at(world.clinic, 2, 10)
    appt = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=world.patient,
    )
    with _practitioner_locked(world.ep), pytest.raises(SlotUnavailable):
        appointment_reschedule(
            appointment=appt, start=start.replace(hour=14), by_user=None, as_staff=True
        )
    appt.refresh_from_db()
    assert appt.start == start


def test_cancelling_takes_the_practitioner_lock_first_and_answers_busy(world, short_lock_wait):
    """Cancel locks in the same order as a move (practitioner, then the visit), so a
    cancel and a move of the same visit never deadlock; a long wait is VisitBusy."""
    start = f.next_weekday_at(world.clinic, 3, 10)
    appt = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=world.patient,
    )
    with _practitioner_locked(world.ep), pytest.raises(VisitBusy):
        appointment_cancel(appointment=appt, by_user=None, as_staff=True)
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_cancel_and_move_of_one_visit_at_once_never_fail_with_a_server_error(world):
    outcomes = []
    for day in range(3):
        start = f.next_weekday_at(world.clinic, day, 9)
        appt = appointment_book(
            service=world.service,
            practitioner=world.ep,
            modality="clinic",
            start=start,
            patient=world.patient,
        )
        barrier = threading.Barrier(2)
        lock = threading.Lock()

        def run(action, appt=appt, start=start, barrier=barrier, lock=lock):
            try:
                barrier.wait()
                if action == "cancel":
                    appointment_cancel(appointment=appt, by_user=None, as_staff=True)
                else:
                    appointment_reschedule(
                        appointment=appt,
                        start=start.replace(hour=15),
                        by_user=None,
                        practitioner=world.physio,
                        as_staff=True,
                    )
                outcome = "done"
            except (SlotUnavailable, VisitBusy) as exc:
                outcome = type(exc).__name__
            except Exception as exc:  # a domain "already cancelled" is fine too
                outcome = "domain" if hasattr(exc, "message") else repr(exc)
            finally:
                connection.close()
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=run, args=(a,)) for a in ("cancel", "move")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert all(o in {"done", "domain", "SlotUnavailable", "VisitBusy"} for o in outcomes), outcomes
