"""The worker's kept SMTP connection (bookings/mailer.py): many emails over one
connection, a dropped connection replaced before the next email, a failed send never
retried on the spot, and one file per email when the mailer writes files."""

from __future__ import annotations

import re
import smtplib
import threading
from collections.abc import Iterator
from typing import Any

from django.core.mail import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from bookings import mailer
from bookings.mailer import mail_send
from tests.outbox import free_port


class _Recorder:
    def __init__(self, data_replies: list[str], mail_replies: list[str]) -> None:
        self.lock = threading.Lock()
        self.data_replies = data_replies
        self.mail_replies = mail_replies
        self.accepted: list[tuple[str, int]] = []  # (subject, client port)
        self.commands: list[str] = []

    async def handle_NOOP(self, server: Any, session: Any, envelope: Any, arg: str) -> str:  # noqa: N802
        with self.lock:
            self.commands.append("NOOP")
        return "250 OK"

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            self.commands.append("MAIL")
            if self.mail_replies and len(self.commands) > 1:  # not on the first email
                return self.mail_replies.pop(0)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            subject = next(
                line.split(b":", 1)[1].strip().decode()
                for line in envelope.original_content.splitlines()
                if line.lower().startswith(b"subject:")
            )
            self.accepted.append((subject, session.peer[1]))
        return "250 OK"


class Server:
    def __init__(
        self,
        port: int,
        data_replies: list[str] | None = None,
        mail_replies: list[str] | None = None,
    ) -> None:
        self.port = port
        self.recorder = _Recorder(list(data_replies or []), list(mail_replies or []))
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=port)

    @property
    def accepted(self) -> list[tuple[str, int]]:
        with self.recorder.lock:
            return list(self.recorder.accepted)


@pytest.fixture(autouse=True)
def _fresh_connection() -> Iterator[None]:
    yield
    kept = getattr(mailer._local, "kept", None)
    if kept is not None:
        mailer._forget(kept[1])


def _smtp_mailers(port: int) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def _email(subject: str) -> EmailMessage:
    return EmailMessage(subject, "Body.", "clinic@example.org", ["pat@example.org"])


def _serve(server: Server) -> Server:
    server.controller.start()
    return server


def test_emails_go_out_over_one_kept_connection(settings: Any) -> None:
    server = _serve(Server(free_port()))
    settings.MAILERS = _smtp_mailers(server.port)
    try:
        for n in range(3):
            mail_send(_email(f"Message {n}"))
    finally:
        server.controller.stop()

    subjects = [s for s, _ in server.accepted]
    ports = {p for _, p in server.accepted}
    assert subjects == ["Message 0", "Message 1", "Message 2"]
    assert len(ports) == 1
    assert server.recorder.commands == ["MAIL"] * 3  # no NOOP round trip before each


def test_a_kept_connection_the_server_is_closing_is_replaced_and_the_email_sent_once(
    settings: Any,
) -> None:
    """A 421 to MAIL FROM on a kept connection (the server timing it out): nothing was
    handed over, so the same email goes once over a new connection."""
    server = _serve(Server(free_port(), mail_replies=["421 4.4.2 Idle too long"]))
    settings.MAILERS = _smtp_mailers(server.port)
    try:
        mail_send(_email("First"))
        mail_send(_email("Second"))
        mail_send(_email("Third"))
    finally:
        server.controller.stop()

    assert [s for s, _ in server.accepted] == ["First", "Second", "Third"]
    ports = [p for _, p in server.accepted]
    assert ports[0] != ports[1] == ports[2]


def test_a_421_on_a_new_connection_is_raised(settings: Any) -> None:
    """The first command on a connection just opened is no check of an old one: its 421
    goes to the outbox (which retries later), not round again."""
    server = _serve(Server(free_port(), mail_replies=["421 4.3.2 Busy", "421 4.3.2 Busy"]))
    settings.MAILERS = _smtp_mailers(server.port)
    try:
        mail_send(_email("First"))
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            mail_send(_email("Second"))
    finally:
        server.controller.stop()

    assert refused.value.smtp_code == 421
    assert [s for s, _ in server.accepted] == ["First"]
    assert server.recorder.commands == ["MAIL"] * 3


