"""The clinic's settings pages, for its clinic admins: booking rules, locations,
practitioners and their weekly hours, time off, services and the booking's health
questions, all without the Django admin.

Every view's first line is `clinic_admin_or_404`: reception, practitioners, patients and
other clinics' admins get 404, and an object of another clinic is a 404 too. Times of
day are the clinic's wall-clock times and are shown with its zone named; time off is
typed in the clinic's zone and stored as aware UTC instants. Every write goes through the
ORM, so bookings/signals.py forgets the cached week pages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from bookings import settings_selectors as selectors
from bookings.forms.settings import (
    ClinicRulesForm,
    LocationForm,
    PractitionerForm,
    ScreeningQuestionForm,
    ServiceForm,
    TimeOffForm,
    WorkingHoursForm,
)
from bookings.models import ScreeningQuestion, Service, TimeOff, WorkingHours
from bookings.selectors import practitioner_zone, practitioner_zones
from bookings.settings_services import (
    practitioner_save,
    screening_question_add,
    screening_question_move,
    time_off_add,
    working_hours_save,
)
from clinic.access import clinic_admin_or_404, record_for_staff_or_404, staff_clinic_or_404
from clinic.accounts.signals import ZONE_KEY
from clinic.errors import DomainError
from clinic.lib.time import clock_label, day_label, zone_label
from clinic.models import Clinic, Location, Practitioner


@dataclass(frozen=True)
class Section:
    url_name: str
    title: str
    description: str

    @property
    def url(self) -> str:
        return reverse(f"bookings:{self.url_name}")


SECTIONS = (
    Section(
        "staff-settings-rules",
        "Booking rules",
        "The clinic's name, phone and time zone; notice, how far ahead patients may book, "
        "the cancellation window, reminder emails and how long records are kept.",
    ),
    Section(
        "staff-settings-locations",
        "Locations",
        "Addresses, and what the confirmation tells patients about finding you, parking "
        "and access.",
    ),
    Section(
        "staff-settings-practitioners",
        "Practitioners and working hours",
        "Who works here, what each offers, and their weekly hours at each location.",
    ),
    Section(
        "staff-settings-time-off",
        "Time off",
        "Leave, training and other times a practitioner cannot be booked.",
    ),
    Section(
        "staff-settings-services",
        "Services",
        "What patients book: length, time kept free after, in clinic or by video, who offers it.",
    ),
    Section(
        "staff-settings-questions",
        "Health questions",
        "The yes-or-no questions asked before a clinic visit is booked online, and what a "
        "yes does.",
    ),
    Section(
        "staff-settings-closures",
        "Closures and public holidays",
        "Days or part-days a location is closed, and the public holidays you open on.",
    ),
)
SAVED_NOTE = "Nothing has been saved yet. Everything you typed is still below."


# --- Page helpers -------------------------------------------------------------------------


def _page(
    request: HttpRequest, template: str, section: str, context: dict[str, object]
) -> HttpResponse:
    return render(
        request,
        f"bookings/settings/{template}",
        {"sections": SECTIONS, "section": section, **context},
    )


def _form_page(
    request: HttpRequest,
    form: object,
    *,
    section: str,
    title: str,
    submit: str,
    back: str,
    intro: str = "",
    back_url: str = "",
) -> HttpResponse:
    return _page(
        request,
        "form.html",
        section,
        {
            "form": form,
            "title": title,
            "intro": intro,
            "submit": submit,
            "back_url": back_url or reverse(f"bookings:{section}"),
            "back": back,
            "note": SAVED_NOTE,
        },
    )


def _clinic(request: HttpRequest) -> Clinic:
    return staff_clinic_or_404(request)


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def hours_label(hours: WorkingHours) -> str:
    """ "9:00 am to 5:00 pm, break 12:30 pm to 1:00 pm" (clinic wall-clock times)."""
    label = f"{clock_label(hours.start_time)} to {clock_label(hours.end_time)}"
    if hours.break_start and hours.break_end:
        label += f", break {clock_label(hours.break_start)} to {clock_label(hours.break_end)}"
    return label


def span_label(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """Time off in words, read in the clinic's zone: whole days as days, the rest with
    their clock times."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if local_start.time() == time.min and local_end.time() == time.min:
        last = (local_end - timedelta(days=1)).date()
        first = day_label(local_start.date(), year=True)
        return first if last == local_start.date() else f"{first} to {day_label(last, year=True)}"
    start_words = f"{day_label(local_start.date(), year=True)}, {clock_label(local_start)}"
    if local_end.date() == local_start.date():
        return f"{start_words} to {clock_label(local_end)}"
    return f"{start_words} to {day_label(local_end.date(), year=True)}, {clock_label(local_end)}"


