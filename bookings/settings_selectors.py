"""Reads of the clinic's settings pages: each list in a fixed number of queries."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Prefetch, QuerySet

from bookings.models import Appointment, ScreeningQuestion, Service, TimeOff, WorkingHours
from clinic.models import Clinic, Location, Practitioner


def location_list(*, clinic: Clinic) -> list[Location]:
    """The clinic's locations, open ones first, with how many practitioners work there."""
    return list(
        Location.objects.filter(clinic=clinic)
        .annotate(practitioner_count=Count("working_hours__practitioner", distinct=True))
        .order_by("-is_active", "name")
    )


def practitioner_list(*, clinic: Clinic) -> list[Practitioner]:
    """The clinic's practitioners, those taking bookings first, with their services and
    weekly hours (and each block's location)."""
    return list(
        Practitioner.objects.filter(clinic=clinic)
        .select_related("user")
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.order_by("display_order", "name")),
            Prefetch(
                "working_hours",
                queryset=WorkingHours.objects.select_related("location").order_by(
                    "weekday", "start_time"
                ),
            ),
        )
        .order_by("-is_active", "display_name")
    )


def practitioner_hours(*, practitioner: Practitioner) -> list[WorkingHours]:
    return list(
        WorkingHours.objects.filter(practitioner=practitioner)
        .select_related("location")
        .order_by("weekday", "start_time")
    )


def time_off_upcoming(*, clinic: Clinic, now: datetime) -> list[TimeOff]:
    """Time off of the clinic's practitioners that has not ended yet, soonest first."""
    return list(
        TimeOff.objects.filter(practitioner__clinic=clinic, end__gt=now)
        .select_related("practitioner")
        .order_by("start", "practitioner__display_name")
    )


def visits_during(*, practitioner: Practitioner, start: datetime, end: datetime) -> int:
    """How many booked visits of the practitioner fall, at least partly, in this time."""
    return (
        Appointment.objects.active()
        .filter(practitioner=practitioner, start__lt=end, end__gt=start)
        .count()
    )


def service_list(*, clinic: Clinic) -> list[Service]:
    return list(
        Service.objects.filter(clinic=clinic)
        .prefetch_related(
            Prefetch("practitioners", queryset=Practitioner.objects.order_by("display_name"))
        )
        .order_by("-is_active", "display_order", "name")
    )


def screening_question_list(*, clinic: Clinic) -> QuerySet[ScreeningQuestion]:
    """The clinic's health questions in the order they are asked (the ones no longer
    asked keep their place, marked)."""
    return ScreeningQuestion.objects.filter(clinic=clinic).order_by("display_order", "id")
