"""The staff calendar: today's time grid, where staff land after signing in.

A day shows a column per practitioner working that day; a week shows one practitioner's
seven days. Appointments sit on their rows by time and length, with one-click attendance
buttons and a Move link (the keyboard way to move; calendar.js adds dragging); every free
15 minutes is a link to book there. Without JavaScript it is plain links and forms. With
htmx, marking swaps one card and a drag refreshes the grid alone (`#grid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from bookings import calendar
from bookings.forms.staff import (
    ALL,
    ScheduleFilterForm,
    schedule_location_default,
    schedule_zone,
)
from bookings.models import Appointment
from clinic.access import is_clinician, staff_clinic_or_404
from clinic.forms import EARLIEST_DATE, LATEST_DATE
from clinic.lib.time import day_label, week_start, zone_label
from clinic.models import Clinic, Location, Practitioner


@dataclass(frozen=True)
class CalendarFilters:
    view: str
    day: date
    practitioner: Practitioner | None
    location: Location | None


def _today(clinic: Clinic) -> date:
    return timezone.now().astimezone(clinic.tz).date()


def _filters(
    request: HttpRequest,
    *,
    clinic: Clinic,
    practitioners: list[Practitioner],
    locations: list[Location],
) -> tuple[ScheduleFilterForm, CalendarFilters]:
    """Read the GET filters; a bad value is shown as an error and its default used. A
    week is one practitioner's: the one asked for, else the signed-in practitioner, else
    the first."""
    today = _today(clinic)
    defaults = {
        "view": "day",
        "date": today.isoformat(),
        "practitioner": ALL,
        "location": schedule_location_default(locations),
    }
    data = {name: request.GET.get(name) or default for name, default in defaults.items()}
    if data["view"] == "week" and data["practitioner"] == ALL and practitioners:
        own = next((p for p in practitioners if p.user_id == request.user.pk), None)
        data["practitioner"] = str((own or practitioners[0]).code)
    form = ScheduleFilterForm(data, practitioners=practitioners, locations=locations)
    form.is_valid()
    cleaned = form.cleaned_data
    view = cleaned.get("view") or "day"
    code = cleaned.get("practitioner") or ALL
    chosen = next((p for p in practitioners if str(p.code) == code), None)
    if view == "week" and chosen is None and practitioners:
        chosen = practitioners[0]
    location_id = cleaned.get("location") or ""
    return form, CalendarFilters(
        view=view,
        day=cleaned.get("date") or today,
        practitioner=chosen,
        location=next((loc for loc in locations if str(loc.pk) == location_id), None),
    )


def calendar_url(filters: CalendarFilters, **changes: Any) -> str:
    params = {"view": filters.view, "date": filters.day.isoformat()}
    if filters.practitioner:
        params["practitioner"] = str(filters.practitioner.code)
    if filters.location:
        params["location"] = str(filters.location.pk)
    params.update({k: str(v) for k, v in changes.items()})
    return f"{reverse('bookings:staff-calendar')}?{urlencode(params)}"


def _nav(filters: CalendarFilters, today: date) -> dict[str, str | None]:
    step = timedelta(days=7 if filters.view == "week" else 1)
    earlier, later = filters.day - step, filters.day + step
    return {
        "previous": calendar_url(filters, date=earlier) if earlier >= EARLIEST_DATE else None,
        "next": calendar_url(filters, date=later) if later <= LATEST_DATE else None,
        "today": calendar_url(filters, date=today),
        "day_view": calendar_url(filters, view="day", practitioner=ALL),
        "week_view": calendar_url(filters, view="week"),
    }


def _columns(
    filters: CalendarFilters, practitioners: list[Practitioner], rows: calendar.CalendarRows
) -> list[tuple[Practitioner, date]]:
    """A week: the practitioner's seven days. A day: the practitioner asked for, or each
    active practitioner who works that day (at the location, if one is chosen) and anyone
    with a visit then."""
    if filters.view == "week":
        if filters.practitioner is None:
            return []
        first = week_start(filters.day)
        return [(filters.practitioner, d) for d in calendar.week_days(first)]
    day = filters.day
    if filters.practitioner is not None:
        return [(filters.practitioner, day)]
    working = {h.practitioner_id for h in rows.hours if h.weekday == day.weekday()}
    booked = {a.practitioner_id for a in rows.appointments}
    return [(p, day) for p in practitioners if (p.is_active and p.pk in working) or p.pk in booked]


@login_required
def staff_calendar(request: HttpRequest) -> HttpResponse:
    """Today's (or any day's or week's) time grid. A fixed number of queries."""
    clinic = staff_clinic_or_404(request)
    everyone = list(Practitioner.objects.filter(clinic=clinic).order_by("display_name"))
    practitioners = [p for p in everyone if p.is_active]
    locations = list(
        Location.objects.filter(clinic=clinic, is_active=True).select_related("clinic")
    )
    form, filters = _filters(
        request, clinic=clinic, practitioners=practitioners, locations=locations
    )
    today = _today(clinic)
    tz = schedule_zone(filters.location, locations, clinic)
    if filters.view == "week":
        first = week_start(filters.day)
        days = calendar.week_days(first)
        shown = [filters.practitioner] if filters.practitioner else []
    else:
        days = [filters.day]
        # A practitioner who has left still has the visits booked with them shown.
        shown = [filters.practitioner] if filters.practitioner else everyone
    rows = calendar.calendar_load(
        clinic=clinic,
        days=days,
        practitioners=shown,
        location_id=filters.location.pk if filters.location else None,
        with_flags=is_clinician(request.user),
        tz=tz,
    )
    grid = calendar.calendar_arrange(
        tz=tz,
        cells=_columns(filters, shown, rows),
        rows_read=rows,
        now=timezone.now(),
        heading=(lambda p, d: calendar.day_heading(d, today=today))
        if filters.view == "week"
        else (lambda p, d: p.display_name),
    )
    this_year = today.year
    if filters.view == "week":
        title = f"Week of {day_label(days[0], year=days[0].year != this_year)}"
        if filters.practitioner:
            title += f": {filters.practitioner.display_name}"
    else:
        title = calendar.day_heading(filters.day, today=today)
    context = {
        "clinic": clinic,
        "form": form,
        "filters": filters,
        "grid": grid,
        "title": title,
        "nav": _nav(filters, today),
        "zone": zone_label(tz),
        "zone_name": str(tz),
        "mixed_zones": len({loc.tz for loc in locations}) > 1,
        "appointment_count": len(rows.appointments),
        "list_url": f"{reverse('bookings:staff-schedule')}?"
        + urlencode(
            {
                "view": filters.view,
                "date": filters.day.isoformat(),
                "practitioner": str(filters.practitioner.code) if filters.practitioner else ALL,
            }
        ),
        "show_flags": is_clinician(request.user),
        "notices": calendar.calendar_notices(user=request.user, now=timezone.now())
        if is_clinician(request.user)
        else [],
    }
    partial = "#grid" if getattr(request, "htmx", False) else ""
    return render(request, f"bookings/calendar.html{partial}", context)


def calendar_card_response(
    request: HttpRequest,
    appointment: Appointment,
    *,
    next_url: str,
    error: str = "",
    message: str = "",
) -> HttpResponse:
    """One appointment's card, for htmx to swap in after a one-click mark."""
    flags: list[str] = []
    links: list[calendar.CardLink] = []
    now = timezone.now()
    if is_clinician(request.user):
        extras = calendar.appointment_extras(appointments=[appointment], now=now)
        flags = (
            calendar.booking_answer_flags(appointment_ids=[appointment.pk]).get(appointment.pk, [])
            + calendar.patient_flags(patient_ids=[appointment.patient_id]).get(
                appointment.patient_id, []
            )
            + (extras[appointment.pk].flags if appointment.pk in extras else [])
        )
        links = extras[appointment.pk].links if appointment.pk in extras else []
    item = calendar.calendar_item(appointment, flags=flags, now=now, links=links)
    return render(
        request,
        "bookings/calendar_card.html",
        {"item": item, "error": error, "message": message, "next_url": next_url},
    )


urlpatterns: list[URLPattern] = [
    path("staff/calendar/", staff_calendar, name="staff-calendar"),
]
