"""Text messages (SMS) behind a pluggable backend, like Django's mailers.

`settings.SMS_BACKEND` names the backend class by dotted path (env `STANCE_SMS_BACKEND`):

- `bookings.sms.FileBackend` (the default): each message a file of its own under
  var/sms/, for development, as clinic.mail does for email.
- `bookings.sms.ConsoleBackend`: each message printed to standard output.
- `bookings.sms.LocmemBackend`: messages collected in `bookings.sms.outbox` (tests).
- `bookings.sms.TwilioBackend`: Twilio's Messages API over HTTPS (standard library only),
  at `STANCE_SMS_API_URL` with `STANCE_SMS_ACCOUNT_SID`, `STANCE_SMS_AUTH_TOKEN` and
  `STANCE_SMS_FROM`.

A backend sends one message or raises `SmsError`, saying whether trying again later could
help (connection refused, timeout, HTTP 429 or 5xx) or not (any other 4xx). Its reason
never holds the phone number. Only reminders go by text (bookings/notifications.py
plans and sends them through the same outbox as email).
"""

from __future__ import annotations

import base64
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

from bookings.models import Notification
from bookings.tokens import manage_token_for
from clinic.lib.time import when_label, zone_label

_NOT_DIGITS = re.compile(r"[\s\-().]")
_AU_MOBILE = re.compile(r"4\d{8}")


def au_mobile_e164(raw: str) -> str | None:
    """An Australian mobile number in E.164 (`+614XXXXXXXX`), or None if `raw` is not one.

    Takes the ways people write them: `0412 345 678`, `(04) 1234-5678`, `+61 412 345 678`,
    `+61 (0)412 345 678`, `61412345678`, `0061 412 345 678`. Landlines, short numbers and
    numbers of other countries give None.
    """
    text = raw.strip().replace("(0)", "")
    digits = _NOT_DIGITS.sub("", text)
    if digits.startswith("+61"):
        rest = digits[3:]
    elif digits.startswith("0061"):
        rest = digits[4:]
    elif digits.startswith("61") and len(digits) == 11:
        rest = digits[2:]
    elif digits.startswith("0") and len(digits) == 10:
        rest = digits[1:]
    else:
        return None
    if rest.startswith("0"):  # +61 0412 345 678
        rest = rest[1:]
    return f"+61{rest}" if _AU_MOBILE.fullmatch(rest) else None


def mobile_hint(e164: str) -> str:
    """The number as a patient recognises it without showing all of it: `04xx xxx 678`."""
    return f"04xx xxx {e164[-3:]}"


class SmsMessage(NamedTuple):
    to: str
    """E.164."""
    body: str


class SmsError(Exception):
    """The message was not sent. `permanent`: trying again will not help. The message (the
    reason) holds no phone number. `unreachable`: the provider could not be reached."""

    def __init__(self, reason: str, *, permanent: bool, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.unreachable = unreachable


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
        sys.stdout.flush()


class FileBackend(BaseSmsBackend):
    """Each message a file under settings.SMS_FILE_PATH, named by the local time."""

    def send(self, message: SmsMessage) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")  # local time
        name = f"{stamp}-{uuid.uuid4().hex[:12]}.txt"
        (folder / name).write_text(f"To: {message.to}\n\n{message.body}\n", encoding="utf-8")


outbox: list[SmsMessage] = []
"""What LocmemBackend has sent (tests empty it)."""


class LocmemBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


class TwilioBackend(BaseSmsBackend):
    """Twilio's Messages API: `POST {api}/2010-04-01/Accounts/{sid}/Messages.json` with
    basic auth and the form fields To, From and Body; 201 when Twilio has taken it."""

    def send(self, message: SmsMessage) -> None:
        sid = settings.STANCE_SMS_ACCOUNT_SID
        token = settings.STANCE_SMS_AUTH_TOKEN
        sender = settings.STANCE_SMS_FROM
        if not (sid and token and sender):
            raise SmsError(
                "Text messages are not set up (STANCE_SMS_ACCOUNT_SID, STANCE_SMS_AUTH_TOKEN, "
                "STANCE_SMS_FROM).",
                permanent=True,
            )
        base = settings.STANCE_SMS_API_URL.rstrip("/")
        url = f"{base}/2010-04-01/Accounts/{urllib.parse.quote(sid, safe='')}/Messages.json"
        data = urllib.parse.urlencode(
            {"To": message.to, "From": sender, "Body": message.body}
        ).encode()
        auth = base64.b64encode(f"{sid}:{token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured API's
            url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {auth}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=settings.STANCE_SMS_TIMEOUT_SECONDS
            ) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise _http_error(exc.code, exc.read()) from None
        except urllib.error.URLError as exc:
            detail = type(exc.reason).__name__ if isinstance(exc.reason, OSError) else "error"
            raise SmsError(
                f"The SMS provider could not be reached ({detail}).",
                permanent=False,
                unreachable=True,
            ) from None
        except OSError as exc:  # a timeout or reset while reading the reply
            raise SmsError(
                f"The SMS provider could not be reached ({type(exc).__name__}).",
                permanent=False,
                unreachable=True,
            ) from None


def _http_error(status: int, body: bytes) -> SmsError:
    """Twilio's error reply: JSON with a numeric `code`. Its `message` can quote the
    number, so only the status and the code are kept."""
    code = ""
    try:
        payload = json.loads(body or b"{}")
        if isinstance(payload, dict) and isinstance(payload.get("code"), int):
            code = f", code {payload['code']}"
    except ValueError:
        pass
    transient = status == 429 or status >= 500
    what = "is busy or failing" if transient else "refused the message"
    return SmsError(f"The SMS provider {what} (HTTP {status}{code}).", permanent=not transient)


def sms_backend() -> BaseSmsBackend:
    """A new instance of the configured backend (settings.SMS_BACKEND)."""
    backend_class = import_string(settings.SMS_BACKEND)
    backend: BaseSmsBackend = backend_class()
    return backend


def sms_reminder_text(notification: Notification) -> str:
    """A reminder as a text message: the clinic, the patient's first name, when, with whom,
    and the manage link. Nothing clinical (no service name), no other names."""
    appointment = notification.appointment
    if appointment is None:
        raise ValueError("A text reminder is about a visit.")
    clinic = appointment.practitioner.clinic
    when = f"{when_label(appointment.start, clinic.tz, year=False)} ({zone_label(clinic.tz)} time)"
    manage = (
        f"{settings.SITE_URL}{reverse('bookings:manage', args=[manage_token_for(appointment)])}"
    )
    return (
        f"{clinic.name}: hi {notification.patient.first_name}, a reminder of your visit on "
        f"{when} with {appointment.practitioner.display_name}. "
        f"To change or cancel: {manage}"
    )
