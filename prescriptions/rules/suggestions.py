"""Exercise suggestions from assessment findings. Pure: findings in, suggestions out.

Findings are plain values (`Finding(code, value, side)` or a `{code: value}` mapping) so the
assessment models can feed them in later. Every suggestion carries the findings it comes
from (`because`) and says so in plain words (`reason`).

Rules (CLINICAL.md §1, §3, §4.4, §12.7, §14.2, §15):
- Abductor deficit (positive Trendelenburg, abduction or external-rotation LSI < 90 %,
  abduction at the ACL cut-off in its context, contralateral pelvic drop) → the abductor
  chain, entered at a step that fits how marked the deficit is.
- Extensor deficit (extension or single-leg-bridge LSI < 90 %, poor gluteal activation) →
  the extensor chain.
- Poor movement control (single-leg squat poor or fair, lateral step-down 2+, dynamic knee
  valgus, FPPA above the reference or sides apart, Y-balance composite or anterior
  asymmetry) → the functional single-leg chain.
- Gluteal tendinopathy (the condition, a positive 30-s single-leg stance test, or the LEAP
  provocation cluster) → the LEAP stage's content (§15: static abduction, double-leg
  bridge, squat, side-stepping; not only isometrics) under the GT load-management goal,
  other chains kept to exercises that are not compressive, and the §15.2 list of
  exercises and positions to avoid.
- Trunk findings (side-bridge asymmetry, side bridge:extension, flexion:extension, low
  flexor endurance, single-leg bridge under 20, poor rotation control) → the §14.2
  exercises with their starting dose.
- Falls risk → balance and lower-limb strength (§12.7).
- Hanging into one hip → load-management education on compressive positions.
- A finding no exercise follows from (the sacroiliac provocation cluster, resting blood
  pressure or heart rate) → a NO_EXERCISE suggestion saying so.
`COVERAGE` maps every battery threshold to the finding that carries it, so every flag of
the assessment leads to a suggestion or to a stated "no exercise follows from this".
"""

# Clinical text uses en dashes and other typographic signs on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from prescriptions.library.shipped import GLUTEAL_TENDINOPATHY, Library, default_library
from prescriptions.rules import falls, gt, lbp
from prescriptions.rules.dosing import Goal
from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source


class FindingCode(StrEnum):
    CONDITION = "condition"  # a condition code, e.g. "gluteal_tendinopathy"
    TRENDELENBURG = "trendelenburg"  # "negative", "positive", "positive_delayed", "zero_time"
    HIP_ABDUCTION_LSI = "hip_abduction_lsi"  # %, involved ÷ uninvolved × 100
    HIP_ABDUCTION_PCT_BW = "hip_abduction_pct_bw"  # % of body weight (HHD force)
    CONTRALATERAL_PELVIC_DROP = "contralateral_pelvic_drop"  # bool
    HIP_EXTENSION_LSI = "hip_extension_lsi"  # %
    GLUTEAL_ACTIVATION = "gluteal_activation"  # "good" or "poor"
    SINGLE_LEG_SQUAT = "single_leg_squat"  # "good", "fair", "poor"
    LATERAL_STEP_DOWN = "lateral_step_down"  # score 0–6 (Piva 2006)
    DYNAMIC_KNEE_VALGUS = "dynamic_knee_valgus"  # bool
    SINGLE_LEG_STANCE_PAIN = "single_leg_stance_pain"  # NPRS 0–10 within 30 s
    HANGS_INTO_HIP = "hangs_into_hip"  # bool (posture habit)
    LATERAL_HIP_CLUSTER = "lateral_hip_cluster"  # "met" or "not_met" (LEAP eligibility)
    HIP_EXTERNAL_ROTATION_LSI = "hip_external_rotation_lsi"  # %
    HIP_EXTERNAL_ROTATION_PCT_BW = "hip_external_rotation_pct_bw"  # %BW, ACL screening only
    FPPA_ABOVE_REFERENCE = "fppa_above_reference"  # degrees, above the sex's reference
    FPPA_SIDE_DIFFERENCE = "fppa_side_difference"  # degrees between sides
    Y_BALANCE_COMPOSITE = "y_balance_composite"  # %
    Y_BALANCE_ANTERIOR_DIFFERENCE = "y_balance_anterior_difference"  # cm
    SINGLE_LEG_BRIDGE_REPS = "single_leg_bridge_reps"  # repetitions (Freckleton)
    SINGLE_LEG_BRIDGE_LSI = "single_leg_bridge_lsi"  # %
    SIDE_BRIDGE_RATIO = "side_bridge_ratio"  # right ÷ left hold
    SIDE_BRIDGE_EXTENSION = "side_bridge_extension"  # side bridge ÷ extensor hold
    FLEXION_EXTENSION = "flexion_extension"  # flexor ÷ extensor hold
    LOW_FLEXOR_ENDURANCE = "low_flexor_endurance"  # bool, the clinician's judgement
    TRUNK_ROTATION_CONTROL = "trunk_rotation_control"  # "good" or "poor"
    FALLS_RISK = "falls_risk"  # bool: the §12.7 summary flag
    SIJ_CLUSTER = "sij_cluster"  # "positive" or "negative"
    RESTING_VITALS = "resting_vitals"  # bool: resting BP or HR above the exercise limits


