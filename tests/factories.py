"""Plain make_* helpers with sensible defaults. All people and data are invented."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from bookings.models import Appointment, Service, WorkingHours
from clinic.models import Clinic, Location, Patient, Practitioner, User

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def make_clinic(**kw: Any) -> Clinic:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "name": f"Harbour Movement Clinic {n}",
        "slug": f"clinic-{n}",
        "timezone": "Australia/Sydney",
        "phone": "02 9000 0000",
        "min_booking_notice_minutes": 0,
    }
    defaults.update(kw)
    return Clinic.objects.create(**defaults)


def make_location(clinic: Clinic, **kw: Any) -> Location:
    defaults: dict[str, Any] = {"name": "Main rooms", "address": "1 Example Street, Sydney NSW"}
    defaults.update(kw)
    return Location.objects.create(clinic=clinic, **defaults)


def make_user(*, role: str = User.Role.PATIENT, clinic: Clinic | None = None, **kw: Any) -> User:
    n = next(_seq)
    email = kw.pop("email", f"person{n}@example.org")
    return User.objects.create_user(
        email=email, password=kw.pop("password", PASSWORD), role=role, clinic=clinic, **kw
    )


def make_practitioner(clinic: Clinic, **kw: Any) -> Practitioner:
    n = next(_seq)
    user = kw.pop("user", None) or make_user(role=User.Role.PRACTITIONER, clinic=clinic)
    defaults: dict[str, Any] = {
        "display_name": f"Practitioner {n}",
        "profession": Practitioner.Profession.EXERCISE_PHYSIOLOGIST,
    }
    defaults.update(kw)
    return Practitioner.objects.create(user=user, clinic=clinic, **defaults)


def make_service(clinic: Clinic, practitioners: list[Practitioner] = (), **kw: Any) -> Service:
    defaults: dict[str, Any] = {"name": "Follow-up", "duration_minutes": 30}
    defaults.update(kw)
    service = Service.objects.create(clinic=clinic, **defaults)
    service.practitioners.set(practitioners)
    return service


def make_hours(
    practitioner: Practitioner,
    location: Location,
    weekdays: range | list[int] = range(7),
    start: time = time(9),
    end: time = time(17),
    **kw: Any,
) -> list[WorkingHours]:
    return [
        WorkingHours.objects.create(
            practitioner=practitioner,
            location=location,
            weekday=d,
            start_time=start,
            end_time=end,
            **kw,
        )
        for d in weekdays
    ]


def make_patient(clinic: Clinic, *, user: User | None = None, **kw: Any) -> Patient:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "first_name": "Alex",
        "last_name": f"Tester{n}",
        "date_of_birth": date(1985, 3, 14),
        "phone": "0400 000 000",
        "email": user.email if user else f"patient{n}@example.org",
    }
    defaults.update(kw)
    return Patient.objects.create(clinic=clinic, user=user, **defaults)


def local(clinic: Clinic, y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=clinic.tz)


def next_weekday_at(clinic: Clinic, weekday: int, hh: int, mm: int = 0, weeks: int = 1) -> datetime:
    """A clinic-local time on a weekday at least `weeks` weeks from today."""
    today = timezone.now().astimezone(clinic.tz).date() + timedelta(weeks=weeks)
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    return datetime.combine(day, time(hh, mm), tzinfo=clinic.tz)


def make_appointment(
    *,
    patient: Patient,
    practitioner: Practitioner,
    service: Service,
    start: datetime,
    modality: str = "clinic",
    location: Location | None = None,
    **kw: Any,
) -> Appointment:
    """A row written directly (no service rules), for setting the scene in tests."""
    end = start + service.duration
    if modality == "clinic" and location is None:
        location = practitioner.working_hours.first().location
    return Appointment.objects.create(
        patient=patient,
        practitioner=practitioner,
        service=service,
        modality=modality,
        location=location,
        start=start,
        end=end,
        blocked_until=end + service.buffer,
        **kw,
    )


def load_exercise_library() -> None:
    """The shipped exercise library as database rows (what `manage.py load_exercises` does):
    already there from the session's setup (tests/conftest.py) unless a transactional test
    emptied the tables since."""
    from prescriptions.library.services import exercise_library_load
    from prescriptions.library.shipped import default_library
    from prescriptions.models import Exercise

    if Exercise.objects.shipped().filter(is_active=True).count() == len(default_library()):
        return
    exercise_library_load()


def make_signed_assessment(
    patient: Patient,
    practitioner: Practitioner,
    *,
    conditions: list[str] | None = None,
    results: dict[str, Any] | None = None,
    findings: dict[str, list[str]] | None = None,
    fields: dict[str, Any] | None = None,
    involved_side: str = "right",
) -> Any:
    """A signed assessment recorded through the services (derived values and flags
    included). By default: lateral hip pain on the right, a positive right Trendelenburg
    and right abduction at 72 % of the left (LSI)."""
    from decimal import Decimal

    from prescriptions.assessments.services import (
        assessment_create,
        assessment_sign,
        assessment_update_draft,
    )

    assessment = assessment_create(
        patient=patient,
        practitioner=practitioner,
        created_by=practitioner.user,
        assessed_on=timezone.now().astimezone(patient.clinic.tz).date(),
        conditions=conditions if conditions is not None else ["lateral_hip"],
        involved_side=involved_side,
    )
    if results is None:
        results = {
            "trendelenburg": {
                "left": {"time_held_s": Decimal(30), "pelvic_response": "elevates"},
                "right": {"time_held_s": Decimal(12), "pelvic_response": "drops"},
            },
            "hhd_abduction": {
                "left": {"force_n": Decimal(250)},
                "right": {"force_n": Decimal(180)},
            },
        }
    tests = list(dict.fromkeys([*assessment.battery, *results]))
    assessment_update_draft(
        assessment=assessment,
        by=practitioner.user,
        fields={"body_mass_kg": Decimal(70), **(fields or {})},
        tests=tests,
        results=results,
        findings=findings or {},
    )
    return assessment_sign(assessment=assessment, by=practitioner.user)


def make_published_programme(
    patient: Patient,
    practitioner: Practitioner,
    *,
    goal: str = "strength",
    exercises: list[tuple[str, dict[str, Any]]] | None = None,
    assessment: Any = None,
    published_at: datetime | None = None,
) -> Any:
    """A programme with one published version, built through the programme services:
    `exercises` are (shipped library slug, dose overrides) pairs, in order. The library
    must be loaded (load_exercise_library). `published_at` backdates the publish time
    (for adherence)."""
    from prescriptions.models import Exercise, ProgrammeVersion
    from prescriptions.programmes.services import (
        programme_create,
        programme_draft_get_or_create,
        programme_item_add,
        programme_publish,
    )

    by = practitioner.user
    programme = programme_create(
        patient=patient, practitioner=practitioner, goal=goal, by=by, assessment=assessment
    )
    draft = programme_draft_get_or_create(programme=programme, by=by)
    for slug, overrides in exercises or [("hip-thrust", {"load_kind": "external", "load_kg": 60})]:
        exercise = Exercise.objects.shipped().get(slug=slug)
        programme_item_add(version=draft, exercise=exercise, by=by, **overrides)
    version = programme_publish(programme=programme, by=by)
    if published_at is not None:
        ProgrammeVersion.objects.filter(pk=version.pk).update(published_at=published_at)
    programme.refresh_from_db()
    return programme


def make_session(
    version: Any,
    *,
    performed_on: date,
    entries: dict[int, dict[str, Any]] | None = None,
    **kw: Any,
) -> Any:
    """A session log written directly (no pain rule), for setting the scene. `entries`
    maps an item's order to its values; items not named are logged as done with their
    prescribed reps or hold, pain 2 and RPE 6."""
    from prescriptions.models import SessionLog, SessionLogEntry

    programme = version.programme
    session = SessionLog.objects.create(
        patient=programme.patient, version=version, performed_on=performed_on, **kw
    )
    for item in version.items.order_by("order"):
        values: dict[str, Any] = {"done": True, "pain_during": 2, "rpe": 6}
        if item.dose_type == "hold_seconds":
            values["hold_seconds"] = item.hold_seconds
        elif item.dose_type == "distance_m":
            values["distance_m"] = item.distance_m
        else:
            values["reps"] = item.reps
        values.update((entries or {}).get(item.order, {}))
        if not values["done"]:
            for name in ("reps", "hold_seconds", "distance_m", "load_kg"):
                values[name] = None
        SessionLogEntry.objects.create(session=session, item=item, **values)
    return session


def make_referrer(clinic: Clinic, **kw: Any) -> Any:
    from clinic.models import Referrer

    kw.setdefault("name", "Dr Mina Ng")
    kw.setdefault("practice", "Harbour Medical")
    kw.setdefault("provider_number", "2345678A")
    return Referrer.objects.create(clinic=clinic, **kw)


def make_referral(patient: Patient, *, by: User | None = None, **kw: Any) -> Any:
    """A referral through the service (its end date computed from the funder's rules)."""
    from clinic.referrals.services import referral_add

    by = by or make_user(role=User.Role.CLINIC_ADMIN, clinic=patient.clinic)
    kw.setdefault("funder", "medicare_cdm")
    if kw["funder"] in ("medicare_cdm", "medicare_t2d_assessment", "medicare_t2d_group", "dva"):
        kw.setdefault("referrer", make_referrer(patient.clinic))
    kw.setdefault("referral_date", timezone.localdate() - timedelta(days=30))
    if kw["funder"].startswith("medicare"):
        kw.setdefault("plan_type", "gpccmp")
        kw.setdefault("plan_date", kw["referral_date"])
    return referral_add(patient=patient, by=by, **kw)
