"""The dosing table by training status and goal (CLINICAL.md §11). Pure: no database."""

from __future__ import annotations

import pytest

from prescriptions.rules.training import (
    BODY_WEIGHT,
    EXTERNAL,
    Aim,
    Profile,
    load_dose,
    profile_for,
)


@pytest.mark.parametrize(
    ("age", "status", "profile"),
    [
        (64, "advanced", Profile.ADVANCED),
        (65, "advanced", Profile.OLDER_ADULT),  # the older-adult rows from 65
        (40, None, Profile.NOVICE),  # unknown: the lightest row
        (40, "intermediate", Profile.INTERMEDIATE),
        (None, "novice", Profile.NOVICE),
    ],
)
def test_the_profile_is_older_adult_from_65_else_the_status_else_novice(age, status, profile):
    assert profile_for(age=age, training_status=status) == profile


def test_every_profile_and_goal_has_an_external_row_with_a_percent_1rm():
    for profile in Profile:
        for aim in Aim:
            row = load_dose(aim, profile, external=True)
            assert row.percent_1rm is not None and row.rir is None
            assert row.source.section.startswith("§11")


def test_body_weight_rows_never_carry_a_percent_1rm():
    for row in BODY_WEIGHT.values():
        assert row.percent_1rm is None
    for profile in Profile:
        for aim in Aim:
            assert load_dose(aim, profile, external=False).percent_1rm is None


def test_the_novice_row_is_never_heavier_than_the_advanced_one():
    for aim in Aim:
        novice, advanced = EXTERNAL[(Profile.NOVICE, aim)], EXTERNAL[(Profile.ADVANCED, aim)]
        assert novice.percent_1rm.high <= advanced.percent_1rm.high
        assert novice.sets.high <= advanced.sets.high
