"""Dosing by training status and goal (CLINICAL.md §11): the encodable table.

Two tables, never mixed (issue 12 point 5: a body-weight clam was given "80-100 % 1RM,
180 s rest"):
- `EXTERNAL`: exercises loaded in kilograms, by %1RM or RM, per training profile and goal
  (§11.1; ACSM 2009, NSCA, NSCA 2019 for older adults);
- `BODY_WEIGHT`: body-weight, band and isometric work, by reps and reps in reserve (RIR)
  or RPE, never %1RM (§11.2, a design decision on the §4.2 RIR rules).

The profile is the patient's training status (novice, intermediate, advanced), or older
adult from 65; unknown counts as novice, the lightest row (the safer default).
"""

# ruff: noqa: RUF001 - clinical notation (en dashes, ≤, ≥) is intended

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source


class Profile(StrEnum):
    NOVICE = "novice"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    OLDER_ADULT = "older_adult"


class Aim(StrEnum):
    """The training goals of §11 (a programme goal's load column)."""

    STRENGTH = "strength"
    HYPERTROPHY = "hypertrophy"
    POWER = "power"
    ENDURANCE = "endurance"


@dataclass(frozen=True)
class Range:
    low: int
    high: int

    @property
    def middle(self) -> int:
        """The default inside the range: the middle, rounded down."""
        return (self.low + self.high) // 2

    def as_list(self) -> list[int]:
        return [self.low, self.high]

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


@dataclass(frozen=True)
class LoadDose:
    """One row of §11.1 (with `percent_1rm`) or §11.2 (with `rir` and `rpe`)."""

    reps: Range
    sets: Range
    rest_seconds: Range
    per_week: Range
    source: Source
    percent_1rm: Range | None = None
    rir: Range | None = None
    rpe: Range | None = None
    velocity: str = ""
    note: str = ""


_ACSM = Source("ACSM 2009 position stand", "V", "§11.1")
_ACSM_M = Source("ACSM 2009 position stand (sets or frequency not in the source)", "M", "§11.1")
_NSCA_OLDER = Source("NSCA 2019 older adults (Fragala, JSCR 33)", "V secondary", "§11.1")
_RIR = Source("RIR-based RPE (Zourdos 2016; Helms 2016)", "design decision", "§11.2")
_OLDER_AGE_SOURCE = Source("NSCA 2019 older-adult position statement", "design decision", "§11")

OLDER_ADULT_AGE = Rule(
    "training.older_adult_age",
    "Older adult",
    65,
    "From 65 the older-adult rows apply, whatever the training status.",
    _OLDER_AGE_SOURCE,
    note="CLINICAL.md names older adults without an age; 65 is the usual threshold of the "
    "older-adult position statements, and their rows are the lighter ones.",
)
UNKNOWN_STATUS = Rule(
    "training.unknown_status",
    "Training status not recorded",
    Profile.NOVICE.value,
    "An unknown training status is dosed as novice, the lightest row.",
    Source("ACSM 2009 and NSCA dosing table", "design decision", "§11"),
    note="CLINICAL.md is silent; novice is the safer default.",
)
NO_1RM_WITHOUT_LOAD = Rule(
    "training.no_1rm_for_body_weight",
    "No %1RM without an external load",
    "reps + RIR",
    "Body-weight, band and isometric exercises are dosed by reps (or holds) and reps in "
    "reserve or RPE, never by %1RM: no %1RM is shown for them.",
    Source("Stance body-weight dosing (reps in reserve)", "design decision", "§11.2"),
)
NO_FAILURE = Rule(
    "training.no_failure",
    "No sets to failure",
    "not required",
    "Training to momentary failure is never required.",
    Source("ACSM 2026 position stand (Phillips)", "V secondary", "§11.1"),
)

RULES: tuple[Rule[Any], ...] = (OLDER_ADULT_AGE, UNKNOWN_STATUS, NO_1RM_WITHOUT_LOAD, NO_FAILURE)

NOV, INT, ADV, OLD = Profile.NOVICE, Profile.INTERMEDIATE, Profile.ADVANCED, Profile.OLDER_ADULT


def _r(low: int, high: int) -> Range:
    return Range(low, high)


