"""A patient's own pages: the list, one visit, cancel and reschedule, from the account
and from the signed link in the confirmation email."""

import re
import uuid
from datetime import UTC, timedelta
from unittest import mock

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Appointment
from bookings.services import appointment_book
from bookings.tokens import manage_token_for
from clinic.lib.time import when_label
from tests import factories as f

pytestmark = pytest.mark.django_db


def _book(world, start, **kw):
    args = {
        "service": world.service,
        "practitioner": world.ep,
        "modality": "clinic",
        "start": start,
        "patient": world.patient,
    }
    args.update(kw)
    return appointment_book(**args)


def _soon(world, hours=2):
    """An appointment inside the cancellation window (written directly, no rules)."""
    start = (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)
    return f.make_appointment(
        patient=world.patient, practitioner=world.ep, service=world.service, start=start
    )


def _url(name, appt, query=""):
    return reverse(f"bookings:{name}", args=[appt.code]) + query


def _manage_url(name, appt_or_token, query=""):
    token = appt_or_token if isinstance(appt_or_token, str) else manage_token_for(appt_or_token)
    return reverse(f"bookings:{name}", args=[token]) + query


def _week_query(world, start):
    day = start.astimezone(world.clinic.tz).date()
    return f"?week={day - timedelta(days=day.weekday())}"


def _slot_value(start, practitioner):
    return f"{start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}~{practitioner.code}"


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- Access ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["my-appointment", "my-cancel", "my-reschedule"])
def test_anonymous_visitors_are_sent_to_log_in(world, client, name):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    for url in (reverse("bookings:my-appointments"), _url(name, appt)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_the_list_shows_only_the_patients_own_visits(
    world, client_as_patient, django_assert_max_num_queries
):
    mine = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    mine_later = _book(world, f.next_weekday_at(world.clinic, 1, 11), service=world.initial)
    theirs = _book(
        world,
        f.next_weekday_at(world.clinic, 0, 10),
        practitioner=world.physio,
        patient=world.other_patient,
    )
    with django_assert_max_num_queries(8):
        response = client_as_patient.get(reverse("bookings:my-appointments"))
    assert response.status_code == 200
    body = _text(response)
    assert str(mine.code) in body
    assert str(mine_later.code) in body
    assert str(theirs.code) not in body
    assert "Jo Park" not in body
    assert when_label(mine.start, world.clinic.tz) in body
    assert "In clinic at Surry Hills rooms" in body
    assert body.count("<h1") == 1


def test_the_list_puts_past_and_cancelled_visits_apart(world, client_as_patient):
    upcoming = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    cancelled = _book(world, f.next_weekday_at(world.clinic, 1, 10))
    cancelled.status = Appointment.Status.CANCELLED
    cancelled.save()
    past = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=3),
        status=Appointment.Status.ATTENDED,
    )
    body = _text(client_as_patient.get(reverse("bookings:my-appointments")))
    upcoming_part, past_part = body.split("Past and cancelled visits")
    assert str(upcoming.code) in upcoming_part
    assert str(cancelled.code) in past_part
    assert str(past.code) in past_part
    assert "Cancelled" in past_part
    assert "Attended" in past_part


def test_a_user_without_a_patient_record_sees_no_visits(world):
    client = Client()
    client.force_login(f.make_user(email="newcomer@example.org"))
    response = client.get(reverse("bookings:my-appointments"))
    assert response.status_code == 200
    assert "You have no visits with us yet" in response.content.decode()


def test_staff_are_pointed_to_the_schedule(world, client_as_reception):
    response = client_as_reception.get(reverse("bookings:my-appointments"))
    assert response.status_code == 200
    assert reverse("bookings:staff-schedule") in response.content.decode()


