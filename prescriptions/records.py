"""The prescriptions app's sections of a patient's own record (clinic.records).

- Assessments: every signed version, amendments included (with their reason); drafts are
  work in progress and are left out until signed.
- Outcome measures: what the patient answered online (always theirs), and the measures of
  signed assessments, with their scores. Drafts' measures wait for the sign-off.
- Pre-exercise screening: every APSS stage 1 screening with its answers and advice.
- Exercise programmes: every published version with its exercises, doses and phases (a
  draft the patient has never been shown is left out).
- Exercise sessions: everything the patient logged, with next-morning pain and the pain
  flag's reasons.
No staff-only detail: no internal ids, no reviewer, no staff notes on the builder.
"""

from __future__ import annotations

from django.db.models import Prefetch

import prescriptions.notes.records  # noqa: F401 - registers the goals and notes sections
from clinic.models import Patient
from clinic.records import Entry, RecordSection, Value, local_time, record_section, text
from prescriptions.assessments import battery
from prescriptions.models import (
    Assessment,
    CaseConference,
    Letter,
    OutcomeResponse,
    PreExerciseScreening,
    Programme,
    ProgrammeItem,
    ProgrammeVersion,
    SessionLog,
    SurgeryRecord,
    TrainingStatus,
)
from prescriptions.outcomes import scoring as outcomes
from prescriptions.patient_programme.selectors import dose_words, load_words
from prescriptions.screening import apss as screening


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


# --- Outcome measures -------------------------------------------------------------------


def _answers(response: OutcomeResponse) -> list[str]:
    if response.instrument == "PSFS":
        return [f"{a.get('text', '')}: {rating}" for a, rating in response.ratings()]
    return [
        f"Item {number}: {'not answered' if value is None else value}"
        for number, value in enumerate(response.answers, start=1)
    ]


@record_section("outcome_measures", order=32)
def outcome_measures(patient: Patient) -> RecordSection:
    found = (
        OutcomeResponse.objects.filter(patient=patient)
        .exclude(source=OutcomeResponse.Source.STAFF, assessment__status=Assessment.Status.DRAFT)
        .select_related("assessment")
        .order_by("-completed_on", "instrument", "-created_at")
    )
    entries = []
    for r in found:
        instrument = outcomes.INSTRUMENTS.get(r.instrument)
        a = r.assessment
        fields = [
            ("instrument", "Measure", f"{r.instrument}: {instrument.name}" if instrument else None),
            ("completed_on", "Date", text(r.completed_on)),
            ("source", "How", r.get_source_display()),
            ("score", "Score", r.total_display),
            ("note", "About the score", r.note or None),
            ("answers", "Answers", _answers(r)),
            (
                "assessment",
                "Assessment",
                f"{a.assessed_on:%-d %B %Y}, version {a.version}" if a else None,
            ),
        ]
        entries.append(
            Entry(heading=f"{r.instrument} on {r.completed_on:%-d %B %Y}", fields=fields)
        )
    return RecordSection(
        key="outcome_measures",
        title="Questionnaires and outcome measures",
        entries=entries,
        description="What you answered online, and the measures of signed assessments.",
        empty="No questionnaires.",
    )


# --- Pre-exercise screening -------------------------------------------------------------


@record_section("screening", order=34)
def screenings(patient: Patient) -> RecordSection:
    entries = []
    for row in PreExerciseScreening.objects.filter(patient=patient):
        answers = [
            f"{q.number}. {q.theme}: {'yes' if answer else 'no'}"
            for q, answer in zip(screening.QUESTIONS, row.answers, strict=False)
        ]
        fields = [
            ("screened_on", "Date", text(row.screened_on)),
            ("source", "How", row.get_source_display()),
            ("answers", "Health questions", answers),
            ("advice", "Advice", row.advice or None),
            ("weighted_minutes", "Weighted activity minutes a week", row.weighted_minutes),
            ("activity_advice", "About your activity", row.activity_advice or None),
            ("notes", "Notes", row.notes or None),
        ]
        entries.append(
            Entry(heading=f"Pre-exercise screening on {row.screened_on:%-d %B %Y}", fields=fields)
        )
    return RecordSection(
        key="screening",
        title="Pre-exercise screening",
        entries=entries,
        description="The Adult Pre-exercise Screening System (stage 1), newest first.",
        empty="No screenings.",
    )


