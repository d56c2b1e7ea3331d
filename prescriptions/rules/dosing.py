"""Dosing rules: goal defaults, progression, pain monitoring, suggestions from findings.

Pure functions over plain inputs (no ORM, no clock) so models, views and tasks can share
them. Every figure lives in a data table below with its source and evidence tag, as in
CLINICAL.md: [V] seen in a source, [M] to be checked against the primary paper, [derived]
a house default where the sources give no figure (the practitioner changes it).

Exercises are duck-typed (`ExerciseLike`): `prescriptions.library.shipped.Exercise` fits, and so
will a model that exposes the same attribute names.
"""

# Clinical text uses en dashes and other typographic signs on purpose.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from prescriptions.library.shipped import (
    EXTERNAL_LOADS,
    GLUTEAL_TENDINOPATHY,
    DoseType,
    Library,
    default_library,
)
from prescriptions.rules import pain as pain_model
from prescriptions.rules import training
from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source


class Goal(StrEnum):
    MUSCULAR_ENDURANCE = "muscular_endurance"
    HYPERTROPHY = "hypertrophy"
    STRENGTH = "strength"
    POWER = "power"
    EARLY_REHAB = "early_rehab"
    GT_LOAD_MANAGEMENT = "gt_load_management"


class ExerciseLike(Protocol):
    """What the dosing rules read from an exercise."""

    @property
    def slug(self) -> str: ...
    @property
    def dose_type(self) -> DoseType | str: ...
    @property
    def per_side(self) -> bool: ...
    @property
    def weight_bearing(self) -> bool: ...
    @property
    def load_types(self) -> Sequence[str]: ...
    @property
    def progressions(self) -> Sequence[str]:
        """Harder exercises, chain neighbour first."""

    @property
    def regressions(self) -> Sequence[str]:
        """Easier exercises, chain neighbour first."""

    def avoid_early_for(self, condition: str) -> bool: ...


