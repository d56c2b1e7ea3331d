"""Reading treatment notes and goals, and what a note pulls in from the record.

The figures a note shows (pain, outcome measures with their verdicts, programme changes,
goal progress) are built here as plain lines of text: the note stores them as they were
shown, so a signed note keeps saying what its author read.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max, Q, QuerySet

from bookings.models import Appointment
from clinic.lib.time import day_label
from clinic.models import Clinic, Patient, Practitioner, User
from prescriptions.models import OutcomeResponse, ProgrammeVersion, SessionLog
from prescriptions.notes.models import Goal, NoteSettings, NoteTemplate, TreatmentNote
from prescriptions.outcomes import scoring

NOTE_DUE_STATUSES = (
    Appointment.Status.BOOKED,
    Appointment.Status.ATTENDED,
    Appointment.Status.COMPLETED,
)
"""Visits that need a note once over: attended or completed, or still marked booked
(nobody recorded the attendance). No-shows and cancellations need none."""
SIGN_WITHIN = timedelta(days=1)
"""A visit's note is overdue when it is unsigned this long after the visit ended."""


def note_records() -> QuerySet[TreatmentNote]:
    return TreatmentNote.objects.select_related(
        "patient__clinic", "author", "appointment__service", "signed_by"
    )


def note_settings_for(clinic: Clinic) -> NoteSettings:
    """The clinic's settings, or the defaults (unsaved) when it has none."""
    found = NoteSettings.objects.filter(clinic=clinic).first()
    return found if found is not None else NoteSettings(clinic=clinic)


def note_template_list(*, clinic: Clinic) -> list[NoteTemplate]:
    return list(NoteTemplate.objects.filter(clinic=clinic))


def note_list_for_patient(*, patient: Patient, signed_only: bool = False) -> list[TreatmentNote]:
    notes = TreatmentNote.objects.filter(patient=patient).select_related(
        "author", "appointment__service"
    )
    if signed_only:
        notes = notes.filter(status=TreatmentNote.Status.SIGNED).prefetch_related("addenda")
    return list(notes)


def previous_note(*, patient: Patient, before: datetime) -> TreatmentNote | None:
    """The patient's latest note of a visit that started before `before`."""
    return (
        TreatmentNote.objects.filter(patient=patient, started_at__lt=before)
        .order_by("-started_at")
        .first()
    )


def _due(now: datetime, mine: Q) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        mine, status__in=NOTE_DUE_STATUSES, end__lt=now - SIGN_WITHIN
    ).exclude(treatment_note__status=TreatmentNote.Status.SIGNED)


def notes_due(*, practitioner: Practitioner, now: datetime) -> list[Appointment]:
    """The practitioner's visits that ended more than a day ago whose note is not signed
    (none written, or a draft), oldest first. A note's author is the one who owes it."""
    mine = Q(practitioner=practitioner, treatment_note__isnull=True) | Q(
        treatment_note__author=practitioner
    )
    return list(
        _due(now, mine)
        .select_related("patient", "service", "treatment_note", "practitioner__clinic")
        .order_by("start")
    )


def notes_due_count(*, user: User, now: datetime) -> int:
    """How many notes the practitioner who is `user` owes (one query; 0 for others)."""
    mine = Q(
        practitioner__user=user, practitioner__is_active=True, treatment_note__isnull=True
    ) | Q(treatment_note__author__user=user, treatment_note__author__is_active=True)
    return _due(now, mine).count()


@dataclass(frozen=True)
class NoteState:
    """What the calendar card says of one visit's note."""

    signed: bool
    exists: bool
    overdue: bool


def note_states(*, appointments: Sequence[Appointment], now: datetime) -> dict[int, NoteState]:
    """Per appointment id (one query): is there a note, is it signed, is it overdue."""
    ids = [a.pk for a in appointments]
    if not ids:
        return {}
    status_by = dict(
        TreatmentNote.objects.filter(appointment_id__in=ids).values_list("appointment_id", "status")
    )
    states: dict[int, NoteState] = {}
    for a in appointments:
        status = status_by.get(a.pk)
        signed = status == TreatmentNote.Status.SIGNED
        states[a.pk] = NoteState(
            signed=signed,
            exists=status is not None,
            overdue=not signed and a.status in NOTE_DUE_STATUSES and a.end < now - SIGN_WITHIN,
        )
    return states


# --- What a note pulls in ------------------------------------------------------------------


def programme_changes(*, patient: Patient, after: datetime | None, until: datetime) -> list[str]:
    """Programme versions published after `after` (the previous note's visit) up to
    `until`, oldest first, as lines: "Hip strength, version 3 (12 March): more load"."""
    versions = ProgrammeVersion.objects.filter(
        programme__patient=patient, published_at__isnull=False, published_at__lte=until
    ).select_related("programme")
    if after is not None:
        versions = versions.filter(published_at__gt=after)
    tz = patient.clinic.tz
    lines = []
    for v in versions.order_by("published_at"):
        if v.published_at is None:  # filtered out above; for the type checker
            continue
        when = day_label(v.published_at.astimezone(tz).date())
        note = f": {v.change_note}" if v.change_note else ""
        lines.append(f"{v.programme.display_title}, version {v.number} ({when}){note}")
    return lines


