"""Demo data for local development and the docker-compose stack. Safe to run twice.

Every person here is invented. All demo logins share the password DEMO_PASSWORD.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, ScreeningQuestion, Service, WorkingHours
from bookings.services import PatientAlreadyBooked, SlotUnavailable, appointment_book
from clinic.models import Clinic, Location, Patient, Practitioner, User
from prescriptions.demo.assessments import demo_assessments
from prescriptions.demo.programme import demo_programme_seed

DEMO_PASSWORD = "stance-demo-2026"  # noqa: S105 - published demo password

DEMO_LOGINS = [
    ("demo-patient@example.org", "Patient"),
    ("demo-ep@example.org", "Exercise physiologist"),
    ("demo-physio@example.org", "Physiotherapist"),
    ("demo-reception@example.org", "Reception"),
    ("demo-admin@example.org", "Clinic admin"),
]

SCREENING_QUESTIONS = [
    ("Do you have a fever, cough, sore throat or other cold or flu symptoms today?", "block"),
    ("Has a doctor told you not to exercise?", "block"),
    ("Has a doctor told you to exercise only under supervision?", "flag"),
    ("Do you have chest pain, dizziness or fainting during physical activity?", "block"),
    ("Have you had a fall or a new injury since your last visit?", "flag"),
]
"""(question, what a yes does): "I should only exercise under supervision" is an
exercise physiologist's everyday patient, so it flags and never blocks."""

PATIENT_NAMES = [
    ("Mia", "Harrow"),
    ("Noah", "Quill"),
    ("Ava", "Brindle"),
    ("Leo", "Farrant"),
    ("Isla", "Penrose"),
    ("Oscar", "Wilding"),
    ("Zara", "Coltrane"),
    ("Finn", "Mabry"),
    ("Ruby", "Ashdown"),
    ("Hugo", "Tarrant"),
    ("Ella", "Vance"),
    ("Jack", "Orrell"),
]


def _user(email: str, role: str, clinic: Clinic | None, first: str, last: str) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"role": role, "clinic": clinic, "first_name": first, "last_name": last},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


