"""Forms of the clinic's settings pages (bookings/views/settings.py): the booking rules,
locations, practitioners and their working hours, time off, services and the booking's
health questions.

Plain words, limits stated in the hint, and a clear message next to the field for every
bad value (the page's error summary links to it). Model forms list their fields
explicitly, so a field added to a model later is never shown or saved by accident.

Times of day are wall-clock times in the clinic's zone, typed as 9:00 or 17:30 (or picked
in the browser's time control). Time off is typed as a local day and time and becomes an
aware instant here, in the clinic's zone, refusing a time the clocks skip.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from crispy_forms.layout import Div

from bookings.models import ScreeningQuestion, Service, WorkingHours
from bookings.selectors import practitioner_zones
from clinic.forms import (
    ErrorSummaryMixin,
    StaffForm,
    Unit,
    check_date_range,
    date_field,
    form_helper,
    phone_validator,
)
from clinic.lib.time import clock_label, day_label, zone_label
from clinic.models import (
    MAX_REMINDER_LEAD_HOURS,
    MAX_REMINDER_LEADS,
    Clinic,
    Location,
    Practitioner,
    parse_reminder_lead_hours,
)

TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p"]
"""9:00, 09:00:00, 9.00, 9:00 am, 9am: what people type, and what the time control sends."""

TIME_HINT = "A time like 9:00 or 17:30."

ZONES_FIRST = ("Australia/", "Pacific/Auckland", "Pacific/Chatham")
"""Zones listed first in the time zone list: where the clinics using Stance are."""


# --- Fields ---------------------------------------------------------------------------


def _range_messages(low: int, high: int, what: str) -> dict[str, str]:
    message = f"Enter {what} from {low} to {high}, in whole numbers."
    return {"required": message, "invalid": message, "min_value": message, "max_value": message}


def whole_number(
    label: str, *, low: int, high: int, what: str, help_text: str = "", required: bool = True
) -> forms.IntegerField:
    """A whole number in a range, with one plain message for every way it can be wrong."""
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "input-measure"}),
        error_messages=_range_messages(low, high, what),
    )


def time_field(label: str, *, required: bool = True, help_text: str = TIME_HINT) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=TIME_INPUT_FORMATS,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "Enter the time, for example 9:00 or 17:30.",
            "invalid": "Enter a time like 9:00 or 17:30.",
        },
    )


def text_field(
    label: str, *, max_length: int, required: bool = True, help_text: str = "", rows: int = 0
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(),
        error_messages={
            "required": f"Enter the {label.lower().removesuffix(' (optional)')}.",
            "max_length": "Keep it to %(limit_value)d characters or fewer.",
        },
    )


def _checkbox(label: str, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text)


# --- The shared base ----------------------------------------------------------------------


class SettingsModelForm(ErrorSummaryMixin, forms.ModelForm):  # type: ignore[type-arg]  # each subclass names its model in Meta
    """A model form drawn like the staff forms (clinic.forms.StaffForm): no colon after
    labels, the error summary's entries, a crispy helper with every field in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


# --- Booking rules --------------------------------------------------------------------


def zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and "Etc/" not in z)
    near = [z for z in zones if z.startswith(ZONES_FIRST)]
    rest = [z for z in zones if z not in near]
    return [
        ("Australia and New Zealand", [(z, z.replace("_", " ")) for z in near]),
        ("Everywhere else", [(z, z.replace("_", " ")) for z in rest]),
    ]


