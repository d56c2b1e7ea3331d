"""Demo data for issue 4 (called by `manage.py seed_demo`): the demo patient's pre-exercise
screening, a signed baseline assessment and a signed re-assessment six weeks later for
lateral hip pain (gluteal tendinopathy, right), with VISA-G, NPRS and PSFS. Every value is
invented, chosen to be plausible and to show improvement. Safe to run twice: nothing is
added when the demo patient already has an assessment.

Everything goes through the real services, so derived values, flags and scores are worked
out exactly as for a clinician's record.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment
from clinic.models import Clinic, Patient, Practitioner
from prescriptions.assessments.services import (
    assessment_create,
    assessment_sign,
    assessment_update_draft,
)
from prescriptions.models import Assessment
from prescriptions.outcomes import instruments
from prescriptions.outcomes.services import ResponseInput
from prescriptions.screening.services import screening_record

DEMO_PATIENT_EMAIL = "demo-patient@example.org"
DEMO_PRACTITIONER_EMAIL = "demo-ep@example.org"
BASELINE_WEEKS_AGO = 9
REASSESSMENT_WEEKS_AGO = 3
ACTIVITIES = ("Walking the dog for 30 minutes", "Sleeping on my right side", "Stairs at work")

D = Decimal


def _hhd(left: str, right: str) -> dict[str, dict[str, Any]]:
    return {
        "": {"position": "supine", "fixation": "belt"},
        "left": {"force_n": D(left), "lever_arm_cm": D("41.0")},
        "right": {"force_n": D(right), "lever_arm_cm": D("41.0")},
    }


BASELINE: dict[str, Any] = {
    "fields": {
        "history": "Right lateral hip pain for five months, worse lying on the right side, on "
        "stairs and after sitting. Started after increasing walking for a charity event. No "
        "injections. Otherwise well.",
        "goals": ["daily_function", "endurance"],
        "goals_note": "Walk the dog for an hour without hip pain",
        "pain_nprs": 6,
        "pain_context": "average_24h",
        "body_mass_kg": D("72.0"),
        "resting_sbp": 124,
        "resting_dbp": 78,
        "resting_hr": 68,
        "reference_sex": "female",
        "findings_note": "Stands hanging into the right hip; pain on the right lateral hip "
        "after 20 minutes of walking.",
    },
    "results": {
        "trendelenburg": {
            "left": {"time_held_s": D(30), "pelvic_response": "elevates", "support": "none"},
            "right": {
                "time_held_s": D(18),
                "pelvic_response": "level",
                "trunk_lean": "yes",
                "support": "none",
                "pain_nprs": D(4),
            },
        },
        "sls_pain": {
            "left": {"pain_nprs": D(0)},
            "right": {
                "pain_nprs": D(5),
                "time_to_pain_s": D(12),
                "pain_location": "lateral_hip",
            },
        },
        "lateral_hip_provocation": {
            "right": {"fader": "pain", "add": "pain", "add_r": "pain", "palpation": "yes"},
            "left": {"fader": "no_pain", "add": "no_pain", "palpation": "no"},
        },
        "hhd_abduction": _hhd("228.0", "162.0"),
        "hip_hang": {"right": {"hangs": "yes"}, "left": {"hangs": "no"}},
    },
    "findings": {"contralateral_pelvic_drop": ["right"], "trunk_lean": ["right"]},
    "visa_g": [4, 2, 5, 5, 2, 5, 4, 10],  # branch B: 37
    "nprs": 6,
    "psfs": [4, 2, 5],
}

REASSESSMENT: dict[str, Any] = {
    "fields": {
        "history": "Six weeks of load management and isometric then isotonic abductor "
        "work. Walking 40 minutes most days; sleeps on the right side most nights.",
        "goals": ["daily_function", "endurance"],
        "goals_note": "Walk the dog for an hour without hip pain",
        "pain_nprs": 3,
        "pain_context": "average_24h",
        "body_mass_kg": D("71.2"),
        "resting_sbp": 120,
        "resting_dbp": 76,
        "resting_hr": 64,
        "reference_sex": "female",
        "findings_note": "No longer hangs into the right hip in standing.",
    },
    "results": {
        "trendelenburg": {
            "left": {"time_held_s": D(30), "pelvic_response": "elevates", "support": "none"},
            "right": {"time_held_s": D(30), "pelvic_response": "elevates", "support": "none"},
        },
        "sls_pain": {"left": {"pain_nprs": D(0)}, "right": {"pain_nprs": D(1)}},
        "lateral_hip_provocation": {
            "right": {"fader": "no_pain", "add": "pain", "add_r": "no_pain", "palpation": "yes"},
            "left": {"fader": "no_pain", "add": "no_pain", "palpation": "no"},
        },
        "hhd_abduction": _hhd("241.0", "214.0"),
        "hip_hang": {"right": {"hangs": "no"}, "left": {"hangs": "no"}},
    },
    "findings": {"contralateral_pelvic_drop": ["right"]},
    "visa_g": [7, 5, 7, 7, 5, 7, 7, 15],  # branch B: 60
    "nprs": 3,
    "psfs": [7, 6, 8],
}


def signed_assessment_record(
    *,
    patient: Patient,
    practitioner: Practitioner,
    day: date,
    conditions: list[str],
    side: str,
    measures: list[str],
    fields: dict[str, Any],
    responses: dict[str, ResponseInput],
    results: dict[str, Any] | None = None,
    findings: dict[str, list[str]] | None = None,
    previous: Assessment | None = None,
    appointment: Appointment | None = None,
) -> Assessment:
    """Record and sign one demo assessment through the real services (derived values,
    flags and scores worked out as for a clinician's record). A re-assessment passes the
    `previous` one, whose battery it repeats."""
    assessment = assessment_create(
        patient=patient,
        practitioner=practitioner,
        created_by=practitioner.user,
        assessed_on=day,
        appointment=appointment,
        conditions=conditions,
        involved_side=side,
        tests=previous.battery if previous else None,
        measures=measures,
    )
    assessment_update_draft(
        assessment=assessment,
        by=practitioner.user,
        fields=fields,
        results=results,
        findings=findings or {},
        responses=responses,
    )
    return assessment_sign(assessment=assessment, by=practitioner.user)


def _record(
    *,
    patient: Patient,
    practitioner: Practitioner,
    day: date,
    data: dict[str, Any],
    previous: Assessment | None,
) -> Assessment:
    if previous is not None:
        carried = previous.outcome_responses.get(instrument="PSFS").activities
        activities = [(a["id"], a["text"]) for a in carried]
    else:
        activities = [("", text) for text in ACTIVITIES]
    return signed_assessment_record(
        patient=patient,
        practitioner=practitioner,
        day=day,
        conditions=["lateral_hip"],
        side="right",
        measures=[*instruments.CONDITION_MEASURES["lateral_hip"], "PSFS"],
        fields=data["fields"],
        results=data["results"],
        findings=data["findings"],
        previous=previous,
        responses={
            "VISA-G": ResponseInput(data["visa_g"], branch="B"),
            "NPRS": ResponseInput([data["nprs"]]),
            "PSFS": ResponseInput(data["psfs"], activities=activities),
        },
    )


def demo_assessments(clinic: Clinic, *, today: date | None = None) -> Assessment | None:
    """Seed the demo patient's screening and two signed assessments once (dated from
    `today`, the clinic's today by default); return their latest signed assessment (None
    without the demo patient or practitioner)."""
    patient = Patient.objects.filter(clinic=clinic, email=DEMO_PATIENT_EMAIL).first()
    practitioner = Practitioner.objects.filter(
        clinic=clinic, user__email=DEMO_PRACTITIONER_EMAIL
    ).first()
    if patient is None or practitioner is None:
        return None
    signed = Assessment.objects.filter(patient=patient, status=Assessment.Status.SIGNED)
    if Assessment.objects.filter(patient=patient).exists():
        return signed.order_by("-assessed_on", "-signed_at").first()
    today = today or timezone.now().astimezone(clinic.tz).date()
    baseline_day = today - timedelta(weeks=BASELINE_WEEKS_AGO)
    with transaction.atomic():
        screening_record(
            patient=patient,
            screened_on=baseline_day,
            answers=[False] * 6,
            activity={
                "light_sessions": 5,
                "light_minutes": 120,
                "moderate_sessions": 2,
                "moderate_minutes": 40,
            },
            wording=instruments.SHIPPED[instruments.APSS].label,
            by=practitioner.user,
        )
        baseline = _record(
            patient=patient,
            practitioner=practitioner,
            day=baseline_day,
            data=BASELINE,
            previous=None,
        )
        return _record(
            patient=patient,
            practitioner=practitioner,
            day=today - timedelta(weeks=REASSESSMENT_WEEKS_AGO),
            data=REASSESSMENT,
            previous=baseline,
        )
