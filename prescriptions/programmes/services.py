"""Writing programmes: create one, edit its draft version's items and phases, publish.

A programme has versions 1..n. Only the draft (at most one per programme, never
published) changes; publishing freezes it, makes it the version the patient sees, and
plans the "your programme is ready" email in the same transaction. "Make changes" opens
the next draft, a copy of the current version (`programme_draft_get_or_create`).

Every write locks before it reads: the programme row for create-draft and publish, the
version row for item and phase changes, so two editors are serialised and nothing is
added to a version while it is being published. Values are checked here against
`ITEM_RANGES` (the database checks them too), with messages for the person who typed them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from simple_history.utils import bulk_create_with_history

from bookings.models import Notification
from bookings.notifications import notification_enqueue
from clinic.access import is_clinician
from clinic.errors import DomainError
from clinic.models import Patient, Practitioner, User
from prescriptions.assessments.cases import case_for
from prescriptions.assessments.findings import assessment_findings
from prescriptions.models import (
    ITEM_RANGES,
    LOAD_KG_RANGE,
    Assessment,
    Exercise,
    Phase,
    Programme,
    ProgrammeItem,
    ProgrammeVersion,
)
from prescriptions.patient_programme.links import programme_link_path
from prescriptions.rules import dosing, engine, training
from prescriptions.rules.suggestions import (
    Finding,
    FindingCode,
    Suggestion,
    SuggestionKind,
    patient_finding_label,
    suggestions_from_findings,
)
from prescriptions.surgery.selectors import training_status_of

PATIENT_PROGRAMME_PATH = "/programmes/{code}/"
"""The patient's page of a programme by its code (login required). The "ready" email
carries the signed link instead (prescriptions/patient_programme/links.py: programme_link_path)."""

DEFAULT_BAND_COLOUR = ProgrammeItem.BandColour.RED
"""Band for a band-loaded exercise when none is chosen. [derived] house default (a light
band); the practitioner changes it."""

GOAL_PURPOSES: Mapping[str, str] = {
    dosing.Goal.MUSCULAR_ENDURANCE: "To help your muscles keep working for longer "
    "(muscular endurance).",
    dosing.Goal.HYPERTROPHY: "To build muscle size (hypertrophy).",
    dosing.Goal.STRENGTH: "To make your muscles stronger.",
    dosing.Goal.POWER: "To build speed and power.",
    dosing.Goal.EARLY_REHAB: "To load the area gently while it settles "
    "(early-stage rehabilitation).",
    dosing.Goal.GT_LOAD_MANAGEMENT: "To load the tendons at the side of your hip gently and "
    "build up what they can take (load management for gluteal tendinopathy).",
}
"""Why an item is there, from the programme's goal, in plain words for the patient."""

DOSE_FIELDS = (
    "phase",
    "sets",
    "reps",
    "hold_seconds",
    "distance_m",
    "per_side",
    "load_kind",
    "load_kg",
    "band_colour",
    "tempo",
    "rest_seconds",
    "days_per_week",
    "sessions_per_day",
    "notes",
    "reason",
)
"""What `programme_item_add` may override and `programme_item_update` may set (the
update may also change `exercise`)."""

TITLE_MAX = 120
TEMPO_MAX = 100
NOTES_MAX = 2000
REASON_MAX = 400
CHANGE_NOTE_MAX = 300
END_REASON_MAX = 300
PHASE_NAME_MAX = 80
EARLIEST_PHASE_DAY = date(2000, 1, 1)

_RANGE_WORDS = {
    "sets": "the number of sets",
    "reps": "the repetitions",
    "hold_seconds": "the hold in seconds",
    "distance_m": "the distance in metres",
    "rest_seconds": "the rest in seconds",
    "days_per_week": "the days per week",
    "sessions_per_day": "the sessions per day",
}
_REPS_WORDS: dict[str, str] = {
    Exercise.DoseType.HOLD_SECONDS: "the number of holds",
    Exercise.DoseType.STEPS: "the steps each way",
}


class ProgrammeVersionFrozen(DomainError):
    """A published version never changes: "Make changes" starts the next one."""


class ProgrammeAlreadyPublished(DomainError):
    """There is no draft to publish."""


class ProgrammeEnded(DomainError):
    """An ended programme is kept as it was."""


