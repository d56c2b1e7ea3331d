"""Sending one email, over an SMTP connection the worker keeps open between sends.

Opening an SMTP connection (TCP, greeting, EHLO, perhaps STARTTLS and a login) costs more
than sending a short message over it, so each worker process (each thread, with a
threaded pool) keeps its connection to the mail server. A kept connection is not
checked before a send (a NOOP would cost a round trip per email): the send's first
command, MAIL FROM, is the check. If the server has dropped the connection (idle
timeout, restart) or answers that first command with 421 (closing), nothing has been
handed over yet, so the message goes once more over a new connection. A failure after
that point is raised to the caller, never retried here: the server may already have
taken the message, and the outbox's rules decide what happens next
(bookings/notifications.py). After any failure the connection is closed, so the next
send starts afresh.

Only SMTP connections are kept. Other backends (files under var/mail/ with `make run`,
the test suite's in-memory outbox) get a fresh backend per message as before: the file
backend writes one file per connection, and one file per email is what a person reads.

Over SMTP the message is written as Django's SMTP backend writes it, with one change that
makes it cheaper (`SMTP_POLICY`), by `message_bytes` (bookings/mime.py), which writes the
same bytes in one pass: building a message is most of the CPU a send costs.
"""

from __future__ import annotations

import contextlib
import email.policy
import functools
import os
import smtplib
import threading
import uuid
from datetime import datetime
from email.headerregistry import BaseHeader, HeaderRegistry

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from bookings.mime import ADDR_SPEC, message_bytes

_local = threading.local()


class _HeaderClassPerName(HeaderRegistry):
    """The email package's header registry makes a new class for each header it parses
    (`type(...)` in HeaderRegistry.__getitem__): a quarter of the time it takes to build
    a reminder. One class per header name does the same job."""

    @functools.cache  # noqa: B019 - one registry for the life of the process
    def __getitem__(self, name: str) -> type[BaseHeader]:
        return super().__getitem__(name)


SMTP_POLICY = email.policy.SMTP.clone(header_factory=_HeaderClassPerName())
"""What Django's SMTP backend writes messages with (email.policy.SMTP), same output."""


def mail_send(message: EmailMessage) -> None:
    """Send `message` with the default mailer; raises what the backend raises."""
    backend, kept = _kept_backend()
    if backend is None:
        message.send()
        return
    try:
        if not _smtp_send(backend, message, kept=kept):
            _forget(backend)  # it was dead before anything was handed over: once more
            backend, _ = _kept_backend()
            assert backend is not None  # noqa: S101 - it was SMTP a moment ago
            _smtp_send(backend, message, kept=False)
    except BaseException:
        _forget(backend)
        raise


def _smtp_send(backend: SmtpBackend, message: EmailMessage, *, kept: bool) -> bool:
    """What Django's SMTP backend does for one message (`EmailBackend._send`), written
    with SMTP_POLICY, by `message_bytes` (bookings/mime.py: the same bytes with less work;
    tests/bookings/test_mailer.py and test_mime.py check the bytes are the same).

    The commands are smtplib's `sendmail`, step by step, so that a `kept` connection
    found dead at its first command can say so: False, and nothing was handed over."""
    if not message.recipients():
        return True
    sender = _sender(backend, message.from_email)
    recipients = [_recipient(backend, address) for address in message.recipients()]
    data = message_bytes(message, SMTP_POLICY)
    connection: smtplib.SMTP = backend.connection
    connection.ehlo_or_helo_if_needed()
    options = [f"size={len(data)}"] if connection.does_esmtp and connection.has_extn("size") else []
    try:
        code, reply = connection.mail(sender, options)
    except (smtplib.SMTPServerDisconnected, OSError):
        if kept:
            return False
        raise
    if code != 250:
        if code == 421 and kept:
            return False
        _reset_or_close(connection, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = connection.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
        if code == 421:
            connection.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(recipients):
        _reset_or_close(connection, 0)
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = connection.data(data)
    if code != 250:
        _reset_or_close(connection, code)
        raise smtplib.SMTPDataError(code, reply)
    return True


def _reset_or_close(connection: smtplib.SMTP, code: int) -> None:
    """As `sendmail` leaves a connection after a refusal: closed after 421, else RSET."""
    if code == 421:
        connection.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        connection.rset()


def _sender(backend: SmtpBackend, address: str) -> str:
    """`backend.prep_address(address)`, once per backend and sender: the clinic's address
    is the same on every email, and parsing it is a tenth of what a send costs."""
    memo: tuple[str, str] | None = getattr(backend, "_stance_sender", None)
    if memo is None or memo[0] != address:
        memo = (address, backend.prep_address(address))
        backend._stance_sender = memo  # type: ignore[attr-defined]
    return memo[1]


def _recipient(backend: SmtpBackend, address: str) -> str:
    """`backend.prep_address(address)`: a bare ASCII address (a patient's, as the emails
    are addressed) is its own addr-spec, without parsing it."""
    if type(address) is str and ADDR_SPEC.fullmatch(address):
        return address
    return backend.prep_address(address)


def _kept_backend() -> tuple[SmtpBackend | None, bool]:
    """This thread's open SMTP backend for the current settings, and whether it was kept
    from an earlier send (True) or opened now; (None, False) when the default mailer is
    not SMTP."""
    key = (os.getpid(), repr(settings.MAILERS.get("default")))
    kept: tuple[tuple[int, str], SmtpBackend] | None = getattr(_local, "kept", None)
    if kept is not None:
        kept_key, backend = kept
        if kept_key == key and backend.connection is not None:
            return backend, True
        _forget(backend, same_process=kept_key[0] == key[0])
    fresh: BaseEmailBackend = mailers.default
    if not isinstance(fresh, SmtpBackend):
        return None, False
    fresh.open()  # raises (refused, timeout, greeting 4xx/5xx) like a send would
    _local.kept = (key, fresh)
    return fresh, False


def _forget(backend: SmtpBackend, *, same_process: bool = True) -> None:
    _local.kept = None
    if not same_process:
        # Inherited through fork: the socket belongs to the parent; just let go of it.
        backend.connection = None
        return
    with contextlib.suppress(Exception):  # it is being thrown away either way
        backend.close()


class OneFilePerEmailBackend(FileBackend):
    """Django's file mailer, writing each connection's emails (one, with `mail_send`) to
    a file of its own. Django's names a file by the second and `id(self)`, and a backend
    made after another is freed often has the same id: two emails in one second would
    share a file."""

    def _get_filename(self) -> str:
        if self._fname is None:
            stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")  # local time
            self._fname = os.path.join(self.file_path, f"{stamp}-{uuid.uuid4().hex[:12]}.eml")
        return self._fname