@dataclass(frozen=True)
class Finding:
    code: FindingCode | str
    value: Any = True
    side: str | None = None  # "left", "right" or None


class SuggestionKind(StrEnum):
    ADD_EXERCISES = "add_exercises"
    AVOID = "avoid"  # exercises and positions to keep out of the programme for now
    EDUCATION = "education"
    NO_EXERCISE = "no_exercise"  # a finding no exercise follows from, and why


@dataclass(frozen=True)
class Suggestion:
    kind: SuggestionKind
    reason: str  # plain words, naming the findings
    because: tuple[Finding, ...]
    exercises: tuple[str, ...] = ()  # slugs to add (ADD_EXERCISES) or avoid (AVOID)
    chain: str | None = None
    step: int | None = None
    goal: Goal | None = None
    positions: tuple[str, ...] = ()  # compressive positions and habits to avoid
    title: str = ""  # a heading for staff when the suggestion is not a chain's
    dose: str = ""  # a starting dose the rule gives (§14.2), in words for staff
    section: str = ""  # the CLINICAL.md section behind it, for staff and the docs


# --- Rule data -----------------------------------------------------------------------------

LSI_TARGET = 90.0
"""LSI below 90 % is below the usual target [V] (CLINICAL.md §1.6; flag, don't fail)."""
LSI_MARKED_BELOW = 70.0
"""[derived] house cut-off for a marked deficit; not from a source."""
LSI_MODERATE_BELOW = 80.0
"""[derived] house cut-off for a moderate deficit; not from a source."""
ABDUCTION_PCT_BW_AT_RISK = 35.4
"""Abduction ≤35.4 %BW predicted non-contact ACL injury (Khayambashi 2016) [V]; the
findings carry it only in the ACL contexts of CLINICAL.md §13.3 (findings.py)."""
EXTERNAL_ROTATION_PCT_BW_AT_RISK = 20.3
"""External rotation ≤20.3 %BW (Khayambashi 2016) [V], ACL-injury-risk screening only."""
FPPA_DIFFERENCE_ABOVE = 6.0
"""FPPA sides more than 6° apart (derived rule, §1.4)."""
Y_BALANCE_COMPOSITE_BELOW = 94.0
"""Y-balance composite under 94 % (Plisky 2006) [V, a screen]."""
Y_BALANCE_ANTERIOR_ABOVE = 4.0
"""Anterior reach more than 4 cm apart (Plisky 2006) [V, a screen]."""
SINGLE_LEG_BRIDGE_POOR_BELOW = 20
"""Single-leg bridge under 20 reps is poor (Freckleton 2014) [V]."""
SIDE_BRIDGE_RATIO_RANGE = (0.95, 1.05)
"""Right:left side bridge outside 0.95–1.05 (McGill 1999) [V]."""
SIDE_BRIDGE_EXTENSION_ABOVE = 0.75
"""Side bridge:extension above 0.75 (McGill 1999) [V]."""
FLEXION_EXTENSION_ABOVE = 1.0
"""Flexion:extension above 1.0 (McGill 1999) [V]."""
SINGLE_LEG_STANCE_PAIN_POSITIVE = 2
"""30-s single-leg stance positive at ≥2/10 lateral hip pain (Grimaldi 2017) [V]."""
STEP_DOWN_POOR_MIN = 4
"""Lateral step-down 0–1 good, 2–3 moderate, ≥4 poor (Piva 2006) [V]."""
STEP_DOWN_MODERATE_MIN = 2

ENTRY_STEPS: Mapping[str, Mapping[str, int]] = {
    "abductor": {"marked": 1, "moderate": 3, "mild": 6},
    "extensor": {"marked": 1, "moderate": 2, "mild": 5},
    "functional-single-leg": {"marked": 1, "moderate": 4, "mild": 5},
}
"""Chain step to start at by severity. [derived] house rule (the chains are CLINICAL.md §3
as corrected in §16.1; the entry points are not from a source): marked starts at the
isometric or supported end, mild at the weight-bearing middle. The practitioner moves it.
Abductor: E01 / E18 / E19-E20; extensor: E03 / E09 / E11; functional: E43 / E23 / E24."""

GT_EARLY_ISOMETRICS = ("supine-isometric-hip-abduction", "standing-isometric-hip-abduction")
"""LEAP week-1 static abduction, supine and standing (CLINICAL.md §4.4) [V]."""

GT_COMPRESSIVE_POSITIONS = gt.POSITIONS
"""Load-management education for gluteal tendinopathy (CLINICAL.md §4.4, §15.2) [V]."""

