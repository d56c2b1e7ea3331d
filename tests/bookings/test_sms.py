"""Reminders by text message (bookings/sms.py, bookings/notifications.py): the backends,
Twilio's API against a local fake server, Australian mobile numbers, planning by the
patient's choice, sending once, and the patient's choice on the reminders page."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qs

from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings import notifications as outbox
from bookings import sms
from bookings.models import Appointment, Notification
from bookings.notifications import (
    TransientEmailError,
    notification_send,
    notifications_send_batch,
    patient_set_reminder_channel,
)
from bookings.services import appointment_book, appointment_reschedule
from bookings.sms import (
    FileBackend,
    LocmemBackend,
    SmsError,
    SmsMessage,
    TwilioBackend,
    au_mobile_e164,
)
from bookings.tokens import opt_out_token_for
from clinic.errors import DomainError
from clinic.models import Patient
from tests import factories as f
from tests.bookings.test_notification_faults import _in_threads

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_broker")]

Kind = Notification.Kind
Status = Notification.Status
Channel = Notification.Channel
MOBILE = "0412 345 678"
E164 = "+61412345678"


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> Iterator[None]:
    sms.outbox.clear()
    yield
    sms.outbox.clear()


# --- Australian mobile numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "0412 345 678",
        "0412345678",
        "(04) 1234-5678",
        "+61 412 345 678",
        "+61 (0)412 345 678",
        "+610412345678",
        "61412345678",
        "0061 412 345 678",
        " 0412.345.678 ",
    ],
)
def test_australian_mobiles_are_written_in_e164(raw):
    assert au_mobile_e164(raw) == E164


@pytest.mark.parametrize(
    "raw",
    ["", "02 9000 0000", "0412 345 67", "0412 345 6789", "+64 21 123 4567", "13 13 13", "abc"],
)
def test_landlines_short_and_foreign_numbers_are_not_mobiles(raw):
    assert au_mobile_e164(raw) is None


# --- Backends --------------------------------------------------------------------------


def test_the_file_backend_writes_each_message_to_a_file_of_its_own(tmp_path, settings):
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    FileBackend().send(SmsMessage(to=E164, body="First"))
    FileBackend().send(SmsMessage(to=E164, body="Second"))
    texts = sorted(p.read_text() for p in (tmp_path / "sms").iterdir())
    assert texts == [f"To: {E164}\n\nFirst\n", f"To: {E164}\n\nSecond\n"]


def test_the_locmem_backend_collects_messages():
    LocmemBackend().send(SmsMessage(to=E164, body="Hello"))
    assert sms.outbox == [SmsMessage(to=E164, body="Hello")]


def test_the_console_backend_prints_the_message(capsys):
    sms.ConsoleBackend().send(SmsMessage(to=E164, body="Hello"))
    assert "Hello" in capsys.readouterr().out


# --- Twilio's Messages API, against a local fake server --------------------------------


class FakeTwilio:
    """A local HTTP server answering Twilio's Messages API with a set status."""

    def __init__(self) -> None:
        self.status = 201
        self.delay = 0.0
        self.reply: dict[str, object] = {"sid": "SM1", "status": "queued"}
        self.requests: list[dict[str, object]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                fake.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers["Authorization"],
                        "form": {k: v[0] for k, v in parse_qs(body).items()},
                    }
                )
                time.sleep(fake.delay)
                payload = json.dumps(fake.reply).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def twilio(settings) -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    settings.SMS_BACKEND = "bookings.sms.TwilioBackend"
    settings.STANCE_SMS_API_URL = fake.url
    settings.STANCE_SMS_ACCOUNT_SID = "AC123"
    settings.STANCE_SMS_AUTH_TOKEN = "secret"
    settings.STANCE_SMS_FROM = "+61400000001"
    yield fake
    fake.close()


def test_twilio_gets_the_message_with_basic_auth_and_form_fields(twilio):
    TwilioBackend().send(SmsMessage(to=E164, body="Hello"))
    (request,) = twilio.requests
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["auth"] == "Basic QUMxMjM6c2VjcmV0"  # AC123:secret
    assert request["form"] == {"To": E164, "From": "+61400000001", "Body": "Hello"}


def test_a_twilio_400_is_permanent_and_its_reason_has_no_number(twilio):
    twilio.status = 400
    twilio.reply = {"code": 21211, "message": f"The 'To' number {E164} is not valid."}
    with pytest.raises(SmsError) as caught:
        TwilioBackend().send(SmsMessage(to=E164, body="Hello"))
    assert caught.value.permanent is True
    assert str(caught.value) == "The SMS provider refused the message (HTTP 400, code 21211)."


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_twilio_429_or_5xx_is_transient(twilio, status):
    twilio.status = status
    with pytest.raises(SmsError) as caught:
        TwilioBackend().send(SmsMessage(to=E164, body="Hello"))
    assert caught.value.permanent is False


