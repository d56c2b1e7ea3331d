"""Reads for bookings: availability and appointment lists."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate

from bookings import slots
from bookings.models import Appointment, Modality, Service, TimeOff, WorkingHours
from clinic.lib.time import local_day_bounds
from clinic.models import Clinic, Location, Practitioner


class Slot(NamedTuple):
    """A bookable time: who, how and where.

    A named tuple rather than a frozen dataclass: a week of 50 practitioners makes
    thousands, and a tuple is built several times faster (bench/slot_cost.py).
    """

    start: datetime
    end: datetime
    practitioner_id: int
    modality: str
    location_id: int | None


def bookable_practitioners(
    *, service: Service, practitioner: Practitioner | None = None
) -> list[Practitioner]:
    """Active practitioners who offer the service (one query)."""
    qs = service.practitioners.filter(is_active=True, clinic_id=service.clinic_id)
    if practitioner is not None:
        qs = qs.filter(pk=practitioner.pk)
    return list(qs.order_by("display_name"))


def booking_window(*, clinic: Clinic, now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest instants a patient may book a visit to start."""
    not_before = now + timedelta(minutes=clinic.min_booking_notice_minutes)
    last_day = now.astimezone(clinic.tz).date() + timedelta(days=clinic.booking_horizon_days)
    return not_before, local_day_bounds(last_day, clinic.tz)[1]


def available_slots(
    *,
    service: Service,
    start_date: date,
    end_date: date,
    now: datetime,
    practitioner: Practitioner | None = None,
    modality: str | None = None,
    enforce_notice: bool = True,
    ignore_appointment_id: int | None = None,
    practitioners: list[Practitioner] | None = None,
) -> list[Slot]:
    """Free times for `service` from `start_date` to `end_date` (clinic-local dates).

    Loads everything in a fixed number of queries, whatever the number of
    practitioners and days: practitioners, working hours, time off, appointments.
    "No preference" (no `practitioner`) merges every practitioner who offers the
    service. Staff bookings pass `enforce_notice=False`: the notice and horizon bind
    patients only, not the past. A reschedule passes `ignore_appointment_id` so that
    the visit being moved does not block its own new time. A caller that has already
    loaded `bookable_practitioners(service=service)` passes them to save the query.
    """
    clinic = service.clinic
    tz = clinic.tz
    modalities = [modality] if modality else service.allowed_modalities()
    if any(m not in service.allowed_modalities() for m in modalities):
        return []
    if practitioners is None:
        practitioners = bookable_practitioners(service=service, practitioner=practitioner)
    elif practitioner is not None:
        practitioners = [p for p in practitioners if p.pk == practitioner.pk]
    if not practitioners or end_date < start_date:
        return []
    ids = [p.pk for p in practitioners]
    range_start = local_day_bounds(start_date, tz)[0]
    range_end = local_day_bounds(end_date, tz)[1]
    if enforce_notice:
        not_before, not_after = booking_window(clinic=clinic, now=now)
    else:
        not_before, not_after = now, range_end

    blocks: dict[int, list[slots.WeeklyBlock]] = defaultdict(list)
    for wh in WorkingHours.objects.filter(
        practitioner_id__in=ids, location__is_active=True
    ).values_list(
        "practitioner_id",
        "weekday",
        "start_time",
        "end_time",
        "location_id",
        "break_start",
        "break_end",
    ):
        pid, weekday, st, et, loc, bs, be = wh
        blocks[pid].append(slots.WeeklyBlock(weekday, st, et, loc, bs, be))

    busy: dict[int, list[slots.Interval]] = defaultdict(list)
    for pid, s, e in TimeOff.objects.filter(
        practitioner_id__in=ids, start__lt=range_end, end__gt=range_start
    ).values_list("practitioner_id", "start", "end"):
        busy[pid].append((s, e))
    # Appointments are held from start to blocked_until (end + buffer). Widen the read
    # by a day so a long visit starting before the range still blocks its tail.
    for pid, s, e in (
        Appointment.objects.active()
        .filter(
            practitioner_id__in=ids,
            start__lt=range_end,
            blocked_until__gt=range_start - timedelta(days=1),
        )
        .exclude(pk=ignore_appointment_id or 0)
        .values_list("practitioner_id", "start", "blocked_until")
    ):
        busy[pid].append((s, e))

    days = slots.days_between(start_date, end_date)
    step = timedelta(minutes=clinic.slot_step_minutes)
    duration = service.duration
    # (start in microseconds, practitioner, modality, location): plain tuples, sorted
    # before any Slot is made; ints compare and sort much faster than aware datetimes.
    found: list[tuple[int, int, str, int | None]] = []
    for p in practitioners:
        windows = slots.working_windows(blocks.get(p.pk, []), days, tz)
        starts = slots.free_starts_us(
            windows=windows,
            busy=busy.get(p.pk, []),
            duration=duration,
            buffer=service.buffer,
            step=step,
            not_before=max(not_before, range_start),
            not_after=min(not_after, range_end),
            tz=tz,
        )
        pk = p.pk
        for m in modalities:
            if m == Modality.CLINIC:
                found.extend((t, pk, m, location_id) for t, location_id in starts)
            else:
                found.extend((t, pk, m, None) for t, _ in starts)
    found.sort(key=itemgetter(0, 1, 2))  # stable: the old sort key was (start, pk, modality)
    # Practitioners share start times: make each start's datetimes once.
    times: dict[int, tuple[datetime, datetime]] = {}
    result: list[Slot] = []
    for t, pk, m, location_id in found:
        pair = times.get(t)
        if pair is None:
            start = slots.from_us(t)
            pair = times[t] = (start, start + duration)
        result.append(Slot(pair[0], pair[1], pk, m, location_id))
    return result


