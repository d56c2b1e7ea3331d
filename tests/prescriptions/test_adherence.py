"""Adherence: session days against the planned days a week
(prescriptions/patient_programme/adherence.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from prescriptions.patient_programme.adherence import adherence, planned_sessions

MON = date(2026, 3, 2)  # a Monday


def _three_a_week(_day):
    return 3


def test_a_whole_week_plans_its_days_per_week():
    result = adherence(
        start=MON,
        today=MON + timedelta(days=6),
        session_days=[MON, MON + timedelta(days=2), MON + timedelta(days=4)],
        days_per_week_on=_three_a_week,
    )
    assert (result.done, result.planned, result.percent) == (3, 3, 100)
    assert (result.this_week_done, result.this_week_target) == (3, 3)


def test_two_sessions_on_one_day_count_once_and_extra_days_do_not_make_up_for_a_missed_week():
    week2 = MON + timedelta(days=7)
    days = [MON, MON] + [week2 + timedelta(days=i) for i in range(5)]
    result = adherence(
        start=MON,
        today=week2 + timedelta(days=6),
        session_days=days,
        days_per_week_on=_three_a_week,
    )
    assert [w.session_days for w in result.weeks] == [1, 5]
    assert [w.done for w in result.weeks] == [1, 3]
    assert (result.done, result.planned, result.percent) == (4, 6, 67)


def test_a_programme_started_midweek_plans_a_share_of_the_first_week():
    thursday = MON + timedelta(days=3)
    result = adherence(
        start=thursday,
        today=thursday + timedelta(days=3),  # Sunday
        session_days=[thursday],
        days_per_week_on=lambda _d: 7,
    )
    assert result.weeks[0].programme_days == 4
    assert (result.planned, result.this_week_target) == (4, 4)
    assert result.percent == 25


def test_the_current_week_plans_only_up_to_today():
    wednesday = MON + timedelta(days=2)
    result = adherence(
        start=MON, today=wednesday, session_days=[MON], days_per_week_on=_three_a_week
    )
    # 3 a week over 3 of 7 days: ceil(9 / 7) = 2 planned so far; the week's target is 3.
    assert (result.done, result.planned) == (1, 2)
    assert (result.this_week_done, result.this_week_target) == (1, 3)


def test_each_week_uses_the_days_per_week_of_its_version():
    week2 = MON + timedelta(days=7)
    result = adherence(
        start=MON,
        today=week2 + timedelta(days=6),
        session_days=[],
        days_per_week_on=lambda d: 3 if d < week2 else 7,
    )
    assert [w.planned for w in result.weeks] == [3, 7]
    assert result.percent == 0


def test_sessions_outside_the_programme_are_ignored_and_nothing_planned_has_no_percent():
    result = adherence(
        start=MON,
        today=MON,
        session_days=[MON - timedelta(days=1), MON + timedelta(days=1)],
        days_per_week_on=lambda _d: 0,
    )
    assert (result.done, result.planned, result.percent) == (0, 0, None)
    assert (
        adherence(
            start=MON,
            today=MON - timedelta(days=1),
            session_days=[],
            days_per_week_on=_three_a_week,
        ).weeks
        == ()
    )


@pytest.mark.parametrize(
    ("per_week", "days", "planned"), [(3, 7, 3), (3, 1, 1), (7, 4, 4), (2, 3, 1), (0, 7, 0)]
)
def test_planned_sessions_round_up(per_week, days, planned):
    assert planned_sessions(per_week, days) == planned


def test_planned_sessions_refuses_impossible_days():
    with pytest.raises(ValueError, match="between 0 and 7"):
        planned_sessions(3, 8)
