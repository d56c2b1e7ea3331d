"""Staff pages for recurring visits: repeat a visit as a series, and cancel a series from
one visit on. The rules live in bookings/series.py."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from bookings.forms.series import RepeatForm, SeriesChoiceForm, SeriesMoveForm
from bookings.forms.staff import CancelForm
from bookings.models import Appointment
from bookings.selectors import appointment_records
from bookings.series import (
    appointment_series_book,
    appointment_series_cancel_from,
    appointment_series_move,
    appointment_series_move_plan,
    appointment_series_plan,
    series_later_visits,
)
from bookings.slots import local_instant
from clinic.access import record_for_staff_or_404, staff_or_404
from clinic.errors import DomainError
from clinic.lib.time import when_label

REPEAT_TEMPLATE = "bookings/staff_appointment_repeat.html"
MOVE_TEMPLATE = "bookings/staff_series_move.html"


def _booked_visit(request: HttpRequest, code: uuid.UUID) -> Appointment:
    return record_for_staff_or_404(
        request, appointment_records(), code, clinic="practitioner__clinic"
    )


@login_required
@require_http_methods(["GET", "POST"])
def repeat(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """1. How often and how many (GET); 2. every proposed time, clashes with the reason
    and the nearest free times that day; 3. book the chosen ones, all or none (POST)."""
    appointment = _booked_visit(request, code)
    tz = appointment.practitioner.clinic.tz
    context = {"appointment": appointment, "when": when_label(appointment.start, tz)}
    if appointment.status != Appointment.Status.BOOKED:
        messages.error(request, "Only a booked visit can be repeated.")
        return redirect("bookings:staff-appointment", code=appointment.code)
    params = request.POST if request.method == "POST" else request.GET
    form = RepeatForm(params if "repeats" in params else None)
    context["form"] = form
    if not form.is_valid():
        return render(request, REPEAT_TEMPLATE, context)
    plan = appointment_series_plan(appointment=appointment, **form.cleaned_data)
    choices = SeriesChoiceForm(request.POST if request.method == "POST" else None, plan=plan, tz=tz)
    context.update({"plan": plan, "choices": choices, "clashes": sum(not v.free for v in plan)})
    if choices.is_valid():
        try:
            booked = appointment_series_book(
                appointment=appointment,
                starts=choices.chosen_starts(),
                by_user=staff_or_404(request),
            )
        except DomainError as exc:
            choices.add_error(None, f"{exc.message} Nothing was booked: check the times again.")
        else:
            messages.success(
                request,
                f"Booked {len(booked)} more visit{'s' if len(booked) != 1 else ''} in the "
                f"series for {appointment.patient.full_name}.",
            )
            return redirect("bookings:staff-appointment", code=appointment.code)
    return render(request, REPEAT_TEMPLATE, context)


@login_required
@require_http_methods(["GET", "POST"])
def cancel_from(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Cancel this visit and the later ones in its series, with one reason."""
    appointment = _booked_visit(request, code)
    visits = series_later_visits(appointment)
    if appointment.series is None or not visits:
        messages.error(request, "This visit has no booked visits in a series to cancel.")
        return redirect("bookings:staff-appointment", code=appointment.code)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        cancelled = appointment_series_cancel_from(
            appointment=appointment,
            by_user=staff_or_404(request),
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            f"Cancelled {len(cancelled)} visit{'s' if len(cancelled) != 1 else ''} for "
            f"{appointment.patient.full_name}.",
        )
        return redirect("bookings:staff-appointment", code=appointment.code)
    tz = appointment.practitioner.clinic.tz
    return render(
        request,
        "bookings/staff_series_cancel.html",
        {
            "appointment": appointment,
            "form": form,
            "whens": [when_label(v.start, tz) for v in visits],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def move_from(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """1. The new day and time of this visit (GET); 2. each visit's new time, clashes with
    the reason and the nearest free times that day; 3. move the chosen ones, all or none."""
    appointment = _booked_visit(request, code)
    visits = series_later_visits(appointment)
    if appointment.series is None or appointment.status != Appointment.Status.BOOKED:
        messages.error(request, "This visit has no booked visits in a series to move.")
        return redirect("bookings:staff-appointment", code=appointment.code)
    tz = appointment.practitioner.clinic.tz
    context: dict[str, Any] = {
        "appointment": appointment,
        "when": when_label(appointment.start, tz),
        "count": len(visits),
    }
    params = request.POST if request.method == "POST" else request.GET
    form = SeriesMoveForm(
        params if "date" in params else None,
        initial={"date": appointment.start.astimezone(tz).date()},
    )
    context["form"] = form
    if not form.is_valid():
        return render(request, MOVE_TEMPLATE, context)
    start = local_instant(form.cleaned_data["date"], form.cleaned_data["time"], tz)
    plan = appointment_series_move_plan(appointment=appointment, start=start)
    choices = SeriesChoiceForm(
        request.POST if request.method == "POST" else None, plan=plan, tz=tz, moving=True
    )
    context.update({"plan": plan, "choices": choices, "clashes": sum(not v.free for v in plan)})
    if choices.is_valid():
        moves = [(v.moving, when) for v, when in choices.chosen() if v.moving is not None]
        try:
            moved = appointment_series_move(moves=moves, by_user=staff_or_404(request))
        except DomainError as exc:
            choices.add_error(None, f"{exc.message} Nothing was moved: check the times again.")
        else:
            messages.success(
                request,
                f"Moved {len(moved)} visit{'s' if len(moved) != 1 else ''} for "
                f"{appointment.patient.full_name}.",
            )
            return redirect("bookings:staff-appointment", code=appointment.code)
    return render(request, MOVE_TEMPLATE, context)


urlpatterns: list[URLPattern] = [
    path("staff/appointments/<uuid:code>/repeat/", repeat, name="staff-repeat"),
    path(
        "staff/appointments/<uuid:code>/cancel-series/",
        cancel_from,
        name="staff-series-cancel",
    ),
    path("staff/appointments/<uuid:code>/move-series/", move_from, name="staff-series-move"),
]
