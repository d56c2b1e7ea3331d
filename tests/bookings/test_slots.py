"""The pure slot engine: no database, no clock."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings import slots

UTC = ZoneInfo("UTC")
SYDNEY = ZoneInfo("Australia/Sydney")
BRISBANE = ZoneInfo("Australia/Brisbane")
ADELAIDE = ZoneInfo("Australia/Adelaide")
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
FAR_AHEAD = datetime(2100, 1, 1, tzinfo=UTC)


def _starts(day, tz, *, blocks=None, busy=(), minutes=30, buffer=0, step=15, not_before=LONG_AGO):
    blocks = blocks or [slots.WeeklyBlock(day.weekday(), time(9), time(17), 1)]
    windows = slots.working_windows(blocks, [day], tz)
    return [
        s.astimezone(tz)
        for s, _ in slots.free_starts(
            windows=windows,
            busy=list(busy),
            duration=timedelta(minutes=minutes),
            buffer=timedelta(minutes=buffer),
            step=timedelta(minutes=step),
            not_before=not_before,
            not_after=FAR_AHEAD,
            tz=tz,
        )
    ]


ORDINARY = date(2026, 6, 15)  # a Monday in Sydney's winter (AEST, +10)
SPRING_FORWARD = date(2026, 10, 4)  # 02:00 AEST becomes 03:00 AEDT
FALL_BACK = date(2026, 4, 5)  # 03:00 AEDT becomes 02:00 AEST


@pytest.mark.parametrize("day", [ORDINARY, SPRING_FORWARD, FALL_BACK])
def test_a_nine_to_five_day_has_the_same_local_grid_on_dst_days(day):
    starts = _starts(day, SYDNEY)
    assert starts[0].time() == time(9, 0)
    assert starts[-1].time() == time(16, 30)
    assert len(starts) == 31  # 09:00 to 16:30 every 15 minutes
    assert all(s.minute % 15 == 0 for s in starts)


def test_spring_forward_day_is_23_hours_long_and_skips_the_missing_hour():
    block = slots.WeeklyBlock(SPRING_FORWARD.weekday(), time(0), time(6), None)
    starts = _starts(SPRING_FORWARD, SYDNEY, blocks=[block], minutes=60, step=60)
    # 00:00 to 06:00 local is five real hours on spring-forward day; 02:00 never exists.
    assert [s.hour for s in starts] == [0, 1, 3, 4, 5]
    offsets = {s.utcoffset() for s in starts}
    assert offsets == {timedelta(hours=10), timedelta(hours=11)}


def test_fall_back_day_offers_the_repeated_hour_once_per_real_instant():
    block = slots.WeeklyBlock(FALL_BACK.weekday(), time(0), time(5), None)
    starts = _starts(FALL_BACK, SYDNEY, blocks=[block], minutes=60, step=60)
    # 00:00 to 05:00 local is six real hours on fall-back day: 02:00 happens twice.
    assert len(starts) == 6
    assert len({s.astimezone(UTC) for s in starts}) == 6


def test_brisbane_has_no_daylight_saving():
    starts = _starts(SPRING_FORWARD, BRISBANE)
    assert {s.utcoffset() for s in starts} == {timedelta(hours=10)}
    assert starts[0].time() == time(9)


@pytest.mark.parametrize(
    ("day", "offset"),
    [
        (ORDINARY, timedelta(hours=9, minutes=30)),
        (date(2026, 12, 7), timedelta(hours=10, minutes=30)),
    ],
)
def test_adelaide_half_hour_offsets_keep_the_local_grid(day, offset):
    starts = _starts(day, ADELAIDE)
    assert starts[0].time() == time(9)
    assert starts[0].utcoffset() == offset
    assert all(s.minute in (0, 15, 30, 45) for s in starts)


def test_breaks_are_not_bookable_and_a_visit_never_spans_one():
    block = slots.WeeklyBlock(ORDINARY.weekday(), time(9), time(17), 1, time(12), time(13))
    starts = [s.time() for s in _starts(ORDINARY, SYDNEY, blocks=[block], minutes=60)]
    assert time(11) in starts
    assert time(11, 15) not in starts  # would run into lunch
    assert time(12) not in starts and time(12, 45) not in starts
    assert time(13) in starts


def test_busy_time_and_the_new_visits_buffer_are_respected():
    tz = SYDNEY
    busy = [(datetime(2026, 6, 15, 10, 0, tzinfo=tz), datetime(2026, 6, 15, 10, 45, tzinfo=tz))]
    starts = [s.time() for s in _starts(ORDINARY, tz, busy=busy, minutes=30, buffer=15)]
    # 09:15 + 30 min visit + 15 min buffer ends at 10:00: fine. 09:30 would hold to 10:15.
    assert time(9, 15) in starts
    assert time(9, 30) not in starts
    assert time(10, 30) not in starts
    assert time(10, 45) in starts


def test_time_off_blocks_like_an_appointment():
    tz = SYDNEY
    off = [(datetime(2026, 6, 15, 9, tzinfo=tz), datetime(2026, 6, 15, 13, tzinfo=tz))]
    starts = _starts(ORDINARY, tz, busy=off)
    assert starts[0].time() == time(13)


def test_minimum_notice_rounds_up_to_the_grid():
    tz = SYDNEY
    not_before = datetime(2026, 6, 15, 11, 7, tzinfo=tz)
    starts = _starts(ORDINARY, tz, not_before=not_before)
    assert starts[0].time() == time(11, 15)


def test_the_grid_step_is_configurable():
    starts = _starts(ORDINARY, SYDNEY, step=30)
    assert [s.time() for s in starts[:3]] == [time(9), time(9, 30), time(10)]


def test_a_visit_longer_than_the_window_has_no_slot():
    assert _starts(ORDINARY, SYDNEY, minutes=9 * 60) == []


def test_days_off_have_no_windows():
    block = slots.WeeklyBlock(0, time(9), time(17), 1)  # Mondays only
    tuesday = ORDINARY + timedelta(days=1)
    assert slots.working_windows([block], [tuesday], SYDNEY) == []


def test_merge_intervals_joins_overlapping_and_touching_ranges():
    t = lambda h: datetime(2026, 1, 1, h, tzinfo=UTC)  # noqa: E731
    merged = slots.merge_intervals([(t(3), t(4)), (t(1), t(2)), (t(2), t(3)), (t(6), t(7))])
    assert merged == [(t(1), t(4)), (t(6), t(7))]
