"""Demo data for local development and the docker-compose stack. Safe to run twice, and
on a later day (the fortnight is topped up: prescriptions/demo/fortnight.py).

Every person here is invented. All demo logins share the password DEMO_PASSWORD.
"""

from __future__ import annotations

import logging
from argparse import ArgumentTypeError
from datetime import date, datetime, time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from bookings.models import ScreeningQuestion, Service, WorkingHours
from clinic.models import Clinic, Location, Patient, Practitioner, User
from prescriptions.demo.assessments import demo_assessments
from prescriptions.demo.fortnight import fortnight_seed
from prescriptions.demo.notes import demo_notes_seed
from prescriptions.demo.programme import demo_programme_seed
from prescriptions.demo.referrals import demo_referrals_seed

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


def _user(email: str, role: str, clinic: Clinic | None, first: str, last: str) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"role": role, "clinic": clinic, "first_name": first, "last_name": last},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Create a demo clinic in Sydney with practitioners, services and hours, and a "
        "working fortnight around today: past visits with their records, today's full day "
        "and next week's bookings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--without-fortnight",
            action="store_true",
            help="Seed the clinic, the library and the demo patient's record but not the "
            "fortnight of visits around today (quicker; for tests of those parts).",
        )
        parser.add_argument(
            "--today",
            type=_day,
            help="Seed as if it were noon on this day in the clinic (YYYY-MM-DD); for tests "
            "and screenshots. Default: now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("load_exercises", stdout=self.stdout)  # the shipped exercise library
        with transaction.atomic():
            clinic = self._clinic()
        now = timezone.now()
        if options.get("today"):
            now = datetime.combine(options["today"], time(12), tzinfo=clinic.tz)
        today = now.astimezone(clinic.tz).date()
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready: {clinic.name}"))
        # The demo patient's screening, baseline and re-assessment (lateral hip pain).
        latest = demo_assessments(clinic, today=today)
        if latest is not None:
            self.stdout.write(f"Demo patient's latest signed assessment: {latest.assessed_on}.")
        # The programme is prescribed from the demo patient's signed assessment.
        programme = demo_programme_seed(clinic, today=today)
        if programme:
            self.stdout.write(programme)
        if not options.get("without_fortnight"):
            self._fortnight(clinic, now)
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}) at /accounts/login/:")
        for email, role in DEMO_LOGINS:
            self.stdout.write(f"  {role:<22} {email}")

    def _fortnight(self, clinic: Clinic, now: datetime) -> None:
        """Last: the clinic's fortnight of visits (the demo patient's record is there to
        build on), then what rides on those visits: treatment notes and referrals."""
        # The booking service logs every booking: hundreds of lines would bury the logins.
        booking_log = logging.getLogger("bookings.services")
        level = booking_log.level
        booking_log.setLevel(logging.WARNING)
        try:
            summary = fortnight_seed(clinic=clinic, now=now)
        finally:
            booking_log.setLevel(level)
        for line in summary.lines():
            self.stdout.write(line)
        # Notes of a few past visits, and the demo patient's goals.
        self.stdout.write(demo_notes_seed(clinic=clinic, now=now))
        # Referrals ride on the fortnight's visits (Medicare GPCCMP 4 of 5, DVA, private,
        # a workers' compensation approval running out).
        for line in demo_referrals_seed(clinic, today=now.astimezone(clinic.tz).date()):
            self.stdout.write(line)

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
                "state": "NSW",
                "address": "Level 2, 10 Example Lane, Surry Hills NSW 2010",
                "directions": "Lift to level 2; our rooms are opposite the lift.",
                "parking": "Two-hour street parking on Example Lane; a paid car park next door.",
            },
        )
        parra, _ = Location.objects.get_or_create(
            clinic=clinic,
            name="Parramatta",
            defaults={
                "state": "NSW",
                "address": "Suite 4, 99 Sample Street, Parramatta NSW 2150",
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
