"""Sending one email, over an SMTP connection the worker keeps open between sends.

Opening an SMTP connection (TCP, greeting, EHLO, perhaps STARTTLS and a login) costs more
than sending a short message over it, so each worker process (each thread, with a
threaded pool) keeps its connection to the mail server. Before a send it checks the
connection with NOOP and opens a new one if the server has dropped it (idle timeout,
restart). A failure during the send itself is raised to the caller, never retried here:
the server may already have taken the message, and the outbox's rules decide what
happens next (bookings/notifications.py). After any failure the connection is closed,
so the next send starts afresh.

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
from email.headerregistry import BaseHeader, HeaderRegistry

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from bookings.mime import message_bytes

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
    backend = _kept_backend()
    if backend is None:
        message.send()
        return
    try:
        _smtp_send(backend, message)
    except BaseException:
        _forget(backend)
        raise


def _smtp_send(backend: SmtpBackend, message: EmailMessage) -> None:
    """What Django's SMTP backend does for one message (`EmailBackend._send`), written
    with SMTP_POLICY, by `message_bytes` (bookings/mime.py: the same bytes with less work;
    tests/bookings/test_mailer.py and test_mime.py check the bytes are the same)."""
    if not message.recipients():
        return
    from_email = backend.prep_address(message.from_email)
    recipients = [backend.prep_address(address) for address in message.recipients()]
    backend.connection.sendmail(from_email, recipients, message_bytes(message, SMTP_POLICY))


def _kept_backend() -> SmtpBackend | None:
    """This thread's open SMTP backend for the current settings, checked with NOOP;
    None when the default mailer is not SMTP."""
    key = (os.getpid(), repr(settings.MAILERS.get("default")))
    kept: tuple[tuple[int, str], SmtpBackend] | None = getattr(_local, "kept", None)
    if kept is not None:
        kept_key, backend = kept
        if kept_key == key and _alive(backend):
            return backend
        _forget(backend, same_process=kept_key[0] == key[0])
    fresh: BaseEmailBackend = mailers.default
    if not isinstance(fresh, SmtpBackend):
        return None
    fresh.open()  # raises (refused, timeout, greeting 4xx/5xx) like a send would
    _local.kept = (key, fresh)
    return fresh


def _alive(backend: SmtpBackend) -> bool:
    connection = backend.connection
    if connection is None:
        return False
    try:
        return connection.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def _forget(backend: SmtpBackend, *, same_process: bool = True) -> None:
    _local.kept = None
    if not same_process:
        # Inherited through fork: the socket belongs to the parent; just let go of it.
        backend.connection = None
        return
    with contextlib.suppress(Exception):  # it is being thrown away either way
        backend.close()
