"""Adult Pre-exercise Screening System (APSS), stage 1, 2019 version (CLINICAL.md §5.1).

Pure rules and figures, each with its source and evidence tag; no ORM, no clock. The
stage 1 tool has 6 yes/no health questions and a 7th on the patient's typical weekly
activity. Any yes puts the patient at higher risk: they should get guidance before
exercise. The activity question gives weighted minutes (vigorous counts double) against
the 150 minutes a week guideline.

The question wording is the clinic's to load (instruments.py); here only the themes.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

VERSION = "APSS V2 (2018), launched 14 May 2019"
SOURCE = "ESSA, AUSactive, SMA, EIMA 2019; CLINICAL.md §5.1"


@dataclass(frozen=True)
class Question:
    number: int
    theme: str


QUESTIONS: tuple[Question, ...] = (
    Question(1, "Heart condition diagnosed by a medical practitioner, or a previous stroke"),
    Question(2, "Unexplained pain or discomfort in the chest, at rest or during activity"),
    Question(3, "Feeling faint, dizzy or losing balance during physical activity"),
    Question(4, "An asthma attack needing immediate medical attention in the last 12 months"),
    Question(
        5, "Diabetes (type 1 or 2) with trouble controlling blood glucose in the last 3 months"
    ),
    Question(6, "Any other condition that may need special consideration for exercise"),
)
"""The 6 health questions of the 2019 tool, as themes [V: studylib APSS V2 form; question 6's
text was cut off in the copy found, CLINICAL.md §5.1]."""

ACTIVITY_THEME = (
    "In a typical week: sessions and total minutes of light, moderate and vigorous or high "
    "intensity physical activity"
)

INTENSITIES: tuple[tuple[str, str], ...] = (
    ("light", "Light"),
    ("moderate", "Moderate"),
    ("vigorous", "Vigorous or high"),
)

VIGOROUS_WEIGHT = 2
"""Weighted minutes = light + moderate + 2 x vigorous [V: APSS V2 question 7, §5.1]."""

WEEKLY_MINUTES_TARGET = 150
"""Below 150 weighted minutes a week: light to moderate intensity, increase slowly; at or
above: continue current levels [V: APSS V2, §5.1]."""

YES_ADVICE = (
    "Higher risk: seek guidance from a GP or an appropriate allied health professional (for "
    "example an accredited exercise physiologist) before exercise."
)
"""The stage 1 decision for any yes. CLINICAL.md §5.1 keeps the 2011/12 wording until the
2019 form's decision text is checked [M]."""

ALL_NO_ADVICE = (
    "No higher risk identified: light to moderate intensity exercise may go ahead; vigorous "
    "or high intensity needs stage 2 first."
)
"""The stage 1 decision when every answer is no [V: 2011/12 tool, §5.1]."""

LOW_ACTIVITY_ADVICE = "Below 150 minutes a week: light to moderate intensity, increasing slowly."
ACTIVE_ADVICE = "150 minutes a week or more: continue current levels."

RESCREEN_MONTHS = 12
"""Re-screen after 12 months [design decision, issue 4], and whenever health status changes
(a new condition), as the APSS FAQ asks [V, §5.1]."""

MINUTES_MAX = 7 * 24 * 60
SESSIONS_MAX = 100


def weighted_minutes(*, light: int, moderate: int, vigorous: int) -> int:
    return light + moderate + VIGOROUS_WEIGHT * vigorous


def activity_advice(weighted: int) -> str:
    return LOW_ACTIVITY_ADVICE if weighted < WEEKLY_MINUTES_TARGET else ACTIVE_ADVICE


def yes_questions(answers: Sequence[bool | None]) -> list[Question]:
    return [q for q, a in zip(QUESTIONS, answers, strict=True) if a]


def advice(answers: Sequence[bool | None]) -> str:
    return YES_ADVICE if any(answers) else ALL_NO_ADVICE


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day (29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rescreen_due_on(screened_on: date) -> date:
    return add_months(screened_on, RESCREEN_MONTHS)


def rescreen_reasons(
    *, screened_on: date | None, today: date, new_conditions: Iterable[str] = ()
) -> list[str]:
    """Why the patient should be screened (again); empty when the screening is current.

    1. Never screened.
    2. Screened 12 months ago or more.
    3. A condition recorded after the screening that was not known at it.
    """
    if screened_on is None:
        return ["Not screened yet."]
    reasons = []
    due = rescreen_due_on(screened_on)
    if today >= due:
        reasons.append(f"The last screening was {RESCREEN_MONTHS} months ago or more.")
    new = list(new_conditions)
    if new:
        reasons.append(f"New condition since the last screening: {', '.join(new)}.")
    return reasons
