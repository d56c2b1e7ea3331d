"""The staff calendar: the time grid, marking with one click, moving by drag (through the
move page's own checks), booking from a free time, and where staff land after login."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

import pytest

from bookings import calendar
from bookings.forms.staff import slot_value
from bookings.models import Appointment
from tests import factories as f

pytestmark = pytest.mark.django_db

SYDNEY_SPRING_FORWARD = date(2026, 10, 4)  # 02:00 AEST becomes 03:00 AEDT
SYDNEY_FALL_BACK = date(2026, 4, 5)  # 03:00 AEDT becomes 02:00 AEST


def _calendar(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('bookings:staff-calendar')}?{query}"


def _card(body: str, appointment: Appointment) -> dict[str, str]:
    """The grid item of one appointment: its classes and data attributes, and the
    practitioner of the column it sits in."""
    match = re.search(rf'<li class="([^"]*)" data-code="{appointment.code}"([^>]*)>', body)
    assert match, "the appointment is not on the calendar"
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(2)))
    column = body[: match.start()].rsplit('<ol class="cal-col', 1)[1]
    attrs["column"] = re.search(r'data-practitioner="([^"]*)"', column).group(1)
    attrs["classes"] = match.group(1)
    return attrs


def _row_starts(body: str, practitioner) -> list[str]:
    match = re.search(rf'data-practitioner="{practitioner.code}" data-row-starts="([^"]*)"', body)
    return match.group(1).split(" ")


@pytest.fixture
def tuesday(world):
    """Sam Lee's follow-up, 10:00 to 10:30 on a Tuesday at least a week ahead."""
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
        location=world.location,
    )


@pytest.fixture
def started(world):
    """Olive's visit with Jo Park that began half an hour ago."""
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    return f.make_appointment(
        patient=world.other_patient,
        practitioner=world.physio,
        service=world.service,
        start=start,
        location=world.location,
    )


# --- The grid -------------------------------------------------------------------------


def test_an_appointment_sits_on_its_row_and_in_its_practitioners_column(
    client_as_reception, world, tuesday
):
    day = tuesday.start.date().isoformat()
    response = client_as_reception.get(_calendar(date=day))

    assert response.status_code == 200
    body = response.content.decode()
    card = _card(body, tuesday)
    # Both work 9:00 to 17:00: row 1 is 9:00, so 10:00 is row 5; 30 minutes span 2 rows.
    assert "cal-r5" in card["classes"].split()
    assert "cal-s2" in card["classes"].split()
    assert card["column"] == str(world.ep.code)
    assert card["start"] == tuesday.start.isoformat()
    assert body.index("Jo Park") < body.index("Sam Lee")  # a column each, by name
    assert "Pat" in body and "Follow-up" in body
    assert "Times are Sydney time (Australia/Sydney)" in body


def test_free_times_link_to_booking_there_and_past_times_do_not(
    client_as_reception, world, tuesday
):
    body = client_as_reception.get(_calendar(date=tuesday.start.date().isoformat())).content
    eleven = tuesday.start.replace(hour=11)
    link = (
        f"{reverse('bookings:staff-book')}?practitioner={world.ep.code}"
        f"&amp;start={quote(eleven.isoformat(), safe='')}"
    )
    assert link.encode() in body
    ten = quote(tuesday.start.isoformat(), safe="")
    assert f"practitioner={world.ep.code}&amp;start={ten}".encode() not in body  # booked

    yesterday = timezone.now().astimezone(world.clinic.tz).date() - timedelta(days=1)
    past = client_as_reception.get(_calendar(date=yesterday.isoformat())).content
    assert b"cal-free" not in past


@pytest.mark.parametrize("day", [SYDNEY_SPRING_FORWARD, SYDNEY_FALL_BACK])
def test_a_daylight_saving_day_keeps_a_10_oclock_visit_on_the_10_oclock_row(
    client_as_reception, world, day
):
    f.make_hours(world.ep, world.location, weekdays=[6], start=time(9), end=time(17))
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.local(world.clinic, day.year, day.month, day.day, 10),
        location=world.location,
    )

    body = client_as_reception.get(_calendar(date=day.isoformat())).content.decode()

    assert "cal-r5" in _card(body, visit)["classes"].split()
    starts = _row_starts(body, world.ep)
    assert len(starts) == 32  # 9:00 to 17:00, whatever the clock did at 2 am
    assert starts[4] == visit.start.astimezone(calendar.UTC).isoformat().replace("+00:00", "Z")


