"""Derived values of an assessment. Pure: no ORM, no clock.

`derive(inputs)` takes the recorded values of one assessment and returns the derived
values (%BW, torque, N·m/kg, limb symmetry index, Y-balance composite, step-down score and
class, trunk endurance ratios, FPPA side difference, test results), each rounded to the
places its `battery.DerivedSpec` shows. The formulas are CLINICAL.md §1; the worked
examples there are the unit tests in tests/prescriptions/test_derived.py.

The thresholds these values are judged against, and the flags they raise, are rules:
`prescriptions.rules.thresholds` (`evaluate(inputs)` derives and judges in one call).
`Flag` stays here as the shape of a flag stored on the assessment.
"""

# ruff: noqa: RUF002, RUF003 - clinical notation (×, ÷, −, en dashes) is intended

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from prescriptions.assessments.battery import GRAVITY, TESTS, DerivedSpec, FieldSpec
from prescriptions.vocabulary import SIDES, InvolvedSide, Side

Key = tuple[str, str, str]
"""(test code, side, field name); side is "left", "right" or "" for the test as a whole."""
Value = Decimal | str

HUNDRED = Decimal(100)
ASSESSMENT = "assessment"
"""The pseudo-test of thresholds on the assessment's own fields (blood pressure, heart rate)."""


# --- Formulas (CLINICAL.md §1) ----------------------------------------------------------