NO_EXERCISE_REASONS: Mapping[FindingCode, str] = {
    FindingCode.SIJ_CLUSTER: "A pain-provocation cluster: it helps the physiotherapist's "
    "diagnosis of sacroiliac joint pain; no exercise follows from it on its own.",
    FindingCode.RESTING_VITALS: "Resting blood pressure or heart rate above the limits: a "
    "precaution on effort (see the warnings), not an exercise choice.",
}
"""Findings no exercise follows from, and why (issue 12 point 8: every finding maps to a
suggestion or to a stated "no exercise follows from this")."""

COVERAGE: Mapping[str, FindingCode] = {
    "abduction_bw_acl_risk": FindingCode.HIP_ABDUCTION_PCT_BW,
    "abduction_bw_aclr": FindingCode.HIP_ABDUCTION_PCT_BW,
    "external_rotation_bw_acl_risk": FindingCode.HIP_EXTERNAL_ROTATION_PCT_BW,
    "hhd_abduction_lsi_below_90": FindingCode.HIP_ABDUCTION_LSI,
    "hhd_extension_lsi_below_90": FindingCode.HIP_EXTENSION_LSI,
    "hhd_external_rotation_lsi_below_90": FindingCode.HIP_EXTERNAL_ROTATION_LSI,
    "single_leg_bridge_lsi_below_90": FindingCode.SINGLE_LEG_BRIDGE_LSI,
    "single_leg_bridge_poor": FindingCode.SINGLE_LEG_BRIDGE_REPS,
    "y_balance_composite_low": FindingCode.Y_BALANCE_COMPOSITE,
    "y_balance_anterior_asymmetry": FindingCode.Y_BALANCE_ANTERIOR_DIFFERENCE,
    "lateral_step_down_poor": FindingCode.LATERAL_STEP_DOWN,
    "side_bridge_asymmetry": FindingCode.SIDE_BRIDGE_RATIO,
    "flexion_extension_high": FindingCode.FLEXION_EXTENSION,
    "side_extension_high": FindingCode.SIDE_BRIDGE_EXTENSION,
    "fppa_above_female_reference": FindingCode.FPPA_ABOVE_REFERENCE,
    "fppa_above_male_reference": FindingCode.FPPA_ABOVE_REFERENCE,
    "fppa_side_difference": FindingCode.FPPA_SIDE_DIFFERENCE,
    "single_leg_squat_poor": FindingCode.SINGLE_LEG_SQUAT,
    "trendelenburg_positive": FindingCode.TRENDELENBURG,
    "sls_pain_positive": FindingCode.SINGLE_LEG_STANCE_PAIN,
    "lateral_hip_cluster_met": FindingCode.LATERAL_HIP_CLUSTER,
    "sij_cluster_positive": FindingCode.SIJ_CLUSTER,
    "hangs_into_hip": FindingCode.HANGS_INTO_HIP,
    "unipedal_stance_falls_risk": FindingCode.FALLS_RISK,
    "resting_sbp_high": FindingCode.RESTING_VITALS,
    "resting_dbp_high": FindingCode.RESTING_VITALS,
    "resting_sbp_stop": FindingCode.RESTING_VITALS,
    "resting_dbp_stop": FindingCode.RESTING_VITALS,
    "resting_hr_high": FindingCode.RESTING_VITALS,
}
"""Every battery threshold (rules/thresholds.py) -> the finding the suggestion rules read."""

