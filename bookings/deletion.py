"""What bookings does when a patient deletes their account (clinic/deletion.py): upcoming
visits are cancelled (the clinic's cancellation window does not apply), then every email
not yet sent is void (there is no address any more) and the ids and paths kept for
messages are cleared."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from bookings.models import OPEN_STATUSES, Appointment, Notification, ScreeningEnquiry
from bookings.services import appointment_cancel
from clinic.deletion import DeletionStep, deletion_step_register
from clinic.models import Patient, User

CANCEL_REASON = "The patient deleted their online account."


def _upcoming(patient: Patient, now: datetime) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        patient=patient, status=Appointment.Status.BOOKED, start__gt=now
    )


def _preview(patient: Patient, now: datetime) -> list[str]:
    count = _upcoming(patient, now).count()
    if not count:
        return []
    visits = "visit is" if count == 1 else "visits are"
    return [f"Your {count} upcoming {visits} cancelled."]


def _run(patient: Patient, requested_by: User | None, now: datetime) -> dict[str, int]:
    cancelled = 0
    for appointment in _upcoming(patient, now):
        appointment_cancel(
            appointment=appointment,
            by_user=requested_by,
            reason=CANCEL_REASON,
            as_staff=True,
            now=now,
        )
        cancelled += 1
    # After the cancellations: their notices are void too.
    # Letters go to other practitioners, not to the patient's address, and are kept
    # clinical records: they still go, and keep the id of the letter they carry.
    to_patient = Notification.objects.filter(patient=patient).exclude(kind=Notification.Kind.LETTER)
    to_patient.filter(status__in=OPEN_STATUSES).update(
        status=Notification.Status.VOID,
        last_error="Not sent: the patient deleted their account.",
    )
    to_patient.exclude(context={}).update(context={})
    # A call-back enquiry holds contact details and nothing clinical the clinic keeps.
    ScreeningEnquiry.objects.filter(patient=patient).delete()
    return {"cancelled_appointments": cancelled}


deletion_step_register(DeletionStep(order=10, run=_run, preview=_preview))
