"""Reading a programme as its patient sees it (selectors): today's exercises with their
dose in plain words, what is coming up, sessions logged, and adherence.

Patients only ever see the current published version (`Programme.current_version`).

"Today's exercises": the items with no phase, plus those of the current phase (the latest
phase that has started); items of phases still to come are listed under "Coming up", and
those of phases already passed are left out. Each item says how often it is done and how
many times this week it has been; an item done less than every day whose days are used
up this week says so (a rest day for it).
"""

# Patient-facing text uses the multiplication sign on purpose.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.utils import timezone

from clinic.models import Patient, User
from prescriptions.models import (
    Exercise,
    ExerciseMedia,
    Phase,
    Programme,
    ProgrammeItem,
    ProgrammeVersion,
    SessionLog,
    SessionLogEntry,
)
from prescriptions.patient_programme.adherence import Adherence, adherence
from prescriptions.programmes.services import GOAL_PURPOSES

MORNING_PAIN_DAYS = 2
"""Next-morning pain can be recorded from the day after a session for this many days."""

GOAL_WORDS = GOAL_PURPOSES
"""The programme's goal in plain words, for the patient."""

SESSIONS_PER_DAY_WORDS = {1: "", 2: ", twice a day", 3: ", three times a day"}


def patient_tz(patient: Patient, programme: Programme) -> ZoneInfo:
    """The patient's own zone when known, else the clinic's: days are counted in it."""
    return ZoneInfo(patient.timezone) if patient.timezone else programme.clinic.tz


def patient_today(patient: Patient, programme: Programme) -> date:
    return timezone.now().astimezone(patient_tz(patient, programme)).date()


# --- The dose in words ---------------------------------------------------------------


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def kg_text(value: Decimal | float) -> str:
    """60.00 -> '60'; 62.50 -> '62.5'."""
    return f"{Decimal(value).normalize():f}"


def dose_words(item: ProgrammeItem) -> str:
    """'3 sets of 10 repetitions, each side'; '5 holds of 10 seconds'; '2 sets of 20 metres'."""
    side = ", each side" if item.per_side else ""
    sets = _plural(item.sets, "set")
    kind = item.dose_type
    if kind == Exercise.DoseType.HOLD_SECONDS:
        holds = f"{_plural(item.reps or 0, 'hold')} of {_plural(item.hold_seconds or 0, 'second')}"
        return (f"{sets}, each of {holds}" if item.sets > 1 else holds) + side
    if kind == Exercise.DoseType.DISTANCE_M:
        return f"{sets} of {_plural(item.distance_m or 0, 'metre')}{side}"
    if kind == Exercise.DoseType.STEPS:
        return f"{sets} of {_plural(item.reps or 0, 'step')} each way"
    return f"{sets} of {_plural(item.reps or 0, 'repetition')}{side}"


def dose_short(item: ProgrammeItem) -> str:
    """'3 × 10'; '5 × 10 s'; '2 × 20 m' (for tables)."""
    if item.dose_type == Exercise.DoseType.HOLD_SECONDS:
        text = f"{item.reps} × {item.hold_seconds} s"
        text = f"{item.sets} × ({text})" if item.sets > 1 else text
    elif item.dose_type == Exercise.DoseType.DISTANCE_M:
        text = f"{item.sets} × {item.distance_m} m"
    else:
        text = f"{item.sets} × {item.reps}"
    return text + (" each side" if item.per_side else "")


def load_words(item: ProgrammeItem) -> str:
    if item.load_kind == ProgrammeItem.LoadKind.EXTERNAL and item.load_kg is not None:
        return f"{kg_text(item.load_kg)} kg"
    if item.load_kind == ProgrammeItem.LoadKind.BAND and item.band_colour:
        colour, _, strength = ProgrammeItem.BandColour(item.band_colour).label.partition(" (")
        return f"{colour} band ({strength}" if strength else f"{colour} band"
    return "Your body weight"


def rest_words(item: ProgrammeItem) -> str:
    seconds = item.rest_seconds
    between = "holds" if item.dose_type == Exercise.DoseType.HOLD_SECONDS else "sets"
    if not seconds:
        return f"No rest needed between {between}"
    if seconds >= 120 and seconds % 60 == 0:
        return f"Rest {_plural(seconds // 60, 'minute')} between {between}"
    return f"Rest {_plural(seconds, 'second')} between {between}"


def how_often_words(item: ProgrammeItem) -> str:
    days = "Every day" if item.days_per_week >= 7 else f"{item.days_per_week} days a week"
    return days + SESSIONS_PER_DAY_WORDS.get(item.sessions_per_day, "")