_LSI_SOURCE = Source(
    "ACL return-to-sport batteries; Markström 2022 (flag, don't fail)", "V", "§1.6"
)
RULES: tuple[Rule[Any], ...] = (
    Rule(
        "suggestions.lsi",
        "LSI deficit grades",
        (LSI_MARKED_BELOW, LSI_MODERATE_BELOW, LSI_TARGET),
        "An LSI under 70 % is a marked deficit, under 80 % moderate, under 90 % mild; 90 % "
        "or more suggests nothing.",
        _LSI_SOURCE,
        note="The 70 and 80 % grades are house cut-offs, not from a source [derived].",
    ),
    Rule(
        "suggestions.entry_steps",
        "Where a chain is entered",
        "marked / moderate / mild",
        "Abductor chain from step 1 / 3 / 6, extensor from 1 / 2 / 5, functional single-leg "
        "from 1 / 4 / 5 by how marked the deficit is; marked starts at the isometric or "
        "supported end, and suggests early-stage rehabilitation.",
        Source("The chains of CLINICAL.md §3; entry points a house rule", "derived rule", "§3"),
    ),
    Rule(
        "suggestions.single_leg_stance_pain",
        "30-s single-leg stance test",
        SINGLE_LEG_STANCE_PAIN_POSITIVE,
        "Lateral hip pain of 2/10 or more within 30 s is positive: gluteal tendinopathy rules "
        "apply.",
        Source("Grimaldi 2017", "V", "§1.2"),
    ),
    Rule(
        "suggestions.step_down",
        "Lateral step-down",
        (STEP_DOWN_MODERATE_MIN, STEP_DOWN_POOR_MIN),
        "Score 2–3 (moderate): the functional chain from its mild entry; 4 or more (poor): "
        "from its moderate entry.",
        Source("Piva 2006", "V", "§1.5"),
    ),
    Rule(
        "suggestions.movement_screens",
        "FPPA, Y-balance",
        (FPPA_DIFFERENCE_ABOVE, Y_BALANCE_COMPOSITE_BELOW, Y_BALANCE_ANTERIOR_ABOVE),
        "FPPA above the reference for the sex, or sides more than 6° apart; Y-balance "
        "composite under 94 % or anterior reach more than 4 cm apart: the functional "
        "single-leg chain from its mild entry.",
        Source("Herrington 2014; Ghulam 2021; Plisky 2006", "derived rule", "§1.4, §1.10"),
    ),
    Rule(
        "suggestions.acl_strength",
        "Hip %BW in the ACL context",
        (ABDUCTION_PCT_BW_AT_RISK, EXTERNAL_ROTATION_PCT_BW_AT_RISK),
        "Only for an ACL patient: abduction at or under 35.4 %BW (side-lying) or under 33 %BW, "
        "external rotation at or under 20.3 %BW (prone): the abductor chain.",
        Source("Khayambashi 2016; post-ACLR cohort", "V", "§13.3"),
    ),
    Rule(
        "suggestions.every_finding",
        "Every finding leads somewhere",
        "all thresholds",
        "Every battery threshold maps to a finding the rules read (COVERAGE): an exercise "
        "suggestion, an education point, or a stated 'no exercise follows from this' (the "
        "sacroiliac provocation cluster; resting blood pressure or heart rate).",
        Source("Issue 12 point 8", "design decision", "§14.2"),
    ),
)

_SEVERITY_ORDER = ("marked", "moderate", "mild")
_CHAIN_ORDER = ("abductor", "extensor", "functional-single-leg")


# --- Evaluation ----------------------------------------------------------------------------


def suggestions_from_findings(
    findings: Iterable[Finding] | Mapping[str, Any],
    *,
    library: Library | None = None,
    gt_stage: int = 1,
) -> list[Suggestion]:
    """Suggestions for a programme from assessment findings, each naming its findings.

    1. Read each finding: which chain and how marked, a GT, trunk, falls or education
       trigger, or one no exercise follows from. Negative or normal findings trigger
       nothing; unknown codes or values raise ValueError.
    2. With gluteal tendinopathy, first the LEAP content of `gt_stage` (§9.1, §15.1) under
       the GT load-management goal; the abductor chain's findings join it.
    3. One ADD_EXERCISES suggestion per chain, starting at the step of its most marked
       finding (ENTRY_STEPS); with GT every chain skips compressive exercises; otherwise a
       marked deficit suggests early-stage rehabilitation.
    4. The trunk rows of §14.2 with their starting doses; falls risk -> balance and
       lower-limb strength (§12.7).
    5. With GT, one AVOID suggestion: the §15.2 exercises and positions. Hanging into one
       hip without GT gives an EDUCATION suggestion on the positions.
    6. One NO_EXERCISE suggestion per finding no exercise follows from, saying why.
    """
    lib = library or default_library()
    items = _as_findings(findings)
    by_chain: dict[str, list[tuple[str, Finding]]] = {}
    trunk: dict[str, list[Finding]] = {}
    gt_found: list[Finding] = []
    habit: list[Finding] = []
    falls_found: list[Finding] = []
    none_follow: list[Finding] = []
    for f in items:
        code = FindingCode(f.code)
        if code == FindingCode.HANGS_INTO_HIP:
            if _truthy(f.value):
                habit.append(f)
            continue
        if code in NO_EXERCISE_REASONS:
            if _no_exercise_hit(code, f.value):
                none_follow.append(f)
            continue
        if code == FindingCode.FALLS_RISK:
            if _truthy(f.value):
                falls_found.append(f)
            continue
        if _is_gt(code, f.value):
            gt_found.append(f)
            continue
        row = _trunk_hit(code, f.value)
        if row is not None:
            trunk.setdefault(row, []).append(f)
            continue
        hit = _chain_hit(code, f.value)
        if hit is not None:
            by_chain.setdefault(hit[0], []).append((hit[1], f))
    out: list[Suggestion] = []
    if gt_found:
        out.append(_leap_suggestion(gt_found, by_chain.pop("abductor", []), lib, gt_stage))
    out += [
        _chain_suggestion(chain, by_chain[chain], gt_found, lib)
        for chain in _CHAIN_ORDER
        if chain in by_chain
    ]
    out += [
        _trunk_suggestion(row, trunk[row.key], lib) for row in lbp.TRUNK_ROWS if row.key in trunk
    ]
    if falls_found:
        out.append(_falls_suggestion(falls_found, lib))
    if gt_found:
        because = tuple(gt_found + habit)
        out.append(
            Suggestion(
                kind=SuggestionKind.AVOID,
                reason="Compressive for the gluteal tendons, so keep them out for now (weeks "
                "1–8); from " + _describe(because) + ".",
                because=because,
                exercises=_gt_avoid(lib),
                positions=GT_COMPRESSIVE_POSITIONS,
                section="§15.2",
            )
        )
    elif habit:
        out.append(
            Suggestion(
                kind=SuggestionKind.EDUCATION,
                reason="Explain compressive positions and how to avoid them; from "
                + _describe(habit)
                + ".",
                because=tuple(habit),
                positions=GT_COMPRESSIVE_POSITIONS,
                section="§4.4",
            )
        )
    for f in none_follow:
        out.append(
            Suggestion(
                kind=SuggestionKind.NO_EXERCISE,
                reason=f"{NO_EXERCISE_REASONS[FindingCode(f.code)]} From {_describe([f])}.",
                because=(f,),
                title="No exercise follows from this",
            )
        )
    return out


