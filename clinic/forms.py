"""Forms shared by every app's staff pages, and the patient record's own forms.

Forms validate input only; services write. Every value that arrives in a query string or
a POST body goes through a form, so a malformed date, code or time becomes an error next
to its field, never a 500."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

EARLIEST_DATE = date(2000, 1, 1)
"""Dates before this are refused: nobody needs them and they keep date arithmetic safe."""


LATEST_DATE = date(2099, 12, 31)
"""Dates after this are refused, so adding a week can never overflow."""


DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-]{6,30}$",
    "Enter a phone number using digits, spaces, brackets or a leading +, like 0400 123 456.",
)


class StaffForm(forms.Form):
    """Bootstrap classes on every widget; Django adds aria-invalid and aria-describedby."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    # The browser's date control shows the date in the user's own format (3/3/2026 in
    # Australia), so hints and errors give the day in words rather than as 2026-03-03.
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text or "The day, month and year, for example 3 March 2026.",
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 3 March 2026."},
    )


def check_date_range(value: date | None) -> date | None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise forms.ValidationError(
            f"Enter a date between {EARLIEST_DATE:%Y} and {LATEST_DATE:%Y}.", code="range"
        )
    return value


class PatientSearchForm(StaffForm):
    q = forms.CharField(
        label="Name, email or phone",
        max_length=100,
        required=False,
        error_messages={"max_length": "Enter at most %(limit_value)d characters."},
    )


class NewPatientForm(StaffForm):
    first_name = forms.CharField(label="First name", max_length=80)
    last_name = forms.CharField(label="Last name", max_length=80)
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="If the clinic already has a patient with this email, we use their record.",
        error_messages={"invalid": "Enter an email address like name@example.org."},
    )
    phone = forms.CharField(label="Phone", max_length=30, validators=[phone_validator])
    date_of_birth = date_field(
        "Date of birth", help_text="The day, month and year, for example 14 March 1985."
    )

    def clean_date_of_birth(self) -> date:
        value: date = self.cleaned_data["date_of_birth"]
        if value.year < 1900:
            raise forms.ValidationError("Enter a date of birth after 1900.", code="range")
        if value > timezone.localdate():
            raise forms.ValidationError("The date of birth must be in the past.", code="future")
        return value