def test_a_provider_that_does_not_answer_in_time_is_transient(twilio, settings):
    settings.STANCE_SMS_TIMEOUT_SECONDS = 0.2
    twilio.delay = 1.0
    with pytest.raises(SmsError) as caught:
        TwilioBackend().send(SmsMessage(to=E164, body="Hello"))
    assert caught.value.permanent is False


def test_no_credentials_is_a_permanent_error_without_a_request(twilio, settings):
    settings.STANCE_SMS_AUTH_TOKEN = ""
    with pytest.raises(SmsError) as caught:
        TwilioBackend().send(SmsMessage(to=E164, body="Hello"))
    assert caught.value.permanent is True
    assert twilio.requests == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_refused_connection_is_transient(settings, twilio):
    settings.STANCE_SMS_API_URL = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(SmsError) as caught:
        TwilioBackend().send(SmsMessage(to=E164, body="Hello"))
    assert (caught.value.permanent, caught.value.unreachable) == (False, True)


# --- Planning by the patient's choice --------------------------------------------------


def _patient(world, channel, phone=MOBILE):
    Patient.objects.filter(pk=world.patient.pk).update(reminder_channel=channel, phone=phone)
    world.patient.refresh_from_db()
    return world.patient


def _book(world, *, now=None):
    now = now or f.next_weekday_at(world.clinic, 1, 10) - timedelta(days=3)
    start = f.next_weekday_at(world.clinic, 1, 10)
    return appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=world.patient,
        source=Appointment.Source.STAFF,
        now=now,
    )


def _reminders(appointment, channel):
    return list(
        Notification.objects.filter(appointment=appointment, kind=Kind.REMINDER, channel=channel)
    )


def _send_due(row):
    return notification_send(notification_id=row.pk, now=row.due_at)


def test_a_patient_who_chose_email_gets_no_text_reminders(world):
    _patient(world, Patient.ReminderChannel.EMAIL)
    appointment = _book(world)
    assert _reminders(appointment, Channel.SMS) == []
    assert len(_reminders(appointment, Channel.EMAIL)) == 2


def test_a_patient_who_chose_text_gets_texts_and_no_reminder_email(world):
    _patient(world, Patient.ReminderChannel.SMS)
    appointment = _book(world)
    texts = _reminders(appointment, Channel.SMS)
    assert len(texts) == 2
    for email_row in _reminders(appointment, Channel.EMAIL):
        assert _send_due(email_row) == "void"
        email_row.refresh_from_db()
        assert email_row.last_error == "The patient chose reminders by text message."
    assert mail.outbox == []
    for text in texts:
        assert _send_due(text) == "sent"
    assert [m.to for m in sms.outbox] == [E164, E164]
    body = sms.outbox[0].body
    assert body.startswith(f"{world.clinic.name}: hi Pat, a reminder of your visit on ")
    assert "10:00 am (Sydney time) with Sam Lee. To change or cancel: http" in body
    assert "/manage/" in body
    assert world.service.name not in body  # nothing clinical
    assert world.patient.last_name not in body


def test_a_patient_who_chose_both_gets_an_email_and_a_text(world):
    _patient(world, Patient.ReminderChannel.BOTH)
    appointment = _book(world)
    email_row = _reminders(appointment, Channel.EMAIL)[0]
    text = _reminders(appointment, Channel.SMS)[0]
    assert (_send_due(email_row), _send_due(text)) == ("sent", "sent")
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1


def test_a_patient_who_chose_text_without_a_mobile_gets_email_and_staff_see_why(world):
    _patient(world, Patient.ReminderChannel.SMS, phone="02 9000 0000")
    appointment = _book(world)
    text = _reminders(appointment, Channel.SMS)[0]
    email_row = _reminders(appointment, Channel.EMAIL)[0]
    assert _send_due(text) == "void"
    assert _send_due(email_row) == "sent"
    text.refresh_from_db()
    assert text.last_error == (
        "No Australian mobile number on the patient's record: reminded by email."
    )
    assert sms.outbox == [] and len(mail.outbox) == 1


