"""bookings/mime.py writes the bytes Django's SMTP backend would send for an email
(`message.message(policy=email.policy.SMTP).as_bytes()`), byte for byte: the same
random draws make the same boundaries, so the two are compared whole."""

from __future__ import annotations

import email.message
import email.policy
import random
import sys
from datetime import timedelta
from email.generator import _fmt
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

import pytest

from bookings import mime
from bookings.emails import OneLineHeader, notification_email
from bookings.mailer import SMTP_POLICY
from bookings.models import Notification
from tests import factories as f

Kind = Notification.Kind
HEADERS = {"Message-ID": "<stance.1.2@stance.example>", "Date": "Tue, 01 Dec 2026 10:00:00 +0000"}
SEED = 7


def _calendar(method: str = "REQUEST") -> email.message.MIMEPart:
    part = email.message.MIMEPart()
    part.set_content(
        "BEGIN:VCALENDAR\r\nSUMMARY:Zoë " + "x" * 100 + "\r\nEND:VCALENDAR\r\n",
        subtype="calendar",
        charset="utf-8",
        params={"method": method},
        disposition="attachment",
        filename="appointment.ics",
    )
    return part


def _email(
    *,
    subject: str = "Reminder: your visit",
    body: str = "Hello\n",
    html: str | None = "<p>Hi</p>",
    attachments: tuple[Any, ...] = (),
    headers: dict[str, Any] | None = None,
    **kwargs: Any,
) -> EmailMultiAlternatives:
    kwargs.setdefault("from_email", "Harbour Clinic <bookings@stance.example>")
    kwargs.setdefault("to", ["pat@example.org"])
    message = EmailMultiAlternatives(
        subject=subject, body=body, headers=dict(HEADERS if headers is None else headers), **kwargs
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment)
    return message


def _written(message: EmailMultiAlternatives, policy: email.policy.EmailPolicy) -> bytes | str:
    """Django's bytes and ours, from the same random state; a ValueError as its repr."""
    out = []
    for write in (
        lambda: message.message(policy=policy).as_bytes(),
        lambda: mime.message_bytes(message, policy),
    ):
        random.seed(SEED)
        try:
            out.append(write())
        except ValueError as exc:
            out.append(repr(exc))
    assert out[0] == out[1]
    return out[1]


def _fast(message: EmailMultiAlternatives) -> bool:
    random.seed(SEED)
    return mime._fast_bytes(message, SMTP_POLICY) is not None


def _colliding_boundary() -> str:
    """The first boundary the generator draws after random.seed(SEED)."""
    random.seed(SEED)
    return "=" * 15 + (_fmt % random.randrange(sys.maxsize)) + "=="  # noqa: S311


def _django_attachment() -> EmailMultiAlternatives:
    message = _email()
    message.attach("notes.txt", "hello", "text/plain")
    return message


