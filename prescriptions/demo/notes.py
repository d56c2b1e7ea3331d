"""The demo clinic's treatment notes and goals: a note template, the demo patient's two
goals, signed notes of a few past visits (with an addendum on one), and one draft left
unsigned so the calendar and "Notes to sign" have something to show. Safe to run twice:
nothing is added where it is already there."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from bookings.models import Appointment
from clinic.models import Clinic, Patient
from prescriptions.models import Goal, NoteTemplate, TreatmentNote
from prescriptions.notes.selectors import SIGN_WITHIN
from prescriptions.notes.services import (
    goal_create,
    note_addendum_add,
    note_sign,
    note_start,
    note_template_save,
    note_update,
)

DEMO_PATIENT_EMAIL = "demo-patient@example.org"
SIGNED_NOTES = 3
TEXT = {
    "subjective": "Lateral hip pain 3/10 on stairs, 2/10 after the home programme, settled "
    "by the next morning. Did the programme 4 days of 5. No new symptoms.",
    "objective": "Single-leg stance 30 s right without pain. Side-lying abduction 3 x 10 "
    "with 2 kg, pain during 2/10. Bridge 3 x 12.",
    "assessment": "Responding to load within the safe band; morning pain stable.",
    "plan": "Add a step-up; review in two weeks. Home programme updated.",
}


def _goals(patient: Patient, today: datetime) -> None:
    if Goal.objects.filter(patient=patient).exists():
        return
    by = patient.clinic.practitioners.filter(is_active=True).first()
    if by is None:
        return
    day = today.date()
    goal_create(
        patient=patient,
        by=by.user,
        today=day,
        activity="Walk to the shops and back without stopping",
        why="To do my own shopping again.",
        measure="PSFS",
        baseline=Decimal(3),
        target=Decimal(6),
        target_date=day + timedelta(weeks=10),
    )
    goal_create(
        patient=patient,
        by=by.user,
        today=day,
        activity="Sleep on my right side",
        why="Pain wakes me at night.",
        target_date=day + timedelta(weeks=6),
    )


def demo_notes_seed(*, clinic: Clinic, now: datetime) -> str:
    """Add what is missing; say what there is."""
    with transaction.atomic():
        admin_like = clinic.practitioners.filter(is_active=True).first()
        if admin_like is not None and not NoteTemplate.objects.filter(clinic=clinic).exists():
            note_template_save(
                clinic=clinic,
                by=admin_like.user,
                name="Follow-up visit",
                subjective="Pain (0 to 10) during, after and the next morning: \n"
                "Home programme done on   of   days.\nNew symptoms, medication changes: ",
                objective="Tests re-done: \nExercises delivered: ",
                assessment="Against the baseline: ",
                plan="Next visit: \nProgramme changes: ",
            )
        patient = Patient.objects.filter(clinic=clinic, email=DEMO_PATIENT_EMAIL).first()
        if patient is not None:
            _goals(patient, now.astimezone(clinic.tz))
        past = list(
            Appointment.objects.filter(
                practitioner__clinic=clinic,
                practitioner__is_active=True,
                status__in=[Appointment.Status.ATTENDED, Appointment.Status.COMPLETED],
                end__lt=now - SIGN_WITHIN,
            )
            .select_related("practitioner__user", "patient")
            .order_by("-start")[:20]
        )
        signed = TreatmentNote.objects.filter(
            clinic=clinic, status=TreatmentNote.Status.SIGNED
        ).count()
        drafts = TreatmentNote.objects.filter(
            clinic=clinic, status=TreatmentNote.Status.DRAFT
        ).count()
        # The demo patient's visits first: their record is the one the demo shows.
        past.sort(key=lambda a: a.patient.email != DEMO_PATIENT_EMAIL)
        for visit in past:
            if signed >= SIGNED_NOTES and drafts:
                break
            if TreatmentNote.objects.filter(appointment=visit).exists():
                continue
            by = visit.practitioner.user
            note = note_start(appointment=visit, by=by)
            if signed >= SIGNED_NOTES:
                drafts += 1  # left as a draft: a note to sign
                continue
            note = note_update(note=note, by=by, revision=note.revision, **TEXT)
            note = note_sign(note=note, by=by)
            if signed == 0:
                note_addendum_add(
                    note=note,
                    by=by,
                    kind="correction",
                    text="Abduction was with 1 kg, not 2 kg.",
                )
            signed += 1
    return f"Treatment notes: {signed} signed, {drafts} to sign; the demo patient's goals."
