"""Stage progression timing (CLINICAL.md §9): minimum time, exit criteria and the last 3
sessions, for LEAP, ACL reconstruction and THA. Pure: no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from prescriptions.rules.pain import Decision
from prescriptions.rules.stages import (
    ACL_PHASES,
    LEAP_STAGES,
    Pathway,
    add_months,
    stage_gate,
)

DAY = date(2026, 3, 16)


@pytest.mark.parametrize(("days", "allowed"), [(6, False), (7, True)])
def test_leap_stage_1_to_2_needs_7_days_not_two_sessions(days, allowed):
    # Issue 12 point 2: a stage used to unlock after any two logged sessions.
    gate = stage_gate(
        Pathway.LEAP, stage=1, on_date=DAY, stage_started_on=DAY - timedelta(days=days)
    )
    assert gate.may_advance is allowed
    assert gate.progress_time_met is allowed
    assert gate.next_stage == LEAP_STAGES[1]


def test_leap_stage_3_is_the_last_and_allows_progressions_within_it():
    gate = stage_gate(Pathway.LEAP, stage=3, on_date=DAY, stage_started_on=DAY)
    assert gate.next_stage is None and not gate.may_advance
    assert gate.progress_time_met


def test_a_regression_in_the_last_3_sessions_blocks_the_next_stage():
    kw = {"stage": 1, "on_date": DAY, "stage_started_on": DAY - timedelta(days=10)}
    clean = [Decision.HOLD, Decision.PROGRESS, Decision.HOLD]
    assert stage_gate(Pathway.LEAP, **kw, recent_decisions=clean).may_advance
    for bad in (Decision.REGRESS, Decision.SEE_CLINICIAN):
        decisions = [Decision.PROGRESS, bad, Decision.HOLD, Decision.HOLD]
        assert not stage_gate(Pathway.LEAP, **kw, recent_decisions=decisions).may_advance
    older = [Decision.REGRESS, Decision.HOLD, Decision.HOLD, Decision.HOLD]
    assert stage_gate(Pathway.LEAP, **kw, recent_decisions=older).may_advance


@pytest.mark.parametrize(
    ("stage", "weeks_after", "criteria", "allowed"),
    [
        (1, 1, True, False),  # strength I from ~2 weeks
        (1, 2, True, True),
        (1, 2, None, False),  # criteria not recorded: never advance on missing data
        (2, 5, True, False),  # strength II from ~6 weeks
        (2, 6, True, True),
        (3, 11, True, False),  # running from 12 weeks
        (3, 12, True, True),
        (3, 12, False, False),
    ],
)
def test_acl_phases_need_the_time_since_surgery_and_the_criteria(
    stage, weeks_after, criteria, allowed
):
    surgery = DAY - timedelta(weeks=weeks_after)
    gate = stage_gate(
        Pathway.ACL_RECONSTRUCTION,
        stage=stage,
        on_date=DAY,
        surgery_date=surgery,
        exit_criteria_met=criteria,
    )
    assert gate.may_advance is allowed, gate.reasons


@pytest.mark.parametrize(("months", "allowed"), [(8, False), (9, True)])
def test_return_to_sport_is_no_earlier_than_9_months(months, allowed):
    surgery = date(2025, 6, 16)
    on = add_months(surgery, months) - timedelta(days=0 if allowed else 1)
    gate = stage_gate(
        Pathway.ACL_RECONSTRUCTION,
        stage=5,
        on_date=on,
        surgery_date=surgery,
        exit_criteria_met=True,
    )
    assert gate.next_stage == ACL_PHASES[5]
    assert gate.may_advance is allowed


@pytest.mark.parametrize(("weeks_after", "allowed"), [(5, False), (6, True)])
def test_tha_mid_phase_from_6_weeks_with_the_early_criteria(weeks_after, allowed):
    gate = stage_gate(
        Pathway.TOTAL_HIP_ARTHROPLASTY,
        stage=1,
        on_date=DAY,
        surgery_date=DAY - timedelta(weeks=weeks_after),
        exit_criteria_met=True,
    )
    assert gate.may_advance is allowed


def test_an_unknown_stage_is_stage_1():
    gate = stage_gate(Pathway.TOTAL_HIP_ARTHROPLASTY, stage=None, on_date=DAY, surgery_date=DAY)
    assert gate.stage.number == 1
    assert "stage 1" in gate.notes[0]


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2025, 11, 12), 9) == date(2026, 8, 12)
