"""Races on PostgreSQL: many patients after one practitioner's time at the same moment.

Threads need committed data and their own connections, so these tests use
`transaction=True` and close each thread's connection.
"""

import threading
from datetime import timedelta

from django.db import connection

import pytest

from bookings.models import Appointment
from bookings.services import PatientAlreadyBooked, SlotUnavailable, appointment_book
from tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and exclusion need PostgreSQL"
    ),
]


def _race(attempts):
    """Run each zero-argument callable in its own thread, released at the same instant."""
    barrier = threading.Barrier(len(attempts))
    results = []
    lock = threading.Lock()

    def run(attempt):
        try:
            barrier.wait()
            outcome = ("booked", attempt())
        except SlotUnavailable:
            outcome = ("taken", None)
        except Exception as exc:
            outcome = ("error", repr(exc))
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_sixteen_patients_one_slot_exactly_one_booked(world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    patients = [f.make_patient(world.clinic) for _ in range(16)]

    def attempt_for(patient):
        return lambda: appointment_book(
            service=world.service,
            practitioner=world.ep,
            modality="clinic",
            start=start,
            patient=patient,
        )

    results = _race([attempt_for(p) for p in patients])
    kinds = [k for k, _ in results]
    assert kinds.count("booked") == 1, results
    assert kinds.count("taken") == 15, results
    assert Appointment.objects.active().filter(practitioner=world.ep).count() == 1


def test_partially_overlapping_slots_of_different_lengths_exactly_one_booked(world):
    base = f.next_weekday_at(world.clinic, 1, 10)
    patients = [f.make_patient(world.clinic) for _ in range(16)]
    # 30-minute follow-ups at 10:00, 10:15, 10:30 and 60+15-minute initials at 09:30,
    # 09:45, 10:00, 10:15: every pair overlaps some other.
    shapes = [
        (world.service, base),
        (world.service, base + timedelta(minutes=15)),
        (world.initial, base - timedelta(minutes=30)),
        (world.initial, base - timedelta(minutes=15)),
        (world.initial, base),
        (world.initial, base + timedelta(minutes=15)),
    ]

    def attempt(i, patient):
        service, start = shapes[i % len(shapes)]
        return lambda: appointment_book(
            service=service,
            practitioner=world.ep,
            modality="clinic",
            start=start,
            patient=patient,
        )

    results = _race([attempt(i, p) for i, p in enumerate(patients)])
    kinds = [k for k, _ in results]
    assert "error" not in kinds, results
    assert kinds.count("booked") == 1, results
    rows = list(Appointment.objects.active().filter(practitioner=world.ep))
    assert len(rows) == 1


def test_one_patient_booked_with_two_practitioners_at_once_gets_one_visit(world):
    """The two practitioners' locks never meet; the database's per-patient exclusion
    constraint refuses the second, which reaches the booker as PatientAlreadyBooked."""
    start = f.next_weekday_at(world.clinic, 1, 11)
    refused = []

    def attempt_with(practitioner):
        def attempt():
            try:
                return appointment_book(
                    service=world.service,
                    practitioner=practitioner,
                    modality="clinic",
                    start=start,
                    patient=world.patient,
                )
            except PatientAlreadyBooked:
                refused.append(practitioner.pk)
                return None

        return attempt

    for _ in range(3):
        Appointment.objects.filter(patient=world.patient).delete()
        refused.clear()
        results = _race([attempt_with(world.ep), attempt_with(world.physio)])
        assert [r for r in results if r[0] == "error"] == []
        assert Appointment.objects.filter(patient=world.patient, status="booked").count() == 1
        assert len(refused) == 1
