"""A patient's own visits: see, cancel and reschedule them.

Two doors lead to the same three pages: the patient's account (`/me/...`, login required)
and the signed link in the confirmation email (`/manage/<token>/...`, no login). The
views differ only in how they find the appointment and which URLs the pages link to
(`VisitLinks`); the templates are shared.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.forms.patient import (
    CancelForm,
    RescheduleForm,
    SlotChoice,
    WaitlistForm,
    slot_value,
)
from bookings.ics import appointment_ics
from bookings.models import Appointment, Modality
from bookings.selectors import (
    Slot,
    appointment_list_for_patient,
    available_slots,
    bookable_practitioners,
    booking_window,
    nearest_free_slots,
)
from bookings.services import (
    CancellationWindowPassed,
    SlotUnavailable,
    appointment_cancel,
    appointment_reschedule,
    patient_can_change,
    patient_reschedule_earliest,
)
from bookings.tokens import (
    appointment_code_from_manage_token,
    manage_link_usable,
    possible_duplicate_from_token,
)
from bookings.waitlist import waitlist_entry_open
from clinic.access import own_record_or_404
from clinic.errors import DomainError
from clinic.lib.time import clock_label, day_label, week_start, when_label, zone_label
from clinic.merging import patient_duplicate_join
from clinic.models import Clinic, Practitioner, User
from clinic.selectors import clinic_get_default, patient_get_for_user

logger = logging.getLogger(__name__)

RESCHEDULE_TEMPLATE = "bookings/patient_appointment_reschedule.html"

# --- Access ---------------------------------------------------------------------------


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.select_related(
        "patient", "service__clinic", "practitioner__clinic", "location"
    )


class LinkInvalid(Exception):
    """A manage link that cannot be used: bad, tampered, expired, or the visit is over."""

    def __init__(self, *, status: int, clinic: Clinic | None = None) -> None:
        super().__init__("manage link refused")
        self.status = status
        self.clinic = clinic


def _get_linked_appointment(token: str, *, action: bool, now: datetime) -> Appointment:
    """The appointment a signed manage link names, or LinkInvalid.

    A link stops working once the visit is over, or once the patient has deleted their
    account; its cancel and reschedule pages also stop once the visit is no longer booked.
    """
    code = appointment_code_from_manage_token(token, now=now)
    try:
        appointment = _appointments().filter(code=uuid.UUID(code or "")).first()
    except ValueError:
        appointment = None
    if appointment is None:
        raise LinkInvalid(status=404)
    over = not manage_link_usable(appointment, now=now)
    if over or (action and appointment.status != Appointment.Status.BOOKED):
        raise LinkInvalid(status=410, clinic=appointment.practitioner.clinic)
    return appointment


LinkView = Callable[[HttpRequest, str], HttpResponse]


def _link_view(view: LinkView) -> LinkView:
    """Turn LinkInvalid into the "This link has expired or is not valid" page."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        try:
            return view(request, token)
        except LinkInvalid as exc:
            logger.info("manage link refused status=%s", exc.status)
            context = {"clinic": exc.clinic or clinic_get_default()}
            return render(request, "bookings/manage_invalid.html", context, status=exc.status)

    return wrapper


# --- Presentation ---------------------------------------------------------------------


@dataclass(frozen=True)
class VisitLinks:
    """Where a visit's pages point: the account pages or the signed-link pages."""

    detail: str
    cancel: str
    reschedule: str
    waitlist: str
    calendar: str | None
    via_link: bool

    @classmethod
    def for_account(cls, appointment: Appointment) -> VisitLinks:
        args = [appointment.code]
        return cls(
            detail=reverse("bookings:my-appointment", args=args),
            cancel=reverse("bookings:my-cancel", args=args),
            reschedule=reverse("bookings:my-reschedule", args=args),
            waitlist=reverse("bookings:my-waitlist", args=args),
            calendar=_calendar_url(appointment, token=None),
            via_link=False,
        )

    @classmethod
    def for_token(cls, appointment: Appointment, token: str) -> VisitLinks:
        detail = reverse("bookings:manage", args=[token])
        return cls(
            detail=detail,
            cancel=reverse("bookings:manage-cancel", args=[token]),
            reschedule=reverse("bookings:manage-reschedule", args=[token]),
            waitlist=reverse("bookings:manage-waitlist", args=[token]),
            calendar=_calendar_url(appointment, token=token),
            via_link=True,
        )


