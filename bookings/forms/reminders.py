"""The patient's choice of how reminders reach them (the reminders page, signed link)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from bookings.sms import mobile_hint
from clinic.forms import ErrorSummaryMixin, HintedRadioSelect, form_helper
from clinic.models import Patient

Channel = Patient.ReminderChannel


class ReminderChannelForm(ErrorSummaryMixin, forms.Form):
    reminder_channel = forms.ChoiceField(
        label="How would you like your reminders?",
        choices=Channel.choices,
        error_messages={
            "required": "Select email, text message or both",
            "invalid_choice": "Select email, text message or both",
        },
    )

    def __init__(self, *args: Any, mobile: str | None, clinic_phone: str, **kw: Any) -> None:
        """`mobile`: the patient's number as E.164, or None if it is not a mobile."""
        super().__init__(*args, **kw)
        self.mobile = mobile
        self.clinic_phone = clinic_phone
        to = f"To your mobile, {mobile_hint(mobile)}." if mobile else "We have no mobile number."
        field: Any = self.fields["reminder_channel"]
        field.widget = HintedRadioSelect(
            option_hints={Channel.SMS: to, Channel.BOTH: to}, choices=Channel.choices
        )
        self.helper = form_helper()

    def clean_reminder_channel(self) -> str:
        value = str(self.cleaned_data["reminder_channel"])
        if value != Channel.EMAIL and self.mobile is None:
            call = f" call us on {self.clinic_phone} to add one, or" if self.clinic_phone else ""
            raise ValidationError(
                "We have no Australian mobile number for you, so we cannot send texts:"
                f"{call} choose Email"
            )
        return value
