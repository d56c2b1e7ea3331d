"""From recorded assessments to suggestion findings (prescriptions/rules/findings.py, read by
prescriptions/assessments/findings.py) and the prescriber warnings
(prescriptions/rules/conflicts.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prescriptions.assessments.findings import assessment_findings
from prescriptions.library.shipped import default_library
from prescriptions.rules.conflicts import Severity, item_conflicts, programme_conflicts
from prescriptions.rules.findings import (
    LIBRARY_CONDITIONS,
    findings_from_values,
    library_conditions,
)
from prescriptions.rules.suggestions import Finding, SuggestionKind, suggestions_from_findings
from prescriptions.vocabulary import Condition
from tests import factories as f

LIB = default_library()


def test_every_assessment_condition_has_a_library_condition():
    assert set(LIBRARY_CONDITIONS) == set(Condition.values)
    assert set(LIBRARY_CONDITIONS.values()) <= set(LIB.conditions)
    assert library_conditions(["lateral_hip", "thr", "nonsense"]) == [
        "gluteal_tendinopathy",
        "tha",
    ]


def test_battery_values_and_observations_become_findings_with_sides():
    values = {
        ("trendelenburg", "left", "result"): "negative",
        ("trendelenburg", "right", "result"): "positive",
        ("sls_pain", "right", "pain_nprs"): Decimal(4),
        ("sls_pain", "right", "result"): "positive",
        ("sls_pain", "left", "pain_nprs"): Decimal(1),
        ("sls_pain", "left", "result"): "negative",
        ("hhd_abduction", "", "lsi"): Decimal("72.0"),
        ("hhd_abduction", "right", "pct_bw"): Decimal("26.2"),
        ("single_leg_squat", "right", "rating"): "poor",
        ("lateral_step_down", "left", "score"): Decimal(3),
        ("lateral_step_down", "left", "total"): Decimal(3),
        ("gluteal_activation", "left", "quality"): "weak",
        ("hip_hang", "right", "hangs"): "yes",
        ("hip_hang", "left", "hangs"): "no",
    }
    found = findings_from_values(
        conditions=["acl"], values=values, observed={"dynamic_knee_valgus": ["left"]}
    )
    assert found == [
        Finding("trendelenburg", "negative", "left"),
        Finding("trendelenburg", "positive", "right"),
        Finding("single_leg_stance_pain", 4.0, "right"),
        Finding("hip_abduction_lsi", 72.0),
        Finding("hip_abduction_pct_bw", 26.2, "right"),
        Finding("single_leg_squat", "poor", "right"),
        Finding("lateral_step_down", 3, "left"),
        Finding("gluteal_activation", "poor", "left"),
        Finding("hangs_into_hip", True, "right"),
        Finding("dynamic_knee_valgus", True, "left"),
    ]
    # Every one of them is something the suggestion rules understand.
    kinds = {s.kind for s in suggestions_from_findings(found)}
    assert kinds == {SuggestionKind.ADD_EXERCISES, SuggestionKind.AVOID}


@pytest.mark.django_db
def test_a_signed_gt_assessment_suggests_leap_week_1_and_avoids(world):
    # LEAP week 1, not only the isometrics (issue 12 point 9, CLINICAL.md §15.1).
    assessment = f.make_signed_assessment(world.patient, world.ep)
    suggestions = suggestions_from_findings(assessment_findings(assessment))
    add = [s for s in suggestions if s.kind == SuggestionKind.ADD_EXERCISES]
    assert add[0].exercises == (
        "supine-isometric-hip-abduction",
        "standing-isometric-hip-abduction",
        "glute-bridge",
        "squat",
        "lateral-band-walk",
    )
    assert "gluteal tendinopathy" in add[0].reason
    assert "Trendelenburg test positive (right)" in add[0].reason
    assert "hip abduction LSI 72 %" in add[0].reason
    avoid = next(s for s in suggestions if s.kind == SuggestionKind.AVOID)
    assert {"side-lying-hip-abduction", "side-plank", "clam"} <= set(avoid.exercises)
    assert any("cross-legged" in p for p in avoid.positions)


def test_side_lying_abduction_and_side_planks_are_flagged_in_early_gt():
    for slug in ("side-lying-hip-abduction", "side-plank", "side-plank-hip-abduction"):
        conflicts = item_conflicts(
            LIB.exercise(slug), goal="strength", conditions=["gluteal_tendinopathy"]
        )
        assert [c.severity for c in conflicts] == [Severity.WARNING], slug
        assert "Early gluteal tendinopathy: avoid" in conflicts[0].text
    assert item_conflicts(LIB.exercise("side-plank"), goal="strength", conditions=["acl"]) == []
    clam = item_conflicts(
        LIB.exercise("clam"), goal="strength", conditions=["gluteal_tendinopathy"]
    )
    # CLINICAL.md §15.2: the clams are avoided in weeks 1-8 too (the library said "modify").
    assert [c.severity for c in clam] == [Severity.WARNING]


def test_the_gt_goal_flags_compressive_exercises_even_without_the_condition():
    conflicts = item_conflicts(LIB.exercise("side-plank"), goal="gt_load_management", conditions=[])
    assert [c.severity for c in conflicts] == [Severity.WARNING]


def test_red_flags_conflict_with_the_items_they_concern():
    squat, bridge, hop = (LIB.exercise(s) for s in ("squat", "glute-bridge", "hop-and-stick"))
    standing = item_conflicts(
        squat, goal="strength", conditions=[], red_flags=["no_weight_bearing"]
    )
    assert "unable to weight-bear" in standing[0].text
    lying = item_conflicts(bridge, goal="strength", conditions=[], red_flags=["no_weight_bearing"])
    assert lying == []
    impact = item_conflicts(hop, goal="power", conditions=[], red_flags=["fracture"])
    assert any("no impact work" in c.text for c in impact)
    heavy = item_conflicts(bridge, goal="strength", conditions=[], red_flags=["high_bp"])
    assert "avoid heavy or straining efforts" in heavy[0].text
    light = item_conflicts(bridge, goal="early_rehab", conditions=[], red_flags=["high_bp"])
    assert light == []


def test_programme_wide_red_flags_say_stop_and_refer():
    conflicts = programme_conflicts(
        red_flags=["unstable_angina", "night_pain", "uncontrolled_diabetes"],
        stop_flags=[{"label": "Resting blood pressure 200/110 mmHg or higher", "value": "210/95"}],
    )
    assert [c.severity for c in conflicts] == [
        Severity.STOP,
        Severity.STOP,
        Severity.STOP,
        Severity.WARNING,
    ]
    assert conflicts[0].text.startswith("Do not exercise: refer. Unstable angina")
    assert "Constant or unrelenting night pain" in conflicts[1].text
    assert "210/95" in conflicts[2].text
    assert programme_conflicts(red_flags=[]) == []