FAST = {
    "plain": lambda: _email(),
    "non-ASCII names, long subject, Reply-To": lambda: _email(
        subject="Rappel : votre séance de kinésithérapie " + "très " * 12,
        body="Bonjour Zoë,\n\n" + "Une ligne de texte assez longue pour être repliée. " * 4,
        from_email="Clinique Élan <bookings@stance.example>",
        to=["Zoë Müller <zoe@example.org>", "pat@example.org"],
        reply_to=["hello@harbour.example"],
        html="<p>Bonjour Zoë</p>" * 30,
    ),
    "encoded-word From (formataddr)": lambda: _email(
        from_email="=?utf-8?q?Clinique_=C3=89lan?= <bookings@stance.example>"
    ),
    "one-line List-Unsubscribe": lambda: _email(
        headers={
            **HEADERS,
            "List-Unsubscribe": OneLineHeader(
                "List-Unsubscribe", "<http://127.0.0.1:8000/reminders/" + "x" * 90 + "/>"
            ),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    ),
    "no Date or Message-ID given": lambda: _email(headers={}),
    "calendar attachment": lambda: _email(attachments=(_calendar(),)),
    "two attachments, Cc, two Reply-To": lambda: _email(
        attachments=(_calendar(), _calendar("CANCEL")),
        cc=["c@example.org"],
        reply_to=["a@example.org", "Dé <d@example.org>"],
    ),
    "8bit body, mixed line ends": lambda: _email(body="short\r\nlines\rmixed\n" + "é" * 10),
    "long ASCII line": lambda: _email(body="a" * 200 + "\n"),
    "long non-ASCII text": lambda: _email(body="é" * 200),
    "a boundary-like line": lambda: _email(html="--" + "=" * 15),
    "a line that is the boundary": lambda: _email(html=f"x\n--{_colliding_boundary()}\ny"),
}
THROUGH_DJANGO = {
    "non-ASCII domain (IDNA)": lambda: _email(to=["x@exämple.org"]),
    "no alternative": lambda: _email(html=None),
    "a second Subject": lambda: _email(headers={**HEADERS, "Subject": "Again"}),
    "a Django attachment": lambda: _django_attachment(),
}


@pytest.mark.parametrize("name", FAST)
@pytest.mark.parametrize("policy", [SMTP_POLICY, email.policy.SMTP], ids=["ours", "SMTP"])
def test_the_bytes_are_djangos(name: str, policy: email.policy.EmailPolicy) -> None:
    message = FAST[name]()
    assert _fast(message)
    if name == "no Date or Message-ID given":
        return  # compared below, without those two lines (they differ by the moment)
    _written(message, policy)


def test_a_date_and_message_id_are_added_as_django_adds_them() -> None:
    message = FAST["no Date or Message-ID given"]()
    random.seed(SEED)
    django = message.message(policy=SMTP_POLICY).as_bytes()
    random.seed(SEED)
    ours = mime.message_bytes(message, SMTP_POLICY)

    def without(raw: bytes) -> list[bytes]:
        return [x for x in raw.split(b"\r\n") if not x.startswith((b"Date:", b"Message-ID:"))]

    assert without(django) == without(ours)
    assert ours.count(b"\r\nDate: ") == 1 and ours.count(b"\r\nMessage-ID: <") == 1


def test_a_line_that_is_the_boundary_is_left_as_the_generator_leaves_it() -> None:
    """The generator looks for its boundary with `$` in CRLF text, where it never matches
    (so it keeps the boundary): the same bytes either way."""
    raw = _written(FAST["a line that is the boundary"](), SMTP_POLICY)
    assert f"\r\n--{_colliding_boundary()}\r\ny".encode() in raw


@pytest.mark.parametrize("name", THROUGH_DJANGO)
def test_what_it_does_not_write_itself_goes_through_django(name: str) -> None:
    message = THROUGH_DJANGO[name]()
    assert not _fast(message)
    _written(message, SMTP_POLICY)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind", [Kind.REMINDER, Kind.CONFIRMATION, Kind.RESCHEDULE, Kind.CANCELLATION]
)
def test_each_kind_of_appointment_email_is_written_as_django_writes_it(world, kind) -> None:
    world.clinic.name = "Clinique Élan & Co."
    world.clinic.save(update_fields=["name"])
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 2, 9),
        location=world.location,
    )
    row = Notification.objects.create(
        patient=world.patient,
        appointment=appointment,
        kind=kind,
        lead_minutes=120 if kind == Kind.REMINDER else None,
        due_at=timezone.now() - timedelta(seconds=1),
        appointment_start_snapshot=appointment.start,
    )
    row = Notification.objects.select_related(
        "patient__clinic", "appointment__practitioner__clinic", "appointment__location"
    ).get(pk=row.pk)
    message = notification_email(row)
    message.extra_headers.setdefault("Date", "Tue, 01 Dec 2026 10:00:00 +0000")
    assert _fast(message)
    raw = _written(message, SMTP_POLICY)
    from_line = next(x for x in raw.split(b"\r\n") if x.startswith(b"From: "))
    assert b"=?utf-8?" in from_line  # the clinic's name, RFC 2047 encoded
    if kind == Kind.REMINDER:
        assert b"\r\nList-Unsubscribe: <http://" in raw
    if kind in (Kind.CONFIRMATION, Kind.RESCHEDULE, Kind.CANCELLATION):
        assert b"Content-Type: text/calendar" in raw


