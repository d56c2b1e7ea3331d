"""The clinic staff's pages: schedules, booking for a patient, move, cancel, mark, patients."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.forms.staff import slot_value
from bookings.models import Appointment
from bookings.selectors import available_slots
from bookings.services import appointment_book, patient_can_change
from clinic.models import Patient, User
from tests import factories as f

pytestmark = pytest.mark.django_db

STAFF_CLIENTS = ["client_as_practitioner", "client_as_reception", "client_as_admin"]


@pytest.fixture
def booked(world):
    """Pat's follow-up with Sam Lee, a Tuesday at 10:00 at least a week ahead."""
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
        location=world.location,
    )


@pytest.fixture
def started(world):
    """A visit that began an hour ago (written directly: the past is not bookable)."""
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    return f.make_appointment(
        patient=world.other_patient,
        practitioner=world.physio,
        service=world.service,
        start=start,
        location=world.location,
    )


def _schedule(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('bookings:staff-schedule')}?{query}"


def _local_date(appointment):
    return appointment.start.astimezone(appointment.practitioner.clinic.tz).date()


def _pages(world, appointment):
    day = _local_date(appointment).isoformat()
    return [
        reverse("bookings:staff-schedule"),
        _schedule(date=day, practitioner="all"),
        _schedule(view="week", date=day),
        reverse("bookings:staff-book"),
        f"{reverse('bookings:staff-book')}?q=Pat",
        f"{reverse('bookings:staff-book')}?patient={world.patient.code}",
        f"{reverse('bookings:staff-book')}?patient={world.patient.code}"
        f"&service={world.service.code}&modality=clinic&practitioner=any&date={day}",
        reverse("bookings:staff-appointment", args=[appointment.code]),
        reverse("bookings:staff-cancel", args=[appointment.code]),
        reverse("bookings:staff-move", args=[appointment.code]),
        reverse("bookings:staff-patient-list"),
        f"{reverse('bookings:staff-patient-list')}?q=Pat",
        reverse("bookings:staff-patient-detail", args=[world.patient.code]),
    ]


def _object_pages(world, appointment):
    return [
        reverse("bookings:staff-appointment", args=[appointment.code]),
        reverse("bookings:staff-cancel", args=[appointment.code]),
        reverse("bookings:staff-move", args=[appointment.code]),
        reverse("bookings:staff-patient-detail", args=[world.patient.code]),
        f"{reverse('bookings:staff-book')}?patient={world.patient.code}",
    ]


def _messages(response):
    return [str(m) for m in response.context["messages"]]


# --- Who may see what ---------------------------------------------------------------


@pytest.mark.parametrize("client_name", STAFF_CLIENTS)
def test_it_shows_every_page_to_each_staff_role_of_the_clinic(request, client_name, world, booked):
    client = request.getfixturevalue(client_name)
    for url in _pages(world, booked):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'<link rel="stylesheet" href="/static/css/staff.css">' in response.content


def test_it_sends_anonymous_visitors_to_log_in(client, world, booked):
    for url in _pages(world, booked):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    response = client.post(reverse("bookings:staff-cancel", args=[booked.code]), {"reason": "x"})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_it_answers_404_to_patients(client_as_patient, world, booked):
    for url in _pages(world, booked):
        assert client_as_patient.get(url).status_code == 404, url
    mark = reverse("bookings:staff-mark", args=[booked.code])
    assert client_as_patient.post(mark, {"status": "no_show"}).status_code == 404