class ProgrammeNotAllowed(DomainError):
    """Only practitioners and clinic admins of the programme's clinic may change it."""


class ExerciseUnavailable(DomainError):
    """The exercise is another clinic's, or no longer offered."""


# --- Checks ------------------------------------------------------------------------------


def _check_editor(by: User, clinic_id: int) -> None:
    if not is_clinician(by) or by.clinic_id != clinic_id:
        raise ProgrammeNotAllowed(
            "Only practitioners and clinic admins of this clinic can change programmes."
        )


def _check_exercise(exercise: Exercise, clinic_id: int) -> None:
    if exercise.clinic_id not in (None, clinic_id):
        raise ExerciseUnavailable(
            "Choose an exercise from your clinic's library.", field="exercise"
        )
    if not exercise.is_active:
        raise ExerciseUnavailable("That exercise is no longer offered.", field="exercise")


def _lock_draft(version: ProgrammeVersion) -> ProgrammeVersion:
    locked = (
        ProgrammeVersion.objects.select_for_update(of=("self",))
        .select_related("programme")
        .get(pk=version.pk)
    )
    if locked.is_published:
        raise ProgrammeVersionFrozen(
            f"Version {locked.number} is published and can no longer change. Choose "
            "'Make changes' to start a new version."
        )
    if locked.programme.status == Programme.Status.ENDED:
        raise ProgrammeEnded("This programme has ended and can no longer change.")
    return locked


