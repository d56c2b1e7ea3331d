"""The clinic staff's pages: day and week schedules, booking on a patient's behalf,
moving, cancelling, recording attendance, and patient look-up.

Every view's first line is an access helper: clinic staff (practitioner, reception,
clinic admin) of the user's own clinic only. Anyone else asking for this clinic's
objects gets 404, never 403, so codes cannot be probed. Staff are not bound by the
patients' notice, horizon or cancellation window.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from bookings import slots
from bookings.emails import lead_label
from bookings.forms.staff import (
    ALL,
    ANY,
    BookingDetailsForm,
    CancelForm,
    MarkForm,
    MoveForm,
    ScheduleFilterForm,
    SlotPickForm,
    schedule_location_default,
    schedule_zone,
    slot_value,
)
from bookings.funding import (
    patient_usages,
    referral_default,
    referrals_for_booking,
)
from bookings.models import (
    Appointment,
    BookingAnswers,
    Modality,
    Notification,
    ScreeningEnquiry,
    TimeOff,
    WorkingHours,
)
from bookings.notifications import (
    notification_list_for_appointment,
    notification_retry,
    patient_set_reminder_channel,
)
from bookings.screening import enquiry_list_for_clinic, screening_enquiry_done
from bookings.selectors import (
    Slot,
    appointment_list_for_patient,
    appointment_list_for_schedule,
    appointment_records,
    available_slots,
    bookable_practitioners,
)
from bookings.services import (
    PatientAlreadyBooked,
    SlotUnavailable,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_reschedule,
    patient_match_or_create,
)
from bookings.sms import au_mobile_e164
from bookings.views.calendar import calendar_card_response
from clinic.access import (
    is_clinician,
    record_for_staff_or_404,
    staff_clinic_or_404,
    staff_or_404,
)
from clinic.audit import CLINICAL_SUMMARY, access_log_record
from clinic.errors import DomainError
from clinic.forms import EARLIEST_DATE as FIRST_DATE
from clinic.forms import LATEST_DATE, NewPatientForm, PatientSearchForm
from clinic.lib.time import clock_label, day_label, local_day_bounds, week_start, zone_label
from clinic.merging import patient_duplicate_join
from clinic.models import Clinic, Location, Patient, Practitioner
from clinic.selectors import patient_records, patient_search

PATIENTS_PER_PAGE = 25
BOOKING_SEARCH_LIMIT = 20
SHORTEST_GAP = timedelta(minutes=5)
"""Free stretches shorter than this are not worth showing on the day view."""


# --- Access -------------------------------------------------------------------------


# --- Showing times in the clinic's zone ---------------------------------------------


def _clock(moment: datetime | time, tz: ZoneInfo | None = None) -> str:
    """ "10:15 am": a wall-clock time, or an instant read in `tz`."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(tz).time() if tz else moment.time()
    return clock_label(moment)


def _day_label(day: date, *, this_year: int | None = None) -> str:
    """ "Tuesday 3 March", with the year when it is not `this_year`."""
    return day_label(day, year=day.year != this_year)


def _when(moment: datetime, tz: ZoneInfo) -> str:
    """ "Tuesday 3 March, 10:15 am" in the clinic's zone."""
    local = moment.astimezone(tz)
    this_year = timezone.now().astimezone(tz).year
    return f"{_day_label(local.date(), this_year=this_year)}, {_clock(local)}"