def test_it_answers_404_to_another_clinics_staff_for_this_clinics_objects(
    client_as_outsider, world, booked
):
    for url in _object_pages(world, booked):
        assert client_as_outsider.get(url).status_code == 404, url
    cancel = reverse("bookings:staff-cancel", args=[booked.code])
    assert client_as_outsider.post(cancel, {"reason": "Probe"}).status_code == 404
    move = reverse("bookings:staff-move", args=[booked.code])
    assert client_as_outsider.post(move, {"slot": "x"}).status_code == 404
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_the_outsiders_schedule_shows_none_of_this_clinics_appointments(
    client_as_outsider, world, booked
):
    day = _local_date(booked).isoformat()
    for url in [
        _schedule(date=day),
        _schedule(date=day, practitioner="all"),
        _schedule(view="week", date=day, practitioner="all"),
        _schedule(date=day, practitioner=world.ep.code),  # another clinic's practitioner
        _schedule(date=day, location=world.location.pk),  # another clinic's location
    ]:
        response = client_as_outsider.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert world.patient.full_name not in body
        assert "Sam Lee" not in body
        assert "Surry Hills" not in body
    response = client_as_outsider.get(reverse("bookings:staff-patient-list"))
    assert world.patient.last_name not in response.content.decode()


def test_a_deactivated_staff_member_sees_nothing(world, booked):
    client = Client()
    client.force_login(world.reception)
    world.reception.is_active = False
    world.reception.save()
    for url in _pages(world, booked):
        response = client.get(url)
        assert response.status_code in {302, 404}, url
        assert world.patient.full_name.encode() not in response.content


def test_a_staff_role_without_a_clinic_gets_404(world):
    loose = f.make_user(role=User.Role.RECEPTION, clinic=None)
    client = Client()
    client.force_login(loose)
    assert client.get(reverse("bookings:staff-schedule")).status_code == 404


# --- Schedule -------------------------------------------------------------------------


def test_a_practitioner_sees_their_own_day_by_default_and_may_see_everyone(
    client_as_practitioner, world, booked
):
    physio_visit = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.physio,
        service=world.service,
        start=booked.start + timedelta(hours=2),
    )
    day = _local_date(booked).isoformat()
    own = client_as_practitioner.get(_schedule(date=day)).content.decode()
    assert world.patient.full_name in own
    assert world.other_patient.full_name not in own
    everyone = client_as_practitioner.get(_schedule(date=day, practitioner="all"))
    body = everyone.content.decode()
    assert world.patient.full_name in body
    assert world.other_patient.full_name in body
    assert body.index("Jo Park") < body.index("Sam Lee")  # one section per practitioner
    assert reverse("bookings:staff-appointment", args=[physio_visit.code]) in body


def test_the_day_view_shows_times_hours_gaps_place_and_status_as_text(
    client_as_reception, world, booked
):
    telehealth = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.ep,
        service=world.telehealth,
        start=booked.start + timedelta(hours=3),
        modality="telehealth",
        telehealth_url="https://meet.example.org/stance-room",
    )
    Appointment.objects.filter(pk=telehealth.pk).update(status=Appointment.Status.CANCELLED)
    response = client_as_reception.get(_schedule(date=_local_date(booked).isoformat()))
    body = response.content.decode()
    assert "10:00 am to 10:30 am" in body
    assert "Follow-up · In clinic at Surry Hills rooms" in body
    assert "Telehealth review · Telehealth (video)" in body
    assert "Working 9:00 am to 5:00 pm at Surry Hills rooms" in body
    assert "9:00 am to 10:00 am" in body  # the free gap before the visit
    assert "10:30 am to 5:00 pm" in body  # the cancelled visit does not hold time
    assert ">Booked</span>" in body
    assert ">Cancelled</span>" in body
    assert body.index("10:00 am to 10:30 am") < body.index("1:00 pm to 1:30 pm")


def test_the_week_view_lists_each_day_monday_to_sunday(client_as_reception, world, booked):
    thursday = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.physio,
        service=world.service,
        start=booked.start + timedelta(days=2, hours=4),
    )
    response = client_as_reception.get(_schedule(view="week", date=_local_date(booked)))
    body = response.content.decode()
    monday = _local_date(booked) - timedelta(days=1)
    headings = [f"{d:%A} {d.day} {d:%B}" for d in (monday + timedelta(days=n) for n in range(7))]
    positions = [body.index(h) for h in headings]
    assert positions == sorted(positions)
    assert body.index(world.patient.full_name) < body.index(headings[2])
    assert headings[3] in body[: body.index(world.other_patient.full_name)]
    assert "2:00 pm to 2:30 pm" in body  # Thursday 14:00
    assert reverse("bookings:staff-appointment", args=[thursday.code]) in body


