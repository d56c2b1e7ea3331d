"""What a letter's placeholders hold: the patient's record read for one letter, as plain
text (prescriptions/letters/placeholders.py lists the names).

Goals and referral details come from two small functions, `letter_goals` (the SMART
goals, prescriptions/notes) and `letter_referral` (the referral, clinic/referrals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from bookings.funding import referral_is_open
from bookings.models import Appointment
from clinic.models import Patient, Practitioner
from clinic.referrals.models import Referral
from prescriptions.assessments import battery
from prescriptions.assessments.comparison import assessment_comparison, signed_assessments
from prescriptions.letters.models import CaseConference
from prescriptions.models import Assessment, Programme, ProgrammeVersion, SessionLog
from prescriptions.notes.selectors import goal_list_for_patient, goal_progress_line, latest_values
from prescriptions.outcomes import scoring as outcomes
from prescriptions.programmes.selectors import dose_text, load_text

NEXT_STEPS_PROMPT = "[Write the next steps and any requests to the recipient here.]"
NOT_RECORDED = "Not recorded."
NO_VISIT_DATE = "[date: no visit marked attended yet]"
"""In square brackets, like the next-steps prompt: for the practitioner to fill in."""
NO_REFERRAL_DATE = "[date of referral]"
PROMPTS = (NEXT_STEPS_PROMPT, NO_VISIT_DATE, NO_REFERRAL_DATE)
"""What the app writes for the practitioner to replace: a letter with one left is not
signed."""
ATTENDED = (Appointment.Status.ATTENDED, Appointment.Status.COMPLETED)

QUALIFICATIONS: dict[str, str] = {
    Practitioner.Profession.EXERCISE_PHYSIOLOGIST: "Accredited Exercise Physiologist (AEP)",
    Practitioner.Profession.PHYSIOTHERAPIST: "Physiotherapist",
}


@dataclass(frozen=True)
class ReferralDetails:
    """The referral a letter answers, when one is recorded."""

    referrer_name: str = ""
    referrer_email: str = ""
    referrer_provider_number: str = ""
    referral_date: date | None = None


def letter_goals(*, patient: Patient) -> str:
    """The patient's active SMART goals with their progress, one per line ("" when none)."""
    goals = goal_list_for_patient(patient=patient, active_only=True)
    latest = latest_values(patient=patient, goals=goals)
    return "\n".join(f"- {goal_progress_line(g, latest)}" for g in goals)


def letter_referral(*, patient: Patient) -> ReferralDetails:
    """The patient's current referral: the latest one still open today, else the latest
    (empty when none is recorded)."""
    today = timezone.now().astimezone(patient.clinic.tz).date()
    referrals = list(
        Referral.objects.filter(patient=patient)
        .select_related("referrer")
        .order_by("-referral_date", "-pk")
    )
    current = next((r for r in referrals if referral_is_open(r, today)), None)
    chosen = current or (referrals[0] if referrals else None)
    if chosen is None:
        return ReferralDetails()
    who = chosen.referrer
    return ReferralDetails(
        referrer_name=who.name if who else "",
        referrer_email=who.email if who else "",
        referrer_provider_number=who.provider_number if who else "",
        referral_date=chosen.referral_date,
    )


