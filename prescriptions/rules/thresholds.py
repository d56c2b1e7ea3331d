"""Thresholds of the assessment battery and the flags they raise. Pure: no ORM, no clock.

`THRESHOLDS` lists every published cut-off a recorded or derived value of the battery is
judged against, each with its source and CLINICAL.md section; `flags(inputs, derived)`
returns the ones crossed, and `evaluate(inputs)` derives the values
(`prescriptions.assessments.derived`) and judges them in one call.

A threshold applies only where its population and protocol do (`CONTEXTS`): the
Khayambashi 2016 hip-strength cut-offs to ACL-injury-risk screening of an ACL patient not
operated on, in the paper's test positions (CLINICAL.md §13.3, correcting §1.6, and issue
12 point 6); the post-ACLR abduction figure to ACL patients; the single-leg stance falls
cut-off to people of 60 and older (§12.4). Flags compare the values as shown (rounded), so
what the clinician reads and what is flagged always agree.
"""

# ruff: noqa: RUF003 - clinical notation (×, ÷, −, en dashes) is intended

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from prescriptions.assessments.battery import TESTS
from prescriptions.assessments.derived import (
    ASSESSMENT,
    DerivedValue,
    Flag,
    Inputs,
    Key,
    Value,
    derive,
    format_value,
    with_unit,
)
from prescriptions.rules import falls
from prescriptions.rules.sources import Source
from prescriptions.vocabulary import SIDES, Condition, Side

ACL_RECONSTRUCTION = "acl_reconstruction"
"""The surgery procedure code of an ACL reconstruction (the case format's `surgery.procedure`)."""
OLDER_ADULT_AGE = falls.SINGLE_LEG_AGE
"""Vellas 1997 followed people of 60 and older (CLINICAL.md §12.4) [V]."""


@dataclass(frozen=True)
class Context:
    """Where a threshold applies, in words (for the documentation) and as a test."""

    text: str
    applies: Callable[[Inputs], bool]


def _test_value(inputs: Inputs, test: str, name: str) -> Value | None:
    return inputs.values.get((test, "", name))


def _acl(inputs: Inputs) -> bool:
    return Condition.ACL in inputs.conditions or inputs.surgery_procedure == ACL_RECONSTRUCTION


def _acl_screening(inputs: Inputs) -> bool:
    # Safer reading of §13.3: an ACL patient is screened only while no reconstruction is
    # known; the existing screens record no surgery, so an ACL patient counts as screening
    # there, and the test position must still be the paper's.
    return Condition.ACL in inputs.conditions and inputs.surgery_procedure != ACL_RECONSTRUCTION


def _post_aclr(inputs: Inputs) -> bool:
    # After ACLR (PMC8486405). Without a surgery record (the screens keep none yet) an ACL
    # patient may have had one, so the flag shows, worded for after reconstruction.
    if inputs.surgery_procedure:
        return inputs.surgery_procedure == ACL_RECONSTRUCTION
    return Condition.ACL in inputs.conditions


def _older_eyes_open(inputs: Inputs) -> bool:
    # Vellas timed standing on one leg unassisted, eyes open; eyes-closed times are far
    # shorter (§1.3), so they never raise this flag. No eyes recorded counts as open.
    eyes = _test_value(inputs, "unipedal_stance", "eyes")
    return inputs.age is not None and inputs.age >= OLDER_ADULT_AGE and eyes != "closed"


ACL = "acl"
NOT_ACL = "not_acl"
ACL_SCREENING_SIDE_LYING = "acl_screening_side_lying"
ACL_SCREENING_PRONE = "acl_screening_prone"
POST_ACLR = "post_aclr"
OLDER_ADULT_EYES_OPEN = "older_adult_eyes_open"