@pytest.mark.parametrize(
    "client_name",
    ["client_as_other_patient", "client_as_outsider", "client_as_practitioner"],
)
@pytest.mark.parametrize("name", ["my-appointment", "my-cancel", "my-reschedule"])
def test_someone_elses_visit_is_not_found(world, request, client_name, name):
    client = request.getfixturevalue(client_name)
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    assert client.get(_url(name, appt)).status_code == 404
    assert client.post(_url(name, appt), {"reason": "x"}).status_code == 404
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_made_up_and_malformed_codes_are_not_found(world, client_as_patient):
    assert client_as_patient.get(f"/me/appointments/{uuid.uuid4()}/").status_code == 404
    assert client_as_patient.get("/me/appointments/not-a-uuid/").status_code == 404
    assert client_as_patient.get("/me/appointments/12/cancel/").status_code == 404


# --- One visit ------------------------------------------------------------------------


def test_the_visit_page_shows_the_details_in_the_clinics_zone(world, client_as_patient):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10, 15))
    response = client_as_patient.get(_url("my-appointment", appt))
    assert response.status_code == 200
    body = _text(response)
    assert when_label(appt.start, world.clinic.tz) in body
    assert re.search(r"day \d{1,2} \w+ 20\d\d, 10:15 am", body)
    assert "Sam Lee" in body
    assert "Follow-up" in body
    assert "In clinic at Surry Hills rooms" in body
    assert _url("my-cancel", appt) in body
    assert _url("my-reschedule", appt) in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_video_link_is_shown_only_to_its_patient(
    world, client_as_patient, client_as_other_patient
):
    world.patient.timezone = "Australia/Perth"
    world.patient.save()
    appt = _book(
        world,
        f.next_weekday_at(world.clinic, 2, 11),
        service=world.telehealth,
        modality="telehealth",
    )
    body = _text(client_as_patient.get(_url("my-appointment", appt)))
    assert appt.telehealth_url in body
    assert when_label(appt.start, world.patient.clinic.tz) in body
    from zoneinfo import ZoneInfo

    assert when_label(appt.start, ZoneInfo("Australia/Perth")) in body
    assert "your time, Perth" in body

    other = client_as_other_patient.get(_url("my-appointment", appt))
    assert other.status_code == 404
    assert appt.telehealth_url not in other.content.decode()
    listing = client_as_patient.get(reverse("bookings:my-appointments")).content.decode()
    assert appt.telehealth_url not in listing


def test_inside_the_window_the_page_says_to_phone(world, client_as_patient):
    appt = _soon(world)
    body = _text(client_as_patient.get(_url("my-appointment", appt)))
    assert "too close to the visit to change online" in body
    assert world.clinic.phone in body
    assert _url("my-cancel", appt) not in body


# --- Cancel ---------------------------------------------------------------------------


def test_a_patient_cancels_outside_the_window(world, client_as_patient):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    page = client_as_patient.get(_url("my-cancel", appt))
    assert page.status_code == 200
    assert 'for="id_reason"' in page.content.decode()

    response = client_as_patient.post(
        _url("my-cancel", appt), {"reason": "Feeling better"}, follow=True
    )
    assert response.redirect_chain[-1][0] == _url("my-appointment", appt)
    assert "has been cancelled" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.CANCELLED
    assert appt.cancellation_reason == "Feeling better"
    assert appt.cancelled_by == world.patient.user


def test_cancelling_inside_the_window_is_refused_with_the_phone(world, client_as_patient):
    appt = _soon(world)
    page = _text(client_as_patient.get(_url("my-cancel", appt)))
    assert world.clinic.phone in page
    assert "<textarea" not in page

    response = client_as_patient.post(_url("my-cancel", appt), {"reason": ""})
    assert response.status_code == 409
    assert world.clinic.phone in _text(response)
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_an_overlong_reason_is_an_error_next_to_the_field(world, client_as_patient):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    response = client_as_patient.post(_url("my-cancel", appt), {"reason": "x" * 501})
    assert response.status_code == 200
    body = _text(response)
    assert "There is a problem" in body
    assert 'href="#id_reason"' in body
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in body
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_a_cancelled_visit_cannot_be_cancelled_again(world, client_as_patient):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    client_as_patient.post(_url("my-cancel", appt), {})
    again = client_as_patient.post(_url("my-cancel", appt), {})
    assert again.status_code in {200, 409}
    assert "<textarea" not in again.content.decode()


# --- Reschedule -----------------------------------------------------------------------