def day_words(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def practitioner_qualification(practitioner: Practitioner) -> str:
    found = QUALIFICATIONS.get(str(practitioner.profession))
    return found or str(practitioner.get_profession_display())


def _visits(patient: Patient) -> dict[str, Any]:
    tz = patient.clinic.tz
    found = Appointment.objects.filter(patient=patient).aggregate(
        attended=Count("pk", filter=Q(status__in=ATTENDED)),
        missed=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
        first=Min("start", filter=Q(status__in=ATTENDED)),
        last=Max("start", filter=Q(status__in=ATTENDED)),
    )
    attended, missed = found["attended"], found["missed"]
    words = f"{attended} visit{'s' if attended != 1 else ''} attended"
    if missed:
        words += f", {missed} not attended"
    first, last = (
        day_words(found[key].astimezone(tz).date()) if found[key] else NO_VISIT_DATE
        for key in ("first", "last")
    )
    return {"attendance": words, "first_visit": first, "last_visit": last}


def _findings(assessment: Assessment) -> str:
    rows = []
    for m in assessment.measurements.all():
        if m.derived:
            continue
        test = battery.TESTS.get(m.test)
        name = test.name if test else m.test
        side = f" ({m.side})" if m.side else ""
        value = f"{m.number.normalize():f} {m.unit}".strip() if m.number is not None else m.text
        rows.append(f"- {name}{side}, {m.measure}: {value}")
    if assessment.findings_note:
        rows.append(assessment.findings_note)
    return "\n".join(rows) or NOT_RECORDED


def _measures(assessment: Assessment) -> str:
    rows = []
    for r in assessment.outcome_responses.all():
        instrument = outcomes.INSTRUMENTS.get(r.instrument)
        name = f"{instrument.name} ({r.instrument})" if instrument else r.instrument
        rows.append(f"- {name}: {r.total_display}")
    return "\n".join(rows) or NOT_RECORDED


def _changes(baseline: Assessment, current: Assessment) -> str:
    """Each measure at baseline and now, its change and the MCID/MDC verdict."""
    if baseline.pk == current.pk:
        return "Only one signed assessment so far: no change to report yet."
    comparison = assessment_comparison(baseline=baseline, current=current)
    when = f"{day_words(baseline.assessed_on)} to {day_words(current.assessed_on)}"
    rows = [f"From {when}:"]
    for group in (comparison.general_group, *comparison.measures, *comparison.tests):
        for row in group.rows:
            if not row.difference:
                continue
            label = row.label if group.key == "general" else f"{group.title}, {row.label}"
            verdict = row.verdict_label if row.verdict else "no established threshold"
            rows.append(f"- {label}: {row.baseline} to {row.current} ({row.difference}), {verdict}")
    return "\n".join(rows) if len(rows) > 1 else "No measure was repeated."


def _assessment_values(patient: Patient) -> dict[str, str]:
    signed = signed_assessments(patient=patient)
    if not signed:
        return dict.fromkeys(
            ("conditions", "history", "red_flags", "findings", "baseline_measures"),
            NOT_RECORDED,
        ) | {"outcome_changes": "No signed assessment yet."}
    first, latest = signed[0], signed[-1]
    return {
        "conditions": ", ".join(latest.condition_labels) or NOT_RECORDED,
        "history": latest.history or NOT_RECORDED,
        "red_flags": ", ".join(latest.red_flag_labels) or "None found.",
        "findings": _findings(latest),
        "baseline_measures": _measures(first),
        "outcome_changes": _changes(first, latest),
    }


def _current_version(patient: Patient) -> ProgrammeVersion | None:
    programme = (
        Programme.objects.filter(patient=patient, status=Programme.Status.ACTIVE)
        .order_by("-created_at")
        .first()
    )
    return programme.current_version if programme else None


def _programme(version: ProgrammeVersion | None) -> str:
    if version is None:
        return "No home programme yet."
    items = version.items.select_related("exercise").order_by("order")
    rows = [f"{version.programme.display_title} (version {version.number}):"]
    rows += [
        f"- {item.exercise.name}: {dose_text(item)}, {load_text(item)}, "
        f"{item.days_per_week} days a week"
        for item in items
    ]
    return "\n".join(rows)


def _adherence(patient: Patient, version: ProgrammeVersion | None) -> str:
    if version is None:
        return "No home programme yet."
    logged = SessionLog.objects.filter(
        patient=patient, version__programme=version.programme_id
    ).count()
    return f"{logged} session{'s' if logged != 1 else ''} logged in the app."


def _conference(conference: CaseConference | None) -> dict[str, str]:
    if conference is None:
        return dict.fromkeys(
            ("conference_date", "conference_participants", "conference_matters"), ""
        ) | {"conference_outcomes": ""}
    tz = conference.clinic.tz
    start, end = conference.starts_at.astimezone(tz), conference.ends_at.astimezone(tz)
    people = [
        f"- {p.name}, {p.get_role_display()}" + (f" ({p.organisation})" if p.organisation else "")
        for p in conference.participants.all()
    ]
    return {
        "conference_date": f"{day_words(start.date())}, {start:%H:%M} to {end:%H:%M}",
        "conference_participants": "\n".join(people),
        "conference_matters": conference.matters_discussed,
        "conference_outcomes": conference.outcomes,
    }


def letter_values(
    *,
    patient: Patient,
    practitioner: Practitioner,
    recipient_name: str,
    today: date,
    conference: CaseConference | None = None,
) -> dict[str, str]:
    """Every placeholder's value for a letter about `patient`, signed by `practitioner`."""
    clinic = patient.clinic
    referral = letter_referral(patient=patient)
    version = _current_version(patient)
    return {
        "today": day_words(today),
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "recipient_name": recipient_name or referral.referrer_name or "Doctor",
        "patient_name": patient.full_name,
        "patient_first_name": patient.first_name,
        "patient_dob": day_words(patient.date_of_birth),
        "patient_age": str(patient.age_on(today)),
        "practitioner_name": practitioner.display_name,
        "practitioner_qualification": practitioner_qualification(practitioner),
        "practitioner_provider_number": practitioner.provider_number,
        "referrer_name": referral.referrer_name or NOT_RECORDED,
        "referral_date": day_words(referral.referral_date) or NO_REFERRAL_DATE,
        "goals": letter_goals(patient=patient) or "Goals not recorded yet.",
        "programme": _programme(version),
        "adherence": _adherence(patient, version),
        "next_steps": NEXT_STEPS_PROMPT,
        **_visits(patient),
        **_assessment_values(patient),
        **_conference(conference),
    }