def _time_range(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    return f"{_clock(start, tz)} to {_clock(end, tz)}"


def _where(appointment: Appointment) -> str:
    if appointment.modality == Modality.TELEHEALTH:
        return "Telehealth (video)"
    name = appointment.location.name if appointment.location else "the clinic"
    return f"In clinic at {name}"


def _today(clinic: Clinic) -> date:
    return timezone.now().astimezone(clinic.tz).date()


@dataclass
class AppointmentRow:
    """An appointment with its times already written out in the clinic's zone."""

    appointment: Appointment
    when: str
    time_range: str
    where: str


def _row(appointment: Appointment, tz: ZoneInfo) -> AppointmentRow:
    """The visit's times in its own location's zone, which is named when it is not `tz`,
    the zone the rest of the page is in."""
    zone = appointment.tz
    named = "" if zone.key == tz.key else f" ({zone_label(zone)} time)"
    return AppointmentRow(
        appointment,
        _when(appointment.start, zone) + named,
        _time_range(appointment.start, appointment.end, zone) + named,
        _where(appointment),
    )


# --- Schedule -------------------------------------------------------------------------


@dataclass
class Entry:
    """One line of a practitioner's day: an appointment, free time or time off."""

    kind: str  # "appointment", "free" or "off"
    start: datetime
    time_range: str
    row: AppointmentRow | None = None


@dataclass
class PractitionerDay:
    practitioner: Practitioner
    hours: list[str]
    entries: list[Entry]


@dataclass
class ScheduleDay:
    day: date
    heading: str
    is_today: bool
    columns: list[PractitionerDay] = field(default_factory=list)


@dataclass(frozen=True)
class ScheduleFilters:
    view: str
    day: date
    practitioner: Practitioner | None
    location: Location | None


def _schedule_filters(
    request: HttpRequest,
    *,
    clinic: Clinic,
    practitioners: list[Practitioner],
    locations: list[Location],
) -> tuple[ScheduleFilterForm, ScheduleFilters]:
    """Read the GET filters; a bad value is shown as an error and its default used."""
    own = next((p for p in practitioners if p.user_id == request.user.pk), None)
    today = _today(clinic)
    defaults = {
        "view": "day",
        "date": today.isoformat(),
        "practitioner": str(own.code) if own else ALL,
        "location": schedule_location_default(locations),
    }
    data = {name: request.GET.get(name) or default for name, default in defaults.items()}
    form = ScheduleFilterForm(data, practitioners=practitioners, locations=locations)
    form.is_valid()
    cleaned = form.cleaned_data
    code = cleaned.get("practitioner") or defaults["practitioner"]
    location_id = cleaned.get("location") or ""
    return form, ScheduleFilters(
        view=cleaned.get("view") or "day",
        day=cleaned.get("date") or today,
        practitioner=next((p for p in practitioners if str(p.code) == code), None),
        location=next((loc for loc in locations if str(loc.pk) == location_id), None),
    )


def _schedule_url(filters: ScheduleFilters, **changes: Any) -> str:
    params = {
        "view": filters.view,
        "date": filters.day.isoformat(),
        "practitioner": str(filters.practitioner.code) if filters.practitioner else ALL,
    }
    if filters.location:
        params["location"] = str(filters.location.pk)
    params.update({k: str(v) for k, v in changes.items()})
    return f"{reverse('bookings:staff-schedule')}?{urlencode(params)}"


def _schedule_nav(filters: ScheduleFilters, today: date) -> dict[str, str | None]:
    step = timedelta(days=7 if filters.view == "week" else 1)
    earlier, later = filters.day - step, filters.day + step
    return {
        "previous": _schedule_url(filters, date=earlier) if earlier >= FIRST_DATE else None,
        "next": _schedule_url(filters, date=later) if later <= LATEST_DATE else None,
        "today": _schedule_url(filters, date=today),
        "day_view": _schedule_url(filters, view="day"),
        "week_view": _schedule_url(filters, view="week"),
    }


def _hours_label(block: WorkingHours) -> str:
    label = f"{_clock(block.start_time)} to {_clock(block.end_time)} at {block.location.name}"
    if block.break_start and block.break_end:
        label += f" (break {_clock(block.break_start)} to {_clock(block.break_end)})"
    return label


def _subtract(windows: Iterable[slots.Window], busy: list[slots.Interval]) -> list[slots.Interval]:
    """The parts of the working windows that no busy interval covers."""
    merged = slots.merge_intervals(busy)
    free: list[slots.Interval] = []
    for window in windows:
        cursor = window.start
        for start, end in merged:
            if end <= cursor or start >= window.end:
                continue
            if start > cursor:
                free.append((cursor, start))
            cursor = max(cursor, end)
        if cursor < window.end:
            free.append((cursor, window.end))
    return [(s, e) for s, e in free if e - s >= SHORTEST_GAP]


def _practitioner_day(
    *,
    practitioner: Practitioner,
    day: date,
    tz: ZoneInfo,
    blocks: list[WorkingHours],
    appointments: list[Appointment],
    time_off: list[slots.Interval],
    with_gaps: bool,
) -> PractitionerDay:
    day_start, day_end = local_day_bounds(day, tz)
    entries = [
        Entry("appointment", a.start, _time_range(a.start, a.end, tz), _row(a, tz))
        for a in appointments
    ]
    off_today = [(max(s, day_start), min(e, day_end)) for s, e in time_off]
    off_today = [(s, e) for s, e in off_today if s < e]
    entries += [Entry("off", s, _time_range(s, e, tz)) for s, e in off_today]
    if with_gaps:
        windows = slots.working_windows(
            [
                slots.WeeklyBlock(
                    b.weekday, b.start_time, b.end_time, b.location_id, b.break_start, b.break_end
                )
                for b in blocks
            ],
            [day],
            tz,
        )
        busy = [(a.start, a.blocked_until) for a in appointments if a.is_active] + off_today
        entries += [Entry("free", s, _time_range(s, e, tz)) for s, e in _subtract(windows, busy)]
    entries.sort(key=lambda e: (e.start, e.kind != "appointment"))
    return PractitionerDay(practitioner, [_hours_label(b) for b in blocks], entries)


def _schedule_days(
    *,
    clinic: Clinic,
    days: list[date],
    practitioners: list[Practitioner],
    appointments: list[Appointment],
    hours: list[WorkingHours],
    time_off: list[TimeOff],
    with_gaps: bool,
    tz: ZoneInfo,
) -> list[ScheduleDay]:
    """Arrange the loaded rows by day and practitioner (no queries here), in `tz`."""
    today = _today(clinic)
    appointments_by: dict[tuple[int, date], list[Appointment]] = defaultdict(list)
    for a in appointments:
        appointments_by[(a.practitioner_id, a.start.astimezone(tz).date())].append(a)
    hours_by: dict[tuple[int, int], list[WorkingHours]] = defaultdict(list)
    for h in hours:
        hours_by[(h.practitioner_id, h.weekday)].append(h)
    off_by: dict[int, list[slots.Interval]] = defaultdict(list)
    for t in time_off:
        off_by[t.practitioner_id].append((t.start, t.end))
    result = []
    for day in days:
        schedule_day = ScheduleDay(day, _day_label(day, this_year=today.year), day == today)
        for p in practitioners:
            schedule_day.columns.append(
                _practitioner_day(
                    practitioner=p,
                    day=day,
                    tz=tz,
                    blocks=sorted(hours_by[(p.pk, day.weekday())], key=lambda b: b.start_time),
                    appointments=appointments_by[(p.pk, day)],
                    time_off=off_by[p.pk],
                    with_gaps=with_gaps,
                )
            )
        if not with_gaps:  # the week view leaves out practitioners with nothing that day
            schedule_day.columns = [c for c in schedule_day.columns if c.hours or c.entries]
        result.append(schedule_day)
    return result


@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    """Day or week schedule; a fixed number of queries whatever the number of visits."""
    clinic = staff_clinic_or_404(request)
    practitioners = list(
        Practitioner.objects.filter(clinic=clinic, is_active=True).order_by("display_name")
    )
    locations = list(Location.objects.filter(clinic=clinic, is_active=True))
    form, filters = _schedule_filters(
        request, clinic=clinic, practitioners=practitioners, locations=locations
    )
    first = week_start(filters.day) if filters.view == "week" else filters.day
    last = min(first + timedelta(days=6), LATEST_DATE) if filters.view == "week" else first
    days = slots.days_between(first, last)
    tz = schedule_zone(filters.location, locations, clinic)
    start, end = local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1]
    location_id = filters.location.pk if filters.location else None
    appointments = appointment_list_for_schedule(
        clinic=clinic,
        start=start,
        end=end,
        practitioner=filters.practitioner,
        location_id=location_id,
    )
    shown = [filters.practitioner] if filters.practitioner else list(practitioners)
    for a in appointments:  # an inactive practitioner's visits still show
        if all(p.pk != a.practitioner_id for p in shown):
            shown.append(a.practitioner)
    hours_qs = WorkingHours.objects.filter(
        practitioner__in=[p.pk for p in shown], location__is_active=True
    ).select_related("location")
    if location_id is not None:
        hours_qs = hours_qs.filter(location_id=location_id)
    hours = list(hours_qs)
    if location_id is not None and filters.practitioner is None:
        busy_here = {h.practitioner_id for h in hours} | {a.practitioner_id for a in appointments}
        shown = [p for p in shown if p.pk in busy_here]
    time_off = list(
        TimeOff.objects.filter(practitioner__in=[p.pk for p in shown], start__lt=end, end__gt=start)
    )
    schedule_days = _schedule_days(
        clinic=clinic,
        days=days,
        practitioners=shown,
        appointments=appointments,
        hours=hours,
        time_off=time_off,
        with_gaps=filters.view == "day",
        tz=tz,
    )
    return render(
        request,
        "bookings/staff_schedule.html",
        {
            "clinic": clinic,
            "form": form,
            "filters": filters,
            "days": schedule_days,
            "nav": _schedule_nav(filters, _today(clinic)),
            "first_label": _day_label(first, this_year=_today(clinic).year),
            "appointment_count": sum(1 for a in appointments if a.is_active),
            "zone": zone_label(tz),
            "zone_name": str(tz),
            "practitioner_heading": "h3" if filters.view == "week" else "h2",
        },
    )


