"""Patient emails rendered from an outbox row: subject, plain text, HTML, and a calendar
file where it helps. Templates: `templates/bookings/emails/<kind>_subject.txt`,
`<kind>_body.txt` and `<kind>_body.html` (extending `_base.html`).

What goes in: the clinic's name and contacts, the patient's first name, when (in the
clinic's time zone; telehealth also in the patient's own zone when known), with whom,
where or the video link, and the signed manage link. Never clinical detail: no
screening answers, assessments, notes or exercises.

Apps above bookings add to a confirmation through `confirmation_extra_register`
(prescriptions adds its pre-visit questionnaire link from its AppConfig.ready()), so
bookings never imports them.

Letters to other practitioners (kind "letter": a report to the GP with its PDF) are not
to the patient and hold clinical detail: their parts come from the app that owns the
letter (`letter_parts_register`, prescriptions' letters), rendered when sent from the
letter's id in the row's context; bookings adds only the envelope.
"""

from __future__ import annotations

import email.message
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from bookings.ics import appointment_ics
from bookings.models import Appointment, Modality, Notification, WaitlistOffer
from bookings.tokens import (
    manage_token_for,
    opt_out_token_for,
    same_person_token_for,
    waitlist_offer_token_for,
)
from clinic.lib.time import when_label, zone_label
from clinic.models import Clinic

Kind = Notification.Kind

ICS_METHOD: dict[str, str] = {
    Kind.CONFIRMATION: "REQUEST",
    Kind.RESCHEDULE: "REQUEST",
    Kind.CANCELLATION: "CANCEL",
}
"""Messages that carry the visit as a calendar file (same UID for the visit's life; the
SEQUENCE goes up with each move, so calendars update the entry in place)."""

EMAIL_PARTS = ("subject.txt", "body.txt", "body.html")

ConfirmationExtra = Callable[[Appointment], dict[str, str]]
"""Takes the visit, returns more template context for its confirmation email."""

confirmation_extras: list[ConfirmationExtra] = []
"""What other apps add to a confirmation email (`confirmation_extra_register`)."""


def confirmation_extra_register(extra: ConfirmationExtra) -> None:
    """Add `extra`'s context to every confirmation email (once, however often it is
    registered). Call it from an AppConfig.ready()."""
    if extra not in confirmation_extras:
        confirmation_extras.append(extra)


@dataclass(frozen=True)
class LetterParts:
    """A letter's email as its owner renders it: to whom, subject, plain-text covering
    note, and attachments as (file name, content, MIME type)."""

    clinic: Clinic
    to: list[str]
    subject: str
    body: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


LetterPartsBuilder = Callable[[Notification], LetterParts]

letter_parts_builders: list[LetterPartsBuilder] = []
"""Who renders letters (`letter_parts_register`): one app, prescriptions' letters."""


def letter_parts_register(builder: LetterPartsBuilder) -> None:
    """Render every "letter" row with `builder` (once, however often it is registered).
    Call it from an AppConfig.ready()."""
    if builder not in letter_parts_builders:
        letter_parts_builders.append(builder)


