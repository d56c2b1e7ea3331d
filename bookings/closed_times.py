"""When a location is closed: its state's public holidays (from the `holidays` package)
that the clinic has not chosen to open on, and the clinic's own closures.

Pure: no ORM and no clock. Closures are wall-clock days and times in the location's
zone; they come out as aware instants, so a whole day is 23 or 25 hours long on a
daylight-saving day, and a Perth holiday is Perth's day, not Sydney's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bookings.slots import Interval, local_instant
from clinic.lib.time import local_day_bounds


@dataclass(frozen=True)
class ClosureRule:
    """A closure as plain data: one location's (or, with no location, every location's)
    day, or the part of it from `start` to `end`."""

    location_id: int | None
    day: date
    start: time | None = None
    end: time | None = None
    reason: str = ""


@dataclass(frozen=True)
class ClosedPeriod:
    """Instants when a location is closed, and why ("Christmas Day", "Staff training")."""

    start: datetime
    end: datetime
    reason: str


@lru_cache(maxsize=256)
def _holidays_of_year(country: str, state: str, year: int) -> tuple[tuple[date, str], ...]:
    found = holidays.country_holidays(country, subdiv=state or None, years=year)
    return tuple(sorted(found.items()))


def public_holidays(*, country: str, state: str, first: date, last: date) -> dict[date, str]:
    """The public holidays of `state` (national ones only without a state) from `first` to
    `last`, both included, with their names; observed days ("Boxing Day (observed)")
    included, part-day holidays (Christmas Eve from 7 pm) left out."""
    result: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for day, name in _holidays_of_year(country, state, year):
            if first <= day <= last:
                result[day] = name
    return result


def closed_periods(
    *,
    location_id: int,
    tz: ZoneInfo,
    country: str,
    state: str,
    first: date,
    last: date,
    closures: Iterable[ClosureRule] = (),
    opened: Iterable[tuple[int | None, date]] = (),
) -> list[ClosedPeriod]:
    """When the location is closed from `first` to `last` (local dates, both included),
    sorted by start (periods may overlap or touch).

    1. Each public holiday of the location's state is closed all day, unless the clinic
       opens on it (`opened` holds (location id, or None for every location, date)).
    2. Each closure of this location or of every location closes its day, or its part
       of the day.
    """
    open_days = {day for loc, day in opened if loc is None or loc == location_id}
    result: list[ClosedPeriod] = []
    for day, name in public_holidays(country=country, state=state, first=first, last=last).items():
        if day not in open_days:
            result.append(ClosedPeriod(*local_day_bounds(day, tz), name))
    for rule in closures:
        if rule.location_id not in (None, location_id) or not first <= rule.day <= last:
            continue
        if rule.start is None or rule.end is None:
            start, end = local_day_bounds(rule.day, tz)
        else:
            start = local_instant(rule.day, rule.start, tz)
            end = local_instant(rule.day, rule.end, tz)
        result.append(ClosedPeriod(start, end, rule.reason))
    result.sort(key=lambda p: (p.start, p.end))
    return result


def closed_intervals(
    *,
    location_id: int,
    tz: ZoneInfo,
    country: str,
    state: str,
    first: date,
    last: date,
    closures: Iterable[ClosureRule] = (),
    opened: Iterable[tuple[int | None, date]] = (),
) -> list[Interval]:
    """`closed_periods` as plain intervals, the busy time availability takes."""
    return [
        (p.start, p.end)
        for p in closed_periods(
            location_id=location_id,
            tz=tz,
            country=country,
            state=state,
            first=first,
            last=last,
            closures=closures,
            opened=opened,
        )
    ]