# --- Choosing a free time (booking and moving) --------------------------------------


@dataclass
class SlotChoice:
    id: str
    value: str
    label: str
    checked: bool = False


@dataclass
class SlotGroup:
    heading: str
    choices: list[SlotChoice]


def _slot_groups(
    free: Sequence[Slot],
    *,
    practitioners: dict[int, Practitioner],
    locations: dict[int, Location],
    tz: ZoneInfo,
    first_id: int = 0,
    with_day: bool = False,
) -> list[SlotGroup]:
    """Free times as radio choices, grouped by practitioner and place."""
    groups: dict[str, SlotGroup] = {}
    n = first_id

    def order(s: Slot) -> tuple[str, datetime]:
        return practitioners[s.practitioner_id].display_name, s.start

    for slot in sorted(free, key=order):
        p = practitioners[slot.practitioner_id]
        place = locations[slot.location_id].name if slot.location_id in locations else None
        zone = slot.tz or tz  # a clinic visit's time in its location's zone
        heading = f"{p.display_name} at {place}" if place else f"{p.display_name}, telehealth"
        if zone != tz:
            heading += f" ({zone_label(zone)} time)"
        group = groups.setdefault(heading, SlotGroup(heading, []))
        label = _when(slot.start, zone) if with_day else _clock(slot.start, zone)
        value = slot_value(practitioner_code=p.code, start=slot.start, location_id=slot.location_id)
        group.choices.append(SlotChoice(f"id_slot_{n}", value, label))
        n += 1
    return list(groups.values())


