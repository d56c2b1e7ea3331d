"""Closures and public holidays of a clinic's locations: the reads and writes of the
closures settings page (bookings/views/closures.py). Availability reads the same rows in
bookings.selectors; the closed times themselves are computed in bookings.closed_times."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.db import transaction
from django.db.models import Q

from bookings.closed_times import public_holidays
from bookings.models import Appointment, Closure, HolidayOptOut
from bookings.slots import local_instant
from clinic.errors import DomainError
from clinic.lib.time import local_day_bounds
from clinic.models import Clinic, Location, User

logger = logging.getLogger(__name__)

HOLIDAYS_AHEAD = timedelta(days=365)


@dataclass(frozen=True)
class HolidayRow:
    day: date
    name: str
    is_open: bool


@dataclass(frozen=True)
class LocationHolidays:
    location: Location
    holidays: list[HolidayRow]


def holiday_list_for_clinic(*, clinic: Clinic, today: date) -> list[LocationHolidays]:
    """Each active location's public holidays of the next 12 months, and whether the clinic
    opens on each (two queries)."""
    last = today + HOLIDAYS_AHEAD
    locations = list(clinic.locations.filter(is_active=True).order_by("name"))
    opened: set[tuple[int | None, date]] = set(
        HolidayOptOut.objects.filter(clinic=clinic, date__range=(today, last)).values_list(
            "location_id", "date"
        )
    )
    result = []
    for location in locations:
        found = public_holidays(
            country=location.country, state=location.state, first=today, last=last
        )
        rows = [
            HolidayRow(day, name, (location.pk, day) in opened or (None, day) in opened)
            for day, name in found.items()
        ]
        result.append(LocationHolidays(location, rows))
    return result


def closure_list_upcoming(*, clinic: Clinic, today: date) -> list[Closure]:
    """The clinic's closures from today on, soonest first."""
    return list(
        Closure.objects.filter(clinic=clinic, date__gte=today)
        .select_related("location")
        .order_by("date", "start_time", "pk")
    )


def closure_create(
    *,
    clinic: Clinic,
    location: Location | None,
    day: date,
    start_time: time | None,
    end_time: time | None,
    reason: str,
    by: User,
) -> Closure:
    """Close one location (or every location, with none) for a day or part of one."""
    if location is not None and location.clinic_id != clinic.pk:
        raise DomainError("Choose one of the clinic's locations.", field="location")
    closure = Closure(
        clinic=clinic,
        location=location,
        date=day,
        start_time=start_time,
        end_time=end_time,
        reason=reason,
        created_by=by,
    )
    closure.full_clean()
    closure.save()
    logger.info("closure created id=%s clinic=%s", closure.pk, clinic.pk)
    return closure


def closure_booked_count(*, closure: Closure) -> int:
    """How many booked visits fall in the closure: closing does not cancel them, so the
    page tells staff to move them."""
    locations = (
        [closure.location] if closure.location is not None else list(closure.clinic.locations.all())
    )
    overlaps = Q()
    for location in locations:
        tz = location.tz
        if closure.start_time is None or closure.end_time is None:
            start, end = local_day_bounds(closure.date, tz)
        else:
            start = local_instant(closure.date, closure.start_time, tz)
            end = local_instant(closure.date, closure.end_time, tz)
        overlaps |= Q(location=location, start__lt=end, end__gt=start)
    if not locations:
        return 0
    return Appointment.objects.filter(status=Appointment.Status.BOOKED).filter(overlaps).count()


def closure_delete(*, closure: Closure) -> None:
    logger.info("closure deleted id=%s clinic=%s", closure.pk, closure.clinic_id)
    closure.delete()


@transaction.atomic
def holiday_open_set(
    *, clinic: Clinic, location: Location, day: date, is_open: bool, by: User
) -> None:
    """Open a location on a public holiday, or close it again.

    Closing again removes the location's opt-out; an opt-out of every location becomes
    one per other location, so only this one closes.
    """
    if location.clinic_id != clinic.pk:
        raise DomainError("Choose one of the clinic's locations.", field="location")
    mine = HolidayOptOut.objects.filter(clinic=clinic, location=location, date=day)
    if is_open:
        if not mine.exists():
            HolidayOptOut.objects.create(clinic=clinic, location=location, date=day, created_by=by)
        return
    mine.delete()
    everywhere = HolidayOptOut.objects.filter(clinic=clinic, location__isnull=True, date=day)
    if everywhere.exists():
        everywhere.delete()
        for other in clinic.locations.exclude(pk=location.pk):
            HolidayOptOut.objects.get_or_create(
                clinic=clinic, location=other, date=day, defaults={"created_by": by}
            )
