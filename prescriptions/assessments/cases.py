"""A patient's case for the rules core (`prescriptions.rules.case.Case`), read from the
records: the assessment (conditions, goals, red flags and stop signs, findings, recorded
values), the patient (age on the day, training status) and their surgery record. The
screens hand it to `prescriptions.rules.engine.evaluate`, the function behind
`manage.py suggest_programme`, so they show the same decisions as the audit command."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from prescriptions.rules import engine, postop
from prescriptions.rules.case import Case, CasePatient, Measurement, ProgrammeState
from prescriptions.surgery.selectors import surgery_for_rules, training_status_of

if TYPE_CHECKING:
    from clinic.models import Patient
    from prescriptions.models import Assessment


def case_for(
    *,
    patient: Patient,
    assessment: Assessment | None,
    on_date: date,
    goal: str | None = None,
) -> Case:
    """The case of `patient` on `on_date`, from `assessment` (None: the patient alone)."""
    surgery = surgery_for_rules(patient=patient, on_date=on_date)
    a = assessment
    measurements: tuple[Measurement, ...] = ()
    if a is not None:
        measurements = tuple(
            Measurement(m.test, m.side, m.measure, m.text if m.number is None else float(m.number))
            for m in a.measurements.all()
            if not m.derived
        )
    findings = (
        tuple((code, side) for code, sides in a.findings.items() for side in (sides or [""]))
        if a is not None
        else ()
    )
    return Case(
        on_date=on_date,
        patient=CasePatient(
            age=patient.age_on(on_date),
            sex=(a.reference_sex or None) if a is not None else None,
            body_mass_kg=float(a.body_mass_kg) if a is not None and a.body_mass_kg else None,
            training_status=training_status_of(patient=patient),
        ),
        conditions=tuple(a.conditions) if a is not None else (),
        involved_side=a.involved_side if a is not None else "",
        goals=tuple(a.goals) if a is not None else (),
        surgery=surgery,
        red_flags=tuple(a.red_flags) if a is not None else (),
        signs=tuple(a.stop_signs) if a is not None else (),
        findings=findings,
        measurements=measurements,
        programme=ProgrammeState(goal=goal),
    )


def assessment_decision(assessment: Assessment) -> engine.Result:
    """The rules core's decision for the assessment's case on its own day: the flags
    (stop signs, surgery precautions, falls risk, the ACL battery...), the exercises it
    would suggest and what it keeps out."""
    return engine.evaluate(
        case_for(patient=assessment.patient, assessment=assessment, on_date=assessment.assessed_on)
    )


def stop_sign_checklist_due(assessment: Assessment) -> bool:
    """Whether to open the stop-sign checklist: a recent joint injection or surgery ticked,
    a surgery whose checklist weeks are running, or a stop sign already ticked."""
    if "recent_injection" in assessment.red_flags or assessment.stop_signs:
        return True
    surgery = surgery_for_rules(patient=assessment.patient, on_date=assessment.assessed_on)
    until = postop.checklist_until(surgery=surgery, injection_on=None)
    return until is not None and assessment.assessed_on <= until
