"""Staff see each appointment's emails (planned, sent, failed, not sent, with times in the
clinic's zone) on the appointment page, and can try a failed one again."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Notification
from bookings.notifications import notifications_plan_for_booking
from tests import factories as f
from tests.outbox import memory_broker_messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_broker")]

Kind = Notification.Kind
Status = Notification.Status
STAFF_CLIENTS = ["client_as_practitioner", "client_as_reception", "client_as_admin"]


@pytest.fixture
def history(world):
    """Pat's visit 20 hours from now, booked two days ago: the confirmation went out, the
    day-before reminder (due 4 hours ago) failed, the 2-hour one is planned."""
    now = timezone.now().replace(second=0, microsecond=0)
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=now + timedelta(hours=20),
    )
    booked_at = now - timedelta(days=2)
    with transaction.atomic():
        notifications_plan_for_booking(appointment=appointment, now=booked_at)
    rows = {n.lead_minutes or 0: n for n in Notification.objects.filter(appointment=appointment)}
    Notification.objects.filter(pk=rows[0].pk).update(
        status=Status.SENT, sent_at=booked_at + timedelta(minutes=1), attempts=1
    )
    Notification.objects.filter(pk=rows[24 * 60].pk).update(
        status=Status.FAILED,
        attempts=1,
        last_error="Recipient refused 550 5.1.1 <<address>>: mailbox unavailable",
    )
    return appointment, rows


def _page(client, appointment):
    return client.get(reverse("bookings:staff-appointment", args=[appointment.code]))


def _cells(html):
    """The history table as rows of cell texts."""
    table = re.search(r'<table class="table message-history">.*?</table>', html, re.S)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [
        [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def _local(moment, world):
    local = moment.astimezone(world.clinic.tz)
    hour = local.hour % 12 or 12
    label = f"{local:%A} {local.day} {local:%B}"
    if local.year != timezone.now().astimezone(world.clinic.tz).year:
        label += f" {local.year}"
    return f"{label}, {hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"


@pytest.mark.parametrize("client_name", STAFF_CLIENTS)
def test_staff_see_every_message_with_its_times_status_and_error(
    request, client_name, world, history
):
    appointment, rows = history
    response = _page(request.getfixturevalue(client_name), appointment)
    assert response.status_code == 200
    html = response.text
    assert '<h2 id="messages-heading">Messages to the patient</h2>' in html
    assert '<caption id="messages-caption">Emails about this appointment</caption>' in html
    assert "<p>Oldest first. Times are Sydney time.</p>" in html
    confirmation, day_before, two_hours = rows[0], rows[24 * 60], rows[120]
    confirmation.refresh_from_db()
    assert _cells(html) == [
        ["Message", "Planned for", "Status", "Sent", "Reason or error"],
        [
            "Booking confirmation",
            _local(confirmation.due_at, world),
            "Sent",
            _local(confirmation.sent_at, world),
            "",
        ],
        [
            "Reminder (the day before)",
            _local(day_before.due_at, world),
            "Failed Try again",
            "Not sent",
            "Recipient refused 550 5.1.1 <<address>>: mailbox unavailable",
        ],
        ["Reminder (2 hours before)", _local(two_hours.due_at, world), "Planned", "Not yet", ""],
    ]
    assert 'aria-label="Try again: Reminder (the day before)"' in html
    # The day-before reminder keeps the visit's wall-clock time in the clinic's zone.
    visit = _local(appointment.start, world)
    assert _local(day_before.due_at, world).split(", ")[1] == visit.split(", ")[1]


def test_a_moved_and_cancelled_visit_shows_what_was_not_sent_and_why(
    client_as_reception, world, history
):
    appointment, _ = history
    Notification.objects.filter(appointment=appointment, kind=Kind.REMINDER).update(
        status=Status.VOID, last_error="The visit was cancelled."
    )
    cells = _cells(_page(client_as_reception, appointment).text)
    assert [c[2:] for c in cells[2:]] == [
        ["Not sent", "Not sent", "The visit was cancelled."],
        ["Not sent", "Not sent", "The visit was cancelled."],
    ]
    assert "Try again" not in _page(client_as_reception, appointment).text


def test_an_appointment_without_messages_says_so(client_as_reception, world):
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
    )
    html = _page(client_as_reception, appointment).text
    assert "No emails have been planned for this appointment." in html
    assert "message-history" not in html.split('id="messages-heading"')[1].split("</section>")[0]


def test_the_history_reads_the_outbox_in_a_fixed_number_of_queries(
    client_as_reception, history, django_assert_max_num_queries
):
    appointment, _ = history
    _page(client_as_reception, appointment)  # warm up session and caches
    with django_assert_max_num_queries(20) as queries:
        _page(client_as_reception, appointment)
    outbox_queries = [q for q in queries.captured_queries if "bookings_notification" in q["sql"]]
    assert len(outbox_queries) == 1


# --- Try again -----------------------------------------------------------------------


def _retry(client, appointment, notification_id):
    return client.post(
        reverse("bookings:staff-message-retry", args=[appointment.code]),
        {"notification": notification_id},
    )


def test_try_again_replans_a_failed_message_and_hands_it_to_the_worker(
    client_as_reception, history, django_capture_on_commit_callbacks
):
    appointment, rows = history
    failed = rows[24 * 60]
    with django_capture_on_commit_callbacks(execute=True):
        response = _retry(client_as_reception, appointment, failed.pk)
    url = reverse("bookings:staff-appointment", args=[appointment.code])
    assert response.status_code == 302
    assert response["Location"] == f"{url}#messages-heading"
    failed.refresh_from_db()
    # Handed straight to the worker, with its planned time and a fresh count of tries.
    assert (failed.status, failed.attempts, failed.due_at) == (
        Status.QUEUED,
        0,
        rows[24 * 60].due_at,
    )
    assert memory_broker_messages() == [("bookings.tasks.send_notification", [failed.pk], {})]
    page = client_as_reception.get(url).text
    assert "Reminder (the day before): sending it again now." in page


def test_try_again_leaves_a_message_that_has_not_failed_alone(client_as_reception, history):
    appointment, rows = history
    planned = rows[120]
    response = _retry(client_as_reception, appointment, planned.pk)
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.status == Status.PENDING
    page = client_as_reception.get(response["Location"]).text
    assert "Reminder (2 hours before) has not failed, so it was not sent again." in page


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999"])
def test_try_again_with_a_bad_or_unknown_message_is_not_found(client_as_reception, history, value):
    appointment, rows = history
    assert _retry(client_as_reception, appointment, value).status_code == 404
    assert Notification.objects.get(pk=rows[24 * 60].pk).status == Status.FAILED


def test_try_again_cannot_reach_another_appointments_message(client_as_reception, world, history):
    _, rows = history
    other = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.physio,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 2, 10),
    )
    assert _retry(client_as_reception, other, rows[24 * 60].pk).status_code == 404
    assert Notification.objects.get(pk=rows[24 * 60].pk).status == Status.FAILED


@pytest.mark.parametrize("client_name", ["client_as_outsider", "client_as_patient", "client"])
def test_only_the_clinics_staff_see_the_history_or_try_again(request, client_name, history):
    appointment, rows = history
    client = request.getfixturevalue(client_name)
    page = _page(client, appointment)
    assert page.status_code in (302, 404)
    assert "Messages to the patient" not in page.text
    response = _retry(client, appointment, rows[24 * 60].pk)
    assert response.status_code in (302, 404)
    if response.status_code == 302:  # anonymous: to the login page
        assert response["Location"].startswith(reverse("login"))
    assert Notification.objects.get(pk=rows[24 * 60].pk).status == Status.FAILED


def test_try_again_is_a_post(client_as_reception, history):
    appointment, _ = history
    url = reverse("bookings:staff-message-retry", args=[appointment.code])
    assert client_as_reception.get(url).status_code == 405
