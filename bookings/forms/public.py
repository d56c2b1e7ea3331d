"""Forms of the public booking flow. They validate; a crispy helper built in `__init__` says
how they are drawn (GOV.UK patterns: error summary, fieldsets, hints tied with
aria-describedby). The week of free times and the date of birth's three inputs are placed
by their templates."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from bookings.models import Modality, ScreeningQuestion
from clinic.forms import (
    ErrorSummaryMixin,
    HintedRadioSelect,
    InlineRadioSelect,
    NameField,
    PageHeading,
    form_helper,
)
from clinic.lib.time import zone_label

MAX_DB_ID = 2**63 - 1

# Time zones offered by "Also show times in": Australia first, then places patients
# often join a video call from. Any other valid IANA zone in the URL is accepted too.
AUSTRALIAN_ZONES = [
    ("Australia/Sydney", "Sydney, Canberra (NSW, ACT)"),
    ("Australia/Melbourne", "Melbourne (Victoria)"),
    ("Australia/Brisbane", "Brisbane (Queensland)"),
    ("Australia/Adelaide", "Adelaide (South Australia)"),
    ("Australia/Darwin", "Darwin (Northern Territory)"),
    ("Australia/Perth", "Perth (Western Australia)"),
    ("Australia/Hobart", "Hobart (Tasmania)"),
    ("Australia/Lord_Howe", "Lord Howe Island"),
]
OTHER_ZONES = [
    ("Pacific/Auckland", "Auckland (New Zealand)"),
    ("Asia/Singapore", "Singapore"),
    ("Asia/Kolkata", "India"),
    ("Asia/Tokyo", "Tokyo (Japan)"),
    ("Asia/Hong_Kong", "Hong Kong"),
    ("Europe/London", "London (United Kingdom)"),
    ("Europe/Paris", "Paris, Berlin (Central Europe)"),
    ("America/New_York", "New York (US Eastern)"),
    ("America/Los_Angeles", "Los Angeles (US Pacific)"),
    ("UTC", "UTC"),
]
ZONE_LABELS = dict(AUSTRALIAN_ZONES + OTHER_ZONES)

_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PHONE_CHARS = re.compile(r"^[0-9 +()\-]+$")


def is_known_zone(name: str) -> bool:
    return bool(name) and len(name) <= 64 and name in zoneinfo.available_timezones()


def zone_choice_label(name: str) -> str:
    """How "Also show times in" names a zone: "Auckland (New Zealand)"."""
    return ZONE_LABELS.get(name) or zone_label(name)


def parse_start(value: str) -> datetime | None:
    """An aware datetime from strict ISO 8601 with an offset, else None.

    A "+" typed into an address bar arrives as a space; accept that too.
    """
    value = (value or "").strip().replace(" ", "+")
    if len(value) > 40 or not _ISO_START.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_day(value: str) -> date | None:
    """A date from YYYY-MM-DD, else None."""
    if not _ISO_DAY.match(value or ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_uuid(value: str) -> uuid.UUID | None:
    if not value or len(value) > 36:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class ModalityForm(ErrorSummaryMixin, forms.Form):
    modality = forms.ChoiceField(
        label="How would you like to be seen?",
        choices=Modality.choices,
        error_messages={
            "required": "Select how you would like to be seen",
            "invalid_choice": "Select how you would like to be seen",
        },
    )

    def __init__(
        self, *args: Any, allowed: list[str], hint: str, option_hints: dict[str, str], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        field: Any = self.fields["modality"]
        field.widget = HintedRadioSelect(option_hints=option_hints)
        field.choices = [(value, Modality(value).label) for value in allowed]
        field.help_text = hint
        self.helper = form_helper(PageHeading("modality"))


class PractitionerForm(ErrorSummaryMixin, forms.Form):
    practitioner = forms.ChoiceField(
        label="Who would you like to see?",
        error_messages={
            "required": "Select a practitioner, or No preference",
            "invalid_choice": "Select a practitioner, or No preference",
        },
    )

    def __init__(
        self,
        *args: Any,
        choices: list[tuple[str, str]],
        hint: str,
        option_hints: dict[str, str],
        **kwargs: Any,
    ) -> None:
        """`choices` are (code, name) of who can be booked; "No preference" comes first."""
        super().__init__(*args, **kwargs)
        field: Any = self.fields["practitioner"]
        field.widget = HintedRadioSelect(
            option_hints={"any": "See the free times of everyone who offers this service."}
            | option_hints
        )
        field.choices = [("any", "No preference"), *choices]
        field.help_text = hint
        self.helper = form_helper(PageHeading("practitioner"))


class TimeZoneForm(ErrorSummaryMixin, forms.Form):
    """ "Also show times in": a select placed by hand (bookings/book_slot_list.html), with the
    clinic's zone for booking.js and its button in the same row."""

    tz = forms.CharField(required=False, max_length=64)

    def clean_tz(self) -> str:
        value = str(self.cleaned_data["tz"]).strip()
        if value and not is_known_zone(value):
            raise ValidationError("Select a time zone from the list")
        return value


