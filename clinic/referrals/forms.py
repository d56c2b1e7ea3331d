"""Forms for referrers, referrals and services used elsewhere: they check input and say
what is wrong next to the field; clinic/referrals/services.py writes."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile

from clinic.errors import DomainError
from clinic.forms import StaffForm, check_date_range, date_field, phone_validator
from clinic.models import Clinic
from clinic.referrals import funders
from clinic.referrals.models import Referral, Referrer
from clinic.referrals.services import letter_check


def _choices(choices: list[tuple[str, str]], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *choices]


class ReferrerForm(StaffForm):
    name = forms.CharField(
        label="Name", max_length=120, error_messages={"required": "Enter the referrer's name."}
    )
    kind = forms.ChoiceField(label="Referrer is a", choices=Referrer.Kind.choices)
    practice = forms.CharField(label="Practice", max_length=160, required=False)
    provider_number = forms.RegexField(
        label="Provider number",
        regex=r"^[0-9A-Za-z]{6,12}$",
        required=False,
        help_text="Letters and digits only, like 2345678A.",
        error_messages={"invalid": "Enter the provider number in letters and digits only."},
    )
    email = forms.EmailField(label="Email", required=False)
    phone = forms.CharField(
        label="Phone", max_length=30, required=False, validators=[phone_validator]
    )

    @classmethod
    def initial_for(cls, referrer: Referrer) -> dict[str, Any]:
        return {name: getattr(referrer, name) for name in cls.base_fields}


class ReferralForm(StaffForm):
    funder = forms.ChoiceField(
        label="Funder",
        choices=_choices(Referral.FunderChoice.choices, "Choose the funder"),
        error_messages={"required": "Choose the funder."},
    )
    referrer = forms.ChoiceField(
        label="Referred by",
        required=False,
        help_text="Add a referrer to the clinic's list first if they are not in it. "
        "Medicare and DVA need one.",
    )
    referral_date = date_field("Date of referral")
    valid_until = date_field(
        "Valid until (if the funder approved an end date)",
        required=False,
        help_text="Leave empty to use the funder's rules: Medicare, the plan date and 18 "
        "months; DVA, one year.",
    )
    services_approved = forms.IntegerField(
        label="Services referred or approved",
        required=False,
        min_value=1,
        max_value=200,
        help_text="If stated. A smaller number than the funder's cap is the limit.",
    )
    hours_approved = forms.DecimalField(
        label="Hours approved (NDIS)",
        required=False,
        min_value=0,
        max_value=9999,
        decimal_places=2,
    )
    plan_type = forms.ChoiceField(
        label="Plan (Medicare)",
        choices=_choices(Referral.Plan.choices, "No plan"),
        required=False,
    )
    plan_date = date_field(
        "Plan prepared or last reviewed on (Medicare)",
        required=False,
        help_text="Empty: the date of referral stands in for it.",
    )
    atsi = forms.BooleanField(
        label="Aboriginal or Torres Strait Islander patient (Medicare: 10 services a year)",
        required=False,
    )
    claim_number = forms.CharField(
        label="Claim, DVA file, NDIS or membership number", max_length=40, required=False
    )
    insurer = forms.CharField(label="Insurer, fund or plan manager", max_length=120, required=False)
    conditions = forms.CharField(
        label="Conditions", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    letter = forms.FileField(
        label="Referral letter",
        required=False,
        help_text="A PDF, JPEG or PNG file of 10 MB or less.",
    )
    closed_on = date_field(
        "Course ended on",
        required=False,
        help_text="Only if the course ended before the referral ran out.",
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referrers = {
            str(r.code): r for r in Referrer.objects.filter(clinic=clinic, is_active=True)
        }
        cast(forms.ChoiceField, self.fields["referrer"]).choices = [
            ("", "Self-referred"),
            *[(code, str(r)) for code, r in self.referrers.items()],
        ]

    def clean_referrer(self) -> Referrer | None:
        return self.referrers.get(self.cleaned_data.get("referrer") or "")

    def clean_referral_date(self) -> date | None:
        return check_date_range(self.cleaned_data.get("referral_date"))

    def clean_valid_until(self) -> date | None:
        return check_date_range(self.cleaned_data.get("valid_until"))

    def clean_plan_date(self) -> date | None:
        return check_date_range(self.cleaned_data.get("plan_date"))

    def clean_closed_on(self) -> date | None:
        return check_date_range(self.cleaned_data.get("closed_on"))

    def clean_letter(self) -> UploadedFile[bytes] | None:
        letter: UploadedFile[bytes] | None = self.cleaned_data.get("letter")
        if not letter:
            return None
        try:
            letter_check(letter)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return letter

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        funder = data.get("funder")
        if not funder:
            return data
        rule = funders.rule_for(funder)
        if rule.needs_referrer and data.get("referrer") is None and "referrer" not in self.errors:
            self.add_error("referrer", f"{rule.label} needs a referring practitioner.")
        start = data.get("referral_date")
        for name in ("valid_until", "closed_on"):
            if start and data.get(name) and data[name] < start:
                self.add_error(name, "This cannot be before the date of referral.")
        return data

    @classmethod
    def initial_for(cls, referral: Referral) -> dict[str, Any]:
        names = [n for n in cls.base_fields if n not in ("letter", "referrer")]
        initial = {name: getattr(referral, name) for name in names}
        initial["referrer"] = str(referral.referrer.code) if referral.referrer else ""
        computed = funders.valid_until(
            funder=referral.funder,
            referral_date=referral.referral_date,
            plan_type=referral.plan_type,
            plan_date=referral.plan_date,
        )
        if referral.valid_until == computed:
            # The funder's own end date: left empty, so a reviewed plan moves it on.
            initial["valid_until"] = None
        return initial


class OutsideServicesForm(StaffForm):
    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100)
    services = forms.IntegerField(
        label="Medicare GPCCMP services used with other providers",
        min_value=0,
        max_value=50,
        help_text="Count toward the yearly cap. 0 removes the entry.",
        error_messages={"required": "Enter the number of services, or 0."},
    )
    note = forms.CharField(
        label="Where (optional)",
        max_length=200,
        required=False,
        help_text="For example the provider's name, or 'from the patient's Medicare history'.",
    )
