"""Pure time-zone helpers: instants are stored in UTC and shown in the clinic's zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def to_local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz)


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants at which `day` starts and ends in `tz` (23 or 25 hours apart on
    daylight-saving days)."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def week_start(day: date) -> date:
    """The Monday of the week that holds `day`."""
    return day - timedelta(days=day.weekday())


# --- Words for people: "Tuesday 3 March 2026, 10:15 am" -----------------------------------
# One way of writing times everywhere (pages, emails, the printable record), independent
# of the locale: Django's "a" format would write "a.m.".


def clock_label(moment: datetime | time) -> str:
    """ "10:15 am" for a wall-clock time or an instant as it is (convert it first)."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def day_label(day: date, *, year: bool = False) -> str:
    """ "Tuesday 3 March", or "Tuesday 3 March 2026" with `year`."""
    label = f"{day:%A} {day.day} {day:%B}"
    return f"{label} {day.year}" if year else label


def when_label(instant: datetime, tz: ZoneInfo, *, year: bool = True) -> str:
    """ "Tuesday 3 March 2026, 10:15 am": `instant` read in `tz`."""
    local = instant.astimezone(tz)
    return f"{day_label(local.date(), year=year)}, {clock_label(local)}"


def zone_label(zone: ZoneInfo | str) -> str:
    """ "Sydney" for Australia/Sydney: the place an IANA zone is named after."""
    name = zone.key if isinstance(zone, ZoneInfo) else zone
    return name.rsplit("/", 1)[-1].replace("_", " ")