def test_the_missing_hour_has_no_row_instant_and_the_repeated_one_its_first():
    tz = ZoneInfo("Australia/Sydney")
    assert calendar.row_instant(SYDNEY_SPRING_FORWARD, 2 * 60 + 30, tz) is None
    first = calendar.row_instant(SYDNEY_FALL_BACK, 2 * 60 + 30, tz)
    assert first is not None and first.utcoffset() == timedelta(0)
    assert first.astimezone(tz).utcoffset() == timedelta(hours=11)  # still daylight time
    assert calendar.row_span(
        first, first + timedelta(minutes=45), tz=tz, first_minute=120, rows=8
    ) == (3, 3)


def test_a_practitioner_who_has_left_keeps_their_visits_on_the_day_but_offers_no_time(
    client_as_reception, world, tuesday
):
    world.ep.is_active = False
    world.ep.save()
    body = client_as_reception.get(_calendar(date=tuesday.start.date().isoformat())).content
    text = body.decode()
    assert _card(text, tuesday)["column"] == str(world.ep.code)
    assert f"practitioner={world.ep.code}&amp;start=".encode() not in body


def test_one_practitioners_day_shows_their_column_even_when_they_do_not_work(
    client_as_reception, world, tuesday
):
    saturday = tuesday.start.date() + timedelta(days=4)
    body = client_as_reception.get(
        _calendar(date=saturday.isoformat(), practitioner=world.ep.code)
    ).content.decode()
    assert body.count('<ol class="cal-col') == 1
    assert "Not working" in body


def test_time_off_blocks_its_rows_and_offers_no_free_time_there(
    client_as_reception, world, tuesday
):
    from bookings.models import TimeOff

    TimeOff.objects.create(
        practitioner=world.ep,
        start=tuesday.start.replace(hour=13),
        end=tuesday.start.replace(hour=15),
        reason="Course",
    )
    body = client_as_reception.get(_calendar(date=tuesday.start.date().isoformat())).content
    text = body.decode()
    assert '<li class="cal-item cal-off cal-r17 cal-s8">Time off 1:00 pm to 3:00 pm</li>' in text
    two = quote(tuesday.start.replace(hour=14).isoformat(), safe="")
    assert f"practitioner={world.ep.code}&amp;start={two}" not in text
    assert "Course" not in text  # the reason is the practitioner's own


def test_a_week_is_one_practitioners_seven_days(client_as_reception, world, tuesday):
    day = tuesday.start.date().isoformat()
    response = client_as_reception.get(_calendar(view="week", date=day, practitioner=world.ep.code))
    body = response.content.decode()
    assert body.count('<ol class="cal-col') == 7
    assert _card(body, tuesday)["column"] == str(world.ep.code)
    assert "Week of Monday" in body and "Sam Lee" in body