def test_it_filters_the_schedule_by_location(client_as_reception, world, booked):
    f.make_hours(world.ep, world.second_location, weekdays=[5])
    day = _local_date(booked).isoformat()
    here = client_as_reception.get(_schedule(date=day, location=world.location.pk))
    assert world.patient.full_name in here.content.decode()
    there = client_as_reception.get(
        _schedule(view="week", date=day, location=world.second_location.pk)
    )
    body = there.content.decode()
    assert world.patient.full_name not in body
    assert "9:00 am to 5:00 pm at Parramatta rooms" in body


def test_the_previous_and_next_links_keep_the_filters(client_as_reception, world):
    response = client_as_reception.get(
        _schedule(view="week", date="2026-03-04", practitioner=world.ep.code)
    )
    body = response.content.decode()
    assert f"view=week&amp;date=2026-02-25&amp;practitioner={world.ep.code}" in body
    assert f"view=week&amp;date=2026-03-11&amp;practitioner={world.ep.code}" in body
    assert "Schedule: week of Monday 2 March" in body


@pytest.mark.parametrize(
    "query",
    [
        "date=2026-13-45",
        "date=99999-01-01",
        "date=9999-12-31&view=week",
        "date=0001-01-01",
        "date=%00",
        "view=month",
        "practitioner=not-a-uuid",
        "practitioner=00000000-0000-0000-0000-000000000000",
        "location=abc",
        "location=99999999999999999999",
        "location=-1",
    ],
)
def test_bad_schedule_params_are_reported_and_ignored(client_as_reception, world, query):
    response = client_as_reception.get(f"{reverse('bookings:staff-schedule')}?{query}")
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


@pytest.mark.parametrize("view", ["day", "week"])
def test_the_schedule_uses_the_same_number_of_queries_for_more_appointments(
    client_as_reception, world, booked, view, django_assert_max_num_queries
):
    url = _schedule(view=view, date=_local_date(booked).isoformat(), practitioner="all")
    with django_assert_max_num_queries(10):
        client_as_reception.get(url)
    with CaptureQueriesContext(connection) as few:
        client_as_reception.get(url)
    for hour in range(11, 17):
        for practitioner in (world.ep, world.physio):
            f.make_appointment(
                patient=f.make_patient(world.clinic),
                practitioner=practitioner,
                service=world.service,
                start=booked.start.replace(hour=hour),
            )
    f.make_practitioner(world.clinic, display_name="Ari New")
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as many:
        response = client_as_reception.get(url)
    assert response.content.decode().count("status-booked") == 13
    assert len(many) == len(few)


def test_times_are_in_the_clinic_zone_on_sydney_daylight_saving_days(client_as_reception, world):
    f.make_hours(world.ep, world.location, weekdays=[6])  # Sundays too, 09:00 to 17:00
    tz = world.clinic.tz

    def visit(day, hh, mm=0):
        return f.make_appointment(
            patient=f.make_patient(world.clinic, first_name=f"Visit{day.day}x{hh}"),
            practitioner=world.ep,
            service=world.service,
            start=datetime.combine(day, time(hh, mm), tzinfo=tz),
            location=world.location,
        )

    # 5 April 2026: clocks go back at 03:00 AEDT, so the day lasts 25 hours.
    fall_back = date(2026, 4, 5)
    morning = visit(fall_back, 10)
    late = visit(fall_back, 23, 30)
    next_day = visit(fall_back + timedelta(days=1), 0, 30)
    assert morning.start.astimezone(UTC).hour == 0  # 10:00 AEST (UTC+10) after fall-back
    body = client_as_reception.get(_schedule(date="2026-04-05", practitioner="all"))
    body = body.content.decode()
    assert "10:00 am to 10:30 am" in body
    assert "11:30 pm to 12:00 am" in body
    assert "Working 9:00 am to 5:00 pm at Surry Hills rooms" in body
    assert "10:30 am to 5:00 pm" in body
    assert morning.patient.full_name in body and late.patient.full_name in body
    assert next_day.patient.full_name not in body

    # 4 October 2026: clocks go forward at 02:00 AEST, so the day lasts 23 hours.
    spring = visit(date(2026, 10, 4), 9, 30)
    body = client_as_reception.get(_schedule(view="week", date="2026-10-04")).content.decode()
    assert "9:30 am to 10:00 am" in body
    assert spring.patient.full_name in body
    detail = client_as_reception.get(reverse("bookings:staff-appointment", args=[spring.code]))
    assert "Sunday 4 October, 9:30 am" in detail.content.decode()


