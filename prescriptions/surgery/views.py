"""Staff pages for a patient's surgeries (with the precautions in force today) and
training status. Clinicians only; reception never sees clinical records."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import clinician_or_404, record_for_clinician_or_404
from clinic.audit import SURGERY_HISTORY, access_log_record
from clinic.errors import DomainError
from clinic.models import Patient
from clinic.selectors import patient_records
from prescriptions.rules import conflicts, postop
from prescriptions.surgery.forms import SurgeryForm, TrainingStatusForm
from prescriptions.surgery.models import SurgeryRecord
from prescriptions.surgery.selectors import surgery_list_for_patient, training_status_of
from prescriptions.surgery.services import (
    surgery_record_add,
    surgery_record_update,
    training_status_set,
)


def _today(patient: Patient) -> Any:
    return timezone.now().astimezone(patient.clinic.tz).date()


def precautions_today(record: SurgeryRecord, today: Any) -> str:
    """What the rules say about this surgery today, for staff (rules/postop.py)."""
    surgery = record.as_rules()
    if postop.tha_precautions_active(surgery, today):
        return conflicts.tha_precautions_text(surgery, today)
    if surgery.procedure == postop.Procedure.TOTAL_HIP_ARTHROPLASTY:
        return "Hip precautions cleared by the surgeon."
    if surgery.procedure == postop.Procedure.ACL_RECONSTRUCTION:
        days = surgery.days_since(today)
        week = "" if days is None or days < 0 else f" (week {days // 7 + 1} after surgery)"
        return (
            f"ACL reconstruction restrictions apply by week and phase{week}: the programme "
            "builder warns about open-chain knee extension, resisted knee flexion, landing "
            "and jumping."
        )
    return "Follow the surgeon's precautions: the app holds no default list for this procedure."


def _page(
    request: HttpRequest,
    patient: Patient,
    form: SurgeryForm,
    status_form: TrainingStatusForm,
    status: int = 200,
) -> HttpResponse:
    today = _today(patient)
    rows = [(s, precautions_today(s, today)) for s in surgery_list_for_patient(patient=patient)]
    return render(
        request,
        "prescriptions/surgery_list.html",
        {"patient": patient, "rows": rows, "form": form, "status_form": status_form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def surgery_list(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """The patient's surgeries (latest first) with today's precautions, a form to add one,
    and their training status."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    form = SurgeryForm(request.POST or None, today=_today(patient))
    status_form = TrainingStatusForm(initial={"status": training_status_of(patient=patient)})
    if request.method == "POST" and form.is_valid():
        try:
            saved = surgery_record_add(patient=patient, by=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            access_log_record(request=request, action="change", record=saved, patient=patient)
            messages.success(request, "Surgery saved.")
            return redirect("prescriptions:surgery-list", patient_code=patient.code)
    access_log_record(
        request=request, action="view", record=patient, patient=patient, record_type=SURGERY_HISTORY
    )
    return _page(request, patient, form, status_form)


@login_required
@require_http_methods(["GET", "POST"])
def surgery_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Correct a surgery, or enter the day the surgeon cleared the precautions."""
    record = record_for_clinician_or_404(
        request, SurgeryRecord.objects.select_related("patient", "patient__clinic"), code
    )
    user = clinician_or_404(request)
    patient = record.patient
    form = SurgeryForm(
        request.POST or None, initial=SurgeryForm.initial_for(record), today=_today(patient)
    )
    if request.method == "POST" and form.is_valid():
        try:
            surgery_record_update(record=record, by=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            access_log_record(request=request, action="change", record=record, patient=patient)
            messages.success(request, "Surgery updated.")
            return redirect("prescriptions:surgery-list", patient_code=patient.code)
    access_log_record(request=request, action="view", record=record, patient=patient)
    return render(
        request,
        "prescriptions/surgery_edit.html",
        {"patient": patient, "record": record, "form": form},
    )


@login_required
@require_POST
def training_status_edit(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    status_form = TrainingStatusForm(request.POST)
    if status_form.is_valid():
        try:
            row = training_status_set(
                patient=patient, status=status_form.cleaned_data["status"], by=user
            )
        except DomainError as exc:
            status_form.add_error("status", exc.message)
        else:
            access_log_record(
                request=request,
                action="change",
                record=patient,
                patient=patient,
                record_type=SURGERY_HISTORY,
            )
            messages.success(
                request, "Training status saved." if row else "Training status removed."
            )
            return redirect("prescriptions:surgery-list", patient_code=patient.code)
    form = SurgeryForm(today=_today(patient))
    return _page(request, patient, form, status_form, status=400)


urlpatterns: list[URLPattern] = [
    path("staff/patients/<uuid:patient_code>/surgery/", surgery_list, name="surgery-list"),
    path(
        "staff/patients/<uuid:patient_code>/training-status/",
        training_status_edit,
        name="training-status",
    ),
    path("staff/surgeries/<uuid:code>/", surgery_edit, name="surgery-edit"),
]