@dataclass(frozen=True)
class Span:
    """An inclusive range of numbers, e.g. 15–30 reps."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low must not exceed high")

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


# --- Goal table (CLINICAL.md §4.1, §4.3, §4.4) ----------------------------------------------


@dataclass(frozen=True)
class GoalDose:
    """The default dose for one goal. Point values are the defaults; spans are the range."""

    goal: Goal
    label: str
    sets: int
    sets_range: Span
    reps: int
    reps_range: Span
    holds: int  # timed holds per set
    holds_range: Span
    hold_seconds: int
    hold_seconds_range: Span
    percent_1rm: Span | None  # for externally loaded exercises
    effort: str  # how hard it should feel, in plain words
    rest_seconds: int
    rest_range: Span
    tempo: str
    days_per_week: int
    days_range: Span
    sessions_per_day: int
    hold_sessions_per_day: int
    sources: Mapping[str, str]  # field name -> source and evidence tag
    steps: int | None = None  # steps each way when not `reps`
    steps_range: Span | None = None
    weight_bearing_hold_seconds_range: Span | None = None  # when standing differs from lying


_ACSM = "ACSM 2009 position stand"
_NSCA = "NSCA Essentials"
_LEAP = "LEAP trial dosage table (Mellor 2018)"
_HOUSE = "[derived] house default; CLINICAL.md gives no figure for this; practitioner adjusts"

GOAL_DOSES: Mapping[Goal, GoalDose] = {
    # The four training goals take the novice row of CLINICAL.md §11 (an unknown training
    # status is dosed as novice, the safer default); `goal_defaults` then fits the row of
    # the patient's profile and the exercise's load (rules/training.py). The pre-§11 strength
    # preset was 4 × 5 at 80–100 % 1RM with 3 minutes' rest for everyone (issue 12 point 5).
    Goal.MUSCULAR_ENDURANCE: GoalDose(
        goal=Goal.MUSCULAR_ENDURANCE,
        label="Muscular endurance",
        sets=2,
        sets_range=Span(1, 3),
        reps=20,
        reps_range=Span(15, 30),
        holds=3,
        holds_range=Span(2, 5),
        hold_seconds=20,
        hold_seconds_range=Span(10, 30),
        percent_1rm=Span(0, 67),
        effort="Light to moderate: finish each set feeling you could do 2 to 4 more.",
        rest_seconds=45,
        rest_range=Span(30, 90),
        tempo="Controlled, about 2 seconds up and 2 seconds down",
        days_per_week=3,
        days_range=Span(2, 3),
        sessions_per_day=1,
        hold_sessions_per_day=1,
        sources={
            "sets": f"{_ACSM} 1–3 sets, novice (§11.1) [V] [M sets]",
            "reps": "Body weight and band 15–30 reps at RIR 2–4 (§11.2) [derived]; external "
            f"loads 10–15 reps ({_ACSM}, §11.1) [V]",
            "percent_1rm": f"{_NSCA} ≤67 % 1RM (§11.1) [V]",
            "rest_seconds": f"{_ACSM} <1 min for 10–15 reps; 1–2 min for high-rep sets [V]",
            "days_per_week": f"{_ACSM} novice 2–3 d/wk (§11.1) [V]",
            "holds": _HOUSE,
            "hold_seconds": "10–30 s holds, RIR 2–4 (§11.2) [derived]",
            "tempo": _HOUSE,
        },
    ),
    Goal.HYPERTROPHY: GoalDose(
        goal=Goal.HYPERTROPHY,
        label="Hypertrophy",
        sets=2,
        sets_range=Span(1, 3),
        reps=10,
        reps_range=Span(8, 12),
        holds=3,
        holds_range=Span(3, 5),
        hold_seconds=20,
        hold_seconds_range=Span(10, 30),
        percent_1rm=Span(70, 85),
        effort="Hard: stop when you could do only 1 to 3 more.",
        rest_seconds=90,
        rest_range=Span(60, 120),
        tempo="1–2 seconds up, 1–2 seconds down",
        days_per_week=3,
        days_range=Span(2, 4),
        sessions_per_day=1,
        hold_sessions_per_day=1,
        sources={
            "sets": f"{_ACSM} 1–3 sets, novice and intermediate (§11.1) [V]",
            "reps": f"{_ACSM} 8–12 reps (§11.1) [V]",
            "percent_1rm": f"{_ACSM} 70–85 % 1RM (§11.1) [V]",
            "effort": "Working sets usually RPE 7–9 (Zourdos 2016; Helms 2016) [V]",
            "rest_seconds": f"{_ACSM} 1–2 min (§11.1) [V]",
            "days_per_week": f"{_ACSM} 2–4 d/wk (§11.1) [V]; the frequency [M]",
            "tempo": f"{_ACSM} moderate velocity [V]",
            "holds": _HOUSE,
            "hold_seconds": _HOUSE,
        },
    ),
    Goal.STRENGTH: GoalDose(
        goal=Goal.STRENGTH,
        label="Strength",
        sets=2,
        sets_range=Span(1, 3),
        reps=10,
        reps_range=Span(8, 12),
        holds=5,
        holds_range=Span(3, 6),
        hold_seconds=10,
        hold_seconds_range=Span(5, 15),
        percent_1rm=Span(60, 70),
        effort="Hard but controlled: stop when you could do only 1 to 3 more.",
        rest_seconds=120,
        rest_range=Span(60, 180),
        tempo="1–2 seconds up, 1–2 seconds down",
        days_per_week=3,
        days_range=Span(2, 3),
        sessions_per_day=1,
        hold_sessions_per_day=1,
        sources={
            "sets": f"{_ACSM} novice 1–3 sets (§11.1) [V]",
            "reps": f"{_ACSM} novice 8–12 RM (§11.1) [V]",
            "percent_1rm": f"{_ACSM} novice ≈60–70 % 1RM (§11.1) [V]",
            "effort": "Working sets usually RPE 7–9 (Zourdos 2016; Helms 2016) [V]",
            "rest_seconds": f"{_ACSM} 2–3 min on core lifts, 1–2 min on others (§11.1) [V]",
            "tempo": f"{_ACSM} 1–2 s concentric, 1–2 s eccentric [V]",
            "days_per_week": f"{_ACSM} novice 2–3 d/wk (§11.1) [V]",
            "holds": _HOUSE,
            "hold_seconds": _HOUSE,
        },
    ),
    Goal.POWER: GoalDose(
        goal=Goal.POWER,
        label="Power",
        sets=2,
        sets_range=Span(1, 3),
        reps=4,
        reps_range=Span(3, 6),
        holds=5,
        holds_range=Span(3, 6),
        hold_seconds=5,
        hold_seconds_range=Span(3, 10),
        percent_1rm=Span(0, 60),
        effort="Every rep fast and crisp; stop the set when speed drops.",
        rest_seconds=150,
        rest_range=Span(120, 180),
        tempo="As fast as possible on the way up; land or lower under control",
        days_per_week=2,
        days_range=Span(2, 3),
        sessions_per_day=1,
        hold_sessions_per_day=1,
        sources={
            "sets": f"{_ACSM} novice and intermediate 1–3 sets (§11.1) [V]",
            "reps": f"{_ACSM} 3–6 reps (§11.1) [V]",
            "percent_1rm": f"{_ACSM} lower body 0–60 % 1RM, jumps at body weight; older "
            "adults 40–60 % (§11.1) [V]",
            "rest_seconds": f"{_ACSM} 2–3 min (§11.1) [V]",
            "tempo": f"{_ACSM} fast velocity [V]",
            "days_per_week": f"{_ACSM} 2–3 d/wk novice (§11.1) [V]",
            "holds": _HOUSE,
            "hold_seconds": _HOUSE,
        },
    ),
    Goal.EARLY_REHAB: GoalDose(
        goal=Goal.EARLY_REHAB,
        label="Early-stage rehabilitation",
        sets=1,
        sets_range=Span(1, 2),
        reps=10,
        reps_range=Span(5, 10),
        holds=5,
        holds_range=Span(3, 10),
        hold_seconds=10,
        hold_seconds_range=Span(5, 15),
        percent_1rm=None,
        effort="Low load; pain during exercise no more than 5 out of 10.",
        rest_seconds=30,
        rest_range=Span(10, 120),
        tempo="Slow and controlled, about 3 seconds each way; holds build up slowly",
        days_per_week=7,
        days_range=Span(5, 7),
        sessions_per_day=1,
        hold_sessions_per_day=1,
        sources={
            "reps": "Low-load sets of 10 daily, then 2 × 5–10 'somewhat hard–hard' by weeks "
            "3–8 (CLINICAL.md §4.3, mirrors LEAP) [V]",
            "sets": "1 set early, 2 by weeks 3–8 (CLINICAL.md §4.3) [V]",
            "holds": "Isometric holds 5–15 s × 3–10 reps, 1–2 ×/day (CLINICAL.md §4.3) [V]",
            "hold_seconds": "5–15 s (CLINICAL.md §4.3) [V]",
            "effort": "Pain-monitoring model, up to 5/10 acceptable (Silbernagel 2007) [V]",
            "days_per_week": "Daily (CLINICAL.md §4.3) [V]",
            "rest_seconds": _HOUSE,
            "tempo": _HOUSE,
        },
    ),
    Goal.GT_LOAD_MANAGEMENT: GoalDose(
        goal=Goal.GT_LOAD_MANAGEMENT,
        label="Gluteal tendinopathy load management",
        sets=1,
        sets_range=Span(1, 2),
        reps=10,
        reps_range=Span(5, 10),
        holds=5,
        holds_range=Span(3, 10),
        hold_seconds=10,
        hold_seconds_range=Span(5, 10),
        weight_bearing_hold_seconds_range=Span(5, 15),
        percent_1rm=None,
        effort="Week 1 light; 'somewhat hard' from week 2; 'somewhat hard to hard' in weeks "
        "3–8. Pain no more than 5 out of 10.",
        rest_seconds=30,
        rest_range=Span(10, 120),
        tempo="Light, slow onset: build each effort up over 2–3 seconds",
        days_per_week=7,
        days_range=Span(7, 7),
        sessions_per_day=1,
        hold_sessions_per_day=2,
        steps=10,
        steps_range=Span(5, 15),
        sources={
            "holds": f"{_LEAP}: static abduction 3–10 reps, twice daily [V]",
            "hold_seconds": f"{_LEAP}: supine holds 5–10 s, standing 5–15 s [V]",
            "reps": f"{_LEAP}: bridging and squats 10 × 1 daily (week 1); 5–10 × 2 (weeks 3–8) [V]",
            "sets": f"{_LEAP}: 1 set, 2 sets in weeks 3–8 [V]",
            "steps": f"{_LEAP}: side-stepping 10 each way (week 1), 15 (week 2); band "
            "side-slides 5–10 each (weeks 3–8) [V]",
            "effort": f"{_LEAP}: 'somewhat hard' week 2, 'somewhat hard–hard' weeks 3–8 [V]",
            "days_per_week": f"{_LEAP}: daily home programme [V]",
            "rest_seconds": _HOUSE,
            "tempo": f"{_LEAP}: light, slow onset [V]",
        },
    ),
}

TENDON_ISOMETRIC_OPTION = {
    "sets": 5,
    "hold_seconds": 45,
    "effort": "about 70 % of maximal voluntary contraction",
    "rest_seconds": 120,
    "source": "Rio 2015 protocol [M]; isometric ≈ isotonic for pain relief (Holden 2020) [V] "
    "— offer as an option, not as superior (CLINICAL.md §4.3)",
}
"""The tendon-pain isometric protocol of CLINICAL.md §4.3, for practitioners who choose it."""


HOLD_TEMPO = "Build up over 2–3 seconds, hold steady, then release slowly"
"""Tempo for timed holds: slow onset as in LEAP (CLINICAL.md §4.4) [V]."""
DEFAULT_DISTANCE_M = 20
"""Distance for a distance-dosed exercise that names none. [derived] house default."""


@dataclass(frozen=True)
class ItemDose:
    """A goal's default dose adapted to one exercise: what a programme item starts with."""

    goal: Goal
    dose_type: DoseType
    sets: int
    sets_range: Span
    reps: int | None  # reps per set; holds per set; or steps each way
    reps_range: Span | None
    hold_seconds: int | None
    hold_seconds_range: Span | None
    distance_m: int | None
    per_side: bool
    load_guidance: str
    percent_1rm: Span | None  # only for an exercise dosed by external load
    effort: str  # in plain words, for the patient
    rest_seconds: int
    tempo: str
    days_per_week: int
    sessions_per_day: int
    notes: tuple[str, ...] = ()
    rir: Span | None = None  # reps in reserve (body weight, band, isometric)
    rpe: Span | None = None
    rest_range: Span | None = None
    days_range: Span | None = None
    profile: training.Profile = training.Profile.NOVICE


