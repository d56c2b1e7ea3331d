"""The slot engine: pure functions, no ORM and no clock (`now` is always passed in).

Times inside are aware datetimes. Working hours are wall-clock times in the clinic's
time zone; they become aware instants here with `zoneinfo`, so daylight-saving days come
out right: a 09:00 to 17:00 day is eight real hours on Sydney's spring-forward and
fall-back days alike, and the 02:00 to 03:00 hour that does not exist on spring-forward
day is never offered.

The inner loop of `free_starts` runs on whole microseconds since the Unix epoch rather
than on datetimes: a comparison or an addition of two ints costs a fraction of the same
on aware datetimes, and it runs once for every slot of every practitioner.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
# Instants are kept in `datetime.UTC`, the zone Django reads them from PostgreSQL in: two
# datetimes with the very same tzinfo compare and subtract without asking it for offsets.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
DAY_US = 86_400_000_000


def to_us(t: datetime) -> int:
    """An aware instant as whole microseconds since the Unix epoch (exact, unlike
    `timestamp()`, which is a float)."""
    return (t - EPOCH) // MICROSECOND


def from_us(us: int) -> datetime:
    """The aware instant (in UTC) `us` microseconds after the Unix epoch."""
    return EPOCH + MICROSECOND * us


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


@lru_cache(maxsize=8192)
def local_instant(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant (in UTC) a wall-clock time on `day` happens in `tz`.

    UTC, because Python adds timedeltas to aware datetimes in wall-clock time: stepping
    through a day must be done on real instants.

    A wall time that does not exist (skipped at spring-forward) moves forward by the
    length of the gap (02:30 becomes 03:30 in Sydney); an ambiguous one (repeated at
    fall-back) takes its first occurrence.

    Cached: every practitioner of a clinic asks for the same few wall times on the same
    days, and the answer for a (day, wall time, zone) never changes.
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
    step_us = step // MICROSECOND
    since_midnight = (
        local.hour * 3600 + local.minute * 60 + local.second
    ) * 1_000_000 + local.microsecond
    remainder = since_midnight % step_us
    return t if remainder == 0 else t + timedelta(microseconds=step_us - remainder)


@lru_cache(maxsize=8192)
def _offset_us(t: datetime, tz: ZoneInfo) -> int:
    """The zone's UTC offset at `t`, in microseconds (cached like `local_instant`)."""
    offset = t.astimezone(tz).utcoffset()
    if offset is None:  # never for a ZoneInfo; says so to the type checker
        raise ValueError(f"{tz} gives no UTC offset")
    return offset // MICROSECOND


def _on_grid_us(t: int, offset: int | None, step: timedelta, tz: ZoneInfo) -> int:
    """`_first_on_grid` in microseconds, with the zone's UTC offset known (or None)."""
    if offset is None:
        return to_us(_first_on_grid(from_us(t), step, tz))
    step_us = step // MICROSECOND
    remainder = (t + offset) % DAY_US % step_us
    return t if remainder == 0 else t + step_us - remainder


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

    The same as `free_starts_us`, with the starts as aware datetimes (in UTC).
    """
    return [
        (from_us(t), location_id)
        for t, location_id in free_starts_us(
            windows=windows,
            busy=busy,
            duration=duration,
            buffer=buffer,
            step=step,
            not_before=not_before,
            not_after=not_after,
            tz=tz,
        )
    ]


def free_starts_us(
    *,
    windows: Sequence[Window],
    busy: Sequence[Interval],
    duration: timedelta,
    buffer: timedelta,
    step: timedelta,
    not_before: datetime,
    not_after: datetime,
    tz: ZoneInfo,
) -> list[tuple[int, int | None]]:
    """Start times (microseconds since the epoch, see `from_us`), with their window's
    location, where a visit can be booked.

    1. Merge the busy intervals (appointments from start to start + duration + buffer,
       time off) into a sorted, disjoint list.
    2. Walk each window on the clinic's local grid (for example :00, :15, :30, :45),
       from the later of the window's start and `not_before`, while the visit still ends
       inside the window and starts before `not_after`.
    3. Keep a start when the time it would hold, [start, start + duration + buffer),
       clears every busy interval; a pointer into the merged list makes this one pass.

    The local grid needs the zone's UTC offset. Inside a window whose start and end have
    the same offset (every window but those across a daylight-saving change) it is that
    offset; across a change each step onto the grid asks the zone.
    """
    merged = merge_intervals(busy)
    busy_starts = [to_us(start) for start, _ in merged]
    ends = [to_us(end) for _, end in merged]
    count = len(ends)
    duration_us = duration // MICROSECOND
    hold = duration_us + buffer // MICROSECOND
    step_us = step // MICROSECOND
    lower, upper = to_us(not_before), to_us(not_after)
    result: list[tuple[int, int | None]] = []
    for window in windows:
        location_id = window.location_id
        offset: int | None = _offset_us(window.start, tz)
        if offset != _offset_us(window.end, tz):
            offset = None  # it changes inside the window: ask the zone at each realignment
        t = _on_grid_us(max(to_us(window.start), lower), offset, step, tz)
        last = min(to_us(window.end) - duration_us, upper - 1)
        i = bisect_right(ends, t)
        while t <= last:
            while i < count and ends[i] <= t:
                i += 1
            if i < count and busy_starts[i] < t + hold:
                # Jump past the clash and realign to the grid.
                t = _on_grid_us(ends[i], offset, step, tz)
                continue
            result.append((t, location_id))
            t += step_us
    return result


def days_between(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
