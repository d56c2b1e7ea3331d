"""From an assessment's values to the plain findings and conditions the rules read.

`suggestions.suggestions_from_findings` and the exercise cautions speak the library's
vocabulary (`suggestions.FindingCode`, library condition codes); an assessment stores the
battery's values (`(test, side, measure) -> value`), observed findings by side, its flags
and its own condition codes (`vocabulary.Condition`). This module translates, and decides
where a value counts (hip %BW only in its ACL context, CLINICAL.md §13.3). Pure: plain
values in; `prescriptions.assessments.findings.assessment_findings` reads an Assessment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from prescriptions.library.shipped import GLUTEAL_TENDINOPATHY
from prescriptions.rules import acl
from prescriptions.rules.suggestions import Finding, FindingCode
from prescriptions.vocabulary import SIDES, Condition
from prescriptions.vocabulary import Finding as Observed

Values = Mapping[tuple[str, str, str], Decimal | str]
"""(test, side, measure) -> recorded or derived value, as stored in Measurement rows."""

LIBRARY_CONDITIONS: Mapping[str, str] = {
    Condition.ACL: "acl",
    Condition.LATERAL_HIP: GLUTEAL_TENDINOPATHY,
    Condition.SIJ: "sij_dysfunction",
    Condition.LOW_BACK: "low_back_pain",
    Condition.PATELLOFEMORAL: "patellofemoral_pain",
    Condition.TKR: "tka",
    Condition.THR: "tha",
    Condition.HIP_OA: "hip_oa",
    Condition.ITB: "itb_syndrome",
    Condition.PLANTAR_FASCIITIS: "plantar_fasciitis",
    Condition.OTHER_OVERUSE: "overuse",
}
"""An assessment's condition code -> the exercise library's code for the same condition."""

_OBSERVED: Mapping[str, tuple[FindingCode, object]] = {
    Observed.CONTRALATERAL_PELVIC_DROP: (FindingCode.CONTRALATERAL_PELVIC_DROP, True),
    Observed.DYNAMIC_KNEE_VALGUS: (FindingCode.DYNAMIC_KNEE_VALGUS, True),
    Observed.POOR_GLUTEAL_ACTIVATION: (FindingCode.GLUTEAL_ACTIVATION, "poor"),
}
"""Observed findings (per side) that the suggestion rules read."""

_ACTIVATION = {"good": "good", "weak": "poor", "absent": "poor"}


def library_conditions(conditions: Iterable[str]) -> list[str]:
    """The library codes of an assessment's conditions (unknown codes are dropped)."""
    return [LIBRARY_CONDITIONS[c] for c in conditions if c in LIBRARY_CONDITIONS]


def _number(value: Decimal | str | None) -> float | None:
    return float(value) if isinstance(value, Decimal) else None


def _text(value: Decimal | str | None) -> str | None:
    return value if isinstance(value, str) and value else None


