"""Writing treatment notes, addenda, note templates, note settings and goals.

A note is started once per visit (from the patient's previous note or a clinic template,
with the record's figures pulled in), edited while a draft, and signed by its author; the
row is locked for every write, so two people cannot save, sign or add at once. A signed
note is never changed again: corrections are addenda. The database backs this up (a
signed note has its signer and time; one note per visit).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from bookings.models import Appointment, Modality
from clinic.access import is_clinician
from clinic.errors import DomainError
from clinic.lib.time import day_label
from clinic.models import Clinic, Patient, Practitioner, User
from prescriptions.notes import selectors
from prescriptions.notes.models import (
    Goal,
    NoteAddendum,
    NoteSettings,
    NoteTemplate,
    TreatmentNote,
)
from prescriptions.outcomes import scoring
from prescriptions.rules.smart_goals import target_change_warning

SOAP_FIELDS = ("subjective", "objective", "assessment", "plan")
NOTE_FIELDS = ("started_at", "ended_at", "mode", *SOAP_FIELDS)
"""What an author may change on a draft."""
TEXT_MAX = 20000
ADDENDUM_MAX = 5000


class NoteLocked(DomainError):
    """The note is signed: it can only gain addenda."""


class StaleNote(DomainError):
    """Someone else saved the note after this editor loaded it."""


def _full_clean(row: models.Model, exclude: list[str] | None = None) -> None:
    try:
        row.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from None


def _save(row: models.Model, by: User) -> None:
    """Save with `by` as the history's author (services run outside a request too)."""
    row._history_user = by  # type: ignore[attr-defined]  # read by django-simple-history
    row.save()


def _practitioner_of(user: User, clinic_id: int) -> Practitioner | None:
    return Practitioner.objects.filter(user=user, clinic_id=clinic_id, is_active=True).first()


def _lock(note: TreatmentNote) -> TreatmentNote:
    return TreatmentNote.objects.select_for_update().get(pk=note.pk)


def _mode_for(appointment: Appointment) -> str:
    if appointment.modality == Modality.TELEHEALTH:
        return TreatmentNote.Mode.VIDEO
    return TreatmentNote.Mode.IN_PERSON


def _pulled(patient: Patient, *, after: datetime | None, until: datetime) -> dict[str, Any]:
    return {
        "programme_changes": selectors.programme_changes(patient=patient, after=after, until=until),
        "figures": [
            *selectors.pain_figures(patient=patient),
            *selectors.outcome_figures(patient=patient),
        ],
        "goal_progress": selectors.goal_progress(patient=patient),
    }


@transaction.atomic
def note_start(
    *, appointment: Appointment, by: User, template: NoteTemplate | None = None
) -> TreatmentNote:
    """The visit's note: the one already started, or a new draft.

    1. Author: the practitioner starting it, else the visit's practitioner.
    2. Times and mode from the appointment.
    3. Text from `template` (the clinic's), else from the patient's previous note.
    4. Programme versions published since the previous note's visit, pain and outcome
       figures and goal progress from the record.
    """
    existing = TreatmentNote.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    clinic_id = appointment.practitioner.clinic_id
    if template is not None and template.clinic_id != clinic_id:
        raise DomainError("Choose one of the clinic's templates.", field="template")
    if appointment.status not in selectors.NOTE_DUE_STATUSES:
        raise DomainError("A cancelled or missed visit has no treatment note.")
    patient = appointment.patient
    previous = selectors.previous_note(patient=patient, before=appointment.start)
    text: dict[str, str] = dict.fromkeys(SOAP_FIELDS, "")
    started_from = ""
    if template is not None:
        text = {name: getattr(template, name) for name in SOAP_FIELDS}
        started_from = f"Template: {template.name}"
    elif previous is not None:
        text = {name: getattr(previous, name) for name in SOAP_FIELDS}
        local = previous.started_at.astimezone(patient.clinic.tz).date()
        started_from = f"The previous note ({day_label(local, year=True)})"
    note = TreatmentNote(
        clinic_id=clinic_id,
        patient=patient,
        appointment=appointment,
        author=_practitioner_of(by, clinic_id) or appointment.practitioner,
        started_at=appointment.start,
        ended_at=appointment.end,
        mode=_mode_for(appointment),
        started_from=started_from,
        created_by=by,
        updated_by=by,
        **text,
        **_pulled(
            patient,
            after=previous.started_at if previous is not None else None,
            until=max(appointment.end, timezone.now()),
        ),
    )
    _full_clean(note, exclude=["appointment"])
    try:
        with transaction.atomic():
            _save(note, by)
    except IntegrityError:  # someone started it at the same moment: theirs stands
        return TreatmentNote.objects.get(appointment=appointment)
    return note


