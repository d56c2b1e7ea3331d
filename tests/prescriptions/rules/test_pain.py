"""The pain-monitoring model (CLINICAL.md §8): the §8.3 worked test cases, each row of the
decision table on both sides of its edge, the knee rules of §8.4. Pure: no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from prescriptions.rules.pain import (
    Decision,
    PainSession,
    PainZone,
    baseline_morning,
    pain_decision,
    pain_zone,
    week_trend,
)

DAY = date(2026, 3, 16)  # a Monday


def day(n: int) -> date:
    return DAY + timedelta(days=n)


def steady_weeks(score: float, *, sessions_per_week: int = 3, weeks: int = 2) -> list[PainSession]:
    """Sessions over the `weeks` weeks before DAY, all with the same morning score."""
    out = []
    for w in range(weeks, 0, -1):
        for k in range(sessions_per_week):
            out.append(
                PainSession(
                    on=day(-7 * w + 2 * k), during=1, next_morning=int(score), target_met=True
                )
            )
    return out


# --- §8.3 worked test cases ---------------------------------------------------------------


def test_worked_case_1_baseline_3_during_2_morning_3_trend_0_targets_twice_progresses():
    sessions = [*steady_weeks(3), PainSession(on=DAY, during=2, next_morning=3, target_met=True)]
    result = pain_decision(sessions, on_date=DAY, baseline=3)
    assert result.decision == Decision.PROGRESS
    assert result.rule == "§8.3 row 7"


def test_worked_case_2_baseline_3_during_4_morning_4_is_noise_and_holds():
    result = pain_decision(
        [*steady_weeks(3), PainSession(on=DAY, during=4, next_morning=4, target_met=True)],
        on_date=DAY,
        baseline=3,
    )
    assert result.decision == Decision.HOLD
    assert result.rule == "§8.3 row 6"


def test_worked_case_3_baseline_2_during_3_morning_5_regresses():
    result = pain_decision([PainSession(on=DAY, during=3, next_morning=5)], baseline=2)
    assert result.decision == Decision.REGRESS
    assert result.rule == "§8.3 row 3"
    assert result.review
    assert result.no_progress_until == DAY + timedelta(days=7)


def test_worked_case_4_during_7_on_the_offset_squat_regresses_that_exercise_only():
    result = pain_decision(
        [PainSession(on=DAY, during=7, next_morning=2, exercise="offset-squat")], baseline=2
    )
    assert (result.decision, result.exercise) == (Decision.REGRESS, "offset-squat")
    assert "offset-squat" in result.reason


def test_worked_case_5_week_means_3_0_to_5_2_regress_and_flag_for_review():
    last_week = [PainSession(on=day(-13 + 2 * k), during=1, next_morning=3) for k in range(3)]
    this_week = [
        PainSession(on=day(-6), during=1, next_morning=5),
        PainSession(on=day(-4), during=1, next_morning=5),
        PainSession(on=day(-2), during=1, next_morning=5),
        PainSession(on=DAY, during=1, next_morning=6),
    ]  # mean 5.25: trend +2.25
    result = pain_decision([*last_week, *this_week], on_date=DAY, baseline=5)
    assert result.decision == Decision.REGRESS
    assert result.rule == "§8.3 row 4"
    assert result.review


def test_worked_case_6_baseline_2_during_1_morning_not_entered_holds():
    result = pain_decision([PainSession(on=DAY, during=1, target_met=True)], baseline=2)
    assert result.decision == Decision.HOLD
    assert result.rule == "§8.3 row 5"


# --- Each row on both sides of its edge ---------------------------------------------------


def test_row_1_a_stop_sign_means_see_the_clinician_whatever_the_pain():
    result = pain_decision(
        [PainSession(on=DAY, during=0, next_morning=0, target_met=True)], stop=["fever"]
    )
    assert result.decision == Decision.SEE_CLINICIAN
    assert result.rule == "§8.3 row 1"
    assert "fever" in result.reason


@pytest.mark.parametrize(
    ("during", "after", "decision"),
    [
        (5, None, Decision.HOLD),
        (6, None, Decision.REGRESS),
        (2, 5, Decision.HOLD),
        (2, 6, Decision.REGRESS),
    ],
)
def test_row_2_pain_of_6_during_or_after_regresses_and_5_does_not(during, after, decision):
    result = pain_decision(
        [PainSession(on=DAY, during=during, after=after, next_morning=2)], baseline=2
    )
    assert result.decision == decision


def test_row_2_twice_running_means_see_the_clinician():
    sessions = [PainSession(on=day(-2), during=6), PainSession(on=DAY, during=7, next_morning=2)]
    assert pain_decision(sessions, baseline=2).decision == Decision.SEE_CLINICIAN
    not_running = [
        PainSession(on=day(-4), during=6),
        PainSession(on=day(-2), during=2),
        PainSession(on=DAY, during=7),
    ]
    assert pain_decision(not_running, baseline=2).decision == Decision.REGRESS


@pytest.mark.parametrize(("morning", "decision"), [(3, Decision.HOLD), (4, Decision.REGRESS)])
def test_row_3_a_rise_of_2_over_the_baseline_regresses_and_1_is_noise(morning, decision):
    # Issue 12 point 1: a 2 -> 3 change (inside the NPRS MDC) raised a flag before.
    result = pain_decision([PainSession(on=DAY, during=1, next_morning=morning)], baseline=2)
    assert result.decision == decision


def test_row_3_no_progression_for_7_days_after_a_morning_flare():
    flare = PainSession(on=day(-6), during=1, next_morning=5, target_met=True)
    calm = [
        PainSession(on=day(-3), during=1, next_morning=2, target_met=True),
        PainSession(on=DAY, during=1, next_morning=2, target_met=True),
    ]
    blocked = pain_decision([flare, *calm], on_date=DAY, baseline=2)
    assert blocked.decision == Decision.HOLD
    assert "no progression for 7 days" in blocked.reason
    later = pain_decision([flare, *calm], on_date=day(2), baseline=2)
    assert later.decision == Decision.PROGRESS  # the flare is more than 7 days back


@pytest.mark.parametrize(("this_week", "decision"), [(4, Decision.PROGRESS), (5, Decision.REGRESS)])
def test_row_4_a_weekly_rise_of_2_regresses_and_1_does_not(this_week, decision):
    last = [
        PainSession(on=day(-13 + 2 * k), during=1, next_morning=3, target_met=True)
        for k in range(3)
    ]
    this = [
        PainSession(on=day(-4 + 2 * k), during=1, next_morning=this_week, target_met=True)
        for k in range(3)
    ]
    result = pain_decision([*last, *this], on_date=DAY, baseline=this_week)
    assert result.decision == decision


def test_row_4_two_weeks_running_means_see_the_clinician():
    weeks = [(3, -20), (5, -13), (7, -6)]  # means 3, 5, 7: +2 then +2
    sessions = [
        PainSession(on=day(start + 2 * k), during=1, next_morning=score)
        for score, start in weeks
        for k in range(3)
    ]
    result = pain_decision(sessions, on_date=DAY, baseline=7)
    assert result.decision == Decision.SEE_CLINICIAN


def test_row_4_morning_stiffness_follows_the_same_trend_rule():
    last = [
        PainSession(on=day(-13 + 2 * k), during=1, next_morning=2, stiffness_next_morning=2)
        for k in range(3)
    ]
    this = [
        PainSession(on=day(-4 + 2 * k), during=1, next_morning=2, stiffness_next_morning=5)
        for k in range(3)
    ]
    result = pain_decision([*last, *this], on_date=DAY, baseline=2)
    assert (result.decision, result.rule) == (Decision.REGRESS, "§8.3 row 4")
    assert "stiffness" in result.reason


def test_a_week_with_fewer_than_3_mornings_is_not_judged():
    mornings = [(day(-13), 3), (day(-11), 3), (day(-9), 3), (day(-4), 6), (day(-2), 6)]
    assert week_trend(mornings, on_date=DAY) is None
    assert week_trend([*mornings, (DAY, 6)], on_date=DAY) == 3


@pytest.mark.parametrize(("during", "decision"), [(2, Decision.PROGRESS), (3, Decision.HOLD)])
def test_row_6_and_7_pain_during_3_holds_and_2_may_progress(during, decision):
    sessions = [
        PainSession(on=day(-2), during=1, next_morning=2, target_met=True),
        PainSession(on=DAY, during=during, next_morning=2, target_met=True),
    ]
    assert pain_decision(sessions, baseline=2).decision == decision


def test_row_7_needs_the_target_twice_running_and_the_stage_time():
    once = [
        PainSession(on=day(-2), during=1, next_morning=2, target_met=False),
        PainSession(on=DAY, during=1, next_morning=2, target_met=True),
    ]
    assert pain_decision(once, baseline=2).decision == Decision.HOLD
    twice = [
        PainSession(on=day(-2 + 2 * k), during=1, next_morning=2, target_met=True) for k in range(2)
    ]
    early = pain_decision(twice, baseline=2, stage_time_met=False, stage_time_reason="Day 5 of 7.")
    assert early.decision == Decision.HOLD and "Day 5 of 7." in early.reason
    assert pain_decision(twice, baseline=2).decision == Decision.PROGRESS


def test_without_a_baseline_it_never_progresses():
    # The first morning logged has nothing before it to compare with.
    first = PainSession(on=DAY, during=0, next_morning=0, target_met=True)
    result = pain_decision([first], targets_met=True)
    assert result.decision == Decision.HOLD
    assert "No baseline" in result.reason


def test_the_model_waits_2_weeks_after_surgery():
    session = PainSession(on=DAY, during=1, next_morning=1, target_met=True)
    assert pain_decision([session], days_since_surgery=13).rule == "§8 scope"
    assert pain_decision([session], days_since_surgery=14).rule != "§8 scope"


# --- Baseline ---------------------------------------------------------------------------


def test_the_baseline_is_the_median_of_the_7_mornings_before_the_stage():
    mornings = [(day(-20 + k), score) for k, score in enumerate([9, 1, 2, 2, 3, 3, 4, 4])]
    # the 7 before the stage (day -12 onwards is the stage): 1 2 2 3 3 4 4 -> 3
    assert baseline_morning(mornings, stage_started_on=day(-12)) == 3
    # the stage's own first mornings when none come before it
    in_stage = [(day(1), 2), (day(2), 4), (day(3), 9)]
    assert baseline_morning(in_stage, stage_started_on=DAY, before=day(3)) == 3
    assert baseline_morning([], stage_started_on=DAY) is None


# --- Knee rules (§8.4) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grades", "decision"),
    [
        (["trace"], Decision.PROGRESS),
        (["zero", "1+"], Decision.REGRESS),  # up a grade
        (["1+", "1+"], Decision.HOLD),
        (["2+"], Decision.REGRESS),
    ],
)
def test_knee_effusion_zero_or_trace_may_progress_1_holds_2_regresses(grades, decision):
    sessions = [
        PainSession(
            on=day(-2 * (len(grades) - i)), during=1, next_morning=2, target_met=True, effusion=g
        )
        for i, g in enumerate(grades)
    ]
    sessions = [PainSession(on=day(-10), during=1, next_morning=2, target_met=True), *sessions]
    assert pain_decision(sessions, baseline=2).decision == decision


@pytest.mark.parametrize(
    ("soreness", "decision"),
    [
        ("none", Decision.PROGRESS),
        ("warmup_goes_away", Decision.HOLD),
        ("next_day", Decision.HOLD),
        ("warmup_continues", Decision.REGRESS),
        ("returns_during_session", Decision.REGRESS),
    ],
)
def test_knee_soreness_rules(soreness, decision):
    sessions = [
        PainSession(on=day(-2), during=1, next_morning=2, target_met=True),
        PainSession(on=DAY, during=1, next_morning=2, target_met=True, soreness=soreness),
    ]
    assert pain_decision(sessions, baseline=2).decision == decision


# --- Bands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "zone"),
    [
        (2, PainZone.SAFE),
        (3, PainZone.ACCEPTABLE),
        (5, PainZone.ACCEPTABLE),
        (6, PainZone.HIGH_RISK),
    ],
)
def test_the_bands_are_0_to_2_safe_3_to_5_acceptable_6_and_over_too_much(score, zone):
    assert pain_zone(score) == zone


def test_patient_messages_carry_no_sources():
    result = pain_decision([PainSession(on=DAY, during=7)], baseline=2)
    assert "§" not in result.patient_message and "CLINICAL" not in result.patient_message
    assert "Ease the load" in result.patient_message
