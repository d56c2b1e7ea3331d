"""The staff page for a patient's pre-exercise screening and its history."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic.access import clinician_or_404, record_for_clinician_or_404
from clinic.audit import (
    SCREENING_HISTORY,
    access_log_record,
)
from clinic.errors import DomainError
from clinic.selectors import patient_records
from prescriptions.models import PreExerciseScreening
from prescriptions.outcomes import instruments
from prescriptions.outcomes.selectors import instrument_wording
from prescriptions.screening import apss as screening
from prescriptions.screening.forms import ScreeningForm
from prescriptions.screening.selectors import screening_status
from prescriptions.screening.services import screening_record


@login_required
@require_http_methods(["GET", "POST"])
def screening_page(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """The patient's APSS stage 1 screenings (latest first) and a form for a new one."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    today = timezone.now().astimezone(patient.clinic.tz).date()
    wording = (
        instrument_wording(clinic=patient.clinic, code=instruments.APSS, on=today)
        or instruments.SHIPPED[instruments.APSS]
    )
    form = ScreeningForm(request.POST or None, wording=wording, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            saved = screening_record(
                patient=patient,
                screened_on=form.cleaned_data["screened_on"],
                answers=form.answers(),
                activity=form.activity(),
                notes=form.cleaned_data.get("notes") or "",
                wording=wording.label,
                by=user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            access_log_record(request=request, action="change", record=saved, patient=patient)
            messages.success(request, "Screening saved.")
            return redirect("prescriptions:screening", patient_code=patient.code)
    access_log_record(
        request=request,
        action="view",
        record=patient,
        patient=patient,
        record_type=SCREENING_HISTORY,
    )
    return render(
        request,
        "prescriptions/screening.html",
        {
            "patient": patient,
            "form": form,
            "wording": wording,
            "status": screening_status(patient=patient, today=today),
            "history": list(
                PreExerciseScreening.objects.filter(patient=patient).select_related("recorded_by")[
                    :20
                ]
            ),
            "target": screening.WEEKLY_MINUTES_TARGET,
            "activity_theme": screening.ACTIVITY_THEME,
            "source": screening.SOURCE,
        },
    )


urlpatterns: list[URLPattern] = [
    path("staff/patients/<uuid:patient_code>/screening/", screening_page, name="screening"),
]