EXTERNAL: Mapping[tuple[Profile, Aim], LoadDose] = {
    (NOV, Aim.STRENGTH): LoadDose(
        _r(8, 12),
        _r(1, 3),
        _r(60, 180),
        _r(2, 3),
        _ACSM,
        percent_1rm=_r(60, 70),
        velocity="moderate (1–2 s up, 1–2 s down)",
        note="8–12 RM; rest 2–3 min on core lifts, 1–2 min on others",
    ),
    (INT, Aim.STRENGTH): LoadDose(
        _r(6, 12),
        _r(2, 4),
        _r(120, 180),
        _r(3, 4),
        _ACSM_M,
        percent_1rm=_r(70, 85),
        velocity="moderate",
        note="1–12 RM periodised",
    ),
    (ADV, Aim.STRENGTH): LoadDose(
        _r(1, 6),
        _r(3, 6),
        _r(180, 300),
        _r(4, 5),
        _ACSM,
        percent_1rm=_r(80, 100),
        velocity="moderate, intent fast",
        note="emphasis 1–6 RM",
    ),
    (NOV, Aim.HYPERTROPHY): LoadDose(
        _r(8, 12),
        _r(1, 3),
        _r(60, 120),
        _r(2, 4),
        _ACSM_M,
        percent_1rm=_r(70, 85),
        velocity="moderate",
    ),
    (INT, Aim.HYPERTROPHY): LoadDose(
        _r(8, 12),
        _r(1, 3),
        _r(60, 120),
        _r(2, 4),
        _ACSM_M,
        percent_1rm=_r(70, 85),
        velocity="moderate",
    ),
    (ADV, Aim.HYPERTROPHY): LoadDose(
        _r(6, 12),
        _r(3, 6),
        _r(60, 180),
        _r(4, 6),
        _ACSM_M,
        percent_1rm=_r(70, 100),
        velocity="moderate",
        note="1–12 reps, emphasis 6–12; 2–3 min rest when heavy",
    ),
    (NOV, Aim.POWER): LoadDose(
        _r(3, 6),
        _r(1, 3),
        _r(120, 180),
        _r(2, 3),
        _ACSM,
        percent_1rm=_r(0, 60),
        velocity="fast",
        note="lower body; jumps at body weight",
    ),
    (INT, Aim.POWER): LoadDose(
        _r(3, 6),
        _r(1, 3),
        _r(120, 180),
        _r(2, 3),
        _ACSM,
        percent_1rm=_r(0, 60),
        velocity="fast",
        note="lower body; jumps at body weight",
    ),
    (ADV, Aim.POWER): LoadDose(
        _r(1, 6),
        _r(3, 6),
        _r(120, 300),
        _r(4, 5),
        _ACSM,
        percent_1rm=_r(0, 60),
        velocity="fast",
        note="plus heavy 85–100% strength work",
    ),
    (NOV, Aim.ENDURANCE): LoadDose(
        _r(10, 15),
        _r(1, 3),
        _r(30, 60),
        _r(2, 3),
        _ACSM_M,
        percent_1rm=_r(0, 67),
        velocity="moderate",
        note="light loads",
    ),
    (INT, Aim.ENDURANCE): LoadDose(
        _r(10, 15),
        _r(1, 3),
        _r(30, 60),
        _r(2, 3),
        _ACSM_M,
        percent_1rm=_r(0, 67),
        velocity="moderate",
        note="light loads",
    ),
    (ADV, Aim.ENDURANCE): LoadDose(
        _r(10, 25),
        _r(2, 4),
        _r(60, 120),
        _r(4, 6),
        _ACSM_M,
        percent_1rm=_r(0, 67),
        velocity="varied",
        note="light loads; multiple sets",
    ),
    (OLD, Aim.STRENGTH): LoadDose(
        _r(8, 12),
        _r(1, 3),
        _r(120, 120),
        _r(2, 3),
        _NSCA_OLDER,
        percent_1rm=_r(70, 85),
        velocity="slow to moderate",
        note="start lower; 1 set is acceptable early; 1–2 multi-joint exercises per major "
        "muscle group (2–3 sets in the source; 1 set allowed to start)",
    ),
    (OLD, Aim.POWER): LoadDose(
        _r(6, 10),
        _r(1, 3),
        _r(60, 120),
        _r(2, 3),
        _ACSM,
        percent_1rm=_r(40, 60),
        velocity="high concentric velocity",
        note="ACSM 2009 40–60%; 30–60% and 30–70% are also quoted: the clinician may go "
        "down to 30%",
    ),
    (OLD, Aim.HYPERTROPHY): LoadDose(
        _r(8, 12),
        _r(1, 3),
        _r(60, 120),
        _r(2, 3),
        _ACSM_M,
        percent_1rm=_r(70, 85),
        velocity="moderate",
        note="no older-adult row: the novice row at 2–3 days a week",
    ),
    (OLD, Aim.ENDURANCE): LoadDose(
        _r(10, 15),
        _r(1, 3),
        _r(30, 60),
        _r(2, 3),
        _ACSM_M,
        percent_1rm=_r(0, 67),
        velocity="moderate",
        note="no older-adult row: the novice row",
    ),
}
"""CLINICAL.md §11.1, external loads (%1RM or RM)."""