def _whole(value: Any, name: str, reps_words: str | None = None) -> int | None:
    if value is None or value == "":
        return None
    low, high = ITEM_RANGES[name]
    words = reps_words if name == "reps" and reps_words else _RANGE_WORDS[name]
    message = f"Enter {words}, from {low} to {high}."
    if isinstance(value, bool):
        raise DomainError(message, field=name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(message, field=name) from None
    if number != value and str(number) != str(value).strip():
        raise DomainError(f"Enter {words} as a whole number.", field=name)
    if not low <= number <= high:
        raise DomainError(message, field=name)
    return number


def _kg(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    low, high = LOAD_KG_RANGE
    message = f"Enter the weight in kg, from {low} to {high:g}."
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(message, field="load_kg") from None
    if not number.is_finite() or not low <= number <= high:
        raise DomainError(message, field="load_kg")
    if number != number.quantize(Decimal("0.01")):
        raise DomainError("Enter the weight with at most 2 decimal places.", field="load_kg")
    return number


def _text(value: Any, name: str, limit: int, words: str) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise DomainError(f"Keep {words} to {limit} characters or fewer.", field=name)
    return text


def _assign(item: ProgrammeItem, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(DOSE_FIELDS)
    if unknown:
        raise ValueError(f"Not item fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(item, name, value)
    if "load_kind" not in fields:
        if fields.get("load_kg") not in (None, ""):
            item.load_kind = ProgrammeItem.LoadKind.EXTERNAL
        elif fields.get("band_colour"):
            item.load_kind = ProgrammeItem.LoadKind.BAND


def _validate(item: ProgrammeItem) -> None:
    """Check and tidy an item: the dose its dose type uses (the rest cleared), the load
    its load kind uses, the ranges, the lengths and the phase."""
    dose_type = item.dose_type
    reps_words = _REPS_WORDS.get(dose_type)
    sets = _whole(item.sets, "sets")
    if sets is None:
        raise DomainError("Enter the number of sets, from 1 to 10.", field="sets")
    item.sets = sets
    item.reps = _whole(item.reps, "reps", reps_words)
    item.hold_seconds = _whole(item.hold_seconds, "hold_seconds")
    item.distance_m = _whole(item.distance_m, "distance_m")
    if dose_type == Exercise.DoseType.DISTANCE_M:
        item.reps = item.hold_seconds = None
        if item.distance_m is None:
            raise DomainError("Enter the distance in metres, from 1 to 2000.", field="distance_m")
    else:
        item.distance_m = None
        if item.reps is None:
            low, high = ITEM_RANGES["reps"]
            words = reps_words or _RANGE_WORDS["reps"]
            raise DomainError(f"Enter {words}, from {low} to {high}.", field="reps")
        if dose_type != Exercise.DoseType.HOLD_SECONDS:
            item.hold_seconds = None
        elif item.hold_seconds is None:
            raise DomainError("Enter the hold in seconds, from 1 to 300.", field="hold_seconds")
    for name in ("rest_seconds", "days_per_week", "sessions_per_day"):
        value = _whole(getattr(item, name), name)
        if value is None:
            low, high = ITEM_RANGES[name]
            raise DomainError(f"Enter {_RANGE_WORDS[name]}, from {low} to {high}.", field=name)
        setattr(item, name, value)
    item.per_side = bool(item.per_side)
    _validate_load(item)
    item.tempo = _text(item.tempo, "tempo", TEMPO_MAX, "the tempo")
    item.notes = _text(item.notes, "notes", NOTES_MAX, "the notes")
    item.reason = _text(item.reason, "reason", REASON_MAX, "the reason")
    if item.phase is not None and item.phase.version_id != item.version_id:
        raise DomainError("Choose a phase of this version.", field="phase")


def _validate_load(item: ProgrammeItem) -> None:
    kind = item.load_kind
    if kind not in ProgrammeItem.LoadKind.values:
        raise DomainError("Choose the load from the list.", field="load_kind")
    if kind == ProgrammeItem.LoadKind.EXTERNAL:
        item.load_kg = _kg(item.load_kg)
        if item.load_kg is None:
            raise DomainError("Enter the weight in kg.", field="load_kg")
        item.band_colour = ""
    elif kind == ProgrammeItem.LoadKind.BAND:
        item.load_kg = None
        if item.band_colour not in ProgrammeItem.BandColour.values:
            raise DomainError("Choose the band colour.", field="band_colour")
    else:
        item.load_kg, item.band_colour = None, ""


# --- Reasons and defaults ----------------------------------------------------------------


def programme_suggestions(programme: Programme) -> list[Suggestion]:
    """Suggestions from the findings of the programme's assessment (none without one).

    With a surgery record or a stop sign, the rules core's whole decision applies (the
    one `manage.py suggest_programme` prints for the same case): see `fit_to_decision`."""
    if programme.assessment is None:
        return []
    today = timezone.now().astimezone(programme.clinic.tz).date()
    case = case_for(
        patient=programme.patient,
        assessment=programme.assessment,
        on_date=today,
        goal=programme.goal,
    )
    decision = engine.evaluate(case)
    found = assessment_findings(programme.assessment)
    # Falls risk is the rules' summary of the falls and function tests (§12.7), not a
    # threshold stored on the assessment: the decision carries it.
    falls = any(f.code == "falls_risk" for f in decision.flags)
    if falls and not any(f.code == FindingCode.FALLS_RISK for f in found):
        found.append(Finding(FindingCode.FALLS_RISK, True))
    suggestions = suggestions_from_findings(found)
    if case.surgery is None and not case.signs:
        return suggestions
    return fit_to_decision(suggestions, decision)


def fit_to_decision(suggestions: Sequence[Suggestion], result: engine.Result) -> list[Suggestion]:
    """The findings' suggestions cut to what the rules core prescribes for the case.

    1. A stop flag: no exercise; one "no exercise" entry per stop flag, with its reason.
    2. Each suggestion keeps only the exercises the decision prescribes (a surgery's
       blocked exercises, and while THA precautions apply anything beyond the phase's
       own content, drop out); one left with none is dropped.
    3. What the decision prescribes that no suggestion names (the pathway stage's
       content) comes first, under the stage's reason.
    4. What the decision keeps out, with each reason, as one "keep out for now" entry.
    """
    stops = [f for f in result.flags if f.severity == "stop"]
    if stops:
        return [
            Suggestion(SuggestionKind.NO_EXERCISE, f"{f.message} No exercise is suggested.", ())
            for f in stops
        ]
    allowed = [e.slug for e in result.exercises]
    out: list[Suggestion] = []
    for s in suggestions:
        if s.kind != SuggestionKind.ADD_EXERCISES:
            out.append(s)
            continue
        kept = tuple(slug for slug in s.exercises if slug in allowed)
        if kept:
            out.append(replace(s, exercises=kept))
    named = {slug for s in out for slug in s.exercises}
    stage = [e for e in result.exercises if e.slug not in named]
    if stage:
        out.insert(
            0,
            Suggestion(
                SuggestionKind.ADD_EXERCISES,
                stage[0].why.split(" Also:")[0],
                (),
                tuple(e.slug for e in stage),
                title="This stage of recovery",
            ),
        )
    if result.avoid:
        out.append(
            Suggestion(
                SuggestionKind.AVOID,
                "Not while the surgery's restrictions apply.",
                (),
                tuple(a.slug for a in result.avoid),
                positions=tuple(dict.fromkeys(a.reason for a in result.avoid)),
                title="surgery",
            )
        )
    return out


def item_reason(*, goal: str, slug: str, suggestions: Sequence[Suggestion]) -> str:
    """Why an exercise is in the programme, for the patient: the goal, then the findings
    of the suggestion that proposed it (if one did)."""
    purpose = GOAL_PURPOSES[goal]
    source = next(
        (s for s in suggestions if s.kind == SuggestionKind.ADD_EXERCISES and slug in s.exercises),
        None,
    )
    if source is None:
        return purpose
    labels = [patient_finding_label(f) for f in source.because]
    while labels:
        text = f"{purpose} Your assessment found that {'; and '.join(labels)}."
        if len(text) <= REASON_MAX:
            return text
        labels = labels[:-1]
    return purpose


def needs_weight(exercise: Exercise) -> bool:
    """Only an external load fits it (no body-weight or band version): adding it needs kg."""
    types = exercise.load_types or ["body_weight"]
    return "body_weight" not in types and "band" not in types


def _default_load(exercise: Exercise) -> dict[str, Any]:
    types = exercise.load_types or ["body_weight"]
    if "body_weight" in types:
        return {"load_kind": ProgrammeItem.LoadKind.BODY_WEIGHT}
    if "band" in types:
        return {"load_kind": ProgrammeItem.LoadKind.BAND, "band_colour": DEFAULT_BAND_COLOUR}
    return {"load_kind": ProgrammeItem.LoadKind.EXTERNAL}  # the weight must be given


def training_profile(programme: Programme) -> training.Profile:
    """The patient's row of the dosing table (CLINICAL.md §11): older adult from 65;
    otherwise their recorded training status, novice (the safer default) when none is."""
    today = timezone.now().astimezone(programme.clinic.tz).date()
    return training.profile_for(
        age=programme.patient.age_on(today),
        training_status=training_status_of(patient=programme.patient),
    )


def _dose_values(programme: Programme, exercise: Exercise) -> dict[str, Any]:
    """The goal's default dose fitted to the exercise and the patient's training profile
    (rules/dosing.py `goal_defaults`), as item fields; the effort in plain words becomes
    the patient's note."""
    dose = dosing.goal_defaults(programme.goal, exercise, training_profile(programme))
    return {
        "dose_type": str(dose.dose_type),
        "sets": dose.sets,
        "reps": dose.reps,
        "hold_seconds": dose.hold_seconds,
        "distance_m": dose.distance_m,
        "per_side": dose.per_side,
        "rest_seconds": dose.rest_seconds,
        "tempo": dose.tempo,
        "days_per_week": dose.days_per_week,
        "sessions_per_day": dose.sessions_per_day,
        "notes": dose.effort,
    }


def _next_order(version: ProgrammeVersion) -> int:
    return (version.items.aggregate(top=Max("order"))["top"] or 0) + 1


# --- Programmes --------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    patient: Patient,
    practitioner: Practitioner,
    goal: str,
    by: User,
    assessment: Assessment | None = None,
    title: str = "",
) -> Programme:
    """A new programme for `patient` with its draft version 1, from a signed assessment
    of theirs or not."""
    _check_editor(by, patient.clinic_id)
    if practitioner.clinic_id != patient.clinic_id or not practitioner.is_active:
        raise DomainError("Choose a practitioner of this clinic.", field="practitioner")
    if goal not in Programme.Goal.values:
        raise DomainError("Choose the goal of the programme.", field="goal")
    if assessment is not None:
        if assessment.patient_id != patient.pk:
            raise DomainError("Choose one of this patient's assessments.", field="assessment")
        if assessment.status == Assessment.Status.SUPERSEDED:
            raise DomainError(
                "This assessment was amended: start from its latest version.", field="assessment"
            )
        if assessment.status != Assessment.Status.SIGNED:
            raise DomainError(
                "Sign the assessment off before prescribing from it.", field="assessment"
            )
    programme = Programme.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        practitioner=practitioner,
        assessment=assessment,
        goal=goal,
        title=_text(title, "title", TITLE_MAX, "the title"),
        created_by=by,
    )
    ProgrammeVersion.objects.create(programme=programme, number=1, created_by=by)
    return programme


@transaction.atomic
def programme_draft_get_or_create(*, programme: Programme, by: User) -> ProgrammeVersion:
    """The programme's open draft; or a new one (the next number) that copies the current
    published version's phases and items, so the practitioner edits from where it was."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    _check_editor(by, locked.clinic_id)
    if locked.status == Programme.Status.ENDED:
        raise ProgrammeEnded("This programme has ended and can no longer change.")
    draft = locked.versions.filter(published_at__isnull=True).first()
    if draft is not None:
        return draft
    current = locked.versions.filter(published_at__isnull=False).order_by("-number").first()
    number = (locked.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    draft = ProgrammeVersion.objects.create(programme=locked, number=number, created_by=by)
    if current is not None:
        _copy_parts(current, draft)
    return draft


def _copy_parts(source: ProgrammeVersion, target: ProgrammeVersion) -> None:
    phases = {}
    for phase in source.phases.all():
        phases[phase.pk] = Phase.objects.create(
            version=target, name=phase.name, starts_on=phase.starts_on
        )
    copies = []
    for item in source.items.all():
        item.pk = None
        item.code = uuid.uuid4()  # a copy is a new item: its own address
        item.version = target
        item.phase = phases.get(item.phase_id) if item.phase_id is not None else None
        copies.append(item)
    bulk_create_with_history(copies, ProgrammeItem, default_user=target.created_by)


def _items_history(pks: Iterable[int], by: User) -> None:
    """Record items' new state in their history after a queryset update (which sends no
    signals, so django-simple-history would not see it). Parking moves are not recorded:
    only where each item ended up."""
    items = list(ProgrammeItem.objects.filter(pk__in=list(pks)))
    ProgrammeItem.record_history.bulk_history_create(items, update=True, default_user=by)


@transaction.atomic
def programme_publish(*, programme: Programme, by: User, change_note: str = "") -> ProgrammeVersion:
    """Publish the draft: it is frozen from now on and becomes the version the patient
    sees; the programme is active. In the same transaction, the patient's "your programme
    is ready" email is planned (bookings' outbox; ids and a link only)."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    _check_editor(by, locked.clinic_id)
    if locked.status == Programme.Status.ENDED:
        raise ProgrammeEnded("This programme has ended and can no longer change.")
    draft = (
        ProgrammeVersion.objects.select_for_update()
        .filter(programme=locked, published_at__isnull=True)
        .first()
    )
    if draft is None:
        raise ProgrammeAlreadyPublished(
            "There are no changes to publish. Choose 'Make changes' to start a new version."
        )
    if not draft.items.exists():
        raise DomainError("Add at least one exercise before publishing.")
    now = timezone.now()
    draft.change_note = _text(change_note, "change_note", CHANGE_NOTE_MAX, "the change note")
    draft.published_at = now
    draft.published_by = by
    draft.save(update_fields=["change_note", "published_at", "published_by"])
    if locked.status != Programme.Status.ACTIVE:
        locked.status = Programme.Status.ACTIVE
        locked.save(update_fields=["status", "updated_at"])
    notification_enqueue(
        patient=locked.patient,
        kind=Notification.Kind.PROGRAMME_READY,
        context={
            "programme": str(locked.code),
            "version": draft.number,
            "link_path": programme_link_path(locked),  # signed, opens without a login
        },
        now=now,
    )
    programme.refresh_from_db()
    return draft


@transaction.atomic
def programme_end(*, programme: Programme, by: User, reason: str = "") -> Programme:
    """End an active programme, keeping it as it was.

    1. Only the clinic's practitioners and clinic admins, and only a published programme
       that has not ended.
    2. An open draft (a next version never published, so never seen by the patient) is
       discarded: an ended programme has no changes to come.
    3. The programme is ended now, by `by`, for `reason` (optional). From then on the
       patient finds it among their past programmes only, its signed link answers
       "expired", and nothing more can be logged or changed; adherence counts to today.
    """
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    _check_editor(by, locked.clinic_id)
    if locked.status == Programme.Status.ENDED:
        raise ProgrammeEnded("This programme has already ended.")
    if locked.status != Programme.Status.ACTIVE:
        raise DomainError(
            "This programme was never published, so there is nothing to end. Publish it first."
        )
    text = _text(reason, "reason", END_REASON_MAX, "the reason")
    locked.versions.filter(published_at__isnull=True).delete()
    locked.status = Programme.Status.ENDED
    locked.ended_at = timezone.now()
    locked.ended_by = by
    locked.end_reason = text
    locked.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "updated_at"])
    programme.refresh_from_db()
    return locked


