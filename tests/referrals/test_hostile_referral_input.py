"""Whatever is typed into the referral pages' forms, the answer is errors or a saved row,
never an exception (never a 500)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.errors import DomainError
from clinic.referrals.forms import OutsideServicesForm, ReferralForm, ReferrerForm
from clinic.referrals.services import referral_add
from tests.security.test_hostile_input import FAST, form_data, rolled_back

pytestmark = pytest.mark.django_db

REFERRAL_FIELDS = (
    "funder",
    "referrer",
    "referral_date",
    "valid_until",
    "services_approved",
    "hours_approved",
    "plan_type",
    "plan_date",
    "atsi",
    "claim_number",
    "insurer",
    "conditions",
    "closed_on",
)


@FAST
@given(
    data=form_data(*REFERRAL_FIELDS),
    funder=st.sampled_from(["private", "medicare_cdm", "dva", "ndis", "workers_comp", "x"]),
)
def test_the_referral_form_answers_with_errors_or_saves(world, data, funder):
    with rolled_back():
        data.setdefault("referral_date", "2026-03-02")
        data.setdefault("funder", funder)
        form = ReferralForm(data, clinic=world.clinic)
        if form.is_valid():
            try:
                referral_add(patient=world.patient, by=world.admin, **form.cleaned_data)
            except DomainError as exc:  # a rule the form does not check: a message to show
                problem = exc.message
                assert problem
        else:
            assert form.errors


@FAST
@given(data=form_data("name", "kind", "practice", "provider_number", "email", "phone"))
def test_the_referrer_form_only_ever_answers_with_errors(data):
    form = ReferrerForm(data)
    assert form.is_valid() or form.errors


@FAST
@given(data=form_data("year", "services", "note"))
def test_the_outside_services_form_only_ever_answers_with_errors(data):
    form = OutsideServicesForm(data)
    assert form.is_valid() or form.errors