def _locations_by_id(clinic: Clinic) -> dict[int, Location]:
    return {loc.pk: loc for loc in Location.objects.filter(clinic=clinic)}


# --- Booking on a patient's behalf --------------------------------------------------


def _book_url(**params: Any) -> str:
    return f"{reverse('bookings:staff-book')}?{urlencode(params)}"


@dataclass(frozen=True)
class BookPrefill:
    """A free time chosen on the calendar (`?practitioner=<code>&start=<ISO 8601>`): it
    travels through the three steps and is chosen in advance on the last. A value that
    does not parse is left out, as if it had not been given."""

    practitioner: str = ""
    start: datetime | None = None

    @property
    def params(self) -> dict[str, str]:
        found = {"practitioner": self.practitioner} if self.practitioner else {}
        if self.start is not None:
            found["start"] = self.start.isoformat()
        return found


def _book_prefill(request: HttpRequest, practitioners: Iterable[Practitioner]) -> BookPrefill:
    code = request.GET.get("practitioner", "")
    known = code if any(str(p.code) == code for p in practitioners) else ""
    text = request.GET.get("start", "").strip().replace(" ", "+")  # an unencoded "+"
    try:
        start: datetime | None = datetime.fromisoformat(text) if text else None
    except ValueError:
        start = None
    if start is not None and (
        start.tzinfo is None or not FIRST_DATE <= start.date() <= LATEST_DATE
    ):
        start = None
    return BookPrefill(known, start)


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """Book on a patient's behalf: 1. the patient; 2. what, how, who, which day; 3. a time."""
    clinic = staff_clinic_or_404(request)
    prefill = _book_prefill(
        request, Practitioner.objects.filter(clinic=clinic, is_active=True).only("code")
    )
    code = request.GET.get("patient", "")
    if not code:
        return _book_choose_patient(request, clinic, prefill)
    patient = record_for_staff_or_404(request, patient_records(), code)
    return _book_for_patient(request, clinic, patient, prefill)


def _prefill_label(prefill: BookPrefill, clinic: Clinic) -> str:
    """ "Tuesday 3 March, 10:15 am with Sam Lee": the time chosen on the calendar."""
    if prefill.start is None:
        return ""
    label = _when(prefill.start, clinic.tz)
    who = Practitioner.objects.filter(clinic=clinic, code=prefill.practitioner).first()
    return f"{label} with {who.display_name}" if who and prefill.practitioner else label


def _book_choose_patient(
    request: HttpRequest, clinic: Clinic, prefill: BookPrefill
) -> HttpResponse:
    search = PatientSearchForm(request.GET if "q" in request.GET else None)
    results: list[Patient] = []
    if search.is_valid() and search.cleaned_data["q"]:
        results = list(
            patient_search(clinic=clinic, text=search.cleaned_data["q"])[:BOOKING_SEARCH_LIMIT]
        )
    new_patient = NewPatientForm(request.POST if request.method == "POST" else None)
    if new_patient.is_valid():
        data = new_patient.cleaned_data
        existed = Patient.objects.filter(clinic=clinic, email__iexact=data["email"]).exists()
        patient = patient_match_or_create(clinic=clinic, **data)
        if existed:
            messages.info(
                request,
                f"{patient.full_name} already has a record with that email address; we "
                "used it and left their details unchanged.",
            )
        else:
            messages.success(request, f"Added {patient.full_name} as a new patient.")
        return redirect(_book_url(patient=patient.code, **prefill.params))
    return render(
        request,
        "bookings/staff_book_patient.html",
        {
            "prefill": prefill.params,
            "prefill_query": urlencode(prefill.params),
            "prefill_label": _prefill_label(prefill, clinic),
            "search": search,
            "results": results,
            "searched": search.is_bound,
            "new_patient": new_patient,
            "limit": BOOKING_SEARCH_LIMIT,
        },
    )


