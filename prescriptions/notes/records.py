"""The patient's own record (clinic.records): their goals and their signed treatment
notes with every addendum. Drafts are work in progress and stay out until signed. No
internal ids, no staff-only detail."""

from __future__ import annotations

from clinic.models import Patient
from clinic.records import Entry, RecordSection, local_time, record_section, text
from prescriptions.notes.models import Goal, TreatmentNote


@record_section("goals", order=38)
def goals(patient: Patient) -> RecordSection:
    entries = []
    for g in Goal.objects.filter(patient=patient):
        aim = (
            f"From {text(g.baseline)} to {text(g.target)}"
            + (f" ({g.measure})" if g.measure else "")
            if g.target is not None
            else None
        )
        entries.append(
            Entry(
                heading=g.activity,
                fields=[
                    ("activity", "Activity", g.activity),
                    ("psfs_activity", "PSFS activity", g.psfs_activity_text or None),
                    ("aim", "Aim", aim),
                    ("target_date", "By", text(g.target_date)),
                    ("why", "Why it matters", g.why),
                    ("status", "Status", g.get_status_display()),
                    ("status_on", "Since", text(g.status_on)),
                ],
            )
        )
    return RecordSection(
        key="goals",
        title="Goals",
        entries=entries,
        description="The goals you set with your practitioner.",
        empty="No goals.",
    )


@record_section("treatment_notes", order=46)
def treatment_notes(patient: Patient) -> RecordSection:
    found = (
        TreatmentNote.objects.filter(patient=patient, status=TreatmentNote.Status.SIGNED)
        .select_related("author", "signed_by")
        .prefetch_related("addenda__author")
    )
    entries = []
    for n in found:
        addenda = [
            f"{a.get_kind_display()}, {local_time(a.created_at, patient)}: {a.text}"
            for a in n.addenda.all()
        ]
        fields = [
            ("started", "Started", local_time(n.started_at, patient)),
            ("ended", "Ended", local_time(n.ended_at, patient)),
            ("mode", "Mode", n.get_mode_display()),
            ("practitioner", "Practitioner", n.author.display_name),
            ("signed", "Signed", local_time(n.signed_at, patient)),
            ("subjective", "Subjective", n.subjective or None),
            ("objective", "Objective", n.objective or None),
            ("assessment", "Assessment", n.assessment or None),
            ("plan", "Plan", n.plan or None),
            ("programme_changes", "Programme changes", list(n.programme_changes)),
            ("figures", "Figures from your record", list(n.figures)),
            ("goal_progress", "Goals", list(n.goal_progress)),
            ("addenda", "Added later", addenda),
        ]
        day = n.started_at.astimezone(patient.clinic.tz)
        entries.append(Entry(heading=f"Visit note, {day:%-d %B %Y}", fields=fields))
    return RecordSection(
        key="treatment_notes",
        title="Visit notes",
        entries=entries,
        description="Signed notes of your visits, with anything added later.",
        empty="No signed visit notes.",
    )
