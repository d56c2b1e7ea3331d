"""Forms for the pre-exercise screening, the comparison picker and the patient's pre-visit
questionnaires. They check input and say what is wrong next to the field; services write."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from clinic.forms import InlineRadioSelect, StaffForm
from prescriptions.assessments.forms import EARLIEST_DAY
from prescriptions.outcomes import instruments
from prescriptions.screening import apss as screening
from prescriptions.screening.models import ACTIVITY_FIELDS

YES_NO = (("yes", "Yes"), ("no", "No"))


def _count_field(label: str, limit: int, what: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=limit,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "class": "form-control input-points",
            }
        ),
        error_messages={
            "invalid": f"Enter {what} as a whole number.",
            "min_value": f"Enter {what} from 0 to {limit}.",
            "max_value": f"Enter {what} from 0 to {limit}.",
        },
    )


class ScreeningForm(StaffForm):
    """APSS stage 1: the 6 health questions (in the clinic's wording, or their themes) and
    the weekly activity question. Staff also give the date and, for a yes, a note."""

    def __init__(
        self,
        *args: Any,
        wording: instruments.Wording,
        today: date,
        staff: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today, self.staff, self.wording = today, staff, wording
        if staff:
            self.fields["screened_on"] = forms.DateField(
                label="Date the patient answered",
                help_text="Day/month/year, for example 3/3/2026.",
                input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                initial=today,
                widget=forms.DateInput(
                    attrs={"autocomplete": "off", "class": "form-control input-date"},
                    format="%d/%m/%Y",
                ),
                error_messages={
                    "required": "Enter the date the patient answered.",
                    "invalid": "Enter a real date as day/month/year, like 3/3/2026.",
                },
            )
        texts = {item.number: item.text for item in wording.items}
        for q in screening.QUESTIONS:
            self.fields[f"q{q.number}"] = forms.ChoiceField(
                label=f"{q.number}. {texts.get(q.number, q.theme)}",
                choices=YES_NO,
                widget=InlineRadioSelect,
                error_messages={"required": f"Answer yes or no to question {q.number}."},
            )
        for intensity, label in screening.INTENSITIES:
            self.fields[f"{intensity}_sessions"] = _count_field(
                f"{label}: sessions a week", screening.SESSIONS_MAX, "the sessions"
            )
            self.fields[f"{intensity}_minutes"] = _count_field(
                f"{label}: total minutes a week", screening.MINUTES_MAX, "the minutes"
            )
        if staff:
            self.fields["notes"] = forms.CharField(
                label="What was advised or done (required for a yes)",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                help_text="For example: referred to the GP for clearance; letter on file.",
            )

    def clean_screened_on(self) -> date:
        value: date = self.cleaned_data["screened_on"]
        if value > self.today:
            raise forms.ValidationError("The date cannot be in the future.")
        if value < EARLIEST_DAY:
            raise forms.ValidationError(f"Enter a date from {EARLIEST_DAY:%Y} onwards.")
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        any_yes = any(data.get(f"q{q.number}") == "yes" for q in screening.QUESTIONS)
        if self.staff and any_yes and not (data.get("notes") or "").strip():
            self.add_error(
                "notes",
                "Say what was advised or done about the yes answer (for example: "
                "referred to the GP for clearance).",
            )
        return data

    def answers(self) -> list[bool]:
        return [self.cleaned_data[f"q{q.number}"] == "yes" for q in screening.QUESTIONS]

    def activity(self) -> dict[str, int | None]:
        return {name: self.cleaned_data.get(name) for name in ACTIVITY_FIELDS}

    def questions(self) -> list[forms.BoundField]:
        return [self[f"q{q.number}"] for q in screening.QUESTIONS]

    def activity_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (label, self[f"{i}_sessions"], self[f"{i}_minutes"])
            for i, label in screening.INTENSITIES
        ]
