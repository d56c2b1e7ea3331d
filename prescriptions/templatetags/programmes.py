"""Programme pieces for other apps' staff pages (the patient page and the assessment
page), shown to practitioners and clinic admins only: reception never sees them."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from clinic.access import is_clinician
from prescriptions.patient_programme.flags import pain_flag_list_open
from prescriptions.programmes.selectors import programme_list_for_patient

register = template.Library()


def _clinician_of(context: dict[str, Any], clinic_id: int) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return is_clinician(user) and user.clinic_id == clinic_id


@register.inclusion_tag("prescriptions/_staff_patient_programmes.html", takes_context=True)
def staff_patient_programmes(context: dict[str, Any], patient: Any) -> dict[str, Any]:
    """The patient's programmes with their status and versions, and a way to start one."""
    if not _clinician_of(context, patient.clinic_id):
        return {"show": False}
    return {
        "show": True,
        "rows": programme_list_for_patient(patient=patient),
        "start_url": reverse("prescriptions:programme-new", args=[patient.code]),
    }


@register.inclusion_tag("prescriptions/_staff_pain_flags.html", takes_context=True)
def staff_patient_pain_flags(context: dict[str, Any], patient: Any) -> dict[str, Any]:
    """The patient's pain flags no practitioner has marked seen, each with "Mark seen"."""
    if not _clinician_of(context, patient.clinic_id):
        return {"flags": []}
    return {"flags": list(pain_flag_list_open(patient=patient))}


@register.inclusion_tag("prescriptions/_programme_start_link.html", takes_context=True)
def programme_start_link(context: dict[str, Any], assessment: Any) -> dict[str, Any]:
    """ "Start a programme" from a signed (current) assessment."""
    if assessment.status != "signed" or not _clinician_of(context, assessment.clinic_id):
        return {"url": ""}
    url = reverse("prescriptions:programme-new", args=[assessment.patient.code])
    return {"url": f"{url}?assessment={assessment.code}", "count": assessment.programmes.count()}
