"""Staff pages for outcome measures, pre-exercise screening and change over time: attach
a patient's online answers to a draft, record an APSS screening, compare two assessments
with trend charts.

Every view's first line is an access helper (clinic/access.py): practitioners and
clinic admins of the patient's clinic only; anyone else gets 404. Each writes one
access-log row: attaching changes the response; the screening page views the patient's
screening history (or, saving one, changes the new screening); the comparison views the
assessments compared.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from clinic.access import clinician_or_404, record_for_clinician_or_404
from clinic.audit import (
    access_log_record,
)
from clinic.errors import DomainError
from prescriptions.assessments.selectors import assessment_records
from prescriptions.models import OutcomeResponse
from prescriptions.outcomes.services import outcome_response_attach


@login_required
@require_POST
def response_attach(
    request: HttpRequest, code: uuid.UUID, response_code: uuid.UUID
) -> HttpResponse:
    assessment = record_for_clinician_or_404(request, assessment_records(), code)
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


urlpatterns: list[URLPattern] = [
    path(
        "staff/assessments/<uuid:code>/responses/<uuid:response_code>/attach/",
        response_attach,
        name="response-attach",
    ),
]