def round_to(value: Decimal, places: int) -> Decimal:
    """Half up, as a clinician rounds by hand (Python's round() rounds half to even)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent_body_weight(force_n: Decimal, body_mass_kg: Decimal) -> Decimal:
    """%BW = F / (mass × 9.81) × 100 (§1.6)."""
    return force_n / (body_mass_kg * GRAVITY) * HUNDRED


def torque_nm(force_n: Decimal, lever_arm_m: Decimal) -> Decimal:
    """τ (N·m) = F × lever arm (m) (§1.6)."""
    return force_n * lever_arm_m


def torque_per_kg(force_n: Decimal, lever_arm_m: Decimal, body_mass_kg: Decimal) -> Decimal:
    """N·m/kg = τ / body mass (§1.6)."""
    return torque_nm(force_n, lever_arm_m) / body_mass_kg


def limb_symmetry_index(involved: Decimal, uninvolved: Decimal) -> Decimal | None:
    """LSI (%) = involved ÷ uninvolved × 100 (§1.6); None when the divisor is zero."""
    if uninvolved == 0:
        return None
    return involved / uninvolved * HUNDRED


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return None if denominator == 0 else numerator / denominator


def y_balance_composite(
    anterior: Decimal, posteromedial: Decimal, posterolateral: Decimal, limb_length: Decimal
) -> Decimal:
    """Composite (%) = (ANT + PM + PL) / (3 × limb length) × 100 (§1.10)."""
    return (anterior + posteromedial + posterolateral) / (3 * limb_length) * HUNDRED


STEP_DOWN_KNEE_POINTS = {"none": 0, "toe": 1, "foot": 2}


def step_down_score(*, arm: bool, trunk: bool, pelvis: bool, knee: str, unsteady: bool) -> int:
    """Piva 2006 lateral step-down score, 0 to 6 (§1.5)."""
    return int(arm) + int(trunk) + int(pelvis) + STEP_DOWN_KNEE_POINTS[knee] + int(unsteady)


def step_down_class(score: int | Decimal) -> str:
    """0 to 1 good, 2 to 3 moderate, 4 or more poor (§1.5)."""
    if score <= 1:
        return "good"
    return "moderate" if score <= 3 else "poor"


def bridge_class(reps: Decimal | int) -> str:
    """Single-leg bridge in AFL players: under 20 poor, over 30 good (§1.8)."""
    if reps < 20:
        return "poor"
    return "good" if reps > 30 else "average"


def trendelenburg_result(time_held_s: Decimal | None, pelvic_response: str | None) -> str | None:
    """Hardcastle & Nade (§1.1): zero-time when the pelvis could not be lifted at all;
    positive when it is not lifted maximally; positive-delayed when lifted but not held for
    30 s; negative when lifted maximally and held. None when too little is recorded."""
    if time_held_s == 0:
        return "zero_time"
    if pelvic_response in {"level", "drops"}:
        return "positive"
    if pelvic_response == "elevates" and time_held_s is not None:
        return "negative" if time_held_s >= 30 else "positive_delayed"
    return None


def sls_pain_result(pain_nprs: Decimal | None, location: str | None) -> str | None:
    """Grimaldi 2017 (§1.2): positive when lateral hip pain of 2/10 or more is reproduced
    within the 30 s."""
    if pain_nprs is None:
        return None
    if pain_nprs < 2 or (location is not None and location != "lateral_hip"):
        return "negative"
    return "positive" if location == "lateral_hip" else None


LEAP_TESTS = ("faber", "faber_static", "fader", "add", "add_r")


def lateral_hip_cluster(
    answers: Mapping[str, str | None], sls_pain: str | None, tender: str | None
) -> str | None:
    """LEAP eligibility (§1.2): pain on at least one of FABER, FABER-static, FADER, ADD,
    ADD-R or the 30 s single-leg stance test, plus tenderness on palpation."""
    provoked = any(answers.get(t) == "pain" for t in LEAP_TESTS) or sls_pain == "positive"
    if provoked and tender == "yes":
        return "met"
    all_clear = all(answers.get(t) == "no_pain" for t in LEAP_TESTS) and sls_pain != "positive"
    if tender == "no" or all_clear:
        return "not_met"
    return None


SIJ_TESTS = ("distraction", "thigh_thrust", "compression", "sacral_thrust", "gaenslen")


def sij_cluster(answers: Mapping[str, str | None]) -> tuple[int, str | None]:
    """Laslett (§1.9): positive with 3 or more of 5 tests reproducing pain, or 2 or more of
    the 4 when Gaenslen was not done. Returns (tests reproducing pain, result or None)."""
    positives = sum(answers.get(t) == "pain" for t in SIJ_TESTS)
    recorded = [t for t in SIJ_TESTS if answers.get(t) is not None]
    if len(recorded) == 5:
        return positives, "positive" if positives >= 3 else "negative"
    if len(recorded) == 4 and "gaenslen" not in recorded:
        return positives, "positive" if positives >= 2 else "negative"
    return positives, "positive" if positives >= 3 else None


# --- Evaluating one assessment ----------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What derivation needs from one assessment; plain values, no model instances."""

    values: Mapping[Key, Value]
    battery: Sequence[str]
    body_mass_kg: Decimal | None = None
    involved_side: str = ""
    reference_sex: str = ""
    conditions: frozenset[str] = frozenset()
    assessment_values: Mapping[str, Decimal | None] = field(default_factory=dict)
    age: int | None = None  # years on the day of the assessment
    surgery_procedure: str = ""  # the case format's surgery.procedure, when one is known


@dataclass(frozen=True)
class DerivedValue:
    test: str
    side: str
    field: str
    value: Value
    unit: str
    note: str = ""


@dataclass(frozen=True)
class Flag:
    """A threshold crossed. Shown with its source; never worded as a diagnosis."""

    code: str
    test: str
    side: str
    label: str
    value: str
    meaning: str
    source: str
    severity: str = "flag"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class _Reader:
    """Typed access to one test's recorded values."""

    def __init__(self, values: Mapping[Key, Value], test: str) -> None:
        self.values = values
        self.test = test

    def number(self, side: str, name: str) -> Decimal | None:
        value = self.values.get((self.test, side, name))
        return value if isinstance(value, Decimal) else None

    def text(self, side: str, name: str) -> str | None:
        value = self.values.get((self.test, side, name))
        return value if isinstance(value, str) and value else None


Found = list[tuple[str, str, Value | None, str]]
"""(side, derived name, value or None, note) as each test's function returns them."""


