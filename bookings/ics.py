"""iCalendar files for appointments: "Add to calendar" links and email attachments.

One VEVENT per file. Its UID is stable for the life of the appointment and SEQUENCE
follows `Appointment.sequence`, so a calendar that imported the visit updates it in place
when it is moved (REQUEST) or cancelled (CANCEL). Times carry the clinic's TZID with a
matching VTIMEZONE. No clinical detail goes in: only the service, the practitioner, when
and where.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from icalendar import Calendar, Event, vCalAddress, vText

from bookings.models import Appointment, Modality

METHODS = ("PUBLISH", "REQUEST", "CANCEL")
PRODID = "-//Stance//Bookings//EN"


def appointment_uid(appointment: Appointment) -> str:
    return f"{appointment.code}@stance"


def appointment_summary(appointment: Appointment) -> str:
    return f"{appointment.service.name} with {appointment.practitioner.display_name}"


def appointment_where(appointment: Appointment) -> str:
    """The address for a clinic visit, the video link for telehealth."""
    if appointment.modality == Modality.TELEHEALTH:
        return appointment.telehealth_url
    if appointment.location is None:
        return ""
    address = " ".join(appointment.location.address.split())
    return f"{appointment.location.name}, {address}" if address else appointment.location.name


def _ical_time(moment: datetime) -> datetime:
    """Clinic-local time for DTSTART/DTEND, except in the hour repeated when daylight
    saving ends: iCalendar cannot say which of the two is meant (it takes the first), so
    those instants are written in UTC instead."""
    other = moment.replace(fold=1 - moment.fold)
    if other.utcoffset() != moment.utcoffset():
        return moment.astimezone(UTC)
    return moment


def _description(appointment: Appointment) -> str:
    clinic = appointment.practitioner.clinic
    lines = []
    if appointment.modality == Modality.TELEHEALTH and appointment.telehealth_url:
        lines.append(f"Video call: {appointment.telehealth_url}")
    contact = f" on {clinic.phone}" if clinic.phone else ""
    lines.append(f"To change this visit, contact {clinic.name}{contact}.")
    return "\n".join(lines)


def appointment_ics(
    appointment: Appointment, method: str = "PUBLISH", *, now: datetime | None = None
) -> bytes:
    """The appointment as an iCalendar file (bytes, CRLF lines) with one VEVENT.

    `method` is PUBLISH for a download, REQUEST for an invitation or update, CANCEL for
    a cancellation (STATUS:CANCELLED). Pass an appointment with service, practitioner
    (and its clinic) and location loaded to avoid extra queries. The VTIMEZONE is
    icalendar's own (`add_missing_timezones`), covering the visit with a year's margin
    rather than 1970 to 2038.
    """
    calendar, start, end = _calendar(appointment, method, now=now)
    calendar.add_missing_timezones(
        first_date=(start - timedelta(days=366)).date(),
        last_date=(end + timedelta(days=366)).date(),
    )
    data: bytes = calendar.to_ical()
    return data


def _calendar(
    appointment: Appointment, method: str, *, now: datetime | None
) -> tuple[Calendar, datetime, datetime]:
    """The calendar without its VTIMEZONE, and the visit's start and end in its own zone
    (its location's, else the clinic's)."""
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"Unknown iCalendar method {method!r}.")
    clinic = appointment.practitioner.clinic
    tz = appointment.tz
    # Through UTC, so an aware time already in the visit's zone is normalised too.
    start = appointment.start.astimezone(UTC).astimezone(tz)
    end = appointment.end.astimezone(UTC).astimezone(tz)

    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", _ical_time(start))
    event.add("dtend", _ical_time(end))
    event.add("summary", appointment_summary(appointment))
    where = appointment_where(appointment)
    if where:
        event.add("location", where)
    if appointment.modality == Modality.TELEHEALTH and appointment.telehealth_url:
        event.add("url", appointment.telehealth_url)
    event.add("description", _description(appointment))
    cancelled = method == "CANCEL" or appointment.status == Appointment.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if clinic.email:
        organizer = vCalAddress(f"mailto:{clinic.email}")
        organizer.params["cn"] = vText(clinic.name)
        event.add("organizer", organizer)
    if method != "PUBLISH":
        # iTIP (RFC 5546) messages name the attendee they are addressed to.
        attendee = vCalAddress(f"mailto:{appointment.patient.email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(event)
    return calendar, start, end