AIMS: Mapping[Goal, training.Aim] = {
    Goal.MUSCULAR_ENDURANCE: training.Aim.ENDURANCE,
    Goal.HYPERTROPHY: training.Aim.HYPERTROPHY,
    Goal.STRENGTH: training.Aim.STRENGTH,
    Goal.POWER: training.Aim.POWER,
}
"""The programme goals dosed from the §11 table (early rehabilitation and gluteal
tendinopathy keep their own, §4.3 and §9.1)."""


LOW_LOAD_EFFORT: Mapping[Goal, Span] = {
    Goal.EARLY_REHAB: Span(2, 4),
    Goal.GT_LOAD_MANAGEMENT: Span(2, 6),
}
"""Effort on Borg CR10 for the low-load goals: light (2–3) to somewhat hard (4) early,
up to hard (5–6) in LEAP weeks 3–8 (CLINICAL.md §9.1 mapping [M]; §4.3)."""


def dosed_by_external_load(exercise: ExerciseLike) -> bool:
    """Whether an exercise starts with a load in kilograms: only when it has no body-weight
    or band version (the builder gives such an exercise its body-weight or band load)."""
    types = set(exercise.load_types)
    return not types & {"body_weight", "band"} and bool(types & EXTERNAL_LOADS)


def _point(default: int, r: training.Range) -> int:
    """The goal's usual figure when the row allows it, else the row's middle."""
    return default if r.low <= default <= r.high else r.middle