def test_a_moved_visit_voids_its_text_reminders_and_plans_new_ones(world):
    _patient(world, Patient.ReminderChannel.SMS)
    now = f.next_weekday_at(world.clinic, 1, 10) - timedelta(days=3)
    appointment = _book(world, now=now)
    old = {r.pk for r in _reminders(appointment, Channel.SMS)}
    appointment = appointment_reschedule(
        appointment=appointment,
        start=appointment.start + timedelta(hours=2),
        by_user=None,
        as_staff=True,
        now=now,
    )
    rows = _reminders(appointment, Channel.SMS)
    assert {r.status for r in rows if r.pk in old} == {Status.VOID}
    assert {r.status for r in rows if r.pk not in old} == {Status.PENDING}
    assert len(rows) == 4


def test_turning_reminders_off_stops_the_texts_too(world):
    _patient(world, Patient.ReminderChannel.SMS)
    appointment = _book(world)
    Patient.objects.filter(pk=world.patient.pk).update(reminders_opt_out=True)
    text = _reminders(appointment, Channel.SMS)[0]
    assert _send_due(text) == "void"
    assert sms.outbox == []


def test_choosing_text_later_plans_texts_for_visits_ahead_and_email_again_stops_them(world):
    appointment = _book(world)
    assert _reminders(appointment, Channel.SMS) == []
    now = appointment.start - timedelta(days=2)
    patient_set_reminder_channel(patient=world.patient, channel="sms", now=now)
    texts = _reminders(appointment, Channel.SMS)
    assert len(texts) == 2
    patient_set_reminder_channel(patient=world.patient, channel="email", now=now)
    assert _send_due(texts[0]) == "void"
    texts[0].refresh_from_db()
    assert texts[0].last_error == "The patient chose reminders by email."


def test_an_unknown_choice_is_refused(world):
    with pytest.raises(DomainError):
        patient_set_reminder_channel(patient=world.patient, channel="pigeon")


def test_the_database_refuses_a_text_that_is_not_a_reminder(world):
    from django.db import IntegrityError, transaction

    appointment = _book(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            patient=world.patient,
            appointment=appointment,
            kind=Kind.CONFIRMATION,
            channel=Channel.SMS,
            due_at=appointment.start,
        )


# --- Sending through Twilio: failures and retries --------------------------------------


def _text_row(world):
    _patient(world, Patient.ReminderChannel.SMS)
    return _reminders(_book(world), Channel.SMS)[0]


def test_a_text_is_sent_through_twilio_once(world, twilio):
    row = _text_row(world)
    assert _send_due(row) == "sent"
    assert _send_due(row) == "skipped"
    assert len(twilio.requests) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)


def test_a_twilio_400_fails_the_row_at_once_without_the_number(world, twilio):
    twilio.status = 400
    twilio.reply = {"code": 21211, "message": f"The 'To' number {E164} is not valid."}
    row = _text_row(world)
    assert _send_due(row) == "failed"
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert "21211" in row.last_error
    assert "412" not in row.last_error and "0412" not in row.last_error


def test_a_twilio_503_hands_the_row_back_for_a_retry_that_then_succeeds(world, twilio):
    twilio.status = 503
    row = _text_row(world)
    with pytest.raises(TransientEmailError) as caught:
        _send_due(row)
    assert caught.value.attempts == 1
    row.refresh_from_db()
    assert (row.status, row.last_error) == (
        Status.QUEUED,
        "The SMS provider is busy or failing (HTTP 503).",
    )
    twilio.status = 201
    assert _send_due(row) == "sent"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)


def test_a_refused_connection_hands_the_row_back(world, twilio, settings):
    settings.STANCE_SMS_API_URL = f"http://127.0.0.1:{_closed_port()}"
    row = _text_row(world)
    with pytest.raises(TransientEmailError):
        _send_due(row)
    row.refresh_from_db()
    assert row.status == Status.QUEUED


def test_a_text_out_of_tries_fails(world, twilio, settings):
    settings.STANCE_EMAIL_MAX_ATTEMPTS = 1
    twilio.status = 503
    row = _text_row(world)
    assert _send_due(row) == "failed"
    row.refresh_from_db()
    assert row.last_error.startswith("Gave up after 1 tries.")


