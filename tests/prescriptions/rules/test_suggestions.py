"""Suggestions from assessment findings (CLINICAL.md §1, §3, §4.4, §12.7, §14.2, §15).
No DB."""

import pytest

from prescriptions.library.shipped import GLUTEAL_TENDINOPATHY, default_library
from prescriptions.rules import gt as gt_rules
from prescriptions.rules.dosing import Goal
from prescriptions.rules.suggestions import (
    COVERAGE,
    Finding,
    FindingCode,
    SuggestionKind,
    finding_label,
    patient_finding_label,
    suggestions_from_findings,
)

lib = default_library()
LEAP_WEEK_1 = (
    "supine-isometric-hip-abduction",
    "standing-isometric-hip-abduction",
    "glute-bridge",
    "squat",
    "lateral-band-walk",
)


def only(suggestions, kind=SuggestionKind.ADD_EXERCISES):
    found = [s for s in suggestions if s.kind == kind]
    assert len(found) == 1, suggestions
    return found[0]


def test_a_positive_trendelenburg_suggests_the_abductor_chain_and_says_so():
    finding = Finding(FindingCode.TRENDELENBURG, "positive", side="left")
    s = only(suggestions_from_findings([finding]))
    # CLINICAL.md §16.1: standing band abduction now comes before the clam.
    assert (s.chain, s.step, s.exercises) == ("abductor", 3, ("standing-hip-abduction",))
    assert s.because == (finding,)
    assert "Trendelenburg test positive (left)" in s.reason


@pytest.mark.parametrize(
    ("lsi", "step", "goal"),
    [(65, 1, Goal.EARLY_REHAB), (75, 3, None), (85, 6, None)],
)
def test_abduction_lsi_below_90_enters_the_abductor_chain_at_a_fitting_level(lsi, step, goal):
    s = only(suggestions_from_findings({"hip_abduction_lsi": lsi}))
    assert (s.chain, s.step, s.goal) == ("abductor", step, goal)
    assert s.exercises == tuple(e.slug for e in lib.chain_exercises("abductor", step))
    assert f"LSI {lsi} %" in s.reason


def test_normal_findings_suggest_nothing():
    normal = [
        Finding("hip_abduction_lsi", 90),
        Finding("trendelenburg", "negative"),
        Finding("single_leg_squat", "good"),
        Finding("lateral_step_down", 1),
        Finding("single_leg_stance_pain", 1),
        Finding("hangs_into_hip", False),
        Finding("condition", "acl"),
    ]
    assert suggestions_from_findings(normal) == []


def test_findings_for_one_chain_merge_and_start_at_the_most_marked():
    trendelenburg = Finding("trendelenburg", "positive_delayed", side="right")
    lsi = Finding("hip_abduction_lsi", 68.5)
    s = only(suggestions_from_findings([trendelenburg, lsi]))
    assert s.step == 1
    assert s.because == (lsi, trendelenburg)
    assert "LSI 68.5 %" in s.reason and "positive delayed (right)" in s.reason


def test_a_poor_single_leg_squat_suggests_the_functional_single_leg_chain():
    s = only(suggestions_from_findings([Finding("single_leg_squat", "poor", side="right")]))
    assert s.chain == "functional-single-leg"
    assert s.exercises == ("offset-squat",)
    assert "single-leg squat rated poor (right)" in s.reason


def test_a_poor_step_down_also_suggests_the_functional_chain():
    s = only(suggestions_from_findings({"lateral_step_down": 4}))
    assert (s.chain, s.step) == ("functional-single-leg", 4)


def test_weak_extensors_suggest_the_extensor_chain():
    s = only(suggestions_from_findings({"hip_extension_lsi": 82}))
    assert (s.chain, s.exercises) == ("extensor", ("offset-bridge",))


def test_gluteal_tendinopathy_suggests_leap_week_1_not_only_isometrics_and_flags_compression():
    # Issue 12 point 9: the isometrics alone used to be suggested; LEAP's first week also
    # has the double-leg bridge, the squat and side-stepping (CLINICAL.md §9.1, §15.1).
    gt = Finding(FindingCode.CONDITION, GLUTEAL_TENDINOPATHY)
    suggestions = suggestions_from_findings([gt])
    add = only(suggestions)
    assert add.exercises == LEAP_WEEK_1
    assert add.goal == Goal.GT_LOAD_MANAGEMENT
    assert add.because == (gt,)
    assert "gluteal tendinopathy" in add.reason and add.title == "LEAP programme, stage 1"
    avoid = only(suggestions, SuggestionKind.AVOID)
    early = {e.slug for e in lib.avoid_early(GLUTEAL_TENDINOPATHY)}
    # The library's early-stage cautions are the §15.2 list.
    assert set(avoid.exercises) == early == set(gt_rules.AVOID_WEEKS_1_TO_8)
    assert any("cross-legged" in p for p in avoid.positions)
    assert any("hanging" in p for p in avoid.positions)
    assert any("pillow between the knees" in p for p in avoid.positions)
    assert avoid.because == (gt,)


def test_later_leap_stages_add_the_offset_and_single_leg_biased_work():
    gt = Finding(FindingCode.CONDITION, GLUTEAL_TENDINOPATHY)
    week_2 = only(suggestions_from_findings([gt], gt_stage=2))
    assert {"offset-bridge", "offset-squat"} <= set(week_2.exercises)
    assert "leap-sliding-abduction" not in week_2.exercises
    # Weeks 3-8 add the supervised sliding abduction and wall-assisted single-leg stance
    # (CLINICAL.md §9.1, §15.1).
    week_3 = only(suggestions_from_findings([gt], gt_stage=3))
    assert week_3.exercises[-2:] == ("leap-sliding-abduction", "wall-assisted-single-leg-stance")


@pytest.mark.parametrize(
    "finding",
    [
        Finding("single_leg_stance_pain", 3, side="left"),
        Finding("lateral_hip_cluster", "met", side="right"),
    ],
)
def test_a_positive_gt_test_counts_as_gluteal_tendinopathy(finding):
    add = only(suggestions_from_findings([finding]))
    assert add.exercises == LEAP_WEEK_1
    assert finding_label(finding) in add.reason


def test_with_gluteal_tendinopathy_other_findings_join_the_leap_start():
    gt = Finding("condition", GLUTEAL_TENDINOPATHY)
    lsi = Finding("hip_abduction_lsi", 85)
    squat = Finding("single_leg_squat", "poor")
    suggestions = suggestions_from_findings([lsi, squat, gt])
    leap, functional, avoid = suggestions
    assert leap.because == (gt, lsi)
    assert functional.goal == Goal.GT_LOAD_MANAGEMENT
    assert avoid.kind == SuggestionKind.AVOID
    compressive = set(avoid.exercises)
    assert not (set(leap.exercises) | set(functional.exercises)) & compressive


# --- Low back pain (§14.2), falls (§12.7) and findings no exercise follows from ----------


@pytest.mark.parametrize(
    ("finding", "first", "dose"),
    [
        (Finding("side_bridge_ratio", 0.8), "side-plank", "reverse pyramid"),
        (Finding("side_bridge_ratio", 1.06), "side-plank", "reverse pyramid"),
        (Finding("side_bridge_extension", 0.76), "side-plank", "reverse pyramid"),
        (Finding("flexion_extension", 1.01), "bird-dog", "6-4-2"),
        (Finding("single_leg_bridge_reps", 19, side="left"), "single-leg-bridge", "more than 25"),
    ],
)
def test_low_back_findings_suggest_trunk_exercises_with_their_dose(finding, first, dose):
    # Issue 12 point 8: these produced no suggestion at all.
    s = only(suggestions_from_findings([finding]))
    assert s.exercises[0] == first
    assert dose in s.dose and s.section == "§14.2"


@pytest.mark.parametrize(
    "finding",
    [
        Finding("side_bridge_ratio", 0.95),
        Finding("side_bridge_ratio", 1.05),
        Finding("side_bridge_extension", 0.75),
        Finding("flexion_extension", 1.0),
        Finding("single_leg_bridge_reps", 20),
    ],
)
def test_trunk_values_at_the_edge_suggest_nothing(finding):
    assert suggestions_from_findings([finding]) == []


@pytest.mark.parametrize(
    ("finding", "exercises"),
    [
        (Finding("low_flexor_endurance", True), ("mcgill-curl-up", "dead-bug")),
        (Finding("trunk_rotation_control", "poor"), ("pallof-press",)),
    ],
)
def test_the_flexor_and_rotation_rows_suggest_the_trunk_exercises_of_section_14_2(
    finding, exercises
):
    s = only(suggestions_from_findings([finding]))
    assert s.exercises == exercises  # McGill curl-up -> dead bug; Pallof press (§14.2)
    assert s.dose


def test_falls_risk_suggests_balance_and_lower_limb_strength():
    s = only(suggestions_from_findings([Finding("falls_risk", True)]))
    assert "sit-to-stand" in s.exercises and "forward-step-up" in s.exercises


@pytest.mark.parametrize(
    "finding", [Finding("sij_cluster", "positive"), Finding("resting_vitals", True)]
)
def test_some_findings_say_no_exercise_follows(finding):
    s = only(suggestions_from_findings([finding]), SuggestionKind.NO_EXERCISE)
    assert "no exercise follows" in s.reason.lower() or "not an exercise choice" in s.reason


def test_every_battery_threshold_maps_to_a_finding_the_rules_read():
    from prescriptions.rules.thresholds import THRESHOLDS

    assert {t.code for t in THRESHOLDS} == set(COVERAGE)


def test_hanging_into_one_hip_alone_asks_for_education_on_positions():
    habit = Finding("hangs_into_hip", True, side="right")
    s = only(suggestions_from_findings([habit]), SuggestionKind.EDUCATION)
    assert s.exercises == ()
    assert s.positions and s.because == (habit,)
    assert "hangs into one hip when standing (right)" in s.reason


def test_every_suggestion_names_each_of_its_findings():
    findings = [
        Finding("trendelenburg", "zero_time", side="left"),
        Finding("contralateral_pelvic_drop", True),
        Finding("hip_abduction_pct_bw", 30.2, side="left"),
        Finding("gluteal_activation", "poor"),
        Finding("dynamic_knee_valgus", True, side="right"),
        Finding("single_leg_squat", "fair"),
        Finding("single_leg_stance_pain", 4),
        Finding("hangs_into_hip", True),
    ]
    suggestions = suggestions_from_findings(findings)
    used = [f for s in suggestions for f in s.because]
    assert set(used) == set(findings)
    for s in suggestions:
        for f in s.because:
            assert finding_label(f) in s.reason
            assert patient_finding_label(f)  # every finding has words for the patient too


@pytest.mark.parametrize(
    "findings",
    [
        [Finding("hip_flexion_lsi", 50)],
        [Finding("trendelenburg", "maybe")],
        [Finding("hip_abduction_lsi", "low")],
        [Finding("lateral_step_down", 7)],
        [Finding("hangs_into_hip", "yes")],
    ],
)
def test_unknown_codes_and_values_are_refused(findings):
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        suggestions_from_findings(findings)


def test_the_patient_reads_findings_without_clinical_shorthand():
    assert patient_finding_label(Finding("hip_abduction_lsi", 88.84)) == (
        "the muscles at the side of your hip were weaker on one side (88.8 % of the other side)"
    )
    assert patient_finding_label(Finding("trendelenburg", "positive", side="left")) == (
        "your pelvis dropped when you stood on one leg (left side)"
    )
