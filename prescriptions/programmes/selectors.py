"""Reading programmes for staff pages: a patient's programmes, a version's items with
their dose in words and their warnings, the suggestions from the assessment resolved to
exercises, and the version history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from clinic.models import Patient
from prescriptions.library.shipped import default_library
from prescriptions.models import Assessment, Exercise, Programme, ProgrammeItem, ProgrammeVersion
from prescriptions.programmes.services import programme_suggestions
from prescriptions.rules import dosing, postop
from prescriptions.rules.conflicts import Conflict, item_conflicts, programme_conflicts
from prescriptions.rules.findings import library_conditions
from prescriptions.rules.suggestions import Suggestion, SuggestionKind
from prescriptions.surgery.selectors import surgery_for_rules


@dataclass(frozen=True)
class ProgrammeRow:
    programme: Programme
    current: ProgrammeVersion | None
    draft: ProgrammeVersion | None


def programme_list_for_patient(*, patient: Patient) -> list[ProgrammeRow]:
    """The patient's programmes, newest first, each with its current and draft version."""
    programmes = list(
        Programme.objects.filter(patient=patient)
        .select_related("practitioner", "assessment", "clinic")
        .prefetch_related("versions")
        .order_by("-created_at")
    )
    rows = []
    for programme in programmes:
        versions = sorted(programme.versions.all(), key=lambda v: v.number)
        published = [v for v in versions if v.is_published]
        draft = next((v for v in versions if not v.is_published), None)
        rows.append(ProgrammeRow(programme, published[-1] if published else None, draft))
    return rows


def programme_versions(*, programme: Programme) -> list[ProgrammeVersion]:
    """Every version, newest first, with who made and published it and its item count."""
    return list(programme.versions.select_related("created_by", "published_by").order_by("-number"))


def signed_assessments_for_patient(*, patient: Patient) -> list[Assessment]:
    return list(
        Assessment.objects.filter(patient=patient, status=Assessment.Status.SIGNED)
        .select_related("practitioner")
        .order_by("-assessed_on", "-created_at")
    )


# --- Dose in words -----------------------------------------------------------------------


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def dose_text(item: ProgrammeItem) -> str:
    """ "2 sets of 20 repetitions, each side", "5 holds of 10 seconds", "2 sets of 20 m"."""
    side = ", each side" if item.per_side else ""
    sets = _plural(item.sets, "set")
    if item.dose_type == Exercise.DoseType.HOLD_SECONDS:
        holds = f"{_plural(item.reps or 0, 'hold')} of {_plural(item.hold_seconds or 0, 'second')}"
        return (holds if item.sets == 1 else f"{sets} of {holds}") + side
    if item.dose_type == Exercise.DoseType.DISTANCE_M:
        return f"{sets} of {item.distance_m} m{side}"
    if item.dose_type == Exercise.DoseType.STEPS:
        return f"{sets} of {_plural(item.reps or 0, 'step')} each way"
    return f"{sets} of {_plural(item.reps or 0, 'repetition')}{side}"


def load_text(item: ProgrammeItem) -> str:
    if item.load_kind == ProgrammeItem.LoadKind.EXTERNAL and item.load_kg is not None:
        return f"{item.load_kg.normalize():f} kg"
    if item.load_kind == ProgrammeItem.LoadKind.BAND:
        return f"{item.get_band_colour_display().split(' ')[0].lower()} band"
    return "body weight"


def schedule_text(item: ProgrammeItem) -> str:
    days = "every day" if item.days_per_week == 7 else f"{item.days_per_week} days a week"
    times = {1: "", 2: ", twice a day", 3: ", three times a day"}[item.sessions_per_day]
    return f"rest {item.rest_seconds} s · {days}{times}"


# --- Builder ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrescribingContext:
    """What the warnings read: the patient's conditions (library codes) and the red flags,
    stop signs and do-not-exercise values of the programme's assessment (or, for a
    programme not started from one, of the patient's latest signed assessment), and the
    patient's surgery record on `on_date` (today in the clinic's zone)."""

    assessment: Assessment | None
    conditions: list[str]
    red_flags: list[str]
    stop_flags: list[dict[str, Any]]
    surgery: postop.Surgery | None = None
    on_date: date | None = None
    signs: list[str] = field(default_factory=list)