# Headers written without parsing (`_as_is`, `_multipart_content_type`): wherever the
# shortcut answers, its bytes are the email package's; where it cannot be sure, it leaves
# the header to the email package.
AS_IS = {
    "Subject": [
        "Reminder: your visit tomorrow at 9:00 am",
        "Reminder: " + "x" * 59,  # 78 characters with the name: one line
        "Reminder: " + "x" * 60,  # 79: folded
        "Two  spaces",
        " leading space",
        "trailing space ",
        "a\ttab",
        "=?utf-8?q?Caf=C3=A9?=",  # an encoded word: the parser decodes it
        "Ends with =?",
        '(a comment?) [brackets] <angle> "quotes" back\\slash',
        "Zoë's visit",
        "",
    ],
    "To": [
        "pat@example.org",
        "o'brien+visits@mail.example.com.au",
        "a..b@example.org",
        ".a@example.org",
        "a.@example.org",
        "a@example.org.",
        "a@[127.0.0.1]",
        "Pat <pat@example.org>",
        '"Pat Lee"@example.org',
        "pat@exämple.org",
        "a@b, c@d",
        "webmaster",
        "x" * 70 + "@example.org",
    ],
    "Message-ID": [
        "<stance.12.1764633600@stance.example>",
        "<a..b@example.org>",
        "<no-domain>",
        "stance.1.2@stance.example",
        "<a@b> trailing",
        "<" + "x" * 70 + "@stance.example>",
    ],
}


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name, values in AS_IS.items() for value in values]
)
@pytest.mark.parametrize("policy", [SMTP_POLICY, email.policy.SMTP], ids=["ours", "SMTP"])
def test_a_header_written_as_is_is_what_the_email_package_writes(name, value, policy) -> None:
    ours = mime._as_is(name, value, policy)
    if ours is not None:
        assert ours == mime._fold(name, value, policy)[0]


def test_the_usual_headers_are_written_as_is() -> None:
    now = timezone.now()
    for name, value in [
        ("Subject", AS_IS["Subject"][0]),
        ("To", AS_IS["To"][1]),
        ("Message-ID", AS_IS["Message-ID"][0]),
        ("Date", now),
    ]:
        assert mime._as_is(name, value, SMTP_POLICY) == mime._fold(name, value, SMTP_POLICY)[0]
    for value in ("a..b@example.org", "Pat <pat@example.org>", "pat@exämple.org"):
        assert mime._as_is("To", value, SMTP_POLICY) is None


@pytest.mark.parametrize("subtype", ["multipart/alternative", "multipart/mixed"])
def test_a_multipart_content_type_is_folded_as_the_email_package_folds_it(subtype) -> None:
    draw = random.Random(SEED)  # noqa: S311 - the generator's own kind of draw
    boundaries = ["=" * 15 + _fmt % draw.randrange(sys.maxsize) + "==" for _ in range(200)]
    boundaries += ["=" * 15 + _fmt % 0 + "==", "=" * 15 + _fmt % (sys.maxsize - 1) + "=="]
    boundaries.append(boundaries[0] + ".0")  # after a collision: folded the long way
    for boundary in boundaries:
        value = f'{subtype}; boundary="{boundary}"'
        ours = mime._multipart_content_type("Content-Type", value, SMTP_POLICY)
        assert ours == mime._fold("Content-Type", value, SMTP_POLICY)[0], boundary
