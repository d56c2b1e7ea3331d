"""The patient's programmes on their account page (`/me/`)."""

from __future__ import annotations

from typing import Any

from django import template

from prescriptions.patient_programme.selectors import (
    programme_current_for_user,
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


@register.simple_tag
def my_current_programme(user: Any) -> Any:
    """The signed-in patient's current programme, or None: `{% my_current_programme user
    as programme %}` ("My programme" in the navigation, the front page's start button)."""
    if getattr(user, "is_clinic_staff", False):
        return None
    return programme_current_for_user(user)
