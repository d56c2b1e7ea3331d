"""Change between two assessments (prescriptions/assessments/change.py): pure, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prescriptions.assessments import change
from prescriptions.outcomes.scoring import Verdict

D = Decimal


def _rule(test, measure):
    rule = change.rule_for(test, measure)
    assert rule is not None
    return rule


@pytest.mark.parametrize(
    ("before", "after", "verdict"),
    [
        ("200", "230", Verdict.IMPROVED),  # +15% exactly counts
        ("200", "229", Verdict.NO_IMPORTANT_CHANGE),
        ("200", "170", Verdict.WORSE),
        ("200", "171", Verdict.NO_IMPORTANT_CHANGE),
    ],
)
def test_strength_changes_within_15_percent_are_noise(before, after, verdict):  # §1.6
    assert change.judge(_rule("hhd_abduction", "force_n"), D(before), D(after)) is verdict


def test_less_knee_valgus_is_better():  # FPPA, §1.4
    rule = _rule("single_leg_squat", "fppa_deg")
    assert change.judge(rule, D("18"), D("7")) is Verdict.IMPROVED
    assert change.judge(rule, D("8"), D("19")) is Verdict.WORSE
    assert change.judge(rule, D("18"), D("10")) is Verdict.NO_IMPORTANT_CHANGE


def test_a_relative_rule_has_no_verdict_from_zero():
    assert change.judge(_rule("hhd_abduction", "force_n"), D(0), D(100)) is None


def test_measures_without_an_established_threshold_have_no_rule():
    assert change.rule_for("hhd_abduction", "lsi") is None
    assert change.rule_for("single_leg_bridge", "reps") is None


def test_battery_rows_show_numbers_with_difference_and_choices_side_by_side():
    baseline = {
        ("hhd_abduction", "left", "force_n"): D("250.0"),
        ("hhd_abduction", "right", "force_n"): D("150.0"),
        ("hhd_abduction", "", "lsi"): D("60.0"),
        ("trendelenburg", "right", "pelvic_response"): "drops",
    }
    current = {
        ("hhd_abduction", "left", "force_n"): D("255.0"),
        ("hhd_abduction", "right", "force_n"): D("210.0"),
        ("hhd_abduction", "", "lsi"): D("82.4"),
        ("trendelenburg", "right", "pelvic_response"): "elevates",
    }
    groups = change.battery_changes(
        tests=["trendelenburg", "hhd_abduction"], baseline=baseline, current=current
    )
    assert [g.key for g in groups] == ["trendelenburg", "hhd_abduction"]
    rows = {r.key: r for g in groups for r in g.rows}
    right = rows["hhd_abduction.right.force_n"]
    assert right.label == "Peak force, right (N)"
    assert (right.baseline, right.current, right.difference) == ("150.0", "210.0", "+60.0")
    assert right.verdict is Verdict.IMPROVED
    assert rows["hhd_abduction.left.force_n"].verdict is Verdict.NO_IMPORTANT_CHANGE
    lsi = rows["hhd_abduction.test.lsi"]
    assert lsi.difference == "+22.4" and lsi.verdict is None and lsi.basis == change.NO_THRESHOLD
    assert lsi.derived
    pelvis = rows["trendelenburg.right.pelvic_response"]
    assert (pelvis.baseline, pelvis.current, pelvis.difference) == ("Drops", "Lifts maximally", "")


def test_a_value_recorded_once_shows_no_change():
    groups = change.battery_changes(
        tests=["hhd_abduction"],
        baseline={("hhd_abduction", "left", "force_n"): D(200)},
        current={},
    )
    row = groups[0].rows[0]
    assert (row.current, row.difference, row.verdict) == ("–", "", None)  # noqa: RUF001


def test_outcome_measure_totals_are_judged_with_outcomes_change():
    groups = change.measure_changes(
        baseline={"LEFS": change.MeasureResult("LEFS", 40.0)},
        current={"LEFS": change.MeasureResult("LEFS", 52.0)},
    )
    row = groups[0].rows[0]
    assert (row.difference, row.verdict) == ("+12.0", Verdict.IMPROVED)  # §2.2: +12 >= 9
    assert "MCID 9 points" in row.basis


def test_a_fall_in_the_odi_is_an_improvement():
    groups = change.measure_changes(
        baseline={"ODI": change.MeasureResult("ODI", 44.0)},
        current={"ODI": change.MeasureResult("ODI", 30.0)},
    )
    assert groups[0].rows[0].verdict is Verdict.IMPROVED  # §2.4


def test_koos12_scales_are_judged_against_the_provisional_threshold():
    before = change.MeasureResult("KOOS-12", 60.0, {"pain": 50.0, "function": 60.0, "qol": 70.0})
    after = change.MeasureResult("KOOS-12", 80.0, {"pain": 75.0, "function": 70.0, "qol": 85.0})
    rows = change.measure_changes(baseline={"KOOS-12": before}, current={"KOOS-12": after})[0].rows
    assert [r.label for r in rows] == ["Summary", "Pain", "Function", "Quality of life"]
    assert [r.verdict for r in rows] == [
        Verdict.IMPROVED,
        Verdict.IMPROVED,
        Verdict.NO_IMPORTANT_CHANGE,  # +10 < 12.5
        Verdict.IMPROVED,
    ]
    assert "provisional app rule 12.5 points" in rows[1].basis
    assert rows[1].difference == "+25.0"


@pytest.mark.parametrize(
    ("before", "after", "verdict"),
    [
        ("15", "3", Verdict.IMPROVED),  # 12° towards neutral, still valgus
        ("8", "-10", Verdict.NO_IMPORTANT_CHANGE),  # into varus: never improved
        ("15", "-1", Verdict.NO_IMPORTANT_CHANGE),
        ("2", "-12", Verdict.NO_IMPORTANT_CHANGE),  # 10° further from neutral: < 11
        ("0", "-11", Verdict.WORSE),  # 11° into varus
    ],
)
def test_an_fppa_change_into_varus_is_not_an_improvement(before, after, verdict):
    # Issue 12 point 10: 8° valgus becoming 10° varus used to count as 18° better.
    assert change.judge(_rule("single_leg_squat", "fppa_deg"), D(before), D(after)) is verdict


def test_an_unscorable_total_has_no_change():
    rows = change.measure_changes(
        baseline={"LEFS": change.MeasureResult("LEFS", None)},
        current={"LEFS": change.MeasureResult("LEFS", 60.0)},
    )[0].rows
    assert rows[0].baseline == "Not scorable" and rows[0].verdict is None


def test_psfs_activities_are_compared_by_their_stable_id():
    before = change.MeasureResult("PSFS", 3.5, activities=[("a", "Stairs", 3), ("b", "Run", 4)])
    after = change.MeasureResult("PSFS", 6.0, activities=[("a", "Stairs", 7), ("b", "Run", 5)])
    rows = change.measure_changes(baseline={"PSFS": before}, current={"PSFS": after})[0].rows
    assert rows[0].verdict is Verdict.IMPROVED  # average +2.5 >= 2
    assert [(r.label, r.verdict) for r in rows[1:]] == [
        ("Activity: Stairs", Verdict.IMPROVED),  # +4 >= 3 (single activity MDC)
        ("Activity: Run", Verdict.NO_IMPORTANT_CHANGE),
    ]


def test_psfs_averages_of_different_activities_are_not_compared():
    before = change.MeasureResult("PSFS", 3.0, activities=[("a", "Stairs", 3)])
    after = change.MeasureResult("PSFS", 8.0, activities=[("c", "Gardening", 8)])
    groups = change.measure_changes(baseline={"PSFS": before}, current={"PSFS": after})
    total = groups[0].rows[0]
    assert total.verdict is None and "not comparable" in total.basis
    assert groups[0].notes
    assert groups[0].rows[-1].label == "Activity: Gardening (new)"


def test_pain_is_judged_only_in_the_same_context():  # §2.8
    same = change.pain_change(
        baseline=change.Pain(7, "now", "Now, at rest"),
        current=change.Pain(4, "now", "Now, at rest"),
    )
    assert same.verdict is Verdict.IMPROVED and same.difference == "−3"  # noqa: RUF001
    assert same.label == "Pain (NPRS, 0 to 10), now, at rest"
    assert (same.baseline, same.current) == ("7", "4")
    small = change.pain_change(baseline=change.Pain(5, "now"), current=change.Pain(4, "now"))
    assert small.verdict is Verdict.NO_IMPORTANT_CHANGE
    other = change.pain_change(baseline=change.Pain(7, "now"), current=change.Pain(4, "worst_24h"))
    assert other.verdict is None
    assert change.pain_change(baseline=change.Pain(None), current=change.Pain(None)) is None
