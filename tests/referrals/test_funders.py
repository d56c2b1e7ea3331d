"""The funders' rules (clinic/referrals/funders.py): pure, no database."""

from datetime import date
from decimal import Decimal

import pytest

from clinic.referrals import funders
from clinic.referrals.funders import Funder, ReportKind


def test_it_ends_a_gpccmp_eighteen_months_after_the_plan():
    assert funders.valid_until(
        funder=Funder.MEDICARE_CDM,
        referral_date=date(2026, 2, 1),
        plan_type="gpccmp",
        plan_date=date(2025, 8, 31),
    ) == date(2027, 2, 28)


def test_it_ends_a_transition_plan_on_30_june_2027_at_the_latest():
    assert funders.valid_until(
        funder=Funder.MEDICARE_CDM,
        referral_date=date(2026, 2, 1),
        plan_type="gpmp_tca",
        plan_date=date(2026, 6, 1),
    ) == date(2027, 6, 30)


def test_an_earlier_approved_expiry_wins():
    assert funders.valid_until(
        funder=Funder.DVA, referral_date=date(2026, 1, 10), approval_expiry=date(2026, 5, 1)
    ) == date(2026, 5, 1)
    assert funders.valid_until(
        funder=Funder.DVA, referral_date=date(2026, 1, 10), approval_expiry=date(2028, 1, 1)
    ) == date(2027, 1, 10)


def test_private_has_no_end_or_cap():
    assert funders.valid_until(funder=Funder.PRIVATE, referral_date=date(2026, 1, 1)) is None
    assert funders.cap_for(funder=Funder.PRIVATE) is None


@pytest.mark.parametrize(
    ("funder", "atsi", "approved", "cap"),
    [
        (Funder.MEDICARE_CDM, False, None, 5),
        (Funder.MEDICARE_CDM, True, None, 10),
        (Funder.MEDICARE_CDM, False, 3, 3),
        (Funder.MEDICARE_CDM, False, 8, 5),
        (Funder.MEDICARE_T2D_GROUP, False, None, 8),
        (Funder.MEDICARE_T2D_ASSESSMENT, False, None, 1),
        (Funder.DVA, False, None, 12),
        (Funder.WORKERS_COMP, False, 6, 6),
        (Funder.NDIS, False, None, None),
    ],
)
def test_the_cap(funder, atsi, approved, cap):
    assert funders.cap_for(funder=funder, atsi=atsi, services_approved=approved) == cap


def test_a_sixth_gpccmp_service_warns_and_a_fifth_does_not():
    common = {
        "funder": Funder.MEDICARE_CDM,
        "cap": 5,
        "on": date(2026, 12, 3),
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2027, 6, 1),
        "minutes": 30,
    }
    assert not funders.booking_check(used=4, **common)
    check = funders.booking_check(used=5, **common)
    assert check.problems == ("Medicare GPCCMP: all 5 services in 2026 are used.",)


def test_it_warns_past_the_end_and_below_the_minimum_length():
    check = funders.booking_check(
        funder=Funder.MEDICARE_CDM,
        used=0,
        cap=5,
        on=date(2026, 12, 3),
        valid_from=date(2025, 1, 1),
        valid_to=date(2026, 12, 2),
        minutes=15,
    )
    assert check.problems == (
        "The referral ended on 2 December 2026.",
        "Medicare GPCCMP needs at least 20 minutes; this visit is 15.",
    )


def test_usage_text():
    assert (
        funders.usage_text(funder=Funder.MEDICARE_CDM, used=3, cap=5, year=2026)
        == "Medicare GPCCMP: 3 of 5 used in 2026"
    )
    assert funders.usage_text(funder=Funder.DVA, used=3, cap=12, year=2026) == "DVA: 3 of 12 used"
    assert funders.usage_text(funder=Funder.PRIVATE, used=2, cap=None, year=2026) == (
        "Private (self-funded): 2 used"
    )


def test_reports_initial_after_the_first_and_final_after_the_last():
    assert funders.reports_due(funder=Funder.MEDICARE_CDM, given=0, cap=5, ended=False) == ()
    assert funders.reports_due(funder=Funder.MEDICARE_CDM, given=1, cap=5, ended=False) == (
        ReportKind.INITIAL,
    )
    assert funders.reports_due(funder=Funder.MEDICARE_CDM, given=5, cap=5, ended=False) == (
        ReportKind.INITIAL,
        ReportKind.FINAL,
    )
    assert funders.reports_due(funder=Funder.DVA, given=3, cap=12, ended=True) == (
        ReportKind.END_OF_CYCLE,
    )
    assert funders.reports_due(funder=Funder.PRIVATE, given=3, cap=None, ended=True) == ()


def test_running_out_is_one_left_or_none():
    assert not funders.running_out(used=3, cap=5)
    assert funders.running_out(used=4, cap=5)
    assert not funders.running_out(used=40, cap=None)


def test_ndis_hours():
    assert funders.hours_check(minutes_used=0, minutes=60, hours_approved=None) == ""
    assert funders.hours_check(minutes_used=540, minutes=60, hours_approved=Decimal(10)) == ""
    assert funders.hours_check(minutes_used=570, minutes=60, hours_approved=Decimal(10)) == (
        "This visit goes past the hours agreed (9.5 of 10 used)."
    )
    assert funders.hours_number(60) == "1"
    assert funders.hours_number(90) == "1.5"


def test_services_used_elsewhere_bring_the_last_gpccmp_service_forward():
    assert funders.reports_due(
        funder=Funder.MEDICARE_CDM, given=2, cap=5, ended=False, elsewhere=3
    ) == (ReportKind.INITIAL, ReportKind.FINAL)
    assert (
        funders.reports_due(funder=Funder.MEDICARE_CDM, given=0, cap=5, ended=False, elsewhere=5)
        == ()
    )