def test_bad_filters_are_reported_and_the_defaults_used(client_as_reception, world):
    response = client_as_reception.get(_calendar(date="2026-02-30", view="month"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Enter a real date" in body


def test_the_calendar_reads_a_fixed_number_of_queries(
    client_as_reception, client_as_practitioner, world, tuesday, django_assert_max_num_queries
):
    for hour in (11, 13, 15):
        f.make_appointment(
            patient=f.make_patient(world.clinic),
            practitioner=world.physio,
            service=world.service,
            start=tuesday.start.replace(hour=hour),
            location=world.location,
        )
    url = _calendar(date=tuesday.start.date().isoformat())
    # Session, user, clinic, practitioners, locations, appointments, hours, time off and
    # the site's clinic; clinicians add the flags: screening, pain, booking answers, and
    # the count of their treatment notes to sign.
    with django_assert_max_num_queries(9):
        client_as_reception.get(url)
    with django_assert_max_num_queries(13):
        client_as_practitioner.get(url)


def test_htmx_gets_the_grid_alone(client_as_reception, world, tuesday):
    response = client_as_reception.get(
        _calendar(date=tuesday.start.date().isoformat()), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="calendar-grid"')
    assert "<h1>" not in body


# --- Flags ------------------------------------------------------------------------------


def test_clinicians_see_the_booking_answers_flagged_and_reception_does_not(
    client_as_practitioner, client_as_reception, world, tuesday
):
    from bookings.screening import appointment_screening_save

    question = "Has a doctor told you to exercise only under supervision?"
    appointment_screening_save(
        appointment=tuesday,
        answers=[{"question": question, "answer": "yes", "on_yes": "flag"}],
    )
    url = _calendar(date=tuesday.start.date().isoformat())
    assert f"Said yes: {question}" in client_as_practitioner.get(url).content.decode()
    assert question not in client_as_reception.get(url).content.decode()


def test_clinicians_see_an_open_pain_flag(client_as_practitioner, world, tuesday):
    f.load_exercise_library()
    programme = f.make_published_programme(world.patient, world.ep)
    f.make_session(
        programme.versions.get(),
        performed_on=timezone.now().date(),
        pain_flag=True,
        pain_flag_reasons=["Pain during above 5/10"],
    )
    url = _calendar(date=tuesday.start.date().isoformat())
    assert "Pain flag to review" in client_as_practitioner.get(url).content.decode()


# --- One click to mark ----------------------------------------------------------------


def test_marking_arrived_with_htmx_answers_with_the_card_alone(client_as_reception, world, started):
    back = _calendar(date=timezone.now().astimezone(world.clinic.tz).date().isoformat())
    response = client_as_reception.post(
        reverse("bookings:staff-mark", args=[started.code]),
        {"status": "attended", "next": back},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(
        f'<div class="cal-card cal-card-attended" id="card-{started.code}"'
    )
    assert "Recorded Olive" in body
    assert ">Arrived<" not in body  # already recorded
    assert "No-show" in body  # still correctable
    started.refresh_from_db()
    assert started.status == Appointment.Status.ATTENDED


def test_marking_without_javascript_goes_back_to_the_calendar(client_as_reception, world, started):
    back = _calendar(date=timezone.now().astimezone(world.clinic.tz).date().isoformat())
    response = client_as_reception.post(
        reverse("bookings:staff-mark", args=[started.code]), {"status": "no_show", "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    started.refresh_from_db()
    assert started.status == Appointment.Status.NO_SHOW


def test_marking_never_goes_back_to_another_site(client_as_reception, started):
    response = client_as_reception.post(
        reverse("bookings:staff-mark", args=[started.code]),
        {"status": "attended", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("bookings:staff-appointment", args=[started.code])


def test_marking_a_visit_not_yet_started_with_htmx_shows_why_on_the_card(
    client_as_reception, tuesday
):
    response = client_as_reception.post(
        reverse("bookings:staff-mark", args=[tuesday.code]),
        {"status": "attended", "next": "/staff/calendar/"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "from an hour before their visit" in response.content.decode()
    tuesday.refresh_from_db()
    assert tuesday.status == Appointment.Status.BOOKED


# --- Moving by drag ---------------------------------------------------------------------


def _drag(client, appointment, practitioner, start):
    return client.post(
        reverse("bookings:staff-move", args=[appointment.code]),
        {"slot": f"{practitioner.code}|{start.isoformat()}|"},
        HTTP_HX_REQUEST="true",
    )


def test_a_drag_onto_a_free_time_moves_the_visit(client_as_reception, world, tuesday):
    target = tuesday.start.replace(hour=14)
    response = _drag(client_as_reception, tuesday, world.ep, target)

    assert response.status_code == 200
    assert "Moved to" in response.content.decode()
    tuesday.refresh_from_db()
    assert tuesday.start == target
    assert tuesday.sequence == 1


def test_a_drag_onto_another_visit_is_a_409_and_changes_nothing(
    client_as_reception, world, tuesday
):
    other = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.ep,
        service=world.service,
        start=tuesday.start.replace(hour=12),
        location=world.location,
    )
    response = _drag(client_as_reception, tuesday, world.ep, other.start)

    assert response.status_code == 409
    assert response.content.decode() == "That time is no longer available."
    tuesday.refresh_from_db()
    assert tuesday.start.astimezone(world.clinic.tz).hour == 10
    assert tuesday.sequence == 0


def test_a_drag_to_a_practitioner_who_does_not_offer_the_service_is_a_409(
    client_as_reception, world
):
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.initial,
        start=f.next_weekday_at(world.clinic, 2, 10),
        location=world.location,
    )
    response = _drag(client_as_reception, visit, world.physio, visit.start)
    assert response.status_code == 409
    assert "does not offer Initial assessment" in response.content.decode()


def test_the_move_page_without_javascript_still_answers_with_the_form(
    client_as_reception, world, tuesday
):
    other = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.ep,
        service=world.service,
        start=tuesday.start.replace(hour=12),
        location=world.location,
    )
    value = slot_value(
        practitioner_code=world.ep.code, start=other.start, location_id=world.location.pk
    )
    response = client_as_reception.post(
        reverse("bookings:staff-move", args=[tuesday.code]), {"slot": value}
    )
    assert response.status_code == 200
    assert "That time is no longer available." in response.content.decode()


# --- Booking from a free time -----------------------------------------------------------


def test_booking_from_the_calendar_carries_the_practitioner_and_time_to_the_last_step(
    client_as_reception, world, tuesday
):
    start = tuesday.start.replace(hour=11)
    prefill = f"practitioner={world.ep.code}&start={quote(start.isoformat(), safe='')}"
    book = reverse("bookings:staff-book")

    chooser = client_as_reception.get(f"{book}?{prefill}&q=Pat").content.decode()
    assert "The time chosen on the calendar: Tuesday" in chooser
    assert "11:00 am with Sam Lee" in chooser
    assert f"?patient={world.patient.code}&amp;practitioner={world.ep.code}" in chooser

    details = client_as_reception.get(f"{book}?patient={world.patient.code}&{prefill}")
    form = details.context["details"]
    assert form["practitioner"].value() == str(world.ep.code)
    assert form["date"].value() == start.date()

    times = client_as_reception.get(
        f"{book}?patient={world.patient.code}&{prefill}&service={world.service.code}"
        f"&modality=clinic&date={start.date().isoformat()}"
    ).content.decode()
    value = slot_value(practitioner_code=world.ep.code, start=start, location_id=world.location.pk)
    assert f'value="{value}" checked>' in times


def test_a_prefill_that_does_not_parse_is_left_out(client_as_reception, world):
    response = client_as_reception.get(
        f"{reverse('bookings:staff-book')}?patient={world.patient.code}"
        "&practitioner=nobody&start=tomorrow"
    )
    assert response.status_code == 200
    assert response.context["details"]["practitioner"].value() == "any"


# --- Landing after login --------------------------------------------------------------


def _log_in(client, email, **extra):
    return client.post(reverse("login"), {"username": email, "password": f.PASSWORD, **extra})


def test_staff_land_on_todays_calendar_after_login(client, world):
    response = _log_in(client, world.reception.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:staff-calendar")
    today = client.get(response["Location"])
    assert today.status_code == 200
    assert "(today)" in today.content.decode()


def test_a_safe_next_still_wins_for_staff(client, world):
    patients = reverse("bookings:staff-patient-list")
    response = _log_in(client, world.reception.email, next=patients)
    assert response["Location"] == patients


def test_patients_keep_their_landing_after_login(client, world):
    response = _log_in(client, world.patient.user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# --- Who may see it -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(reverse("bookings:staff-calendar"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_patients_get_404(client_as_patient, world):
    assert client_as_patient.get(reverse("bookings:staff-calendar")).status_code == 404


def test_another_clinics_staff_see_none_of_this_clinic(client_as_outsider, world, tuesday):
    body = client_as_outsider.get(_calendar(date=tuesday.start.date().isoformat())).content
    assert str(tuesday.code).encode() not in body
    assert b"Sam Lee" not in body


def test_another_clinics_staff_cannot_drag_this_clinics_visit(client_as_outsider, world, tuesday):
    response = _drag(client_as_outsider, tuesday, world.ep, tuesday.start.replace(hour=14))
    assert response.status_code == 404
    tuesday.refresh_from_db()
    assert tuesday.start.astimezone(world.clinic.tz).hour == 10
