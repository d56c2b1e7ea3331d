"""The demo clinic's referrals (CLINICAL.md §17), laid on the fortnight's visits: a
Medicare GPCCMP patient with 4 of 5 services used this year (so the fifth booking shows
"5 of 5" and a sixth asks for a reason), a DVA cycle, a private patient, and a workers'
compensation approval ending within the month (the report of referrals running out).

Safe to run twice: a patient who already has a referral is left alone. A few queries per
patient; the services the fortnight did not provide come from "services used elsewhere".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bookings.funding import COUNTED, referral_usage
from bookings.models import Appointment
from clinic.models import Clinic, OutsideServices, Patient, Referral, Referrer, User
from clinic.referrals.services import referral_add, referrer_save

GPCCMP_USED = 4
"""The demo GPCCMP patient has used 4 of their 5 services this year."""
DEMO_PROVIDER_NUMBERS = {
    "demo-ep@example.org": "2461835K",
    "demo-physio@example.org": "2461846J",
    "demo-ep2@example.org": "2461857H",
}
"""Invented Medicare provider numbers for the demo practitioners (for the CSV export)."""


@dataclass(frozen=True)
class DemoReferral:
    email: str
    funder: str
    attach: int
    """How many of the patient's visits this year to fund under it."""
    days_ago: int
    plan: bool = False
    services_approved: int | None = None
    valid_for_days: int | None = None
    claim_number: str = ""
    insurer: str = ""


DEMO_REFERRALS = (
    DemoReferral("mia.harrow@example.org", "medicare_cdm", GPCCMP_USED, 60, plan=True),
    DemoReferral("noah.quill@example.org", "dva", 3, 90, claim_number="NX123456"),
    DemoReferral("ava.brindle@example.org", "private", 3, 20),
    DemoReferral(
        "leo.farrant@example.org",
        "workers_comp",
        2,
        70,
        services_approved=8,
        valid_for_days=20,
        claim_number="WC-2026-0412",
        insurer="icare",
    ),
)


def _referrers(clinic: Clinic) -> tuple[Referrer, Referrer]:
    found = {r.name: r for r in Referrer.objects.filter(clinic=clinic)}
    gp = found.get("Dr Mina Ng") or referrer_save(
        clinic=clinic,
        name="Dr Mina Ng",
        kind="gp",
        practice="Harbour Medical Centre",
        provider_number="2134567A",
        email="reception@harbour-medical.example.org",
        phone="02 9000 1234",
    )
    other = found.get("Dr Tom Reyes") or referrer_save(
        clinic=clinic,
        name="Dr Tom Reyes",
        kind="gp",
        practice="Pyrmont Family Practice",
        provider_number="2198765B",
        phone="02 9000 5678",
    )
    return gp, other


def demo_referrals_seed(clinic: Clinic, *, today: date) -> list[str]:
    """Seed the demo referrals; returns one line per referral made."""
    admin = User.objects.filter(clinic=clinic, role=User.Role.CLINIC_ADMIN).first()
    if admin is None:
        return []
    for practitioner in clinic.practitioners.select_related("user"):
        number = DEMO_PROVIDER_NUMBERS.get(practitioner.user.email, "")
        if number and not practitioner.provider_number:
            practitioner.provider_number = number
            practitioner.save(update_fields=["provider_number"])
    gp, other = _referrers(clinic)
    lines = []
    for spec in DEMO_REFERRALS:
        patient = Patient.objects.filter(clinic=clinic, email=spec.email).first()
        if patient is None or Referral.objects.filter(patient=patient).exists():
            continue
        referral = _seed_one(spec, patient, admin, gp if spec.funder != "dva" else other, today)
        usage = referral_usage(referral, year=today.year)
        lines.append(f"Demo referral: {patient.full_name}, {usage.text}.")
    return lines


def _seed_one(
    spec: DemoReferral, patient: Patient, by: User, referrer: Referrer, today: date
) -> Referral:
    referral_date = today - timedelta(days=spec.days_ago)
    referral = referral_add(
        patient=patient,
        by=by,
        funder=spec.funder,
        referrer=referrer if spec.funder in ("medicare_cdm", "dva") else None,
        referral_date=referral_date,
        plan_type="gpccmp" if spec.plan else "",
        plan_date=referral_date - timedelta(days=7) if spec.plan else None,
        services_approved=spec.services_approved,
        valid_until=today + timedelta(days=spec.valid_for_days) if spec.valid_for_days else None,
        claim_number=spec.claim_number,
        insurer=spec.insurer,
        conditions="Demo: invented conditions.",
    )
    tz = patient.clinic.tz
    visits = [
        a
        for a in Appointment.objects.filter(patient=patient, status__in=COUNTED).order_by("start")
        if a.start.astimezone(tz).year == today.year
        and a.start.astimezone(tz).date() >= referral_date
    ][: spec.attach]
    Appointment.objects.filter(pk__in=[a.pk for a in visits]).update(referral=referral)
    missing = spec.attach - len(visits)
    if spec.funder == "medicare_cdm" and missing > 0:
        OutsideServices.objects.update_or_create(
            patient=patient,
            year=today.year,
            defaults={
                "clinic": patient.clinic,
                "services": missing,
                "note": "Demo: from the patient's Medicare history.",
                "updated_by": by,
            },
        )
    return referral