def _lsi(
    inputs: Inputs, left: Decimal | None, right: Decimal | None, basis: str
) -> tuple[Decimal | None, str]:
    if left is None or right is None:
        return None, ""
    side = inputs.involved_side
    if side in {InvolvedSide.LEFT, InvolvedSide.RIGHT}:
        other = "right" if side == InvolvedSide.LEFT else "left"
        involved, uninvolved = (left, right) if side == InvolvedSide.LEFT else (right, left)
        note = f"involved ({side}) ÷ uninvolved ({other}), on {basis}"
        return limb_symmetry_index(involved, uninvolved), note
    return limb_symmetry_index(min(left, right), max(left, right)), f"weaker ÷ stronger, on {basis}"


def _hhd(inputs: Inputs, r: _Reader) -> Found:
    found: Found = []
    mass = inputs.body_mass_kg
    forces: dict[str, Decimal | None] = {}
    torques: dict[str, Decimal] = {}
    for side in SIDES:
        force, lever_cm = r.number(side, "force_n"), r.number(side, "lever_arm_cm")
        forces[side] = force
        if force is None:
            continue
        if mass:
            found.append((side, "pct_bw", percent_body_weight(force, mass), ""))
        if lever_cm is not None:
            torques[side] = torque_nm(force, lever_cm / HUNDRED)
            found.append((side, "torque_nm", torques[side], ""))
            if mass:
                found.append((side, "nm_per_kg", torques[side] / mass, ""))
    if len(torques) == 2:
        lsi, note = _lsi(inputs, torques["left"], torques["right"], "torque")
    else:
        lsi, note = _lsi(inputs, forces["left"], forces["right"], "force")
    found.append((Side.TEST, "lsi", lsi, note))
    return found


def _trendelenburg(inputs: Inputs, r: _Reader) -> Found:
    return [
        (
            s,
            "result",
            trendelenburg_result(r.number(s, "time_held_s"), r.text(s, "pelvic_response")),
            "",
        )
        for s in SIDES
    ]


def _sls_pain(inputs: Inputs, r: _Reader) -> Found:
    return [
        (s, "result", sls_pain_result(r.number(s, "pain_nprs"), r.text(s, "pain_location")), "")
        for s in SIDES
    ]


def _lateral_hip(inputs: Inputs, r: _Reader) -> Found:
    sls = _Reader(inputs.values, "sls_pain")
    found: Found = []
    for s in SIDES:
        answers = {t: r.text(s, t) for t in LEAP_TESTS}
        sls_result = (
            sls_pain_result(sls.number(s, "pain_nprs"), sls.text(s, "pain_location"))
            if "sls_pain" in inputs.battery
            else None
        )
        found.append(
            (s, "cluster", lateral_hip_cluster(answers, sls_result, r.text(s, "palpation")), "")
        )
    return found


def _single_leg_squat(inputs: Inputs, r: _Reader) -> Found:
    left, right = r.number("left", "fppa_deg"), r.number("right", "fppa_deg")
    diff = abs(left - right) if left is not None and right is not None else None
    return [(Side.TEST, "fppa_diff", diff, "")]


STEP_DOWN_ITEMS = ("arm", "trunk", "pelvis", "knee", "unsteady")


def step_down_items_score(r: _Reader, side: str) -> int | None:
    """The score from the five recorded items, or None while any is missing."""
    items = {name: r.text(side, name) for name in STEP_DOWN_ITEMS}
    if any(v is None for v in items.values()):
        return None
    return step_down_score(
        arm=items["arm"] == "yes",
        trunk=items["trunk"] == "yes",
        pelvis=items["pelvis"] == "yes",
        knee=items["knee"] or "none",
        unsteady=items["unsteady"] == "yes",
    )


def _lateral_step_down(inputs: Inputs, r: _Reader) -> Found:
    found: Found = []
    for s in SIDES:
        from_items = step_down_items_score(r, s)
        entered = r.number(s, "score")
        total = Decimal(from_items) if from_items is not None else entered
        note = "from the five items" if from_items is not None else "as entered"
        found.append((s, "total", total, note if total is not None else ""))
        found.append((s, "class", step_down_class(total) if total is not None else None, ""))
    return found


