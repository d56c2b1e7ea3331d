"""Recurring visits: a rehabilitation block ("every Tuesday 10:00 for 8 weeks") booked as
a series from its first visit.

Staff book the first visit as any other, then repeat it. The plan lists every proposed
time and, for each one that clashes, why and the nearest free times that day with the
same practitioner, before anything is saved. Booking the plan goes through the one
booking service (`appointment_book`) for each visit, all in one transaction: a time taken
meanwhile books none of them, and the plan is shown again. A series can be cancelled from
one visit on, or moved from one visit on to a new day and time.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, Modality
from bookings.selectors import Slot, available_slots, slot_is_available
from bookings.services import appointment_book, appointment_cancel, appointment_reschedule
from bookings.slots import local_instant
from clinic.errors import DomainError
from clinic.models import User

logger = logging.getLogger(__name__)

MAX_REPEATS = 25
"""At most this many visits after the first: half a year of weekly visits."""


@dataclass
class SeriesVisit:
    """One proposed time of a series and, when it clashes, why and what else is free."""

    start: datetime
    clash: str = ""
    alternatives: list[Slot] = field(default_factory=list)
    moving: Appointment | None = None
    """The booked visit this time would replace, when a series is moved."""

    @property
    def free(self) -> bool:
        return not self.clash


def series_starts(
    *, first: datetime, every_weeks: int, repeats: int, tz: ZoneInfo
) -> list[datetime]:
    """The start of each visit after `first`: the same wall-clock time in the clinic's
    zone every `every_weeks` weeks, so 10:00 stays 10:00 across a daylight-saving change."""
    local = first.astimezone(tz)
    return [
        local_instant(local.date() + timedelta(weeks=every_weeks * n), local.time(), tz)
        for n in range(1, repeats + 1)
    ]


def appointment_series_plan(
    *, appointment: Appointment, every_weeks: int, repeats: int, now: datetime | None = None
) -> list[SeriesVisit]:
    """The visits that repeating `appointment` would book, each checked as a staff booking
    would be (any time the practitioner works and is free, no online notice)."""
    now = now or timezone.now()
    if not 1 <= every_weeks <= 4 or not 1 <= repeats <= MAX_REPEATS:
        raise DomainError("Choose how often and how many visits from the lists.")
    tz = appointment.tz  # the same wall-clock time at its location, across clock changes
    plan = []
    for start in series_starts(
        first=appointment.start, every_weeks=every_weeks, repeats=repeats, tz=tz
    ):
        visit = SeriesVisit(start=start)
        visit.clash = _clash(appointment, start=start, now=now)
        if visit.clash:
            visit.alternatives = _same_day_alternatives(appointment, start=start, now=now)
        plan.append(visit)
    return plan


def _clash(
    appointment: Appointment, *, start: datetime, now: datetime, moving: Appointment | None = None
) -> str:
    """Why the practitioner cannot see the patient at `start`, or "" when they can. The
    visit being `moving` does not get in its own way."""
    practitioner, patient = appointment.practitioner, appointment.patient
    if start <= now:
        return "This time has passed."
    end = start + appointment.service.duration
    ignore_id = moving.pk if moving else None
    others = Appointment.objects.active().exclude(pk=ignore_id or 0)  # ids start at 1
    other = (
        others.filter(patient=patient, start__lt=end, end__gt=start)
        .select_related("practitioner")
        .first()
    )
    if other is not None:
        with_whom = other.practitioner.display_name
        return f"{patient.first_name} already has a visit then, with {with_whom}."
    slot = slot_is_available(
        service=appointment.service,
        practitioner=practitioner,
        start=start,
        modality=appointment.modality,
        now=now,
        location_id=appointment.location_id if appointment.modality == Modality.CLINIC else None,
        enforce_notice=False,
        ignore_appointment_id=ignore_id,
    )
    if slot is not None:
        return ""
    busy = others.filter(practitioner=practitioner, start__lt=end, blocked_until__gt=start)
    if busy.exists():
        return f"{practitioner.display_name} is already booked then."
    return f"{practitioner.display_name} is not working then (hours, time off or a closure)."


def _same_day_alternatives(
    appointment: Appointment,
    *,
    start: datetime,
    now: datetime,
    count: int = 3,
    moving: Appointment | None = None,
) -> list[Slot]:
    day = start.astimezone(appointment.practitioner.clinic.tz).date()
    free = available_slots(
        service=appointment.service,
        start_date=day,
        end_date=day,
        now=now,
        practitioner=appointment.practitioner,
        modality=appointment.modality,
        enforce_notice=False,
        ignore_appointment_id=moving.pk if moving else None,
    )
    if appointment.modality == Modality.CLINIC and appointment.location_id:
        free = [s for s in free if s.location_id == appointment.location_id]
    nearest = sorted(free, key=lambda s: abs(s.start - start))[:count]
    return sorted(nearest, key=lambda s: s.start)


@transaction.atomic
def appointment_series_book(
    *, appointment: Appointment, starts: list[datetime], by_user: User
) -> list[Appointment]:
    """Book the chosen `starts` as visits in `appointment`'s series, all or none.

    Each visit is booked through `appointment_book`, with the first visit's service,
    practitioner, way of attending and location; each gets its own confirmation (with its
    own calendar entry) and reminders. Raises the booking service's errors
    (SlotUnavailable, PatientAlreadyBooked, DomainError) for the first time that fails,
    and then nothing is booked.
    """
    if not starts:
        raise DomainError("Choose at least one time to book.")
    first = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
    if first.status != Appointment.Status.BOOKED:
        raise DomainError("Only a booked visit can be repeated.")
    if first.series is None:
        first.series = uuid.uuid4()
        first.save(update_fields=["series", "updated_at"])
    booked = []
    for start in sorted(starts):
        visit = appointment_book(
            service=first.service,
            practitioner=first.practitioner,
            modality=first.modality,
            start=start,
            patient=first.patient,
            source=Appointment.Source.STAFF,
            booked_by=by_user,
            location_id=first.location_id if first.modality == Modality.CLINIC else None,
        )
        visit.series = first.series
        visit.save(update_fields=["series", "updated_at"])
        booked.append(visit)
    logger.info("series booked first=%s visits=%s", first.pk, len(booked))
    return booked


def series_later_visits(appointment: Appointment) -> list[Appointment]:
    """This visit and the booked visits after it in the same series, in time order."""
    if appointment.series is None:
        return [appointment] if appointment.status == Appointment.Status.BOOKED else []
    return list(
        Appointment.objects.filter(
            series=appointment.series,
            start__gte=appointment.start,
            status=Appointment.Status.BOOKED,
        )
        .select_related("practitioner", "service")
        .order_by("start")
    )


@transaction.atomic
def appointment_series_cancel_from(
    *, appointment: Appointment, by_user: User, reason: str
) -> list[Appointment]:
    """Cancel this visit and every booked visit after it in its series (each with its
    own cancellation notice). Visits before it are kept."""
    cancelled = [
        appointment_cancel(appointment=visit, by_user=by_user, reason=reason, as_staff=True)
        for visit in series_later_visits(appointment)
    ]
    logger.info("series cancelled from=%s visits=%s", appointment.pk, len(cancelled))
    return cancelled


def appointment_series_move_plan(
    *, appointment: Appointment, start: datetime, now: datetime | None = None
) -> list[SeriesVisit]:
    """Moving `appointment` to `start` moves it and each later booked visit of its series
    by the same number of days, to the same new wall-clock time ("from Tuesdays at 10:00
    to Thursdays at 14:00"). Each new time is checked as a staff move would be.

    A new time that lands on another visit of the same series (a move of a week or more)
    shows as a clash: choose another time for it, or move the visits one by one.
    """
    now = now or timezone.now()
    tz = appointment.tz  # wall-clock times of the visit's location
    old, new = appointment.start.astimezone(tz), start.astimezone(tz)
    shift = new.date() - old.date()
    plan = []
    for visit in series_later_visits(appointment):
        target = local_instant(visit.start.astimezone(tz).date() + shift, new.time(), tz)
        item = SeriesVisit(start=target, moving=visit)
        item.clash = _clash(visit, start=target, now=now, moving=visit)
        if not item.clash and target == visit.start:
            item.clash = "It is already at this time."
        if item.clash:
            item.alternatives = _same_day_alternatives(visit, start=target, now=now, moving=visit)
        plan.append(item)
    return plan


@transaction.atomic
def appointment_series_move(
    *, moves: list[tuple[Appointment, datetime]], by_user: User
) -> list[Appointment]:
    """Move each visit to its new time, all or none, through `appointment_reschedule` (the
    same checks and lock order as any move; each patient gets a reschedule notice)."""
    if not moves:
        raise DomainError("Choose at least one visit to move.")
    moved = [
        appointment_reschedule(
            appointment=visit,
            start=start,
            by_user=by_user,
            as_staff=True,
            location_id=visit.location_id if visit.modality == Modality.CLINIC else None,
        )
        for visit, start in sorted(moves, key=lambda m: m[1])
    ]
    logger.info("series moved first=%s visits=%s", moved[0].pk, len(moved))
    return moved
