"""Forms for repeating a visit as a recurring series (bookings/series.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from bookings.series import MAX_REPEATS, SeriesVisit
from clinic.forms import StaffForm
from clinic.lib.time import clock_label, day_label

SKIP = "skip"

EVERY_CHOICES = [
    (1, "Every week"),
    (2, "Every 2 weeks"),
    (3, "Every 3 weeks"),
    (4, "Every 4 weeks"),
]


class RepeatForm(StaffForm):
    """How often, and how many visits after this one."""

    every_weeks = forms.TypedChoiceField(
        label="How often", choices=EVERY_CHOICES, coerce=int, initial=1
    )
    repeats = forms.IntegerField(
        label="How many more visits",
        min_value=1,
        max_value=MAX_REPEATS,
        initial=7,
        help_text=f"After this one, at most {MAX_REPEATS}. 7 makes a block of 8 visits.",
        error_messages={
            "required": "Enter how many more visits to book.",
            "invalid": "Enter a whole number, for example 7.",
            "min_value": "Enter at least 1.",
            "max_value": f"Enter at most {MAX_REPEATS}.",
        },
    )


def start_value(start: datetime) -> str:
    return f"{start.astimezone(UTC):%Y-%m-%dT%H:%M}Z"


class SeriesChoiceForm(StaffForm):
    """One decision per proposed visit: book it (or, when it clashes, one of the nearest
    free times that day) or skip it. Only the times offered can come back."""

    def __init__(self, *args: Any, plan: list[SeriesVisit], tz: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.starts: dict[str, datetime] = {}
        for n, visit in enumerate(plan, start=1):
            local = visit.start.astimezone(tz)
            choices = []
            if visit.free:
                choices.append((start_value(visit.start), f"Book {clock_label(local)}"))
            for slot in visit.alternatives:
                label = f"Book {clock_label(slot.start.astimezone(tz))} instead"
                choices.append((start_value(slot.start), label))
            choices.append((SKIP, "Skip this one"))
            for value, _ in choices[:-1]:
                self.starts[value] = datetime.fromisoformat(value)
            field = forms.ChoiceField(
                label=f"Visit {n + 1}: {day_label(local.date(), year=True)}, {clock_label(local)}",
                choices=choices,
                initial=choices[0][0],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                help_text=visit.clash,
                error_messages={"invalid_choice": "Choose one of the times offered, or skip."},
            )
            self.fields[f"visit_{n}"] = field

    def chosen_starts(self) -> list[datetime]:
        return [
            self.starts[value]
            for name, value in self.cleaned_data.items()
            if name.startswith("visit_") and value != SKIP
        ]