# --- The index and the booking rules --------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    return _page(request, "index.html", "staff-settings", {"clinic": _clinic(request)})


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    clinic = _clinic(request)
    form = ClinicRulesForm(_posted(request), instance=clinic)
    if form.is_valid():
        saved = form.save()
        # This session's pages (the admin too) follow the new zone at once; other people's
        # follow it when they next log in.
        request.session[ZONE_KEY] = saved.timezone
        messages.success(request, "Saved the booking rules.")
        return redirect("bookings:staff-settings-rules")
    return _form_page(
        request,
        form,
        section="staff-settings-rules",
        title="Booking rules",
        intro="What patients may do online, and the clinic's details. Staff booking for a "
        "patient are not bound by the notice, the horizon or the cancellation window.",
        submit="Save the booking rules",
        back="Settings",
        back_url=reverse("bookings:staff-settings"),
    )


# --- Locations ----------------------------------------------------------------------------


@login_required
def location_list(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    locations = selectors.location_list(clinic=_clinic(request))
    return _page(
        request, "location_list.html", "staff-settings-locations", {"locations": locations}
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_add(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    form = LocationForm(_posted(request), instance=Location(clinic=_clinic(request)))
    if form.is_valid():
        location = form.save()
        messages.success(request, f"Added {location.name}. Add working hours there next.")
        return redirect("bookings:staff-settings-locations")
    return _form_page(
        request,
        form,
        section="staff-settings-locations",
        title="Add a location",
        submit="Add the location",
        back="Locations",
    )


@login_required
@require_http_methods(["GET", "POST"])
def location_edit(request: HttpRequest, pk: int) -> HttpResponse:
    clinic_admin_or_404(request)
    location = get_object_or_404(Location, pk=pk, clinic=_clinic(request))
    form = LocationForm(_posted(request), instance=location)
    if form.is_valid():
        form.save()
        messages.success(request, f"Saved {location.name}.")
        return redirect("bookings:staff-settings-locations")
    return _form_page(
        request,
        form,
        section="staff-settings-locations",
        title=f"Edit {location.name}",
        submit="Save the location",
        back="Locations",
    )


# --- Practitioners and their hours -------------------------------------------------------------


def _practitioner(request: HttpRequest, code: uuid.UUID) -> Practitioner:
    return record_for_staff_or_404(request, Practitioner.objects.select_related("user"), code)


@login_required
def practitioner_list(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    clinic = _clinic(request)
    practitioners = selectors.practitioner_list(clinic=clinic)
    rows = [(p, [(h, hours_label(h)) for h in p.working_hours.all()]) for p in practitioners]
    return _page(
        request,
        "practitioner_list.html",
        "staff-settings-practitioners",
        {"rows": rows, "zone": zone_label(clinic.tz)},
    )


def _practitioner_form(
    request: HttpRequest, practitioner: Practitioner, *, title: str, submit: str
) -> HttpResponse:
    clinic = _clinic(request)
    adding = practitioner.pk is None
    form = PractitionerForm(_posted(request), instance=practitioner, clinic=clinic)
    if form.is_valid():
        try:
            saved = practitioner_save(
                practitioner=form.save(commit=False),
                clinic=clinic,
                email=form.cleaned_data["email"],
                services=form.cleaned_data["services"],
            )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            if adding:
                messages.success(
                    request,
                    f"Added {saved.display_name}. They choose a password with “Forgotten your "
                    f"password?” on the login page, using {saved.user.email}. Add their "
                    "working hours here.",
                )
            else:
                messages.success(request, f"Saved {saved.display_name}.")
            return redirect("bookings:staff-settings-practitioner-hours", code=saved.code)
    return _form_page(
        request,
        form,
        section="staff-settings-practitioners",
        title=title,
        submit=submit,
        back="Practitioners",
    )


@login_required
@require_http_methods(["GET", "POST"])
def practitioner_add(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    return _practitioner_form(
        request, Practitioner(), title="Add a practitioner", submit="Add the practitioner"
    )


@login_required
@require_http_methods(["GET", "POST"])
def practitioner_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    clinic_admin_or_404(request)
    practitioner = _practitioner(request, code)
    return _practitioner_form(
        request,
        practitioner,
        title=f"Edit {practitioner.display_name}",
        submit="Save the practitioner",
    )


@login_required
def practitioner_hours(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    clinic_admin_or_404(request)
    practitioner = _practitioner(request, code)
    clinic = _clinic(request)
    hours = selectors.practitioner_hours(practitioner=practitioner)
    return _page(
        request,
        "practitioner_hours.html",
        "staff-settings-practitioners",
        {
            "practitioner": practitioner,
            "rows": [(h, hours_label(h)) for h in hours],
            "zone": zone_label(clinic.tz),
        },
    )


def _hours_form(
    request: HttpRequest, practitioner: Practitioner, hours: WorkingHours, *, title: str
) -> HttpResponse:
    clinic = _clinic(request)
    form = WorkingHoursForm(_posted(request), instance=hours, clinic=clinic)
    if form.is_valid():
        try:
            working_hours_save(hours=form.save(commit=False))
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"Saved {practitioner.display_name}'s hours.")
            return redirect("bookings:staff-settings-practitioner-hours", code=practitioner.code)
    return _form_page(
        request,
        form,
        section="staff-settings-practitioners",
        title=title,
        intro=f"Times are {zone_label(clinic.tz)} clock times, every week.",
        submit="Save the hours",
        back=f"{practitioner.display_name}'s hours",
        back_url=reverse("bookings:staff-settings-practitioner-hours", args=[practitioner.code]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def hours_add(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    clinic_admin_or_404(request)
    practitioner = _practitioner(request, code)
    return _hours_form(
        request,
        practitioner,
        WorkingHours(practitioner=practitioner),
        title=f"Add hours for {practitioner.display_name}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def hours_edit(request: HttpRequest, code: uuid.UUID, pk: int) -> HttpResponse:
    clinic_admin_or_404(request)
    practitioner = _practitioner(request, code)
    hours = get_object_or_404(WorkingHours, pk=pk, practitioner=practitioner)
    return _hours_form(
        request, practitioner, hours, title=f"Edit {practitioner.display_name}'s hours"
    )


@login_required
@require_POST
def hours_delete(request: HttpRequest, code: uuid.UUID, pk: int) -> HttpResponse:
    clinic_admin_or_404(request)
    practitioner = _practitioner(request, code)
    hours = get_object_or_404(
        WorkingHours.objects.select_related("location"), pk=pk, practitioner=practitioner
    )
    label = f"{hours.get_weekday_display()} {hours_label(hours)} at {hours.location.name}"
    hours.delete()
    messages.success(request, f"Removed {label}. Visits already booked then stay booked.")
    return redirect("bookings:staff-settings-practitioner-hours", code=practitioner.code)


# --- Time off ---------------------------------------------------------------------------------


@login_required
def time_off_list(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    clinic = _clinic(request)
    upcoming = selectors.time_off_upcoming(clinic=clinic, now=timezone.now())
    zones = practitioner_zones(clinic=clinic)
    named = len({z.key for z in zones.values()} | {clinic.tz.key}) > 1

    def label(t: TimeOff) -> str:
        tz = zones.get(t.practitioner_id, clinic.tz)
        return span_label(t.start, t.end, tz) + (f" ({zone_label(tz)} time)" if named else "")

    return _page(
        request,
        "time_off_list.html",
        "staff-settings-time-off",
        {"rows": [(t, label(t)) for t in upcoming], "zone": zone_label(clinic.tz), "named": named},
    )


@login_required
@require_http_methods(["GET", "POST"])
def time_off_new(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    clinic = _clinic(request)
    form = TimeOffForm(_posted(request), clinic=clinic)
    if form.is_valid():
        data = form.cleaned_data
        practitioner: Practitioner = data["practitioner"]
        added = time_off_add(
            practitioner=practitioner, start=data["start"], end=data["end"], reason=data["reason"]
        )
        tz = form.tz  # the practitioner's own zone
        messages.success(
            request,
            f"Added time off for {practitioner.display_name}: "
            f"{span_label(added.start, added.end, tz)} ({zone_label(tz)} time).",
        )
        booked = selectors.visits_during(
            practitioner=practitioner, start=added.start, end=added.end
        )
        if booked:
            messages.warning(
                request,
                f"{practitioner.display_name} has {booked} booked visit{'s' if booked > 1 else ''}"
                " in that time. They stay booked: move or cancel them from the schedule.",
            )
        return redirect("bookings:staff-settings-time-off")
    return _form_page(
        request,
        form,
        section="staff-settings-time-off",
        title="Add time off",
        intro=(
            f"Days and times are in {zone_label(clinic.tz)} time ({clinic.timezone}). "
            if form.shared_zone
            else "Days and times are the practitioner's local time, where their rooms are. "
        )
        + "Nobody can book the practitioner then.",
        submit="Add the time off",
        back="Time off",
    )


@login_required
@require_POST
def time_off_delete(request: HttpRequest, pk: int) -> HttpResponse:
    clinic_admin_or_404(request)
    clinic = _clinic(request)
    time_off = get_object_or_404(
        TimeOff.objects.select_related("practitioner"), pk=pk, practitioner__clinic=clinic
    )
    label = span_label(
        time_off.start, time_off.end, practitioner_zone(practitioner=time_off.practitioner)
    )
    time_off.delete()
    messages.success(request, f"Removed {time_off.practitioner.display_name}'s time off, {label}.")
    return redirect("bookings:staff-settings-time-off")


# --- Services ---------------------------------------------------------------------------------


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    services = selectors.service_list(clinic=_clinic(request))
    return _page(request, "service_list.html", "staff-settings-services", {"services": services})


def _service_form(
    request: HttpRequest, service: Service, *, title: str, submit: str
) -> HttpResponse:
    form = ServiceForm(_posted(request), instance=service, clinic=_clinic(request))
    if form.is_valid():
        saved = form.save()
        messages.success(request, f"Saved {saved.name}.")
        return redirect("bookings:staff-settings-services")
    return _form_page(
        request,
        form,
        section="staff-settings-services",
        title=title,
        submit=submit,
        back="Services",
        intro="A price, when there is one, is shown to patients when they choose a service.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_add(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    return _service_form(
        request, Service(clinic=_clinic(request)), title="Add a service", submit="Add the service"
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    clinic_admin_or_404(request)
    service = record_for_staff_or_404(request, Service.objects.all(), code)
    return _service_form(request, service, title=f"Edit {service.name}", submit="Save the service")


# --- Health questions -----------------------------------------------------------------------


@login_required
def question_list(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    questions = list(selectors.screening_question_list(clinic=_clinic(request)))
    return _page(
        request, "question_list.html", "staff-settings-questions", {"questions": questions}
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request: HttpRequest) -> HttpResponse:
    clinic_admin_or_404(request)
    clinic = _clinic(request)
    form = ScreeningQuestionForm(_posted(request), instance=ScreeningQuestion(clinic=clinic))
    if form.is_valid():
        screening_question_add(question=form.save(commit=False), clinic=clinic)
        messages.success(request, "Added the question. It is asked last; move it up if needed.")
        return redirect("bookings:staff-settings-questions")
    return _form_page(
        request,
        form,
        section="staff-settings-questions",
        title="Add a health question",
        submit="Add the question",
        back="Health questions",
    )


def _question(request: HttpRequest, pk: int) -> ScreeningQuestion:
    return get_object_or_404(ScreeningQuestion, pk=pk, clinic=_clinic(request))


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    clinic_admin_or_404(request)
    question = _question(request, pk)
    form = ScreeningQuestionForm(_posted(request), instance=question)
    if form.is_valid():
        form.save()
        messages.success(request, "Saved the question.")
        return redirect("bookings:staff-settings-questions")
    return _form_page(
        request,
        form,
        section="staff-settings-questions",
        title="Edit a health question",
        intro="Answers already given keep the wording they were asked in.",
        submit="Save the question",
        back="Health questions",
    )


@login_required
@require_POST
def question_move(request: HttpRequest, pk: int) -> HttpResponse:
    clinic_admin_or_404(request)
    question = _question(request, pk)
    direction: Literal["up", "down"] = "up" if request.POST.get("direction") == "up" else "down"
    if screening_question_move(question=question, direction=direction):
        messages.success(request, f"Moved “{question.text}” {direction}.")
    return redirect("bookings:staff-settings-questions")


urlpatterns: list[URLPattern] = [
    path("staff/settings/", index, name="staff-settings"),
    path("staff/settings/rules/", rules, name="staff-settings-rules"),
    path("staff/settings/locations/", location_list, name="staff-settings-locations"),
    path("staff/settings/locations/new/", location_add, name="staff-settings-location-add"),
    path("staff/settings/locations/<int:pk>/", location_edit, name="staff-settings-location-edit"),
    path(
        "staff/settings/practitioners/",
        practitioner_list,
        name="staff-settings-practitioners",
    ),
    path(
        "staff/settings/practitioners/new/",
        practitioner_add,
        name="staff-settings-practitioner-add",
    ),
    path(
        "staff/settings/practitioners/<uuid:code>/",
        practitioner_edit,
        name="staff-settings-practitioner-edit",
    ),
    path(
        "staff/settings/practitioners/<uuid:code>/hours/",
        practitioner_hours,
        name="staff-settings-practitioner-hours",
    ),
    path(
        "staff/settings/practitioners/<uuid:code>/hours/new/",
        hours_add,
        name="staff-settings-hours-add",
    ),
    path(
        "staff/settings/practitioners/<uuid:code>/hours/<int:pk>/",
        hours_edit,
        name="staff-settings-hours-edit",
    ),
    path(
        "staff/settings/practitioners/<uuid:code>/hours/<int:pk>/delete/",
        hours_delete,
        name="staff-settings-hours-delete",
    ),
    path("staff/settings/time-off/", time_off_list, name="staff-settings-time-off"),
    path("staff/settings/time-off/new/", time_off_new, name="staff-settings-time-off-add"),
    path(
        "staff/settings/time-off/<int:pk>/delete/",
        time_off_delete,
        name="staff-settings-time-off-delete",
    ),
    path("staff/settings/services/", service_list, name="staff-settings-services"),
    path("staff/settings/services/new/", service_add, name="staff-settings-service-add"),
    path("staff/settings/services/<uuid:code>/", service_edit, name="staff-settings-service-edit"),
    path("staff/settings/questions/", question_list, name="staff-settings-questions"),
    path("staff/settings/questions/new/", question_add, name="staff-settings-question-add"),
    path("staff/settings/questions/<int:pk>/", question_edit, name="staff-settings-question-edit"),
    path(
        "staff/settings/questions/<int:pk>/move/",
        question_move,
        name="staff-settings-question-move",
    ),
]
