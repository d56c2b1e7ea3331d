"""Falls-risk and function tests (CLINICAL.md §12), each threshold on both sides of its
edge, and the §12.7 summary flag. Pure: no database."""

from __future__ import annotations

import pytest

from prescriptions.rules.falls import (
    FallsPatient,
    chair_stand_cutoff,
    falls_findings,
    falls_flags,
    six_minute_walk_predicted,
)


def found(values, age=70, sex="female", **kw):
    return falls_findings(values, FallsPatient(age=age, sex=sex, **kw))


@pytest.mark.parametrize(
    ("age", "sex", "reps", "flagged"),
    [
        (72, "male", 11, True),  # §12.1 worked case: 11 < 12
        (66, "female", 11, False),  # §12.1 worked case: not below 11
        (66, "female", 10, True),
        (60, "male", 13, True),
        (60, "male", 14, False),
        (94, "female", 3, True),
        (59, "female", 3, False),  # no STEADI cut-off before 60
        (95, "male", 3, False),  # nor after 94
        (72, None, 11, True),  # sex unknown: the men's (higher) cut-off
    ],
)
def test_chair_stand_below_the_steadi_cut_off(age, sex, reps, flagged):
    assert bool(found({("chair_stand", "", "reps"): reps}, age=age, sex=sex)) is flagged


def test_the_steadi_table_by_age_band():
    assert [chair_stand_cutoff(a, "male") for a in (60, 65, 70, 75, 80, 85, 90)] == [
        14, 12, 12, 11, 10, 8, 7,
    ]  # fmt: skip
    assert [chair_stand_cutoff(a, "female") for a in (64, 69, 74, 79, 84, 89, 94)] == [
        12, 11, 10, 10, 9, 8, 4,
    ]  # fmt: skip


@pytest.mark.parametrize(("seconds", "flagged"), [(11.9, False), (12.0, True), (14.5, True)])
def test_timed_up_and_go_from_12_s(seconds, flagged):
    assert bool(found({("timed_up_and_go", "", "time_s"): seconds})) is flagged


@pytest.mark.parametrize(("stage", "flagged"), [(2, True), (3, False), (4, False)])
def test_four_stage_balance_flags_when_tandem_is_not_held(stage, flagged):
    assert bool(found({("four_stage_balance", "", "stage"): stage})) is flagged


@pytest.mark.parametrize(
    ("age", "seconds", "flagged"), [(70, 4.9, True), (70, 5, False), (60, 3, True), (59, 3, False)]
)
def test_single_leg_stance_under_5_s_from_60(age, seconds, flagged):
    assert bool(found({("unipedal_stance", "left", "time_s"): seconds}, age=age)) is flagged


@pytest.mark.parametrize(
    ("speed", "words"), [(1.0, None), (0.99, "at risk"), (0.8, "at risk"), (0.79, "high risk")]
)
def test_gait_speed_under_1_at_risk_under_0_8_high_risk(speed, words):
    result = found({("gait_speed", "", "m_per_s"): speed})
    if words is None:
        assert result == []
    else:
        assert result[0].endswith(f"{words})")


def test_a_fall_in_the_last_year_is_enough():
    assert found({}, fell_in_last_year=True) == ["a fall in the last 12 months"]
    assert found({}, fell_in_last_year=False) == []


def test_the_summary_flag_lists_every_finding_with_separate_patient_words():
    values = {
        ("unipedal_stance", "left", "time_s"): 3,
        ("chair_stand", "", "reps"): 7,
        ("timed_up_and_go", "", "time_s"): 14.5,
        ("gait_speed", "", "m_per_s"): 0.7,
    }
    (flag,) = falls_flags(values, FallsPatient(age=70, sex="female"))
    assert flag.code == "falls_risk" and flag.severity == "precaution"
    assert len(flag.findings) == 4
    assert "STEADI" in flag.message
    assert "STEADI" not in flag.patient_message and "§" not in flag.patient_message


def test_six_minute_walk_worked_examples():
    # §12.6: man 175 cm, 70 y, 80 kg -> 523.6 m (LLN 370.6); woman 160 cm, 70 y, 65 kg ->
    # 451.2 m (LLN 312.2).
    man = FallsPatient(age=70, sex="male", height_cm=175, body_mass_kg=80)
    woman = FallsPatient(age=70, sex="female", height_cm=160, body_mass_kg=65)
    assert six_minute_walk_predicted(man) == (523.6, 370.6)
    assert six_minute_walk_predicted(woman) == (451.2, 312.2)
    assert six_minute_walk_predicted(FallsPatient(age=70, sex="male")) is None
    (flag,) = falls_flags({("six_minute_walk", "", "distance_m"): 300}, woman)
    assert flag.severity == "info" and "below the lower limit of normal" in flag.message
