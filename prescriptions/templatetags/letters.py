"""The letters and case conferences on the staff patient page (clinicians only)."""

from __future__ import annotations

from typing import Any

from django import template

from clinic.access import is_clinician
from prescriptions.letters.selectors import (
    case_conference_list_for_patient,
    letter_list_for_patient,
)

register = template.Library()


@register.inclusion_tag("prescriptions/_patient_letters.html", takes_context=True)
def patient_letters(context: dict[str, Any], patient: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not is_clinician(user) or patient.clinic_id != user.clinic_id:
        return {"show": False}
    return {
        "show": True,
        "patient": patient,
        "tz": patient.clinic.tz,
        "letters": letter_list_for_patient(patient=patient),
        "conferences": case_conference_list_for_patient(patient=patient),
    }