def test_a_connection_the_server_dropped_is_replaced_before_the_next_email(
    settings: Any,
) -> None:
    port = free_port()
    first = _serve(Server(port))
    settings.MAILERS = _smtp_mailers(port)
    mail_send(_email("Before the restart"))
    first.controller.stop()  # the mail server restarts: our kept connection is dead
    second = _serve(Server(port))
    try:
        mail_send(_email("After the restart"))
    finally:
        second.controller.stop()

    assert [s for s, _ in first.accepted] == ["Before the restart"]
    assert [s for s, _ in second.accepted] == ["After the restart"]


def test_a_refused_send_is_raised_and_the_next_email_uses_a_new_connection(
    settings: Any,
) -> None:
    server = _serve(Server(free_port(), data_replies=["421 4.3.2 Try again later"]))
    settings.MAILERS = _smtp_mailers(server.port)
    try:
        with pytest.raises(smtplib.SMTPDataError):
            mail_send(_email("Refused"))
        assert server.accepted == []  # not retried on the spot
        mail_send(_email("Accepted"))
        mail_send(_email("Accepted too"))
    finally:
        server.controller.stop()

    assert [s for s, _ in server.accepted] == ["Accepted", "Accepted too"]


def test_the_file_mailer_still_writes_one_file_per_email(settings: Any, tmp_path: Any) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "bookings.mailer.OneFilePerEmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }

    mail_send(_email("One"))
    mail_send(_email("Two"))

    assert len(list(tmp_path.iterdir())) == 2


def test_a_message_is_written_exactly_as_djangos_smtp_backend_writes_it() -> None:
    """mail_send writes with SMTP_POLICY (a header registry that makes one class per header
    name instead of one per header): the bytes are Django's SMTP backend's own."""
    import email.policy
    import re

    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(
        subject="Rappel : votre séance de kinésithérapie " + "très " * 12,
        body="Bonjour Zoë,\n\n" + "Une ligne de texte assez longue pour être repliée. " * 4,
        from_email="Clinique Élan <bookings@stance.example>",
        to=["Zoë Müller <zoe@example.org>", "pat@example.org"],
        reply_to=["hello@harbour.example"],
        headers={
            "Message-ID": "<stance.1.2@stance.example>",
            "Date": "Tue, 01 Dec 2026 10:00:00 +0000",
            "List-Unsubscribe": "<http://127.0.0.1:8000/reminders/" + "x" * 90 + "/>",
        },
    )
    message.attach_alternative("<p>Bonjour Zoë</p>" * 30, "text/html")
    message.attach("appointment.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")

    def written(policy: email.policy.Policy) -> bytes:
        raw = message.message(policy=policy).as_bytes()
        return re.sub(rb"={15}\d+==", b"BOUNDARY", raw)

    assert written(mailer.SMTP_POLICY) == written(email.policy.SMTP)


@pytest.mark.parametrize(
    "address",
    [
        "pat@example.org",
        "o'brien+visits@mail.example.com.au",
        "Pat Lee <pat@example.org>",
        '"Lee, Pat" <pat@example.org>',
        "pat@exämple.org",
        "a..b@example.org",
        "webmaster",
    ],
)
def test_a_recipient_is_prepared_as_djangos_smtp_backend_prepares_it(
    address: str, settings: Any
) -> None:
    from django.core.mail import mailers

    settings.MAILERS = _smtp_mailers(free_port())
    backend = mailers.default
    try:
        expected = backend.prep_address(address)
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            mailer._recipient(backend, address)
    else:
        assert mailer._recipient(backend, address) == expected