def _span(r: training.Range | None) -> Span | None:
    return None if r is None else Span(r.low, r.high)


def _effort_words(row: training.LoadDose) -> str:
    if row.rir is not None:
        return (
            f"Stop each set when you could do {row.rir.low} to {row.rir.high} more "
            f"(effort {row.rpe} out of 10)."
        )
    return "Every rep fast and crisp; stop the set when speed drops."


def goal_defaults(
    goal: Goal | str,
    exercise: ExerciseLike,
    profile: training.Profile | str = training.Profile.NOVICE,
    *,
    external: bool | None = None,
) -> ItemDose:
    """The default dose of `goal` (GOAL_DOSES) fitted to `exercise`'s dose type and load,
    and to the patient's training `profile` (CLINICAL.md §11, rules/training.py).

    1. Repetitions under a training goal take the §11 row: by external load (%1RM, RM) when
       `external` (by default: the exercise has no body-weight or band version), else by
       reps and reps in reserve, never %1RM.
    2. Timed holds take the goal's holds × seconds (standing holds may run longer in GT).
    3. Steps take the goal's steps each way where it has them, else its reps.
    4. Distance takes the exercise's usual distance and the goal's sets.
    5. Notes warn when the pair does not fit (a hold cannot train power; an exercise to
       avoid early in gluteal tendinopathy under the GT goal).
    """
    goal = Goal(goal)
    profile = training.Profile(profile)
    g = GOAL_DOSES[goal]
    dose_type = DoseType(exercise.dose_type)
    external = dosed_by_external_load(exercise) if external is None else external
    notes: list[str] = []
    sets, sets_range = g.sets, g.sets_range
    reps: int | None = g.reps
    reps_range: Span | None = g.reps_range
    hold = hold_range = distance = None
    sessions = g.sessions_per_day
    tempo = g.tempo
    effort = g.effort
    rest, rest_range = g.rest_seconds, g.rest_range
    days, days_range = g.days_per_week, g.days_range
    rir = rpe = None
    load_guidance = _load_guidance(g, exercise.load_types, external)
    percent_1rm = g.percent_1rm if external else None
    aim = AIMS.get(goal)
    if aim is not None and dose_type in (DoseType.REPS, DoseType.STEPS):
        row = training.load_dose(aim, profile, external=external)
        sets, sets_range = _point(g.sets, row.sets), Span(row.sets.low, row.sets.high)
        if dose_type == DoseType.REPS:
            reps, reps_range = _point(g.reps, row.reps), Span(row.reps.low, row.reps.high)
        rest = _point(g.rest_seconds, row.rest_seconds)
        rest_range = Span(row.rest_seconds.low, row.rest_seconds.high)
        days = _point(g.days_per_week, row.per_week)
        days_range = Span(row.per_week.low, row.per_week.high)
        rir, rpe = _span(row.rir), _span(row.rpe)
        percent_1rm = _span(row.percent_1rm) if external else None
        load_guidance = _load_guidance_row(row, exercise.load_types, external)
        effort = g.effort if external else _effort_words(row)
    if goal in LOW_LOAD_EFFORT:
        rpe = LOW_LOAD_EFFORT[goal]
    if dose_type == DoseType.HOLD_SECONDS:
        sets, sets_range = 1, Span(1, 1)
        reps, reps_range = g.holds, g.holds_range
        hold_range = g.hold_seconds_range
        if exercise.weight_bearing and g.weight_bearing_hold_seconds_range:
            hold_range = g.weight_bearing_hold_seconds_range
        hold = g.hold_seconds
        sessions = g.hold_sessions_per_day
        tempo = HOLD_TEMPO
        percent_1rm = None  # an isometric hold is never dosed by %1RM (§11.2)
        if goal == Goal.POWER:
            notes.append("A timed hold does not train power; pick a fast, dynamic exercise.")
    elif dose_type == DoseType.STEPS and g.steps is not None:
        reps, reps_range = g.steps, g.steps_range
    elif dose_type == DoseType.DISTANCE_M:
        reps = reps_range = None
        distance = getattr(exercise, "distance_m", None) or DEFAULT_DISTANCE_M
        # %1RM means nothing for a carry; the exercise's own note says how heavy.
        percent_1rm = None
        load_guidance = getattr(exercise, "load_note", "") or "A load you can carry standing tall"
    if goal == Goal.GT_LOAD_MANAGEMENT and exercise.avoid_early_for(GLUTEAL_TENDINOPATHY):
        notes.append("Compressive for gluteal tendinopathy: avoid in the early stage.")
    return ItemDose(
        goal=goal,
        dose_type=dose_type,
        sets=sets,
        sets_range=sets_range,
        reps=reps,
        reps_range=reps_range,
        hold_seconds=hold,
        hold_seconds_range=hold_range,
        distance_m=distance,
        per_side=exercise.per_side,
        load_guidance=load_guidance,
        percent_1rm=percent_1rm,
        effort=effort,
        rest_seconds=rest,
        tempo=tempo,
        days_per_week=days,
        sessions_per_day=sessions,
        notes=tuple(notes),
        rir=rir,
        rpe=rpe,
        rest_range=rest_range,
        days_range=days_range,
        profile=profile,
    )


