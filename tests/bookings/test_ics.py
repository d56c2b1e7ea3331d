"""bookings.ics: one VEVENT per appointment, in the clinic's time zone."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from bookings.ics import appointment_ics
from bookings.models import Appointment
from tests import factories as f

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)


def _event(data: bytes):
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def _clinic_visit(world, **kw):
    start = f.next_weekday_at(world.clinic, 1, 10, 15)
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=start,
        location=world.location,
        **kw,
    )


def test_it_has_the_uid_sequence_and_times_in_the_clinic_zone(world):
    appointment = _clinic_visit(world, sequence=3)
    data = appointment_ics(appointment, now=NOW)
    assert data.endswith(b"\r\n") and b"\r\n" in data
    calendar, event = _event(data)
    assert calendar["METHOD"] == "PUBLISH"
    assert str(event["UID"]) == f"{appointment.code}@stance"
    assert event["SEQUENCE"] == 3
    assert event["DTSTART"].params["TZID"] == "Australia/Sydney"
    assert event["DTEND"].params["TZID"] == "Australia/Sydney"
    assert event.decoded("DTSTART") == appointment.start
    assert event.decoded("DTEND") == appointment.end
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=30)
    local = appointment.start.astimezone(world.clinic.tz)
    assert f"DTSTART;TZID=Australia/Sydney:{local:%Y%m%dT%H%M%S}".encode() in data
    assert str(event["STATUS"]) == "CONFIRMED"
    # A matching VTIMEZONE, kept small (around the visit, not 1970 to 2038).
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Australia/Sydney"]
    assert b"1971" not in data


def test_it_says_what_and_where_but_nothing_clinical_or_personal(world):
    appointment = _clinic_visit(world)
    data = appointment_ics(appointment, now=NOW)
    _, event = _event(data)
    assert str(event["SUMMARY"]) == "Follow-up with Sam Lee"
    assert str(event["LOCATION"]) == "Surry Hills rooms, 1 Example Street, Sydney NSW"
    assert world.patient.first_name.encode() not in data
    assert world.patient.email.encode() not in data
    assert "02 9000 0000" in str(event["DESCRIPTION"])  # how to change it (lines fold)


def test_a_telehealth_visit_is_located_at_its_video_link(world):
    start = f.next_weekday_at(world.clinic, 2, 11)
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.telehealth,
        start=start,
        modality="telehealth",
        telehealth_url="https://meet.example.org/stance-abc123",
    )
    _, event = _event(appointment_ics(appointment, now=NOW))
    assert str(event["LOCATION"]) == "https://meet.example.org/stance-abc123"
    assert str(event["URL"]) == "https://meet.example.org/stance-abc123"
    assert str(event["SUMMARY"]) == "Telehealth review with Sam Lee"


def test_cancel_marks_the_event_cancelled_with_the_same_uid(world):
    appointment = _clinic_visit(world, sequence=1)
    calendar, event = _event(appointment_ics(appointment, method="CANCEL", now=NOW))
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"{appointment.code}@stance"
    assert event["SEQUENCE"] == 1
    assert "mailto:" + world.patient.email in str(event["ATTENDEE"])


def test_request_names_the_attendee_and_the_clinic_as_organizer(world):
    world.clinic.email = "hello@clinic.example"
    world.clinic.save()
    appointment = _clinic_visit(world)
    appointment.practitioner.clinic = world.clinic
    calendar, event = _event(appointment_ics(appointment, method="request", now=NOW))
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["ORGANIZER"]) == "mailto:hello@clinic.example"
    assert str(event["ATTENDEE"]) == f"mailto:{world.patient.email}"


def test_it_refuses_an_unknown_method(world):
    with pytest.raises(ValueError, match="method"):
        appointment_ics(_clinic_visit(world), method="DELETE")


def test_times_on_a_daylight_saving_day_keep_their_real_length(world):
    # Sydney falls back at 3:00 am on Sunday 5 April 2026 (to 2:00 am). A 1:30 am visit of
    # two real hours ends at the second 2:30 am, which a TZID time cannot name: UTC it is.
    start = datetime(2026, 4, 5, 1, 30, tzinfo=world.clinic.tz)
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=start,
        location=world.location,
    )
    appointment.end = start.astimezone(UTC) + timedelta(hours=2)
    data = appointment_ics(appointment, now=NOW)
    _, event = _event(data)
    assert b"DTSTART;TZID=Australia/Sydney:20260405T013000" in data
    assert b"DTEND:20260404T163000Z" in data
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=2)


def test_spring_forward_times_are_written_in_the_clinic_zone(world):
    # Sydney springs forward at 2:00 am on Sunday 4 October 2026 (to 3:00 am).
    start = datetime(2026, 10, 4, 1, 30, tzinfo=world.clinic.tz)
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=start,
        location=world.location,
    )
    data = appointment_ics(appointment, now=NOW)
    _, event = _event(data)
    assert b"DTSTART;TZID=Australia/Sydney:20261004T013000" in data
    assert b"DTEND;TZID=Australia/Sydney:20261004T030000" in data
    # Python subtracts same-zone times on the wall clock: compare real instants.
    length = event.decoded("DTEND").astimezone(UTC) - event.decoded("DTSTART").astimezone(UTC)
    assert length == timedelta(minutes=30)


def _as_icalendar_writes_it(appointment, method):
    """The file as written with icalendar's own `add_missing_timezones` each time."""
    from bookings import ics

    calendar, start, end = ics._calendar(appointment, method, now=NOW)
    calendar.add_missing_timezones(
        first_date=(start - timedelta(days=366)).date(),
        last_date=(end + timedelta(days=366)).date(),
    )
    return calendar.to_ical()