def _calendar_url(appointment: Appointment, *, token: str | None) -> str | None:
    """Where "Add to calendar" points: the booking flow's calendar file for the account
    (it checks the login), this module's token-checked copy for a signed link."""
    if token:
        return reverse("bookings:manage-ics", args=[token])
    try:
        return reverse("bookings:book-ics", args=[appointment.code])
    except NoReverseMatch:  # the booking flow does not offer it (yet)
        return None


@dataclass(frozen=True)
class Visit:
    """One appointment as the patient sees it."""

    appointment: Appointment
    when: str
    ends: str
    clinic_zone: str
    patient_when: str | None
    patient_zone: str
    cancelled_when: str | None
    is_over: bool
    is_upcoming: bool
    can_change: bool
    show_video_link: bool
    clinic: Clinic


def _visit(
    appointment: Appointment,
    *,
    clinic: Clinic,
    patient_tz: str,
    now: datetime,
    with_actions: bool = True,
) -> Visit:
    """How a visit reads to its patient. Lists pass `with_actions=False`: they show no
    buttons, and so need no query for the clinic's cancellation rule."""
    tz = appointment.tz
    patient_when = None
    if appointment.modality == Modality.TELEHEALTH and patient_tz and patient_tz != tz.key:
        patient_when = when_label(appointment.start, ZoneInfo(patient_tz))
    is_over = appointment.end <= now
    booked = appointment.status == Appointment.Status.BOOKED
    return Visit(
        appointment=appointment,
        when=when_label(appointment.start, tz),
        ends=clock_label(appointment.end.astimezone(tz)),
        clinic_zone=zone_label(tz),
        patient_when=patient_when,
        patient_zone=zone_label(patient_tz),
        cancelled_when=when_label(appointment.cancelled_at, tz)
        if appointment.cancelled_at
        else None,
        is_over=is_over,
        is_upcoming=booked and not is_over,
        can_change=with_actions and patient_can_change(appointment, now=now),
        show_video_link=bool(booked and not is_over and appointment.modality == Modality.TELEHEALTH)
        and bool(appointment.telehealth_url),
        clinic=clinic,
    )


@dataclass(frozen=True)
class TimeOption:
    value: str
    label: str
    hidden_prefix: str


@dataclass
class DayOptions:
    day: date
    label: str
    options: list[TimeOption] = field(default_factory=list)


def _option(
    slot: Slot, *, tz: ZoneInfo, practitioners: dict[int, Practitioner], named: bool, full: bool
) -> TimeOption | None:
    practitioner = practitioners.get(slot.practitioner_id)
    if practitioner is None:
        return None
    label = when_label(slot.start, tz) if full else clock_label(slot.start.astimezone(tz))
    if named:
        label += f" with {practitioner.display_name}"
    prefix = "" if full else day_label(slot.start.astimezone(tz).date()) + ", "
    return TimeOption(slot_value(slot.start, practitioner.code), label, prefix)


# --- Account pages --------------------------------------------------------------------


@login_required
def my_appointments(request: HttpRequest) -> HttpResponse:
    patient = patient_get_for_user(request.user)  # type: ignore[arg-type]
    if patient is None:
        user: User = request.user  # type: ignore[assignment]
        if user.is_clinic_staff:
            return render(request, "bookings/patient_staff_notice.html")
        return render(request, "bookings/patient_appointment_list.html", {"patient": None})
    now = timezone.now()
    visits = [
        _visit(a, clinic=patient.clinic, patient_tz=patient.timezone, now=now, with_actions=False)
        for a in appointment_list_for_patient(patient_id=patient.pk)
    ]
    upcoming = sorted((v for v in visits if v.is_upcoming), key=lambda v: v.appointment.start)
    context = {
        "patient": patient,
        "upcoming": upcoming,
        "past": [v for v in visits if not v.is_upcoming],
    }
    return render(request, "bookings/patient_appointment_list.html", context)