def _load_guidance_row(row: training.LoadDose, load_types: Sequence[str], external: bool) -> str:
    if external and row.percent_1rm is not None:
        p = row.percent_1rm
        return f"Light: up to {p.high} % of 1RM" if p.low == 0 else f"{p} % of 1RM"
    if "band" in load_types and "body_weight" not in load_types:
        return "A band tension that matches the effort below"
    return "Body weight"


def _load_guidance(g: GoalDose, load_types: Sequence[str], loadable: bool) -> str:
    if loadable and g.percent_1rm is not None:
        if g.percent_1rm.low == 0:
            return f"Light: up to {g.percent_1rm.high} % of 1RM"
        return f"{g.percent_1rm} % of 1RM"
    if loadable:
        return "Light external load"
    if "band" in load_types:
        return "A band tension that matches the effort below"
    return "Body weight"


# --- Pain monitoring of one logged session (CLINICAL.md §8, rules/pain.py) -------------

PAIN_DURING_MAX = pain_model.PAIN_DURING_MAX
"""Pain during exercise up to 5/10 is acceptable; 6 or more is too much (§8.1)."""
PAIN_SAFE_MAX = pain_model.PAIN_SAFE_MAX
"""Upper end of the 'safe' band: 2, CLINICAL.md's safer default (§8.1)."""
PainZone = pain_model.PainZone
pain_zone = pain_model.pain_zone


@dataclass(frozen=True)
class PainCheck:
    zone: PainZone | None  # of the pain during exercise; None when not logged
    ease_load: bool  # tell the patient to ease off
    flag: bool  # show the practitioner
    reasons: tuple[str, ...]  # plain words, one per rule broken (the patient reads them)
    patient_message: str
    contact: bool = False  # too much pain in two sessions running: see the practitioner


def pain_check(
    *,
    pain_during: int | None,
    pain_after: int | None = None,
    morning_pain: int | None = None,
    baseline_morning: float | None = None,
    high_before: bool = False,
) -> PainCheck:
    """The §8.3 rows one logged session can break on its own (rules/pain.py):

    1. pain during an exercise, or after the session, of 6 or more (row 2): ease the load
       and flag; `high_before` (the session before was as high) asks the patient to contact
       the practitioner too;
    2. next-morning pain 2 or more above `baseline_morning` (row 3): the pain did not
       settle; ease the load and flag. A rise of 0 or 1 is measurement noise (§8.1).
    Scores are 0-10; anything else raises ValueError.
    """
    for score in (pain_during, pain_after, morning_pain):
        if score is not None:
            pain_model.check_score(score)
    reasons = []
    for label, score in (("during exercise", pain_during), ("after exercise", pain_after)):
        if score is not None and score >= pain_model.PAIN_HIGH_MIN:
            reasons.append(f"Pain {label} was {score}/10, above {PAIN_DURING_MAX}/10.")
    contact = bool(reasons) and high_before
    if contact:
        reasons.append("This is the second session running with pain that high.")
    if morning_pain is not None and baseline_morning is not None:
        rise = morning_pain - baseline_morning
        if rise >= pain_model.MORNING_RISE.value:
            reasons.append(
                f"Next-morning pain was {morning_pain}/10, {rise:g} above your usual morning "
                f"pain ({baseline_morning:g}/10): it had not settled."
            )
    ease = bool(reasons)
    if contact:
        message = (
            "Ease the load, and contact your practitioner before your next session: pain has "
            "been too high two sessions running."
        )
    elif ease:
        message = (
            "Ease the load: do fewer reps, use less weight or the easier version, and let your "
            "practitioner know. Pain should settle by the next morning."
        )
    elif pain_during is not None and pain_during > PAIN_SAFE_MAX:
        message = (
            "Your pain is in the acceptable range (3 to 5 out of 10): keep the same load next "
            "time rather than adding more."
        )
    else:
        message = "Your pain is within the safe limits. Carry on as planned."
    return PainCheck(
        zone=None if pain_during is None else pain_zone(pain_during),
        ease_load=ease,
        flag=ease,
        reasons=tuple(reasons),
        patient_message=message,
        contact=contact,
    )


