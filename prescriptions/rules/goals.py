"""The programme goal proposed from an assessment (issue 12 point 10: the assessment's goal
was not used). Pure.

Clinical findings decide first, because they limit what the patient's own goal may
safely ask for: gluteal tendinopathy asks for LEAP load management (§4.4, §15), the early
weeks after surgery and a marked deficit ask for early-stage rehabilitation (§4.3, §9).
Then the patient's first stated goal, mapped to the programme's dosing goal (§4.1, §11).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prescriptions.rules.dosing import Goal
from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source
from prescriptions.vocabulary import Goal as AssessmentGoal

FROM_ASSESSMENT_GOAL: Mapping[str, Goal] = {
    AssessmentGoal.STRENGTH: Goal.STRENGTH,
    AssessmentGoal.ENDURANCE: Goal.MUSCULAR_ENDURANCE,
    AssessmentGoal.RETURN_TO_SPORT: Goal.STRENGTH,
    AssessmentGoal.POST_SURGERY: Goal.EARLY_REHAB,
    AssessmentGoal.WEIGHT_LOSS: Goal.MUSCULAR_ENDURANCE,
    AssessmentGoal.DAILY_FUNCTION: Goal.STRENGTH,
}
"""The patient's goal -> the programme's dosing goal."""

PROPOSED_GOAL = Rule(
    "goals.proposed",
    "The programme goal proposed",
    "findings, then the patient's goal",
    "The findings' goal comes first (gluteal tendinopathy: LEAP load management; early "
    "weeks after surgery or a marked deficit: early-stage rehabilitation); otherwise the "
    "patient's first goal: strength, return to sport and daily function -> strength "
    "(lower-limb strength for function, §12.7), endurance and weight loss -> muscular "
    "endurance, after surgery -> early-stage rehabilitation. The clinician can change it.",
    Source(
        "Stance goal proposal (ACSM 2009 goals; LEAP; ACLR and THA phases)",
        "design decision",
        "§4.1",
    ),
    note="Return to sport maps to strength, not power: power comes in the late phases once "
    "their criteria are met (§9.2), the safer start.",
)

RULES: tuple[Rule[Any], ...] = (PROPOSED_GOAL,)


def proposed_goal(
    *,
    assessment_goals: Iterable[str],
    finding_goals: Iterable[Goal | None] = (),
    early_after_surgery: bool = False,
) -> Goal | None:
    """The programme goal to preselect, or None when nothing suggests one."""
    from_findings = [g for g in finding_goals if g is not None]
    if Goal.GT_LOAD_MANAGEMENT in from_findings:
        return Goal.GT_LOAD_MANAGEMENT
    if early_after_surgery or Goal.EARLY_REHAB in from_findings:
        return Goal.EARLY_REHAB
    for goal in assessment_goals:
        if goal in FROM_ASSESSMENT_GOAL:
            return FROM_ASSESSMENT_GOAL[goal]
    return from_findings[0] if from_findings else None
