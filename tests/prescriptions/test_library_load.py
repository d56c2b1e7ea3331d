"""Loading the shipped library into the database (`manage.py load_exercises`), and the
rows reading like the library's own exercises."""

from __future__ import annotations

import dataclasses
from io import StringIO

from django.core.management import call_command

import pytest

from prescriptions.library.services import exercise_library_load
from prescriptions.library.shipped import default_library
from prescriptions.models import Exercise, ExerciseLink
from prescriptions.rules import dosing

pytestmark = pytest.mark.django_db


def _snapshot():
    rows = {
        e.slug: (e.pk, e.updated_at, e.name, e.level, tuple(e.primary_muscles))
        for e in Exercise.objects.all()
    }
    links = set(ExerciseLink.objects.values_list("pk", "easier__slug", "harder__slug", "rank"))
    return rows, links


def test_it_loads_every_exercise_and_chain_link_and_a_rerun_changes_nothing():
    # The test session loads the library before any test (tests/conftest.py): start empty.
    ExerciseLink.objects.all().delete()
    Exercise.objects.shipped().delete()
    first = exercise_library_load()
    lib = default_library()
    assert first.created == len(lib) == Exercise.objects.shipped().count() >= 35
    pairs = {(e.slug, h) for e in lib.exercises for h in e.progressions}
    assert first.links_created == len(pairs) == ExerciseLink.objects.count()
    before = _snapshot()

    out = StringIO()
    call_command("load_exercises", stdout=out)
    assert "up to date" in out.getvalue()
    assert _snapshot() == before


def test_a_row_reads_like_the_library_exercise():
    exercise_library_load()
    for item in default_library().exercises:
        row = Exercise.objects.shipped().get(slug=item.slug)
        assert row.progressions == item.progressions, item.slug
        assert row.regressions == item.regressions, item.slug
        assert row.cautions_for(["gluteal_tendinopathy"]) == item.cautions_for(
            ["gluteal_tendinopathy"]
        )
        for goal in dosing.Goal:
            assert dosing.goal_defaults(goal, row) == dosing.goal_defaults(goal, item)


def test_a_changed_data_file_updates_rows_in_place_and_retires_dropped_ones():
    exercise_library_load()
    lib = default_library()
    clam = lib.exercise("clam")
    renamed = dataclasses.replace(clam, name="Clam shell")
    kept = tuple(renamed if e.slug == "clam" else e for e in lib.exercises if e.slug != "hip-hitch")
    pk = Exercise.objects.get(slug="clam").pk
    result = exercise_library_load(lib=dataclasses.replace(lib, exercises=kept))
    assert (result.created, result.updated, result.retired) == (0, 1, 1)
    assert Exercise.objects.get(pk=pk).name == "Clam shell"
    assert Exercise.objects.get(slug="hip-hitch").is_active is False
    assert result.links_removed == 3  # hip-hitch's two regressions and its progression
    again = exercise_library_load()
    assert (again.updated, again.links_created) == (2, 3)  # name back, hip-hitch back
    assert Exercise.objects.get(slug="hip-hitch").is_active is True


def test_seed_demo_loads_the_library():
    call_command("seed_demo", "--without-fortnight", stdout=StringIO())
    assert Exercise.objects.shipped().count() == len(default_library())
