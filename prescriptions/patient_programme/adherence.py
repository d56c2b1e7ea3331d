"""Adherence: sessions done against the days a week the programme asks for. Pure.

Definitions (README "Exercise programmes" says the same in words):

- A *session day* is a calendar day, in the clinic's time zone, with at least one logged
  session in which at least one exercise was done. Two sessions on one day (a twice-daily
  programme) count as one day.
- Weeks run Monday to Sunday. The programme runs from the day its first version was
  published to today (or to the day it ended).
- The *days per week* of a week is the largest "days a week" among the items of the
  version the patient was following that week (its last day's version).
- *Planned* sessions in a week = days per week x (programme days in that week / 7),
  rounded up. A whole week plans exactly its days per week; the first week (started on a
  Thursday, say) and the current week (up to and including today) plan a share.
- *Done* in a week = session days that week, at most the week's planned number, so extra
  sessions one week never make up for missed ones another.
- *This week* = done this week of the days per week for the whole week ("2 of 3").
- *Overall* = all weeks' done / all weeks' planned, as a whole percentage (capped at 100).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from clinic.lib.time import week_start


@dataclass(frozen=True)
class WeekAdherence:
    start: date  # the Monday
    days_per_week: int
    programme_days: int  # days of this week within the programme (1..7)
    planned: int
    session_days: int  # uncapped
    done: int  # capped at planned

    @property
    def percent(self) -> int | None:
        return None if not self.planned else round(100 * self.done / self.planned)


@dataclass(frozen=True)
class Adherence:
    weeks: tuple[WeekAdherence, ...]  # oldest first; the last is the current week
    this_week_done: int
    this_week_target: int  # days per week for the whole current week (first week: its share)
    done: int
    planned: int

    @property
    def percent(self) -> int | None:
        """Overall adherence, 0..100; None before anything was planned."""
        return None if not self.planned else min(100, round(100 * self.done / self.planned))


def planned_sessions(days_per_week: int, programme_days: int) -> int:
    """The sessions a week of `programme_days` days plans at `days_per_week` (rounded up)."""
    if not 0 <= programme_days <= 7 or not 0 <= days_per_week <= 7:
        raise ValueError("days must be between 0 and 7")
    return math.ceil(days_per_week * programme_days / 7)


def adherence(
    *,
    start: date,
    today: date,
    session_days: Iterable[date],
    days_per_week_on: Callable[[date], int],
) -> Adherence:
    """Adherence from `start` (first publish day) to `today`, both inclusive.

    `days_per_week_on(day)` gives the programme's days per week on `day` (the version in
    force then); it is asked once per week, for the week's last programme day.
    Session days outside [start, today] are ignored.
    """
    if today < start:
        return Adherence((), 0, 0, 0, 0)
    days = {d for d in session_days if start <= d <= today}
    weeks: list[WeekAdherence] = []
    monday = week_start(start)
    while monday <= today:
        first = max(monday, start)
        last = min(monday + timedelta(days=6), today)
        per_week = days_per_week_on(last)
        programme_days = (last - first).days + 1
        planned = planned_sessions(per_week, programme_days)
        count = sum(1 for d in days if first <= d <= last)
        weeks.append(
            WeekAdherence(monday, per_week, programme_days, planned, count, min(count, planned))
        )
        monday += timedelta(days=7)
    current = weeks[-1]
    whole_week_days = (current.start + timedelta(days=6) - max(current.start, start)).days + 1
    return Adherence(
        weeks=tuple(weeks),
        this_week_done=current.session_days,
        this_week_target=planned_sessions(current.days_per_week, whole_week_days),
        done=sum(w.done for w in weeks),
        planned=sum(w.planned for w in weeks),
    )