def _gt_avoid(lib: Library) -> tuple[str, ...]:
    """The library's early-GT cautions and the §15.2 list, in library order (CLINICAL.md
    §15.2 wins where the library only says "modify", as for the clams)."""
    listed = set(gt.AVOID_WEEKS_1_TO_8)
    return tuple(
        e.slug for e in lib.exercises if e.avoid_early_for(GLUTEAL_TENDINOPATHY) or e.slug in listed
    )


def _available(lib: Library, slugs: Iterable[str]) -> tuple[str, ...]:
    return tuple(slug for slug in slugs if slug in lib)


def _leap_suggestion(
    found: list[Finding], abductor: list[tuple[str, Finding]], lib: Library, stage: int
) -> Suggestion:
    because = tuple(found + [f for _, f in sorted(abductor, key=_by_severity)])
    shown = stage if stage in gt.LEAP_DOSES else 1
    return Suggestion(
        kind=SuggestionKind.ADD_EXERCISES,
        reason=f"LEAP week {'3–8' if shown == 3 else shown} for gluteal tendinopathy: static "
        "abduction, bridging, squatting and side-stepping, with load-management education; "
        f"from {_describe(because)}.",
        because=because,
        exercises=_available(lib, gt.leap_exercises(stage)),
        goal=Goal.GT_LOAD_MANAGEMENT,
        title=f"LEAP programme, stage {shown}",
        section="§9.1, §15.1",
    )


def _trunk_suggestion(row: lbp.TrunkRow, found: list[Finding], lib: Library) -> Suggestion:
    because = tuple(found)
    return Suggestion(
        kind=SuggestionKind.ADD_EXERCISES,
        reason=f"{row.finding}: trunk endurance work; from {_describe(because)}.",
        because=because,
        exercises=_available(lib, row.exercises),
        title="Trunk endurance",
        dose=row.dose,
        section="§14.2",
    )


def _falls_suggestion(found: list[Finding], lib: Library) -> Suggestion:
    because = tuple(found)
    return Suggestion(
        kind=SuggestionKind.ADD_EXERCISES,
        reason="Falls risk: balance and lower-limb strength, supervised standing work; from "
        + _describe(because)
        + ".",
        because=because,
        exercises=_available(lib, falls.FALLS_EXERCISES),
        title="Balance and lower-limb strength",
        section="§12.7",
    )


def _by_severity(hit: tuple[str, Finding]) -> int:
    return _SEVERITY_ORDER.index(hit[0])


def _chain_suggestion(
    chain: str, hits: list[tuple[str, Finding]], gt_found: list[Finding], lib: Library
) -> Suggestion:
    hits = sorted(hits, key=_by_severity)
    severity = hits[0][0]
    step = ENTRY_STEPS[chain][severity]
    exercises = _exercises_at(lib, chain, step, avoid_gt=bool(gt_found))
    goal = (
        Goal.GT_LOAD_MANAGEMENT
        if gt_found
        else (Goal.EARLY_REHAB if severity == "marked" else None)
    )
    because = tuple(f for _, f in hits)
    name = lib.chains[chain].name
    return Suggestion(
        kind=SuggestionKind.ADD_EXERCISES,
        reason=f"{name}, from step {step} ({severity} deficit); from {_describe(because)}.",
        because=because,
        exercises=exercises,
        chain=chain,
        step=step,
        goal=goal,
        section="§3",
    )


def _exercises_at(lib: Library, chain: str, step: int, *, avoid_gt: bool) -> tuple[str, ...]:
    """The chain's exercises at `step`, stepping back while all of them are to be avoided."""
    for s in range(step, 0, -1):
        found = tuple(
            e.slug
            for e in lib.chain_exercises(chain, s)
            if not (
                avoid_gt
                and (e.avoid_early_for(GLUTEAL_TENDINOPATHY) or e.slug in gt.AVOID_WEEKS_1_TO_8)
            )
        )
        if found:
            return found
    return ()