class ClinicRulesForm(SettingsModelForm):
    """The clinic's name and contact details, its time zone and its booking rules."""

    name = text_field("Clinic name", max_length=120)
    phone = forms.CharField(
        label="Phone",
        max_length=30,
        required=False,
        validators=[phone_validator],
        help_text="Shown on every page and in emails. Patients call it inside the "
        "cancellation window.",
    )
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address like hello@example.org."},
    )
    timezone = forms.ChoiceField(
        label="Time zone",
        help_text="Working hours, time off and every time on the pages and in emails are "
        "in this zone. Changing it moves nothing already booked: each visit keeps its "
        "moment, and working hours keep their clock times in the new zone.",
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )
    min_booking_notice_minutes = whole_number(
        "Shortest notice for an online booking",
        low=0,
        high=20160,
        what="the notice in minutes",
        help_text="Patients cannot book a time that starts sooner than this. 120 is two "
        "hours; 1440 is a day.",
    )
    booking_horizon_days = whole_number(
        "How far ahead patients may book",
        low=1,
        high=365,
        what="a number of days",
    )
    slot_step_minutes = whole_number(
        "Start times every",
        low=5,
        high=60,
        what="the minutes between start times",
        help_text="15 offers 9:00, 9:15, 9:30 and so on.",
    )
    cancellation_notice_hours = whole_number(
        "Cancellation window",
        low=0,
        high=720,
        what="the window in hours",
        help_text="Patients may cancel or move a visit online up to this many hours before "
        "it; inside the window they are asked to phone. Staff are never bound by it.",
    )
    reminder_lead_hours = forms.CharField(
        label="Reminder emails",
        max_length=40,
        required=False,
        help_text="Hours before the visit, separated by commas, for example 24, 2 (a day "
        "before and two hours before). Whole days keep the same time of day across a "
        "daylight-saving change. Leave it empty for no reminders.",
        error_messages={"max_length": "Keep it to %(limit_value)d characters or fewer."},
    )
    record_retention_years = whole_number(
        "Keep an adult's clinical records for",
        low=1,
        high=100,
        what="a number of years",
        help_text="After the patient asks for their account to be deleted (7 years in NSW "
        "and Victoria).",
    )
    minor_retention_until_age = whole_number(
        "Keep records of someone who was under 18 at least until they are",
        low=18,
        high=100,
        what="an age",
        help_text="25 in NSW and Victoria, if that is later than the years above.",
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "phone",
            "email",
            "timezone",
            "min_booking_notice_minutes",
            "booking_horizon_days",
            "slot_step_minutes",
            "cancellation_notice_hours",
            "reminder_lead_hours",
            "record_retention_years",
            "minor_retention_until_age",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["timezone"]).choices = zone_choices()
        self.helper = form_helper(
            "name",
            "phone",
            "email",
            "timezone",
            Unit("min_booking_notice_minutes", "minutes"),
            Unit("booking_horizon_days", "days"),
            Unit("slot_step_minutes", "minutes"),
            Unit("cancellation_notice_hours", "hours"),
            Unit("reminder_lead_hours", "hours before"),
            Unit("record_retention_years", "years"),
            Unit("minor_retention_until_age", "years old"),
        )

    def clean_reminder_lead_hours(self) -> str:
        value = str(self.cleaned_data.get("reminder_lead_hours") or "")
        try:
            minutes = parse_reminder_lead_hours(value)
        except ValueError:
            raise ValidationError(
                f"Enter up to {MAX_REMINDER_LEADS} whole numbers of hours from 1 to "
                f"{MAX_REMINDER_LEAD_HOURS}, separated by commas, for example 24, 2.",
                code="invalid",
            ) from None
        return ", ".join(str(m // 60) for m in minutes)


# --- Locations ------------------------------------------------------------------------


class LocationForm(SettingsModelForm):
    name = text_field("Name", max_length=120, help_text="As patients know it, like Surry Hills.")
    address = text_field(
        "Address", max_length=500, rows=3, help_text="Street, suburb, state and postcode."
    )
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=30,
        required=False,
        validators=[phone_validator],
        help_text="Given to patients in their emails for a visit here. Leave it empty for "
        "the clinic's number.",
        error_messages={"max_length": "Enter at most %(limit_value)d characters."},
    )
    directions = text_field(
        "Finding us (optional)",
        max_length=1000,
        required=False,
        rows=3,
        help_text="Shown in the booking confirmation and reminders: the entrance, the "
        "floor, lifts and steps.",
    )
    parking = text_field(
        "Parking and access (optional)",
        max_length=1000,
        required=False,
        rows=3,
        help_text="Shown in the booking confirmation and reminders: where to park, "
        "public transport, wheelchair access.",
    )
    timezone = forms.ChoiceField(
        label="Time zone (optional)",
        required=False,
        help_text="Working hours here, the times offered and the times in patients' emails "
        "are in this zone. Leave it empty for the clinic's zone.",
        error_messages={"invalid_choice": "Choose a time zone from the list."},
    )
    state = forms.ChoiceField(
        label="State or territory (optional)",
        required=False,
        choices=[("", "None: national public holidays only"), *Location.State.choices],
        help_text="Its public holidays close this location (you can open on one on the "
        "closures page).",
        error_messages={"invalid_choice": "Choose a state or territory from the list."},
    )
    is_active = _checkbox(
        "Open for bookings",
        "Untick to stop offering visits here. Visits already booked stay booked.",
    )

    class Meta:
        model = Location
        # Listed one by one: a field added to Location later is added here on purpose.
        fields = [
            "name",
            "address",
            "phone",
            "directions",
            "parking",
            "timezone",
            "state",
            "is_active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["timezone"]).choices = [
            ("", "The clinic's zone"),
            *zone_choices(),
        ]


# --- Practitioners ----------------------------------------------------------------------


class PractitionerForm(SettingsModelForm):
    """A practitioner and their login's email address; the services they offer. The
    practitioner service (bookings.settings_services) writes the login and the row."""

    display_name = text_field("Name", max_length=120, help_text="As patients see it.")
    profession = forms.ChoiceField(
        label="Profession",
        choices=Practitioner.Profession.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the profession."},
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="They log in with it. A new practitioner sets their password with "
        "“Forgotten your password?” on the login page.",
        error_messages={
            "required": "Enter the email address they log in with.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    bio = text_field(
        "About them (optional)",
        max_length=2000,
        required=False,
        rows=4,
        help_text="Shown to patients choosing a practitioner.",
    )
    provider_number = forms.CharField(
        label="Medicare provider number (optional)",
        max_length=12,
        required=False,
        help_text="For example 2123456A. Under their signature on letters and on the "
        "funded-services export.",
    )
    services = forms.ModelMultipleChoiceField(
        label="Services they offer",
        queryset=Service.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose services from the list."},
    )
    is_active = _checkbox(
        "Takes bookings",
        "Untick when they leave or stop seeing patients. Visits already booked stay "
        "booked; their records stay.",
    )

    class Meta:
        model = Practitioner
        fields = ["display_name", "profession", "bio", "provider_number", "is_active"]

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if instance is not None and instance.pk and "initial" not in kwargs:
            kwargs["initial"] = {
                "email": instance.user.email,
                "services": list(instance.services.all()),
            }
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        if instance is not None and instance.pk and instance.user.last_login is not None:
            # Their login is theirs now: an address changed by someone else could take it
            # over through "Forgotten your password?".
            email = self.fields["email"]
            email.disabled = True
            email.help_text = (
                f"{instance.display_name} logs in with it and has logged in, so only the "
                "Stance operator can change it."
            )
        services = cast(forms.ModelMultipleChoiceField, self.fields["services"])  # type: ignore[type-arg]
        services.queryset = Service.objects.filter(clinic=clinic).order_by("display_order", "name")
        self.helper = form_helper(
            "display_name",
            "profession",
            "email",
            "bio",
            "provider_number",
            "services",
            "is_active",
        )

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_provider_number(self) -> str:
        value = str(self.cleaned_data.get("provider_number") or "").replace(" ", "").upper()
        if value and not re.fullmatch(r"[0-9]{6}[0-9A-Z][A-Z]", value):
            raise ValidationError(
                "Enter the 8-character provider number, for example 2123456A.",
                code="provider_number",
            )
        return value


class WorkingHoursForm(SettingsModelForm):
    """One weekly block of working time at a location, with an optional break; clock
    times in the clinic's zone. Overlaps with the practitioner's other blocks are checked
    by the service, under a lock (bookings.settings_services.working_hours_save)."""

    weekday = forms.TypedChoiceField(
        label="Day",
        choices=WorkingHours.Weekday.choices,
        coerce=int,
        error_messages={
            "required": "Choose the day.",
            "invalid_choice": "Choose a day from the list.",
        },
    )
    location = forms.ModelChoiceField(
        label="Where",
        queryset=Location.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose where they work.",
            "invalid_choice": "Choose a location from the list.",
        },
    )
    start_time = time_field("Starts at")
    end_time = time_field("Finishes at")
    break_start = time_field(
        "Break starts at (optional)",
        required=False,
        help_text="A time like 12:30. Leave both break times empty for no break.",
    )
    break_end = time_field("Break ends at (optional)", required=False)

    class Meta:
        model = WorkingHours
        fields = ["weekday", "location", "start_time", "end_time", "break_start", "break_end"]

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locations: QuerySet[Location] = Location.objects.filter(clinic=clinic, is_active=True)
        if self.instance.pk:  # hours at a location closed since stay editable
            locations |= Location.objects.filter(clinic=clinic, pk=self.instance.location_id)
        where = cast(forms.ModelChoiceField, self.fields["location"])  # type: ignore[type-arg]
        where.queryset = locations.order_by("name")
        self.helper = form_helper(
            "weekday",
            "location",
            Div("start_time", "end_time", css_class="field-pair"),
            Div("break_start", "break_end", css_class="field-pair"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The finishing time must be after the starting time.")
            return data
        break_start, break_end = data.get("break_start"), data.get("break_end")
        if bool(break_start) != bool(break_end) and not self.has_error("break_start"):
            missing = "break_end" if break_start else "break_start"
            if not self.has_error(missing):
                self.add_error(missing, "Enter both break times, or leave both empty for no break.")
            return data
        if break_start and break_end and start and end:
            if break_end <= break_start:
                self.add_error("break_end", "The break must end after it starts.")
            elif break_start < start or break_end > end:
                self.add_error(
                    "break_start",
                    f"The break must be inside the working hours, {clock_label(start)} to "
                    f"{clock_label(end)}.",
                )
        return data

    def validate_constraints(self) -> None:
        # The form's own checks above say the same in plain words, next to the field.
        if not self.errors:
            super().validate_constraints()


# --- Time off -------------------------------------------------------------------------


def local_instant(day: date, clock: time, tz: ZoneInfo) -> datetime | None:
    """`day` at `clock` in `tz` as an aware instant, or None when the clocks skip that
    time (the hour lost when daylight saving starts). A time that happens twice (the
    hour repeated when it ends) is taken the first time."""
    moment = datetime.combine(day, clock, tzinfo=tz)
    back = moment.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None
    return moment


class TimeOffForm(StaffForm):
    """Who is away, from when to when (local days and clock times in the clinic's
    zone; no time means the whole day), and why."""

    practitioner = forms.ModelChoiceField(
        label="Who",
        queryset=Practitioner.objects.none(),
        to_field_name="code",
        empty_label="Choose a practitioner",
        error_messages={
            "required": "Choose who is away.",
            "invalid_choice": "Choose a practitioner from the list.",
        },
    )
    start_date = date_field("First day away")
    start_time = time_field(
        "From (optional)",
        required=False,
        help_text="A time like 9:00. Leave it empty to start at the beginning of the day.",
    )
    end_date = date_field("Last day away")
    end_time = time_field(
        "Until (optional)",
        required=False,
        help_text="A time like 17:00. Leave it empty to be away to the end of the day.",
    )
    reason = forms.CharField(
        label="Reason (optional)",
        max_length=200,
        required=False,
        help_text="For the clinic only, for example leave or training.",
        error_messages={"max_length": "Keep it to %(limit_value)d characters or fewer."},
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = clinic.tz
        # Times are the practitioner's own (practitioner_zones): named in the labels when
        # everyone works in one zone, else said in words.
        self.zones = practitioner_zones(clinic=clinic)
        who = cast(forms.ModelChoiceField, self.fields["practitioner"])  # type: ignore[type-arg]
        who.queryset = Practitioner.objects.filter(clinic=clinic).order_by(
            "-is_active", "display_name"
        )
        self.fields["start_date"].error_messages["required"] = "Enter the first day away."
        self.fields["end_date"].error_messages["required"] = "Enter the last day away."
        one_zone = len({z.key for z in self.zones.values()} | {clinic.tz.key}) == 1
        self.shared_zone = clinic.tz if one_zone else None
        zone = f"{zone_label(clinic.tz)} time" if one_zone else "their local time"
        self.fields["start_time"].label = f"From ({zone}, optional)"
        self.fields["end_time"].label = f"Until ({zone}, optional)"
        self.helper = form_helper(
            "practitioner",
            Div("start_date", "start_time", css_class="field-pair"),
            Div("end_date", "end_time", css_class="field-pair"),
            "reason",
        )

    def clean_start_date(self) -> date:
        return check_date_range(self.cleaned_data["start_date"])  # type: ignore[return-value]

    def clean_end_date(self) -> date:
        return check_date_range(self.cleaned_data["end_date"])  # type: ignore[return-value]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start_day, end_day = data.get("start_date"), data.get("end_date")
        if start_day is None or end_day is None:
            return data
        if data.get("practitioner") is not None:
            self.tz = self.zones.get(data["practitioner"].pk, self.tz)
        start = self._instant("start_time", start_day, data.get("start_time") or time.min)
        if data.get("end_time"):
            end = self._instant("end_time", end_day, data["end_time"])
        else:  # the whole of the last day
            end = datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=self.tz)
        if start is None or end is None:
            return data
        if end <= start:
            field = "end_time" if data.get("end_time") else "end_date"
            self.add_error(field, "The end must be after the start.")
            return data
        data["start"], data["end"] = start, end
        return data

    def _instant(self, field: str, day: date, clock: time) -> datetime | None:
        moment = local_instant(day, clock, self.tz)
        if moment is None:
            self.add_error(
                field,
                f"{clock_label(clock)} does not happen on {day_label(day, year=True)} in "
                f"{zone_label(self.tz)}: the clocks go forward that night. Choose a time "
                "an hour later.",
            )
        return moment


# --- Services -------------------------------------------------------------------------


class ServiceForm(SettingsModelForm):
    name = text_field("Name", max_length=120, help_text="As patients see it, like Follow-up.")
    description = text_field(
        "Description (optional)",
        max_length=2000,
        required=False,
        rows=3,
        help_text="What happens and who it is for, in a sentence or two.",
    )
    duration_minutes = whole_number("Length of the visit", low=5, high=480, what="minutes")
    buffer_after_minutes = whole_number(
        "Time kept free after it",
        low=0,
        high=120,
        what="minutes",
        help_text="For notes or setting up the room; nobody can book it. 0 for none.",
    )
    price = forms.DecimalField(
        label="Price (optional)",
        required=False,
        min_value=0,
        max_value=99999,
        max_digits=7,
        decimal_places=2,
        help_text="In dollars, including GST, as the patient pays it: 95 or 95.50. Leave it "
        "empty to show no price.",
        error_messages={
            "invalid": "Enter the price in dollars, like 95 or 95.50.",
            "min_value": "Enter a price of 0 or more.",
            "max_value": "Enter a price of at most 99,999 dollars.",
            "max_digits": "Enter a price of at most 99,999 dollars.",
            "max_decimal_places": "Enter the price to the cent at most, like 95.50.",
        },
    )
    modalities = forms.ChoiceField(
        label="How it is given",
        choices=Service.Modalities.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it is given."},
    )
    audience = forms.ChoiceField(
        label="Who may book it",
        choices=Service.Audience.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who may book it."},
    )
    practitioners = forms.ModelMultipleChoiceField(
        label="Practitioners who offer it",
        queryset=Practitioner.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose practitioners from the list."},
    )
    bookable_online = _checkbox(
        "Patients can book it online", "Untick for a service that only staff book."
    )
    is_active = _checkbox("Offered", "Untick to stop offering it. Booked visits stay booked.")
    display_order = whole_number(
        "Place in the list",
        low=0,
        high=1000,
        what="a place",
        help_text="Lower numbers come first; services with the same number go by name.",
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "duration_minutes",
            "buffer_after_minutes",
            "price",
            "modalities",
            "audience",
            "practitioners",
            "bookable_online",
            "is_active",
            "display_order",
        ]

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        who = cast(forms.ModelMultipleChoiceField, self.fields["practitioners"])  # type: ignore[type-arg]
        who.queryset = Practitioner.objects.filter(clinic=clinic).order_by("display_name")
        self.helper = form_helper(
            "name",
            "description",
            Unit("duration_minutes", "minutes"),
            Unit("buffer_after_minutes", "minutes"),
            "price",
            "modalities",
            "audience",
            "practitioners",
            "bookable_online",
            "is_active",
            "display_order",
        )


# --- Screening questions --------------------------------------------------------------


class ScreeningQuestionForm(SettingsModelForm):
    text = text_field(
        "Question",
        max_length=300,
        rows=2,
        help_text="Asked before every clinic visit booked online, answered yes or no. "
        "Plain words, for example: Has a doctor told you to exercise only under "
        "supervision?",
    )
    on_yes = forms.ChoiceField(
        label="When someone answers yes",
        choices=ScreeningQuestion.OnYes.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what a yes does."},
    )
    is_active = _checkbox("Asked", "Untick to stop asking it. Answers already given stay.")

    class Meta:
        model = ScreeningQuestion
        fields = ["text", "on_yes", "is_active"]