CONTEXTS: Mapping[str, Context] = {
    "": Context("every patient whose battery holds the test", lambda _inputs: True),
    ACL: Context(
        "ACL patients (the condition, or an ACL reconstruction): the ACL return-to-sport "
        "literature applies",
        _acl,
    ),
    NOT_ACL: Context(
        "every other patient: an asymmetry marker without the ACL citation", lambda i: not _acl(i)
    ),
    ACL_SCREENING_SIDE_LYING: Context(
        "ACL-injury-risk screening (ACL condition, no reconstruction recorded) with abduction "
        "tested side-lying, the paper's position [M for the exact position]",
        lambda i: _acl_screening(i) and _test_value(i, "hhd_abduction", "position") == "side_lying",
    ),
    ACL_SCREENING_PRONE: Context(
        "ACL-injury-risk screening (ACL condition, no reconstruction recorded) with external "
        "rotation tested prone, the paper's position [M for the exact position]",
        lambda i: (
            _acl_screening(i) and _test_value(i, "hhd_external_rotation", "position") == "prone"
        ),
    ),
    POST_ACLR: Context(
        "after ACL reconstruction (an ACL patient with no surgery recorded counts)", _post_aclr
    ),
    OLDER_ADULT_EYES_OPEN: Context(
        f"people of {OLDER_ADULT_AGE} or older, eyes open (or not recorded)", _older_eyes_open
    ),
}
"""Where each threshold applies, by `Threshold.context`."""


def _d(value: str) -> Decimal:
    return Decimal(value)


@dataclass(frozen=True)
class Threshold:
    """A published cut-off, shown as a flag with its source: never as a diagnosis.

    `op` is one of "<", "<=", ">", ">=", "outside" (value = (low, high): flag below low or
    above high), "from" (value = (low, high): low <= x < high) and "in" (value = the text
    results that raise the flag). `test` "assessment" means a field of the assessment
    itself (resting blood pressure and heart rate). `context` names an entry of
    `CONTEXTS`: the threshold applies only where its population and protocol do (the
    Khayambashi cut-offs to ACL-injury-risk screening in the paper's positions, §13.3).
    """

    code: str
    test: str
    measure: str
    op: str
    value: Decimal | tuple[Decimal, Decimal] | frozenset[str]
    label: str
    meaning: str
    source: Source
    conditions: frozenset[str] = frozenset()
    reference_sex: str = ""
    context: str = ""
    severity: str = "flag"  # "flag", or "stop" for a do-not-exercise-until-cleared value


_KHAYAMBASHI = Source("Khayambashi 2016 (501 athletes)", "V", "§1.6")
_LSI = Source("ACL return-to-sport batteries; Markström 2022", "V", "§1.6")
_PLISKY = Source("Plisky 2006 (high-school basketball)", "V", "§1.10")
_MCGILL = Source("McGill 1999", "V", "§1.7")
_FPPA = Source("Herrington 2014; Ghulam 2021 (control mean + 1 SD)", "derived rule", "§1.4")
_VITALS = Source("ACSM exercise-testing list; rehabilitation guidelines", "V", "§4.6")
_LSI_MEANING = (
    "A common return-to-sport target is 90% or more, but only 24% of uninjured athletes met it "
    "on every test: a flag, not a fail."
)
_ASYMMETRY = Source(
    "Side-to-side comparison (design principle 2); no condition-specific target",
    "derived rule",
    "§1.6",
)
_ASYMMETRY_MEANING = (
    "The involved (or weaker) side is more than 10% below the other: a marker of asymmetry "
    "to look at, not a validated cut-off for this condition. With gluteal tendinopathy both "
    "sides are often weak, so the other side is not a valid reference."
)


def _lsi_thresholds(test: str) -> tuple[Threshold, Threshold]:
    """LSI below 90%, cited from the ACL return-to-sport literature only where it applies
    (an ACL patient); elsewhere the same figure marks asymmetry, without the ACL citation
    (issue 12, point 10)."""
    code, label = f"{test}_lsi_below_90", "Limb symmetry index below 90%"
    return (
        Threshold(code, test, "lsi", "<", _d("90"), label, _LSI_MEANING, _LSI, context=ACL),
        Threshold(
            code, test, "lsi", "<", _d("90"), label, _ASYMMETRY_MEANING, _ASYMMETRY, context=NOT_ACL
        ),
    )


