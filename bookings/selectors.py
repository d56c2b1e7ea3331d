"""Reads for bookings: availability and appointment lists."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Prefetch, Q, QuerySet, TimeField, Value
from django.db.models.functions import TruncDate

from bookings import slots
from bookings.closed_times import ClosureRule, closed_intervals, closed_periods
from bookings.models import (
    Appointment,
    Closure,
    HolidayOptOut,
    Modality,
    Service,
    TimeOff,
    WorkingHours,
)
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
    tz: ZoneInfo | None = None  # the location's zone, for a clinic visit


@dataclass(frozen=True)
class _Place:
    """What availability needs of a location: its zone and whose holidays close it."""

    tz: ZoneInfo
    country: str
    state: str


def _closure_rules(
    *, clinic_id: int, first: date, last: date
) -> tuple[list[ClosureRule], list[tuple[int | None, date]]]:
    """The clinic's closures and the public holidays it opens on, from `first` to `last`,
    in one query."""
    closures = (
        Closure.objects.filter(clinic_id=clinic_id, date__range=(first, last))
        .order_by()
        .annotate(kind=Value("closure"))
        .values_list("location_id", "date", "start_time", "end_time", "reason", "kind")
    )
    opt_outs = (
        HolidayOptOut.objects.filter(clinic_id=clinic_id, date__range=(first, last))
        .order_by()
        .annotate(
            no_start=Value(None, output_field=TimeField()),
            no_end=Value(None, output_field=TimeField()),
            no_reason=Value(""),
            kind=Value("open"),
        )
        .values_list("location_id", "date", "no_start", "no_end", "no_reason", "kind")
    )
    rules: list[ClosureRule] = []
    opened: list[tuple[int | None, date]] = []
    for loc, day, st, et, reason, kind in closures.union(opt_outs, all=True):
        if kind == "open":
            opened.append((loc, day))
        else:
            rules.append(ClosureRule(loc, day, st, et, reason))
    return rules, opened


def _closed_by_place(
    *, clinic_id: int, places: dict[int, _Place], first: date, last: date
) -> dict[int, list[slots.Interval]]:
    """Each place's closed instants from `first` to `last` (its local dates): public
    holidays it does not open on and the clinic's closures."""
    if not places:
        return {}
    rules, opened = _closure_rules(clinic_id=clinic_id, first=first, last=last)
    return {
        loc: closed_intervals(
            location_id=loc,
            tz=place.tz,
            country=place.country,
            state=place.state,
            first=first,
            last=last,
            closures=rules,
            opened=opened,
        )
        for loc, place in places.items()
    }


