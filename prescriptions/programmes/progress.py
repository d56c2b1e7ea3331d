"""The practitioner's view of how a programme is going (selectors): adherence week by
week, the pain trend, the doses logged for each exercise, pain flags, and a progression
suggestion per exercise (rules/dosing.py `progression_suggestion`: the pain-monitoring
model of CLINICAL.md §8 and the progression rules of §4.2) with the choices that applying
it offers. Drawing is clinic/lib/charts.py.

The history of an exercise is every logged entry for the same exercise in any version of
the programme, oldest first, so the 2-for-2 rule counts sessions across a new version. An
entry without a load of its own was done at the load its version prescribed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString

from clinic.lib import charts
from prescriptions.library.shipped import GLUTEAL_TENDINOPATHY
from prescriptions.models import (
    Exercise,
    Programme,
    ProgrammeItem,
    ProgrammeVersion,
    SessionLog,
    SessionLogEntry,
)
from prescriptions.patient_programme.adherence import Adherence
from prescriptions.patient_programme.selectors import (
    dose_short,
    patient_tz,
    programme_adherence,
    programme_start,
    session_list,
    version_items,
)
from prescriptions.rules import dosing, stages
from prescriptions.rules.findings import library_conditions

LOAD_INCREMENT_KG = 2.5
"""The smallest load step offered (a pair of 1.25 kg plates). [derived] house default;
CLINICAL.md §4.2's worked case rounds to 2.5 kg steps (62.5 or 65 kg)."""


def _day(d: date) -> str:
    return f"{d.day} {d:%b}"


# --- Adherence and pain -----------------------------------------------------------------


def adherence_chart(result: Adherence) -> SafeString:
    weeks = result.weeks
    labels = [_day(w.start) for w in weeks]
    done = sum(w.done for w in weeks)
    desc = (
        f"{done} of {result.planned} planned sessions done over {len(weeks)} "
        f"week{'s' if len(weeks) != 1 else ''}"
        + (f", {result.percent}%." if result.percent is not None else ".")
    )
    return charts.bar_chart(
        chart_id="adherence-chart",
        title="Sessions planned and done, week by week",
        x_labels=labels,
        series=[
            charts.Series("Planned", [w.planned for w in weeks], outline=True),
            charts.Series("Done", [w.session_days for w in weeks]),
        ],
        y_max=max([7, *(w.session_days for w in weeks)]),
        y_label="Sessions",
        desc=desc,
    )


@dataclass(frozen=True)
class PainRow:
    session: SessionLog
    pain_during: int | None  # the highest of the session's exercises
    morning_pain: int | None


def pain_rows(sessions: list[SessionLog]) -> list[PainRow]:
    """One row per session, oldest first."""
    rows = []
    for s in reversed(sessions):
        scores = [e.pain_during for e in s.entries.all() if e.done and e.pain_during is not None]
        rows.append(PainRow(s, max(scores) if scores else None, s.morning_pain))
    return rows


def pain_chart(rows: list[PainRow]) -> SafeString:
    during = [r.pain_during for r in rows]
    known = [p for p in during if p is not None]
    desc = (
        f"{len(rows)} sessions. Highest pain during exercise from {known[0]} to {known[-1]} "
        f"out of 10, at most {max(known)}; the limit is {dosing.PAIN_DURING_MAX}."
        if known
        else "No pain scores logged yet."
    )
    return charts.line_chart(
        chart_id="pain-chart",
        title="Pain during exercise and the next morning (0 to 10)",
        x_labels=[_day(r.session.performed_on) for r in rows],
        series=[
            charts.Series("During (highest)", during),
            charts.Series("Next morning", [r.morning_pain for r in rows]),
        ],
        y_max=10,
        y_label="Pain (0 to 10)",
        threshold=charts.Threshold(dosing.PAIN_DURING_MAX, f"Limit {dosing.PAIN_DURING_MAX}/10"),
        desc=desc,
    )


# --- Per exercise -----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    entry: SessionLogEntry
    performed_on: date
    load_kg: Decimal | None  # used: the entry's own, else its version's prescription
    achieved: int | None
    morning_pain: int | None


@dataclass(frozen=True)
class ApplyChoice:
    value: str  # a load "62.5" or an exercise code
    label: str


@dataclass
class ExerciseProgress:
    item: ProgrammeItem
    dose: str
    history: list[HistoryRow]
    suggestion: dosing.ProgressionSuggestion
    charts: list[SafeString]
    choices: list[ApplyChoice] = field(default_factory=list)  # empty: nothing to apply

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.suggestion.action]