def findings_from_values(
    *,
    conditions: Iterable[str],
    values: Values,
    observed: Mapping[str, Iterable[str]],
    flags: Iterable[str] = (),
) -> list[Finding]:
    """Findings for the suggestion rules, in a fixed order, each with its side.

    1. Lateral hip pain / gluteal tendinopathy (the condition) is the GT finding.
    2. From the battery: Trendelenburg result, a positive 30 s single-leg stance pain test
       (with its pain score), the lateral hip cluster, abduction, extension and
       external-rotation LSI, abduction and external-rotation %BW only in their ACL
       context (CLINICAL.md §13.3), single-leg squat rating, FPPA side difference, lateral
       step-down total, gluteal activation, hanging into one hip, single-leg bridge reps
       and LSI, Y-balance composite and anterior difference, the trunk endurance ratios,
       the sacroiliac cluster.
    3. From the stored threshold `flags` (codes): FPPA above the reference for the
       patient's sex, single-leg stance falls risk, resting blood pressure or heart rate.
    4. Observed findings: contralateral pelvic drop, dynamic knee valgus, poor activation.
    Missing values give nothing; a normal value is passed on (the rules ignore it).
    """
    chosen = set(conditions)
    raised = set(flags)
    found: list[Finding] = []
    if Condition.LATERAL_HIP in chosen:
        found.append(Finding(FindingCode.CONDITION, GLUTEAL_TENDINOPATHY))
    for side in SIDES:
        if result := _text(values.get(("trendelenburg", side, "result"))):
            found.append(Finding(FindingCode.TRENDELENBURG, result, side=str(side)))
    for side in SIDES:
        pain = _number(values.get(("sls_pain", side, "pain_nprs")))
        if values.get(("sls_pain", side, "result")) == "positive" and pain is not None:
            found.append(Finding(FindingCode.SINGLE_LEG_STANCE_PAIN, pain, side=str(side)))
    for side in SIDES:
        if cluster := _text(values.get(("lateral_hip_provocation", side, "cluster"))):
            found.append(Finding(FindingCode.LATERAL_HIP_CLUSTER, cluster, side=str(side)))
    for test, code in (
        ("hhd_abduction", FindingCode.HIP_ABDUCTION_LSI),
        ("hhd_extension", FindingCode.HIP_EXTENSION_LSI),
        ("hhd_external_rotation", FindingCode.HIP_EXTERNAL_ROTATION_LSI),
        ("single_leg_bridge", FindingCode.SINGLE_LEG_BRIDGE_LSI),
    ):
        if (lsi := _number(values.get((test, "", "lsi")))) is not None:
            found.append(Finding(code, lsi))
    found += _acl_strength(chosen, values)
    for side in SIDES:
        if rating := _text(values.get(("single_leg_squat", side, "rating"))):
            found.append(Finding(FindingCode.SINGLE_LEG_SQUAT, rating, side=str(side)))
    if (diff := _number(values.get(("single_leg_squat", "", "fppa_diff")))) is not None:
        found.append(Finding(FindingCode.FPPA_SIDE_DIFFERENCE, diff))
    if raised & {"fppa_above_female_reference", "fppa_above_male_reference"}:
        for side in SIDES:
            if (fppa := _number(values.get(("single_leg_squat", side, "fppa_deg")))) is not None:
                found.append(Finding(FindingCode.FPPA_ABOVE_REFERENCE, fppa, side=str(side)))
    for side in SIDES:
        total = values.get(("lateral_step_down", side, "total"))
        total = total if total is not None else values.get(("lateral_step_down", side, "score"))
        if isinstance(total, Decimal):
            found.append(Finding(FindingCode.LATERAL_STEP_DOWN, int(total), side=str(side)))
    for side in SIDES:
        quality = _text(values.get(("gluteal_activation", side, "quality")))
        if quality in _ACTIVATION:
            found.append(Finding(FindingCode.GLUTEAL_ACTIVATION, _ACTIVATION[quality], str(side)))
    for side in SIDES:
        if values.get(("hip_hang", side, "hangs")) == "yes":
            found.append(Finding(FindingCode.HANGS_INTO_HIP, True, side=str(side)))
    for side in SIDES:
        if (reps := _number(values.get(("single_leg_bridge", side, "reps")))) is not None:
            found.append(Finding(FindingCode.SINGLE_LEG_BRIDGE_REPS, reps, side=str(side)))
    for side in SIDES:
        if (composite := _number(values.get(("y_balance", side, "composite")))) is not None:
            found.append(Finding(FindingCode.Y_BALANCE_COMPOSITE, composite, side=str(side)))
    if (reach := _number(values.get(("y_balance", "", "anterior_diff")))) is not None:
        found.append(Finding(FindingCode.Y_BALANCE_ANTERIOR_DIFFERENCE, reach))
    if (ratio := _number(values.get(("side_bridge", "", "ratio_r_l")))) is not None:
        found.append(Finding(FindingCode.SIDE_BRIDGE_RATIO, ratio))
    if (flex := _number(values.get(("side_bridge", "", "flexion_extension")))) is not None:
        found.append(Finding(FindingCode.FLEXION_EXTENSION, flex))
    for side in SIDES:
        if (side_ext := _number(values.get(("side_bridge", side, "side_extension")))) is not None:
            found.append(Finding(FindingCode.SIDE_BRIDGE_EXTENSION, side_ext, side=str(side)))
    if cluster := _text(values.get(("sij_provocation", "", "cluster"))):
        found.append(Finding(FindingCode.SIJ_CLUSTER, cluster))
    if "unipedal_stance_falls_risk" in raised:
        found.append(Finding(FindingCode.FALLS_RISK, True))
    if any(code.startswith(("resting_sbp", "resting_dbp", "resting_hr")) for code in raised):
        found.append(Finding(FindingCode.RESTING_VITALS, True))
    for observed_code, (code, value) in _OBSERVED.items():
        for side in SIDES:
            if side in set(observed.get(observed_code, ())):
                found.append(Finding(code, value, side=str(side)))
    return found


def _acl_strength(conditions: set[str], values: Values) -> list[Finding]:
    """Abduction and external-rotation %BW, only where CLINICAL.md §13.3 lets them count:
    for an ACL patient, at Khayambashi's cut-offs when tested in the paper's positions
    (screening), else abduction under 33 %BW (after a reconstruction, which the screens
    do not record yet). Every other patient's %BW is judged by the LSI instead."""
    if Condition.ACL not in conditions:
        return []
    found: list[Finding] = []
    side_lying = values.get(("hhd_abduction", "", "position")) == "side_lying"
    prone = values.get(("hhd_external_rotation", "", "position")) == "prone"
    for side in SIDES:
        pct = _number(values.get(("hhd_abduction", side, "pct_bw")))
        cutoff = acl.KHAYAMBASHI_ABDUCTION.value if side_lying else None
        if pct is not None and (
            (cutoff is not None and pct <= cutoff) or pct < acl.POST_ACLR_ABDUCTION.value
        ):
            found.append(Finding(FindingCode.HIP_ABDUCTION_PCT_BW, pct, side=str(side)))
    for side in SIDES:
        pct = _number(values.get(("hhd_external_rotation", side, "pct_bw")))
        if prone and pct is not None and pct <= acl.KHAYAMBASHI_ER.value:
            found.append(Finding(FindingCode.HIP_EXTERNAL_ROTATION_PCT_BW, pct, side=str(side)))
    return found