# --- Items -------------------------------------------------------------------------------


@transaction.atomic
def programme_item_add(
    *, version: ProgrammeVersion, exercise: Exercise, by: User, **dose_overrides: Any
) -> ProgrammeItem:
    """Add `exercise` at the end of a draft with the programme goal's default dose
    (dosing.goal_defaults), a plain-words reason (the goal and, when a suggestion from the
    assessment proposed it, its findings), and any `dose_overrides` (DOSE_FIELDS)."""
    locked = _lock_draft(version)
    programme = locked.programme
    _check_editor(by, programme.clinic_id)
    _check_exercise(exercise, programme.clinic_id)
    item = ProgrammeItem(
        version=locked,
        exercise=exercise,
        order=_next_order(locked),
        **_dose_values(programme, exercise),
        **_default_load(exercise),
    )
    if "reason" not in dose_overrides:
        item.reason = item_reason(
            goal=programme.goal, slug=exercise.slug, suggestions=programme_suggestions(programme)
        )
    _assign(item, dose_overrides)
    _validate(item)
    item.save()
    return item


@transaction.atomic
def programme_item_update(*, item: ProgrammeItem, by: User, **fields: Any) -> ProgrammeItem:
    """Change an item of a draft (DOSE_FIELDS, and `exercise`). A new exercise with another
    dose type takes the goal's default dose for it; its reason follows unless given."""
    version = _lock_draft(item.version)
    programme = version.programme
    _check_editor(by, programme.clinic_id)
    locked = ProgrammeItem.objects.select_related("exercise").get(pk=item.pk, version=version)
    exercise = fields.pop("exercise", None)
    if exercise is not None and exercise.pk != locked.exercise_id:
        _check_exercise(exercise, programme.clinic_id)
        if exercise.dose_type != locked.dose_type:
            for name, value in _dose_values(programme, exercise).items():
                if name not in ("notes", "tempo") and name not in fields:
                    setattr(locked, name, value)
        locked.exercise = exercise
        locked.dose_type = exercise.dose_type
        if "reason" not in fields:
            locked.reason = item_reason(
                goal=programme.goal,
                slug=exercise.slug,
                suggestions=programme_suggestions(programme),
            )
    _assign(locked, fields)
    _validate(locked)
    locked.save()
    return locked


