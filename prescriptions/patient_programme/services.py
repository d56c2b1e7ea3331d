"""Session logs: the patient records a session and next-morning pain; the practitioner
marks a pain flag reviewed.

The pain-monitoring model (CLINICAL.md §8, `rules/dosing.py` `pain_check` on
`rules/pain.py`): pain during an exercise of 6/10 or more (§8.3 row 2; twice running, the
patient is asked to contact the practitioner), or next-morning pain 2 or more above the
patient's baseline morning (row 3: the median of the 7 morning scores before the current
phase began, or of the phase's first mornings; a rise of 0 or 1 is measurement noise),
tells the patient to ease the load and sets `SessionLog.pain_flag`, with one plain reason
per rule broken, for the practitioner to review. A flag raised again after review (the
morning score comes in later) is open again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from simple_history.utils import bulk_create_with_history

from clinic.access import is_clinician
from clinic.errors import DomainError
from clinic.models import Patient, User
from prescriptions.models import PainFlag, Programme, ProgrammeItem, ProgrammeVersion, SessionLog
from prescriptions.models import SessionLogEntry as Entry
from prescriptions.patient_programme.flags import (
    pain_flag_raise,
    pain_flags_mark_seen_for_session,
)
from prescriptions.patient_programme.selectors import (
    MORNING_PAIN_DAYS,
    current_phase,
    patient_tz,
    programme_start,
)
from prescriptions.rules import dosing
from prescriptions.rules import pain as pain_model

VERSION_CHANGED = (
    "Your programme was updated while you were logging, so nothing was saved. Check the "
    "exercises below and log your session again."
)


class VersionChanged(DomainError):
    """The programme changed while the patient was logging against the old version."""


class SessionNotAllowed(DomainError):
    """The session cannot be logged (ended programme, a day out of range...)."""


@dataclass(frozen=True)
class EntryInput:
    """What the patient did of one item (validated by the form; checked again here)."""

    item: ProgrammeItem
    done: bool
    reps: int | None = None
    hold_seconds: int | None = None
    distance_m: int | None = None
    load_kg: Decimal | None = None
    pain_during: int | None = None
    rpe: int | None = None
    sets_done: int | None = None
    feel: str = ""


def _check_scores(entry: EntryInput) -> None:
    for name in ("pain_during", "rpe"):
        value = getattr(entry, name)
        if value is not None and not 0 <= value <= 10:
            raise DomainError("Pain and difficulty are whole numbers from 0 to 10.", field=name)
    if not entry.done and any(
        v is not None
        for v in (entry.reps, entry.hold_seconds, entry.distance_m, entry.load_kg, entry.sets_done)
    ):
        raise DomainError("An exercise not done has no repetitions, hold or load.")


def _pain_reasons(
    entries: Sequence[EntryInput], *, high_before: bool
) -> tuple[dosing.PainCheck, list[str]]:
    """The session's pain check (its highest pain during) and one reason per exercise
    whose pain during broke the rule, named so the practitioner knows which."""
    scores = [e.pain_during for e in entries if e.done and e.pain_during is not None]
    check = dosing.pain_check(pain_during=max(scores) if scores else None, high_before=high_before)
    reasons = []
    for e in entries:
        if e.done and e.pain_during is not None:
            one = dosing.pain_check(pain_during=e.pain_during)
            reasons += [f"{e.item.exercise.name}: {r}" for r in one.reasons]
    if check.contact:
        reasons.append(check.reasons[-1])
    return check, reasons


def _previous_high(programme: Programme, patient: Patient, before: date) -> bool:
    """Whether the patient's latest earlier session of the programme had pain during of
    6/10 or more (§8.3 row 2: twice running means contact the practitioner)."""
    previous = (
        SessionLog.objects.filter(
            patient=patient, version__programme=programme, performed_on__lt=before
        )
        .order_by("-performed_on", "-created_at")
        .first()
    )
    if previous is None:
        return False
    scores = previous.entries.filter(done=True, pain_during__isnull=False).values_list(
        "pain_during", flat=True
    )
    return any(score is not None and score >= pain_model.PAIN_HIGH_MIN for score in scores)


@transaction.atomic
def session_log_record(
    *,
    patient: Patient,
    version: ProgrammeVersion,
    performed_on: date,
    entries: Sequence[EntryInput],
    comment: str = "",
    today: date | None = None,
    client_id: uuid.UUID | None = None,
) -> tuple[SessionLog, dosing.PainCheck]:
    """Record one session of `version` (the programme's current version) on `performed_on`.

    `client_id`: the id the patient's phone gave the session (the session player); a
    session sent again with the same id is recorded once: the first one is returned.

    1. The programme must be the patient's, active, and `version` still its current one
       (else VersionChanged: the patient sees the new version and logs again).
    2. The day is today or earlier, and not before the programme started.
    3. One entry per item of the version; at least one exercise done.
    4. The pain rule on the pain during each exercise: flag with reasons when broken.
    Returns the session and the pain check the patient is shown.
    """
    programme = (
        Programme.objects.select_for_update(of=("self",))
        .select_related("clinic")
        .get(pk=version.programme_id)
    )
    if programme.patient_id != patient.pk:
        raise SessionNotAllowed("This is not your programme.")
    if client_id is not None:
        # The programme's row lock (above) makes this check and the insert one step.
        already = SessionLog.objects.filter(client_id=client_id).first()
        if already is not None:
            if already.patient_id != patient.pk:
                raise SessionNotAllowed("This session cannot be recorded.")
            return already, _recorded_check(already)
    if programme.status != Programme.Status.ACTIVE:
        raise SessionNotAllowed("This programme has ended: there is nothing more to log.")
    current = programme.current_version
    if current is None or current.pk != version.pk:
        raise VersionChanged(VERSION_CHANGED)
    tz = patient_tz(patient, programme)
    today = today or timezone.now().astimezone(tz).date()
    start = programme_start(programme, tz)
    if performed_on > today:
        raise SessionNotAllowed("The day of the session cannot be in the future.", field="day")
    if start is not None and performed_on < start:
        raise SessionNotAllowed("The day is before your programme started.", field="day")
    item_ids = set(version.items.values_list("pk", flat=True))
    if sorted(e.item.pk for e in entries) != sorted(item_ids):
        raise DomainError("Say for each exercise whether you did it.")
    if not any(e.done for e in entries):
        raise DomainError("Tick at least one exercise you did.")
    for e in entries:
        _check_scores(e)
    check, reasons = _pain_reasons(
        entries, high_before=_previous_high(programme, patient, performed_on)
    )
    session = SessionLog.objects.create(
        patient=patient,
        version=version,
        client_id=client_id,
        performed_on=performed_on,
        comment=comment.strip(),
        pain_flag=check.flag,
        pain_flag_reasons=reasons if check.flag else [],
    )
    bulk_create_with_history(
        [
            Entry(
                session=session,
                item=e.item,
                done=e.done,
                reps=e.reps if e.done else None,
                hold_seconds=e.hold_seconds if e.done else None,
                distance_m=e.distance_m if e.done else None,
                load_kg=e.load_kg if e.done else None,
                sets_done=e.sets_done if e.done else None,
                feel=e.feel if e.done else "",
                pain_during=e.pain_during,
                rpe=e.rpe,
            )
            for e in entries
        ],
        Entry,
    )
    if check.flag:
        pain_flag_raise(session=session, kind=PainFlag.Kind.DURING)
    return session, check


def _recorded_check(session: SessionLog) -> dosing.PainCheck:
    """The pain check of a session recorded before (its highest pain during)."""
    scores = [
        score
        for score in session.entries.filter(done=True).values_list("pain_during", flat=True)
        if score is not None
    ]
    return dosing.pain_check(pain_during=max(scores) if scores else None)


def baseline_morning_pain(session: SessionLog) -> float | None:
    """The patient's baseline morning pain for `session` (§8.2, `pain.baseline_morning`):
    the median of the 7 morning scores before the current phase began (the programme's
    start when it has no phase), or of the phase's first mornings before this session."""
    programme = session.version.programme
    tz = patient_tz(session.patient, programme)
    phases = list(session.version.phases.all())
    phase = current_phase(phases, session.performed_on)
    stage_start = phase.starts_on if phase is not None else programme_start(programme, tz)
    mornings = SessionLog.objects.filter(
        patient_id=session.patient_id,
        version__programme_id=programme.pk,
        morning_pain__isnull=False,
        performed_on__lt=session.performed_on,
    ).values_list("performed_on", "morning_pain")
    return pain_model.baseline_morning(
        [(day, score) for day, score in mornings if score is not None],
        stage_started_on=stage_start,
        before=session.performed_on,
    )


@transaction.atomic
def session_morning_pain_record(
    *, session: SessionLog, morning_pain: int, now: datetime | None = None
) -> tuple[SessionLog, dosing.PainCheck]:
    """Record the pain the morning after `session` (0-10), once, from the next day for
    MORNING_PAIN_DAYS days. Two or more above the baseline morning -> flag (re-opened if
    it was reviewed)."""
    locked = (
        SessionLog.objects.select_for_update(of=("self",))
        .select_related("version__programme__clinic", "patient")
        .get(pk=session.pk)
    )
    if not 0 <= morning_pain <= 10:
        raise DomainError("Enter your pain as a whole number from 0 to 10.", field="morning_pain")
    if locked.morning_pain is not None:
        raise DomainError("You have already recorded your pain for the morning after this session.")
    programme = locked.version.programme
    now = now or timezone.now()
    today = now.astimezone(patient_tz(locked.patient, programme)).date()
    days_after = (today - locked.performed_on).days
    if not 1 <= days_after <= MORNING_PAIN_DAYS:
        raise DomainError(
            "Next-morning pain can be recorded from the day after the session, for "
            f"{MORNING_PAIN_DAYS} days."
        )
    check = dosing.pain_check(
        pain_during=None, morning_pain=morning_pain, baseline_morning=baseline_morning_pain(locked)
    )
    locked.morning_pain = morning_pain
    locked.morning_pain_logged_at = now
    if check.flag:
        locked.pain_flag = True
        locked.pain_flag_reasons = [*locked.pain_flag_reasons, *check.reasons]
        locked.flag_reviewed_at = None
        locked.flag_reviewed_by = None
    locked.save()
    if check.flag:
        pain_flag_raise(session=locked, kind=PainFlag.Kind.MORNING)
    return locked, check


@transaction.atomic
def session_flag_review(
    *, session: SessionLog, by: User, now: datetime | None = None
) -> SessionLog:
    """The practitioner has seen the pain flag: it leaves the list of flags to review.
    Reviewing twice is harmless."""
    locked = (
        SessionLog.objects.select_for_update(of=("self",))
        .select_related("version__programme")
        .get(pk=session.pk)
    )
    if not is_clinician(by) or by.clinic_id != locked.version.programme.clinic_id:
        raise DomainError("Only the clinic's practitioners can review pain flags.")
    if not locked.pain_flag:
        raise DomainError("This session has no pain flag to review.")
    if locked.flag_reviewed_at is None:
        locked.flag_reviewed_at = now or timezone.now()
        locked.flag_reviewed_by = by
        locked.save(update_fields=["flag_reviewed_at", "flag_reviewed_by", "updated_at"])
        pain_flags_mark_seen_for_session(session=locked, by=by, now=locked.flag_reviewed_at)
    return locked