# --- Booking on a patient's behalf --------------------------------------------------


def test_it_finds_patients_by_name_email_and_phone(client_as_reception, world):
    world.other_patient.phone = "0412 345 678"
    world.other_patient.save()
    book = reverse("bookings:staff-book")
    for query in ["Olive", "olive tester", "other@example", "0412345678", "0412 345"]:
        body = client_as_reception.get(f"{book}?q={query}").content.decode()
        assert f"?patient={world.other_patient.code}" in body, query
        assert f"?patient={world.patient.code}" not in body, query
    outsider_patient = f.make_patient(world.outsider_clinic, first_name="Olive")
    body = client_as_reception.get(f"{book}?q=Olive").content.decode()
    assert str(outsider_patient.code) not in body


def test_it_adds_a_new_patient_then_goes_on_to_the_booking(client_as_reception, world):
    response = client_as_reception.post(
        reverse("bookings:staff-book"),
        {
            "first_name": "Robin",
            "last_name": "Newcomb",
            "email": "Robin.N@example.org",
            "phone": "0400 111 222",
            "date_of_birth": "1990-07-01",
        },
    )
    patient = Patient.objects.get(clinic=world.clinic, email="robin.n@example.org")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?patient={patient.code}")
    assert patient.date_of_birth == date(1990, 7, 1)


