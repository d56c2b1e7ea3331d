"""Test helpers for patient email: a local SMTP server that can be told to refuse, and
a way to point this process's Celery app at another broker (an in-memory one, Redis, or
a closed port) and to play the worker's part for messages left on the in-memory one.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from kombu import Connection, pools

from clinic.celery import app

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"
"""A broker that refuses every connection: Redis is down."""
MEMORY_BROKER = "memory://localhost/"
"""kombu's in-process broker: messages wait in this process until taken."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _Handler:
    """aiosmtpd handler: accepts everything unless scripted replies say otherwise."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.sink.lock:
            self.sink.rcpt_attempts += 1
            reply = self.sink.rcpt_reply
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.sink.lock:
            self.sink.data_attempts += 1
            reply = self.sink.data_replies.pop(0) if self.sink.data_replies else None
            if reply is None:
                message = email.message_from_bytes(
                    envelope.original_content or envelope.content, policy=email.policy.default
                )
                self.sink.received.append(
                    Received(envelope.mail_from, list(envelope.rcpt_tos), message)
                )
        return reply or "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps what it accepts.

    `data_replies`: replies given to the next DATA commands, in order (for example
    ["421 4.3.2 Try again later"]), then every message is accepted. `rcpt_reply`: a
    reply to every RCPT (for example "550 5.1.1 No such user").
    """

    def __init__(self, *, data_replies: list[str] | None = None, rcpt_reply: str = "") -> None:
        self.lock = threading.Lock()
        self.data_replies = list(data_replies or [])
        self.rcpt_reply = rcpt_reply
        self.received: list[Received] = []
        self.data_attempts = 0
        self.rcpt_attempts = 0
        self.port = free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]

    def mailers(self) -> dict[str, Any]:
        """A MAILERS setting that sends here over SMTP, as production does."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }


def email_parts(message: Any) -> dict[str, str]:
    """{"text/plain": ..., "text/html": ..., "text/calendar": ...} of an email, whether
    Django's (from mail.outbox) or one a server received."""
    if not isinstance(message, EmailMessage):
        message = email.message_from_bytes(
            message.message().as_bytes(), policy=email.policy.default
        )
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if not part.is_multipart()
    }


def _forget_connections() -> None:
    """Drop every pooled broker connection, so the next publish connects afresh."""
    pools.reset()
    app._pool = None
    app.__dict__.pop("amqp", None)  # its router knows the default queue; rebuilt lazily


@contextmanager
def use_broker(url: str, *, queue: str | None = None) -> Iterator[None]:
    """Point this process's Celery app at `url` (and publish to `queue`) for a while."""
    conf = app.conf
    saved = (conf.broker_url, conf.task_default_queue)
    _forget_connections()
    conf.broker_url = url
    if queue:
        conf.task_default_queue = queue
    try:
        yield
    finally:
        _forget_connections()
        conf.broker_url, conf.task_default_queue = saved


def _memory_queue() -> Any:
    return Connection(MEMORY_BROKER).SimpleQueue("celery")


def memory_broker_messages() -> list[tuple[str, list[Any], dict[str, Any]]]:
    """What is waiting on the in-memory broker, as (task name, args, kwargs), taken off."""
    found = []
    queue = _memory_queue()
    try:
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                return found
            args, kwargs, _ = message.decode()
            found.append((message.headers["task"], args, kwargs))
            message.ack()
    finally:
        queue.close()


def run_memory_broker_tasks() -> list[tuple[str, list[Any]]]:
    """Play the worker: run every task waiting on the in-memory broker, and any they
    publish in turn, until none is left. Returns (task name, args) in the order run."""
    ran = []
    while batch := memory_broker_messages():
        for name, args, kwargs in batch:
            app.tasks[name].apply(args=args, kwargs=kwargs)
            ran.append((name, args))
    return ran
