"""Treatment-note and goal pieces for other apps' staff pages (the patient and appointment
pages), shown to practitioners and clinic admins only: reception never sees clinical
records."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from clinic.access import is_clinician
from prescriptions.notes import selectors
from prescriptions.notes.models import TreatmentNote

register = template.Library()


def _clinician_of(context: dict[str, Any], clinic_id: int) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return is_clinician(user) and user.clinic_id == clinic_id


@register.inclusion_tag("prescriptions/_patient_notes_goals.html", takes_context=True)
def patient_notes_and_goals(context: dict[str, Any], patient: Any) -> dict[str, Any]:
    """The patient's treatment notes (newest first) and goals, with links."""
    if not _clinician_of(context, patient.clinic_id):
        return {"show": False}
    goals = selectors.goal_list_for_patient(patient=patient)
    latest = selectors.latest_values(patient=patient, goals=goals)
    return {
        "show": True,
        "patient": patient,
        "notes": selectors.note_list_for_patient(patient=patient),
        "goals": [(g, selectors.goal_progress_line(g, latest)) for g in goals],
        "goals_url": reverse("prescriptions:goal-list", args=[patient.code]),
        "tz": patient.clinic.tz,
    }


@register.inclusion_tag("prescriptions/_note_link.html", takes_context=True)
def note_link(context: dict[str, Any], appointment: Any) -> dict[str, Any]:
    """ "Write note" or "Note signed" for a visit that needs a note."""
    if not _clinician_of(context, appointment.practitioner.clinic_id):
        return {"show": False}
    if appointment.status not in selectors.NOTE_DUE_STATUSES:
        return {"show": False}
    note = TreatmentNote.objects.filter(appointment=appointment).first()
    return {
        "show": True,
        "note": note,
        "url": note.get_absolute_url()
        if note is not None
        else reverse("prescriptions:note-start", args=[appointment.code]),
    }


@register.inclusion_tag("prescriptions/_my_goals_links.html")
def my_goals_and_notes_links(patient: Any) -> dict[str, Any]:
    """Links to the patient's goals and visit notes, as far as their clinic shows them."""
    settings = selectors.note_settings_for(patient.clinic)
    return {
        "goals": settings.goals_visible_to_patient,
        "notes": settings.notes_visible_to_patient,
    }