THRESHOLDS: tuple[Threshold, ...] = (
    Threshold(
        "abduction_bw_acl_risk",
        "hhd_abduction",
        "pct_bw",
        "<=",
        _d("35.4"),
        "Hip abduction at or below 35.4 %BW",
        "In pre-season screening of uninjured athletes, values at or below this predicted "
        "non-contact ACL injury (odds +12% per 1 %BW lower). Applies to ACL-injury-risk "
        "screening in side-lying only.",
        _KHAYAMBASHI,
        context=ACL_SCREENING_SIDE_LYING,
    ),
    Threshold(
        "abduction_bw_aclr",
        "hhd_abduction",
        "pct_bw",
        "<",
        _d("33"),
        "Hip abduction below 33 %BW after ACL reconstruction",
        "Associated with worse IKDC and ACL-RSI scores at return to activity.",
        Source("Post-ACLR cohort (PMC8486405)", "V", "§1.6"),
        context=POST_ACLR,
    ),
    Threshold(
        "external_rotation_bw_acl_risk",
        "hhd_external_rotation",
        "pct_bw",
        "<=",
        _d("20.3"),
        "Hip external rotation at or below 20.3 %BW",
        "In pre-season screening of uninjured athletes, values at or below this predicted "
        "non-contact ACL injury (odds +23% per 1 %BW lower). Applies to ACL-injury-risk "
        "screening tested prone only.",
        _KHAYAMBASHI,
        context=ACL_SCREENING_PRONE,
    ),
    *_lsi_thresholds("hhd_abduction"),
    *_lsi_thresholds("hhd_extension"),
    *_lsi_thresholds("hhd_external_rotation"),
    *_lsi_thresholds("single_leg_bridge"),
    Threshold(
        "single_leg_bridge_poor",
        "single_leg_bridge",
        "reps",
        "<",
        _d("20"),
        "Single-leg bridge below 20 repetitions",
        "Poor in AFL players; players later injured scored lower.",
        Source("Freckleton 2014", "V", "§1.8"),
    ),
    Threshold(
        "y_balance_composite_low",
        "y_balance",
        "composite",
        "<",
        _d("94"),
        "Y-balance composite below 94%",
        "About 3 times the injury risk in one cohort; later cohorts found no link, so it is "
        "a screen, not a predictor.",
        _PLISKY,
    ),
    Threshold(
        "y_balance_anterior_asymmetry",
        "y_balance",
        "anterior_diff",
        ">",
        _d("4"),
        "Anterior reach differs by more than 4 cm",
        "About 2.5 to 3 times the injury risk in one cohort; a screen, not a predictor.",
        _PLISKY,
    ),
    Threshold(
        "lateral_step_down_poor",
        "lateral_step_down",
        "total",
        ">=",
        _d("4"),
        "Lateral step-down score of 4 or more (poor)",
        "Poor movement quality on the Piva scale.",
        Source("Piva 2006", "V", "§1.5"),
    ),
    Threshold(
        "side_bridge_asymmetry",
        "side_bridge",
        "ratio_r_l",
        "outside",
        (_d("0.95"), _d("1.05")),
        "Right : left side bridge outside 0.95 to 1.05",
        "Side-to-side imbalance in lateral trunk endurance.",
        _MCGILL,
    ),
    Threshold(
        "flexion_extension_high",
        "side_bridge",
        "flexion_extension",
        ">",
        _d("1.0"),
        "Flexion : extension above 1.0",
        "Flexor endurance exceeds extensor endurance.",
        _MCGILL,
    ),
    Threshold(
        "side_extension_high",
        "side_bridge",
        "side_extension",
        ">",
        _d("0.75"),
        "Side bridge : extension above 0.75",
        "Lateral endurance out of proportion to extensor endurance.",
        _MCGILL,
    ),
    Threshold(
        "fppa_above_female_reference",
        "single_leg_squat",
        "fppa_deg",
        ">",
        _d("13.5"),
        "FPPA above 13.5° (female reference)",
        "Above the control mean + 1 SD (8.4 + 5.1°); women with patellofemoral pain "
        "averaged 16.8°. No validated cut-off exists.",
        _FPPA,
        reference_sex="female",
    ),
    Threshold(
        "fppa_above_male_reference",
        "single_leg_squat",
        "fppa_deg",
        ">",
        _d("12"),
        "FPPA above 12° (male reference)",
        "Above the control mean + 1 SD (about 7 + 5°). No validated cut-off exists.",
        _FPPA,
        reference_sex="male",
    ),
    Threshold(
        "fppa_side_difference",
        "single_leg_squat",
        "fppa_diff",
        ">",
        _d("6"),
        "FPPA differs by more than 6° between sides",
        "Larger than the measurement error of a single FPPA (MDC95 about 6 to 11°).",
        _FPPA,
    ),
    Threshold(
        "single_leg_squat_poor",
        "single_leg_squat",
        "rating",
        "in",
        frozenset({"poor"}),
        "Single-leg squat rated poor",
        "Poor performers had later gluteus medius onset and weaker hip abduction and side "
        "bridge than good performers.",
        Source("Crossley 2011", "V", "§1.4"),
    ),
    Threshold(
        "trendelenburg_positive",
        "trendelenburg",
        "result",
        "in",
        frozenset({"positive", "positive_delayed", "zero_time"}),
        "Trendelenburg test positive",
        "A screen of hip-abductor function; pair with dynamometry.",
        Source("Hardcastle & Nade 1985", "V", "§1.1"),
    ),
    Threshold(
        "sls_pain_positive",
        "sls_pain",
        "result",
        "in",
        frozenset({"positive"}),
        "30 s single-leg stance reproduced lateral hip pain",
        "Specificity 100%, LR+ about 12: helps rule gluteal tendinopathy in.",
        Source("Grimaldi 2017", "V", "§1.2"),
    ),
    Threshold(
        "lateral_hip_cluster_met",
        "lateral_hip_provocation",
        "cluster",
        "in",
        frozenset({"met"}),
        "Lateral hip provocation cluster met",
        "Pain on at least one provocation test plus tenderness: the LEAP trial's "
        "eligibility cluster for gluteal tendinopathy.",
        Source("LEAP trial eligibility cluster", "V", "§1.2"),
    ),
    Threshold(
        "sij_cluster_positive",
        "sij_provocation",
        "cluster",
        "in",
        frozenset({"positive"}),
        "Sacroiliac provocation cluster positive",
        "3 of 5 positive: sensitivity 91 to 94%, specificity 78% (LR+ about 4.2).",
        Source("Laslett cluster", "V", "§1.9"),
    ),
    Threshold(
        "hangs_into_hip",
        "hip_hang",
        "hangs",
        "in",
        frozenset({"yes"}),
        "Hangs into the hip in standing",
        "A compressive position for the gluteal tendons: consider load-management education.",
        Source("Observation item from the source articles", "observation", "§1.11"),
    ),
    Threshold(
        "unipedal_stance_falls_risk",
        "unipedal_stance",
        "time_s",
        "<",
        Decimal(str(falls.SINGLE_LEG.value)),
        "Single-leg stance under 5 s at 60 or older",
        "Inability to stand on one leg for 5 s was the only independent predictor of "
        "injurious falls in people 60 and older (RR 2.13): a falls-risk finding.",
        Source("Vellas 1997, JAGS 45:735 (n = 316, 60 y and older)", "V", "§12.4"),
        context=OLDER_ADULT_EYES_OPEN,
    ),
    Threshold(
        "resting_sbp_high",
        "assessment",
        "resting_sbp",
        "from",
        (_d("180"), _d("200")),
        "Resting systolic blood pressure 180 mmHg or higher",
        "Do not start or progress exercise.",
        _VITALS,
    ),
    Threshold(
        "resting_dbp_high",
        "assessment",
        "resting_dbp",
        "from",
        (_d("100"), _d("110")),
        "Resting diastolic blood pressure 100 mmHg or higher",
        "Do not start or progress exercise.",
        _VITALS,
    ),
    Threshold(
        "resting_sbp_stop",
        "assessment",
        "resting_sbp",
        ">=",
        _d("200"),
        "Resting systolic blood pressure 200 mmHg or higher",
        "Do not exercise until medically cleared.",
        _VITALS,
        severity="stop",
    ),
    Threshold(
        "resting_dbp_stop",
        "assessment",
        "resting_dbp",
        ">=",
        _d("110"),
        "Resting diastolic blood pressure 110 mmHg or higher",
        "Do not exercise until medically cleared.",
        _VITALS,
        severity="stop",
    ),
    Threshold(
        "resting_hr_high",
        "assessment",
        "resting_hr",
        ">",
        _d("100"),
        "Resting heart rate over 100 bpm",
        "A relative contraindication to exercise.",
        _VITALS,
    ),
)