@transaction.atomic
def programme_item_move(*, item: ProgrammeItem, by: User, direction: str) -> ProgrammeItem:
    """Swap an item with the one before ("up") or after ("down"); at either end, nothing
    changes."""
    if direction not in ("up", "down"):
        raise ValueError("direction is 'up' or 'down'")
    version = _lock_draft(item.version)
    _check_editor(by, version.programme.clinic_id)
    locked = version.items.get(pk=item.pk)
    items = version.items
    neighbour = (
        items.filter(order__lt=locked.order).order_by("-order").first()
        if direction == "up"
        else items.filter(order__gt=locked.order).order_by("order").first()
    )
    if neighbour is None:
        return locked
    mine, theirs = locked.order, neighbour.order
    # (version, order) is unique and not deferrable: park one item past the end first.
    parked = (items.aggregate(top=Max("order"))["top"] or 0) + 1
    ProgrammeItem.objects.filter(pk=locked.pk).update(order=parked)
    ProgrammeItem.objects.filter(pk=neighbour.pk).update(order=mine)
    ProgrammeItem.objects.filter(pk=locked.pk).update(order=theirs)
    _items_history([locked.pk, neighbour.pk], by)
    locked.order = theirs
    item.order = theirs
    return locked


@transaction.atomic
def programme_items_reorder(
    *, version: ProgrammeVersion, by: User, item_codes: Iterable[uuid.UUID | str]
) -> None:
    """Put a draft's items in the order of `item_codes` (every item exactly once).
    Raises DomainError when the codes are not exactly the draft's items (or not codes)."""
    locked = _lock_draft(version)
    _check_editor(by, locked.programme.clinic_id)
    try:
        codes = [uuid.UUID(str(code)) for code in item_codes]
    except ValueError:
        raise DomainError("The list of exercises changed meanwhile. Reload the page.") from None
    pks = dict(locked.items.values_list("code", "pk"))
    if sorted(codes) != sorted(pks):
        raise DomainError("The list of exercises changed meanwhile. Reload the page.")
    wanted = [pks[code] for code in codes]
    have = list(pks.values())
    parked = len(have) + (locked.items.aggregate(top=Max("order"))["top"] or 0) + 1
    for offset, pk in enumerate(wanted):
        ProgrammeItem.objects.filter(pk=pk).update(order=parked + offset)
    for order, pk in enumerate(wanted, start=1):
        ProgrammeItem.objects.filter(pk=pk).update(order=order)
    _items_history(wanted, by)


