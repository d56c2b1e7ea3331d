"""The public online booking flow. No login is needed until the very end, and none at all
for a new patient.

service list -> modality -> practitioner -> a week of free times -> the patient's details
-> screening questions (clinic visits) -> review and confirm -> done (+ calendar file).

Until the details step, the visitor's choices travel in the query string (plain links
and GET forms, so every page works without JavaScript and can be bookmarked). From the
details step on they are a draft in the session: the chosen slot, the patient's details,
the screening answers and an idempotency key for the booking. Every step re-validates
what it reads; a bad link gets a clear message page, never a server error.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.text import Truncator

from bookings.forms.public import (
    AUSTRALIAN_ZONES,
    OTHER_ZONES,
    ChosenSlotForm,
    ModalityForm,
    PatientDetailsForm,
    PractitionerForm,
    ScreeningForm,
    TimeZoneForm,
    parse_day,
    parse_uuid,
    zone_choice_label,
)
from bookings.ics import appointment_ics
from bookings.models import Appointment, Modality, ScreeningQuestion, Service
from bookings.screening import appointment_screening_save, screening_enquiry_record
from bookings.selectors import (
    Slot,
    available_slots,
    available_slots_no_preference,
    bookable_practitioners,
    booking_window,
    service_bookable_online,
    service_list_bookable_online,
    slot_is_available,
)
from bookings.services import PatientDetails, SlotUnavailable, appointment_book
from bookings.tokens import manage_token_for
from bookings.week_cache import week_page_get, week_page_key, week_page_put
from clinic.errors import DomainError
from clinic.lib.time import clock_label, day_label, week_start, when_label, zone_label
from clinic.models import Clinic, Location, Patient, Practitioner, User
from clinic.ratelimit import rate_limit_exceeded
from clinic.selectors import clinic_get_default, patient_get_for_user

DRAFT_KEY = "booking_draft"
"""Session key of the booking being made (JSON-safe dict)."""
BOOKED_KEY = "booking_codes"
"""Session key of the appointment codes this session booked (they may see them)."""
UNAVAILABLE_KEY = "booking_unavailable"
"""Session key of a start time that turned out not to be free (shown on the week page)."""
TOTAL_STEPS = 6
MAX_REMEMBERED_BOOKINGS = 20

MODALITY_HINTS = {
    Modality.CLINIC: "Come to one of our clinics.",
    Modality.TELEHEALTH: "A video call on your phone, tablet or computer. You get a link.",
}
SERVICE_MODES: dict[str, str] = {
    Service.Modalities.CLINIC: "In clinic",
    Service.Modalities.TELEHEALTH: "By video (telehealth)",
    Service.Modalities.BOTH: "In clinic or by video",
}


# --- Formatting: times are shown in the clinic's zone, like "Tuesday 3 March, 10:15 am" --


def format_in_zone(moment: datetime, clinic_tz: ZoneInfo, zone: str) -> str:
    """The time in the visitor's zone, naming the day when it differs from the clinic's."""
    other = moment.astimezone(ZoneInfo(zone))
    same_day = other.date() == moment.astimezone(clinic_tz).date()
    day = "" if same_day else f" {day_label(other.date())}"
    return f"{clock_label(other)}{day} in {zone_choice_label(zone)}"


# --- Small helpers ----------------------------------------------------------------------


def _problem(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    """A clear page for a booking link that cannot work (malformed or unknown)."""
    return render(request, "bookings/book_problem.html", {"message": message}, status=status)


def _service_or_404(code: uuid.UUID) -> Service:
    service = service_bookable_online(code=code)
    if service is None:
        raise Http404("No such service")
    return service


def _check_modality(service: Service, modality: str) -> None:
    if modality not in service.allowed_modalities():
        raise Http404("This service is not offered that way")


def _url(name: str, *args: object, query: Mapping[str, object] | None = None) -> str:
    url = reverse(f"bookings:{name}", args=args)
    if query:
        clean = {k: "" if v is None else str(v) for k, v in query.items()}
        url = f"{url}?{urlencode(clean)}"
    return url


def _week_url(service: Service, modality: str, pref: str, monday: date, tz: str = "") -> str:
    query: dict[str, object] = {"practitioner": pref, "week": monday.isoformat()}
    if tz:
        query["tz"] = tz
    return _url("slot-list", service.code, modality, query=query)


def _visitor_tz(zone: str, clinic: Clinic, modality: str) -> str:
    """The visitor's own zone when it is worth showing (telehealth, not the clinic's)."""
    if modality != Modality.TELEHEALTH or not zone or zone == clinic.timezone:
        return ""
    return zone


# --- The chosen slot, as it travels in links and in the session draft ---------------------


@dataclass
class Choice:
    """A slot the visitor picked, resolved and checked against the database."""

    service: Service
    modality: str
    practitioner: Practitioner
    pref: str  # "any" (No preference) or the chosen practitioner's code
    start: datetime
    location_id: int | None
    tz: str  # the visitor's own zone for telehealth times, or ""

    @property
    def clinic(self) -> Clinic:
        return self.service.clinic

    def params(self) -> dict[str, str]:
        return {
            "service": str(self.service.code),
            "modality": self.modality,
            "practitioner": str(self.practitioner.code),
            "start": self.start.astimezone(self.clinic.tz).isoformat(),
            "location": "" if self.location_id is None else str(self.location_id),
            "pref": self.pref,
            "tz": self.tz,
        }

    def details_url(self, **extra: str) -> str:
        return _url("book-details", query={**self.params(), **extra})

    def week_url(self, modality: str | None = None) -> str:
        monday = week_start(self.start.astimezone(self.clinic.tz).date())
        return _week_url(self.service, modality or self.modality, self.pref, monday, self.tz)


def _resolve_choice(data: Mapping[str, Any]) -> tuple[Choice | None, str]:
    """A Choice from query parameters (or a stored draft), or None and why not."""
    form = ChosenSlotForm(data)
    if not form.is_valid():
        return None, "This booking link is not complete or not valid."
    cd = form.cleaned_data
    service = service_bookable_online(code=cd["service"])
    if service is None or cd["modality"] not in service.allowed_modalities():
        return None, "We could not find that service. It may no longer be booked online."
    practitioner = next(
        (p for p in bookable_practitioners(service=service) if p.code == cd["practitioner"]),
        None,
    )
    if practitioner is None:
        return None, "That practitioner does not offer this service online."
    clinic_visit = cd["modality"] == Modality.CLINIC
    choice = Choice(
        service=service,
        modality=cd["modality"],
        practitioner=practitioner,
        pref=cd["pref"] or str(practitioner.code),
        start=cd["start"].astimezone(ZoneInfo("UTC")),
        location_id=cd["location"] if clinic_visit else None,
        tz=cd["tz"],
    )
    return choice, ""


def _free_slot(choice: Choice, now: datetime) -> Slot | None:
    return slot_is_available(
        service=choice.service,
        practitioner=choice.practitioner,
        start=choice.start,
        modality=choice.modality,
        now=now,
        location_id=choice.location_id,
    )


def _back_to_week(request: HttpRequest, choice: Choice) -> HttpResponse:
    """The slot is not free: show its week with the message and the nearest times."""
    request.session[UNAVAILABLE_KEY] = choice.start.isoformat()
    return redirect(choice.week_url())


# --- The session draft ----------------------------------------------------------------


def _draft_start(
    request: HttpRequest,
    choice: Choice,
    slot: Slot,
    *,
    patient_id: int | None = None,
    details: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A new draft for this slot. A new slot always gets a new idempotency key."""
    previous = request.session.get(DRAFT_KEY) or {}
    choice.location_id = slot.location_id
    screening = None
    same_visit = (previous.get("slot") or {}).get("modality") == choice.modality
    if same_visit and not previous.get("appointment"):
        screening = previous.get("screening")
    draft = {
        "slot": choice.params(),
        "patient_id": patient_id,
        "patient": details,
        "request_id": str(uuid.uuid4()),
        "screening": screening,
        "appointment": None,
    }
    request.session[DRAFT_KEY] = draft
    return draft


