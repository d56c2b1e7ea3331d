"""Issue 14: public holidays, the clinic's own closures and a time zone per location."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.core import mail
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

import pytest
from icalendar import Calendar

from bookings.closed_times import ClosureRule, closed_intervals, public_holidays
from bookings.models import Closure, HolidayOptOut, Notification
from bookings.notifications import notification_send
from bookings.selectors import available_slots, slot_is_available
from bookings.serializers import AppointmentOutputSerializer
from bookings.services import SlotUnavailable, appointment_book
from clinic.models import User
from tests import factories as f
from tests.outbox import email_parts

SYDNEY = ZoneInfo("Australia/Sydney")
PERTH = ZoneInfo("Australia/Perth")
# Far enough ahead that the booking horizon and notice do not matter: staff-style reads.
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def two_cities(db):
    """A Sydney clinic with rooms in Sydney (NSW) and Perth (WA), one practitioner each,
    both working 9:00 to 17:00 local time every day."""
    clinic = f.make_clinic(
        timezone="Australia/Sydney", booking_horizon_days=365, slot_step_minutes=60
    )
    sydney = f.make_location(clinic, name="Sydney rooms", state="NSW")
    perth = f.make_location(
        clinic,
        name="Perth rooms",
        address="1 Hay St, Perth WA",
        timezone="Australia/Perth",
        state="WA",
    )
    in_sydney = f.make_practitioner(clinic, display_name="Syd Ney")
    in_perth = f.make_practitioner(clinic, display_name="Per Th")
    f.make_hours(in_sydney, sydney)
    f.make_hours(in_perth, perth)
    service = f.make_service(
        clinic, [in_sydney, in_perth], duration_minutes=60, modalities="clinic"
    )
    return SimpleNamespace(
        clinic=clinic,
        sydney=sydney,
        perth=perth,
        in_sydney=in_sydney,
        in_perth=in_perth,
        service=service,
    )


def _slots(service, day, who, last=None):
    return available_slots(
        service=service,
        start_date=day,
        end_date=last or day,
        now=NOW,
        practitioner=who,
        enforce_notice=False,
    )


# --- The pure part ---------------------------------------------------------------------


def test_public_holidays_are_those_of_the_state():
    wa = public_holidays(country="AU", state="WA", first=date(2026, 6, 1), last=date(2026, 6, 30))
    nsw = public_holidays(country="AU", state="NSW", first=date(2026, 6, 1), last=date(2026, 6, 30))
    assert wa == {date(2026, 6, 1): "Western Australia Day"}
    assert nsw == {date(2026, 6, 8): "King's Birthday"}


def test_a_holiday_closes_the_whole_local_day_and_an_opt_out_reopens_it():
    christmas = date(2026, 12, 25)
    closed = closed_intervals(
        location_id=1, tz=SYDNEY, country="AU", state="NSW", first=christmas, last=christmas
    )
    assert closed == [
        (datetime(2026, 12, 25, tzinfo=SYDNEY), datetime(2026, 12, 26, tzinfo=SYDNEY))
    ]
    assert (
        closed_intervals(
            location_id=1,
            tz=SYDNEY,
            country="AU",
            state="NSW",
            first=christmas,
            last=christmas,
            opened=[(1, christmas)],
        )
        == []
    )
    # Another location's opt-out leaves this one closed; the clinic-wide one opens it.
    assert (
        len(
            closed_intervals(
                location_id=1,
                tz=SYDNEY,
                country="AU",
                state="NSW",
                first=christmas,
                last=christmas,
                opened=[(2, christmas)],
            )
        )
        == 1
    )
    assert (
        closed_intervals(
            location_id=1,
            tz=SYDNEY,
            country="AU",
            state="NSW",
            first=christmas,
            last=christmas,
            opened=[(None, christmas)],
        )
        == []
    )


def test_a_half_day_closure_is_read_in_the_location_zone():
    day = date(2026, 12, 9)
    closed = closed_intervals(
        location_id=7,
        tz=PERTH,
        country="AU",
        state="WA",
        first=day,
        last=day,
        closures=[ClosureRule(7, day, time(12), time(17)), ClosureRule(8, day)],
    )
    assert closed == [(datetime(2026, 12, 9, 4, tzinfo=UTC), datetime(2026, 12, 9, 9, tzinfo=UTC))]


# --- Availability ----------------------------------------------------------------------


def test_perth_hours_are_offered_in_perth_time_on_a_sydney_daylight_saving_day(two_cities):
    w = two_cities
    summer = date(2026, 12, 9)  # Sydney on AEDT (+11), Perth on AWST (+8)
    first = _slots(w.service, summer, w.in_perth)[0]
    assert first.start == datetime(2026, 12, 9, 9, tzinfo=PERTH)
    assert first.start.astimezone(SYDNEY).hour == 12
    assert first.location_id == w.perth.pk
    assert _slots(w.service, summer, w.in_perth)[-1].start == datetime(
        2026, 12, 9, 16, tzinfo=PERTH
    )
    winter = date(2027, 7, 7)  # Sydney on AEST (+10)
    first = _slots(w.service, winter, w.in_perth)[0]
    assert first.start.astimezone(SYDNEY).hour == 11
    assert _slots(w.service, summer, w.in_sydney)[0].start == datetime(
        2026, 12, 9, 9, tzinfo=SYDNEY
    )


def test_christmas_and_boxing_day_offer_no_slot_in_nsw(two_cities):
    w = two_cities
    assert _slots(w.service, date(2026, 12, 24), w.in_sydney)
    assert _slots(w.service, date(2026, 12, 25), w.in_sydney, last=date(2026, 12, 26)) == []
    # Boxing Day falls on a Saturday in 2026: the Monday after is the day off.
    assert _slots(w.service, date(2026, 12, 28), w.in_sydney) == []
    assert _slots(w.service, date(2026, 12, 29), w.in_sydney)


def test_a_western_australia_holiday_closes_perth_but_not_sydney(two_cities):
    w = two_cities
    wa_day = date(2027, 6, 7)
    assert _slots(w.service, wa_day, w.in_perth) == []
    assert len(_slots(w.service, wa_day, w.in_sydney)) == 8


def test_a_half_day_closure_keeps_the_morning(two_cities):
    w = two_cities
    day = date(2026, 12, 9)
    Closure.objects.create(
        clinic=w.clinic,
        location=w.perth,
        date=day,
        start_time=time(12),
        end_time=time(17),
        reason="Staff training",
    )
    starts = [s.start.astimezone(PERTH).time() for s in _slots(w.service, day, w.in_perth)]
    assert starts == [time(9), time(10), time(11)]
    assert len(_slots(w.service, day, w.in_sydney)) == 8


def test_a_closure_of_every_location_closes_both(two_cities):
    w = two_cities
    day = date(2026, 12, 9)
    Closure.objects.create(clinic=w.clinic, date=day, reason="Clinic retreat")
    assert _slots(w.service, day, None) == []
    assert _slots(w.service, day + timedelta(days=1), None)


def test_an_opt_out_reopens_a_public_holiday(two_cities):
    w = two_cities
    HolidayOptOut.objects.create(clinic=w.clinic, location=w.sydney, date=date(2026, 12, 28))
    assert len(_slots(w.service, date(2026, 12, 28), w.in_sydney)) == 8
    assert _slots(w.service, date(2026, 12, 28), w.in_perth) == []


def test_another_clinics_closure_changes_nothing(two_cities):
    w = two_cities
    other = f.make_clinic()
    Closure.objects.create(clinic=other, date=date(2026, 12, 9), reason="Theirs")
    assert len(_slots(w.service, date(2026, 12, 9), w.in_sydney)) == 8


def test_the_query_count_stays_the_same_with_closures_and_two_zones(
    two_cities, django_assert_num_queries
):
    w = two_cities
    for day in (date(2026, 12, 9), date(2026, 12, 10)):
        Closure.objects.create(clinic=w.clinic, location=w.perth, date=day, reason="Works")
    HolidayOptOut.objects.create(clinic=w.clinic, date=date(2026, 12, 25))
    service = type(w.service).objects.select_related("clinic").get(pk=w.service.pk)
    # practitioners, working hours, time off, appointments, closures
    with django_assert_num_queries(5):
        found = available_slots(
            service=service,
            start_date=date(2026, 12, 7),
            end_date=date(2026, 12, 31),
            now=NOW,
            enforce_notice=False,
        )
    assert not any(
        s.start.astimezone(PERTH).date() == date(2026, 12, 9)
        for s in found
        if s.practitioner_id == w.in_perth.pk
    )
    assert any(s.start.astimezone(SYDNEY).date() == date(2026, 12, 25) for s in found)


def test_staff_cannot_book_into_a_closure(two_cities):
    w = two_cities
    patient = f.make_patient(w.clinic)
    start = datetime(2026, 12, 25, 10, tzinfo=SYDNEY)
    assert (
        slot_is_available(
            service=w.service,
            practitioner=w.in_sydney,
            start=start,
            modality="clinic",
            now=NOW,
            enforce_notice=False,
        )
        is None
    )
    with pytest.raises(SlotUnavailable) as caught:
        appointment_book(
            service=w.service,
            practitioner=w.in_sydney,
            modality="clinic",
            start=start,
            patient=patient,
            source="staff",
            now=NOW,
        )
    assert "Christmas Day" in caught.value.message


def test_a_closure_is_a_whole_day_or_a_positive_part_of_one(two_cities):
    w = two_cities
    with pytest.raises(IntegrityError):
        Closure.objects.create(
            clinic=w.clinic, date=date(2026, 12, 9), start_time=time(12), reason="Half"
        )


# --- Times shown in the location's zone ----------------------------------------------


def test_perth_hours_on_sydneys_daylight_saving_change_days(two_cities):
    w = two_cities
    # Sydney falls back at 3 am on 4 April 2027 and springs forward at 2 am on 3 October.
    for day, sydney_hour in ((date(2027, 4, 4), 11), (date(2027, 10, 3), 12)):
        found = _slots(w.service, day, w.in_perth)
        assert [s.start.astimezone(PERTH).hour for s in found] == list(range(9, 17))
        assert found[0].start.astimezone(SYDNEY).hour == sydney_hour
        assert len(_slots(w.service, day, w.in_sydney)) == 8


def _book_perth(w, start):
    return appointment_book(
        service=w.service,
        practitioner=w.in_perth,
        modality="clinic",
        start=start,
        patient=f.make_patient(w.clinic, first_name="Pip"),
        source="staff",
        now=NOW,
    )


def test_the_confirmation_email_and_calendar_file_say_perth_time(two_cities):
    w = two_cities
    start = datetime(2026, 12, 9, 9, tzinfo=PERTH)  # 12:00 in Sydney (daylight saving)
    appointment = _book_perth(w, start)
    assert appointment.location_id == w.perth.pk
    row = Notification.objects.get(appointment=appointment, kind="confirmation")
    assert notification_send(notification_id=row.pk, now=NOW) == "sent"
    message = mail.outbox[-1]
    parts = email_parts(message)
    assert message.subject.endswith("Wednesday 9 December 2026, 9:00 am")
    for body in (parts["text/plain"], parts["text/html"]):
        assert "Wednesday 9 December 2026, 9:00 am (Perth time, AWST)" in body
        assert "12:00" not in body
    calendar = Calendar.from_ical(parts["text/calendar"])
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].dt == start
    assert str(event["DTSTART"].dt.tzinfo) == "Australia/Perth"
    assert b"DTSTART;TZID=Australia/Perth:20261209T090000" in parts["text/calendar"].encode()
    assert b"TZNAME:AWST" in parts["text/calendar"].encode()


def test_reminders_a_day_before_are_at_the_same_perth_time(two_cities):
    w = two_cities
    w.clinic.reminder_lead_hours = "24"
    w.clinic.save()
    appointment = _book_perth(w, datetime(2026, 12, 9, 9, tzinfo=PERTH))
    reminder = Notification.objects.get(appointment=appointment, kind="reminder")
    assert reminder.due_at == datetime(2026, 12, 8, 9, tzinfo=PERTH)


def test_the_api_and_the_patient_and_staff_pages_show_perth_time(two_cities, client):
    w = two_cities
    appointment = _book_perth(w, datetime(2026, 12, 9, 9, tzinfo=PERTH))
    data = AppointmentOutputSerializer(appointment, context={"tz": SYDNEY}).data
    assert data["start"] == "2026-12-09T09:00:00+08:00"
    assert data["end"] == "2026-12-09T10:00:00+08:00"

    admin = f.make_user(role=User.Role.CLINIC_ADMIN, clinic=w.clinic)
    client.force_login(admin)
    page = client.get(
        reverse("bookings:staff-appointment", args=[appointment.code])
    ).content.decode()
    assert "Wednesday 9 December" in page and "9:00 am" in page
    assert "Perth time" in page


def test_the_public_week_shows_perth_rooms_in_perth_time(two_cities, client):
    w = two_cities
    w.clinic.booking_horizon_days = 60
    w.clinic.save()
    day = timezone.now().astimezone(PERTH).date() + timedelta(days=14)
    monday = day - timedelta(days=day.weekday())
    url = reverse("bookings:slot-list", args=[w.service.code, "clinic"])
    page = client.get(
        f"{url}?practitioner={w.in_perth.code}&week={monday.isoformat()}"
    ).content.decode()
    assert "Perth rooms (Perth time)" in page
    # 9:00 to 16:00 Perth time, not 12:00 to 19:00 as Sydney reads them.
    assert "9:00 am" in page and "4:00 pm" in page
    assert "6:00 pm" not in page and "7:00 pm" not in page


def test_staff_see_perth_visits_at_perth_times_on_the_calendar_and_booking_page(two_cities):
    from django.test import Client
    from django.urls import reverse

    from bookings.services import appointment_book
    from clinic.models import User

    reception = f.make_user(
        role=User.Role.RECEPTION, clinic=two_cities.clinic, email="desk@example.org"
    )
    client = Client()
    client.force_login(reception)
    day = (timezone.now() + timedelta(days=8)).astimezone(PERTH).date()
    nine_perth = datetime.combine(day, time(9), tzinfo=PERTH)
    patient = f.make_patient(two_cities.clinic)
    appointment_book(
        service=two_cities.service,
        practitioner=two_cities.in_perth,
        modality="clinic",
        start=nine_perth,
        patient=patient,
        source="staff",
    )
    page = client.get(
        reverse("bookings:staff-calendar"),
        {"date": day.isoformat(), "location": two_cities.perth.pk},
    ).content.decode()
    assert "Australia/Perth" in page
    assert "9:00 am to 10:00 am" in page

    # With no location asked for, the first (Perth rooms) is shown, in its own zone; there
    # is no "All locations" choice that would put one of them in the other's time.
    mixed = client.get(reverse("bookings:staff-calendar"), {"date": day.isoformat()})
    mixed_page = mixed.content.decode()
    assert "shows one location at a time" in mixed_page
    assert "Australia/Perth" in mixed_page and "9:00 am to 10:00 am" in mixed_page
    assert "All locations" not in mixed_page

    listed = client.get(reverse("bookings:staff-schedule"), {"date": day.isoformat()})
    listed_page = listed.content.decode()
    assert "Australia/Perth" in listed_page and "9:00 am to 10:00 am" in listed_page
    assert "All locations" not in listed_page
    sydney_list = client.get(
        reverse("bookings:staff-schedule"),
        {"date": day.isoformat(), "location": two_cities.sydney.pk},
    ).content.decode()
    assert "Australia/Sydney" in sydney_list
    assert "9:00 am to 10:00 am" not in sydney_list and "12:00 pm to 1:00 pm" not in sydney_list

    patient_page = client.get(
        reverse("bookings:staff-patient-detail", args=[patient.code])
    ).content.decode()
    assert "9:00 am (Perth time)" in patient_page

    booking = client.get(
        reverse("bookings:staff-book"),
        {
            "patient": patient.code,
            "service": two_cities.service.code,
            "modality": "clinic",
            "practitioner": two_cities.in_perth.code,
            "date": day.isoformat(),
        },
    ).content.decode()
    assert "Per Th at Perth rooms (Perth time)" in booking
    assert ">10:00 am<" in booking  # the first free hour after the 9:00 visit, Perth time


def test_the_patients_own_record_has_a_perth_visit_in_perth_time(two_cities):
    from clinic.records import patient_record_json

    w = two_cities
    appointment = _book_perth(w, datetime(2026, 12, 9, 9, tzinfo=PERTH))
    record = patient_record_json(patient=appointment.patient)
    fields = record["sections"]["appointments"]["entries"][0]
    assert fields["start"] == "2026-12-09T09:00+08:00"
    assert fields["time_zone"] == "Australia/Perth"