@transaction.atomic
def programme_item_remove(*, item: ProgrammeItem, by: User) -> None:
    """Take an item out of a draft; the ones after it move up."""
    version = _lock_draft(item.version)
    _check_editor(by, version.programme.clinic_id)
    locked = version.items.get(pk=item.pk)
    order = locked.order
    locked.delete()
    moved = list(
        version.items.filter(order__gt=order).order_by("order").values_list("pk", flat=True)
    )
    for pk in moved:
        ProgrammeItem.objects.filter(pk=pk).update(order=order)
        order += 1
    _items_history(moved, by)


# --- Phases ------------------------------------------------------------------------------


def _phase_values(version: ProgrammeVersion, name: Any, starts_on: Any, *, pk: int | None) -> str:
    text = _text(name, "name", PHASE_NAME_MAX, "the name of the phase")
    if not text:
        raise DomainError("Name the phase, for example 'Weeks 1 to 2'.", field="name")
    if not isinstance(starts_on, date):
        raise DomainError("Enter the day the phase starts.", field="starts_on")
    if starts_on < EARLIEST_PHASE_DAY:
        raise DomainError(f"Enter a day from {EARLIEST_PHASE_DAY:%Y} onwards.", field="starts_on")
    if version.phases.filter(name__iexact=text).exclude(pk=pk or 0).exists():
        raise DomainError(f"There is already a phase called '{text}'.", field="name")
    return text


