"""Before-your-visit questionnaires, opened from the signed link in the booking
confirmation (`questionnaires.py`). No login: the token is the key, and it opens only
this visit's questionnaires. A bad, tampered or expired link, or one for a visit that is
over or cancelled, gets the "link not valid" page. Answers land on the patient's record
for the clinician to attach to an assessment.

Access log: saving answers changes the record they are saved in (an outcome response or a
screening; nobody is logged in, so the row has no user). The PSFS form shows the
activities the patient named last time, so opening it views that earlier response. The
list of questionnaires shows only their names and whether they are done: no record.
Once the patient has deleted their account, the link no longer works.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from bookings.models import Appointment
from clinic.audit import access_log_record
from clinic.errors import DomainError
from prescriptions.models import PreExerciseScreening
from prescriptions.outcomes import instruments
from prescriptions.outcomes.services import (
    latest_activities_response,
    outcome_response_submit_online,
)
from prescriptions.previsit.forms import PrevisitMeasureForm
from prescriptions.previsit.questionnaires import (
    Offer,
    appointment_code_from_previsit_token,
    link_usable,
    previsit_offers,
)
from prescriptions.screening.forms import ScreeningForm
from prescriptions.screening.services import screening_record

logger = logging.getLogger(__name__)

LINKS = {"via_link": True}  # patient_base.html: keep these pages out of search engines


class _Invalid(Exception):
    pass


def _appointment_or_invalid(token: str) -> Appointment:
    code = appointment_code_from_previsit_token(token)
    try:
        appointment = (
            Appointment.objects.select_related("patient__clinic", "practitioner", "service")
            .filter(code=uuid.UUID(code or ""))
            .first()
        )
    except ValueError:
        appointment = None
    if appointment is None or not link_usable(appointment, timezone.now()):
        raise _Invalid
    return appointment


def _invalid(request: HttpRequest) -> HttpResponse:
    logger.info("previsit link refused")
    return render(request, "prescriptions/previsit_invalid.html", {"links": LINKS}, status=404)


def _today(appointment: Appointment) -> date:
    return timezone.now().astimezone(appointment.patient.clinic.tz).date()


@require_http_methods(["GET"])
def previsit(request: HttpRequest, token: str) -> HttpResponse:
    """The visit's questionnaires, each marked done once answered."""
    try:
        appointment = _appointment_or_invalid(token)
    except _Invalid:
        return _invalid(request)
    offers = previsit_offers(appointment, today=_today(appointment))
    return render(
        request,
        "prescriptions/previsit.html",
        {
            "appointment": appointment,
            "clinic": appointment.patient.clinic,
            "first_name": appointment.patient.first_name,
            "offers": offers,
            "token": token,
            "links": LINKS,
            "all_done": bool(offers) and all(o.done for o in offers),
        },
    )


@require_http_methods(["GET", "POST"])
def previsit_answer(request: HttpRequest, token: str, code: str) -> HttpResponse:
    """One questionnaire in the clinic's wording; sending it stores the answers."""
    try:
        appointment = _appointment_or_invalid(token)
    except _Invalid:
        return _invalid(request)
    today = _today(appointment)
    offer = next((o for o in previsit_offers(appointment, today=today) if o.code == code), None)
    if offer is None:
        return _invalid(request)
    if code == instruments.APSS:
        return _screening(request, token, appointment, offer)
    earlier = latest_activities_response(appointment.patient) if code == "PSFS" else None
    carried = list(earlier.activities) if earlier else []
    form = PrevisitMeasureForm(
        request.POST if request.method == "POST" else None, wording=offer.wording, carried=carried
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = outcome_response_submit_online(
                appointment=appointment,
                code=code,
                wording=offer.wording,
                data=form.response(),
                today=today,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            access_log_record(
                request=request, action="change", record=saved, patient=appointment.patient
            )
            messages.success(request, f"Thank you: your answers to “{offer.title}” are saved.")
            return redirect("prescriptions:previsit", token=token)
    if earlier is not None:
        access_log_record(
            request=request, action="view", record=earlier, patient=appointment.patient
        )
    return render(
        request,
        "prescriptions/previsit_measure.html",
        {
            "appointment": appointment,
            "clinic": appointment.patient.clinic,
            "offer": offer,
            "form": form,
            "token": token,
            "links": LINKS,
        },
    )


def _screening(
    request: HttpRequest, token: str, appointment: Appointment, offer: Offer
) -> HttpResponse:
    if offer.done:
        messages.info(request, "You have already answered the screening questions. Thank you.")
        return redirect("prescriptions:previsit", token=token)
    today = _today(appointment)
    form = ScreeningForm(
        request.POST if request.method == "POST" else None,
        wording=offer.wording,
        today=today,
        staff=False,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = screening_record(
                patient=appointment.patient,
                screened_on=today,
                answers=form.answers(),
                activity=form.activity(),
                wording=offer.wording.label,
                source=PreExerciseScreening.Source.ONLINE,
                appointment=appointment,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            access_log_record(
                request=request, action="change", record=saved, patient=appointment.patient
            )
            messages.success(request, "Thank you: your screening answers are saved.")
            return redirect("prescriptions:previsit", token=token)
    return render(
        request,
        "prescriptions/previsit_screening.html",
        {
            "appointment": appointment,
            "clinic": appointment.patient.clinic,
            "offer": offer,
            "form": form,
            "token": token,
            "links": LINKS,
        },
    )


urlpatterns: list[URLPattern] = [
    path("before-your-visit/<str:token>/", previsit, name="previsit"),
    path("before-your-visit/<str:token>/<str:code>/", previsit_answer, name="previsit-answer"),
]