@record_section("surgery", order=36)
def surgeries(patient: Patient) -> RecordSection:
    entries = [
        Entry(
            heading=f"{row.title}, {row.performed_on:%-d %B %Y}",
            fields=[
                ("performed_on", "Date of surgery", text(row.performed_on)),
                ("approach", "Approach", row.get_approach_display() or None),
                ("graft", "Graft", row.get_graft_display() or None),
                (
                    "precautions_cleared_on",
                    "Precautions cleared on",
                    text(row.precautions_cleared_on) if row.precautions_cleared_on else None,
                ),
            ],
        )
        for row in SurgeryRecord.objects.filter(patient=patient)
    ]
    status = TrainingStatus.objects.filter(patient=patient).first()
    if status is not None:
        entries.append(
            Entry(
                heading="Training status",
                fields=[("training_status", "Training status", status.get_status_display())],
            )
        )
    return RecordSection(
        key="surgery",
        title="Surgery and training status",
        entries=entries,
        description="Surgeries as your clinic recorded them, newest first, and your "
        "resistance-training status.",
        empty="No surgery or training status recorded.",
    )


# --- Exercise programmes ----------------------------------------------------------------


def _item_rows(version: ProgrammeVersion) -> list[str]:
    rows = []
    for item in version.items.all():
        phase = f" ({item.phase.name})" if item.phase is not None else ""
        note = f". {item.notes}" if item.notes else ""
        rows.append(
            f"{item.order}. {item.exercise.name}{phase}: {dose_words(item)}, "
            f"{load_words(item).lower()}, {item.days_per_week} days a week{note}"
        )
    return rows


@record_section("programmes", order=40)
def programmes(patient: Patient) -> RecordSection:
    published = ProgrammeVersion.objects.filter(published_at__isnull=False).prefetch_related(
        Prefetch(
            "items",
            queryset=ProgrammeItem.objects.select_related("exercise", "phase").order_by("order"),
        ),
        "phases",
    )
    found = (
        Programme.objects.filter(patient=patient, versions__published_at__isnull=False)
        .distinct()
        .select_related("practitioner")
        .prefetch_related(Prefetch("versions", queryset=published.order_by("-number")))
        .order_by("-created_at")
    )
    entries = []
    for p in found:
        for v in p.versions.all():
            phases = [f"{ph.name}: from {text(ph.starts_on)}" for ph in v.phases.all()]
            fields: list[tuple[str, str, Value]] = [
                ("programme", "Programme", p.display_title),
                ("goal", "Goal", p.goal_label),
                ("practitioner", "Prescribed by", p.practitioner.display_name),
                ("status", "Status", p.get_status_display()),
                ("version", "Version", v.number),
                ("published", "Published", local_time(v.published_at, patient)),
                ("change_note", "What changed", v.change_note or None),
                ("phases", "Phases", phases),
                ("exercises", "Exercises", _item_rows(v)),
            ]
            entries.append(Entry(heading=f"{p.display_title}, version {v.number}", fields=fields))
    return RecordSection(
        key="programmes",
        title="Exercise programmes",
        entries=entries,
        description="Every version you were given, newest first.",
        empty="No exercise programmes.",
    )


# --- Exercise sessions ------------------------------------------------------------------


def _entry_rows(session: SessionLog) -> list[str]:
    rows = []
    for e in session.entries.all():
        done = []
        for value, unit in (
            (e.reps, "repetitions"),
            (e.hold_seconds, "seconds"),
            (e.distance_m, "metres"),
        ):
            if value is not None:
                done.append(f"{value} {unit}")
        if e.load_kg is not None:
            done.append(f"{text(e.load_kg)} kg")
        if e.pain_during is not None:
            done.append(f"pain {e.pain_during}/10")
        if e.rpe is not None:
            done.append(f"effort (RPE) {e.rpe}/10")
        state = "done" if e.done else "not done"
        rows.append(f"{e.item.exercise.name}: {state}" + (f", {', '.join(done)}" if done else ""))
    return rows