@never_cache
@login_required
def my_appointment(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    appointment = own_record_or_404(request, _appointments(), code)
    return _detail(request, appointment, VisitLinks.for_account(appointment))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_cancel(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    appointment = own_record_or_404(request, _appointments(), code)
    return _cancel(request, appointment, VisitLinks.for_account(appointment))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_reschedule(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    appointment = own_record_or_404(request, _appointments(), code)
    return _reschedule(request, appointment, VisitLinks.for_account(appointment))


# --- Signed-link pages (no login) -----------------------------------------------------


@never_cache
@_link_view
def manage(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _get_linked_appointment(token, action=False, now=timezone.now())
    return _detail(request, appointment, VisitLinks.for_token(appointment, token))


@never_cache
@_link_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _get_linked_appointment(token, action=True, now=timezone.now())
    return _cancel(request, appointment, VisitLinks.for_token(appointment, token))


@never_cache
@_link_view
@require_http_methods(["GET", "HEAD", "POST"])
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _get_linked_appointment(token, action=True, now=timezone.now())
    return _reschedule(request, appointment, VisitLinks.for_token(appointment, token))


@never_cache
@_link_view
def manage_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The visit as a calendar file, for the holder of its link (no login)."""
    appointment = _get_linked_appointment(token, action=False, now=timezone.now())
    method = "PUBLISH" if appointment.status == Appointment.Status.BOOKED else "CANCEL"
    response = HttpResponse(
        appointment_ics(appointment, method), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def same_person(request: HttpRequest, token: str) -> HttpResponse:
    """From the confirmation email of a booking kept apart because its email address was
    already on a record: the address's owner confirms, and the booking joins their
    record (clinic/merging.py). A GET only asks; the POST joins."""
    duplicate = possible_duplicate_from_token(token)
    if duplicate is None:
        return render(request, "bookings/manage_invalid.html", {}, status=404)
    clinic = duplicate.clinic
    if request.method == "POST":
        try:
            patient_duplicate_join(duplicate=duplicate, by=None)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("bookings:same-person", token=token)
        return render(request, "bookings/same_person.html", {"joined": True, "clinic": clinic})
    return render(request, "bookings/same_person.html", {"joined": False, "clinic": clinic})


# --- The shared pages -----------------------------------------------------------------


def _acting_user(request: HttpRequest, appointment: Appointment) -> User | None:
    """The user to record as acting: the patient's own login, else nobody (a link)."""
    user = request.user
    if user.is_authenticated and user.pk == appointment.patient.user_id:
        return user
    return None


def _base_context(appointment: Appointment, links: VisitLinks, now: datetime) -> dict[str, Any]:
    clinic = appointment.practitioner.clinic
    return {
        "visit": _visit(
            appointment, clinic=clinic, patient_tz=appointment.patient.timezone, now=now
        ),
        "clinic": clinic,
        "links": links,
    }


def _book_again_url(appointment: Appointment) -> str:
    """Where "Book again" leads after a cancellation: the same service, way of attending
    and practitioner's free times when they can still be booked online, else the list
    of services."""
    service = appointment.service
    if not (service.is_active and service.bookable_online):
        return reverse("bookings:service-list")
    url = reverse("bookings:slot-list", args=[service.code, appointment.modality])
    if any(p.pk == appointment.practitioner_id for p in bookable_practitioners(service=service)):
        url += "?" + urlencode({"practitioner": str(appointment.practitioner.code)})
    return url


def _detail(request: HttpRequest, appointment: Appointment, links: VisitLinks) -> HttpResponse:
    context = _base_context(appointment, links, timezone.now())
    if appointment.status == Appointment.Status.CANCELLED:
        context["book_again_url"] = _book_again_url(appointment)
    if context["visit"].can_change:
        context["waitlist_entry"] = waitlist_entry_open(appointment)
        context["waitlist_form"] = WaitlistForm(practitioner=appointment.practitioner)
    return render(request, "bookings/patient_appointment_detail.html", context)


def _cancel(request: HttpRequest, appointment: Appointment, links: VisitLinks) -> HttpResponse:
    context = _base_context(appointment, links, timezone.now())
    form = CancelForm(request.POST if request.method == "POST" else None)
    context["form"] = form
    if request.method != "POST" or not form.is_valid():
        return render(request, "bookings/patient_appointment_cancel.html", context)
    try:
        appointment_cancel(
            appointment=appointment,
            by_user=_acting_user(request, appointment),
            reason=form.cleaned_data["reason"],
            as_staff=False,
        )
    except DomainError as exc:  # CancellationWindowPassed included
        context["refusal"] = exc.message
        return render(request, "bookings/patient_appointment_cancel.html", context, status=409)
    messages.success(request, f"Your visit on {context['visit'].when} has been cancelled.")
    return HttpResponseRedirect(links.detail)  # it offers to book again


@dataclass(frozen=True)
class WeekChoice:
    """Which week of times to show, and whose."""

    start: date
    any_practitioner: bool
    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(7)]

    def query(self, start: date) -> str:
        params = {"week": start.isoformat()}
        if self.any_practitioner:
            params["practitioner"] = "any"
        return "?" + urlencode(params)


def _week_choice(
    params: Any, appointment: Appointment, now: datetime, around: date | None = None
) -> WeekChoice:
    """The week asked for in `?week=YYYY-MM-DD`, held between the first week a patient
    may move the visit to and the end of the booking window.

    A malformed week shows the first week rather than an error: it only comes from a
    hand-edited address.
    """
    clinic = appointment.practitioner.clinic
    today = patient_reschedule_earliest(clinic=clinic, now=now).astimezone(clinic.tz).date()
    last_day = booking_window(clinic=clinic, now=now)[1].astimezone(clinic.tz).date()
    first, last = week_start(today), week_start(last_day - timedelta(days=1))
    day = around
    if day is None:
        try:
            day = date.fromisoformat(str(params.get("week", ""))[:10])
        except ValueError:
            day = today
    day = min(max(day, first), last)
    return WeekChoice(
        start=week_start(day),
        any_practitioner=params.get("practitioner") == "any",
        first=first,
        last=last,
    )


def _reschedule(request: HttpRequest, appointment: Appointment, links: VisitLinks) -> HttpResponse:
    """A week of free times; a chosen time goes to a confirmation page, then moves the visit."""
    now = timezone.now()
    context = _base_context(appointment, links, now)
    if not context["visit"].can_change:
        return render(request, RESCHEDULE_TEMPLATE, context)
    params = request.POST if request.method == "POST" else request.GET
    week = _week_choice(params, appointment, now)
    practitioners = bookable_practitioners(service=appointment.service)
    form = RescheduleForm(
        request.POST if request.method == "POST" else None, practitioners=practitioners
    )
    alternatives: list[Slot] = []
    earliest = patient_reschedule_earliest(clinic=context["clinic"], now=now)
    if form.is_bound and form.is_valid():
        choice: SlotChoice = form.cleaned_data["slot"]
        if "confirm" not in request.POST:
            return _reschedule_confirm(request, context, choice, week)
        try:
            return _reschedule_commit(request, appointment, links, choice)
        except SlotUnavailable as exc:
            form.add_error("slot", "That time was just taken. Choose another time.")
            alternatives = exc.alternatives or _alternatives(appointment, choice, week, now)
            alternatives = [s for s in alternatives if s.start >= earliest]
            around = choice.start.astimezone(context["clinic"].tz).date()
            week = _week_choice(params, appointment, now, around=around)
        except CancellationWindowPassed as exc:
            context["refusal"] = exc.message
            return render(request, RESCHEDULE_TEMPLATE, context, status=409)
        except DomainError as exc:
            form.add_error("slot", exc.message)
    context.update(_week_context(appointment, week, practitioners, now, alternatives=alternatives))
    context["earliest_when"] = when_label(earliest, context["clinic"].tz)
    context["form"] = form
    return render(request, RESCHEDULE_TEMPLATE, context)


def _reschedule_commit(
    request: HttpRequest, appointment: Appointment, links: VisitLinks, choice: SlotChoice
) -> HttpResponse:
    moved = appointment_reschedule(
        appointment=appointment,
        start=choice.start,
        by_user=_acting_user(request, appointment),
        practitioner=choice.practitioner,
        as_staff=False,
    )
    when = when_label(moved.start, moved.tz)
    messages.success(request, f"Your visit has been moved to {when}.")
    return HttpResponseRedirect(links.detail)


def _alternatives(
    appointment: Appointment, choice: SlotChoice, week: WeekChoice, now: datetime
) -> list[Slot]:
    return nearest_free_slots(
        service=appointment.service,
        practitioner=None if week.any_practitioner else choice.practitioner,
        modality=appointment.modality,
        around=choice.start,
        now=now,
    )


def _week_context(
    appointment: Appointment,
    week: WeekChoice,
    practitioners: list[Practitioner],
    now: datetime,
    *,
    alternatives: list[Slot],
) -> dict[str, Any]:
    """The free times of one week, grouped by day, for the reschedule page (in the visit's
    zone, which the page names)."""
    clinic = appointment.practitioner.clinic
    tz = appointment.tz
    earliest = patient_reschedule_earliest(clinic=clinic, now=now)
    by_id = {p.pk: p for p in practitioners}
    slots = available_slots(
        service=appointment.service,
        start_date=week.start,
        end_date=week.start + timedelta(days=6),
        now=now,
        practitioner=None if week.any_practitioner else appointment.practitioner,
        modality=appointment.modality,
        ignore_appointment_id=appointment.pk,
    )
    days = {d: DayOptions(d, day_label(d)) for d in week.days}
    for slot in slots:
        if slot.start < earliest:
            continue  # inside the cancellation window: the patient could not change it again
        if slot.start == appointment.start and slot.practitioner_id == appointment.practitioner_id:
            continue  # the visit's own time: nothing to move to
        option = _option(slot, tz=tz, practitioners=by_id, named=week.any_practitioner, full=False)
        day = days.get(slot.start.astimezone(tz).date())
        if option is not None and day is not None:
            day.options.append(option)
    alternative_options = [
        o
        for o in (
            _option(s, tz=tz, practitioners=by_id, named=True, full=True) for s in alternatives
        )
        if o is not None
    ]
    others = [p for p in practitioners if p.pk != appointment.practitioner_id]
    return {
        "week": week,
        "week_label": f"Week of {day_label(week.start)} {week.start.year}",
        "days": [d for d in days.values() if d.options],
        "alternatives": alternative_options,
        "can_choose_practitioner": bool(others),
        "previous_week": week.query(week.start - timedelta(days=7))
        if week.start > week.first
        else None,
        "next_week": week.query(week.start + timedelta(days=7)) if week.start < week.last else None,
    }


def _reschedule_confirm(
    request: HttpRequest, context: dict[str, Any], choice: SlotChoice, week: WeekChoice
) -> HttpResponse:
    clinic = context["clinic"]
    context.update(
        {
            "choice": choice,
            "choice_value": slot_value(choice.start, choice.practitioner.code),
            "choice_when": when_label(choice.start, clinic.tz),
            "week": week,
            "back_query": week.query(week.start),
        }
    )
    return render(request, "bookings/patient_appointment_reschedule_confirm.html", context)


urlpatterns: list[URLPattern] = [
    path("me/", my_appointments, name="my-appointments"),
    path("me/appointments/<uuid:code>/", my_appointment, name="my-appointment"),
    path("me/appointments/<uuid:code>/cancel/", my_cancel, name="my-cancel"),
    path("me/appointments/<uuid:code>/reschedule/", my_reschedule, name="my-reschedule"),
    path("manage/<str:token>/", manage, name="manage"),
    path("manage/<str:token>/cancel/", manage_cancel, name="manage-cancel"),
    path("manage/<str:token>/reschedule/", manage_reschedule, name="manage-reschedule"),
    path("manage/<str:token>/calendar.ics", manage_ics, name="manage-ics"),
    path("confirm-booking/<str:token>/", same_person, name="same-person"),
]