@pytest.mark.parametrize(
    "zone",
    ["Australia/Sydney", "Australia/Lord_Howe", "America/New_York", "Asia/Kolkata", "UTC"],
)
@pytest.mark.parametrize("method", ["PUBLISH", "REQUEST", "CANCEL"])
def test_the_file_is_icalendars_with_its_time_zone_and_the_same_each_time(world, zone, method):
    """The VTIMEZONE is icalendar's own (`add_missing_timezones`): the files are
    icalendar's, byte for byte, for visits on ordinary days and around the clock changes
    (one time or both in UTC), and the same when asked for twice (stable UID)."""
    clinic = world.ep.clinic
    clinic.timezone = zone
    world.location.timezone = zone  # a clinic visit is in its location's zone
    tz = clinic.tz
    visits = [
        (datetime(2026, 6, 10, 9, 0, tzinfo=tz), timedelta(minutes=30)),
        (datetime(2026, 4, 5, 1, 30, tzinfo=tz), timedelta(hours=2)),  # Sydney falls back
        (datetime(2026, 4, 5, 2, 15, tzinfo=tz), timedelta(minutes=30)),  # all in the repeat
        (datetime(2026, 11, 1, 1, 10, tzinfo=tz), timedelta(minutes=30)),  # New York's
        (datetime(2026, 10, 4, 1, 30, tzinfo=tz), timedelta(minutes=30)),  # Sydney springs
    ]
    zones = []
    for start, length in visits:
        appointment = Appointment(  # not saved: some of these overlap
            patient=world.patient,
            practitioner=world.ep,
            service=world.service,
            modality="clinic",
            start=start,
            end=start.astimezone(UTC) + length,
            location=world.location,
        )
        expected = _as_icalendar_writes_it(appointment, method)
        assert appointment_ics(appointment, method, now=NOW) == expected
        assert appointment_ics(appointment, method, now=NOW) == expected
        zones.append(b"BEGIN:VTIMEZONE" in expected)
    # No VTIMEZONE when both times are in UTC: in the hour repeated when the clocks go
    # back (Sydney's third visit, New York's fourth), or in UTC itself.
    no_zone = {"Australia/Sydney": [2], "America/New_York": [3], "UTC": [0, 1, 2, 3, 4]}
    assert [i for i, has in enumerate(zones) if not has] == no_zone.get(zone, [])