def test_the_reschedule_page_offers_a_week_of_free_times(world, client_as_patient):
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    response = client_as_patient.get(_url("my-reschedule", appt, _week_query(world, start)))
    assert response.status_code == 200
    body = _text(response)
    assert _slot_value(start + timedelta(hours=1), world.ep) in body
    assert _slot_value(start, world.ep) not in body  # its own time is no move
    assert "Any practitioner" in body
    assert body.count("<h1") == 1


def test_a_patient_moves_a_visit_after_confirming(world, client_as_patient):
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    new_start = start + timedelta(days=1, hours=2)
    data = {"slot": _slot_value(new_start, world.ep), "week": "2026-01-05"}

    confirm = client_as_patient.post(_url("my-reschedule", appt), data)
    assert confirm.status_code == 200
    assert when_label(new_start, world.clinic.tz) in _text(confirm)
    appt.refresh_from_db()
    assert appt.start == start  # nothing changes before the confirmation

    done = client_as_patient.post(_url("my-reschedule", appt), {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert done["Location"] == _url("my-appointment", appt)
    appt.refresh_from_db()
    assert appt.start == new_start
    assert appt.sequence == 1
    assert appt.status == Appointment.Status.BOOKED


def test_a_patient_may_move_to_any_practitioner(world, client_as_patient):
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    page = _text(
        client_as_patient.get(
            _url("my-reschedule", appt, _week_query(world, start) + "&practitioner=any")
        )
    )
    assert "with Jo Park" in page
    data = {"slot": _slot_value(start, world.physio), "practitioner": "any", "confirm": "yes"}
    assert client_as_patient.post(_url("my-reschedule", appt), data).status_code == 302
    appt.refresh_from_db()
    assert appt.practitioner == world.physio


def test_a_time_taken_meanwhile_is_refused_with_alternatives(world, client_as_patient):
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    wanted = start + timedelta(hours=3)
    _book(world, wanted, patient=world.other_patient)  # someone else got there first

    data = {"slot": _slot_value(wanted, world.ep), "confirm": "yes"}
    response = client_as_patient.post(_url("my-reschedule", appt), data)
    assert response.status_code == 200
    body = _text(response)
    assert "That time was just taken" in body
    assert "There is a problem" in body
    assert "Nearest free times" in body
    assert _slot_value(wanted + timedelta(minutes=30), world.ep) in body
    appt.refresh_from_db()
    assert appt.start == start
    assert appt.sequence == 0


def test_rescheduling_inside_the_window_is_refused(world, client_as_patient):
    appt = _soon(world)
    page = _text(client_as_patient.get(_url("my-reschedule", appt)))
    assert world.clinic.phone in page
    assert 'name="slot"' not in page
    later = f.next_weekday_at(world.clinic, 0, 10)
    data = {"slot": _slot_value(later, world.ep), "confirm": "yes"}
    response = client_as_patient.post(_url("my-reschedule", appt), data)
    assert world.clinic.phone in _text(response)
    moved = Appointment.objects.get(pk=appt.pk)
    assert moved.start == appt.start
    assert moved.sequence == 0


def _window_mid_week(world):
    """A visit on a Wednesday more than a week away, and a cancellation window that ends
    early on the Tuesday before it: Monday's times are inside the window."""
    start = f.next_weekday_at(world.clinic, 2, 10) + timedelta(days=7)
    hours_away = (start - timezone.now()).total_seconds() // 3600
    world.clinic.cancellation_notice_hours = int(hours_away) - 30
    world.clinic.save()
    return _book(world, start), start


def test_times_inside_the_cancellation_window_are_not_offered(world, client_as_patient):
    appt, start = _window_mid_week(world)
    body = _text(client_as_patient.get(_url("my-reschedule", appt, _week_query(world, start))))
    monday = start - timedelta(days=2)
    assert _slot_value(monday, world.ep) not in body
    assert _slot_value(start - timedelta(days=1), world.ep) in body  # Tuesday 10:00
    assert "Times before" in body
    assert "can no longer be changed, so you could not move it again" in body
    assert world.clinic.phone in body


def test_a_move_into_the_cancellation_window_is_refused(world, client_as_patient):
    appt, start = _window_mid_week(world)
    monday = start - timedelta(days=2)
    data = {"slot": _slot_value(monday, world.ep), "confirm": "yes"}
    response = client_as_patient.post(_url("my-reschedule", appt), data)
    assert response.status_code == 200
    body = _text(response)
    assert "There is a problem" in body
    assert "can no longer be changed" in body
    appt.refresh_from_db()
    assert (appt.start, appt.sequence) == (start, 0)


def test_staff_may_still_move_a_visit_inside_the_window(world):
    from bookings.services import appointment_reschedule

    appt, start = _window_mid_week(world)
    monday = start - timedelta(days=2)
    moved = appointment_reschedule(
        appointment=appt, start=monday, by_user=world.reception, as_staff=True
    )
    assert moved.start == monday


def test_after_a_cancellation_the_visit_offers_to_book_again(world, client_as_patient):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    response = client_as_patient.post(_url("my-cancel", appt), {"reason": ""}, follow=True)
    body = _text(response)
    again = reverse("bookings:slot-list", args=[world.service.code, "clinic"])
    assert f'href="{again}?practitioner={world.ep.code}"' in body
    assert f"Book {world.service.name} again" in body
    # The link leads to that practitioner's free times.
    assert client_as_patient.get(f"{again}?practitioner={world.ep.code}").status_code == 200


def test_the_manage_link_offers_to_book_again_after_cancelling(world, client):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    token = manage_token_for(appt)
    response = client.post(_manage_url("manage-cancel", token), {"reason": ""}, follow=True)
    assert f"Book {world.service.name} again" in _text(response)


def test_book_again_falls_back_to_the_service_list(world, client_as_patient):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    client_as_patient.post(_url("my-cancel", appt), {"reason": ""})
    world.service.bookable_online = False
    world.service.save()
    body = _text(client_as_patient.get(_url("my-appointment", appt)))
    assert f'href="{reverse("bookings:service-list")}"' in body


def test_the_window_checked_at_submit_time_refuses_the_move(world, client_as_patient):
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    data = {"slot": _slot_value(start + timedelta(hours=1), world.ep), "confirm": "yes"}
    with (
        mock.patch("bookings.views.patient.patient_can_change", return_value=True),
        mock.patch("bookings.services.patient_can_change", return_value=False),
    ):
        response = client_as_patient.post(_url("my-reschedule", appt), data)
    assert response.status_code == 409
    assert world.clinic.phone in _text(response)
    appt.refresh_from_db()
    assert appt.start == start


@pytest.mark.parametrize(
    "query",
    [
        "?week=not-a-date",
        "?week=0001-01-01",
        "?week=9999-12-31",
        "?week=2026-02-30",
        "?week=" + "9" * 300,
        "?practitioner=%00",
    ],
)
def test_odd_weeks_never_break_the_page(world, client_as_patient, query):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    assert client_as_patient.get(_url("my-reschedule", appt, query)).status_code == 200


@pytest.mark.parametrize(
    "slot",
    [
        "",
        "nonsense",
        "2026-13-40T99:99:99Z~2e9d82eb-0ed7-42ac-8377-18617dbee939",
        "2026-03-03T00:00:00Z~not-a-uuid",
        "2026-03-03T00:00:00Z~cc1fc487-f474-4acf-a72c-d0e8dc834a93",
        "x" * 5000,
        "\x00",
    ],
)
def test_tampered_times_are_form_errors(world, client_as_patient, slot):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    response = client_as_patient.post(_url("my-reschedule", appt), {"slot": slot, "confirm": "1"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    appt.refresh_from_db()
    assert appt.sequence == 0


def test_an_outsider_practitioner_code_is_refused(world, client_as_patient):
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    data = {"slot": _slot_value(start + timedelta(hours=1), world.outsider), "confirm": "1"}
    response = client_as_patient.post(_url("my-reschedule", appt), data)
    assert "Choose a time from the list" in response.content.decode()
    appt.refresh_from_db()
    assert appt.practitioner == world.ep


def test_a_time_in_the_past_is_refused(world, client_as_patient):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    past = timezone.now() - timedelta(days=1)
    data = {"slot": _slot_value(past, world.ep), "confirm": "1"}
    response = client_as_patient.post(_url("my-reschedule", appt), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


# --- Signed links ---------------------------------------------------------------------


def test_the_manage_link_works_without_logging_in(world, client):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    _book(world, f.next_weekday_at(world.clinic, 3, 10), service=world.initial)  # another
    token = manage_token_for(appt)  # once: a token made a second later differs
    response = client.get(_manage_url("manage", token))
    assert response.status_code == 200
    body = _text(response)
    assert when_label(appt.start, world.clinic.tz) in body
    assert _manage_url("manage-cancel", token) in body
    assert "Initial assessment" not in body  # never the patient's other visits
    assert f'href="{reverse("bookings:my-appointments")}"' not in body
    assert 'name="robots" content="noindex"' in body


def test_the_manage_link_cancels_without_logging_in(world, client):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    token = manage_token_for(appt)
    assert client.get(_manage_url("manage-cancel", token)).status_code == 200
    response = client.post(_manage_url("manage-cancel", token), {"reason": ""}, follow=True)
    assert response.redirect_chain[-1][0] == _manage_url("manage", token)
    assert "has been cancelled" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.CANCELLED
    assert appt.cancelled_by is None


def test_the_manage_link_reschedules_without_logging_in(world, client):
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    token = manage_token_for(appt)
    page = client.get(_manage_url("manage-reschedule", token, _week_query(world, start)))
    assert _slot_value(start + timedelta(hours=1), world.ep) in page.content.decode()
    data = {"slot": _slot_value(start + timedelta(hours=1), world.ep), "confirm": "yes"}
    response = client.post(_manage_url("manage-reschedule", token), data)
    assert response.status_code == 302
    assert response["Location"] == _manage_url("manage", token)
    appt.refresh_from_db()
    assert appt.start == start + timedelta(hours=1)
    assert appt.sequence == 1


def test_the_manage_link_refuses_inside_the_window(world, client):
    appt = _soon(world)
    response = client.post(_manage_url("manage-cancel", appt), {})
    assert response.status_code == 409
    assert world.clinic.phone in _text(response)
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


@pytest.mark.parametrize("name", ["manage", "manage-cancel", "manage-reschedule"])
@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "x" + t,
        lambda t: "not-a-token",
        lambda t: ":::",
        lambda t: "%00",
    ],
)
def test_a_tampered_link_fails_cleanly(world, client, name, mangle):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    url = reverse(f"bookings:{name}", args=[mangle(manage_token_for(appt))])
    for response in (client.get(url), client.post(url, {"reason": "x"})):
        assert response.status_code == 404
        body = _text(response)
        assert "This link has expired or is not valid" in body
        assert world.clinic.phone in body
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_an_expired_link_fails_cleanly(world, client):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    token = manage_token_for(appt, now=timezone.now() - timedelta(days=91))  # sent long ago
    response = client.post(_manage_url("manage-cancel", token), {})
    assert client.get(_manage_url("manage", token)).status_code == 404
    assert response.status_code == 404
    assert "This link has expired or is not valid" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_a_zero_day_link_lifetime_expires_links(world, client, settings):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    settings.STANCE_MANAGE_LINK_MAX_AGE_DAYS = 0
    token = manage_token_for(appt)
    assert client.get(_manage_url("manage", token)).status_code == 404


def test_a_link_for_a_cancelled_visit_cannot_act(world, client):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    token = manage_token_for(appt)
    client.post(_manage_url("manage-cancel", token), {})
    for name in ("manage-cancel", "manage-reschedule"):
        response = client.post(_manage_url(name, token), {"slot": "x"})
        assert response.status_code == 410
        assert "This link has expired or is not valid" in response.content.decode()
    page = client.get(_manage_url("manage", token))
    assert page.status_code == 200
    assert "Cancelled" in page.content.decode()


def test_a_link_for_a_visit_that_is_over_has_expired(world, client):
    appt = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.telehealth,
        modality="telehealth",
        start=timezone.now() - timedelta(hours=3),
        telehealth_url="https://meet.example/stance-old-room",
    )
    response = client.get(_manage_url("manage", appt))
    assert response.status_code == 410
    assert "stance-old-room" not in response.content.decode()


def test_the_manage_page_shows_the_video_link_to_the_link_holder(world, client):
    appt = _book(
        world,
        f.next_weekday_at(world.clinic, 2, 11),
        service=world.telehealth,
        modality="telehealth",
    )
    assert appt.telehealth_url in client.get(_manage_url("manage", appt)).content.decode()


# --- In a browser: axe-core, a 375 px phone and the keyboard --------------------------


@pytest.fixture
def phone_page(live_server, browser):
    """A 375 px wide page in the session's Chromium (Debian's; never a downloaded one)."""
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _log_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _check_page(page, url, expect_status=200):
    from axe_playwright_python.sync_playwright import Axe

    response = page.goto(url)
    assert response.status == expect_status, url
    violations = Axe().run(page).response["violations"]
    assert violations == [], (url, [(v["id"], v["nodes"][0]["html"]) for v in violations])
    assert page.locator("h1").count() == 1, url
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_patient_pages_pass_axe_on_a_phone(world, live_server, phone_page):
    from axe_playwright_python.sync_playwright import Axe

    page = phone_page
    start = f.next_weekday_at(world.clinic, 0, 10)
    appt = _book(world, start)
    video = _book(world, start + timedelta(days=1), service=world.telehealth, modality="telehealth")
    soon = _soon(world, hours=3)
    _log_in(page, live_server, world.patient.user)
    base = live_server.url
    for url in [
        reverse("bookings:my-appointments"),
        _url("my-appointment", appt),
        _url("my-appointment", video),
        _url("my-appointment", soon),
        _url("my-cancel", appt),
        _url("my-cancel", soon),
        _url("my-reschedule", appt, _week_query(world, start) + "&practitioner=any"),
    ]:
        _check_page(page, base + url)
    _check_page(page, base + _manage_url("manage", appt))
    _check_page(page, base + "/manage/not-a-token/", expect_status=404)

    # An overlong reason: the error summary and the field's message.
    page.goto(base + _url("my-cancel", appt))
    page.fill("#id_reason", "x" * 501)
    with page.expect_navigation():
        page.click("text=Yes, cancel my visit")
    assert page.locator(".error-summary").is_visible()
    assert Axe().run(page).response["violations"] == []

    # The confirmation step of a reschedule.
    page.goto(base + _url("my-reschedule", appt, _week_query(world, start)))
    with page.expect_navigation():
        page.locator("button[name=slot]").first.click()
    assert page.locator("h1").inner_text() == "Confirm your new time"
    assert Axe().run(page).response["violations"] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_cancels_by_keyboard_alone(world, live_server, phone_page):
    page = phone_page
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    page.goto(live_server.url + _manage_url("manage-cancel", appt))
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_reason":
            break
    page.keyboard.type("Away that week")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Yes, cancel my visit"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/manage/[^/]+/$"))
    assert "has been cancelled" in page.locator("main").inner_text()
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.CANCELLED
    assert appt.cancellation_reason == "Away that week"


def test_add_to_calendar_works_from_the_account_and_the_link(world, client_as_patient, client):
    appt = _book(world, f.next_weekday_at(world.clinic, 0, 10))
    ics_url = reverse("bookings:book-ics", args=[appt.code])
    assert ics_url in client_as_patient.get(_url("my-appointment", appt)).content.decode()
    assert client_as_patient.get(ics_url)["Content-Type"].startswith("text/calendar")

    token = manage_token_for(appt)
    page = client.get(_manage_url("manage", token)).content.decode()
    link_ics = _manage_url("manage-ics", token)
    assert link_ics in page
    response = client.get(link_ics)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert f"UID:{appt.code}@stance" in response.content.decode()
    assert client.get(_manage_url("manage-ics", token[:-2] + "xx")).status_code == 404
