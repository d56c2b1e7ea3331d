"""Forms for the clinic staff's pages: they validate input; a crispy helper built in
`__init__` says how they are drawn (clinic.forms.form_helper).

Every value that arrives in a query string or a POST body goes through one of these, so
a malformed date, code or time becomes a form error next to its field, never a 500.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms

from crispy_forms.layout import Div

from bookings.funding import funding_check
from bookings.models import Appointment, Modality, Service
from clinic.forms import (
    EARLIEST_DATE,
    LATEST_DATE,
    StaffForm,
    check_date_range,
    date_field,
    form_helper,
)
from clinic.models import Clinic, Location, Practitioner, Referral
from clinic.referrals.funders import on_text

ALL = "all"
ANY = "any"


def schedule_location_default(locations: Sequence[Location]) -> str:
    """The location a schedule shows when none is asked for: all of them ("") when they
    share a time zone, else the first, so every time on the page is in one named zone."""
    if len({loc.timezone for loc in locations}) > 1:
        return str(locations[0].pk)
    return ""


def schedule_zone(
    chosen: Location | None, locations: Sequence[Location], clinic: Clinic
) -> ZoneInfo:
    """The one zone a schedule page is in: the chosen location's, or the one all the
    locations share (with several, one is always chosen: `schedule_location_default`)."""
    zones = {chosen.tz} if chosen else {loc.tz for loc in locations}
    return next(iter(zones)) if len(zones) == 1 else clinic.tz


class ScheduleFilterForm(StaffForm):
    """The schedule's GET filters. A bad value is reported and replaced by its default."""

    view = forms.ChoiceField(
        label="Show", choices=[("day", "One day"), ("week", "One week")], required=False
    )
    date = date_field("Date", required=False)
    practitioner = forms.ChoiceField(label="Practitioner", required=False)
    location = forms.ChoiceField(label="Location", required=False)

    def __init__(
        self,
        *args: Any,
        practitioners: Sequence[Practitioner],
        locations: Sequence[Location],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["practitioner"]).choices = [
            (ALL, "All practitioners")
        ] + [(str(p.code), p.display_name) for p in practitioners]
        everywhere = [] if schedule_location_default(locations) else [("", "All locations")]
        cast(forms.ChoiceField, self.fields["location"]).choices = everywhere + [
            (str(loc.pk), loc.name) for loc in locations
        ]
        self.helper = form_helper(
            Div("view", "date", "practitioner", "location", css_class="filter-grid")
        )

    def clean_date(self) -> dt.date | None:
        return check_date_range(self.cleaned_data.get("date"))


class BookingDetailsForm(StaffForm):
    """Step 2 of a staff booking: what, how, with whom and which day."""

    service = forms.ModelChoiceField(
        label="Service",
        queryset=Service.objects.none(),
        to_field_name="code",
        empty_label="Choose a service",
        error_messages={"invalid_choice": "Choose a service from the list."},
    )
    modality = forms.ChoiceField(label="How", choices=Modality.choices, widget=forms.RadioSelect)
    practitioner = forms.ChoiceField(label="Practitioner")
    date = date_field("Day")

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["service"]).queryset = Service.objects.filter(  # type: ignore[type-arg]  # the stubs' ModelChoiceField is generic over its model
            clinic=clinic, is_active=True
        )
        self.practitioners = list(
            Practitioner.objects.filter(clinic=clinic, is_active=True).order_by("display_name")
        )
        cast(forms.ChoiceField, self.fields["practitioner"]).choices = [
            (ANY, "Any practitioner")
        ] + [(str(p.code), p.display_name) for p in self.practitioners]
        self.helper = form_helper("service", "modality", "practitioner", "date")

    def clean_date(self) -> dt.date:
        return check_date_range(self.cleaned_data["date"])  # type: ignore[return-value]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        service: Service | None = data.get("service")
        if service is None:
            return data
        modality = data.get("modality")
        if modality and modality not in service.allowed_modalities():
            self.add_error(
                "modality", f"{service.name} is {service.get_modalities_display().lower()}."
            )
        code = data.get("practitioner")
        data["practitioner_obj"] = None
        if code and code != ANY:
            chosen = next(p for p in self.practitioners if str(p.code) == code)
            if not service.practitioners.filter(pk=chosen.pk).exists():
                self.add_error("practitioner", f"{chosen.display_name} does not offer this.")
            data["practitioner_obj"] = chosen
        return data


