"""Forms for repeating a visit as a recurring series (bookings/series.py)."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from bookings.series import MAX_REPEATS, SeriesVisit
from clinic.forms import StaffForm, check_date_range, date_field
from clinic.lib.time import clock_label, day_label, when_label

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
    """One decision per proposed visit: book (or move) it, or, when it clashes, take one of
    the nearest free times that day, or leave it. Only the times offered can come back."""

    def __init__(
        self,
        *args: Any,
        plan: list[SeriesVisit],
        tz: ZoneInfo,
        moving: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.starts: dict[str, datetime] = {}
        verb = "Move to" if moving else "Book"
        for n, visit in enumerate(plan, start=1):
            local = visit.start.astimezone(tz)
            choices = []
            if visit.free:
                choices.append((start_value(visit.start), f"{verb} {clock_label(local)}"))
            for slot in visit.alternatives:
                label = f"{verb} {clock_label(slot.start.astimezone(tz))} instead"
                choices.append((start_value(slot.start), label))
            choices.append((SKIP, "Leave it where it is" if moving else "Skip this one"))
            for value, _ in choices[:-1]:
                self.starts[value] = datetime.fromisoformat(value)
            when = f"{day_label(local.date(), year=True)}, {clock_label(local)}"
            if visit.moving is not None:
                was = when_label(visit.moving.start, tz)
                label = f"Visit on {was}: to {when}"
            else:
                label = f"Visit {n + 1}: {when}"
            field = forms.ChoiceField(
                label=label,
                choices=choices,
                initial=choices[0][0],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                help_text=visit.clash,
                error_messages={"invalid_choice": "Choose one of the times offered, or skip."},
            )
            self.fields[f"visit_{n}"] = field

    def chosen_starts(self) -> list[datetime]:
        return [start for _, start in self.chosen()]

    def chosen(self) -> list[tuple[SeriesVisit, datetime]]:
        """(proposed visit, chosen time) for each visit not skipped."""
        chosen = []
        for n, visit in enumerate(self.plan, start=1):
            value = self.cleaned_data[f"visit_{n}"]
            if value != SKIP:
                chosen.append((visit, self.starts[value]))
        return chosen


class SeriesMoveForm(StaffForm):
    """The new day and time of this visit; the later ones follow by the same number of
    days, at the same new time."""

    date = date_field("New day for this visit")
    time = forms.TimeField(
        label="New time",
        help_text="In the clinic's time, for example 14:00.",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "Enter the new time.",
            "invalid": "Enter a time like 14:00.",
        },
    )

    def clean_date(self) -> dt.date:
        return check_date_range(self.cleaned_data["date"])  # type: ignore[return-value]