# --- Progression (CLINICAL.md §4.2) --------------------------------------------------------

LOAD_INCREASE = Rule(
    "dosing.load_increase",
    "Load increase",
    (2, 10),
    "Increase the load by 2–10 %, rounded to the available step (2.5 kg by default); a step "
    "up is one load increment or the next chain exercise, never both.",
    Source("ACSM 2009; NSCA (typical 2.5–10 %)", "V", "§4.2"),
)
TWO_FOR_TWO = Rule(
    "dosing.two_for_two",
    "NSCA 2-for-2",
    2,
    "At least 2 reps above the target in the last set of 2 consecutive sessions at the "
    "target load: increase the load.",
    Source("NSCA (Baechle & Earle)", "V", "§4.2"),
)
RPE_ADD_LOAD = Rule(
    "dosing.rpe_add_load",
    "Target reps at RPE 7 or less",
    7,
    "Target reps in 2 sessions running, the latest at RPE 7 or less: add load.",
    Source("RIR-based RPE (Zourdos 2016; Helms 2016)", "V", "§4.2"),
    note="CLINICAL.md §4.2 allows one session; §8.3 row 7 asks for the target twice, and "
    "the stricter row is used.",
)
RPE_HOLD = Rule(
    "dosing.rpe_hold",
    "RPE 9–10 holds",
    9,
    "A last session at RPE 9–10: hold the load.",
    Source("RIR-based RPE (Zourdos 2016; Helms 2016)", "V", "§4.2"),
)
RULES: tuple[Rule[Any], ...] = (LOAD_INCREASE, TWO_FOR_TWO, RPE_ADD_LOAD, RPE_HOLD)

LOAD_INCREASE_PERCENT = Span(*LOAD_INCREASE.value)
TWO_FOR_TWO_REPS_ABOVE = TWO_FOR_TWO.value
TWO_FOR_TWO_SESSIONS = 2
"""… in two consecutive sessions (§4.2) [V]."""
RPE_ADD_LOAD_MAX = RPE_ADD_LOAD.value
RPE_HOLD_MIN = RPE_HOLD.value
BODY_WEIGHT_PROGRESSIONS = (
    "A longer lever",
    "Less support: two legs, then offset, then one leg",
    "More range",
    "A slower tempo, e.g. a 3-second lowering",
    "A stronger band",
    "Another plane: forwards, then sideways or turning",
    "Speed or impact, last of all",
)
"""Ways to progress without load, in the order of CLINICAL.md §4.2 [V]."""


