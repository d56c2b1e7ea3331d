"""The closures settings page, for clinic admins: each location's public holidays of
the next 12 months with a switch to open on one, the clinic's own closures, and a form
to add one (a whole day or part of it) or delete one."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from bookings.closed_times import public_holidays
from bookings.closures import (
    closure_booked_count,
    closure_create,
    closure_delete,
    closure_list_upcoming,
    holiday_list_for_clinic,
    holiday_open_set,
)
from bookings.forms.closures import ClosureForm, HolidaySwitchForm
from bookings.models import Closure
from bookings.views.settings import SECTIONS
from clinic.access import clinic_admin_or_404
from clinic.errors import DomainError
from clinic.lib.time import clock_label, day_label
from clinic.models import Clinic, Location, User

TEMPLATE = "bookings/settings/closures.html"


def _clinic_of(user: User) -> Clinic:
    if user.clinic is None:
        raise Http404
    return user.clinic


def _today(clinic: Clinic) -> date:
    return timezone.now().astimezone(clinic.tz).date()


def _page_url() -> str:
    return reverse("bookings:staff-settings-closures")


def _closure_label(closure: Closure) -> str:
    """ "Wednesday 9 December 2026, 12:00 pm to 5:00 pm" or "..., all day"."""
    day = day_label(closure.date, year=True)
    if closure.start_time is None or closure.end_time is None:
        return f"{day}, all day"
    return f"{day}, {clock_label(closure.start_time)} to {clock_label(closure.end_time)}"


def _render(
    request: HttpRequest, clinic: Clinic, form: ClosureForm, status: int = 200
) -> HttpResponse:
    today = form.today
    closures = closure_list_upcoming(clinic=clinic, today=today)
    context = {
        "sections": SECTIONS,
        "section": "staff-settings-closures",
        "clinic": clinic,
        "form": form,
        "holidays": holiday_list_for_clinic(clinic=clinic, today=today),
        "closures": [(c, _closure_label(c)) for c in closures],
    }
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def closures(request: HttpRequest) -> HttpResponse:
    """The page; a POST adds a closure."""
    user = clinic_admin_or_404(request)
    clinic = _clinic_of(user)
    locations = list(clinic.locations.filter(is_active=True).order_by("name"))
    form = ClosureForm(
        request.POST if request.method == "POST" else None,
        locations=locations,
        today=_today(clinic),
    )
    if request.method == "POST":
        if not form.is_valid():
            return _render(request, clinic, form, status=400)
        data = form.cleaned_data
        try:
            closure = closure_create(
                clinic=clinic,
                location=data["location"],
                day=data["date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                reason=data["reason"],
                by=user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return _render(request, clinic, form, status=400)
        where = closure.location.name if closure.location else "Every location"
        message = f"{where} closed: {_closure_label(closure)}."
        booked = closure_booked_count(closure=closure)
        if booked == 1:
            message += " 1 booked visit falls in it and stays booked: move or cancel it."
        elif booked:
            message += f" {booked} booked visits fall in it and stay booked: move or cancel them."
        messages.success(request, message)
        return HttpResponseRedirect(_page_url())
    return _render(request, clinic, form)


@login_required
@require_POST
def closure_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = clinic_admin_or_404(request)
    clinic = _clinic_of(user)
    closure = get_object_or_404(Closure, pk=pk, clinic=clinic)
    label = _closure_label(closure)
    closure_delete(closure=closure)
    messages.success(request, f"Closure deleted: {label}. Those times can be booked again.")
    return HttpResponseRedirect(_page_url())


@login_required
@require_POST
def holiday_switch(request: HttpRequest) -> HttpResponse:
    """Open a location on one of its public holidays, or close it again."""
    user = clinic_admin_or_404(request)
    clinic = _clinic_of(user)
    form = HolidaySwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That holiday could not be changed. Please try again.")
        return HttpResponseRedirect(_page_url())
    location = get_object_or_404(Location, pk=form.cleaned_data["location"], clinic=clinic)
    day = form.cleaned_data["date"]
    name = public_holidays(country=location.country, state=location.state, first=day, last=day).get(
        day
    )
    if name is None:
        messages.error(request, f"{day_label(day, year=True)} is not a public holiday there.")
        return HttpResponseRedirect(_page_url())
    is_open = form.cleaned_data["open"] == "1"
    holiday_open_set(clinic=clinic, location=location, day=day, is_open=is_open, by=user)
    when = f"{name}, {day_label(day, year=True)}"
    if is_open:
        messages.success(request, f"{location.name} opens on {when}: its hours can be booked.")
    else:
        messages.success(request, f"{location.name} is closed on {when}.")
    return HttpResponseRedirect(_page_url())


urlpatterns: list[URLPattern] = [
    path("staff/settings/closures/", closures, name="staff-settings-closures"),
    path(
        "staff/settings/closures/<int:pk>/delete/",
        closure_remove,
        name="staff-settings-closure-delete",
    ),
    path(
        "staff/settings/closures/holidays/",
        holiday_switch,
        name="staff-settings-holiday-switch",
    ),
]
