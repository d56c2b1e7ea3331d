"""The bookings app's sections of a patient's own record (clinic.records): their visits,
their referrals and the emails we sent them. No staff-only detail (who booked, internal ids)."""

from __future__ import annotations

from datetime import date

from bookings.models import Appointment, BookingAnswers, Notification
from bookings.selectors import appointment_list_for_patient
from clinic.models import Patient, Referral
from clinic.records import Entry, RecordSection, local_time, record_section


@record_section("appointments", order=20)
def appointments(patient: Patient) -> RecordSection:
    entries = []
    answers = {
        row.appointment_id: row.answers
        for row in BookingAnswers.objects.filter(appointment__patient=patient)
    }
    for a in appointment_list_for_patient(patient_id=patient.pk):
        fields = [
            ("start", "Starts", local_time(a.start, patient, a.tz)),
            ("end", "Ends", local_time(a.end, patient, a.tz)),
            ("time_zone", "Time zone", a.tz.key),
            ("service", "Service", a.service.name),
            ("practitioner", "Practitioner", a.practitioner.display_name),
            ("how", "How", a.get_modality_display()),
            ("where", "Where", a.location.name if a.location else None),
            ("status", "Status", a.get_status_display()),
            ("booked", "Booked", local_time(a.created_at, patient)),
            ("funded_under", "Funded under", a.referral.funder_label if a.referral else None),
        ]
        if a.status == Appointment.Status.CANCELLED:
            fields += [
                ("cancelled", "Cancelled", local_time(a.cancelled_at, patient)),
                ("cancellation_reason", "Reason", a.cancellation_reason or None),
            ]
        if a.pk in answers:
            fields.append(
                (
                    "health_questions",
                    "Health questions",
                    [f"{q['question']} {q['answer'].capitalize()}" for q in answers[a.pk]],
                )
            )
        entries.append(Entry(heading=f"{a.service.name}", fields=fields))
    return RecordSection(
        key="appointments",
        title="Visits",
        entries=entries,
        description="Every visit booked with the clinic, newest first.",
        empty="No visits booked.",
    )


@record_section("referrals", order=25)
def referrals(patient: Patient) -> RecordSection:
    entries = []
    for r in Referral.objects.filter(patient=patient).select_related("referrer"):
        entries.append(
            Entry(
                heading=f"{r.funder_label}, {r.referral_date:%-d %B %Y}",
                fields=[
                    ("funder", "Funder", r.get_funder_display()),
                    ("referred_by", "Referred by", r.referrer_label),
                    ("referral_date", "Date of referral", r.referral_date.isoformat()),
                    ("valid_until", "Valid until", _iso(r.valid_until)),
                    ("services_referred", "Services referred", r.services_approved),
                    ("plan", "Plan", r.get_plan_type_display() or None),
                    ("plan_date", "Plan date", _iso(r.plan_date)),
                    ("claim_number", "Claim or file number", r.claim_number or None),
                    ("insurer", "Insurer or fund", r.insurer or None),
                    ("conditions", "Conditions", r.conditions or None),
                    ("course_ended", "Course ended", _iso(r.closed_on)),
                    ("letter", "Referral letter on file", bool(r.letter) or None),
                ],
            )
        )
    return RecordSection(
        key="referrals",
        title="Referrals",
        entries=entries,
        description="The referrals your visits are funded under, newest first.",
        empty="No referrals.",
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@record_section("messages", order=90)
def messages(patient: Patient) -> RecordSection:
    # Letters about the patient went to other practitioners (prescriptions' letters
    # section shows those the clinic shares).
    rows = (
        Notification.objects.filter(patient=patient)
        .exclude(kind=Notification.Kind.LETTER)
        .order_by("-due_at", "-pk")
    )
    entries = [
        Entry(
            heading=n.get_kind_display(),
            fields=[
                ("planned_for", "Planned for", local_time(n.due_at, patient)),
                ("status", "Status", n.get_status_display()),
                ("sent", "Sent", local_time(n.sent_at, patient)),
            ],
        )
        for n in rows
    ]
    return RecordSection(
        key="messages",
        title="Emails to you",
        entries=entries,
        description="Confirmations, reminders and notices, newest first (not their text).",
        empty="No emails.",
    )