def test_adding_a_known_email_reuses_that_patient_unchanged(client_as_reception, world):
    response = client_as_reception.post(
        reverse("bookings:staff-book"),
        {
            "first_name": "Someone",
            "last_name": "Else",
            "email": "PAT@example.org",
            "phone": "0400 999 999",
            "date_of_birth": "1970-01-01",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Patient.objects.filter(clinic=world.clinic).count() == 2
    world.patient.refresh_from_db()
    assert world.patient.first_name == "Pat"
    assert any("already has a record" in m for m in _messages(response))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", ""),
        ("first_name", "x" * 81),
        ("email", "not-an-email"),
        ("phone", "call me"),
        ("date_of_birth", "2999-01-01"),
        ("date_of_birth", "1800-01-01"),
        ("date_of_birth", "31/02/1990"),
    ],
)
def test_a_new_patient_with_bad_details_is_not_saved(client_as_reception, world, field, value):
    data = {
        "first_name": "Robin",
        "last_name": "Newcomb",
        "email": "robin@example.org",
        "phone": "0400 111 222",
        "date_of_birth": "1990-07-01",
        field: value,
    }
    response = client_as_reception.post(reverse("bookings:staff-book"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert f'href="#id_{field}"' in body
    assert re.search(rf'aria-invalid="true" aria-describedby="[^"]*id_{field}_error"', body)
    assert not Patient.objects.filter(email="robin@example.org").exists()


def _book_url(world, patient, day, service=None, modality="clinic", practitioner="any"):
    service = service or world.service
    return (
        f"{reverse('bookings:staff-book')}?patient={patient.code}&service={service.code}"
        f"&modality={modality}&practitioner={practitioner}&date={day.isoformat()}"
    )


def test_staff_may_book_inside_the_minimum_notice(client_as_reception, world):
    world.clinic.min_booking_notice_minutes = 20 * 24 * 60  # patients: 20 days ahead
    world.clinic.save()
    start = f.next_weekday_at(world.clinic, 2, 10)  # 7 to 13 days away
    day = start.date()
    patient_slots = available_slots(
        service=world.service, start_date=day, end_date=day, now=timezone.now()
    )
    assert patient_slots == []
    url = _book_url(world, world.other_patient, day, practitioner=world.ep.code)
    page = client_as_reception.get(url).content.decode()
    value = slot_value(practitioner_code=world.ep.code, start=start, location_id=world.location.pk)
    assert f'value="{value}"' in page
    assert "Sam Lee at Surry Hills rooms" in page
    response = client_as_reception.post(url, {"slot": value})
    appointment = Appointment.objects.get(patient=world.other_patient)
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:staff-appointment", args=[appointment.code])
    assert appointment.start == start
    assert appointment.source == Appointment.Source.STAFF
    assert appointment.booked_by == world.reception
    assert appointment.location == world.location


def test_booking_a_time_just_taken_shows_the_nearest_free_times(client_as_reception, world):
    start = f.next_weekday_at(world.clinic, 3, 11)
    url = _book_url(world, world.other_patient, start.date(), practitioner=world.ep.code)
    value = slot_value(practitioner_code=world.ep.code, start=start, location_id=world.location.pk)
    appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=world.patient,
    )
    response = client_as_reception.post(url, {"slot": value})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "no longer available" in body
    assert "Nearest free times" in body
    assert Appointment.objects.count() == 1


def test_a_telehealth_booking_gets_no_location(client_as_reception, world):
    start = f.next_weekday_at(world.clinic, 0, 15)
    url = _book_url(
        world, world.patient, start.date(), service=world.telehealth, modality="telehealth"
    )
    value = slot_value(practitioner_code=world.ep.code, start=start, location_id=None)
    assert f'value="{value}"' in client_as_reception.get(url).content.decode()
    response = client_as_reception.post(url, {"slot": value})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.location is None
    assert appointment.telehealth_url


@pytest.mark.parametrize(
    "extra",
    [
        "&service=nope",
        "&service=00000000-0000-0000-0000-000000000000",
        "&modality=carrier-pigeon",
        "&practitioner=zzz",
        "&date=2026-02-30",
        "&date=10000-01-01",
    ],
)
def test_bad_booking_details_are_form_errors(client_as_reception, world, extra):
    base = _book_url(world, world.patient, date(2026, 3, 3))
    response = client_as_reception.get(base + extra)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_a_service_not_offered_that_way_or_by_that_practitioner_is_refused(
    client_as_reception, world
):
    day = date(2030, 3, 5)
    clinic_only = _book_url(world, world.patient, day, service=world.telehealth)
    assert (
        "Telehealth review is telehealth only"
        in client_as_reception.get(clinic_only).content.decode()
    )
    wrong_person = _book_url(
        world, world.patient, day, service=world.initial, practitioner=world.physio.code
    )
    assert "Jo Park does not offer this" in client_as_reception.get(wrong_person).content.decode()


@pytest.mark.parametrize(
    "slot",
    ["", "garbage", "a|b|c", "00000000-0000-0000-0000-000000000000|2026-03-03T10:00|", "x" * 500],
)
def test_a_bad_chosen_time_is_a_form_error(client_as_reception, world, slot):
    start = f.next_weekday_at(world.clinic, 1, 9)
    response = client_as_reception.post(
        _book_url(world, world.patient, start.date()), {"slot": slot}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_for_an_unknown_or_foreign_patient_is_404(client_as_reception, world):
    stranger = f.make_patient(world.outsider_clinic)
    book = reverse("bookings:staff-book")
    assert client_as_reception.get(f"{book}?patient=not-a-uuid").status_code == 404
    assert client_as_reception.get(f"{book}?patient={stranger.code}").status_code == 404


# --- One appointment ----------------------------------------------------------------


def test_the_appointment_page_shows_everything_staff_need(client_as_reception, world):
    start = f.next_weekday_at(world.clinic, 1, 14)
    appointment = appointment_book(
        service=world.telehealth,
        practitioner=world.ep,
        modality="telehealth",
        start=start,
        patient=world.patient,
        source=Appointment.Source.STAFF,
        booked_by=world.admin,
    )
    body = client_as_reception.get(
        reverse("bookings:staff-appointment", args=[appointment.code])
    ).content.decode()
    for text in [
        world.patient.full_name,
        "14 March 1985",
        world.patient.phone,
        world.patient.email,
        "Telehealth review",
        "Sam Lee",
        "Telehealth (video)",
        f"{start:%A} {start.day} {start:%B}, 2:00 pm",
        "2:00 pm to 2:30 pm",
        "Booked",
        "staff by boss@example.org",
        appointment.telehealth_url,
        reverse("bookings:staff-move", args=[appointment.code]),
        reverse("bookings:staff-cancel", args=[appointment.code]),
    ]:
        assert text in body, text


def test_staff_cancel_inside_the_patients_window_with_a_reason(
    client_as_practitioner, world, booked
):
    world.clinic.cancellation_notice_hours = 24 * 30
    world.clinic.save()
    assert not patient_can_change(booked, now=timezone.now())
    response = client_as_practitioner.post(
        reverse("bookings:staff-cancel", args=[booked.code]),
        {"reason": "Practitioner unwell"},
        follow=True,
    )
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert booked.cancellation_reason == "Practitioner unwell"
    assert booked.cancelled_by == world.ep.user
    assert any(m.startswith("Cancelled Follow-up") for m in _messages(response))
    body = response.content.decode()
    assert "Practitioner unwell" in body
    again = client_as_practitioner.post(
        reverse("bookings:staff-cancel", args=[booked.code]), {"reason": "Twice"}, follow=True
    )
    assert "Only a booked visit can be cancelled." in _messages(again)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_cancelling_needs_a_reason_of_sensible_length(client_as_reception, booked, reason):
    response = client_as_reception.post(
        reverse("bookings:staff-cancel", args=[booked.code]), {"reason": reason}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_posts_need_the_csrf_token(world, booked):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.reception)
    response = client.post(reverse("bookings:staff-cancel", args=[booked.code]), {"reason": "x"})
    assert response.status_code == 403
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_staff_move_inside_the_patients_window_to_another_practitioner(
    client_as_reception, world, booked
):
    world.clinic.cancellation_notice_hours = 24 * 30
    world.clinic.save()
    new_start = booked.start + timedelta(days=1, hours=4)  # Wednesday 14:00
    url = (
        f"{reverse('bookings:staff-move', args=[booked.code])}"
        f"?date={new_start.date().isoformat()}&practitioner={world.physio.code}"
    )
    page = client_as_reception.get(url).content.decode()
    value = slot_value(
        practitioner_code=world.physio.code, start=new_start, location_id=world.location.pk
    )
    assert f'value="{value}"' in page
    response = client_as_reception.post(url, {"slot": value})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.start == new_start
    assert booked.practitioner == world.physio
    assert booked.sequence == 1
    assert booked.status == Appointment.Status.BOOKED


def test_the_move_page_defaults_to_the_visits_day_and_hides_its_own_time(
    client_as_reception, booked
):
    page = client_as_reception.get(reverse("bookings:staff-move", args=[booked.code]))
    body = page.content.decode()
    own = slot_value(
        practitioner_code=booked.practitioner.code,
        start=booked.start,
        location_id=booked.location_id,
    )
    assert f'value="{booked.start.date().isoformat()}"' in body
    assert "10:30 am" in body
    assert own not in body


@pytest.mark.parametrize("query", ["?date=bad&practitioner=any", "?date=2026-03-03&practitioner=x"])
def test_bad_move_params_are_form_errors(client_as_reception, booked, query):
    url = reverse("bookings:staff-move", args=[booked.code]) + query
    assert "There is a problem" in client_as_reception.get(url).content.decode()
    response = client_as_reception.post(url, {"slot": "garbage"})
    assert response.status_code == 200
    booked.refresh_from_db()
    assert booked.sequence == 0


def test_a_patient_early_for_their_visit_can_be_marked_arrived(world, client_as_reception):
    soon = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=(timezone.now() + timedelta(minutes=40)).replace(second=0, microsecond=0),
    )
    url = reverse("bookings:staff-mark", args=[soon.code])
    refused = client_as_reception.post(url, {"status": "no_show"}, follow=True)
    assert "A visit can be marked not attended once it has started." in _messages(refused)
    client_as_reception.post(url, {"status": "attended"})
    soon.refresh_from_db()
    assert soon.status == Appointment.Status.ATTENDED


def test_marking_before_the_start_is_refused(client_as_reception, booked):
    response = client_as_reception.post(
        reverse("bookings:staff-mark", args=[booked.code]), {"status": "attended"}, follow=True
    )
    assert "A patient can be marked arrived from an hour before their visit." in _messages(response)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_marking_a_started_visit_attended_or_did_not_attend(client_as_practitioner, started):
    url = reverse("bookings:staff-mark", args=[started.code])
    response = client_as_practitioner.post(url, {"status": "no_show"}, follow=True)
    started.refresh_from_db()
    assert started.status == Appointment.Status.NO_SHOW
    assert any("did not attend" in m for m in _messages(response))
    client_as_practitioner.post(url, {"status": "attended"})
    started.refresh_from_db()
    assert started.status == Appointment.Status.ATTENDED


@pytest.mark.parametrize("status", ["", "cancelled", "booked", "x" * 1000])
def test_marking_with_a_bad_status_changes_nothing(client_as_reception, started, status):
    response = client_as_reception.post(
        reverse("bookings:staff-mark", args=[started.code]), {"status": status}
    )
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == Appointment.Status.BOOKED


def test_mark_only_accepts_post(client_as_reception, started):
    assert (
        client_as_reception.get(reverse("bookings:staff-mark", args=[started.code])).status_code
        == 405
    )


# --- Patients -------------------------------------------------------------------------


def test_the_patient_list_searches_and_pages(client_as_reception, world):
    for n in range(30):
        f.make_patient(world.clinic, first_name="Quinn", last_name=f"Page{n:02d}")
    f.make_patient(world.outsider_clinic, first_name="Quinn", last_name="Elsewhere")
    url = reverse("bookings:staff-patient-list")
    first = client_as_reception.get(f"{url}?q=quinn").content.decode()
    assert "30 patients matching" in first
    assert "Page 1 of 2" in first
    assert "Elsewhere" not in first
    second = client_as_reception.get(f"{url}?q=quinn&page=2").content.decode()
    assert "Page29" in second and "Page00" not in second
    assert client_as_reception.get(f"{url}?page=abc").status_code == 200
    assert client_as_reception.get(f"{url}?page=99999999999999999999").status_code == 200
    too_long = client_as_reception.get(f"{url}?q={'x' * 101}")
    assert too_long.status_code == 200
    assert "There is a problem" in too_long.content.decode()


def test_the_patient_page_lists_upcoming_and_past_visits(client_as_reception, world, booked):
    past = f.make_appointment(
        patient=world.patient,
        practitioner=world.physio,
        service=world.service,
        start=timezone.now().replace(second=0, microsecond=0) - timedelta(days=30),
        status=Appointment.Status.ATTENDED,
    )
    body = client_as_reception.get(
        reverse("bookings:staff-patient-detail", args=[world.patient.code])
    ).content.decode()
    upcoming_at = body.index("Upcoming appointments")
    past_at = body.index("Past appointments")
    assert upcoming_at < body.index(str(booked.code)) < past_at < body.index(str(past.code))
    assert f"?patient={world.patient.code}" in body
    assert "Book for this patient" in body
    assert "14 March 1985" in body
    assert ">Attended</span>" in body


# --- In a browser: axe-core, a 375 px phone and the keyboard --------------------------


@pytest.fixture
def staff_phone(live_server, world, browser):
    """Reception, logged in, on a 375 px wide phone (the session's Debian Chromium)."""
    client = Client()
    client.force_login(world.reception)
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="en-AU", timezone_id="Australia/Sydney"
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_staff_pages_pass_axe_on_a_phone(world, live_server, staff_phone, booked, started):
    from tests.browser.conftest import check_page

    page = staff_phone
    day = _local_date(booked)
    pages = {
        "staff-schedule-day": _schedule(date=day, practitioner="all"),
        "staff-schedule-week": _schedule(view="week", date=day),
        "staff-schedule-bad-date": _schedule(date="2026-02-30"),
        "staff-book-patient": f"{reverse('bookings:staff-book')}?q=Pat",
        "staff-book-times": _book_url(world, world.patient, day + timedelta(days=1)),
        "staff-appointment": reverse("bookings:staff-appointment", args=[booked.code]),
        "staff-appointment-started": reverse("bookings:staff-appointment", args=[started.code]),
        "staff-cancel": reverse("bookings:staff-cancel", args=[booked.code]),
        "staff-move": reverse("bookings:staff-move", args=[booked.code]),
        "staff-patients": reverse("bookings:staff-patient-list"),
        "staff-patient": reverse("bookings:staff-patient-detail", args=[world.patient.code]),
    }
    for name, url in pages.items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, name
        assert page.locator("h1").count() == 1, name
        check_page(page, name)

    # Errors: the summary links to the field, and the page still passes.
    page.goto(live_server.url + reverse("bookings:staff-book"))
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Email address").fill("not an email")
    with page.expect_navigation():
        page.get_by_role("button", name="Add patient and continue").click()
    assert page.locator(".error-summary").is_visible()
    check_page(page, "staff-book-patient-errors")
    page.goto(live_server.url + reverse("bookings:staff-cancel", args=[booked.code]))
    with page.expect_navigation():
        page.get_by_role("button", name="Cancel appointment").click()
    assert "Enter a reason for cancelling." in page.locator(".error-summary").inner_text()
    check_page(page, "staff-cancel-errors")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reception_books_a_time_by_keyboard_alone(world, live_server, staff_phone):
    page = staff_phone
    start = f.next_weekday_at(world.clinic, 2, 9)
    page.goto(live_server.url + _book_url(world, world.other_patient, start.date()))
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "slot":
            break
    page.keyboard.press("Space")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").strip() == "Book this time":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == f"Follow-up for {world.other_patient.full_name}"
    appointment = Appointment.objects.get(patient=world.other_patient)
    assert appointment.start == start
    assert appointment.booked_by == world.reception


def test_the_patient_search_answers_htmx_with_the_list_alone(client_as_reception, world):
    f.make_patient(world.clinic, first_name="Quinn", last_name="Htmx")
    url = reverse("bookings:staff-patient-list")
    full = client_as_reception.get(f"{url}?q=quinn").content.decode()
    assert "<html" in full and 'hx-get="' in full and "htmx" in full  # the page loads htmx
    assert 'hx-push-url="true"' in full  # the address keeps the search: shareable

    response = client_as_reception.get(f"{url}?q=quinn", headers={"HX-Request": "true"})
    assert response.status_code == 200
    part = response.content.decode()
    assert "<html" not in part and "<form" not in part  # the list alone, no page around it
    assert "Htmx, Quinn" in part
    # The count is a live region that stays in the page: swapped in place, out of band.
    assert '<span id="results-count" hx-swap-oob="innerHTML">1 patient matching “quinn”.' in part
    assert 'href="/staff/patients/"' in part or "Clear search" in part


def test_a_started_visit_is_marked_completed(world, client_as_reception):
    started = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=(timezone.now() - timedelta(minutes=10)).replace(second=0, microsecond=0),
    )
    url = reverse("bookings:staff-mark", args=[started.code])
    client_as_reception.post(url, {"status": "attended"})
    client_as_reception.post(url, {"status": "completed"})
    started.refresh_from_db()
    assert started.status == Appointment.Status.COMPLETED
    assert started.get_status_display() == "Completed"


def test_a_visit_not_started_cannot_be_completed(client_as_reception, booked):
    response = client_as_reception.post(
        reverse("bookings:staff-mark", args=[booked.code]), {"status": "completed"}, follow=True
    )
    assert "A visit can be marked completed once it has started." in _messages(response)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED
