"""Suggestions from assessment findings (CLINICAL.md §1, §3, §4.4). No DB."""

import pytest

from prescriptions.library.shipped import GLUTEAL_TENDINOPATHY, default_library
from prescriptions.rules.dosing import Goal
from prescriptions.rules.suggestions import (
    GT_EARLY_ISOMETRICS,
    Finding,
    FindingCode,
    SuggestionKind,
    finding_label,
    patient_finding_label,
    suggestions_from_findings,
)

lib = default_library()


def only(suggestions, kind=SuggestionKind.ADD_EXERCISES):
    found = [s for s in suggestions if s.kind == kind]
    assert len(found) == 1, suggestions
    return found[0]


def test_a_positive_trendelenburg_suggests_the_abductor_chain_and_says_so():
    finding = Finding(FindingCode.TRENDELENBURG, "positive", side="left")
    s = only(suggestions_from_findings([finding]))
    assert (s.chain, s.step, s.exercises) == ("abductor", 3, ("clam",))
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
    assert (s.chain, s.step) == ("functional-single-leg", 3)


def test_weak_extensors_suggest_the_extensor_chain():
    s = only(suggestions_from_findings({"hip_extension_lsi": 82}))
    assert (s.chain, s.exercises) == ("extensor", ("offset-bridge",))


def test_gluteal_tendinopathy_suggests_early_isometrics_and_flags_compression():
    gt = Finding(FindingCode.CONDITION, GLUTEAL_TENDINOPATHY)
    suggestions = suggestions_from_findings([gt])
    add = only(suggestions)
    assert add.exercises == GT_EARLY_ISOMETRICS
    assert add.goal == Goal.GT_LOAD_MANAGEMENT
    assert add.because == (gt,)
    assert "gluteal tendinopathy" in add.reason
    avoid = only(suggestions, SuggestionKind.AVOID)
    assert set(avoid.exercises) == {e.slug for e in lib.avoid_early(GLUTEAL_TENDINOPATHY)}
    assert {"side-lying-hip-abduction", "side-plank", "side-plank-hip-abduction"} <= set(
        avoid.exercises
    )
    assert any("Crossing the legs" in p for p in avoid.positions)
    assert any("hanging" in p for p in avoid.positions)
    assert avoid.because == (gt,)


def test_a_positive_30_s_single_leg_stance_test_counts_as_gluteal_tendinopathy():
    test = Finding("single_leg_stance_pain", 3, side="left")
    add = only(suggestions_from_findings([test]))
    assert add.exercises == GT_EARLY_ISOMETRICS
    assert "30-s single-leg stance test positive (3/10 pain) (left)" in add.reason


def test_with_gluteal_tendinopathy_other_findings_join_the_isometric_start():
    gt = Finding("condition", GLUTEAL_TENDINOPATHY)
    lsi = Finding("hip_abduction_lsi", 85)
    squat = Finding("single_leg_squat", "poor")
    suggestions = suggestions_from_findings([lsi, squat, gt])
    abductor, functional, avoid = suggestions
    assert abductor.step == 1 and abductor.because == (gt, lsi)
    assert functional.goal == Goal.GT_LOAD_MANAGEMENT
    assert avoid.kind == SuggestionKind.AVOID
    compressive = set(avoid.exercises)
    assert not (set(abductor.exercises) | set(functional.exercises)) & compressive


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