def _as_findings(findings: Iterable[Finding] | Mapping[str, Any]) -> list[Finding]:
    if isinstance(findings, Mapping):
        return [Finding(code=k, value=v) for k, v in findings.items()]
    return list(findings)


def _is_gt(code: FindingCode, value: Any) -> bool:
    if code == FindingCode.CONDITION:
        return bool(value == GLUTEAL_TENDINOPATHY)
    if code == FindingCode.SINGLE_LEG_STANCE_PAIN:
        return _number(code, value) >= SINGLE_LEG_STANCE_PAIN_POSITIVE
    if code == FindingCode.LATERAL_HIP_CLUSTER:
        return _choice(code, value, {"met": "met", "not_met": None}) is not None
    return False


def _no_exercise_hit(code: FindingCode, value: Any) -> bool:
    if code == FindingCode.SIJ_CLUSTER:
        return _choice(code, value, {"positive": "positive", "negative": None}) is not None
    return _truthy(value)


def _trunk_hit(code: FindingCode, value: Any) -> str | None:
    """The §14.2 row a trunk finding belongs to, or None when it is normal (or not one)."""
    match code:
        case FindingCode.SIDE_BRIDGE_RATIO:
            low, high = SIDE_BRIDGE_RATIO_RANGE
            ratio = _number(code, value)
            return "lateral" if ratio < low or ratio > high else None
        case FindingCode.SIDE_BRIDGE_EXTENSION:
            return "lateral" if _number(code, value) > SIDE_BRIDGE_EXTENSION_ABOVE else None
        case FindingCode.FLEXION_EXTENSION:
            return "extensor" if _number(code, value) > FLEXION_EXTENSION_ABOVE else None
        case FindingCode.LOW_FLEXOR_ENDURANCE:
            return "flexor" if _truthy(value) else None
        case FindingCode.SINGLE_LEG_BRIDGE_REPS:
            poor = _number(code, value) < SINGLE_LEG_BRIDGE_POOR_BELOW
            return "single_leg_bridge" if poor else None
        case FindingCode.TRUNK_ROTATION_CONTROL:
            grade = _choice(code, value, {"good": None, "poor": "poor"})
            return None if grade is None else "rotation"
    return None


def _chain_hit(code: FindingCode, value: Any) -> tuple[str, str] | None:
    """(chain, severity) for a finding that points at a chain; None when it is normal."""
    match code:
        case FindingCode.TRENDELENBURG:
            grade = _choice(
                code,
                "positive" if value is True else "negative" if value is False else value,
                {
                    "negative": None,
                    "positive_delayed": "mild",
                    "positive": "moderate",
                    "zero_time": "marked",
                },
            )
            return None if grade is None else ("abductor", grade)
        case (
            FindingCode.HIP_ABDUCTION_LSI
            | FindingCode.HIP_EXTENSION_LSI
            | FindingCode.HIP_EXTERNAL_ROTATION_LSI
            | FindingCode.SINGLE_LEG_BRIDGE_LSI
        ):
            grade = _lsi_grade(_number(code, value))
            chain = _LSI_CHAINS[code]
            return None if grade is None else (chain, grade)
        case FindingCode.HIP_EXTERNAL_ROTATION_PCT_BW:
            at_risk = _number(code, value) <= EXTERNAL_ROTATION_PCT_BW_AT_RISK
            return ("abductor", "moderate") if at_risk else None
        case FindingCode.FPPA_ABOVE_REFERENCE:
            _number(code, value)
            return ("functional-single-leg", "mild")
        case FindingCode.FPPA_SIDE_DIFFERENCE:
            apart = _number(code, value) > FPPA_DIFFERENCE_ABOVE
            return ("functional-single-leg", "mild") if apart else None
        case FindingCode.Y_BALANCE_COMPOSITE:
            low = _number(code, value) < Y_BALANCE_COMPOSITE_BELOW
            return ("functional-single-leg", "mild") if low else None
        case FindingCode.Y_BALANCE_ANTERIOR_DIFFERENCE:
            apart = _number(code, value) > Y_BALANCE_ANTERIOR_ABOVE
            return ("functional-single-leg", "mild") if apart else None
        case FindingCode.HIP_ABDUCTION_PCT_BW:
            at_risk = _number(code, value) <= ABDUCTION_PCT_BW_AT_RISK
            return ("abductor", "mild") if at_risk else None
        case FindingCode.CONTRALATERAL_PELVIC_DROP:
            return ("abductor", "mild") if _truthy(value) else None
        case FindingCode.GLUTEAL_ACTIVATION:
            grade = _choice(code, value, {"good": None, "poor": "marked"})
            return None if grade is None else ("extensor", grade)
        case FindingCode.SINGLE_LEG_SQUAT:
            grade = _choice(code, value, {"good": None, "fair": "mild", "poor": "moderate"})
            return None if grade is None else ("functional-single-leg", grade)
        case FindingCode.LATERAL_STEP_DOWN:
            score = _number(code, value)
            if not 0 <= score <= 6:
                raise ValueError("The lateral step-down score runs from 0 to 6.")
            if score >= STEP_DOWN_POOR_MIN:
                return ("functional-single-leg", "moderate")
            if score >= STEP_DOWN_MODERATE_MIN:
                return ("functional-single-leg", "mild")
            return None
        case FindingCode.DYNAMIC_KNEE_VALGUS:
            return ("functional-single-leg", "mild") if _truthy(value) else None
    return None