def test_a_provider_that_is_down_delays_only_the_text_in_a_batch_of_emails(world, twilio):
    _patient(world, Patient.ReminderChannel.BOTH)
    appointment = _book(world)
    due = appointment.start - timedelta(hours=2)
    rows = Notification.objects.filter(appointment=appointment, kind=Kind.REMINDER, due_at=due)
    rows.update(due_at=timezone.now() - timedelta(minutes=1))  # a batch sends what is due now
    rows = Notification.objects.filter(
        appointment=appointment, kind=Kind.REMINDER, lead_minutes=120
    )
    twilio.status = 503
    text = rows.get(channel=Channel.SMS)
    email_row = rows.get(channel=Channel.EMAIL)
    ids = [text.pk, email_row.pk]
    with mock.patch.object(outbox, "_publish", return_value=True) as retry:
        outcomes = notifications_send_batch(ids=ids)
    assert outcomes == {"retry": 1, "sent": 1}
    retry.assert_called_once()
    assert len(mail.outbox) == 1
    text.refresh_from_db()
    assert text.status == Status.QUEUED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_text_send_it_once(world):
    row = _text_row(world)
    results = _in_threads(lambda: _send_due(row), lambda: _send_due(row))
    assert sorted(map(str, results)) == ["sent", "skipped"]
    assert len(sms.outbox) == 1


# --- The reminders page: the patient's choice ------------------------------------------


def _url(patient):
    return reverse("bookings:reminders-opt-out", args=[opt_out_token_for(patient)])


def test_the_reminders_page_offers_the_choice_with_the_mobile_partly_shown(client, world):
    _patient(world, Patient.ReminderChannel.EMAIL)
    response = client.get(_url(world.patient))
    assert response.status_code == 200
    assert "How would you like your reminders?" in response.text
    assert "To your mobile, 04xx xxx 678." in response.text
    assert MOBILE not in response.text


def test_the_patient_chooses_text_messages_on_the_reminders_page(client, world):
    _patient(world, Patient.ReminderChannel.EMAIL)
    response = client.post(_url(world.patient), {"action": "channel", "reminder_channel": "sms"})
    assert response.status_code == 200
    assert "Saved: your reminders come by text message." in response.text
    world.patient.refresh_from_db()
    assert world.patient.reminder_channel == "sms"
    world.other_patient.refresh_from_db()
    assert world.other_patient.reminder_channel == "email"


def test_text_without_a_mobile_is_refused_next_to_the_field(client, world):
    _patient(world, Patient.ReminderChannel.EMAIL, phone="02 9000 0000")
    response = client.post(_url(world.patient), {"action": "channel", "reminder_channel": "both"})
    assert response.status_code == 200
    html = response.text
    assert "There is a problem" in html
    assert 'href="#id_reminder_channel_0"' in html
    assert 'id="id_reminder_channel_error"' in html
    assert "We have no Australian mobile number for you" in html
    world.patient.refresh_from_db()
    assert world.patient.reminder_channel == "email"


def test_a_choice_that_is_not_offered_is_refused_next_to_the_field(client, world):
    response = client.post(_url(world.patient), {"action": "channel", "reminder_channel": "fax"})
    assert response.status_code == 200
    assert "Select email, text message or both" in response.text
    world.patient.refresh_from_db()
    assert world.patient.reminder_channel == "email"


def test_a_bad_link_cannot_change_the_choice(client, world):
    url = reverse("bookings:reminders-opt-out", args=["not-a-token"])
    response = client.post(url, {"action": "channel", "reminder_channel": "sms"})
    assert response.status_code == 404
    world.patient.refresh_from_db()
    assert world.patient.reminder_channel == "email"


# --- Staff set the choice on the patient's page ----------------------------------------


def _staff_url(patient):
    return reverse("bookings:staff-patient-reminder-channel", args=[patient.code])


def test_reception_set_text_messages_and_the_page_says_why_email_goes_instead(
    client_as_reception, world
):
    _patient(world, Patient.ReminderChannel.EMAIL, phone="02 9000 0000")
    response = client_as_reception.post(
        _staff_url(world.patient), {"reminder_channel": "sms"}, follow=True
    )
    assert response.status_code == 200
    html = response.text
    assert "Reminders now go by text message." in html
    assert "no Australian mobile number on record, so they go by email" in html
    world.patient.refresh_from_db()
    assert world.patient.reminder_channel == "sms"


def test_staff_get_a_message_for_a_choice_that_is_not_offered(client_as_reception, world):
    response = client_as_reception.post(
        _staff_url(world.patient), {"reminder_channel": "fax"}, follow=True
    )
    assert "Choose email, text message or both." in response.text
    world.patient.refresh_from_db()
    assert world.patient.reminder_channel == "email"


def test_patients_and_other_clinics_cannot_set_the_choice(
    client_as_patient, client_as_outsider, world
):
    for client in (client_as_patient, client_as_outsider):
        response = client.post(_staff_url(world.patient), {"reminder_channel": "sms"})
        assert response.status_code == 404
    world.patient.refresh_from_db()
    assert world.patient.reminder_channel == "email"