def _book_for_patient(
    request: HttpRequest, clinic: Clinic, patient: Patient, prefill: BookPrefill
) -> HttpResponse:
    tz = clinic.tz
    details = BookingDetailsForm(
        request.GET if "service" in request.GET else None,
        clinic=clinic,
        initial={
            "date": prefill.start.astimezone(tz).date() if prefill.start else _today(clinic),
            "practitioner": prefill.practitioner or ANY,
            "modality": Modality.CLINIC,
        },
    )
    context: dict[str, Any] = {
        "patient": patient,
        "details": details,
        "clinic": clinic,
        "prefill_start": prefill.start.isoformat() if prefill.start else "",
    }
    if not details.is_valid():
        if request.method == "POST":
            messages.error(request, "Choose the service, how, practitioner and day first.")
        return render(request, "bookings/staff_book.html", context)
    data = details.cleaned_data
    service, modality, day = data["service"], data["modality"], data["date"]
    offerers = {p.pk: p for p in bookable_practitioners(service=service)}
    referrals = referrals_for_booking(patient=patient, on=day)
    default = referral_default(referrals)
    pick = SlotPickForm(
        request.POST if request.method == "POST" else None,
        referrals=referrals,
        initial={"referral": str(default.code) if default else ""},
    )
    alternatives: list[Slot] = []
    if pick.is_valid():
        picked = pick.cleaned_data["slot"]
        practitioner = next(
            (p for p in offerers.values() if p.code == picked.practitioner_code), None
        )
        try:
            if practitioner is None:
                raise DomainError("Choose a time from the list.")
            referral, reason = pick.funding(start=picked.start, minutes=service.duration_minutes)
            if referral is not None and reason is None:
                context["funding_problems"] = pick.funding_problems
                raise DomainError(
                    "Enter a reason to book it under this referral anyway.",
                    field="funding_reason",
                )
            appointment = appointment_book(
                service=service,
                practitioner=practitioner,
                modality=modality,
                start=picked.start,
                patient=patient,
                source=Appointment.Source.STAFF,
                booked_by=staff_or_404(request),
                location_id=picked.location_id,
                allow_patient_overlap=pick.cleaned_data["allow_overlap"],
                referral=referral,
                funding_reason=reason or "",
            )
        except SlotUnavailable as exc:
            pick.add_error("slot", exc.message)
            alternatives = [s for s in exc.alternatives if s.practitioner_id in offerers]
        except PatientAlreadyBooked as exc:
            pick.add_error("slot", f'{exc.message} Tick "Book anyway" to book it all the same.')
            context["overlap_warning"] = True
        except DomainError as exc:
            pick.add_error(exc.field if exc.field in pick.fields else "slot", exc.message)
        else:
            messages.success(
                request,
                f"Booked {service.name} for {patient.full_name} with "
                f"{practitioner.display_name} on {_when(appointment.start, tz)}.",
            )
            return redirect("bookings:staff-appointment", code=appointment.code)
    free = available_slots(
        service=service,
        start_date=day,
        end_date=day,
        now=timezone.now(),
        practitioner=data["practitioner_obj"],
        modality=modality,
        enforce_notice=False,
    )
    locations = _locations_by_id(clinic)
    alternative_groups = _slot_groups(
        alternatives, practitioners=offerers, locations=locations, tz=tz, with_day=True
    )
    groups = _slot_groups(
        free,
        practitioners=offerers,
        locations=locations,
        tz=tz,
        first_id=sum(len(g.choices) for g in alternative_groups),
    )
    if prefill.start is not None and prefill.practitioner and not pick.is_bound:
        _check_prefilled(groups, practitioner=prefill.practitioner, start=prefill.start)
    context.update(
        {
            "pick": pick,
            "usages": patient_usages(patient=patient, today=_today(clinic)),
            "service": service,
            "day_label": _day_label(day, this_year=_today(clinic).year),
            "alternative_groups": alternative_groups,
            "groups": groups,
            "next_day_url": _book_url(
                **{**request.GET.dict(), "date": (day + timedelta(days=1)).isoformat()}
            )
            if day < LATEST_DATE
            else None,
        }
    )
    return render(request, "bookings/staff_book.html", context)


def _check_prefilled(groups: list[SlotGroup], *, practitioner: str, start: datetime) -> None:
    """Choose in advance the free time picked on the calendar, when it is in the list."""
    wanted = f"{practitioner}|{start.astimezone(UTC).isoformat()}|"
    for choice in (c for g in groups for c in g.choices):
        if choice.value.startswith(wanted):
            choice.checked = True
            return


# --- One appointment ----------------------------------------------------------------


@dataclass
class MessageRow:
    """One email in an appointment's message history, its times in the clinic's zone."""

    notification: Notification
    label: str
    planned: str
    sent: str
    can_retry: bool