class ChosenSlotForm(forms.Form):
    """The slot picked on the week page, as it arrives in the query string."""

    service = forms.UUIDField()
    modality = forms.ChoiceField(choices=Modality.choices)
    practitioner = forms.UUIDField()
    start = forms.CharField(max_length=40)
    location = forms.IntegerField(required=False, min_value=1, max_value=MAX_DB_ID)
    pref = forms.CharField(required=False, max_length=36)
    tz = forms.CharField(required=False, max_length=64)

    def clean_start(self) -> datetime:
        parsed = parse_start(self.cleaned_data["start"])
        if parsed is None:
            raise ValidationError("The time is not a valid date and time.")
        return parsed

    def clean_pref(self) -> str:
        value = str(self.cleaned_data["pref"])
        if value and value != "any" and parse_uuid(value) is None:
            raise ValidationError("The practitioner choice is not valid.")
        return value

    def clean_tz(self) -> str:
        value = str(self.cleaned_data["tz"])
        if value and not is_known_zone(value):
            raise ValidationError("The time zone is not valid.")
        return value


def _date_part(part: str, digits: int) -> forms.TextInput:
    width = "input-width-4" if digits == 4 else "input-width-2"
    return forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": f"bday-{part}", "class": width}
    )


NAME_MAX = 80
PHONE_MAX = 30