def closure_reason_at(
    *, practitioner: Practitioner, start: datetime, end: datetime, location_id: int | None
) -> str | None:
    """Why a time cannot be booked when a closure or public holiday is the reason: "Perth
    rooms are closed then (Western Australia Day)." Else None. For the message of a
    refused booking, so a few queries are fine. Without a location, the places whose
    working hours hold `start` are checked."""
    hours = WorkingHours.objects.filter(practitioner=practitioner, location__is_active=True)
    if location_id is not None:
        hours = hours.filter(location_id=location_id)
    day = start.astimezone(practitioner.clinic.tz).date()
    rules, opened = _closure_rules(
        clinic_id=practitioner.clinic_id,
        first=day - timedelta(days=1),
        last=day + timedelta(days=1),
    )
    for loc, name, zone_name, country, state, weekday, st, et in hours.values_list(
        "location_id",
        "location__name",
        "location__timezone",
        "location__country",
        "location__state",
        "weekday",
        "start_time",
        "end_time",
    ):
        zone = ZoneInfo(zone_name) if zone_name else practitioner.clinic.tz
        local = start.astimezone(zone)
        if location_id is None and not (local.weekday() == weekday and st <= local.time() < et):
            continue
        for period in closed_periods(
            location_id=loc,
            tz=zone,
            country=country,
            state=state,
            first=day - timedelta(days=1),
            last=day + timedelta(days=1),
            closures=rules,
            opened=opened,
        ):
            if period.start < end and period.end > start:
                why = f" ({period.reason})" if period.reason else ""
                return f"{name} is closed then{why}. Choose another day or time."
    return None


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
    """Free times for `service` from `start_date` to `end_date` (local dates of each
    location: a Perth location's hours, slot grid and days are Perth's).

    Loads everything in a fixed number of queries, whatever the number of
    practitioners and days: practitioners, working hours (with their locations' zones
    and states), time off, appointments, closures. No slot overlaps a closure or a
    public holiday of its location's state that the clinic does not open on.
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

    # Working hours are wall-clock times of their location's zone: group them by place.
    blocks: dict[int, dict[int, list[slots.WeeklyBlock]]] = defaultdict(lambda: defaultdict(list))
    places: dict[int, _Place] = {}
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
        "location__timezone",
        "location__country",
        "location__state",
    ):
        pid, weekday, st, et, loc, bs, be, zone_name, country, state = wh
        blocks[pid][loc].append(slots.WeeklyBlock(weekday, st, et, loc, bs, be))
        if loc not in places:
            places[loc] = _Place(ZoneInfo(zone_name) if zone_name else tz, country, state)
    # The dates are local to each place: read what may touch any of them.
    zones = {tz, *(place.tz for place in places.values())}
    range_start = min(local_day_bounds(start_date, z)[0] for z in zones)
    range_end = max(local_day_bounds(end_date, z)[1] for z in zones)
    if enforce_notice:
        not_before, not_after = booking_window(clinic=clinic, now=now)
    else:
        not_before, not_after = now, range_end

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
    closed = _closed_by_place(clinic_id=clinic.pk, places=places, first=start_date, last=end_date)

    days = slots.days_between(start_date, end_date)
    step = timedelta(minutes=clinic.slot_step_minutes)
    duration = service.duration
    # (start in microseconds, practitioner, modality, location): plain tuples, sorted
    # before any Slot is made; ints compare and sort much faster than aware datetimes.
    found: list[tuple[int, int, str, int | None]] = []
    for p in practitioners:
        pk = p.pk
        for loc, place_blocks in blocks.get(pk, {}).items():
            zone = places[loc].tz
            windows = slots.working_windows(place_blocks, days, zone)
            starts = slots.free_starts_us(
                windows=windows,
                busy=busy.get(pk, []) + closed[loc],
                duration=duration,
                buffer=service.buffer,
                step=step,
                not_before=max(not_before, local_day_bounds(start_date, zone)[0]),
                not_after=min(not_after, local_day_bounds(end_date, zone)[1]),
                tz=zone,
            )
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
        place = places.get(location_id) if location_id is not None else None
        result.append(Slot(pair[0], pair[1], pk, m, location_id, place.tz if place else None))
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
    # A day either side: the location's date of `start` may not be the clinic's.
    day = start.astimezone(service.clinic.tz).date()
    for slot in available_slots(
        service=service,
        start_date=day - timedelta(days=1),
        end_date=day + timedelta(days=1),
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
    """A patient's visits, newest first; a time held for them on the waitlist is an offer,
    not a visit, and is left out."""
    return list(
        Appointment.objects.filter(patient_id=patient_id)
        .exclude(status=Appointment.Status.HELD)
        .select_related("service", "practitioner__clinic", "location", "referral")
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


def practitioner_zone_annotations(path: str = "") -> dict[str, Any]:
    """Annotations of a practitioner (at `path`, e.g. "practitioner__" from their time
    off) that `annotated_zone` reads: how many zones their active rooms are in, and one."""
    active = Q(**{f"{path}working_hours__location__is_active": True})
    zone = f"{path}working_hours__location__timezone"
    return {
        "zone_count": Count(zone, filter=active, distinct=True),
        "one_zone": Max(zone, filter=active),
    }


def annotated_zone(row: object, fallback: ZoneInfo) -> ZoneInfo:
    """A practitioner's own zone from `practitioner_zone_annotations`: that of the active
    rooms where they work when those share one (a practitioner in the Perth rooms enters
    and reads their time off in Perth time), else `fallback`, the clinic's."""
    one = getattr(row, "one_zone", None)
    return ZoneInfo(one) if getattr(row, "zone_count", 0) == 1 and one else fallback


def practitioner_zones(
    *, clinic: Clinic, practitioner_ids: Collection[int] | None = None
) -> dict[int, ZoneInfo]:
    """The clinic's practitioners' own zones (`annotated_zone`), by practitioner id."""
    rows = Practitioner.objects.filter(clinic=clinic)
    if practitioner_ids is not None:
        rows = rows.filter(pk__in=practitioner_ids)
    rows = rows.annotate(**practitioner_zone_annotations())
    return {p.pk: annotated_zone(p, clinic.tz) for p in rows}


def practitioner_zone(*, practitioner: Practitioner) -> ZoneInfo:
    clinic = practitioner.clinic
    return practitioner_zones(clinic=clinic, practitioner_ids=[practitioner.pk])[practitioner.pk]
