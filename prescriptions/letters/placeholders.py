"""The letter templates' placeholder syntax: `{name}` for a value from the record,
`{{` and `}}` for a literal brace. Nothing else is evaluated: no attributes, no filters,
no code, so a template the clinic edits can only pick from the names below. Pure.

`template_errors(text)` lists what is wrong with a template, in sentences for the field's
error; `template_fill(text, values)` fills a template that has none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS: dict[str, str] = {
    "today": "Today's date",
    "clinic_name": "The clinic's name",
    "clinic_phone": "The clinic's phone number",
    "recipient_name": "Who the letter is to (typed in when writing it)",
    "patient_name": "The patient's full name",
    "patient_first_name": "The patient's first name",
    "patient_dob": "The patient's date of birth",
    "patient_age": "The patient's age in years",
    "practitioner_name": "The signing practitioner's name",
    "practitioner_qualification": "The practitioner's qualification",
    "practitioner_provider_number": "The practitioner's Medicare provider number",
    "referrer_name": "The referring practitioner (from the referral)",
    "referral_date": "The date of the referral",
    "first_visit": "The first visit's date",
    "last_visit": "The latest visit's date",
    "attendance": "Visits attended, missed and cancelled late",
    "conditions": "Conditions from the latest signed assessment",
    "history": "Relevant history from the assessment",
    "red_flags": "Red flags found (or none)",
    "findings": "Assessment findings",
    "baseline_measures": "Outcome measures at the first signed assessment",
    "outcome_changes": "Change since the first assessment, with MCID verdicts",
    "goals": "SMART goals and their status",
    "programme": "The current exercise programme",
    "adherence": "Home-programme sessions logged",
    "next_steps": "Next steps (to be written by the practitioner)",
    "conference_date": "Case conference: date and times",
    "conference_participants": "Case conference: who took part",
    "conference_matters": "Case conference: matters discussed",
    "conference_outcomes": "Case conference: outcomes and tasks",
}
"""Every name a template may use, with what it holds (shown on the templates page)."""

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def template_errors(text: str) -> list[str]:
    """What is wrong with a template, each problem once: unknown names, and braces that
    do not open or close a placeholder."""
    errors: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            message = (
                f"A lone “{token}” at character {match.start() + 1}: write a placeholder "
                "as {name}, or a brace on its own as {{ or }}."
            )
        elif name.strip() not in PLACEHOLDERS:
            message = f"“{{{name}}}” is not a placeholder this letter knows."
        else:
            continue
        if message not in errors:
            errors.append(message)
    return errors


def template_fill(text: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its value (empty when unknown:
    callers check `template_errors` first) and doubled braces made single."""

    def one(match: re.Match[str]) -> str:
        piece = match.group(0)
        if piece in ("{{", "}}"):
            return piece[0]
        name = match.group(1)
        return values.get(name.strip(), "") if name is not None else piece

    return _TOKEN.sub(one, text)