class MoveForm(StaffForm):
    """Where to look for a new time: a day and a practitioner who offers the service."""

    date = date_field("Day")
    practitioner = forms.ChoiceField(label="Practitioner")

    def __init__(self, *args: Any, practitioners: Sequence[Practitioner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["practitioner"]).choices = [
            (ANY, "Any practitioner")
        ] + [(str(p.code), p.display_name) for p in practitioners]
        self.helper = form_helper("date", "practitioner")

    def clean_date(self) -> dt.date:
        return check_date_range(self.cleaned_data["date"])  # type: ignore[return-value]


@dataclass(frozen=True)
class PickedSlot:
    """A time chosen from the list: who, when (aware UTC) and where."""

    practitioner_code: uuid.UUID
    start: datetime
    location_id: int | None


def slot_value(*, practitioner_code: uuid.UUID, start: datetime, location_id: int | None) -> str:
    """The radio value that names one free time; `SlotPickForm` reads it back."""
    return f"{practitioner_code}|{start.astimezone(UTC).isoformat()}|{location_id or ''}"


class FundingForm(StaffForm):
    """The referral a visit is funded under, and the reason to keep when booking it under
    the referral goes past its limits (asked only then)."""

    referral = forms.ChoiceField(
        label="Funded under",
        required=False,
        help_text="The referral this visit uses one service of.",
    )
    funding_reason = forms.CharField(
        label="Reason for booking it under this referral anyway",
        max_length=500,
        required=False,
        help_text="Kept with the appointment. At most 500 characters.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Enter at most %(limit_value)d characters."},
    )

    def __init__(self, *args: Any, referrals: Sequence[Referral] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referrals = {str(r.code): r for r in referrals}
        self.funding_problems: list[str] = []
        cast(forms.ChoiceField, self.fields["referral"]).choices = [
            ("", "Not under a referral"),
            *[(code, referral_choice_label(r)) for code, r in self.referrals.items()],
        ]

    def clean_referral(self) -> Referral | None:
        return self.referrals.get(self.cleaned_data.get("referral") or "")

    def funding(
        self, *, start: datetime, minutes: int, exclude_appointment: int | None = None
    ) -> tuple[Referral | None, str | None]:
        """After `is_valid()`: the chosen referral and the reason to keep with the visit,
        "" when the visit is within the referral's limits, None when it is not and no
        reason was given yet (the problems are left on `funding_problems`)."""
        referral: Referral | None = self.cleaned_data.get("referral")
        if referral is None:
            return None, ""
        check = funding_check(
            referral=referral, start=start, minutes=minutes, exclude_appointment=exclude_appointment
        )
        self.funding_problems = list(check.problems)
        if not check:
            return referral, ""
        reason = (self.cleaned_data.get("funding_reason") or "").strip()
        return referral, reason or None


class SlotPickForm(FundingForm):
    """The free time chosen from the grid of slot buttons (drawn by hand:
    bookings/staff_slot_choices.html), so the summary links to the first button; and the
    referral it is funded under."""

    field_order = ["slot", "allow_overlap", "referral", "funding_reason"]
    error_anchors = {"slot": "id_slot_0"}
    slot = forms.CharField(
        label="Time",
        max_length=120,
        error_messages={"required": "Choose a time."},
    )
    allow_overlap = forms.BooleanField(
        label="Book anyway: the patient will have two visits at the same time",
        required=False,
    )

    def clean_slot(self) -> PickedSlot:
        problem = forms.ValidationError("Choose a time from the list.", code="invalid")
        parts = self.cleaned_data["slot"].split("|")
        if len(parts) != 3:
            raise problem
        code, start_text, location_text = parts
        try:
            practitioner_code = uuid.UUID(code)
            start = datetime.fromisoformat(start_text)
        except ValueError:
            raise problem from None
        if start.tzinfo is None or not EARLIEST_DATE <= start.date() <= LATEST_DATE:
            raise problem
        if location_text and not (location_text.isdigit() and len(location_text) < 10):
            raise problem
        return PickedSlot(practitioner_code, start, int(location_text) if location_text else None)


class CancelForm(StaffForm):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=500,
        help_text="Kept with the appointment. At most 500 characters.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter a reason for cancelling.",
            "max_length": "Enter at most %(limit_value)d characters.",
        },
    )


class MarkForm(StaffForm):
    status = forms.ChoiceField(
        label="Attendance",
        choices=[
            (Appointment.Status.ATTENDED, "Attended"),
            (Appointment.Status.COMPLETED, "Completed"),
            (Appointment.Status.NO_SHOW, "Did not attend"),
        ],
        error_messages={"required": "Choose attended, completed or did not attend."},
    )


def referral_choice_label(referral: Referral) -> str:
    """ "Medicare GPCCMP, Dr Ng, 3 March 2026 (until 2 September 2027)"."""
    who = referral.referrer.name if referral.referrer else "self-referred"
    label = f"{referral.funder_label}, {who}, {on_text(referral.referral_date)}"
    return f"{label} (until {on_text(referral.valid_until)})" if referral.valid_until else label
