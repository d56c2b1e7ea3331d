"""Questionnaires a patient can answer online before a visit, from a signed link in their
booking confirmation (no login needed).

A token names one appointment and one purpose (the salt): it opens that visit's
questionnaires and nothing else (not the visit's manage page, not another visit). It stops
working after PREVISIT_LINK_MAX_AGE_DAYS days, and once the visit is over or cancelled.

What is offered (`previsit_offers`): each outcome measure of the patient's latest
assessment, or before a first assessment those marked for new patients, whose wording the
clinic has loaded (NPRS and the PSFS ship with ours); and the pre-exercise screening when
it is due and the clinic has loaded the official APSS wording (the themes that ship are
for staff, never for patients: the tool must be used unaltered, CLINICAL.md §5.1). The
email says only that there are questions to answer: no clinical detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from clinic.links import code_from_token, code_token
from clinic.models import DeletionRequest
from prescriptions.models import (
    Assessment,
    InstrumentText,
    OutcomeResponse,
    PreExerciseScreening,
)
from prescriptions.outcomes import instruments
from prescriptions.outcomes import scoring as outcomes
from prescriptions.screening.selectors import screening_status

PREVISIT_SALT = "stance.prescriptions.previsit-questionnaires"
PREVISIT_LINK_MAX_AGE_DAYS = 60
"""How long a pre-visit link works; `settings.STANCE_PREVISIT_LINK_MAX_AGE_DAYS` overrides.
Bookings are at most the clinic's horizon ahead (60 days in the demo)."""
NEW_PATIENT_DEFAULTS = ("PSFS", "NPRS")
"""Offered before a first assessment with the wording that ships, unless the clinic has
loaded its own text for them (which then decides)."""


def _max_age() -> timedelta:
    days = getattr(settings, "STANCE_PREVISIT_LINK_MAX_AGE_DAYS", PREVISIT_LINK_MAX_AGE_DAYS)
    return timedelta(days=days)


def previsit_token_for(appointment: Appointment) -> str:
    return code_token(appointment.code, salt=PREVISIT_SALT)


def appointment_code_from_previsit_token(token: str) -> str | None:
    """The appointment code inside a valid token, or None for a bad, tampered or expired one."""
    return code_from_token(token, salt=PREVISIT_SALT, max_age=_max_age())


def link_usable(appointment: Appointment, now: datetime) -> bool:
    """Booked and not over (deleting an account cancels its visits, and is checked too)."""
    return (
        appointment.status == Appointment.Status.BOOKED
        and appointment.end > now
        and not DeletionRequest.objects.filter(patient_id=appointment.patient_id).exists()
    )


@dataclass(frozen=True)
class Offer:
    code: str
    title: str
    wording: instruments.Wording
    done: bool


def _usable_texts(appointment: Appointment, today: date) -> dict[str, InstrumentText]:
    """The clinic's loaded wording that is usable today, by instrument: what
    `loaded_text` finds for each code (one active text per code), in one query."""
    texts: dict[str, InstrumentText] = {}
    for row in InstrumentText.objects.usable(today).filter(clinic_id=appointment.patient.clinic_id):
        texts.setdefault(row.code, row)  # in loaded_text's order: its first for each code
    return texts


def _wording(texts: dict[str, InstrumentText], code: str) -> instruments.Wording | None:
    """The wording a patient may answer `code` in online, or None."""
    row = texts.get(code)
    if row is not None:
        return row.wording() if row.offer_online else None
    if code in ("NPRS", "PSFS"):
        return instruments.SHIPPED[code]
    return None


def _measure_codes(appointment: Appointment, texts: dict[str, InstrumentText]) -> list[str]:
    patient = appointment.patient
    latest = (
        Assessment.objects.filter(patient=patient)
        .current()
        .order_by("-assessed_on", "-created_at")
        .first()
    )
    return _codes_for(None if latest is None else latest.measures, texts)


def _codes_for(latest_measures: list[str] | None, texts: dict[str, InstrumentText]) -> list[str]:
    """The measures to offer: the latest assessment's (`latest_measures`, None before a
    first assessment), else those for new patients."""
    if latest_measures is not None:
        return list(latest_measures)
    codes = []
    for code in outcomes.INSTRUMENTS:
        row = texts.get(code)
        if (row is not None and row.offer_to_new_patients) or (
            row is None and code in NEW_PATIENT_DEFAULTS
        ):
            codes.append(code)
    return codes


def previsit_offers(appointment: Appointment, *, today: date) -> list[Offer]:
    """What the patient can answer before this visit, and which they already have."""
    offers = []
    patient = appointment.patient
    texts = _usable_texts(appointment, today)
    apss = _wording(texts, instruments.APSS)
    if apss is not None and apss.text_id is not None:  # the clinic loaded the official text
        screened_here = PreExerciseScreening.objects.filter(appointment=appointment).exists()
        if screened_here or screening_status(patient=patient, today=today).rescreen:
            offers.append(Offer(instruments.APSS, "Pre-exercise screening", apss, screened_here))
    done = set(
        OutcomeResponse.objects.filter(
            appointment=appointment, source=OutcomeResponse.Source.ONLINE
        ).values_list("instrument", flat=True)
    )
    for code in instruments.ordered_measures(_measure_codes(appointment, texts)):
        wording = _wording(texts, code)
        if wording is not None:
            offers.append(Offer(code, wording.title, wording, code in done))
    return offers


def _apss_offered(appointment: Appointment, texts: dict[str, InstrumentText], today: date) -> bool:
    """Whether `previsit_offers` offers the pre-exercise screening (done or not)."""
    apss = _wording(texts, instruments.APSS)
    if apss is None or apss.text_id is None:
        return False
    if PreExerciseScreening.objects.filter(appointment=appointment).exists():
        return True
    return screening_status(patient=appointment.patient, today=today).rescreen


def _anything_offered(
    appointment: Appointment,
    texts: dict[str, InstrumentText],
    latest_measures: list[str] | None,
    today: date,
) -> bool:
    """Whether `previsit_offers` offers anything (what is done does not matter): a
    measure with wording, else the screening."""
    for code in instruments.ordered_measures(_codes_for(latest_measures, texts)):
        if _wording(texts, code) is not None:
            return True
    return _apss_offered(appointment, texts, today)


def previsit_link_path(appointment: Appointment, *, today: date) -> str:
    """The pre-visit page of this appointment, or "" when there is nothing to answer."""
    texts = _usable_texts(appointment, today)
    latest_measures = (
        Assessment.objects.filter(patient=appointment.patient)
        .current()
        .order_by("-assessed_on", "-created_at")
        .values_list("measures", flat=True)
        .first()
    )
    if not _anything_offered(appointment, texts, latest_measures, today):
        return ""
    return reverse("prescriptions:previsit", args=[previsit_token_for(appointment)])


def previsit_email_context(appointment: Appointment) -> dict[str, str]:
    """What a booking confirmation adds (registered with bookings' emails in
    PrescriptionsConfig.ready()): the signed link to the questionnaires, when there are
    any. The email only says there are questions: no clinical detail."""
    today = timezone.now().astimezone(appointment.practitioner.clinic.tz).date()
    path = previsit_link_path(appointment, today=today)
    return {"previsit_url": f"{settings.SITE_URL}{path}" if path else ""}