def _num(value: object) -> str:
    text = f"{float(str(value)):.1f}"
    return text.removesuffix(".0")


def pain_figures(*, patient: Patient) -> list[str]:
    """The latest logged session's pain: highest during exercise, and next morning."""
    session = (
        SessionLog.objects.filter(patient=patient)
        .annotate(worst=Max("entries__pain_during"))
        .order_by("-performed_on", "-created_at")
        .first()
    )
    if session is None:
        return ["Pain: no exercise sessions logged."]
    parts = []
    worst = getattr(session, "worst", None)
    if worst is not None:
        parts.append(f"highest during exercise {worst}/10")
    if session.morning_pain is not None:
        parts.append(f"next morning {session.morning_pain}/10")
    if session.pain_flag:
        parts.append("pain flag raised")
    day = day_label(session.performed_on)
    return [f"Pain at the last logged session ({day}): " + (", ".join(parts) or "not rated")]


def outcome_figures(*, patient: Patient) -> list[str]:
    """Each outcome measure's first and latest scores, the change and its verdict against
    the measure's MCID or MDC (outcomes.scoring.change)."""
    responses = (
        OutcomeResponse.objects.filter(patient=patient, total__isnull=False)
        .exclude(assessment__status="draft")
        .order_by("completed_on", "created_at")
    )
    by_code: dict[str, list[OutcomeResponse]] = {}
    for r in responses:
        by_code.setdefault(r.instrument, []).append(r)
    lines = []
    for code, found in by_code.items():
        first, last = found[0], found[-1]
        if first.total is None or last.total is None:  # filtered out above
            continue
        if first.pk == last.pk:
            lines.append(f"{code}: {_num(first.total)} ({day_label(first.completed_on)}), baseline")
            continue
        result = scoring.change(code, float(first.total), float(last.total))
        difference = ("+" if result.difference > 0 else "") + _num(result.difference)
        verdict = result.verdict.value if result.verdict else "no established threshold"
        basis = (
            f" ({result.threshold.kind} {_num(result.threshold.points)})"
            if result.threshold
            else ""
        )
        lines.append(
            f"{code}: {_num(first.total)} ({day_label(first.completed_on)}) to "
            f"{_num(last.total)} ({day_label(last.completed_on)}), {difference}: "
            f"{verdict}{basis}"
        )
    return lines or ["Outcome measures: none scored yet."]


def goal_list_for_patient(*, patient: Patient, active_only: bool = False) -> list[Goal]:
    goals = Goal.objects.filter(patient=patient)
    if active_only:
        goals = goals.filter(status__in=Goal.ACTIVE)
    return list(goals)


def goal_progress_line(goal: Goal, latest: dict[tuple[str, str], object]) -> str:
    """One goal as a line: activity, target, date, status, and the latest value when the
    record has one."""
    target = ""
    if goal.target is not None and goal.baseline is not None:
        measure = f" {goal.measure}" if goal.measure else ""
        target = f"; from {_num(goal.baseline)} to {_num(goal.target)}{measure}"
    now = latest.get((goal.measure, goal.psfs_activity_id))
    current = f"; latest {_num(now)}" if now is not None else ""
    return (
        f"{goal.activity}{target} by {day_label(goal.target_date, year=True)}{current} "
        f"({goal.get_status_display().lower()} since {day_label(goal.status_on)})"
    )


def latest_values(*, patient: Patient, goals: Collection[Goal]) -> dict[tuple[str, str], object]:
    """The latest scored value for each goal's measure (and PSFS activity)."""
    codes = {g.measure for g in goals if g.measure}
    found: dict[tuple[str, str], object] = {}
    responses = OutcomeResponse.objects.filter(
        patient=patient, instrument__in=codes, total__isnull=False
    ).order_by("completed_on", "created_at")
    for r in responses:
        found[(r.instrument, "")] = r.total
        if r.instrument == "PSFS":
            for activity, rating in r.ratings():
                if rating is not None and activity.get("id"):
                    found[("PSFS", str(activity["id"]))] = rating
    return found


def goal_progress(*, patient: Patient) -> list[str]:
    goals = goal_list_for_patient(patient=patient, active_only=True)
    latest = latest_values(patient=patient, goals=goals)
    return [goal_progress_line(g, latest) for g in goals] or ["No active goals."]


def psfs_activities(*, patient: Patient) -> list[tuple[str, str]]:
    """(id, text) of the PSFS activities on the patient's latest PSFS, for linking a goal."""
    latest = (
        OutcomeResponse.objects.filter(patient=patient, instrument="PSFS")
        .order_by("-completed_on", "-created_at")
        .first()
    )
    if latest is None:
        return []
    return [(str(a["id"]), str(a.get("text", ""))) for a in latest.activities if a.get("id")]


def visit_tz(appointment: Appointment) -> ZoneInfo:
    """The zone a visit's times are shown in: its location's, else the clinic's."""
    if appointment.location_id is not None and appointment.location is not None:
        return appointment.location.tz
    return appointment.practitioner.clinic.tz