def programme_today(programme: Programme) -> date:
    return timezone.now().astimezone(programme.clinic.tz).date()


def prescribing_context(programme: Programme) -> PrescribingContext:
    assessment = programme.assessment
    if assessment is None:
        assessment = (
            Assessment.objects.filter(patient=programme.patient, status=Assessment.Status.SIGNED)
            .order_by("-assessed_on", "-created_at")
            .first()
        )
    today = programme_today(programme)
    surgery = surgery_for_rules(patient=programme.patient, on_date=today)
    if assessment is None:
        return PrescribingContext(None, [], [], [], surgery, today)
    return PrescribingContext(
        assessment,
        library_conditions(assessment.conditions),
        list(assessment.red_flags),
        assessment.stop_flags,
        surgery,
        today,
        list(assessment.stop_signs),
    )


@dataclass(frozen=True)
class ItemView:
    item: ProgrammeItem
    dose: str
    load: str
    schedule: str
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def has_warning(self) -> bool:
        return any(c.severity != "caution" for c in self.conflicts)


def version_items(
    *, version: ProgrammeVersion, context: PrescribingContext | None = None
) -> list[ItemView]:
    """The version's items in order, each with its dose in words and its warnings."""
    programme = version.programme
    context = context or prescribing_context(programme)
    items = version.items.select_related("exercise", "phase").order_by("order")
    return [
        ItemView(
            item,
            dose_text(item),
            load_text(item),
            schedule_text(item),
            item_conflicts(
                item.exercise,
                goal=programme.goal,
                conditions=context.conditions,
                red_flags=context.red_flags,
                externally_loaded=item.load_kind == ProgrammeItem.LoadKind.EXTERNAL,
                surgery=context.surgery,
                on_date=context.on_date,
            ),
        )
        for item in items
    ]


def programme_warnings(context: PrescribingContext) -> list[Conflict]:
    return programme_conflicts(
        red_flags=context.red_flags,
        stop_flags=context.stop_flags,
        signs=context.signs,
        surgery=context.surgery,
        on_date=context.on_date,
    )


@dataclass(frozen=True)
class SuggestedExercise:
    exercise: Exercise
    in_programme: bool


@dataclass(frozen=True)
class SuggestionView:
    suggestion: Suggestion
    exercises: list[SuggestedExercise]
    goal_label: str = ""
    chain_name: str = ""

    @property
    def is_add(self) -> bool:
        return self.suggestion.kind == SuggestionKind.ADD_EXERCISES


def suggestion_views(
    *, programme: Programme, in_version: Sequence[int] = ()
) -> list[SuggestionView]:
    """The assessment's suggestions, their exercises as the shipped rows (in the order
    the rule gave them), and whether each is already in the version."""
    suggestions = programme_suggestions(programme)
    slugs = {s for sug in suggestions for s in sug.exercises}
    rows = {e.slug: e for e in Exercise.objects.shipped().active().filter(slug__in=slugs)}
    added = set(in_version)
    chains = default_library().chains
    out = []
    for sug in suggestions:
        exercises = [
            SuggestedExercise(rows[s], rows[s].pk in added) for s in sug.exercises if s in rows
        ]
        goal = Programme.Goal(sug.goal).label if sug.goal else ""
        chain = chains[sug.chain].name if sug.chain is not None and sug.chain in chains else ""
        out.append(SuggestionView(sug, exercises, goal, chain))
    return out


def goal_summary(goal: str) -> str:
    """A goal's default dose in a line, with its ranges, rest, days and effort."""
    g = dosing.GOAL_DOSES[dosing.Goal(goal)]
    return (
        f"{_plural(g.sets, 'set')} of {g.reps} repetitions ({g.sets_range} sets of "
        f"{g.reps_range}), "
        f"rest {g.rest_seconds} s, {g.days_per_week} days a week. {g.effort}"
    )


def programme_records() -> QuerySet[Programme]:
    """Programmes with what their pages show, for finding one by code (`clinic.access`)."""
    return Programme.objects.select_related("clinic", "patient", "practitioner", "assessment")
