"""Patient emails rendered from an outbox row: subject, plain text, HTML, and a calendar
file where it helps. Templates: `templates/bookings/emails/<kind>_subject.txt`,
`<kind>_body.txt` and `<kind>_body.html` (extending `_base.html`).

What goes in: the clinic's name and contacts, the patient's first name, when (in the
clinic's time zone; telehealth also in the patient's own zone when known), with whom,
where or the video link, and the signed manage link. Never clinical detail: no
screening answers, assessments, notes or exercises.
"""

from __future__ import annotations

import email.message
import email.policy
import functools
import re
from datetime import datetime
from email.contentmanager import _encode_text  # what set_content encodes a text with
from email.utils import formataddr, parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from bookings.ics import appointment_ics
from bookings.models import Appointment, Modality, Notification
from bookings.notifications import SendBatch, opt_out_token_for
from bookings.tokens import manage_token_for
from clinic.lib.time import when_label
from clinic.models import Clinic

Kind = Notification.Kind

ICS_METHOD = {
    Kind.CONFIRMATION: "REQUEST",
    Kind.RESCHEDULE: "REQUEST",
    Kind.CANCELLATION: "CANCEL",
}
"""Messages that carry the visit as a calendar file (same UID for the visit's life; the
SEQUENCE goes up with each move, so calendars update the entry in place)."""


def format_when(instant: datetime, tz: ZoneInfo) -> str:
    """ "Tuesday 3 March 2026, 10:15 am" in `tz`."""
    return when_label(instant, tz)


def zone_label(tz: ZoneInfo) -> str:
    """ "Sydney time" for Australia/Sydney."""
    return f"{tz.key.rsplit('/', 1)[-1].replace('_', ' ')} time"


def lead_label(minutes: int) -> str:
    """ "the day before", "2 days before", "2 hours before", "30 minutes before"."""
    days, rest = divmod(minutes, 24 * 60)
    if not rest:
        return "the day before" if days == 1 else f"{days} days before"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''} before"
    return f"{minutes} minutes before"


