"""Falls-risk and function tests (CLINICAL.md §12): the 30-second chair stand (STEADI),
Timed Up and Go, the 4-stage balance test, single-leg stance in older adults, gait speed,
the 6-minute walk, and the falls-risk summary flag. Pure: plain values in, flags out.

Test and measure codes (the audit command's case format, documented in
docs/suggest_programme.schema.json): `chair_stand`/`reps`, `timed_up_and_go`/`time_s`,
`four_stage_balance`/`stage` (the best stage completed, 1-4) with `failed_stage_s`,
`gait_speed`/`m_per_s`, `six_minute_walk`/`distance_m`, and the battery's
`unipedal_stance`/`time_s` (per side).
"""

# ruff: noqa: RUF001 - clinical notation (en dashes, ≥, ÷) is intended

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from prescriptions.rules.flags import Flag, Severity
from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source

_STEADI = Source("CDC STEADI 30-second chair stand (2017)", "V", "§12.1")

CHAIR_STAND_CUTOFFS: tuple[tuple[int, int, int, int], ...] = (
    (60, 64, 14, 12),
    (65, 69, 12, 11),
    (70, 74, 12, 10),
    (75, 79, 11, 10),
    (80, 84, 10, 9),
    (85, 89, 8, 8),
    (90, 94, 7, 4),
)
"""(age from, age to, men below, women below): a score below the cut-off is below
average, a risk for falls (§12.1) [V]."""

CHAIR_STAND = Rule(
    "falls.chair_stand",
    "30-second chair stand",
    "STEADI table",
    "Full stands in 30 s (arms used: score 0) below the STEADI cut-off for age and sex "
    "indicates a risk for falls; no cut-off before 60 or after 94.",
    _STEADI,
    note="Sex not recorded: the higher (men's) cut-off is used, so fewer at-risk scores are "
    "missed (the safer default).",
)
TUG = Rule(
    "falls.tug",
    "Timed Up and Go",
    12.0,
    "Timed Up and Go of 12 s or more is a falls-risk finding; never used alone.",
    Source(
        "CDC STEADI (≥12 s); Shumway-Cook 2000 (≥13.5 s); Barry 2014 meta-analysis", "M", "§12.2"
    ),
    note="Sources differ (12 or 13.5 s): CLINICAL.md takes 12 s, the more sensitive.",
)
FOUR_STAGE = Rule(
    "falls.four_stage",
    "4-stage balance test",
    3,
    "Unable to hold tandem stance (stage 3) for 10 s: increased falls risk.",
    Source("CDC STEADI 4-Stage Balance Test (Stay On Your Feet)", "V", "§12.3"),
)
SINGLE_LEG = Rule(
    "falls.single_leg_stance",
    "Single-leg stance, 60 and older",
    5.0,
    "Best of 3 trials under 5 s on either leg, at 60 or older: injurious-fall risk.",
    Source("Vellas 1997, JAGS 45:735 (RR 2.13)", "V", "§12.4"),
)
SINGLE_LEG_AGE = 60
GAIT_AT_RISK = Rule(
    "falls.gait_speed",
    "Gait speed, at risk",
    1.0,
    "Usual gait speed under 1.0 m/s: at risk (lower-limb limitation, hospitalisation, death).",
    Source("Cesari 2005, JAGS 53:1675 (Health ABC)", "V", "§12.5"),
)
GAIT_HIGH_RISK = Rule(
    "falls.gait_speed_high",
    "Gait speed, high risk",
    0.8,
    "Usual gait speed under 0.8 m/s: high risk, limited community ambulation.",
    Source("Commonly used threshold (Studenski 2011 cohort)", "M", "§12.5"),
)
SIX_MINUTE_WALK = Rule(
    "falls.six_minute_walk",
    "6-minute walk, lower limit of normal",
    (153, 139),
    "Predicted distance (Enright & Sherrill 1998): men 7.57 × height − 5.02 × age − 1.76 × "
    "weight − 309; women 2.11 × height − 2.29 × weight − 5.78 × age + 667. Lower limit of "
    "normal = predicted − 153 m (men), − 139 m (women). Needs height, weight, age and sex.",
    Source("Enright & Sherrill 1998 (ERS/ATS standard, table 5)", "V", "§12.6"),
    note="The lower limits are [M]: shown as information, never a falls-risk criterion "
    "(§12.7 does not list the 6MWT).",
)
FALLS_RISK = Rule(
    "falls.summary",
    "Falls risk",
    "any one",
    "Falls risk (multifactorial assessment, GP letter) if ANY of: a fall in the last 12 "
    "months; chair stand below the STEADI cut-off; TUG 12 s or more; tandem stance under "
    "10 s; single-leg stance under 5 s; gait speed under 1.0 m/s. Prescribe balance and "
    "lower-limb strength.",
    Source(
        "Stance falls-risk summary of the STEADI, Vellas and Cesari criteria",
        "design decision",
        "§12.7",
    ),
)

RULES: tuple[Rule[Any], ...] = (
    CHAIR_STAND,
    TUG,
    FOUR_STAGE,
    SINGLE_LEG,
    GAIT_AT_RISK,
    GAIT_HIGH_RISK,
    SIX_MINUTE_WALK,
    FALLS_RISK,
)

