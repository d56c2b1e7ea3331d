"""The shipped wording of each kind of letter, used until a clinic writes its own. The
GP reports follow the typical exercise physiology report (CLINICAL.md §18.3): header,
reason for referral and history, assessment with measures, goals, plan, progress,
recommendations, sign-off (the signature block is added under the text)."""

# ruff: noqa: E501 - a letter's paragraph is one line: the PDF and the page wrap it

from __future__ import annotations

from dataclasses import dataclass

from prescriptions.letters.models import LetterKind


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


_HEADER = """Re: {patient_name}, born {patient_dob}

Dear {recipient_name},
"""

_ASSESSMENT = """
Conditions: {conditions}
Relevant history: {history}
Red flags: {red_flags}

Assessment findings:
{findings}
"""

DEFAULT_WORDING: dict[str, Wording] = {
    LetterKind.INITIAL_GP: Wording(
        "Initial exercise physiology report: {patient_name}",
        _HEADER
        + """
Thank you for referring {patient_first_name}, whom I first saw on {first_visit}. This is my report after the first service.
"""
        + _ASSESSMENT
        + """
Outcome measures:
{baseline_measures}

Goals:
{goals}

Plan:
{programme}

{next_steps}

Please contact me if you have any questions.

Kind regards,
""",
    ),
    LetterKind.PROGRESS: Wording(
        "Progress report: {patient_name}",
        _HEADER
        + """
An update on {patient_first_name}'s progress since their first visit on {first_visit}.

Attendance: {attendance}
Home programme: {adherence}

Change since the first assessment:
{outcome_changes}

Goals:
{goals}

Current programme:
{programme}

{next_steps}

Kind regards,
""",
    ),
    LetterKind.DISCHARGE: Wording(
        "Discharge report: {patient_name}",
        _HEADER
        + """
{patient_first_name} has completed their course of exercise physiology ({first_visit} to {last_visit}). This is my report after the last service.

Attendance: {attendance}
Home programme: {adherence}

Change since the first assessment:
{outcome_changes}

Goals:
{goals}

Home programme on discharge:
{programme}

Recommendations: {next_steps}

Kind regards,
""",
    ),
    LetterKind.DVA_END_OF_CYCLE: Wording(
        "DVA end-of-cycle report: {patient_name}",
        _HEADER
        + """
This is the end-of-cycle report for {patient_first_name}'s treatment cycle, referred on {referral_date}.

Treatment provided: {attendance} ({first_visit} to {last_visit}).
Home programme: {adherence}

Progress against goals:
{goals}

Change since the first assessment:
{outcome_changes}

Recommend another treatment cycle: yes / no, because {next_steps}

Kind regards,
""",
    ),
    LetterKind.PHYSIO: Wording(
        "Exercise physiology for {patient_name}",
        _HEADER
        + """
I am seeing {patient_first_name} for exercise physiology and am writing to keep our care aligned.
"""
        + _ASSESSMENT
        + """
Current programme:
{programme}

Change since the first assessment:
{outcome_changes}

{next_steps}

Kind regards,
""",
    ),
    LetterKind.CASE_CONFERENCE: Wording(
        "Case conference summary: {patient_name}",
        _HEADER
        + """
A summary of the case conference about {patient_first_name} on {conference_date}.

Who took part:
{conference_participants}

Matters discussed:
{conference_matters}

Outcomes and tasks:
{conference_outcomes}

Kind regards,
""",
    ),
}