ACTION_LABELS = {
    dosing.Action.INCREASE_LOAD: "Increase the load",
    dosing.Action.NEXT_EXERCISE: "Move on to the next exercise in the chain",
    dosing.Action.HARDER_VARIATION: "Make this exercise harder",
    dosing.Action.HOLD: "Keep the dose",
    dosing.Action.EASE: "Ease off",
    dosing.Action.SEE_CLINICIAN: "See the patient before the next session",
}
APPLICABLE = frozenset(
    {dosing.Action.INCREASE_LOAD, dosing.Action.NEXT_EXERCISE, dosing.Action.EASE}
)
"""Suggestions applied with one action: a new load, or the next (or an easier) exercise."""


def _achieved(e: SessionLogEntry) -> int | None:
    for value in (e.reps, e.hold_seconds, e.distance_m):
        if value is not None:
            return value
    return None


def exercise_history(programme: Programme, exercise: Exercise) -> list[HistoryRow]:
    entries = (
        SessionLogEntry.objects.filter(
            item__exercise=exercise,
            session__version__programme=programme,
            session__patient_id=programme.patient_id,
        )
        .select_related("session", "item")
        .order_by("session__performed_on", "session__created_at")
    )
    return [
        HistoryRow(
            entry=e,
            performed_on=e.session.performed_on,
            load_kg=e.load_kg if e.load_kg is not None else e.item.load_kg,
            achieved=_achieved(e),
            morning_pain=e.session.morning_pain,
        )
        for e in entries
    ]


def item_target(item: ProgrammeItem) -> dosing.ItemTarget:
    load = (
        float(item.load_kg)
        if item.load_kind == ProgrammeItem.LoadKind.EXTERNAL and item.load_kg
        else None
    )
    if item.dose_type == Exercise.DoseType.HOLD_SECONDS:
        return dosing.ItemTarget(hold_seconds=item.hold_seconds, load_kg=load)
    if item.dose_type == Exercise.DoseType.DISTANCE_M:
        return dosing.ItemTarget(distance_m=item.distance_m, load_kg=load)
    return dosing.ItemTarget(reps=item.reps, load_kg=load)


def as_dosing_log(row: HistoryRow) -> dosing.SessionLog:
    e = row.entry
    return dosing.SessionLog(
        reps=e.reps,
        hold_seconds=e.hold_seconds,
        distance_m=e.distance_m,
        load_kg=float(row.load_kg) if row.load_kg is not None else None,
        rpe=e.rpe,
        pain_during=e.pain_during,
        morning_pain=row.morning_pain,
        done=e.done,
        performed_on=row.performed_on,
    )


def avoid_conditions(programme: Programme) -> set[str]:
    """Conditions whose early-stage cautions the chain must respect: the assessment's, and
    gluteal tendinopathy under the GT load-management goal."""
    avoid = (
        set(library_conditions(programme.assessment.conditions)) if programme.assessment else set()
    )
    if programme.goal == Programme.Goal.GT_LOAD_MANAGEMENT:
        avoid.add(GLUTEAL_TENDINOPATHY)
    return avoid


def item_suggestion(
    programme: Programme, item: ProgrammeItem, history: list[HistoryRow]
) -> dosing.ProgressionSuggestion:
    """The progression rules on one item's history. Its stage starts with its phase (or
    the programme's first publish), which also anchors the baseline morning pain; under
    the gluteal tendinopathy goal a step up waits for the LEAP stage's 7 days (§9.1)."""
    tz = patient_tz(programme.patient, programme)
    stage_start = item.phase.starts_on if item.phase is not None else programme_start(programme, tz)
    return dosing.progression_suggestion(
        exercise=item.exercise,
        target=item_target(item),
        sessions=[as_dosing_log(r) for r in history],
        increment_kg=LOAD_INCREMENT_KG,
        avoid_for=avoid_conditions(programme),
        on_date=timezone.now().astimezone(tz).date(),
        stage_started_on=stage_start,
        minimum_stage_days=(
            stages.LEAP_STAGE_DAYS.value
            if programme.goal == Programme.Goal.GT_LOAD_MANAGEMENT
            else 0
        ),
    )


def apply_choices(
    item: ProgrammeItem, suggestion: dosing.ProgressionSuggestion
) -> list[ApplyChoice]:
    """What "apply" can do for this suggestion: the loads in range, or the exercises
    named (harder ones for NEXT_EXERCISE, easier ones for EASE) that the clinic has."""
    action = suggestion.action
    if action == dosing.Action.INCREASE_LOAD:
        return [ApplyChoice(f"{kg:g}", f"{kg:g} kg") for kg in suggestion.load_options_kg]
    if action in (dosing.Action.NEXT_EXERCISE, dosing.Action.EASE):
        linked = (
            item.exercise.harder.all()
            if action == dosing.Action.NEXT_EXERCISE
            else item.exercise.easier.all()
        )
        # The same neighbours as Exercise.progressions/regressions: never another clinic's
        # copy, which links into the shipped rows (library.services.exercise_copy).
        owner = item.exercise.clinic_id
        seen = Q(clinic__isnull=True) | Q(clinic_id=owner) if owner else Q(clinic__isnull=True)
        by_slug = {e.slug: e for e in linked.filter(seen, is_active=True)}
        return [
            ApplyChoice(str(by_slug[slug].code), by_slug[slug].name)
            for slug in suggestion.next_exercises
            if slug in by_slug
        ]
    return []