def slot_is_available(
    *,
    service: Service,
    practitioner: Practitioner,
    start: datetime,
    modality: str,
    now: datetime,
    location_id: int | None = None,
    enforce_notice: bool = True,
    ignore_appointment_id: int | None = None,
) -> Slot | None:
    """The slot at exactly `start` when it is free, else None. The caller has checked that
    the practitioner offers the service."""
    day = start.astimezone(service.clinic.tz).date()
    for slot in available_slots(
        service=service,
        start_date=day,
        end_date=day,
        now=now,
        practitioner=practitioner,
        modality=modality,
        enforce_notice=enforce_notice,
        ignore_appointment_id=ignore_appointment_id,
        practitioners=[practitioner],  # the caller checked that they offer the service
    ):
        if slot.start == start and (location_id is None or slot.location_id == location_id):
            return slot
    return None


def nearest_free_slots(
    *,
    service: Service,
    practitioner: Practitioner | None,
    modality: str,
    around: datetime,
    now: datetime,
    count: int = 5,
) -> list[Slot]:
    """The free times closest to `around` (within a week either side), nearest first."""
    tz = service.clinic.tz
    day = around.astimezone(tz).date()
    candidates = available_slots(
        service=service,
        start_date=day - timedelta(days=7),
        end_date=day + timedelta(days=7),
        now=now,
        practitioner=practitioner,
        modality=modality,
    )
    seen: set[datetime] = set()
    unique: list[Slot] = []
    for slot in sorted(candidates, key=lambda s: abs(s.start - around)):
        if slot.start not in seen:
            seen.add(slot.start)
            unique.append(slot)
        if len(unique) == count:
            break
    return sorted(unique, key=lambda s: s.start)


def appointment_list_for_patient(*, patient_id: int) -> list[Appointment]:
    return list(
        Appointment.objects.filter(patient_id=patient_id)
        .select_related("service", "practitioner", "location")
        .order_by("-start")
    )


def appointment_list_for_schedule(
    *,
    clinic: Clinic,
    start: datetime,
    end: datetime,
    practitioner: Practitioner | None = None,
    location_id: int | None = None,
) -> list[Appointment]:
    """Appointments of a clinic in [start, end), for the staff schedule."""
    qs = (
        Appointment.objects.for_clinic(clinic)
        .filter(start__lt=end, end__gt=start)
        .select_related("patient", "practitioner", "service", "location")
    )
    if practitioner is not None:
        qs = qs.filter(practitioner=practitioner)
    if location_id is not None:
        qs = qs.filter(Q(location_id=location_id))
    return list(qs.order_by("start", "practitioner__display_name"))