def _draft_load(request: HttpRequest) -> tuple[dict[str, Any], Choice] | None:
    draft = request.session.get(DRAFT_KEY)
    if not isinstance(draft, dict) or not isinstance(draft.get("slot"), dict):
        return None
    choice, _ = _resolve_choice(draft["slot"])
    if choice is None:
        return None
    return draft, choice


def _draft_save(request: HttpRequest, draft: dict[str, Any]) -> None:
    request.session[DRAFT_KEY] = draft
    request.session.modified = True


def _expired(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Your booking was not found or has timed out. Please start again.")
    return redirect("bookings:service-list")


def _after_details(choice: Choice) -> HttpResponse:
    if choice.modality == Modality.CLINIC:
        return redirect("bookings:book-screening")
    return redirect("bookings:book-review")


def _session_patient(request: HttpRequest, clinic: Clinic) -> Patient | None:
    """The logged-in visitor's patient record at this clinic, if any."""
    patient = patient_get_for_user(request.user)  # type: ignore[arg-type]
    if patient is None or patient.clinic_id != clinic.pk:
        return None
    return patient


# --- 1. Services ------------------------------------------------------------------------


def service_list(request: HttpRequest) -> HttpResponse:
    """The clinic's services that can be booked online."""
    clinic = clinic_get_default()
    services = service_list_bookable_online(clinic=clinic) if clinic else []
    rows = [(s, SERVICE_MODES.get(s.modalities, "")) for s in services]
    return render(
        request,
        "bookings/book_service_list.html",
        {"clinic": clinic, "rows": rows, "step": 1, "total_steps": TOTAL_STEPS},
    )


# --- 2. In clinic or by video --------------------------------------------------------------


def book_modality(request: HttpRequest, service_code: uuid.UUID) -> HttpResponse:
    service = _service_or_404(service_code)
    allowed = service.allowed_modalities()
    if len(allowed) == 1:
        return redirect("bookings:book-practitioner", service.code, allowed[0])
    form = ModalityForm(
        request.GET if "modality" in request.GET else None,
        allowed=allowed,
        hint=f"{service.name}, {service.duration_minutes} minutes",
        option_hints={value: MODALITY_HINTS[Modality(value)] for value in allowed},
    )
    if form.is_bound and form.is_valid():
        return redirect("bookings:book-practitioner", service.code, form.cleaned_data["modality"])
    return render(
        request,
        "bookings/book_modality.html",
        {
            "service": service,
            "form": form,
            "back_url": reverse("bookings:service-list"),
            "step": 2,
            "total_steps": TOTAL_STEPS,
        },
    )


# --- 3. Practitioner ----------------------------------------------------------------------


def book_practitioner(request: HttpRequest, service_code: uuid.UUID, modality: str) -> HttpResponse:
    service = _service_or_404(service_code)
    _check_modality(service, modality)
    practitioners = bookable_practitioners(service=service)
    bound = "practitioner" in request.GET
    form = PractitionerForm(
        request.GET if bound else None,
        choices=[(str(p.code), p.display_name) for p in practitioners],
        hint=f"{service.name}, {Modality(modality).label.lower()}",
        option_hints={str(p.code): _practitioner_hint(p) for p in practitioners},
    )
    if bound and form.is_valid():
        monday = week_start(timezone.now().astimezone(service.clinic.tz).date())
        return redirect(_week_url(service, modality, form.cleaned_data["practitioner"], monday))
    many_modalities = len(service.allowed_modalities()) > 1
    back_url = (
        reverse("bookings:book-modality", args=[service.code])
        if many_modalities
        else reverse("bookings:service-list")
    )
    return render(
        request,
        "bookings/book_practitioner.html",
        {
            "service": service,
            "modality_label": Modality(modality).label,
            "form": form,
            "has_practitioners": bool(practitioners),
            "back_url": back_url,
            "step": 3,
            "total_steps": TOTAL_STEPS,
        },
    )


def _practitioner_hint(practitioner: Practitioner) -> str:
    """Under a practitioner's name: their profession and the start of their bio."""
    hint = practitioner.get_profession_display()
    if hint and practitioner.bio:
        hint += ". " + Truncator(practitioner.bio).words(40, truncate=" …")
    return hint


# --- 4. A week of free times -------------------------------------------------------------


@dataclass
class TimeLink:
    slot: Slot
    day_label: str
    label: str
    visitor_label: str
    practitioner_name: str
    location_name: str
    url: str


def _nearest(links: list[TimeLink], around: datetime, count: int = 5) -> list[TimeLink]:
    seen: set[datetime] = set()
    unique = []
    for link in sorted(links, key=lambda x: abs(x.slot.start - around)):
        if link.slot.start not in seen:
            seen.add(link.slot.start)
            unique.append(link)
        if len(unique) == count:
            break
    return sorted(unique, key=lambda x: x.slot.start)


def slot_list(request: HttpRequest, service_code: uuid.UUID, modality: str) -> HttpResponse:
    """One week (Monday to Sunday, clinic-local) of free times, grouped by day.
    Anonymous visitors share a copy for up to a minute (bookings/week_cache.py)."""
    key = week_page_key(request)
    cached = week_page_get(key)
    if cached is not None:
        return cached
    return week_page_put(key, _slot_list(request, service_code, modality))


def _slot_list(request: HttpRequest, service_code: uuid.UUID, modality: str) -> HttpResponse:
    service = _service_or_404(service_code)
    _check_modality(service, modality)
    clinic, tz, now = service.clinic, service.clinic.tz, timezone.now()
    practitioners = bookable_practitioners(service=service)

    pref = request.GET.get("practitioner") or "any"
    chosen = None
    if pref != "any":
        code = parse_uuid(pref)
        chosen = next((p for p in practitioners if p.code == code), None)
        if chosen is None:
            return _problem(
                request, "We could not find that practitioner for this service.", status=404
            )

    today = now.astimezone(tz).date()
    first_monday = week_start(today)
    last_day = booking_window(clinic=clinic, now=now)[1].astimezone(tz).date() - timedelta(days=1)
    last_monday = week_start(last_day)
    monday = first_monday
    if request.GET.get("week"):
        asked = parse_day(request.GET["week"])
        if asked is None:
            return _problem(request, "The week in this link is not a valid date.")
        monday = min(max(week_start(asked), first_monday), last_monday)

    tz_form = TimeZoneForm(request.GET if request.GET.get("tz") else None)
    zone = tz_form.cleaned_data["tz"] if tz_form.is_bound and tz_form.is_valid() else ""
    visitor_zone = _visitor_tz(zone, clinic, modality)

    sunday = monday + timedelta(days=6)
    if chosen is None:
        found = available_slots_no_preference(
            service=service,
            practitioners=practitioners,
            start_date=monday,
            end_date=sunday,
            now=now,
            modality=modality,
        )
    else:
        found = available_slots(
            service=service,
            start_date=monday,
            end_date=sunday,
            now=now,
            practitioner=chosen,
            modality=modality,
        )
    locations = (
        {  # rooms in another zone say so: their times are in their own zone
            loc.pk: loc.name
            if loc.timezone in ("", clinic.timezone)
            else f"{loc.name} ({zone_label(loc.timezone)} time)"
            for loc in Location.objects.filter(clinic=clinic)
        }
        if modality == Modality.CLINIC
        else {}
    )
    people = {p.pk: p for p in practitioners}
    links = _time_links(found, service, pref, zone, visitor_zone, people, locations)
    days = _group_by_day(links, monday, tz)

    next_free_url = next_free_label = ""
    if not links and monday < last_monday:
        later = available_slots(
            service=service,
            start_date=sunday + timedelta(days=1),
            end_date=last_day,
            now=now,
            practitioner=chosen,
            modality=modality,
        )
        if later:
            first = later[0].start.astimezone(tz)
            next_free_url = _week_url(service, modality, pref, week_start(first.date()), zone)
            next_free_label = day_label(first.date())

    unavailable = None
    nearest: list[TimeLink] = []
    flagged = request.session.pop(UNAVAILABLE_KEY, None) if hasattr(request, "session") else None
    if flagged:
        try:
            unavailable = datetime.fromisoformat(flagged)
        except (TypeError, ValueError):
            unavailable = None
        if unavailable is not None:
            nearest = _nearest(links, unavailable)

    zone_choices = list(AUSTRALIAN_ZONES) + list(OTHER_ZONES)
    if zone and zone not in dict(zone_choices):
        zone_choices.append((zone, zone_choice_label(zone)))
    return render(
        request,
        "bookings/book_slot_list.html",
        {
            "service": service,
            "clinic": clinic,
            "modality": modality,
            "modality_label": Modality(modality).label,
            "pref": pref,
            "chosen": chosen,
            "week_label": f"{day_label(monday)} to {day_label(sunday)} {sunday.year}",
            "monday": monday,
            "days": days,
            "has_times": bool(links),
            "prev_url": _week_url(service, modality, pref, monday - timedelta(days=7), zone)
            if monday > first_monday
            else "",
            "next_url": _week_url(service, modality, pref, monday + timedelta(days=7), zone)
            if monday < last_monday
            else "",
            "next_free_url": next_free_url,
            "next_free_label": next_free_label,
            "unavailable": unavailable,
            "nearest": nearest,
            "is_telehealth": modality == Modality.TELEHEALTH,
            "tz_form": tz_form,
            "zone": zone,
            "zone_choices": zone_choices,
            "clinic_zone_label": zone_choice_label(clinic.timezone),
            "back_url": reverse("bookings:book-practitioner", args=[service.code, modality]),
            "step": 4,
            "total_steps": TOTAL_STEPS,
        },
    )


def _time_links(
    found: list[Slot],
    service: Service,
    pref: str,
    zone: str,
    visitor_zone: str,
    people: dict[int, Practitioner],
    locations: dict[int, str],
) -> list[TimeLink]:
    """Each free time as a link to the details step, with what the page says about it.

    A week holds hundreds of times, so what the links share (the details URL, the
    service, each practitioner's code, each day's label) is worked out once: reversing
    and url-encoding per link cost more than computing the slots (bench/). The query
    string is the one `urlencode` gives for service, modality, practitioner, start,
    location, pref, tz, in that order.
    """
    tz = service.clinic.tz
    head = f"{reverse('bookings:book-details')}?{urlencode({'service': str(service.code)})}"
    tail = urlencode({"pref": pref, "tz": zone})
    codes = {pk: quote_plus(str(p.code)) for pk, p in people.items()}
    names = {pk: p.display_name if pref == "any" else "" for pk, p in people.items()}
    day_labels: dict[date, str] = {}
    links = []
    for slot in found:
        local = slot.start.astimezone(slot.tz or tz)  # a clinic visit: its location's zone
        day = local.date()
        label = day_labels.get(day)
        if label is None:
            label = day_labels[day] = day_label(day)
        location = "" if slot.location_id is None else str(slot.location_id)
        url = (
            f"{head}&modality={quote_plus(slot.modality)}"
            f"&practitioner={codes[slot.practitioner_id]}&start={quote_plus(local.isoformat())}"
            f"&location={location}&{tail}"
        )
        links.append(
            TimeLink(
                slot=slot,
                day_label=label,
                label=clock_label(local),
                visitor_label=(
                    format_in_zone(slot.start, tz, visitor_zone) if visitor_zone else ""
                ),
                practitioner_name=names[slot.practitioner_id],
                location_name=locations.get(slot.location_id or 0, ""),
                url=url,
            )
        )
    return links


def _group_by_day(links: list[TimeLink], monday: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    by_day: dict[date, dict[str, list[TimeLink]]] = defaultdict(lambda: defaultdict(list))
    for link in links:
        by_day[link.slot.start.astimezone(tz).date()][link.location_name].append(link)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        groups = [{"location": name, "times": times} for name, times in by_day[day].items()]
        groups.sort(key=lambda g: str(g["location"]))
        days.append({"date": day, "label": day_label(day), "groups": groups})
    return days


# --- 5. The patient's details -------------------------------------------------------------


def _slot_summary(choice: Choice) -> dict[str, Any]:
    """What the visitor is booking, for the details, screening and review pages."""
    location = (
        Location.objects.filter(pk=choice.location_id, clinic=choice.clinic).first()
        if choice.location_id
        else None
    )
    tz = location.tz if location is not None else choice.clinic.tz
    zone = _visitor_tz(choice.tz, choice.clinic, choice.modality)
    return {
        "service": choice.service,
        "practitioner": choice.practitioner,
        "modality": choice.modality,
        "modality_label": Modality(choice.modality).label,
        "location": location,
        "when": when_label(choice.start, tz, year=False),
        "visitor_when": format_in_zone(choice.start, tz, zone) if zone else "",
        "is_telehealth": choice.modality == Modality.TELEHEALTH,
    }


def book_details(request: HttpRequest) -> HttpResponse:
    """Check the chosen slot, then take a new patient's details (or use the logged-in
    patient's record) and start the draft."""
    choice, message = _resolve_choice(request.GET)
    if choice is None:
        return _problem(request, message)
    now = timezone.now()
    slot = _free_slot(choice, now)
    if slot is None:
        return _back_to_week(request, choice)

    patient = _session_patient(request, choice.clinic)
    if patient is not None:
        _draft_start(request, choice, slot, patient_id=patient.pk)
        return _after_details(choice)
    previous = request.session.get(DRAFT_KEY) or {}
    known = previous.get("patient") if isinstance(previous, dict) else None
    if request.GET.get("keep") == "1" and isinstance(known, dict):
        # An alternative time offered after a clash: keep the details already given.
        _draft_start(request, choice, slot, details=known)
        return _after_details(choice)

    today = now.astimezone(choice.clinic.tz).date()
    if request.method == "POST":
        form = PatientDetailsForm(request.POST, today=today)
        if form.is_valid() and rate_limit_exceeded(
            request, "signup", settings.STANCE_SIGNUP_RATE_LIMIT
        ):
            # A new patient's details make an account: their own budget per client, apart
            # from bookings and password links. Known or not, every address counts alike.
            response = render(request, "bookings/book_signup_rate_limited.html", status=429)
            response["Retry-After"] = "600"
            return response
        if form.is_valid():
            _draft_start(request, choice, slot, details=form.patient_details())
            return _after_details(choice)
    else:
        initial = PatientDetailsForm.initial_from(known if isinstance(known, dict) else None)
        form = PatientDetailsForm(initial=initial, today=today)
    login_url = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
    return render(
        request,
        "bookings/book_details.html",
        {
            **_slot_summary(choice),
            "form": form,
            "login_url": login_url,
            "back_url": choice.week_url(),
            "step": 5,
            "total_steps": TOTAL_STEPS,
        },
    )


# --- 6. Screening questions (clinic visits) ------------------------------------------------


def book_screening(request: HttpRequest) -> HttpResponse:
    """The clinic's screening questions before an in-clinic visit; any "yes" stops the
    booking and offers another way."""
    loaded = _draft_load(request)
    if loaded is None:
        return _expired(request)
    draft, choice = loaded
    if draft.get("appointment"):
        return redirect("bookings:book-done", draft["appointment"])
    if choice.modality != Modality.CLINIC:
        return redirect("bookings:book-review")
    questions = list(
        ScreeningQuestion.objects.filter(clinic=choice.clinic, is_active=True).order_by(
            "display_order", "id"
        )
    )
    if not questions:
        draft["screening"] = {"answers": {}, "clear": True}
        _draft_save(request, draft)
        return redirect("bookings:book-review")

    previous = (draft.get("screening") or {}).get("answers") or {}
    if request.method == "POST":
        form = ScreeningForm(request.POST, questions=questions)
        if form.is_valid():
            stops = form.stops()
            draft["screening"] = {
                "answers": form.answers(),
                "asked": form.asked(),
                "clear": not stops,
            }
            _draft_save(request, draft)
            if stops:
                screening_enquiry_record(
                    clinic=choice.clinic,
                    service=choice.service,
                    wanted_start=choice.start,
                    patient=_session_patient(request, choice.clinic),
                    details=draft.get("patient") or {},
                    answers=form.asked(),
                )
                return _screening_stop(request, choice)
            return redirect("bookings:book-review")
    else:
        initial = {f"q{pk}": answer for pk, answer in previous.items()}
        form = ScreeningForm(initial=initial, questions=questions)
    back_url = choice.week_url() if draft.get("patient_id") else choice.details_url()
    return render(
        request,
        "bookings/book_screening.html",
        {
            **_slot_summary(choice),
            "form": form,
            "back_url": back_url,
            "step": 5,
            "total_steps": TOTAL_STEPS,
        },
    )


def _screening_stop(request: HttpRequest, choice: Choice) -> HttpResponse:
    telehealth_url = ""
    if Modality.TELEHEALTH in choice.service.allowed_modalities():
        telehealth_url = choice.week_url(modality=Modality.TELEHEALTH)
    return render(
        request,
        "bookings/book_screening_stop.html",
        {
            "service": choice.service,
            "clinic": choice.clinic,
            "telehealth_url": telehealth_url,
            "another_time_url": choice.week_url(),
            "back_url": reverse("bookings:book-screening"),
        },
    )


# --- 7. Review and confirm ------------------------------------------------------------------


def book_review(request: HttpRequest) -> HttpResponse:
    """Everything on one page, then "Confirm booking". Rate-limited and double-submit safe:
    the draft's idempotency key makes a repeated POST return the same appointment."""
    if request.method == "POST" and rate_limit_exceeded(
        request, "public-booking", settings.STANCE_BOOKING_RATE_LIMIT
    ):
        response = render(request, "bookings/book_rate_limited.html", status=429)
        response["Retry-After"] = "60"
        return response
    loaded = _draft_load(request)
    if loaded is None:
        return _expired(request)
    draft, choice = loaded
    if draft.get("appointment"):
        return redirect("bookings:book-done", draft["appointment"])
    if choice.modality == Modality.CLINIC and not (draft.get("screening") or {}).get("clear"):
        return redirect("bookings:book-screening")
    patient = None
    if draft.get("patient_id"):
        patient = _session_patient(request, choice.clinic)
        if patient is None or patient.pk != draft["patient_id"]:
            return _expired(request)
    elif not isinstance(draft.get("patient"), dict):
        return redirect(choice.details_url())

    context: dict[str, Any] = {}
    if request.method == "POST":
        try:
            appointment = _confirm(request, draft, choice, patient)
        except SlotUnavailable as exc:
            context["taken"] = True
            context["alternatives"] = _alternative_links(choice, exc.alternatives)
        except DomainError as exc:
            context["domain_error"] = exc.message
        else:
            _remember_booking(request, appointment)
            draft["appointment"] = str(appointment.code)
            # Screening answers are health information: once they let the booking
            # through they are not kept, not even in the session (docs/SECURITY.md).
            draft["screening"] = {"answers": {}, "clear": True}
            _draft_save(request, draft)
            return redirect("bookings:book-done", appointment.code)

    details = draft.get("patient") or {}
    many_modalities = len(choice.service.allowed_modalities()) > 1
    context.update(
        {
            **_slot_summary(choice),
            "patient": patient,
            "details": details,
            "date_of_birth": parse_day(details.get("date_of_birth", "")),
            "change_service_url": reverse("bookings:service-list"),
            "change_modality_url": reverse("bookings:book-modality", args=[choice.service.code])
            if many_modalities
            else "",
            "change_practitioner_url": reverse(
                "bookings:book-practitioner", args=[choice.service.code, choice.modality]
            ),
            "change_time_url": choice.week_url(),
            "change_details_url": "" if patient else choice.details_url(),
            "change_screening_url": reverse("bookings:book-screening")
            if choice.modality == Modality.CLINIC
            else "",
            "back_url": _review_back_url(draft, choice),
            "step": 6,
            "total_steps": TOTAL_STEPS,
        }
    )
    status = 409 if context.get("taken") else 400 if context.get("domain_error") else 200
    return render(request, "bookings/book_review.html", context, status=status)


def _review_back_url(draft: dict[str, Any], choice: Choice) -> str:
    if choice.modality == Modality.CLINIC:
        return reverse("bookings:book-screening")
    return choice.week_url() if draft.get("patient_id") else choice.details_url()


def _confirm(
    request: HttpRequest, draft: dict[str, Any], choice: Choice, patient: Patient | None
) -> Appointment:
    """Book it. The patient record and the appointment are one transaction: when the time
    was taken meanwhile, no new patient is left behind either."""
    request_id = parse_uuid(str(draft.get("request_id", ""))) or uuid.uuid4()
    who: Patient | PatientDetails
    if patient is None:
        details = draft["patient"]
        born = parse_day(details.get("date_of_birth", ""))
        if born is None:
            raise DomainError("Your date of birth is missing. Please check your details.")
        who = PatientDetails(
            first_name=details["first_name"],
            last_name=details["last_name"],
            email=details["email"],
            phone=details["phone"],
            date_of_birth=born,
        )
    else:
        who = patient
    appointment = appointment_book(
        service=choice.service,
        practitioner=choice.practitioner,
        modality=choice.modality,
        start=choice.start,
        patient=who,
        source=Appointment.Source.ONLINE,
        booked_by=request.user if isinstance(request.user, User) else None,
        location_id=choice.location_id,
        booking_request_id=request_id,
    )
    appointment_screening_save(
        appointment=appointment, answers=(draft.get("screening") or {}).get("asked") or []
    )
    return appointment


def _alternative_links(choice: Choice, alternatives: list[Slot]) -> list[dict[str, str]]:
    """The nearest free times as links that keep the details already given."""
    if not alternatives:
        return []
    people = {p.pk: p for p in bookable_practitioners(service=choice.service)}
    places = {loc.pk: loc.name for loc in Location.objects.filter(clinic=choice.clinic)}
    tz = choice.clinic.tz
    links = []
    for slot in alternatives:
        practitioner = people.get(slot.practitioner_id)
        if practitioner is None:
            continue
        query = {
            **choice.params(),
            "practitioner": str(practitioner.code),
            "start": slot.start.astimezone(tz).isoformat(),
            "location": "" if slot.location_id is None else str(slot.location_id),
            "keep": "1",
        }
        links.append(
            {
                "label": when_label(slot.start, slot.tz or tz, year=False),
                "practitioner": practitioner.display_name,
                "location": places.get(slot.location_id or 0, ""),
                "url": _url("book-details", query=query),
            }
        )
    return links


def _remember_booking(request: HttpRequest, appointment: Appointment) -> None:
    codes = [c for c in request.session.get(BOOKED_KEY, []) if c != str(appointment.code)]
    codes.append(str(appointment.code))
    request.session[BOOKED_KEY] = codes[-MAX_REMEMBERED_BOOKINGS:]


# --- 8. Done, and 9. the calendar file -------------------------------------------------------


def _appointment_for_visitor(request: HttpRequest, code: uuid.UUID) -> Appointment:
    """The appointment, for the session that booked it or its logged-in patient; else 404."""
    appointment = (
        Appointment.objects.select_related("service", "practitioner__clinic", "location", "patient")
        .filter(code=code)
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment")
    booked_here = str(appointment.code) in request.session.get(BOOKED_KEY, [])
    owner = request.user.is_authenticated and appointment.patient.user_id == request.user.pk
    if not (booked_here or owner):
        raise Http404("No such appointment")
    return appointment


def _manage_url(appointment: Appointment) -> str:
    try:
        return reverse("bookings:manage", args=[manage_token_for(appointment)])
    except NoReverseMatch:  # the manage page is not there yet
        return ""


def book_done(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    appointment = _appointment_for_visitor(request, code)
    clinic = appointment.practitioner.clinic
    tz = appointment.tz  # its location's zone (the clinic's for telehealth)
    draft = request.session.get(DRAFT_KEY) or {}
    zone = ""
    if isinstance(draft, dict) and draft.get("appointment") == str(appointment.code):
        zone = _visitor_tz((draft.get("slot") or {}).get("tz", ""), clinic, appointment.modality)
    return render(
        request,
        "bookings/book_done.html",
        {
            "appointment": appointment,
            "clinic": clinic,
            "is_telehealth": appointment.modality == Modality.TELEHEALTH,
            "is_cancelled": appointment.status == Appointment.Status.CANCELLED,
            "when": when_label(appointment.start, tz, year=False),
            "until": clock_label(appointment.end.astimezone(tz)),
            "zone_name": zone_label(tz),
            "visitor_when": format_in_zone(appointment.start, tz, zone) if zone else "",
            "ics_url": reverse("bookings:book-ics", args=[appointment.code]),
            "manage_url": _manage_url(appointment),
            "offer_password": not request.user.is_authenticated,
        },
    )


def book_ics(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    appointment = _appointment_for_visitor(request, code)
    response = HttpResponse(
        appointment_ics(appointment), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("book/", service_list, name="service-list"),
    path("book/details/", book_details, name="book-details"),
    path("book/screening/", book_screening, name="book-screening"),
    path("book/review/", book_review, name="book-review"),
    path("book/done/<uuid:code>/", book_done, name="book-done"),
    path("book/done/<uuid:code>/calendar.ics", book_ics, name="book-ics"),
    path("book/<uuid:service_code>/", book_modality, name="book-modality"),
    path(
        "book/<uuid:service_code>/<str:modality>/",
        book_practitioner,
        name="book-practitioner",
    ),
    path("book/<uuid:service_code>/<str:modality>/times/", slot_list, name="slot-list"),
]


def home(request: HttpRequest) -> HttpResponse:
    """The clinic's front page: who we are and a way to book."""
    clinic = clinic_get_default()
    services = service_list_bookable_online(clinic=clinic) if clinic else []
    return render(request, "clinic/home.html", {"clinic": clinic, "services": services})