@transaction.atomic
def note_update(*, note: TreatmentNote, by: User, revision: int, **values: Any) -> TreatmentNote:
    """Save a draft's times, mode and text. Refused once signed, or when someone else
    saved since `revision` was read."""
    locked = _lock(note)
    if locked.is_signed:
        raise NoteLocked("This note is signed: add an addendum instead.")
    if locked.revision != revision:
        raise StaleNote(
            "Someone else saved this note after you opened it. Your changes were not "
            "saved: open it again to see theirs."
        )
    for name in NOTE_FIELDS:
        if name in values:
            value = values[name]
            if name in SOAP_FIELDS:
                value = (value or "").strip()
                if len(value) > TEXT_MAX:
                    raise DomainError(
                        f"Keep each part to {TEXT_MAX} characters or fewer.", field=name
                    )
            setattr(locked, name, value)
    if locked.ended_at <= locked.started_at:
        raise DomainError("The visit must end after it starts.", field="ended_at")
    locked.revision += 1
    locked.updated_by = by
    _full_clean(locked, exclude=["appointment"])
    _save(locked, by)
    return locked


@transaction.atomic
def note_refresh_figures(*, note: TreatmentNote, by: User) -> TreatmentNote:
    """Pull the record's figures into a draft again (the text stays as written)."""
    locked = _lock(note)
    if locked.is_signed:
        raise NoteLocked("This note is signed: its figures stay as they were signed.")
    previous = selectors.previous_note(patient=locked.patient, before=locked.started_at)
    for name, value in _pulled(
        locked.patient,
        after=previous.started_at if previous is not None else None,
        until=max(locked.ended_at, timezone.now()),
    ).items():
        setattr(locked, name, value)
    locked.revision += 1
    locked.updated_by = by
    _save(locked, by)
    return locked


@transaction.atomic
def note_sign(*, note: TreatmentNote, by: User) -> TreatmentNote:
    """Sign a draft: only its author may, and from now on it is read-only."""
    locked = _lock(note)
    if locked.is_signed:
        raise NoteLocked("This note is already signed.")
    author = Practitioner.objects.filter(pk=locked.author_id, is_active=True).first()
    if author is None or author.user_id != by.pk:
        raise DomainError("Only the note's author can sign it.")
    if not any(getattr(locked, name).strip() for name in SOAP_FIELDS):
        raise DomainError("Write the note before signing it.", field="subjective")
    locked.status = TreatmentNote.Status.SIGNED
    locked.signed_by = by
    locked.signed_at = timezone.now()
    locked.updated_by = by
    locked.revision += 1
    _save(locked, by)
    return locked


@transaction.atomic
def note_addendum_add(*, note: TreatmentNote, by: User, text: str, kind: str) -> NoteAddendum:
    """Add to, or correct, a signed note: a new row with its author and time. The note
    itself does not change."""
    locked = _lock(note)
    if not locked.is_signed:
        raise DomainError("This note is a draft: change it directly.")
    if not is_clinician(by) or by.clinic_id != locked.clinic_id:
        raise DomainError("Only a clinician of this clinic can add to a note.")
    text = text.strip()
    if not text:
        raise DomainError("Write the addendum.", field="text")
    if len(text) > ADDENDUM_MAX:
        raise DomainError(f"Keep it to {ADDENDUM_MAX} characters or fewer.", field="text")
    if kind not in NoteAddendum.Kind.values:
        raise DomainError("Choose addendum or correction.", field="kind")
    addendum = NoteAddendum(note=locked, text=text, kind=kind, author=by)
    _full_clean(addendum, exclude=["note", "author"])
    _save(addendum, by)
    return addendum


# --- Templates and settings ----------------------------------------------------------------