BODY_WEIGHT: Mapping[tuple[Profile | None, Aim], LoadDose] = {
    (None, Aim.STRENGTH): LoadDose(
        _r(6, 12),
        _r(1, 3),
        _r(60, 120),
        _r(2, 3),
        _RIR,
        rir=_r(1, 3),
        rpe=_r(7, 9),
        note="progress: more than 12 reps at RIR 3 or more in 2 sessions -> the next chain "
        "entry or a band or load; regress: RIR 0 before 6 reps, or form fails",
    ),
    (None, Aim.HYPERTROPHY): LoadDose(
        _r(6, 12),
        _r(1, 3),
        _r(60, 120),
        _r(2, 4),
        _RIR,
        rir=_r(1, 3),
        rpe=_r(7, 9),
        note="no §11.2 row for hypertrophy: the strength row [derived]",
    ),
    (None, Aim.ENDURANCE): LoadDose(
        _r(15, 30),
        _r(1, 3),
        _r(30, 90),
        _r(2, 3),
        _RIR,
        rir=_r(2, 4),
        rpe=_r(6, 8),
        note="or 10–30 s holds; progress when the target is met with good form twice",
    ),
    (None, Aim.POWER): LoadDose(
        _r(3, 6),
        _r(1, 3),
        _r(120, 180),
        _r(2, 3),
        _ACSM,
        velocity="fast",
        note="jumps at body weight (0% 1RM): every rep fast, stop when speed drops",
    ),
    (OLD, Aim.STRENGTH): LoadDose(
        _r(8, 12),
        _r(1, 3),
        _r(60, 120),
        _r(2, 3),
        _RIR,
        rir=_r(3, 4),
        rpe=_r(6, 7),
        note="older adults start lower (NSCA 2019): reps in reserve 3–4 to begin, then "
        "towards the strength row [derived, safer default]",
    ),
}
"""CLINICAL.md §11.2, body-weight, band and isometric work (reps + RIR or RPE)."""


def profile_for(*, age: int | None, training_status: str | None) -> Profile:
    """The §11 row to dose from: older adult from 65; else the training status; novice
    when unknown."""
    if age is not None and age >= OLDER_ADULT_AGE.value:
        return Profile.OLDER_ADULT
    if training_status in (Profile.INTERMEDIATE, Profile.ADVANCED, Profile.NOVICE):
        return Profile(training_status)
    return Profile.NOVICE


def load_dose(aim: Aim, profile: Profile, *, external: bool) -> LoadDose:
    """The row for this aim and profile: §11.1 for an external load, §11.2 otherwise."""
    if external:
        return EXTERNAL[(profile, aim)]
    return BODY_WEIGHT.get((profile, aim)) or BODY_WEIGHT[(None, aim)]


def table_markdown() -> str:
    """Both tables, for docs/CLINICAL_RULES.md."""
    lines = [
        "| Profile | Goal | Load | Reps | Sets | Rest (s) | Days a week | Velocity, notes | "
        "Source |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (profile, aim), row in EXTERNAL.items():
        lines.append(
            f"| {profile.value.replace('_', ' ')} | {aim.value} | {row.percent_1rm}% 1RM | "
            f"{row.reps} | {row.sets} | {row.rest_seconds} | {row.per_week} | "
            f"{row.velocity}{'; ' + row.note if row.note else ''} | {row.source} "
            f"[{row.source.evidence}] |"
        )
    lines += [
        "",
        "Body-weight, band and isometric work (never %1RM):",
        "",
        "| Profile | Goal | Effort | Reps | Sets | Rest (s) | Days a week | Notes | Source |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (maybe_profile, aim), row in BODY_WEIGHT.items():
        who = maybe_profile.value.replace("_", " ") if maybe_profile else "everyone else"
        effort = f"RIR {row.rir} (RPE {row.rpe})" if row.rir and row.rpe else row.velocity or "—"
        lines.append(
            f"| {who} | {aim.value} | {effort} | {row.reps} | {row.sets} | "
            f"{row.rest_seconds} | {row.per_week} | {row.note} | {row.source} |"
        )
    return "\n".join(lines)