_LSI_CHAINS: Mapping[FindingCode, str] = {
    FindingCode.HIP_ABDUCTION_LSI: "abductor",
    FindingCode.HIP_EXTENSION_LSI: "extensor",
    # External rotation: the clam's deep rotators sit in the abductor chain (§3, E04).
    FindingCode.HIP_EXTERNAL_ROTATION_LSI: "abductor",
    FindingCode.SINGLE_LEG_BRIDGE_LSI: "extensor",
}


def _lsi_grade(lsi: float) -> str | None:
    if lsi < LSI_MARKED_BELOW:
        return "marked"
    if lsi < LSI_MODERATE_BELOW:
        return "moderate"
    if lsi < LSI_TARGET:
        return "mild"
    return None


def _choice(code: FindingCode, value: Any, grades: Mapping[str, str | None]) -> str | None:
    if value not in grades:
        raise ValueError(f"{code.value} must be one of {', '.join(grades)}.")
    return grades[value]


def _number(code: FindingCode, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{code.value} needs a number.")
    return float(value)


def _truthy(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Expected true or false.")
    return value


# --- Wording -------------------------------------------------------------------------------

_LABELS = {
    FindingCode.TRENDELENBURG: "Trendelenburg test {value}",
    FindingCode.HIP_ABDUCTION_LSI: "hip abduction LSI {value:g} % (target 90 % or more)",
    FindingCode.HIP_ABDUCTION_PCT_BW: "hip abduction {value:g} %BW (at or below 35.4 %BW)",
    FindingCode.CONTRALATERAL_PELVIC_DROP: "contralateral pelvic drop",
    FindingCode.HIP_EXTENSION_LSI: "hip extension LSI {value:g} % (target 90 % or more)",
    FindingCode.GLUTEAL_ACTIVATION: "{value} gluteal activation",
    FindingCode.SINGLE_LEG_SQUAT: "single-leg squat rated {value}",
    FindingCode.LATERAL_STEP_DOWN: "lateral step-down score {value}/6",
    FindingCode.DYNAMIC_KNEE_VALGUS: "dynamic knee valgus",
    FindingCode.SINGLE_LEG_STANCE_PAIN: "30-s single-leg stance test positive ({value}/10 pain)",
    FindingCode.HANGS_INTO_HIP: "hangs into one hip when standing",
    FindingCode.LATERAL_HIP_CLUSTER: "lateral hip provocation cluster {value}",
    FindingCode.HIP_EXTERNAL_ROTATION_LSI: "hip external rotation LSI {value:g} % (target 90 % "
    "or more)",
    FindingCode.HIP_EXTERNAL_ROTATION_PCT_BW: "hip external rotation {value:g} %BW (at or "
    "below 20.3 %BW)",
    FindingCode.FPPA_ABOVE_REFERENCE: "FPPA {value:g}° above the reference",
    FindingCode.FPPA_SIDE_DIFFERENCE: "FPPA sides {value:g}° apart",
    FindingCode.Y_BALANCE_COMPOSITE: "Y-balance composite {value:g} % (under 94 %)",
    FindingCode.Y_BALANCE_ANTERIOR_DIFFERENCE: "Y-balance anterior reach {value:g} cm apart",
    FindingCode.SINGLE_LEG_BRIDGE_REPS: "single-leg bridge {value:g} reps (under 20)",
    FindingCode.SINGLE_LEG_BRIDGE_LSI: "single-leg bridge LSI {value:g} % (target 90 % or more)",
    FindingCode.SIDE_BRIDGE_RATIO: "side bridge right:left {value:g} (outside 0.95–1.05)",
    FindingCode.SIDE_BRIDGE_EXTENSION: "side bridge:extension {value:g} (above 0.75)",
    FindingCode.FLEXION_EXTENSION: "flexion:extension {value:g} (above 1.0)",
    FindingCode.LOW_FLEXOR_ENDURANCE: "low trunk flexor endurance",
    FindingCode.TRUNK_ROTATION_CONTROL: "{value} trunk control under rotation",
    FindingCode.FALLS_RISK: "falls-risk findings",
    FindingCode.SIJ_CLUSTER: "sacroiliac provocation cluster {value}",
    FindingCode.RESTING_VITALS: "resting blood pressure or heart rate above the limits",
}


def finding_label(f: Finding) -> str:
    """A finding in plain words, e.g. 'Trendelenburg test positive (left)'."""
    code = FindingCode(f.code)
    if code == FindingCode.CONDITION:
        text = "gluteal tendinopathy" if f.value == GLUTEAL_TENDINOPATHY else str(f.value)
    else:
        value = f.value.replace("_", " ") if isinstance(f.value, str) else f.value
        text = _LABELS[code].format(value=value)
    return f"{text} ({f.side})" if f.side else text


_PATIENT_LABELS = {
    FindingCode.TRENDELENBURG: "your pelvis dropped when you stood on one leg",
    FindingCode.HIP_ABDUCTION_LSI: "the muscles at the side of your hip were weaker on one "
    "side ({value:g} % of the other side)",
    FindingCode.HIP_ABDUCTION_PCT_BW: "the muscles at the side of your hip were weak for "
    "your body weight",
    FindingCode.CONTRALATERAL_PELVIC_DROP: "your pelvis dipped on the other side when you "
    "stood or stepped on one leg",
    FindingCode.HIP_EXTENSION_LSI: "your buttock muscles were weaker on one side "
    "({value:g} % of the other side)",
    FindingCode.GLUTEAL_ACTIVATION: "your buttock muscles were slow to switch on",
    FindingCode.SINGLE_LEG_SQUAT: "your control in a one-leg squat can improve",
    FindingCode.LATERAL_STEP_DOWN: "your hip and knee control stepping down from a step can "
    "improve",
    FindingCode.DYNAMIC_KNEE_VALGUS: "your knee moved inwards when you squatted or stepped",
    FindingCode.SINGLE_LEG_STANCE_PAIN: "standing on one leg brought on your hip pain",
    FindingCode.HANGS_INTO_HIP: "you tend to stand with your weight hanging into one hip",
    FindingCode.LATERAL_HIP_CLUSTER: "the tests of the side of your hip brought on your pain",
    FindingCode.HIP_EXTERNAL_ROTATION_LSI: "the muscles that turn your hip outwards were "
    "weaker on one side ({value:g} % of the other side)",
    FindingCode.HIP_EXTERNAL_ROTATION_PCT_BW: "the muscles that turn your hip outwards were "
    "weak for your body weight",
    FindingCode.FPPA_ABOVE_REFERENCE: "your knee moved inwards when you squatted on one leg",
    FindingCode.FPPA_SIDE_DIFFERENCE: "your knee moved differently on each side when you "
    "squatted on one leg",
    FindingCode.Y_BALANCE_COMPOSITE: "your balance when reaching on one leg can improve",
    FindingCode.Y_BALANCE_ANTERIOR_DIFFERENCE: "you reached forwards less on one leg",
    FindingCode.SINGLE_LEG_BRIDGE_REPS: "your one-leg bridge tired quickly",
    FindingCode.SINGLE_LEG_BRIDGE_LSI: "your one-leg bridge was weaker on one side "
    "({value:g} % of the other side)",
    FindingCode.SIDE_BRIDGE_RATIO: "your side plank lasted longer on one side",
    FindingCode.SIDE_BRIDGE_EXTENSION: "your side muscles tired out of step with your back muscles",
    FindingCode.FLEXION_EXTENSION: "your back muscles tired sooner than your tummy muscles",
    FindingCode.LOW_FLEXOR_ENDURANCE: "your tummy muscles tired quickly",
    FindingCode.TRUNK_ROTATION_CONTROL: "holding your trunk steady against twisting can improve",
    FindingCode.FALLS_RISK: "your balance and walking tests show a higher chance of falling",
    FindingCode.SIJ_CLUSTER: "the tests of your lower back and pelvis brought on your pain",
    FindingCode.RESTING_VITALS: "your blood pressure or heart rate at rest was high",
}
"""What a finding means, said to the patient (no test names, abbreviations or units they
would not know); the clinician's words are `_LABELS`."""


def patient_finding_label(f: Finding) -> str:
    """A finding as the patient reads it in "why it is in your programme", e.g. "your pelvis
    dropped when you stood on one leg (left leg)"."""
    code = FindingCode(f.code)
    if code == FindingCode.CONDITION:
        if f.value == GLUTEAL_TENDINOPATHY:
            return "pain at the side of your hip from the tendons there (gluteal tendinopathy)"
        return str(f.value).replace("_", " ")
    try:
        value = float(f.value)
    except (TypeError, ValueError):
        value = 0.0  # only the LSI wordings show the value, and theirs is a number
    text = _PATIENT_LABELS[code].format(value=round(value, 1))
    return f"{text} ({f.side} side)" if f.side else text


def _describe(findings: Iterable[Finding]) -> str:
    return "; ".join(finding_label(f) for f in findings)
