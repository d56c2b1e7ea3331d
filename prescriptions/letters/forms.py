"""Forms for letters, their templates and case conferences: they check input and say
what is wrong next to the field; services write."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django import forms

from clinic.forms import StaffForm, check_date_range, date_field
from clinic.models import Practitioner
from prescriptions.letters.models import CaseConference, CaseConferenceParticipant, LetterKind
from prescriptions.letters.placeholders import template_errors

EMAIL_ERRORS = {"invalid": "Enter an email address like name@example.org."}
PARTICIPANT_ROWS = 6
"""Rows for who took part in a case conference (empty ones are ignored)."""


def _template_text(value: str) -> str:
    errors = template_errors(value)
    if errors:
        raise forms.ValidationError(errors)
    return value


class LetterTemplateForm(StaffForm):
    subject = forms.CharField(
        label="Subject",
        max_length=200,
        error_messages={"required": "Enter the subject.", "max_length": "Keep it to 200."},
    )
    body = forms.CharField(
        label="Text",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 22}),
        help_text="Placeholders in braces, such as {patient_name}, are filled from the "
        "record when a letter is started. The signature block is added under the text.",
        error_messages={"required": "Enter the text of the letter."},
    )

    def clean_subject(self) -> str:
        return _template_text(self.cleaned_data["subject"])

    def clean_body(self) -> str:
        return _template_text(self.cleaned_data["body"])


def practitioner_choices(clinic_id: int) -> list[tuple[str, str]]:
    rows = Practitioner.objects.filter(clinic_id=clinic_id, is_active=True).order_by("display_name")
    return [(str(p.code), p.display_name) for p in rows]


class LetterNewForm(StaffForm):
    kind = forms.ChoiceField(
        label="Kind of letter",
        choices=[c for c in LetterKind.choices if c[0] != LetterKind.CASE_CONFERENCE],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of letter."},
    )
    practitioner = forms.ChoiceField(
        label="From",
        help_text="Who signs it.",
        error_messages={
            "required": "Choose who signs it.",
            "invalid_choice": "Choose who signs it.",
        },
    )
    recipient_name = forms.CharField(
        label="To (name)",
        max_length=200,
        required=False,
        help_text="For example Dr Jane Citizen. You can change it before signing.",
    )
    recipient_email = forms.EmailField(
        label="Their email address (optional)",
        max_length=254,
        required=False,
        error_messages=EMAIL_ERRORS,
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["practitioner"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = practitioner_choices(clinic_id)


class LetterEditForm(StaffForm):
    recipient_name = forms.CharField(label="To (name)", max_length=200, required=False)
    recipient_email = forms.EmailField(
        label="Their email address (optional)",
        max_length=254,
        required=False,
        error_messages=EMAIL_ERRORS,
    )
    subject = forms.CharField(
        label="Subject", max_length=200, error_messages={"required": "Enter the subject."}
    )
    body = forms.CharField(
        label="Text",
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 26}),
        error_messages={"required": "Enter the text of the letter."},
    )
    shared_with_patient = forms.BooleanField(
        label="The patient may read this letter in their record", required=False
    )


class LetterShareForm(StaffForm):
    shared_with_patient = forms.BooleanField(
        label="The patient may read this letter in their record", required=False
    )


class LetterSendForm(StaffForm):
    to_name = forms.CharField(label="To (name)", max_length=200, required=False)
    to_email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": "Enter the email address to send it to.", **EMAIL_ERRORS},
    )


class CaseConferenceForm(StaffForm):
    held_on = date_field("Date")
    start_time = forms.TimeField(
        label="Start time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Enter the start time.", "invalid": "Enter a time like 14:30."},
    )
    end_time = forms.TimeField(
        label="End time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Enter the end time.", "invalid": "Enter a time like 15:05."},
    )
    mode = forms.ChoiceField(
        label="How it was held",
        choices=CaseConference.Mode.choices,
        widget=forms.RadioSelect,
        initial=CaseConference.Mode.IN_PERSON,
        error_messages={"required": "Choose how it was held."},
    )
    patient_agreed = forms.BooleanField(
        label="The patient agreed to the case conference",
        error_messages={"required": "Record the patient's agreement: a case conference needs it."},
    )
    matters_discussed = forms.CharField(
        label="Matters discussed",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the matters discussed."},
    )
    outcomes = forms.CharField(
        label="Outcomes and tasks",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What was decided, and who does what.",
        error_messages={"required": "Enter the outcomes."},
    )
    shared_with_patient = forms.BooleanField(
        label="The patient may read this record", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [("", "Choose a role"), *CaseConferenceParticipant.Role.choices]
        for n in range(1, PARTICIPANT_ROWS + 1):
            self.fields[f"role_{n}"] = forms.ChoiceField(
                label=f"Person {n}: role", choices=roles, required=False
            )
            self.fields[f"name_{n}"] = forms.CharField(
                label=f"Person {n}: name", max_length=120, required=False
            )
            self.fields[f"organisation_{n}"] = forms.CharField(
                label=f"Person {n}: practice or organisation", max_length=120, required=False
            )
        # StaffForm styled the fields declared above; these rows came after it.
        for name in self.fields:
            widget = self.fields[name].widget
            if name.startswith("role_"):
                widget.attrs["class"] = "form-select"
            elif name.startswith(("name_", "organisation_")):
                widget.attrs["class"] = "form-control"

    def clean_held_on(self) -> date | None:
        return check_date_range(self.cleaned_data.get("held_on"))

    def participants(self) -> list[tuple[str, str, str]]:
        rows = []
        for n in range(1, PARTICIPANT_ROWS + 1):
            name = (self.cleaned_data.get(f"name_{n}") or "").strip()
            if name:
                rows.append(
                    (
                        self.cleaned_data.get(f"role_{n}") or "",
                        name,
                        (self.cleaned_data.get(f"organisation_{n}") or "").strip(),
                    )
                )
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: time | None = data.get("start_time")
        end: time | None = data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The end time must be after the start time.")
        for n in range(1, PARTICIPANT_ROWS + 1):
            if (data.get(f"name_{n}") or "").strip() and not data.get(f"role_{n}"):
                self.add_error(f"role_{n}", f"Choose person {n}'s role.")
            elif data.get(f"role_{n}") and not (data.get(f"name_{n}") or "").strip():
                self.add_error(f"name_{n}", f"Enter person {n}'s name.")
        if not self.errors and not self.participants():
            self.add_error("name_1", "Enter who took part.")
        return data