def _message_label(notification: Notification) -> str:
    """ "Booking confirmation", "Reminder (2 hours before)"."""
    if notification.kind == Notification.Kind.REMINDER and notification.lead_minutes:
        by_text = " by text message" if notification.channel == Notification.Channel.SMS else ""
        return f"Reminder ({lead_label(notification.lead_minutes)}){by_text}"
    return notification.get_kind_display()


def _message_rows(appointment: Appointment, tz: ZoneInfo) -> list[MessageRow]:
    rows = []
    for n in notification_list_for_appointment(appointment):
        sent = _when(n.sent_at, tz) if n.sent_at else ("Not yet" if n.is_open else "Not sent")
        failed = n.status == Notification.Status.FAILED
        rows.append(MessageRow(n, _message_label(n), _when(n.due_at, tz), sent, failed))
    return rows


@login_required
def appointment_detail(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    appointment = record_for_staff_or_404(
        request, appointment_records(), code, clinic="practitioner__clinic"
    )
    if is_clinician(request.user):
        # Clinicians' copy shows the patient's latest pre-exercise screening (a yes with
        # its questions and notes: prescriptions' screening_notice), so it views that record.
        latest = appointment.patient.screenings.order_by("-screened_on", "-created_at").first()
        if latest is not None:
            access_log_record(
                request=request, action="view", record=latest, patient=appointment.patient
            )
    tz = appointment.tz
    return render(
        request,
        "bookings/staff_appointment_detail.html",
        {
            "appointment": appointment,
            "row": _row(appointment, tz),
            "patient": appointment.patient,
            "booked_at": _when(appointment.created_at, tz),
            "cancelled_at": _when(appointment.cancelled_at, tz) if appointment.cancelled_at else "",
            "is_booked": appointment.status == Appointment.Status.BOOKED,
            "can_mark": appointment.status
            not in (Appointment.Status.CANCELLED, Appointment.Status.HELD),
            "has_started": appointment.start <= timezone.now(),
            "appointment_date": appointment.start.astimezone(tz).date().isoformat(),
            "notification_rows": _message_rows(appointment, tz),
            "zone": f"{zone_label(tz)} time",
            "answers": BookingAnswers.objects.filter(appointment=appointment).first()
            if is_clinician(request.user)
            else None,
        },
    )


@login_required
@require_POST
def message_retry(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Try a failed email again: the "Try again" button in the message history."""
    appointment = record_for_staff_or_404(
        request, appointment_records(), code, clinic="practitioner__clinic"
    )
    pk = request.POST.get("notification", "")
    if not pk.isdigit():
        raise Http404
    notification = get_object_or_404(Notification, appointment=appointment, pk=int(pk))
    label = _message_label(notification)
    if notification_retry(notification=notification):
        messages.success(request, f"{label}: sending it again now.")
    else:
        messages.error(request, f"{label} has not failed, so it was not sent again.")
    url = reverse("bookings:staff-appointment", args=[appointment.code])
    return redirect(f"{url}#messages-heading")


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Cancel with a reason. The patients' cancellation window does not bind staff."""
    appointment = record_for_staff_or_404(
        request, appointment_records(), code, clinic="practitioner__clinic"
    )
    if appointment.status != Appointment.Status.BOOKED:
        messages.error(request, "Only a booked visit can be cancelled.")
        return redirect("bookings:staff-appointment", code=appointment.code)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            appointment_cancel(
                appointment=appointment,
                by_user=staff_or_404(request),
                reason=form.cleaned_data["reason"],
                as_staff=True,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Cancelled {appointment.service.name} for {appointment.patient.full_name} "
                f"on {_when(appointment.start, appointment.tz)}.",
            )
        return redirect("bookings:staff-appointment", code=appointment.code)
    tz = appointment.tz
    return render(
        request,
        "bookings/staff_appointment_cancel.html",
        {"appointment": appointment, "row": _row(appointment, tz), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Move a visit to a free time, with any practitioner who offers the service."""
    appointment = record_for_staff_or_404(
        request, appointment_records(), code, clinic="practitioner__clinic"
    )
    dragged = request.method == "POST" and getattr(request, "htmx", False)
    if appointment.status != Appointment.Status.BOOKED:
        if dragged:
            return _move_answer("Only a booked visit can be moved.", status=409)
        messages.error(request, "Only a booked visit can be moved.")
        return redirect("bookings:staff-appointment", code=appointment.code)
    clinic = appointment.practitioner.clinic
    tz = appointment.tz
    offerers = {p.pk: p for p in bookable_practitioners(service=appointment.service)}
    current = appointment.practitioner
    data: Mapping[str, str] = request.GET
    if "date" not in data:
        data = {
            "date": max(appointment.start.astimezone(tz).date(), _today(clinic)).isoformat(),
            "practitioner": str(current.code) if current.pk in offerers else ANY,
        }
    form = MoveForm(data, practitioners=list(offerers.values()))
    pick = SlotPickForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {
        "appointment": appointment,
        "row": _row(appointment, tz),
        "form": form,
        "pick": pick,
    }
    if not form.is_valid():
        if request.method == "POST":
            messages.error(request, "Choose a day and a practitioner first.")
        return render(request, "bookings/staff_appointment_move.html", context)
    if pick.is_valid():
        picked = pick.cleaned_data["slot"]
        target = next((p for p in offerers.values() if p.code == picked.practitioner_code), None)
        try:
            if target is None:
                raise DomainError(
                    f"That practitioner does not offer {appointment.service.name}."
                    if dragged
                    else "Choose a time from the list."
                )
            moved = appointment_reschedule(
                appointment=appointment,
                start=picked.start,
                by_user=staff_or_404(request),
                practitioner=target,
                location_id=picked.location_id,
                as_staff=True,
            )
        except DomainError as exc:
            if dragged:  # the calendar puts the visit back and reads this out
                return _move_answer(exc.message, status=409)
            pick.add_error("slot", exc.message)
        else:
            done = f"Moved to {_when(moved.start, tz)} with {target.display_name}."
            if dragged:
                return _move_answer(f"{appointment.patient.full_name}: {done}", status=200)
            messages.success(request, done)
            return redirect("bookings:staff-appointment", code=appointment.code)
    elif dragged:
        return _move_answer("Choose a free time to move the visit to.", status=400)
    day = form.cleaned_data["date"]
    code_text = form.cleaned_data["practitioner"]
    chosen = next((p for p in offerers.values() if str(p.code) == code_text), None)
    free = [
        s
        for s in available_slots(
            service=appointment.service,
            start_date=day,
            end_date=day,
            now=timezone.now(),
            practitioner=chosen,
            modality=appointment.modality,
            enforce_notice=False,
            ignore_appointment_id=appointment.pk,
        )
        if not (s.start == appointment.start and s.practitioner_id == appointment.practitioner_id)
    ]
    context.update(
        {
            "day_label": _day_label(day, this_year=_today(clinic).year),
            "groups": _slot_groups(
                free, practitioners=offerers, locations=_locations_by_id(clinic), tz=tz
            ),
        }
    )
    return render(request, "bookings/staff_appointment_move.html", context)


def _move_answer(message: str, *, status: int) -> HttpResponse:
    """What a drag on the calendar gets back: one sentence to read out (409 when the time
    is not free, so the calendar puts the visit back)."""
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@login_required
@require_POST
def mark(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Record attended or did not attend, once the visit has started. With htmx (the
    calendar's one-click buttons) the answer is the visit's calendar card alone; without
    it, back to a safe `next` (the calendar) or to the appointment."""
    appointment = record_for_staff_or_404(
        request, appointment_records(), code, clinic="practitioner__clinic"
    )
    back = _safe_next(request) or reverse("bookings:staff-appointment", args=[appointment.code])
    form = MarkForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Choose attended or did not attend."
    else:
        try:
            appointment = appointment_mark(
                appointment=appointment,
                status=form.cleaned_data["status"],
                by_user=staff_or_404(request),
            )
        except DomainError as exc:
            error = exc.message
    done = (
        f"Recorded {appointment.patient.full_name} as {appointment.get_status_display().lower()}."
    )
    if getattr(request, "htmx", False):
        fresh = appointment_records().get(pk=appointment.pk)
        return calendar_card_response(
            request, fresh, error=error, message="" if error else done, next_url=back
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(back)


def _safe_next(request: HttpRequest) -> str:
    """The POSTed `next` when it is a page of this site, else ""."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


# --- Patients -------------------------------------------------------------------------


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    clinic = staff_clinic_or_404(request)
    search = PatientSearchForm(request.GET if "q" in request.GET else None)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(patient_search(clinic=clinic, text=text), PATIENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = {"q": text} if text else {}
    # htmx (search as you type) swaps in the list alone; the page works the same without it.
    partial = "#results" if getattr(request, "htmx", False) else ""
    return render(
        request,
        f"bookings/staff_patient_list.html{partial}",
        {
            "search": search,
            "page": page,
            "text": text,
            "previous_url": f"?{urlencode({**query, 'page': page.previous_page_number()})}"
            if page.has_previous()
            else None,
            "next_url": f"?{urlencode({**query, 'page': page.next_page_number()})}"
            if page.has_next()
            else None,
        },
    )


@login_required
def patient_detail(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    patient = record_for_staff_or_404(request, patient_records(), code)
    if is_clinician(request.user):
        # Clinicians' copy of the page summarises the clinical record (assessments with
        # flags and scores, screening, programmes: prescriptions' template tags), so it is
        # a view of it. Reception's copy has contact details and visits only.
        access_log_record(
            request=request,
            action="view",
            record=patient,
            patient=patient,
            record_type=CLINICAL_SUMMARY,
        )
    tz = patient.clinic.tz
    now = timezone.now()
    appointments = appointment_list_for_patient(patient_id=patient.pk)
    upcoming = sorted((a for a in appointments if a.start >= now), key=lambda a: a.start)
    past = [a for a in appointments if a.start < now]
    return render(
        request,
        "bookings/staff_patient_detail.html",
        {
            "patient": patient,
            "age": patient.age_on(_today(patient.clinic)),
            "usages": patient_usages(patient=patient, today=_today(patient.clinic)),
            "upcoming": [_row(a, tz) for a in upcoming],
            "past": [_row(a, tz) for a in past],
            "book_url": _book_url(patient=patient.code),
            "has_mobile": au_mobile_e164(patient.phone) is not None,
            "reminder_channels": Patient.ReminderChannel.choices,
            "answered": list(
                BookingAnswers.objects.filter(appointment__patient=patient)
                .select_related("appointment__service")
                .order_by("-appointment__start")[:10]
            )
            if is_clinician(request.user)
            else [],
        },
    )


@login_required
@require_POST
def patient_join(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Join a possible duplicate (an online booking with a known email address) into the
    record it duplicates, once staff have checked they are the same person."""
    duplicate = record_for_staff_or_404(request, patient_records(), code)
    user = staff_or_404(request)
    try:
        original = patient_duplicate_join(duplicate=duplicate, by=user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(duplicate.get_absolute_url())
    messages.success(request, f"Joined into {original.full_name}'s record.")
    return redirect(original.get_absolute_url())


@login_required
@require_POST
def patient_reminder_channel(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Staff set how the patient's reminders go (email, text message or both), as the
    patient asked them to, on the phone or at the desk."""
    patient = record_for_staff_or_404(request, patient_records(), code)
    try:
        patient = patient_set_reminder_channel(
            patient=patient, channel=request.POST.get("reminder_channel", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(patient.get_absolute_url())
    label = "email and text message" if patient.reminder_channel == "both" else ""
    messages.success(
        request, f"Reminders now go by {label or patient.get_reminder_channel_display().lower()}."
    )
    return redirect(patient.get_absolute_url())


@login_required
def enquiry_list(request: HttpRequest) -> HttpResponse:
    """People whose answer to a booking health question stopped their online booking: the
    clinic calls them back. Reception sees who and how to reach them; clinicians also see
    the answers."""
    clinic = staff_clinic_or_404(request)
    enquiries = list(enquiry_list_for_clinic(clinic=clinic)[:200])
    return render(
        request,
        "bookings/staff_enquiry_list.html",
        {
            "open": [e for e in enquiries if e.status == e.Status.OPEN],
            "done": [e for e in enquiries if e.status == e.Status.DONE][:50],
            "show_answers": is_clinician(request.user),
            "tz": clinic.tz,
            "current": "staff-enquiries",
        },
    )


@login_required
@require_POST
def enquiry_done(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    enquiry = record_for_staff_or_404(request, ScreeningEnquiry.objects.all(), code)
    user = staff_or_404(request)
    screening_enquiry_done(enquiry=enquiry, by=user)
    messages.success(request, f"Marked {enquiry.full_name or 'the enquiry'} as called back.")
    return redirect("bookings:staff-enquiries")


urlpatterns: list[URLPattern] = [
    path("staff/", schedule, name="staff-schedule"),
    path("staff/appointments/new/", book, name="staff-book"),
    path("staff/appointments/<uuid:code>/", appointment_detail, name="staff-appointment"),
    path("staff/appointments/<uuid:code>/cancel/", cancel, name="staff-cancel"),
    path("staff/appointments/<uuid:code>/move/", move, name="staff-move"),
    path("staff/appointments/<uuid:code>/mark/", mark, name="staff-mark"),
    path(
        "staff/appointments/<uuid:code>/messages/retry/",
        message_retry,
        name="staff-message-retry",
    ),
    path("staff/patients/", patient_list, name="staff-patient-list"),
    path("staff/patients/<uuid:code>/", patient_detail, name="staff-patient-detail"),
    path("staff/patients/<uuid:code>/join/", patient_join, name="staff-patient-join"),
    path(
        "staff/patients/<uuid:code>/reminders/",
        patient_reminder_channel,
        name="staff-patient-reminder-channel",
    ),
    path("staff/enquiries/", enquiry_list, name="staff-enquiries"),
    path("staff/enquiries/<uuid:code>/done/", enquiry_done, name="staff-enquiry-done"),
]
