"""The slot engine: pure functions, no ORM and no clock (`now` is always passed in).

Times inside are aware datetimes. Working hours are wall-clock times in the clinic's
time zone; they become aware instants here with `zoneinfo`, so daylight-saving days come
out right: a 09:00 to 17:00 day is eight real hours on Sydney's spring-forward and
fall-back days alike, and the 02:00 to 03:00 hour that does not exist on spring-forward
day is never offered.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class WeeklyBlock:
    """One block of weekly working hours, in local wall-clock time."""

    weekday: int  # Monday is 0
    start: time
    end: time
    location_id: int | None = None
    break_start: time | None = None
    break_end: time | None = None


@dataclass(frozen=True)
class Window:
    """A bookable stretch of one day, as aware instants, with where it is worked."""

    start: datetime
    end: datetime
    location_id: int | None


def local_instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant (in UTC) a wall-clock time on `day` happens in `tz`.

    UTC, because Python adds timedeltas to aware datetimes in wall-clock time: stepping
    through a day must be done on real instants.

    A wall time that does not exist (skipped at spring-forward) moves forward by the
    length of the gap (02:30 becomes 03:30 in Sydney); an ambiguous one (repeated at
    fall-back) takes its first occurrence.
    """
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:
        # Non-existent: fold=1 gives the later offset's reading of the same wall time,
        # which lands after the gap.
        later = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        earlier = aware.astimezone(UTC)
        return max(later, earlier)
    return aware.astimezone(UTC)


def working_windows(
    blocks: Iterable[WeeklyBlock], days: Iterable[date], tz: ZoneInfo
) -> list[Window]:
    """Each day's working blocks with their breaks taken out, as aware windows."""
    by_weekday: dict[int, list[WeeklyBlock]] = {}
    for block in blocks:
        by_weekday.setdefault(block.weekday, []).append(block)
    windows: list[Window] = []
    for day in days:
        for block in by_weekday.get(day.weekday(), []):
            pieces = [(block.start, block.end)]
            if block.break_start and block.break_end:
                pieces = [(block.start, block.break_start), (block.break_end, block.end)]
            for wall_start, wall_end in pieces:
                start = local_instant(day, wall_start, tz)
                end = local_instant(day, wall_end, tz)
                if end > start:
                    windows.append(Window(start, end, block.location_id))
    windows.sort(key=lambda w: w.start)
    return windows


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping cover of the given intervals (touching ones merge)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _first_on_grid(t: datetime, step: timedelta, tz: ZoneInfo) -> datetime:
    """The first instant at or after `t` whose local clock reading is on the grid."""
    t = t.astimezone(UTC)
    local = t.astimezone(tz)
    step_us = step // timedelta(microseconds=1)
    since_midnight = (
        local.hour * 3600 + local.minute * 60 + local.second
    ) * 1_000_000 + local.microsecond
    remainder = since_midnight % step_us
    return t if remainder == 0 else t + timedelta(microseconds=step_us - remainder)


def free_starts(
    *,
    windows: Sequence[Window],
    busy: Sequence[Interval],
    duration: timedelta,
    buffer: timedelta,
    step: timedelta,
    not_before: datetime,
    not_after: datetime,
    tz: ZoneInfo,
) -> list[tuple[datetime, int | None]]:
    """Start times, with their window's location, where a visit can be booked.

    1. Merge the busy intervals (appointments from start to start + duration + buffer,
       time off) into a sorted, disjoint list.
    2. Walk each window on the clinic's local grid (for example :00, :15, :30, :45),
       from the later of the window's start and `not_before`, while the visit still ends
       inside the window and starts before `not_after`.
    3. Keep a start when the time it would hold, [start, start + duration + buffer),
       clears every busy interval; a pointer into the merged list makes this one pass.
    """
    merged = merge_intervals(busy)
    ends = [end for _, end in merged]
    result: list[tuple[datetime, int | None]] = []
    hold = duration + buffer
    for window in windows:
        t = _first_on_grid(max(window.start, not_before), step, tz)
        i = bisect_right(ends, t)
        while t + duration <= window.end and t < not_after:
            while i < len(merged) and merged[i][1] <= t:
                i += 1
            if i < len(merged) and merged[i][0] < t + hold:
                # Jump past the clash and realign to the grid.
                t = _first_on_grid(merged[i][1], step, tz)
                continue
            result.append((t, window.location_id))
            t += step
    return result


def days_between(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
