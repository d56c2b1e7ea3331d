"""Recording a pre-exercise screening (APSS stage 1, CLINICAL.md §5.1).

A screening is never edited: screening again writes a new row, and the latest counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction

from bookings.models import Appointment
from clinic.errors import DomainError
from clinic.models import Patient, User
from prescriptions.models import PreExerciseScreening
from prescriptions.screening import apss as screening
from prescriptions.screening.models import ACTIVITY_FIELDS

NOTES_MAX = 2000


def _activity(values: Mapping[str, int | None]) -> dict[str, int | None]:
    checked: dict[str, int | None] = {}
    for name in ACTIVITY_FIELDS:
        value = values.get(name)
        if value is None:
            checked[name] = None
            continue
        limit = screening.MINUTES_MAX if name.endswith("minutes") else screening.SESSIONS_MAX
        if type(value) is not int or not 0 <= value <= limit:
            what = "minutes a week" if name.endswith("minutes") else "sessions a week"
            raise DomainError(f"Enter {what} as a whole number from 0 to {limit}.", field=name)
        checked[name] = value
    return checked


def _weighted(activity: Mapping[str, int | None]) -> int | None:
    minutes = {i: activity[f"{i}_minutes"] for i, _ in screening.INTENSITIES}
    if all(v is None for v in minutes.values()):
        return None
    return screening.weighted_minutes(
        light=minutes["light"] or 0,
        moderate=minutes["moderate"] or 0,
        vigorous=minutes["vigorous"] or 0,
    )


@transaction.atomic
def screening_record(
    *,
    patient: Patient,
    screened_on: date,
    answers: Sequence[bool | None],
    activity: Mapping[str, int | None],
    wording: str,
    source: str = PreExerciseScreening.Source.STAFF,
    by: User | None = None,
    notes: str = "",
    appointment: Appointment | None = None,
) -> PreExerciseScreening:
    """Store one APSS stage 1 screening.

    1. Every one of the 6 health questions needs a yes or a no.
    2. Activity: whole numbers in range, or empty; weighted minutes = light + moderate +
       2 x vigorous (empty minutes count as 0; all empty = not answered).
    3. Staff recording a yes say what was advised or done.
    """
    if len(answers) != len(screening.QUESTIONS):
        raise ValueError("The APSS stage 1 has 6 health questions.")
    for question, answer in zip(screening.QUESTIONS, answers, strict=True):
        if not isinstance(answer, bool):
            raise DomainError(
                f"Question {question.number}: answer yes or no.", field=f"q{question.number}"
            )
    checked = _activity(activity)
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        raise DomainError(f"Keep the notes to {NOTES_MAX} characters or fewer.", field="notes")
    any_yes = any(answers)
    if any_yes and source == PreExerciseScreening.Source.STAFF and not notes:
        raise DomainError(
            "Say what was advised or done about the yes answer (for example: referred to "
            "the GP for clearance).",
            field="notes",
        )
    if appointment is not None and appointment.patient_id != patient.pk:
        raise DomainError("Choose one of this patient's appointments.")
    row = PreExerciseScreening(
        clinic_id=patient.clinic_id,
        patient=patient,
        screened_on=screened_on,
        answers=list(answers),
        any_yes=any_yes,
        weighted_minutes=_weighted(checked),
        notes=notes,
        source=source,
        wording=wording[:300],
        appointment=appointment,
        recorded_by=by,
        **checked,
    )
    row.full_clean()
    row.save()
    return row
