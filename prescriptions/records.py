"""The prescriptions app's sections of a patient's own record (clinic.records).

Assessments: every signed version, amendments included (with their reason); drafts are
work in progress and are left out until signed. Other areas of this app (programmes,
session logs, outcome measures, screening) add their sections here or in a module of
their own registered with `@record_section`.
"""

from __future__ import annotations

from clinic.models import Patient
from clinic.records import Entry, RecordSection, local_time, record_section, text
from prescriptions import battery
from prescriptions.models import Assessment


def _measurement_rows(assessment: Assessment) -> list[str]:
    rows = []
    for m in assessment.measurements.all():
        test = battery.TESTS.get(m.test)
        name = test.name if test else m.test
        side = f" ({m.side})" if m.side else ""
        value = f"{text(m.number)} {m.unit}".strip() if m.number is not None else m.text
        kind = ", derived" if m.derived else ""
        rows.append(f"{name}{side}, {m.measure}{kind}: {value}")
    return rows


@record_section("assessments", order=30)
def assessments(patient: Patient) -> RecordSection:
    found = (
        Assessment.objects.filter(patient=patient)
        .exclude(status=Assessment.Status.DRAFT)
        .select_related("practitioner")
        .prefetch_related("measurements")
        .order_by("-assessed_on", "chain", "-version")
    )
    entries = []
    for a in found:
        fields = [
            ("assessed_on", "Date", text(a.assessed_on)),
            ("practitioner", "Practitioner", a.practitioner.display_name),
            ("version", "Version", a.version),
            ("status", "Status", a.get_status_display()),
            ("signed", "Signed", local_time(a.signed_at, patient)),
            ("amendment_reason", "Why it was amended", a.amendment_reason or None),
            ("conditions", "Conditions", a.condition_labels),
            ("affected_side", "Affected side", a.get_involved_side_display() or None),
            ("history", "History", a.history or None),
            ("goals", "Goals", a.goal_labels),
            ("goals_note", "About the goals", a.goals_note or None),
            ("red_flags", "Red flags", a.red_flag_labels),
            ("red_flags_note", "About the red flags", a.red_flags_note or None),
            ("pain_nprs", "Pain (0 to 10)", a.pain_nprs),
            ("body_mass_kg", "Body mass (kg)", text(a.body_mass_kg)),
            ("resting_sbp", "Resting systolic blood pressure (mmHg)", a.resting_sbp),
            ("resting_dbp", "Resting diastolic blood pressure (mmHg)", a.resting_dbp),
            ("resting_hr", "Resting heart rate (beats per minute)", a.resting_hr),
            ("findings_note", "Findings", a.findings_note or None),
            ("measurements", "Measurements", _measurement_rows(a)),
        ]
        entries.append(Entry(heading=f"Assessment on {a.assessed_on:%-d %B %Y}", fields=fields))
    return RecordSection(
        key="assessments",
        title="Assessments",
        entries=entries,
        description="Signed assessments, with every amended version.",
        empty="No signed assessments.",
    )