@transaction.atomic
def note_template_save(
    *, clinic: Clinic, by: User, template: NoteTemplate | None = None, **values: Any
) -> NoteTemplate:
    """Add a template to the clinic, or change one of its own."""
    if template is None:
        template = NoteTemplate(clinic=clinic, created_by=by)
    elif template.clinic_id != clinic.pk:
        raise DomainError("Choose one of the clinic's templates.")
    template.name = (values.get("name") or "").strip()
    for name in SOAP_FIELDS:
        setattr(template, name, (values.get(name) or "").strip())
    template.updated_by = by
    if (
        NoteTemplate.objects.filter(clinic=clinic, name=template.name)
        .exclude(pk=template.pk)
        .exists()
    ):
        raise DomainError("The clinic already has a template of that name.", field="name")
    _full_clean(template, exclude=["clinic", "created_by", "updated_by"])
    _save(template, by)
    return template


@transaction.atomic
def note_template_delete(*, template: NoteTemplate) -> None:
    template.delete()


@transaction.atomic
def note_settings_update(
    *, clinic: Clinic, by: User, notes_visible_to_patient: bool, goals_visible_to_patient: bool
) -> NoteSettings:
    row, _ = NoteSettings.objects.update_or_create(
        clinic=clinic,
        defaults={
            "notes_visible_to_patient": notes_visible_to_patient,
            "goals_visible_to_patient": goals_visible_to_patient,
            "updated_by": by,
        },
    )
    return row


# --- Goals -----------------------------------------------------------------------------------

GOAL_FIELDS = (
    "activity",
    "measure",
    "psfs_activity_id",
    "baseline",
    "target",
    "target_date",
    "why",
)


def _goal_values(goal: Goal, values: dict[str, Any], patient: Patient) -> None:
    for name in GOAL_FIELDS:
        value = values.get(name)
        if name in ("activity", "measure", "psfs_activity_id", "why"):
            value = (value or "").strip()
        setattr(goal, name, value)
    if goal.measure and goal.measure not in scoring.INSTRUMENTS:
        raise DomainError("Choose an outcome measure from the list.", field="measure")
    goal.psfs_activity_text = ""
    if goal.psfs_activity_id:
        if goal.measure != "PSFS":
            raise DomainError("A PSFS activity goes with the PSFS.", field="psfs_activity_id")
        texts = dict(selectors.psfs_activities(patient=patient))
        if goal.psfs_activity_id not in texts:
            raise DomainError(
                "Choose one of the activities of the patient's PSFS.", field="psfs_activity_id"
            )
        goal.psfs_activity_text = texts[goal.psfs_activity_id]
    if (goal.baseline is None) != (goal.target is None):
        raise DomainError(
            "Enter both the baseline and the target, or neither.",
            field="target" if goal.target is None else "baseline",
        )


@transaction.atomic
def goal_create(*, patient: Patient, by: User, today: date, **values: Any) -> Goal:
    """A new goal, not started as of `today`."""
    goal = Goal(
        clinic=patient.clinic,
        patient=patient,
        status=Goal.Status.NOT_STARTED,
        status_on=today,
        created_by=by,
        updated_by=by,
    )
    _goal_values(goal, values, patient)
    _full_clean(goal, exclude=["clinic", "patient", "created_by", "updated_by"])
    _save(goal, by)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, by: User, today: date, status: str, **values: Any) -> Goal:
    """Change a goal; a new status is dated `today`."""
    locked = Goal.objects.select_for_update().get(pk=goal.pk)
    if status not in Goal.Status.values:
        raise DomainError("Choose a status from the list.", field="status")
    _goal_values(locked, values, locked.patient)
    if status != locked.status:
        locked.status = status
        locked.status_on = today
    locked.updated_by = by
    _full_clean(locked, exclude=["clinic", "patient", "created_by", "updated_by"])
    _save(locked, by)
    return locked


def goal_warning(
    *, measure: str, psfs_activity_id: str, baseline: Decimal | None, target: Decimal | None
) -> str | None:
    """The rules' warning when a PSFS target is within the measurement error."""
    return target_change_warning(
        measure=measure,
        single_activity=bool(psfs_activity_id),
        baseline=baseline,
        target=target,
    )