@transaction.atomic
def programme_phase_add(
    *, version: ProgrammeVersion, by: User, name: str, starts_on: date
) -> Phase:
    """An optional stage of a draft, starting on a day (in the clinic's time zone)."""
    locked = _lock_draft(version)
    _check_editor(by, locked.programme.clinic_id)
    text = _phase_values(locked, name, starts_on, pk=None)
    return Phase.objects.create(version=locked, name=text, starts_on=starts_on)


@transaction.atomic
def programme_phase_update(
    *, phase: Phase, by: User, name: str | None = None, starts_on: date | None = None
) -> Phase:
    locked = _lock_draft(phase.version)
    _check_editor(by, locked.programme.clinic_id)
    row = locked.phases.get(pk=phase.pk)
    new_name = row.name if name is None else name
    new_start = row.starts_on if starts_on is None else starts_on
    row.name = _phase_values(locked, new_name, new_start, pk=row.pk)
    row.starts_on = new_start
    row.save()
    return row


@transaction.atomic
def programme_phase_remove(*, phase: Phase, by: User) -> None:
    """Remove a phase of a draft; its items stay, outside any phase."""
    locked = _lock_draft(phase.version)
    _check_editor(by, locked.programme.clinic_id)
    freed = list(locked.items.filter(phase_id=phase.pk).values_list("pk", flat=True))
    locked.items.filter(pk__in=freed).update(phase=None)
    _items_history(freed, by)
    locked.phases.get(pk=phase.pk).delete()