def _join(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


EMAIL_PARTS = ("subject.txt", "body.txt", "body.html")


def _template(kind: str, part: str) -> str:
    return f"bookings/emails/{kind}_{part}"


def emails_warm_up() -> None:
    """Load what sending an email needs and nothing else does: the modules imported on
    first use and every kind's templates, compiled. The worker calls it before it forks
    its pool (clinic/celery.py), so each pool process inherits them instead of loading
    them itself at its first email, all at once after a start. No database."""
    import prescriptions.previsit.questionnaires  # noqa: F401 - what a confirmation's link needs

    for kind in Kind.values:
        for part in EMAIL_PARTS:
            get_template(_template(kind, part))


def notification_email(
    notification: Notification, *, batch: SendBatch | None = None
) -> EmailMultiAlternatives:
    """The email for one outbox row, ready to send (by the default mailer). `batch`: what
    `notifications_send_batch` loaded for the row's batch (the same email, fewer
    queries)."""
    context = email_context(notification, batch=batch)
    kind = notification.kind
    subject_part, text_part, html_part = (_template(kind, part) for part in EMAIL_PARTS)
    subject = " ".join(render_to_string(subject_part, context).split())
    text = _tidy(render_to_string(text_part, context))
    html = render_to_string(html_part, context)
    clinic: Clinic = context["clinic"]
    headers = {"Message-ID": _message_id(notification)}
    if kind == Kind.REMINDER:
        # RFC 8058 one-click unsubscribe: mail apps offer "Unsubscribe" and POST to it.
        headers["List-Unsubscribe"] = OneLineHeader(
            "List-Unsubscribe", f"<{context['opt_out_url']}>"
        )
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=_from_address(clinic),
        to=[notification.patient.email],
        reply_to=[clinic.email] if clinic.email else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    method = ICS_METHOD.get(kind)
    if method and notification.appointment is not None:
        message.attach(_calendar_part(notification.appointment, method))
    return message


class OneLineHeader(str):
    """A header value that Python's email package writes on one line, as it is.

    Left to itself it splits a value longer than a line (78 characters) into RFC 2047
    encoded words, and a `List-Unsubscribe: <URL>` written that way is no URL to mail apps
    (RFC 2369 and 8058 want the URL in angle brackets): the one-click unsubscribe would
    be lost. RFC 5322 allows a line of up to 998 characters. (Also cheaper to write.)
    """

    name: str

    def __new__(cls, name: str, value: str) -> OneLineHeader:
        if "\r" in value or "\n" in value or len(name) + len(value) > 990:
            raise ValueError("A one-line header must fit on one line.")
        header = super().__new__(cls, value)
        header.name = name  # the email package keeps a value with its name as it is
        return header

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        """What copy and pickle pass to __new__ (the test mailer keeps copies)."""
        return self.name, str(self)

    def fold(self, *, policy: email.policy.Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def _tidy(text: str) -> str:
    """At most one blank line in a row: template tags leave stray line breaks."""
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", text).strip() + "\n"


def email_context(notification: Notification, *, batch: SendBatch | None = None) -> dict[str, Any]:
    patient = notification.patient
    appointment = notification.appointment
    clinic = appointment.practitioner.clinic if appointment else patient.clinic
    context: dict[str, Any] = {
        "clinic": clinic,
        "first_name": patient.first_name,
        "notification": notification,
        "site_url": settings.SITE_URL,
        "opt_out_url": absolute_url(
            reverse("bookings:reminders-opt-out", args=[opt_out_token_for(patient)])
        ),
        "reminders_off": patient.reminders_opt_out,
        "book_url": absolute_url(reverse("bookings:service-list")),
    }
    if appointment is not None:
        context.update(_appointment_context(appointment, clinic))
        context["planned_reminders"] = _planned_reminders(notification, batch)
        if notification.kind == Kind.CONFIRMATION:
            previsit = batch.previsit if batch is not None else None
            context["previsit_url"] = _previsit_url(appointment, clinic, previsit)
        if notification.kind == Kind.CANCELLATION:
            context["video_url"] = ""  # no call to join: the link goes with the visit
    else:
        link = str(notification.context.get("link_path", "/"))
        context["link_url"] = absolute_url(link if link.startswith("/") else "/")
    return context


def _appointment_context(appointment: Appointment, clinic: Clinic) -> dict[str, Any]:
    tz = clinic.tz
    telehealth = appointment.modality == Modality.TELEHEALTH
    patient_zone = ""
    own = appointment.patient.timezone
    if telehealth and own and own != clinic.timezone:
        own_tz = ZoneInfo(own)
        if (
            appointment.start.astimezone(own_tz).utcoffset()
            != appointment.start.astimezone(tz).utcoffset()
        ):
            patient_zone = f"{format_when(appointment.start, own_tz)} ({zone_label(own_tz)})"
    return {
        "appointment": appointment,
        "when": format_when(appointment.start, tz),
        "zone": zone_label(tz),
        "when_patient_zone": patient_zone,
        "duration_minutes": int((appointment.end - appointment.start).total_seconds() // 60),
        "service_name": appointment.service.name,
        "practitioner_name": appointment.practitioner.display_name,
        "profession": appointment.practitioner.get_profession_display().lower(),
        "telehealth": telehealth,
        "video_url": appointment.telehealth_url if telehealth else "",
        "location": appointment.location if not telehealth else None,
        "manage_url": absolute_url(
            reverse("bookings:manage", args=[manage_token_for(appointment)])
        ),
    }


def _previsit_url(appointment: Appointment, clinic: Clinic, batch: Any = None) -> str:
    """The signed link to questionnaires to answer before the visit, when there are any
    (prescriptions/previsit/questionnaires.py). The email only says there are questions: no clinical
    detail."""
    # Imported here: the booking app does not depend on prescriptions when it loads.
    from prescriptions.previsit.questionnaires import previsit_link_path

    today = timezone.now().astimezone(clinic.tz).date()
    path = previsit_link_path(appointment, today=today, batch=batch)
    return absolute_url(path) if path else ""


def _planned_reminders(notification: Notification, batch: SendBatch | None = None) -> str:
    """ "the day before and 2 hours before": the reminders still to come for this visit
    (none when the patient turned reminders off), for confirmations and notices. From
    what the batch loaded when it has them (`SendBatch.planned_leads`), else one query."""
    if notification.kind not in (Kind.CONFIRMATION, Kind.RESCHEDULE):
        return ""
    if notification.patient.reminders_opt_out:
        return ""
    leads = batch.planned_leads(notification.appointment) if batch is not None else None
    if leads is None:
        leads = _planned_leads(notification)
    labels = [lead_label(m) for m in leads if m]
    return _join(labels) if labels else ""


def _planned_leads(notification: Notification) -> list[int | None]:
    return list(
        Notification.objects.filter(
            appointment_id=notification.appointment_id,
            kind=Kind.REMINDER,
            status__in=[Notification.Status.PENDING, Notification.Status.QUEUED],
            appointment_start_snapshot=notification.appointment.start,
        )
        .order_by("due_at")
        .values_list("lead_minutes", flat=True)
    )


def _calendar_part(appointment: Appointment, method: str) -> email.message.MIMEPart:
    return calendar_mime_part(appointment_ics(appointment, method).decode(), method)


_CALENDAR_HEADERS: dict[tuple[str, str], list[tuple[str, Any]]] = {}
"""A calendar part's headers by (method, transfer encoding), as `set_content` set them
the first time (parsed header objects, which nothing changes afterwards)."""


def calendar_mime_part(text: str, method: str) -> email.message.MIMEPart:
    """The .ics attachment: what `part.set_content(text, subtype="calendar",
    charset="utf-8", params={"method": method}, disposition="attachment",
    filename="appointment.ics")` makes. Its headers depend only on the method and the
    transfer encoding the email package picks for the text (`_encode_text`, as
    `set_content` calls it), so after the first part of each they are reused, and only
    the body is encoded."""
    part = email.message.MIMEPart()
    cte, payload = _encode_text(text, "utf-8", None, part.policy)
    headers = _CALENDAR_HEADERS.get((method, cte))
    if headers is not None:
        part._headers = list(headers)
        part._payload = payload
        return part
    part.set_content(
        text,
        subtype="calendar",
        charset="utf-8",
        params={"method": method},
        disposition="attachment",
        filename="appointment.ics",
    )
    if part._payload == payload and part.get("Content-Transfer-Encoding") == cte:
        _CALENDAR_HEADERS[(method, cte)] = list(part._headers)
    return part


def _from_address(clinic: Clinic) -> str:
    """The clinic's name on the site's sending address: "Harbour Clinic <bookings@...>"."""
    return _named_address(clinic.name, settings.DEFAULT_FROM_EMAIL)


@functools.lru_cache(maxsize=64)
def _named_address(name: str, default_from: str) -> str:
    return formataddr((name, _sending_address(default_from) or default_from))


@functools.lru_cache(maxsize=4)
def _sending_address(default_from: str) -> str:
    """The address in DEFAULT_FROM_EMAIL (parsed once, not for every email)."""
    return parseaddr(default_from)[1]


def _message_id(notification: Notification) -> str:
    """The same Message-ID on every try of one row: if a worker dies after the server took
    the message and it goes out again, many mail apps show the two as one."""
    domain = _sending_address(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2] or "stance.invalid"
    stamp = int(notification.created_at.timestamp()) if notification.created_at else 0
    return f"<stance.{notification.pk}.{stamp}@{domain}>"
