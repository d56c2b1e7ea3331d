"""Assessment pieces for other apps' staff pages (the patient and appointment pages),
shown to practitioners and clinic admins only: reception never sees clinical records."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from prescriptions.access import is_clinician
from prescriptions.selectors import assessment_list_for_patient

register = template.Library()

FLAGS_AT_A_GLANCE = 4


def assessment_start_url(patient_code: Any, appointment_code: Any = None) -> str:
    url = reverse("prescriptions:assessment-new", args=[patient_code])
    return f"{url}?appointment={appointment_code}" if appointment_code else url


@register.inclusion_tag("prescriptions/_patient_assessments.html", takes_context=True)
def patient_assessments(context: dict[str, Any], patient: Any) -> dict[str, Any]:
    """The patient's current assessments with their flags, and a way to start one."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not is_clinician(user) or patient.clinic_id != user.clinic_id:
        return {"show": False}
    rows = []
    for assessment in assessment_list_for_patient(patient=patient):
        flags = assessment.flags
        rows.append(
            {
                "assessment": assessment,
                "flags": flags[:FLAGS_AT_A_GLANCE],
                "more": max(0, len(flags) - FLAGS_AT_A_GLANCE),
                "stops": len(assessment.stop_flags),
            }
        )
    return {"show": True, "rows": rows, "start_url": assessment_start_url(patient.code)}


@register.inclusion_tag("prescriptions/_start_link.html", takes_context=True)
def assessment_start_link(context: dict[str, Any], appointment: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not is_clinician(user):
        return {"url": ""}
    return {"url": assessment_start_url(appointment.patient.code, appointment.code)}