def _side_bridge(inputs: Inputs, r: _Reader) -> Found:
    left, right = r.number("left", "side_bridge_s"), r.number("right", "side_bridge_s")
    extensor, flexor = r.number(Side.TEST, "extensor_s"), r.number(Side.TEST, "flexor_s")
    found: Found = []
    if left is not None and right is not None:
        found.append((Side.TEST, "ratio_r_l", ratio(right, left), ""))
    if flexor is not None and extensor is not None:
        found.append((Side.TEST, "flexion_extension", ratio(flexor, extensor), ""))
    for s, hold in (("left", left), ("right", right)):
        if hold is not None and extensor is not None:
            found.append((s, "side_extension", ratio(hold, extensor), ""))
    return found


def _single_leg_bridge(inputs: Inputs, r: _Reader) -> Found:
    left, right = r.number(Side.LEFT, "reps"), r.number(Side.RIGHT, "reps")
    found: Found = [
        (s, "class", bridge_class(n) if n is not None else None, "")
        for s, n in ((Side.LEFT, left), (Side.RIGHT, right))
    ]
    lsi, note = _lsi(inputs, left, right, "repetitions")
    found.append((Side.TEST, "lsi", lsi, note))
    return found


def _y_balance(inputs: Inputs, r: _Reader) -> Found:
    found: Found = []
    for s in SIDES:
        ant, pm, pl = (
            r.number(s, n) for n in ("anterior_cm", "posteromedial_cm", "posterolateral_cm")
        )
        limb = r.number(s, "limb_length_cm")
        if limb and ant is not None and pm is not None and pl is not None:
            found.append((s, "composite", y_balance_composite(ant, pm, pl, limb), ""))
    left, right = r.number("left", "anterior_cm"), r.number("right", "anterior_cm")
    if left is not None and right is not None:
        found.append((Side.TEST, "anterior_diff", abs(left - right), ""))
    return found


def _sij(inputs: Inputs, r: _Reader) -> Found:
    answers = {t: r.text(Side.TEST, t) for t in SIJ_TESTS}
    if all(v is None for v in answers.values()):
        return []
    positives, result = sij_cluster(answers)
    return [(Side.TEST, "positives", Decimal(positives), ""), (Side.TEST, "cluster", result, "")]


DERIVERS: dict[str, Callable[[Inputs, _Reader], Found]] = {
    "trendelenburg": _trendelenburg,
    "sls_pain": _sls_pain,
    "lateral_hip_provocation": _lateral_hip,
    "single_leg_squat": _single_leg_squat,
    "lateral_step_down": _lateral_step_down,
    "hhd_abduction": _hhd,
    "hhd_extension": _hhd,
    "hhd_external_rotation": _hhd,
    "side_bridge": _side_bridge,
    "single_leg_bridge": _single_leg_bridge,
    "y_balance": _y_balance,
    "sij_provocation": _sij,
}


def derive(inputs: Inputs) -> list[DerivedValue]:
    """Every derived value the recorded ones allow, rounded as shown, in battery order."""
    result: list[DerivedValue] = []
    for code in inputs.battery:
        deriver = DERIVERS.get(code)
        if deriver is None:
            continue
        test = TESTS[code]
        for side, name, value, note in deriver(inputs, _Reader(inputs.values, code)):
            if value is None:
                continue
            spec = test.derived_spec(name)
            if isinstance(value, Decimal):
                value = round_to(value, spec.places)
            result.append(DerivedValue(code, str(side), name, value, spec.unit, note))
    return result


def with_unit(text: str, unit: str) -> str:
    """ "30.1 %BW", "81.8%", "14.0°", "3/10", "0.80": units that read as part of the number
    are written without a space."""
    if not unit:
        return text
    return f"{text}{unit}" if unit in {"%", "°", "/10", "/6"} else f"{text} {unit}"


def format_value(spec: FieldSpec | DerivedSpec | None, value: Value, unit: str = "") -> str:
    """A stored value as a person reads it: choice labels, fixed decimals and its unit."""
    if isinstance(value, str):
        return spec.choice_label(value) if spec is not None else value
    places = spec.places if spec is not None else 2
    unit = unit or (spec.unit if spec is not None else "")
    return with_unit(f"{round_to(value, places)}", unit)
