"""Personas and fixtures shared by the whole suite.

A clinic in Sydney with two practitioners, reception, an admin and a patient; and an
outsider clinic whose staff must never see any of it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from django.db import connection
from django.test import Client

import pytest

from clinic.models import Clinic, Location, Patient, Practitioner, User
from tests import factories as f

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# One Chromium for the whole run, from pytest-playwright's session `browser` fixture:
# its sync API keeps an event loop running for the session, so no test may start a
# second `sync_playwright()` of its own; tests take `browser` (or `page`) instead.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail(
            "Chromium is not installed: `make test` installs Debian's chromium package, "
            "or run `sudo apt-get install -y chromium`. Playwright must never download a "
            "browser of its own."
        )
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 375, "height": 812},
        "locale": "en-AU",
        "timezone_id": "Australia/Sydney",
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and at the end of the run, before it is dropped,
    the end of any connection to it still open elsewhere: a live server's request thread
    can outlive its server while the browser keeps the HTTP connection alive, and
    PostgreSQL refuses to drop a database that someone is using.

    The shipped exercise library is loaded once here, before any test: each test rolls
    back to it, so `factories.load_exercise_library` costs a count, not a load (a
    transactional test empties the tables; the next test to ask loads it again)."""
    from prescriptions.library.services import exercise_library_load

    with django_db_blocker.unblock():
        exercise_library_load()
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def memory_broker():
    """Task messages go to an in-memory broker that starts and ends empty."""
    from tests.outbox import MEMORY_BROKER, memory_broker_messages, use_broker

    with use_broker(MEMORY_BROKER):
        memory_broker_messages()
        yield
        memory_broker_messages()


@dataclass
class World:
    clinic: Clinic
    location: Location
    second_location: Location
    ep: Practitioner
    physio: Practitioner
    reception: User
    admin: User
    patient: Patient
    other_patient: Patient
    service: object
    initial: object
    telehealth: object
    physio_service: object
    outsider_clinic: Clinic
    outsider: Practitioner


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    """The personas' world (also for module-scoped worlds: tests/security/scene.py)."""
    clinic = f.make_clinic()
    location = f.make_location(clinic, name="Surry Hills rooms")
    second = f.make_location(clinic, name="Parramatta rooms", address="2 Example Road, Parramatta")
    ep = f.make_practitioner(clinic, display_name="Sam Lee")
    physio = f.make_practitioner(
        clinic, display_name="Jo Park", profession=Practitioner.Profession.PHYSIOTHERAPIST
    )
    ep.locations.set([location, second])
    physio.locations.set([location])
    f.make_hours(ep, location, weekdays=range(0, 5))
    f.make_hours(physio, location, weekdays=range(0, 5))
    follow_up = f.make_service(clinic, [ep, physio], name="Follow-up", duration_minutes=30)
    initial = f.make_service(
        clinic, [ep], name="Initial assessment", duration_minutes=60, buffer_after_minutes=15
    )
    telehealth = f.make_service(
        clinic, [ep], name="Telehealth review", duration_minutes=30, modalities="telehealth"
    )
    physio_service = f.make_service(
        clinic,
        [physio],
        name="Physiotherapy assessment",
        duration_minutes=45,
        modalities="clinic",
    )
    reception = f.make_user(role=User.Role.RECEPTION, clinic=clinic, email="front@example.org")
    admin = f.make_user(role=User.Role.CLINIC_ADMIN, clinic=clinic, email="boss@example.org")
    patient_user = f.make_user(email="pat@example.org")
    patient = f.make_patient(clinic, user=patient_user, first_name="Pat")
    other_user = f.make_user(email="other@example.org")
    other_patient = f.make_patient(clinic, user=other_user, first_name="Olive")
    outsider_clinic = f.make_clinic(name="Elsewhere Physio")
    outsider = f.make_practitioner(outsider_clinic, display_name="Out Sider")
    return World(
        clinic,
        location,
        second,
        ep,
        physio,
        reception,
        admin,
        patient,
        other_patient,
        follow_up,
        initial,
        telehealth,
        physio_service,
        outsider_clinic,
        outsider,
    )


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_as_patient(world: World) -> Client:
    return _client_for(world.patient.user)


@pytest.fixture
def client_as_other_patient(world: World) -> Client:
    return _client_for(world.other_patient.user)


@pytest.fixture
def client_as_practitioner(world: World) -> Client:
    return _client_for(world.ep.user)


@pytest.fixture
def client_as_reception(world: World) -> Client:
    return _client_for(world.reception)


@pytest.fixture
def client_as_admin(world: World) -> Client:
    return _client_for(world.admin)


@pytest.fixture
def client_as_outsider(world: World) -> Client:
    return _client_for(world.outsider.user)