class Quality(StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class Action(StrEnum):
    INCREASE_LOAD = "increase_load"
    NEXT_EXERCISE = "next_exercise"  # move along the chain
    HARDER_VARIATION = "harder_variation"  # end of the chain: lever, tempo, range…
    HOLD = "hold"  # keep the dose
    EASE = "ease"  # pain rule broken: reduce load or regress
    SEE_CLINICIAN = "see_clinician"  # stop sign, or too much pain twice running: pause


@dataclass(frozen=True)
class ItemTarget:
    """The prescribed dose for one item: one of reps, hold_seconds or distance_m."""

    reps: int | None = None  # per set (or steps each way)
    hold_seconds: int | None = None
    distance_m: int | None = None
    load_kg: float | None = None  # None or 0 for body weight or band


@dataclass(frozen=True)
class SessionLog:
    """What was logged for one item in one session (oldest first in a list)."""

    reps: int | None = None  # reps achieved in the last set
    hold_seconds: int | None = None  # hold achieved
    distance_m: int | None = None  # distance achieved
    load_kg: float | None = None  # load used; None means the prescribed load
    rpe: float | None = None  # difficulty 0–10
    pain_during: int | None = None  # 0–10
    morning_pain: int | None = None  # next morning, 0–10
    quality: Quality | str | None = None  # movement quality seen by the practitioner
    done: bool = True
    performed_on: date | None = None  # the session's day, for the 7-day and weekly rules
    pain_after: int | None = None  # after the session, 0–10


@dataclass(frozen=True)
class ProgressionSuggestion:
    action: Action
    rule: str  # "pain", "stage", "rpe_hold", "2_for_2", "rpe", "target_met", "chain", "none"
    reason: str
    new_load_kg: float | None = None
    load_range_kg: tuple[float, float] | None = None
    load_options_kg: tuple[float, ...] = ()
    next_exercises: tuple[str, ...] = ()  # slugs; for EASE the easier exercises
    alternatives: tuple[str, ...] = ()
    flag_practitioner: bool = False
    pain: PainCheck | None = None
    notes: tuple[str, ...] = ()


def load_increase(
    load_kg: float, *, increment_kg: float = 2.5
) -> tuple[tuple[float, float], tuple[float, ...]]:
    """The 2–10 % range above `load_kg`, and the loads in it that `increment_kg` steps reach.

    With no step inside the range, the first step above `load_kg` is the only option.
    """
    if load_kg <= 0 or increment_kg <= 0:
        raise ValueError("Load and increment must be positive.")
    low = round(load_kg * (1 + LOAD_INCREASE_PERCENT.low / 100), 2)
    high = round(load_kg * (1 + LOAD_INCREASE_PERCENT.high / 100), 2)
    first = math.ceil(round(low / increment_kg, 6))
    last = math.floor(round(high / increment_kg, 6))
    options = [round(n * increment_kg, 2) for n in range(first, last + 1)]
    if not options:
        options = [round((math.floor(round(load_kg / increment_kg, 6)) + 1) * increment_kg, 2)]
    return (low, high), tuple(options)


def progression_suggestion(
    *,
    exercise: ExerciseLike,
    target: ItemTarget,
    sessions: Sequence[SessionLog],
    baseline_morning_pain: float | None = None,
    increment_kg: float = 2.5,
    avoid_for: Iterable[str] = (),
    library: Library | None = None,
    on_date: date | None = None,
    stage_started_on: date | None = None,
    minimum_stage_days: int = 0,
) -> ProgressionSuggestion:
    """What to do next with one programme item, from its logged sessions (oldest first).

    1. The pain-monitoring model (§8.3, rules/pain.py) on the sessions: too much pain twice
       running → SEE_CLINICIAN; pain during or after of 6 or more, a morning that did not
       settle, or a worsening week → EASE, flagged, with regressions; missing next-morning
       pain, acceptable pain (3–5) or a recent morning flare → HOLD.
    2. Latest RPE 9–10 → HOLD.
    3. Loaded (target.load_kg > 0) → INCREASE_LOAD by 2–10 %, rounded to `increment_kg`
       (the smallest option is the suggestion), when
       - reps: 2-for-2 (≥2 reps over target in the last set of two consecutive sessions at
         the target load), or target reps in two sessions running, the latest at RPE ≤7;
       - hold or distance: the target met in two consecutive sessions.
    4. Unloaded: target met in two consecutive sessions, quality not poor → NEXT_EXERCISE
       along the chain (dropping exercises to avoid early in the `avoid_for` conditions);
       with nothing further along → HARDER_VARIATION.
    5. A step up waits for the stage's minimum time (§9): `minimum_stage_days` since
       `stage_started_on`, counted to `on_date`.
    6. Otherwise HOLD.
    Sessions not done are ignored.
    """
    done = [s for s in sessions if s.done]
    if not done:
        return ProgressionSuggestion(Action.HOLD, "none", "Nothing logged yet.")
    latest = done[-1]
    check = pain_check(pain_during=latest.pain_during, pain_after=latest.pain_after)
    decision = pain_model.pain_decision(
        [_pain_session(s) for s in done],
        on_date=on_date,
        baseline=baseline_morning_pain,
        stage_started_on=stage_started_on,
        targets_met=True,  # the performance rules below decide that
    )
    if decision.decision in (pain_model.Decision.SEE_CLINICIAN, pain_model.Decision.REGRESS):
        see = decision.decision == pain_model.Decision.SEE_CLINICIAN
        return ProgressionSuggestion(
            Action.SEE_CLINICIAN if see else Action.EASE,
            "pain",
            decision.reason,
            next_exercises=tuple(exercise.regressions),
            flag_practitioner=True,
            pain=check,
        )
    if decision.decision == pain_model.Decision.HOLD:
        return ProgressionSuggestion(
            Action.HOLD, "pain", decision.reason, pain=check, notes=decision.notes
        )
    if latest.rpe is not None and latest.rpe >= RPE_HOLD_MIN:
        return ProgressionSuggestion(
            Action.HOLD,
            "rpe_hold",
            f"Last session felt very hard (RPE {latest.rpe:g}).",
            pain=check,
        )
    if target.load_kg:
        result = _loaded_suggestion(target, target.load_kg, done, increment_kg, check)
    else:
        result = _unloaded_suggestion(exercise, target, done, avoid_for, library, check)
    if result.action == Action.HOLD or not minimum_stage_days:
        return result
    days = (on_date - stage_started_on).days if on_date and stage_started_on else None
    if days is None or days < minimum_stage_days:
        so_far = "an unknown time" if days is None else f"{days} days"
        return ProgressionSuggestion(
            Action.HOLD,
            "stage",
            f"Ready on pain and performance, but this stage lasts at least "
            f"{minimum_stage_days} days and it has run {so_far}: hold until then.",
            pain=check,
        )
    return result


def _pain_session(s: SessionLog) -> pain_model.PainSession:
    return pain_model.PainSession(
        on=s.performed_on, during=s.pain_during, after=s.pain_after, next_morning=s.morning_pain
    )


def _loaded_suggestion(
    target: ItemTarget,
    load_kg: float,
    done: Sequence[SessionLog],
    increment_kg: float,
    pain: PainCheck,
) -> ProgressionSuggestion:
    last = done[-TWO_FOR_TWO_SESSIONS:]
    at_load = len(last) == TWO_FOR_TWO_SESSIONS and all(
        s.load_kg is None or s.load_kg >= load_kg for s in last
    )
    latest = done[-1]
    latest_at_load = latest.load_kg is None or latest.load_kg >= load_kg
    if target.reps is not None:
        over = target.reps + TWO_FOR_TWO_REPS_ABOVE
        if at_load and all(s.reps is not None and s.reps >= over for s in last):
            rule = "2_for_2"
            reason = (
                f"{TWO_FOR_TWO_REPS_ABOVE}+ reps over the target of {target.reps} in the last "
                f"set of {TWO_FOR_TWO_SESSIONS} sessions running (2-for-2 rule)."
            )
        elif (
            latest_at_load
            and len(last) == TWO_FOR_TWO_SESSIONS
            and all(s.reps is not None and s.reps >= target.reps for s in last)
            and latest.rpe is not None
            and latest.rpe <= RPE_ADD_LOAD_MAX
        ):
            # §8.3 row 7: the target met in 2 sessions running, the latest at RPE 7 or less.
            rule = "rpe"
            reason = (
                f"Target reps done in {TWO_FOR_TWO_SESSIONS} sessions running, the latest at "
                f"RPE {latest.rpe:g} ({RPE_ADD_LOAD_MAX} or less)."
            )
        else:
            return ProgressionSuggestion(
                Action.HOLD,
                "none",
                f"Keep {load_kg:g} kg until the target of {target.reps} reps is beaten by "
                f"{TWO_FOR_TWO_REPS_ABOVE} in two sessions running.",
                pain=pain,
            )
    elif at_load and all(_target_met(s, target) for s in last):
        rule = "target_met"
        reason = f"Target met at {load_kg:g} kg in {TWO_FOR_TWO_SESSIONS} sessions running."
    else:
        return ProgressionSuggestion(
            Action.HOLD,
            "none",
            f"Keep {load_kg:g} kg until the target is met in two sessions running.",
            pain=pain,
        )
    span, options = load_increase(load_kg, increment_kg=increment_kg)
    notes: tuple[str, ...] = ()
    if options[0] > span[1]:
        notes = (f"The smallest step available ({options[0]:g} kg) is more than 10 % more.",)
    return ProgressionSuggestion(
        Action.INCREASE_LOAD,
        rule,
        reason + f" Increase the load by 2–10 %: {span[0]:g}–{span[1]:g} kg.",
        new_load_kg=options[0],
        load_range_kg=span,
        load_options_kg=options,
        pain=pain,
        notes=notes,
    )


def _unloaded_suggestion(
    exercise: ExerciseLike,
    target: ItemTarget,
    done: Sequence[SessionLog],
    avoid_for: Iterable[str],
    library: Library | None,
    pain: PainCheck,
) -> ProgressionSuggestion:
    last = done[-TWO_FOR_TWO_SESSIONS:]
    met = len(last) == TWO_FOR_TWO_SESSIONS and all(_target_met(s, target) for s in last)
    if not met:
        return ProgressionSuggestion(
            Action.HOLD,
            "none",
            "Keep going until the target is met in two sessions running.",
            pain=pain,
        )
    if any(s.quality is not None and Quality(s.quality) == Quality.POOR for s in last):
        return ProgressionSuggestion(
            Action.HOLD,
            "chain",
            "Target met, but movement quality was poor: work on form first.",
            pain=pain,
        )
    notes: list[str] = []
    if all(s.quality is None for s in last):
        notes.append("Check movement quality in clinic before moving on.")
    avoid = set(avoid_for)
    lib = library or default_library()
    options = []
    for slug in exercise.progressions:
        early = sorted(c for c in avoid if slug in lib and lib.exercise(slug).avoid_early_for(c))
        if early:
            words = "; ".join(lib.conditions.get(c, c).lower() for c in early)
            notes.append(f"Left out {lib.exercise(slug).name}: to be avoided early in {words}.")
            continue
        options.append(slug)
    if not options:
        return ProgressionSuggestion(
            Action.HARDER_VARIATION,
            "chain",
            "Target met with pain within the rules, and no harder exercise follows: make "
            "this one harder.",
            alternatives=BODY_WEIGHT_PROGRESSIONS,
            pain=pain,
            notes=tuple(notes),
        )
    return ProgressionSuggestion(
        Action.NEXT_EXERCISE,
        "chain",
        "Target met in two sessions running with pain within the rules: move along the chain.",
        next_exercises=tuple(options),
        alternatives=BODY_WEIGHT_PROGRESSIONS,
        pain=pain,
        notes=tuple(notes),
    )


def _target_met(s: SessionLog, target: ItemTarget) -> bool:
    if target.hold_seconds is not None:
        return s.hold_seconds is not None and s.hold_seconds >= target.hold_seconds
    if target.distance_m is not None:
        return s.distance_m is not None and s.distance_m >= target.distance_m
    return target.reps is not None and s.reps is not None and s.reps >= target.reps