def achieved_label(item: ProgrammeItem) -> str:
    """What the patient records for an item, in words."""
    if item.dose_type == Exercise.DoseType.HOLD_SECONDS:
        return "Seconds you held (your last hold)"
    if item.dose_type == Exercise.DoseType.DISTANCE_M:
        return "Metres you covered (your last set)"
    if item.dose_type == Exercise.DoseType.STEPS:
        return "Steps each way in your last set"
    return "Repetitions in your last set"


# --- Today's exercises ----------------------------------------------------------------


@dataclass(frozen=True)
class ItemView:
    item: ProgrammeItem
    number: int  # 1.. in today's list
    dose: str
    load: str
    rest: str
    how_often: str
    done_this_week: int = 0

    @property
    def exercise(self) -> Exercise:
        return self.item.exercise

    @property
    def rest_day(self) -> bool:
        """Done on all its days this week already (items done less than daily)."""
        return self.item.days_per_week < 7 and self.done_this_week >= self.item.days_per_week


def item_view(item: ProgrammeItem, number: int, done_this_week: int = 0) -> ItemView:
    return ItemView(
        item=item,
        number=number,
        dose=dose_words(item),
        load=load_words(item),
        rest=rest_words(item),
        how_often=how_often_words(item),
        done_this_week=done_this_week,
    )


@dataclass(frozen=True)
class PhasePlan:
    phase: Phase | None
    items: tuple[ProgrammeItem, ...]


def current_phase(phases: list[Phase], today: date) -> Phase | None:
    started = [p for p in phases if p.starts_on <= today]
    return max(started, key=lambda p: (p.starts_on, p.pk)) if started else None


def split_by_phase(
    items: list[ProgrammeItem], phases: list[Phase], today: date
) -> tuple[list[ProgrammeItem], list[PhasePlan]]:
    """(today's items, phases still to come with their items), in programme order."""
    now_phase = current_phase(phases, today)
    today_items = [
        i for i in items if i.phase_id is None or i.phase_id == getattr(now_phase, "pk", None)
    ]
    upcoming = [
        PhasePlan(p, tuple(i for i in items if i.phase_id == p.pk))
        for p in sorted(phases, key=lambda p: (p.starts_on, p.pk))
        if p.starts_on > today
    ]
    return today_items, [u for u in upcoming if u.items]


def version_items(version: ProgrammeVersion) -> list[ProgrammeItem]:
    """The version's items in order; each shipped exercise carries the clinic's own
    picture or video of it, if any (`Exercise.shown_media`), shown before the figure."""
    items = list(version.items.select_related("exercise", "phase").order_by("order"))
    shipped = {i.exercise_id for i in items if i.exercise.clinic_id is None}
    if shipped:
        media = {
            m.exercise_id: m
            for m in ExerciseMedia.objects.filter(
                clinic_id=version.programme.clinic_id, exercise_id__in=shipped
            )
        }
        for item in items:
            item.exercise.shown_media = media.get(item.exercise_id)
    return items


def programme_start(programme: Programme, tz: ZoneInfo) -> date | None:
    """The day its first version was published, in `tz`."""
    first = programme.versions.filter(published_at__isnull=False).order_by("number").first()
    return first.published_at.astimezone(tz).date() if first and first.published_at else None


def session_list(programme: Programme, patient: Patient) -> list[SessionLog]:
    """The patient's sessions of every version of `programme`, newest first, with entries."""
    entries = SessionLogEntry.objects.select_related("item__exercise").order_by("item__order")
    return list(
        SessionLog.objects.filter(version__programme=programme, patient=patient)
        .select_related("version")
        .prefetch_related(Prefetch("entries", queryset=entries))
        .order_by("-performed_on", "-created_at")
    )


def did_something(session: SessionLog) -> bool:
    return any(e.done for e in session.entries.all())


def programme_adherence(
    programme: Programme, sessions: list[SessionLog], *, today: date, tz: ZoneInfo
) -> Adherence:
    """Adherence (`adherence.py`) from the first publish day to today."""
    start = programme_start(programme, tz)
    if start is None:
        return adherence(
            start=today,
            today=today - timedelta(days=1),
            session_days=[],
            days_per_week_on=lambda d: 0,
        )
    published = list(
        programme.versions.filter(published_at__isnull=False)
        .order_by("number")
        .prefetch_related("items")
    )
    frequency = [
        (
            v.published_at.astimezone(tz).date(),
            max((i.days_per_week for i in v.items.all()), default=0),
        )
        for v in published
        if v.published_at
    ]

    def days_per_week_on(day: date) -> int:
        in_force = [f for published_on, f in frequency if published_on <= day]
        return in_force[-1] if in_force else frequency[0][1]

    end = today
    if programme.ended_at is not None:
        end = min(today, programme.ended_at.astimezone(tz).date())
    return adherence(
        start=start,
        today=end,
        session_days=[s.performed_on for s in sessions if did_something(s)],
        days_per_week_on=days_per_week_on,
    )


