"""The patient's programmes on their account page (`/me/`)."""

from __future__ import annotations

from typing import Any

from django import template

from prescriptions.patient_programme.selectors import (
    programme_list_for_patient,
    split_current_and_past,
)

register = template.Library()


@register.inclusion_tag("prescriptions/_my_programmes.html")
def my_programmes(patient: Any) -> dict[str, Any]:
    """A section listing the patient's current programmes (and a link to past ones);
    nothing when there are none."""
    if patient is None:
        return {"programmes": [], "past": []}
    current, past = split_current_and_past(programme_list_for_patient(patient))
    return {"programmes": current, "past": past}
