"""Forms for a patient's own visits: cancel one, or pick a new time for it.

They validate input only (with a crispy helper for how they are drawn); the views call the
services.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django import forms

from clinic.forms import ErrorSummaryMixin, form_helper
from clinic.models import Practitioner

SLOT_SEPARATOR = "~"


@dataclass(frozen=True)
class SlotChoice:
    """A parsed time choice: when, and with whom."""

    start: datetime
    practitioner: Practitioner


def slot_value(start: datetime, practitioner_code: uuid.UUID) -> str:
    """The radio value for a time: its UTC instant and the practitioner's code."""
    instant = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{instant}{SLOT_SEPARATOR}{practitioner_code}"


class CancelForm(ErrorSummaryMixin, forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling (optional)",
        help_text="This helps the clinic. Do not include health details you would rather "
        "discuss in person. Up to 500 characters.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": "The reason must be 500 characters or fewer (it has %(show_value)d).",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # No maxlength on the textarea: a browser would cut a pasted reason short without a
        # word; the server says how long it is instead.
        self.fields["reason"].widget.attrs.pop("maxlength", None)
        self.helper = form_helper()


class RescheduleForm(ErrorSummaryMixin, forms.Form):
    """The new time, as offered on the week page (a grid of time buttons drawn by hand, so
    the summary links to the list of times). Availability is checked by the service."""

    error_anchors = {"slot": "times"}

    slot = forms.CharField(
        label="New time",
        max_length=100,
        error_messages={"required": "Choose a new time for your visit."},
    )

    def __init__(self, *args: object, practitioners: list[Practitioner], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.practitioners = {p.code: p for p in practitioners}

    def clean_slot(self) -> SlotChoice:
        value: str = self.cleaned_data["slot"]
        invalid = forms.ValidationError("Choose a time from the list.", code="invalid")
        when, _, code = value.partition(SLOT_SEPARATOR)
        try:
            start = datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            practitioner = self.practitioners[uuid.UUID(code)]
        except (ValueError, KeyError):
            raise invalid from None
        return SlotChoice(start=start, practitioner=practitioner)


class WaitlistForm(ErrorSummaryMixin, forms.Form):
    """Join the waitlist for an earlier time (with whom), or leave it."""

    action = forms.ChoiceField(
        choices=[("join", "Join"), ("leave", "Leave")], widget=forms.HiddenInput
    )
    who = forms.ChoiceField(
        label="Who would you see at an earlier time?",
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, practitioner: Practitioner, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"action": "join", "who": "same"})
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [  # type: ignore[attr-defined]
            ("same", f"{practitioner.display_name} only"),
            ("any", "Any practitioner who offers this service"),
        ]
        self.helper = form_helper("action", "who")