def _target_value(item: ProgrammeItem) -> int | None:
    if item.dose_type == Exercise.DoseType.HOLD_SECONDS:
        return item.hold_seconds
    if item.dose_type == Exercise.DoseType.DISTANCE_M:
        return item.distance_m
    return item.reps


def dose_charts(item: ProgrammeItem, history: list[HistoryRow], chart_id: str) -> list[SafeString]:
    """What was achieved (against the target) with the effort, and the load when it is
    in kg: two charts, so kilograms never squash repetitions."""
    done = [r for r in history if r.entry.done]
    if not done:
        return []
    unit = {"hold_seconds": "Seconds held", "distance_m": "Metres"}.get(
        item.dose_type, "Repetitions, last set"
    )
    target = _target_value(item)
    achieved = [r.achieved for r in done]
    rpe = [r.entry.rpe for r in done]
    labels = [_day(r.performed_on) for r in done]
    latest = done[-1]
    effort = latest.entry.rpe if latest.entry.rpe is not None else "not given"
    out = [
        charts.line_chart(
            chart_id=chart_id,
            title=f"{item.exercise.name}: {unit.lower()} and effort",
            x_labels=labels,
            series=[charts.Series(unit, achieved), charts.Series("Effort (RPE 0 to 10)", rpe)],
            y_max=charts.axis_max([*achieved, *rpe, target], at_least=10),
            y_label=unit,
            threshold=charts.Threshold(target, f"Target {target}") if target else None,
            desc=f"{len(done)} sessions done; the latest {latest.achieved} against a target of "
            f"{target}, effort {effort}.",
        )
    ]
    loads = [float(r.load_kg) if r.load_kg is not None else None for r in done]
    if any(v is not None for v in loads):
        out.append(
            charts.line_chart(
                chart_id=f"{chart_id}-load",
                title=f"{item.exercise.name}: load used (kg)",
                x_labels=labels,
                series=[charts.Series("Load (kg)", loads)],
                y_max=charts.axis_max(loads),
                y_label="kg",
                desc=f"From {next(v for v in loads if v is not None):g} kg to "
                f"{next(v for v in reversed(loads) if v is not None):g} kg.",
            )
        )
    return out


def exercise_progress(programme: Programme, version: ProgrammeVersion) -> list[ExerciseProgress]:
    rows = []
    for item in version_items(version):
        history = exercise_history(programme, item.exercise)
        suggestion = item_suggestion(programme, item, history)
        rows.append(
            ExerciseProgress(
                item=item,
                dose=dose_short(item),
                history=history,
                suggestion=suggestion,
                charts=dose_charts(item, history, f"dose-chart-{item.order}"),
                choices=apply_choices(item, suggestion) if suggestion.action in APPLICABLE else [],
            )
        )
    return rows


# --- The whole page ---------------------------------------------------------------------


@dataclass
class ProgrammeProgress:
    programme: Programme
    version: ProgrammeVersion
    today: date
    adherence: Adherence
    adherence_chart: SafeString
    pain_rows: list[PainRow]
    pain_chart: SafeString
    open_flags: list[SessionLog]
    reviewed_flags: list[SessionLog]
    exercises: list[ExerciseProgress]
    sessions: list[SessionLog]
    has_draft: bool


def programme_progress(programme: Programme, version: ProgrammeVersion) -> ProgrammeProgress:
    tz = patient_tz(programme.patient, programme)
    today = timezone.now().astimezone(tz).date()
    sessions = session_list(programme, programme.patient)
    result = programme_adherence(programme, sessions, today=today, tz=tz)
    rows = pain_rows(sessions)
    flagged = [s for s in sessions if s.pain_flag]
    return ProgrammeProgress(
        programme=programme,
        version=version,
        today=today,
        adherence=result,
        adherence_chart=adherence_chart(result),
        pain_rows=rows,
        pain_chart=pain_chart(rows),
        open_flags=[s for s in flagged if s.flag_reviewed_at is None],
        reviewed_flags=[s for s in flagged if s.flag_reviewed_at is not None],
        exercises=exercise_progress(programme, version),
        sessions=sessions,
        has_draft=programme.draft_version is not None,
    )