FALLS_EXERCISES = (
    "assisted-sit-to-stand",  # E43
    "sit-to-stand",  # E21
    "tandem-stance",  # E58
    "single-leg-balance",  # E59
    "forward-step-up",  # E26
    "walking-programme",  # E60
)
"""What §12.7 prescribes with the flag: balance and lower-limb strength."""

Values = Mapping[tuple[str, str, str], float | str]
"""(test, side, measure) -> value, as in the case format's measurements."""


@dataclass(frozen=True)
class FallsPatient:
    age: int
    sex: str | None = None  # "female", "male" or None
    height_cm: float | None = None
    body_mass_kg: float | None = None
    fell_in_last_year: bool | None = None


def _number(values: Values, test: str, side: str, measure: str) -> float | None:
    value = values.get((test, side, measure))
    return float(value) if isinstance(value, int | float) else None


def chair_stand_cutoff(age: int, sex: str | None) -> int | None:
    """The STEADI score below which the chair stand is below average; None outside 60-94."""
    for low, high, men, women in CHAIR_STAND_CUTOFFS:
        if low <= age <= high:
            return women if sex == "female" else men
    return None


def six_minute_walk_predicted(patient: FallsPatient) -> tuple[float, float] | None:
    """(predicted distance, lower limit of normal) in metres, rounded half up to 0.1, or
    None without height, weight or sex."""
    if patient.height_cm is None or patient.body_mass_kg is None:
        return None
    if patient.sex not in ("female", "male"):
        return None
    h, w, a = (Decimal(str(v)) for v in (patient.height_cm, patient.body_mass_kg, patient.age))
    men_lln, women_lln = SIX_MINUTE_WALK.value
    if patient.sex == "male":
        predicted = Decimal("7.57") * h - Decimal("5.02") * a - Decimal("1.76") * w - 309
        lln = predicted - men_lln
    else:
        predicted = Decimal("2.11") * h - Decimal("2.29") * w - Decimal("5.78") * a + 667
        lln = predicted - women_lln
    return _tenth(predicted), _tenth(lln)


def _tenth(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def falls_findings(values: Values, patient: FallsPatient) -> list[str]:
    """Each §12.7 criterion met, in plain words for staff."""
    found: list[str] = []
    if patient.fell_in_last_year:
        found.append("a fall in the last 12 months")
    reps = _number(values, "chair_stand", "", "reps")
    cutoff = chair_stand_cutoff(patient.age, patient.sex)
    if reps is not None and cutoff is not None and reps < cutoff:
        found.append(f"30-s chair stand {reps:g}, below the STEADI cut-off of {cutoff}")
    tug = _number(values, "timed_up_and_go", "", "time_s")
    if tug is not None and tug >= TUG.value:
        found.append(f"Timed Up and Go {tug:g} s (12 s or more)")
    stage = _number(values, "four_stage_balance", "", "stage")
    if stage is not None and stage < FOUR_STAGE.value:
        found.append(f"4-stage balance: tandem stance not held 10 s (best stage {stage:g})")
    if patient.age >= SINGLE_LEG_AGE:
        for side in ("left", "right"):
            held = _number(values, "unipedal_stance", side, "time_s")
            if held is not None and held < SINGLE_LEG.value:
                found.append(f"single-leg stance {held:g} s on the {side} (under 5 s)")
    speed = _number(values, "gait_speed", "", "m_per_s")
    if speed is not None and speed < GAIT_AT_RISK.value:
        risk = "high risk" if speed < GAIT_HIGH_RISK.value else "at risk"
        found.append(f"gait speed {speed:g} m/s (under 1.0 m/s: {risk})")
    return found


def falls_flags(values: Values, patient: FallsPatient) -> list[Flag]:
    """The falls-risk summary flag (§12.7), and the 6-minute walk against its prediction."""
    flags: list[Flag] = []
    found = falls_findings(values, patient)
    if found:
        flags.append(
            Flag(
                "falls_risk",
                Severity.PRECAUTION,
                "Falls risk: " + "; ".join(found) + ". Multifactorial falls assessment and a "
                "letter to the GP; prescribe balance and lower-limb strength, supervised "
                "standing work.",
                FALLS_RISK.source,
                "Some of your balance and walking tests show a higher chance of falling. We "
                "will work on your balance and leg strength, and let your GP know.",
                tuple(found),
            )
        )
    walked = _number(values, "six_minute_walk", "", "distance_m")
    predicted = six_minute_walk_predicted(patient)
    if walked is not None and predicted is not None:
        expected, lln = predicted
        percent = round(walked / expected * 100) if expected > 0 else None
        below = walked < lln
        flags.append(
            Flag(
                "six_minute_walk",
                Severity.INFO,
                f"6-minute walk {walked:g} m: {percent}% of the predicted {expected:g} m"
                + (f", below the lower limit of normal ({lln:g} m)." if below else "."),
                SIX_MINUTE_WALK.source,
            )
        )
    return flags