class Command(BaseCommand):
    help = "Create a demo clinic in Sydney with practitioners, services, hours and bookings."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_exercises", stdout=self.stdout)  # the shipped exercise library
        with transaction.atomic():
            clinic = self._clinic()
        created = self._appointments(clinic)
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready: {clinic.name}"))
        if created:
            self.stdout.write(f"Booked {created} demo appointments over the next 4 weeks.")
        # The demo patient's screening, baseline and re-assessment (lateral hip pain).
        latest = demo_assessments(clinic)
        if latest is not None:
            self.stdout.write(f"Demo patient's latest signed assessment: {latest.assessed_on}.")
        # Last: the programme is prescribed from the demo patient's signed assessment.
        programme = demo_programme_seed(clinic)
        if programme:
            self.stdout.write(programme)
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}) at /accounts/login/:")
        for email, role in DEMO_LOGINS:
            self.stdout.write(f"  {role:<22} {email}")

    def _clinic(self) -> Clinic:
        clinic, _ = Clinic.objects.get_or_create(
            slug="harbourside",
            defaults={
                "name": "Harbourside Movement Clinic",
                "timezone": "Australia/Sydney",
                "phone": "02 9000 1234",
                "email": "hello@harbourside.example",
                "min_booking_notice_minutes": 120,
                "booking_horizon_days": 60,
            },
        )
        surry, _ = Location.objects.get_or_create(
            clinic=clinic,
            name="Surry Hills",
            defaults={
                "address": "Level 2, 10 Example Lane, Surry Hills NSW 2010",
                "state": "NSW",  # New South Wales public holidays close it
                "directions": "Lift to level 2; our rooms are opposite the lift.",
                "parking": "Two-hour street parking on Example Lane; a paid car park next door.",
            },
        )
        parra, _ = Location.objects.get_or_create(
            clinic=clinic,
            name="Parramatta",
            defaults={
                "address": "Suite 4, 99 Sample Street, Parramatta NSW 2150",
                "state": "NSW",  # New South Wales public holidays close it
                "directions": "Ground floor, beside the pharmacy.",
                "parking": "Free customer parking behind the building.",
            },
        )
        ep = self._practitioner(
            clinic,
            "demo-ep@example.org",
            "Sam",
            "Okafor",
            Practitioner.Profession.EXERCISE_PHYSIOLOGIST,
            "Accredited exercise physiologist working with hip and knee pain, and running.",
            [surry, parra],
        )
        ep2 = self._practitioner(
            clinic,
            "demo-ep2@example.org",
            "Priya",
            "Raman",
            Practitioner.Profession.EXERCISE_PHYSIOLOGIST,
            "Accredited exercise physiologist: strength for older adults and after joint "
            "replacement.",
            [surry],
        )
        physio = self._practitioner(
            clinic,
            "demo-physio@example.org",
            "Tom",
            "Elliot",
            Practitioner.Profession.PHYSIOTHERAPIST,
            "Physiotherapist with an interest in tendon pain and return to sport.",
            [surry],
        )
        _user("demo-reception@example.org", User.Role.RECEPTION, clinic, "Rae", "Front")
        admin = _user("demo-admin@example.org", User.Role.CLINIC_ADMIN, clinic, "Ada", "Minh")
        if not admin.is_staff:
            admin.is_staff = True
            admin.is_superuser = True
            admin.save()
        if not WorkingHours.objects.filter(practitioner__clinic=clinic).exists():
            self._hours(ep, surry, [0, 2, 4], time(8), time(17), time(12, 30), time(13, 15))
            self._hours(ep, parra, [1, 3], time(9), time(18), time(13), time(13, 45))
            self._hours(ep2, surry, [0, 1, 2, 3], time(7, 30), time(15, 30), time(11, 30), time(12))
            self._hours(ep2, surry, [5], time(8), time(12))
            self._hours(physio, surry, [0, 1, 3, 4], time(8), time(18), time(12), time(13))
        services = [
            (
                "Initial exercise physiology assessment",
                60,
                15,
                Service.Modalities.BOTH,
                Service.Audience.NEW,
                [ep, ep2],
                "A full assessment of how you move, your goals and your health, and a plan.",
            ),
            (
                "Follow-up",
                30,
                0,
                Service.Modalities.BOTH,
                Service.Audience.RETURNING,
                [ep, ep2, physio],
                "Review your progress and update your programme.",
            ),
            (
                "Telehealth review",
                30,
                0,
                Service.Modalities.TELEHEALTH,
                Service.Audience.RETURNING,
                [ep, ep2],
                "A video call to check in on your programme from home.",
            ),
            (
                "Physiotherapy assessment",
                45,
                15,
                Service.Modalities.CLINIC,
                Service.Audience.ANY,
                [physio],
                "Assessment and treatment of an injury or pain.",
            ),
        ]
        for order, (name, minutes, buffer, modes, audience, people, text) in enumerate(services):
            service, _ = Service.objects.get_or_create(
                clinic=clinic,
                name=name,
                defaults={
                    "duration_minutes": minutes,
                    "buffer_after_minutes": buffer,
                    "modalities": modes,
                    "audience": audience,
                    "description": text,
                    "display_order": order,
                },
            )
            service.practitioners.add(*people)
        if not clinic.screening_questions.exists():
            for order, (text, on_yes) in enumerate(SCREENING_QUESTIONS):
                ScreeningQuestion.objects.create(
                    clinic=clinic, text=text, on_yes=on_yes, display_order=order
                )
        patient_user = _user("demo-patient@example.org", User.Role.PATIENT, None, "Casey", "Demo")
        Patient.objects.get_or_create(
            clinic=clinic,
            email="demo-patient@example.org",
            defaults={
                "user": patient_user,
                "first_name": "Casey",
                "last_name": "Demo",
                "date_of_birth": date(1984, 5, 17),
                "phone": "0400 555 010",
            },
        )
        return clinic

    def _practitioner(
        self,
        clinic: Clinic,
        email: str,
        first: str,
        last: str,
        profession: str,
        bio: str,
        locations: list[Location],
    ) -> Practitioner:
        user = _user(email, User.Role.PRACTITIONER, clinic, first, last)
        practitioner, _ = Practitioner.objects.get_or_create(
            user=user,
            defaults={
                "clinic": clinic,
                "display_name": f"{first} {last}",
                "profession": profession,
                "bio": bio,
            },
        )
        practitioner.locations.add(*locations)
        return practitioner

    def _hours(
        self,
        practitioner: Practitioner,
        location: Location,
        weekdays: list[int],
        start: time,
        end: time,
        break_start: time | None = None,
        break_end: time | None = None,
    ) -> None:
        for weekday in weekdays:
            WorkingHours.objects.create(
                practitioner=practitioner,
                location=location,
                weekday=weekday,
                start_time=start,
                end_time=end,
                break_start=break_start,
                break_end=break_end,
            )

    def _appointments(self, clinic: Clinic) -> int:
        """About 40 bookings over the next four weeks, once (skipped when any exist)."""
        if Appointment.objects.for_clinic(clinic).exists():
            return 0
        rng = random.Random(2026)  # same demo every time
        patients = [Patient.objects.get(clinic=clinic, email="demo-patient@example.org")]
        for first, last in PATIENT_NAMES:
            patient, _ = Patient.objects.get_or_create(
                clinic=clinic,
                email=f"{first.lower()}.{last.lower()}@example.org",
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "date_of_birth": date(
                        rng.randint(1945, 2005), rng.randint(1, 12), 1 + rng.randrange(28)
                    ),
                    "phone": f"0400 555 {100 + len(patients):03d}",
                },
            )
            patients.append(patient)
        services = list(clinic.services.all())
        tz = clinic.tz
        today = timezone.now().astimezone(tz).date()
        created = 0
        tries = 0
        while created < 40 and tries < 400:
            tries += 1
            service = rng.choice(services)
            practitioner = rng.choice(list(service.practitioners.all()))
            modality = rng.choice(service.allowed_modalities())
            day = today + timedelta(days=rng.randint(1, 28))
            start = datetime.combine(
                day, time(rng.randint(8, 16), rng.choice([0, 15, 30, 45])), tzinfo=tz
            )
            patient = patients[0] if created < 2 else rng.choice(patients)
            try:
                appointment_book(
                    service=service,
                    practitioner=practitioner,
                    modality=modality,
                    start=start,
                    patient=patient,
                    source=Appointment.Source.STAFF,
                )
            except (SlotUnavailable, PatientAlreadyBooked):  # closed, taken, or they are busy
                continue
            created += 1
        return created
