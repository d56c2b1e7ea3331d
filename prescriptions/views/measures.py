"""Staff pages for outcome measures, pre-exercise screening and change over time: attach
a patient's online answers to a draft, record an APSS screening, compare two assessments
with trend charts.

Every view's first line is an access helper (prescriptions/access.py): practitioners and
clinic admins of the patient's clinic only; anyone else gets 404. Each writes one
access-log row: attaching changes the response; the screening page views the patient's
screening history (or, saving one, changes the new screening); the comparison views the
assessments compared.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.audit import (
    ASSESSMENT_COMPARISON,
    SCREENING_HISTORY,
    access_log_record,
)
from clinic.errors import DomainError
from prescriptions import instruments, screening
from prescriptions.access import (
    clinician_or_404,
    get_assessment_for_clinician_or_404,
    get_patient_for_clinician_or_404,
)
from prescriptions.models import OutcomeResponse, PreExerciseScreening
from prescriptions.outcome_forms import CompareForm, ScreeningForm
from prescriptions.progress import assessment_comparison, assessment_trends, signed_assessments
from prescriptions.selectors import instrument_wording, screening_status
from prescriptions.services.outcomes import outcome_response_attach
from prescriptions.services.screening import screening_record


@login_required
@require_POST
def response_attach(
    request: HttpRequest, code: uuid.UUID, response_code: uuid.UUID
) -> HttpResponse:
    assessment = get_assessment_for_clinician_or_404(request, code)
    user = clinician_or_404(request)
    response = get_object_or_404(
        OutcomeResponse, code=response_code, patient_id=assessment.patient_id
    )
    access_log_record(request=request, action="change", record=response, patient=assessment.patient)
    try:
        outcome_response_attach(response=response, assessment=assessment, by=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Attached the patient's {response.instrument} to this assessment."
        )
    edit = reverse("prescriptions:assessment-edit", args=[assessment.code])
    return redirect(f"{edit}#measure-{response.instrument}")


@login_required
@require_http_methods(["GET", "POST"])
def screening_page(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """The patient's APSS stage 1 screenings (latest first) and a form for a new one."""
    patient = get_patient_for_clinician_or_404(request, patient_code)
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


@login_required
def assessment_compare(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """Baseline against now for every measure, with the change and its verdict, and the
    key measures over every signed assessment as charts with data tables."""
    patient = get_patient_for_clinician_or_404(request, patient_code)
    assessments = signed_assessments(patient=patient)
    if not assessments:
        raise Http404("No signed assessments.")
    by_code = {str(a.code): a for a in assessments}
    initial = {"baseline": str(assessments[0].code), "current": str(assessments[-1].code)}
    chosen = {
        name: by_code.get(request.GET.get(name, ""), by_code[initial[name]]) for name in initial
    }
    form = CompareForm(
        initial={name: str(a.code) for name, a in chosen.items()}, assessments=assessments
    )
    baseline, current = chosen["baseline"], chosen["current"]
    if baseline.assessed_on > current.assessed_on:
        baseline, current = current, baseline
    access_log_record(
        request=request,
        action="view",
        record=patient,
        patient=patient,
        record_type=ASSESSMENT_COMPARISON,
    )
    return render(
        request,
        "prescriptions/assessment_compare.html",
        {
            "patient": patient,
            "form": form,
            "comparison": assessment_comparison(baseline=baseline, current=current)
            if baseline.pk != current.pk
            else None,
            "baseline": baseline,
            "current": current,
            "trends": assessment_trends(assessments=assessments),
            "count": len(assessments),
        },
    )


urlpatterns: list[URLPattern] = [
    path(
        "staff/assessments/<uuid:code>/responses/<uuid:response_code>/attach/",
        response_attach,
        name="response-attach",
    ),
    path("staff/patients/<uuid:patient_code>/screening/", screening_page, name="screening"),
    path(
        "staff/patients/<uuid:patient_code>/assessments/compare/",
        assessment_compare,
        name="assessment-compare",
    ),
]