def _crosses(threshold: Threshold, value: Value) -> bool:
    op, limit = threshold.op, threshold.value
    if op == "in":
        return isinstance(limit, frozenset) and value in limit
    if not isinstance(value, Decimal):
        return False
    if isinstance(limit, tuple):
        low, high = limit
        return value < low or value > high if op == "outside" else low <= value < high
    if not isinstance(limit, Decimal):
        return False
    return {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
    }[op]


ASSESSMENT_UNITS = {"resting_sbp": "mmHg", "resting_dbp": "mmHg", "resting_hr": "bpm"}


def _applies(th: Threshold, inputs: Inputs) -> bool:
    if th.test != ASSESSMENT and th.test not in inputs.battery:
        return False
    if th.conditions and not th.conditions & inputs.conditions:
        return False
    if th.reference_sex and th.reference_sex != inputs.reference_sex:
        return False
    return CONTEXTS[th.context].applies(inputs)


def flags(inputs: Inputs, derived: Sequence[DerivedValue]) -> list[Flag]:
    """Every threshold the recorded and derived values cross, in THRESHOLDS order, among
    those that apply to this patient and test protocol."""
    lookup: dict[Key, Value] = dict(inputs.values)
    lookup.update({(d.test, d.side, d.field): d.value for d in derived})
    for name, recorded in inputs.assessment_values.items():
        if recorded is not None:
            lookup[(ASSESSMENT, "", name)] = recorded
    found: list[Flag] = []
    for th in THRESHOLDS:
        if not _applies(th, inputs):
            continue
        spec = TESTS[th.test].spec(th.measure) if th.test in TESTS else None
        for side in (*SIDES, Side.TEST):
            value = lookup.get((th.test, side, th.measure))
            if value is None or not _crosses(th, value):
                continue
            shown = (
                format_value(spec, value)
                if spec is not None
                else with_unit(f"{value}", ASSESSMENT_UNITS.get(th.measure, ""))
            )
            found.append(
                Flag(
                    code=th.code,
                    test=th.test,
                    side=str(side),
                    label=th.label,
                    value=shown,
                    meaning=th.meaning,
                    source=str(th.source),
                    severity=th.severity,
                )
            )
    return found


def evaluate(inputs: Inputs) -> tuple[list[DerivedValue], list[Flag]]:
    """The derived values of one assessment and the flags they and the recorded values
    raise."""
    derived = derive(inputs)
    return derived, flags(inputs, derived)
