"""The programme goal proposed from an assessment (issue 12 point 10) and the STarT Back
classification (CLINICAL.md §14.1). Pure: no database."""

from __future__ import annotations

import pytest

from prescriptions.rules.dosing import Goal
from prescriptions.rules.goals import proposed_goal
from prescriptions.rules.lbp import StartBackRisk, start_back


@pytest.mark.parametrize(
    ("goals", "from_findings", "early", "expected"),
    [
        (["strength"], [], False, Goal.STRENGTH),
        (["endurance"], [], False, Goal.MUSCULAR_ENDURANCE),
        (["daily_function"], [], False, Goal.STRENGTH),
        (["weight_loss", "strength"], [], False, Goal.MUSCULAR_ENDURANCE),  # the first goal
        (["return_to_sport"], [], False, Goal.STRENGTH),
        (["post_surgery"], [], False, Goal.EARLY_REHAB),
        (["strength"], [Goal.GT_LOAD_MANAGEMENT], False, Goal.GT_LOAD_MANAGEMENT),
        (["strength"], [None, Goal.EARLY_REHAB], False, Goal.EARLY_REHAB),
        (["strength"], [], True, Goal.EARLY_REHAB),  # early weeks after surgery
        ([], [], False, None),
    ],
)
def test_findings_decide_first_then_the_patients_goal(goals, from_findings, early, expected):
    got = proposed_goal(
        assessment_goals=goals, finding_goals=from_findings, early_after_surgery=early
    )
    assert got == expected


@pytest.mark.parametrize(
    ("agree", "nine", "expected"),
    [
        ({1, 3, 5, 6}, False, (4, 2, StartBackRisk.MEDIUM)),  # §14.1 test case 1
        ({5, 6, 7, 8}, True, (5, 5, StartBackRisk.HIGH)),  # test case 2
        ({1, 2}, False, (2, 0, StartBackRisk.LOW)),  # test case 3
        ({1, 2, 3}, False, (3, 0, StartBackRisk.LOW)),  # total 3: low
        ({5, 6, 7}, True, (4, 4, StartBackRisk.HIGH)),  # subscale 4: high
        ({5, 6, 7}, False, (3, 3, StartBackRisk.LOW)),
    ],
)
def test_start_back_worked_cases_and_edges(agree, nine, expected):
    items = [n in agree for n in range(1, 9)] + [nine]
    assert start_back(items) == expected