def morning_pain_due(sessions: list[SessionLog], today: date) -> SessionLog | None:
    """The session whose next-morning pain the patient can record now: the latest one
    before today, within MORNING_PAIN_DAYS days, with no morning pain yet."""
    earlier = [s for s in sessions if s.performed_on < today]
    if not earlier:
        return None
    latest = earlier[0]  # sessions are newest first
    if latest.morning_pain is None and (today - latest.performed_on).days <= MORNING_PAIN_DAYS:
        return latest
    return None


@dataclass
class ProgrammeView:
    programme: Programme
    version: ProgrammeVersion
    patient: Patient
    today: date
    tz: ZoneInfo
    items: list[ItemView]
    upcoming: list[PhasePlan]
    phase: Phase | None
    goal_words: str
    sessions: list[SessionLog]
    adherence: Adherence
    morning_due: SessionLog | None
    logged_today: bool
    recent: list[SessionLog] = field(default_factory=list)
    side: str = ""
    """The side per-side exercises are drawn for ("left", "right" or "": the right)."""

    @property
    def is_ended(self) -> bool:
        return self.programme.status == Programme.Status.ENDED


def programme_view(
    programme: Programme, version: ProgrammeVersion, patient: Patient
) -> ProgrammeView:
    tz = patient_tz(patient, programme)
    today = timezone.now().astimezone(tz).date()
    items = version_items(version)
    phases = list(version.phases.all())
    today_items, upcoming = split_by_phase(items, phases, today)
    sessions = session_list(programme, patient)
    monday = today - timedelta(days=today.weekday())
    week_days: dict[int, set[date]] = {}
    for s in sessions:
        if monday <= s.performed_on <= today:
            for e in s.entries.all():
                if e.done:
                    week_days.setdefault(e.item.exercise_id, set()).add(s.performed_on)
    views = [
        item_view(item, n, len(week_days.get(item.exercise_id, ())))
        for n, item in enumerate(today_items, start=1)
    ]
    return ProgrammeView(
        programme=programme,
        version=version,
        patient=patient,
        today=today,
        tz=tz,
        items=views,
        upcoming=upcoming,
        phase=current_phase(phases, today),
        goal_words=GOAL_WORDS.get(programme.goal, programme.goal_label),
        sessions=sessions,
        adherence=programme_adherence(programme, sessions, today=today, tz=tz),
        morning_due=morning_pain_due(sessions, today),
        logged_today=any(s.performed_on == today for s in sessions),
        recent=sessions[:5],
        side=programme_side(programme),
    )


def programme_side(programme: Programme) -> str:
    """The affected side of the assessment the programme came from, when it is one side."""
    assessment = programme.assessment if programme.assessment_id else None
    side = assessment.involved_side if assessment is not None else ""
    return side if side in ("left", "right") else ""


def programme_list_for_patient(patient: Patient) -> list[Programme]:
    """The patient's programmes that have a published version: current ones first."""
    programmes = (
        Programme.objects.filter(patient=patient, versions__published_at__isnull=False)
        .exclude(status=Programme.Status.DRAFT)
        .select_related("practitioner", "clinic")
        .distinct()
        .order_by("status", "-created_at")  # "active" sorts before "ended"
    )
    return list(programmes)


def programme_current_for_user(user: User | AnonymousUser) -> Programme | None:
    """The signed-in patient's latest active programme that has a published version (for
    "My programme" in the navigation and on the front page); None for anyone else."""
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    return (
        Programme.objects.filter(
            patient__user=user,
            status=Programme.Status.ACTIVE,
            versions__published_at__isnull=False,
        )
        .order_by("-created_at")
        .only("code")
        .first()
    )


def split_current_and_past(programmes: list[Programme]) -> tuple[list[Programme], list[Programme]]:
    """(current programmes, past ones): an ended programme is past."""
    current = [p for p in programmes if p.status != Programme.Status.ENDED]
    return current, [p for p in programmes if p.status == Programme.Status.ENDED]