@record_section("sessions", order=45)
def sessions(patient: Patient) -> RecordSection:
    found = (
        SessionLog.objects.filter(patient=patient)
        .select_related("version__programme")
        .prefetch_related("entries__item__exercise")
    )
    entries = []
    for s in found:
        fields = [
            ("performed_on", "Day", text(s.performed_on)),
            ("programme", "Programme", s.version.programme.display_title),
            ("version", "Version", s.version.number),
            ("exercises", "Exercises", _entry_rows(s)),
            ("comment", "Your comment", s.comment or None),
            ("morning_pain", "Pain next morning (0 to 10)", s.morning_pain),
            ("pain_flag", "Pain flag", "Yes" if s.pain_flag else "No"),
            ("pain_flag_reasons", "Why", list(s.pain_flag_reasons)),
        ]
        entries.append(Entry(heading=f"Session on {s.performed_on:%-d %B %Y}", fields=fields))
    return RecordSection(
        key="sessions",
        title="Exercise sessions",
        entries=entries,
        description="Every session you logged, newest first.",
        empty="No sessions logged.",
    )


# --- Letters and case conferences -------------------------------------------------------


@record_section("letters", order=50)
def letters(patient: Patient) -> RecordSection:
    """Signed letters the clinic chose to share with the patient, with their text and
    where they were sent; the others stay with the clinic."""
    found = (
        Letter.objects.filter(
            patient=patient, status=Letter.Status.SIGNED, shared_with_patient=True
        )
        .select_related("practitioner")
        .prefetch_related("deliveries__notification")
        .order_by("-signed_at")
    )
    entries = []
    for letter in found:
        sent = [
            f"{d.to_name or d.to_email}: {local_time(d.notification.sent_at, patient)}"
            for d in letter.deliveries.all()
            if d.notification is not None and d.notification.sent_at is not None
        ]
        fields: list[tuple[str, str, Value]] = [
            ("kind", "Letter", letter.get_kind_display()),
            ("signed", "Signed", local_time(letter.signed_at, patient)),
            ("from", "From", letter.practitioner.display_name),
            ("to", "To", letter.recipient_name or None),
            ("subject", "Subject", letter.subject),
            ("text", "Text", letter.body.strip()),
            ("sent", "Sent to", sent),
        ]
        entries.append(Entry(heading=letter.subject, fields=fields))
    return RecordSection(
        key="letters",
        title="Letters about you",
        entries=entries,
        description="Letters and reports to other practitioners that your clinic shares "
        "with you, newest first.",
        empty="No letters shared with you.",
    )


@record_section("case_conferences", order=52)
def case_conferences(patient: Patient) -> RecordSection:
    found = (
        CaseConference.objects.filter(patient=patient, shared_with_patient=True)
        .select_related("practitioner")
        .prefetch_related("participants")
    )
    entries = []
    for c in found:
        fields: list[tuple[str, str, Value]] = [
            ("starts", "Started", local_time(c.starts_at, patient)),
            ("ends", "Ended", local_time(c.ends_at, patient)),
            ("how", "How", c.get_mode_display()),
            (
                "participants",
                "Who took part",
                [f"{p.name}, {p.get_role_display()}" for p in c.participants.all()],
            ),
            ("matters_discussed", "Matters discussed", c.matters_discussed),
            ("outcomes", "Outcomes", c.outcomes),
        ]
        entries.append(Entry(heading=f"Case conference on {c.starts_at:%-d %B %Y}", fields=fields))
    return RecordSection(
        key="case_conferences",
        title="Case conferences",
        entries=entries,
        description="Meetings of your care team about you that your clinic shares with you.",
        empty="No case conferences shared with you.",
    )