def appointment_records() -> QuerySet[Appointment]:
    """Appointments with what the staff pages show, for finding one by code
    (`clinic.access`)."""
    return Appointment.objects.select_related(
        "patient",
        "practitioner__clinic",
        "service__clinic",
        "location",
        "booked_by",
        "cancelled_by",
    )


def service_bookable_online(*, code: uuid.UUID) -> Service | None:
    """The active service with this code that patients may book online, or None."""
    return (
        Service.objects.select_related("clinic")
        .filter(code=code, is_active=True, bookable_online=True)
        .first()
    )


def _one_per_time(
    found: list[Slot],
    practitioners: list[Practitioner],
    booked: Counter[tuple[int, date]],
    tz: ZoneInfo,
) -> list[Slot]:
    """For "No preference": one slot per time (and place), given to the practitioner
    with the fewest bookings that day; ties go to the first in name order."""
    order = {p.pk: i for i, p in enumerate(practitioners)}
    best: dict[tuple[datetime, int | None], tuple[tuple[int, int], Slot]] = {}
    days: dict[datetime, date] = {}  # many slots share a start: convert each one once
    for slot in found:
        start = slot.start
        day = days.get(start)
        if day is None:
            day = days[start] = start.astimezone(tz).date()
        pk = slot.practitioner_id
        rank = (booked.get((pk, day), 0), order.get(pk, 0))
        key = (start, slot.location_id)
        current = best.get(key)
        if current is None or rank < current[0]:
            best[key] = (rank, slot)
    return sorted((slot for _, slot in best.values()), key=lambda s: (s.start, s.location_id or 0))


def _bookings_per_day(
    practitioners: list[Practitioner], start: datetime, end: datetime, tz: ZoneInfo
) -> Counter[tuple[int, date]]:
    """Active bookings per practitioner and clinic-local day, counted by the database."""
    rows = (
        Appointment.objects.active()
        .filter(practitioner__in=practitioners, start__gte=start, start__lt=end)
        .annotate(day=TruncDate("start", tzinfo=tz))
        .order_by()
        .values("practitioner_id", "day")
        .annotate(count=Count("pk"))
        .values_list("practitioner_id", "day", "count")
    )
    return Counter({(pid, day): count for pid, day, count in rows})


def available_slots_no_preference(
    *,
    service: Service,
    practitioners: list[Practitioner],
    start_date: date,
    end_date: date,
    now: datetime,
    modality: str | None = None,
) -> list[Slot]:
    """Free times for a patient with no preference of practitioner: one slot per time
    (and place), given to the practitioner with the fewest bookings that day, ties to
    the first of `practitioners` (name order), so the work is shared out."""
    found = available_slots(
        service=service, start_date=start_date, end_date=end_date, now=now, modality=modality
    )
    tz = service.clinic.tz
    start, end = local_day_bounds(start_date, tz)[0], local_day_bounds(end_date, tz)[1]
    return _one_per_time(found, practitioners, _bookings_per_day(practitioners, start, end, tz), tz)


def service_list_bookable_online(*, clinic: Clinic | None = None) -> list[Service]:
    """Active services that patients may book online (of one clinic, or of every clinic),
    with their clinic and practitioners."""
    services = Service.objects.filter(is_active=True, bookable_online=True)
    if clinic is not None:
        services = services.filter(clinic=clinic)
    return list(
        services.select_related("clinic")
        .prefetch_related("practitioners")
        .order_by("clinic_id", "display_order", "name")
    )


def practitioner_list_active() -> list[Practitioner]:
    """Active practitioners with their bookable services and active locations (3 queries)."""
    return list(
        Practitioner.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch(
                "services",
                queryset=Service.objects.filter(is_active=True, bookable_online=True),
            ),
            Prefetch("locations", queryset=Location.objects.filter(is_active=True)),
        )
        .order_by("display_name")
    )