def letter_email(notification: Notification) -> EmailMultiAlternatives:
    """A letter's email: the owner's parts in the clinic's envelope (raises LookupError
    when no app renders letters, so the row fails rather than sending nothing)."""
    if not letter_parts_builders:
        raise LookupError("No app renders letters.")
    parts = letter_parts_builders[0](notification)
    message = EmailMultiAlternatives(
        subject=" ".join(parts.subject.split()),
        body=_tidy(parts.body),
        from_email=_from_address(parts.clinic),
        to=parts.to,
        reply_to=[parts.clinic.email] if parts.clinic.email else None,
        headers={"Message-ID": message_id(notification)},
    )
    for name, content, mimetype in parts.attachments:
        message.attach(name, content, mimetype)
    return message


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


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The email for one outbox row, ready to send: text, HTML alternative, and for
    confirmations and notices the visit as a `text/calendar` attachment."""
    if notification.kind == Kind.LETTER:
        return letter_email(notification)
    context = email_context(notification)
    kind = notification.kind
    subject_part, text_part, html_part = (f"bookings/emails/{kind}_{p}" for p in EMAIL_PARTS)
    subject = " ".join(render_to_string(subject_part, context).split())
    text = _tidy(render_to_string(text_part, context))
    html = render_to_string(html_part, context)
    clinic: Clinic = context["clinic"]
    headers: dict[str, str] = {"Message-ID": message_id(notification)}
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
        to=[recipient_address(notification)],
        reply_to=[clinic.email] if clinic.email else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    method = ICS_METHOD.get(kind)
    if method and notification.appointment is not None:
        message.attach(calendar_part(appointment_ics(notification.appointment, method), method))
    return message


class OneLineHeader(str):
    """A header value that Python's email package writes on one line, as it is.

    Left to itself it splits a value longer than a line (78 characters) into RFC 2047
    encoded words, and a `List-Unsubscribe: <URL>` written that way is no URL to mail apps
    (RFC 2369 and 8058 want the URL in angle brackets): the one-click unsubscribe would
    be lost. RFC 5322 allows a line of up to 998 characters. A value with a `name` and a
    `fold` method is a header object to the email package's policies (documented in
    `email.policy.EmailPolicy.header_store_parse` and `fold`), kept as it is.
    """

    name: str

    def __new__(cls, name: str, value: str) -> OneLineHeader:
        if "\r" in value or "\n" in value or len(name) + len(value) > 990:
            raise ValueError("A one-line header must fit on one line.")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]  # str's takes none
        """What copy and pickle pass to __new__ (the in-memory mailer keeps copies)."""
        return self.name, str(self)

    def fold(self, *, policy: email.policy.Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def recipient_address(notification: Notification) -> str:
    """Where the email goes: the member of staff it is for, else the patient."""
    if notification.recipient is not None:
        return notification.recipient.email
    return notification.patient.email


def _tidy(text: str) -> str:
    """At most one blank line in a row: template tags leave stray line breaks."""
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", text).strip() + "\n"


def email_context(notification: Notification) -> dict[str, Any]:
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
        context["planned_reminders"] = _planned_reminders(notification)
        if notification.kind == Kind.CONFIRMATION:
            for extra in confirmation_extras:
                context.update(extra(appointment))
            if patient.possible_duplicate_of_id is not None:
                token = same_person_token_for(patient)
                context["same_person_url"] = absolute_url(
                    reverse("bookings:same-person", args=[token])
                )
        if notification.kind == Kind.CANCELLATION:
            context["video_url"] = ""  # no call to join: the link goes with the visit
        if notification.kind == Kind.WAITLIST_OFFER:
            context.update(_offer_context(notification, clinic))
    else:
        link = str(notification.context.get("link_path", "/"))
        context["link_url"] = absolute_url(link if link.startswith("/") else "/")
    return context


def _appointment_context(appointment: Appointment, clinic: Clinic) -> dict[str, Any]:
    # The visit's own zone: its location's (Perth rooms in Perth time), else the clinic's.
    tz = appointment.tz
    telehealth = appointment.modality == Modality.TELEHEALTH
    patient_zone = ""
    own = appointment.patient.timezone
    if telehealth and own and own != tz.key:
        own_tz = ZoneInfo(own)
        if (
            appointment.start.astimezone(own_tz).utcoffset()
            != appointment.start.astimezone(tz).utcoffset()
        ):
            patient_zone = f"{when_label(appointment.start, own_tz)} ({zone_label(own_tz)} time)"
    return {
        "appointment": appointment,
        "when": when_label(appointment.start, tz),
        "zone": f"{zone_label(tz)} time, {appointment.start.astimezone(tz).tzname()}",
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


def _offer_context(notification: Notification, clinic: Clinic) -> dict[str, Any]:
    """The earlier time held for a waitlisted patient, and the link to take it."""
    offer = (
        WaitlistOffer.objects.select_related("practitioner", "location")
        .filter(code=notification.context.get("offer"))
        .first()
    )
    if offer is None:
        return {}
    tz = clinic.tz
    token = waitlist_offer_token_for(offer)
    return {
        "offer_when": when_label(offer.start, tz),
        "offer_practitioner": offer.practitioner.display_name,
        "offer_where": offer.location.name if offer.location else "",
        "offer_expires": when_label(offer.expires_at, tz),
        "offer_url": absolute_url(reverse("bookings:waitlist-offer", args=[token])),
    }


def _planned_reminders(notification: Notification) -> str:
    """ "the day before and 2 hours before": the reminders still to come for this visit
    (none when the patient turned reminders off), for confirmations and notices."""
    if notification.kind not in (Kind.CONFIRMATION, Kind.RESCHEDULE):
        return ""
    if notification.patient.reminders_opt_out or notification.appointment is None:
        return ""
    leads = (
        Notification.objects.filter(
            appointment_id=notification.appointment.pk,
            kind=Kind.REMINDER,
            channel=Notification.Channel.EMAIL,  # one per time, whatever the channels
            status__in=[Notification.Status.PENDING, Notification.Status.QUEUED],
            appointment_start_snapshot=notification.appointment.start,
        )
        .order_by("due_at")
        .values_list("lead_minutes", flat=True)
    )
    labels = [lead_label(m) for m in leads if m]
    return _join(labels) if labels else ""


def calendar_part(ics: bytes, method: str) -> email.message.MIMEPart:
    """The .ics attachment: `text/calendar; method=...`, UTF-8, named appointment.ics."""
    part = email.message.MIMEPart()
    part.set_content(
        ics.decode(),
        subtype="calendar",
        charset="utf-8",
        params={"method": method},
        disposition="attachment",
        filename="appointment.ics",
    )
    return part


def _from_address(clinic: Clinic) -> str:
    """The clinic's name on the site's sending address: "Harbour Clinic <bookings@...>"."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return formataddr((clinic.name, address))


def message_id(notification: Notification) -> str:
    """The same Message-ID on every try of one row: if a worker dies after the server took
    the message and it goes out again, many mail apps show the two as one."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "stance.invalid"
    stamp = int(notification.created_at.timestamp()) if notification.created_at else 0
    return f"<stance.{notification.pk}.{stamp}@{domain}>"
