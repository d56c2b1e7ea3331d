"""The exercise library in the Django admin: shipped rows can be viewed, never changed;
the clinic's own are added and edited through the library services' checks; nothing is
deleted there."""

from __future__ import annotations

import json

from django.urls import reverse

import pytest

from clinic.models import User
from prescriptions.library.services import exercise_create
from prescriptions.models import Exercise
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _library(db):
    f.load_exercise_library()


@pytest.fixture
def admin_client(client, world):
    """The clinic admin, who (as in the demo) also runs the Django admin."""
    user = f.make_user(
        role=User.Role.CLINIC_ADMIN,
        clinic=world.clinic,
        email="owner@example.org",
        is_staff=True,
        is_superuser=True,
    )
    client.force_login(user)
    return client


def _own(clinic, by, name="Wall sit"):
    return exercise_create(
        clinic=clinic,
        by=by,
        name=name,
        instructions=["Back against the wall.", "Slide down.", "Hold."],
        primary_muscles=["quadriceps"],
        level=2,
        load_types=["body_weight"],
        weight_bearing=True,
        dose_type="hold_seconds",
    )


def _form(**changes):
    data = {
        "name": "Step-down hold",
        "instructions": json.dumps(["Stand on a step.", "Lower the other heel slowly."]),
        "cues": json.dumps(["Knee over the middle toe."]),
        "primary_muscles": json.dumps(["gluteus_medius"]),
        "level": "2",
        "equipment": json.dumps(["step"]),
        "load_types": json.dumps(["body_weight"]),
        "weight_bearing": "on",
        "dose_type": "reps",
        "load_note": "",
        "cautions": "[]",
        "suits": json.dumps(["patellofemoral_pain"]),
        "video_url": "",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_the_library_is_listed_with_whose_each_exercise_is(admin_client, world):
    _own(world.clinic, world.ep.user)
    page = admin_client.get(reverse("admin:prescriptions_exercise_changelist")).content.decode()
    assert "Wall sit" in page and "Clamshell" in page
    assert "Shipped with Stance (read-only)" in page and world.clinic.name in page


def test_a_shipped_exercise_can_be_viewed_but_not_changed_or_deleted(admin_client):
    clam = Exercise.objects.shipped().get(slug="clam")
    url = reverse("admin:prescriptions_exercise_change", args=[clam.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "Clamshell" in page.content.decode()
    assert 'name="name"' not in page.content.decode()  # no form fields: view only
    assert admin_client.post(url, _form(name="Changed")).status_code == 403
    clam.refresh_from_db()
    assert clam.name == "Clamshell"
    delete = reverse("admin:prescriptions_exercise_delete", args=[clam.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Exercise.objects.filter(pk=clam.pk).exists()


def test_the_clinic_adds_its_own_exercise_through_the_services(admin_client, world):
    response = admin_client.post(reverse("admin:prescriptions_exercise_add"), _form())
    assert response.status_code == 302, response.content.decode()[:3000]
    exercise = Exercise.objects.get(name="Step-down hold")
    assert exercise.clinic == world.clinic and exercise.slug == "step-down-hold"
    assert exercise.instructions == ["Stand on a step.", "Lower the other heel slowly."]


def test_bad_values_are_reported_and_nothing_is_saved(admin_client):
    url = reverse("admin:prescriptions_exercise_add")
    for changes, message in (
        ({"primary_muscles": json.dumps(["elbow"])}, "Choose from the list."),
        ({"instructions": "[]"}, "Write at least one step of the instructions."),
        ({"video_url": "http://example.org/v"}, "https://"),
    ):
        response = admin_client.post(url, _form(**changes))
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not Exercise.objects.filter(clinic__isnull=False).exists()


def test_the_clinic_edits_its_own_exercise(admin_client, world):
    wall_sit = _own(world.clinic, world.ep.user)
    url = reverse("admin:prescriptions_exercise_change", args=[wall_sit.pk])
    response = admin_client.post(url, _form(name="Wall sit, deeper", is_active=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    wall_sit.refresh_from_db()
    assert wall_sit.name == "Wall sit, deeper" and not wall_sit.is_active


def test_another_clinics_exercise_is_not_the_clinic_admins_to_change(admin_client, world):
    theirs = _own(world.outsider_clinic, world.outsider.user, name="Their wall sit")
    url = reverse("admin:prescriptions_exercise_change", args=[theirs.pk])
    assert admin_client.post(url, _form(name="Mine now")).status_code == 403
    theirs.refresh_from_db()
    assert theirs.name == "Their wall sit"


def test_a_staff_user_who_is_not_a_superuser_sees_only_shipped_and_their_own(client, world):
    from django.contrib.auth.models import Permission

    user = f.make_user(
        role=User.Role.CLINIC_ADMIN, clinic=world.clinic, email="staffer@example.org"
    )
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_exercise", "change_exercise"])
    )
    client.force_login(user)
    _own(world.clinic, world.ep.user)
    _own(world.outsider_clinic, world.outsider.user, name="Their wall sit")
    page = client.get(reverse("admin:prescriptions_exercise_changelist")).content.decode()
    assert "Wall sit" in page and "Their wall sit" not in page
