"""Assessment pieces for other apps' staff pages (the patient and appointment pages),
shown to practitioners and clinic admins only: reception never sees clinical records."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from clinic.access import is_clinician
from prescriptions.assessments.selectors import assessment_list_for_patient
from prescriptions.outcomes import instruments
from prescriptions.outcomes import scoring as outcomes
from prescriptions.outcomes.selectors import responses_by_measure, responses_waiting
from prescriptions.screening.selectors import screening_flagged_patient_ids, screening_status
from prescriptions.surgery.models import TrainingStatus
from prescriptions.surgery.selectors import surgery_list_for_patient, training_status_of

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
    assessments = assessment_list_for_patient(patient=patient)
    for assessment in assessments:
        flags = assessment.flags
        responses = sorted(
            assessment.outcome_responses.all(),
            key=lambda r: list(outcomes.INSTRUMENTS).index(r.instrument),
        )
        rows.append(
            {
                "assessment": assessment,
                "flags": flags[:FLAGS_AT_A_GLANCE],
                "more": max(0, len(flags) - FLAGS_AT_A_GLANCE),
                "stops": len(assessment.stop_flags),
                "responses": responses,
            }
        )
    signed = [a for a in assessments if a.status == a.Status.SIGNED]
    today = timezone.now().astimezone(patient.clinic.tz).date()
    return {
        "show": True,
        "rows": rows,
        "start_url": assessment_start_url(patient.code),
        "compare_url": reverse("prescriptions:assessment-compare", args=[patient.code])
        if len(signed) > 1
        else "",
        "waiting": responses_waiting(patient=patient),
        "surgeries": surgery_list_for_patient(patient=patient),
        "training_status": TrainingStatus.Status(status).label
        if (status := training_status_of(patient=patient))
        else "",
        "surgery_url": reverse("prescriptions:surgery-list", args=[patient.code]),
        "screening": {
            "show": True,
            "patient": patient,
            "status": screening_status(patient=patient, today=today),
            "url": reverse("prescriptions:screening", args=[patient.code]),
        },
    }


@register.inclusion_tag("prescriptions/_start_link.html", takes_context=True)
def assessment_start_link(context: dict[str, Any], appointment: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not is_clinician(user):
        return {"url": ""}
    return {"url": assessment_start_url(appointment.patient.code, appointment.code)}


def _clinician_of(context: dict[str, Any], patient: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return is_clinician(user) and patient.clinic_id == user.clinic_id


@register.inclusion_tag("prescriptions/_screening_notice.html", takes_context=True)
def screening_notice(context: dict[str, Any], patient: Any, level: int = 2) -> dict[str, Any]:
    """The patient's pre-exercise screening: a yes flags them; a re-screen is prompted
    after 12 months or a new condition (CLINICAL.md §5.1). `level` is its heading's level
    on the page (2 at the top of a page, 3 inside a section)."""
    if not _clinician_of(context, patient):
        return {"show": False}
    today = timezone.now().astimezone(patient.clinic.tz).date()
    return {
        "show": True,
        "level": level,
        "patient": patient,
        "status": screening_status(patient=patient, today=today),
        "url": reverse("prescriptions:screening", args=[patient.code]),
    }


@register.inclusion_tag("prescriptions/_responses_waiting.html", takes_context=True)
def responses_waiting_panel(context: dict[str, Any], assessment: Any) -> dict[str, Any]:
    """Measures the patient completed online, ready to attach to this draft."""
    if not _clinician_of(context, assessment.patient) or not assessment.is_draft:
        return {"show": False}
    rows = responses_waiting(patient=assessment.patient)
    return {
        "show": bool(rows),
        "rows": rows,
        "assessment": assessment,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("prescriptions/_measure_results.html", takes_context=True)
def assessment_measures(context: dict[str, Any], assessment: Any) -> dict[str, Any]:
    """The outcome measures of an assessment as stored, with their scores."""
    if not _clinician_of(context, assessment.patient):
        return {"show": False}
    saved = responses_by_measure(assessment=assessment)
    rows = [
        {"code": code, "instrument": outcomes.INSTRUMENTS[code], "response": saved.get(code)}
        for code in instruments.ordered_measures([*assessment.measures, *saved])
    ]
    return {"show": True, "rows": rows}


@register.simple_tag(takes_context=True)
def screening_flags(context: dict[str, Any], days: Any) -> set[int]:
    """Patients on this schedule whose latest pre-exercise screening has a yes, for
    clinicians (one query; reception sees no clinical flags)."""
    request = context.get("request")
    if not is_clinician(getattr(request, "user", None)):
        return set()
    ids = [
        entry.row.appointment.patient_id
        for day in days
        for column in day.columns
        for entry in column.entries
        if entry.row is not None
    ]
    return screening_flagged_patient_ids(patient_ids=ids)