class PatientDetailsForm(ErrorSummaryMixin, forms.Form):
    """A new patient's details. Date of birth is three inputs (day, month, year), grouped
    under one legend by the template."""

    first_name = NameField(
        label="First name",
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={
            "required": "Enter your first name",
            "max_length": f"First name must be {NAME_MAX} characters or fewer",
        },
    )
    last_name = NameField(
        label="Last name",
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        error_messages={
            "required": "Enter your last name",
            "max_length": f"Last name must be {NAME_MAX} characters or fewer",
        },
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will send your booking confirmation here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )
    phone = forms.CharField(
        label="Phone number",
        max_length=PHONE_MAX,
        help_text="A mobile number, like 0400 000 000, or a landline with its area code.",
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "class": "input-width-20"}
        ),
        error_messages={
            "required": "Enter your phone number",
            "max_length": f"Phone number must be {PHONE_MAX} characters or fewer",
        },
    )
    dob_day = forms.CharField(label="Day", required=False, widget=_date_part("day", 2))
    dob_month = forms.CharField(label="Month", required=False, widget=_date_part("month", 2))
    dob_year = forms.CharField(label="Year", required=False, widget=_date_part("year", 4))
    # Filled in by clean() from the three inputs above; never read from the request.
    date_of_birth = forms.Field(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.dob_error_parts: set[str] = set()
        self.helper = form_helper("first_name", "last_name", "email", "phone")

    def dob_parts(self) -> list[forms.BoundField]:
        """Day, month and year: one group under the legend "Date of birth"."""
        return [self["dob_day"], self["dob_month"], self["dob_year"]]

    def error_anchor(self, bound: forms.BoundField) -> str:
        # The date's summary link goes to the first of its inputs that is wrong.
        if bound.name == "date_of_birth":
            parts = ("dob_day", "dob_month", "dob_year")
            return f"id_{next((p for p in parts if p in self.dob_error_parts), 'dob_day')}"
        return super().error_anchor(bound)

    def clean(self) -> dict[str, Any]:
        cleaned = self._clean_date_of_birth()
        for name in self.dob_error_parts:
            attrs = self.fields[name].widget.attrs
            attrs["class"] = f"{attrs['class']} is-invalid"
        return cleaned

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_phone(self) -> str:
        value = " ".join(self.cleaned_data["phone"].split())
        digits = re.sub(r"\D", "", value)
        if not _PHONE_CHARS.match(value) or not 8 <= len(digits) <= 15:
            raise ValidationError("Enter a phone number, like 0400 000 000 or +61 400 000 000")
        return value

    def _clean_date_of_birth(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["date_of_birth"] = None
        try:
            cleaned["date_of_birth"] = self._date_of_birth(cleaned)
        except ValidationError as exc:
            self.add_error("date_of_birth", exc)
        return cleaned

    def _date_of_birth(self, cleaned: dict[str, Any]) -> date:
        parts = {
            "dob_day": cleaned.get("dob_day", ""),
            "dob_month": cleaned.get("dob_month", ""),
            "dob_year": cleaned.get("dob_year", ""),
        }
        missing = [name for name, value in parts.items() if not value]
        if len(missing) == 3:
            self.dob_error_parts = set(parts)
            raise ValidationError("Enter your date of birth")
        if missing:
            self.dob_error_parts = set(missing)
            words = " and a ".join(name.removeprefix("dob_") for name in missing)
            raise ValidationError(f"Date of birth must include a {words}")
        wrong = {
            name
            for name, value in parts.items()
            if not value.isdigit() or len(value) > (4 if name == "dob_year" else 2)
        }
        if len(parts["dob_year"]) != 4:
            wrong.add("dob_year")
        if wrong:
            self.dob_error_parts = wrong
            raise ValidationError("Date of birth must be a real date, like 27 3 1980")
        try:
            born = date(int(parts["dob_year"]), int(parts["dob_month"]), int(parts["dob_day"]))
        except ValueError:
            self.dob_error_parts = set(parts)
            raise ValidationError("Date of birth must be a real date, like 27 3 1980") from None
        if born > self.today:
            self.dob_error_parts = set(parts)
            raise ValidationError("Date of birth must be in the past")
        age = (
            self.today.year
            - born.year
            - ((self.today.month, self.today.day) < (born.month, born.day))
        )
        if age >= 120:
            self.dob_error_parts = {"dob_year"}
            raise ValidationError("Date of birth must be less than 120 years ago")
        return born

    def patient_details(self) -> dict[str, str]:
        """The cleaned details in a JSON-safe form, for the session draft."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "phone": data["phone"],
            "date_of_birth": data["date_of_birth"].isoformat(),
        }

    @classmethod
    def initial_from(cls, details: dict[str, str] | None) -> dict[str, str]:
        if not details:
            return {}
        initial = {k: v for k, v in details.items() if k != "date_of_birth"}
        born = parse_day(details.get("date_of_birth", ""))
        if born:
            initial.update(
                dob_day=str(born.day), dob_month=str(born.month), dob_year=str(born.year)
            )
        return initial


ANSWERS = [("yes", "Yes"), ("no", "No")]
ON_YES_HINTS: dict[str, str] = {
    ScreeningQuestion.OnYes.BLOCK: "If yes, we will call you to arrange your visit instead of "
    "booking it online.",
    ScreeningQuestion.OnYes.FLAG: "If yes, you can still book: we tell your practitioner.",
}


class ScreeningForm(ErrorSummaryMixin, forms.Form):
    """One required Yes/No question per active screening question."""

    def __init__(self, *args: Any, questions: list[ScreeningQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                choices=ANSWERS,
                label=question.text,
                help_text=ON_YES_HINTS[question.on_yes],
                widget=InlineRadioSelect,
                error_messages={
                    "required": f"Select yes or no: {question.text}",
                    "invalid_choice": f"Select yes or no: {question.text}",
                },
            )
        self.helper = form_helper()

    def answers(self) -> dict[str, str]:
        return {str(q.pk): self.cleaned_data[f"q{q.pk}"] for q in self.questions}

    def any_yes(self) -> bool:
        return "yes" in self.answers().values()

    def asked(self) -> list[dict[str, str]]:
        """Every question as asked, its answer and what a yes does (stored as answered)."""
        return [
            {
                "question": q.text,
                "answer": self.cleaned_data[f"q{q.pk}"],
                "on_yes": q.on_yes,
            }
            for q in self.questions
        ]

    def stops(self) -> bool:
        """A yes to a question whose yes stops online booking."""
        return any(a["answer"] == "yes" and a["on_yes"] == "block" for a in self.asked())
