"""Forms of the closures settings page: add a closure, open or close a public holiday.
They validate input only; bookings.closures writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django import forms

from crispy_forms.layout import Div

from clinic.forms import StaffForm, check_date_range, date_field, form_helper
from clinic.models import Location

EVERY_LOCATION = ""

TIME_ERRORS = {"invalid": "Enter a time like 12:00 or 5:30 pm."}


def _time_field(label: str, help_text: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages=TIME_ERRORS,
    )


class ClosureForm(StaffForm):
    """A day, or part of one, when a location (or every location) takes no bookings.
    Times are wall-clock times of each location's own zone."""

    date = date_field("Date")
    location = forms.ChoiceField(label="Location", required=False)
    start_time = _time_field("Closed from", "Leave both times empty to close the whole day.")
    end_time = _time_field("Closed until", "In the location's own local time.")
    reason = forms.CharField(
        label="Reason",
        max_length=200,
        help_text="Shown to staff, and to anyone booking into it: for example Staff training.",
        error_messages={
            "required": "Enter the reason for the closure.",
            "max_length": "Enter at most %(limit_value)d characters.",
        },
    )

    def __init__(
        self, *args: Any, locations: Sequence[Location], today: dt.date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.locations = {str(loc.pk): loc for loc in locations}
        cast(forms.ChoiceField, self.fields["location"]).choices = [
            (EVERY_LOCATION, "Every location")
        ] + [(str(loc.pk), f"{loc.name} ({loc.timezone} time)") for loc in locations]
        self.fields["date"].error_messages["required"] = "Enter the date of the closure."
        self.helper = form_helper(
            "date",
            "location",
            Div("start_time", "end_time", css_class="field-pair"),
            "reason",
        )

    def clean_date(self) -> dt.date | None:
        value = check_date_range(self.cleaned_data.get("date"))
        if value is not None and value < self.today:
            raise forms.ValidationError("Enter today's date or a later one.", code="past")
        return value

    def clean_location(self) -> Location | None:
        value = self.cleaned_data.get("location") or EVERY_LOCATION
        if value == EVERY_LOCATION:
            return None
        if value not in self.locations:
            raise forms.ValidationError("Choose one of the clinic's locations.", code="invalid")
        return self.locations[value]

    def clean_reason(self) -> str:
        value = str(self.cleaned_data.get("reason") or "").strip()
        if not value:
            raise forms.ValidationError("Enter the reason for the closure.", code="required")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.time | None = data.get("start_time")
        end: dt.time | None = data.get("end_time")
        if "start_time" in self.errors or "end_time" in self.errors:
            return data
        if start is None and end is not None:
            self.add_error(
                "start_time",
                "Enter the time the closure starts, or leave both times empty for the whole day.",
            )
        elif end is None and start is not None:
            self.add_error(
                "end_time",
                "Enter the time the closure ends, or leave both times empty for the whole day.",
            )
        elif start is not None and end is not None and end <= start:
            self.add_error("end_time", "The closure must end after it starts.")
        return data


class HolidaySwitchForm(forms.Form):
    """The hidden fields of one holiday's "open this day" switch."""

    location = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    date = forms.DateField(input_formats=["%Y-%m-%d"])
    open = forms.ChoiceField(choices=[("1", "Open"), ("0", "Closed")])

    def clean_date(self) -> dt.date | None:
        return check_date_range(self.cleaned_data.get("date"))
