"""Funders and their rules (CLINICAL.md §17): the one pure module that knows them.

No database, no Django: every number is here with its source beside it, and the
functions take plain values (dates, counts, minutes) and give plain answers. The models
(clinic/referrals/models.py) store a funder's key; the usage counts are read in
bookings/funding.py, which asks this module what they mean.

Where the brief is silent or only [M] (domain knowledge, not a retrieved source), the
safer default is chosen and marked "safer default" below.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Funder(StrEnum):
    MEDICARE_CDM = "medicare_cdm"
    MEDICARE_T2D_ASSESSMENT = "medicare_t2d_assessment"
    MEDICARE_T2D_GROUP = "medicare_t2d_group"
    DVA = "dva"
    NDIS = "ndis"
    WORKERS_COMP = "workers_comp"
    PRIVATE_HEALTH = "phi"
    PRIVATE = "private"


class PlanType(StrEnum):
    GPCCMP = "gpccmp"
    GPMP_TCA = "gpmp_tca"
    MDCP = "mdcp"


class ReportKind(StrEnum):
    INITIAL = "initial"
    FINAL = "final"
    END_OF_CYCLE = "end_of_cycle"


class CapScope(StrEnum):
    PATIENT_YEAR = "patient_year"
    """Counted per patient and calendar year, across every referral of the funder."""
    REFERRAL = "referral"
    """Counted per referral (a DVA cycle, a workers' compensation approval)."""


@dataclass(frozen=True)
class FunderRule:
    funder: Funder
    label: str
    item_number: str = ""
    annual_cap: int | None = None
    annual_cap_atsi: int | None = None
    referral_cap: int | None = None
    """Services per referral whatever the referral says (DVA: 12 per cycle)."""
    min_minutes: int | None = None
    needs_referrer: bool = False
    needs_plan: bool = False
    referral_months: int | None = None
    """A referral ends this many months after its date (DVA: 1 year)."""
    reports: tuple[ReportKind, ...] = ()
    group: bool = False


RULES: dict[Funder, FunderRule] = {
    Funder.MEDICARE_CDM: FunderRule(
        funder=Funder.MEDICARE_CDM,
        label="Medicare GPCCMP",
        item_number="10953",  # exercise physiology item [V] §17.1
        annual_cap=5,  # per calendar year across all allied health items [V] §17.1
        annual_cap_atsi=10,  # Aboriginal or Torres Strait Islander patients [V AN.15.4] §17.1
        min_minutes=20,  # at least 20 minutes, individual, in person [V] §17.1
        needs_referrer=True,
        needs_plan=True,
        reports=(ReportKind.INITIAL, ReportKind.FINAL),  # after first and last [V] §17.1
    ),
    Funder.MEDICARE_T2D_ASSESSMENT: FunderRule(
        funder=Funder.MEDICARE_T2D_ASSESSMENT,
        label="Medicare type 2 diabetes assessment",
        item_number="81110",  # [V] §17.2
        annual_cap=1,  # once per calendar year across 81100/81110/81120 [V] §17.2
        min_minutes=45,  # at least 45 minutes [V] §17.2
        needs_referrer=True,
        needs_plan=True,
        reports=(ReportKind.INITIAL,),  # written report to the referrer [V] §17.2
    ),
    Funder.MEDICARE_T2D_GROUP: FunderRule(
        funder=Funder.MEDICARE_T2D_GROUP,
        label="Medicare type 2 diabetes group",
        item_number="81115",  # [V] §17.2
        annual_cap=8,  # at most 8 group services per calendar year [V] §17.2
        min_minutes=60,  # at least 60 minutes [V] §17.2
        needs_referrer=True,
        needs_plan=True,
        reports=(ReportKind.FINAL,),  # report after the last group service [V] §17.2
        group=True,
    ),
    Funder.DVA: FunderRule(
        funder=Funder.DVA,
        label="DVA",
        referral_cap=12,  # up to 12 sessions or 1 year, whichever ends first [V] §17.4
        referral_months=12,  # [V] §17.4
        needs_referrer=True,  # referral usually from the usual GP [V] §17.4
        reports=(ReportKind.END_OF_CYCLE,),  # end-of-cycle report to the GP [V] §17.4
    ),
    Funder.NDIS: FunderRule(funder=Funder.NDIS, label="NDIS"),  # plan dates, budget [M] §17.5
    Funder.WORKERS_COMP: FunderRule(
        funder=Funder.WORKERS_COMP,
        label="Workers' compensation",  # approved sessions and expiry [V NSW SIRA] §17.6
    ),
    Funder.PRIVATE_HEALTH: FunderRule(
        funder=Funder.PRIVATE_HEALTH,
        label="Private health insurance",  # [M] §17.7
    ),
    Funder.PRIVATE: FunderRule(funder=Funder.PRIVATE, label="Private (self-funded)"),
}

PLAN_VALID_MONTHS = 18
"""A GPCCMP supports allied health while prepared or reviewed in the last 18 months [V]
§17.1."""
TRANSITION_END = date(2027, 6, 30)
"""A GPMP + TCA made before 1 July 2025 supports services until 30 June 2027 [V] §17.1."""
GPCCMP_START = date(2025, 7, 1)
"""GPCCMPs replaced GPMPs and TCAs on 1 July 2025 [V] §17.1."""
RUNNING_OUT_DAYS = 30
"""The report of referrals running out looks this many days ahead (design decision)."""


def rule_for(funder: str) -> FunderRule:
    return RULES[Funder(funder)]


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(
    *,
    funder: str,
    referral_date: date,
    plan_type: str = "",
    plan_date: date | None = None,
    approval_expiry: date | None = None,
) -> date | None:
    """The last day a referral funds a service, None when the funder sets none.

    1. Medicare: the plan date + 18 months; a GPMP + TCA (transition plan) also ends on
       30 June 2027, whichever comes first (safer default: the earlier of the two). No
       plan date: the referral date stands in for it (safer default: it is no later).
    2. DVA: the referral date + 1 year (the 12 sessions are counted separately).
    3. Others: the expiry the funder approved (workers' compensation, NDIS plan end).
    An expiry entered by hand that is earlier than the computed one wins (the safer one).
    """
    rule = rule_for(funder)
    computed: date | None = None
    if rule.needs_plan:
        computed = add_months(plan_date or referral_date, PLAN_VALID_MONTHS)
        if plan_type == PlanType.GPMP_TCA:
            computed = min(computed, TRANSITION_END)
    elif rule.referral_months is not None:
        computed = add_months(referral_date, rule.referral_months)
    if approval_expiry is not None and (computed is None or approval_expiry < computed):
        return approval_expiry
    return computed


def cap_for(*, funder: str, atsi: bool = False, services_approved: int | None = None) -> int | None:
    """How many services the referral may fund (per year for Medicare, per referral for
    the others); None = no limit known. A smaller number the referrer or funder approved
    wins over the funder's own cap (safer default)."""
    rule = rule_for(funder)
    cap = rule.annual_cap_atsi if atsi and rule.annual_cap_atsi else rule.annual_cap
    cap = cap if cap is not None else rule.referral_cap
    if services_approved is not None and (cap is None or services_approved < cap):
        return services_approved
    return cap


@dataclass(frozen=True)
class Check:
    """What booking one more funded service would break; empty lists mean nothing."""

    problems: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.problems)


def booking_check(
    *,
    funder: str,
    used: int,
    cap: int | None,
    on: date,
    valid_from: date,
    valid_to: date | None,
    minutes: int,
) -> Check:
    """The warnings for one more service on day `on`, lasting `minutes`, with `used`
    services already counted (booked or given, never cancelled or not attended)."""
    rule = rule_for(funder)
    problems = []
    if cap is not None and used >= cap:
        scope = f" in {on.year}" if rule.annual_cap is not None else ""
        problems.append(f"{rule.label}: all {cap} services{scope} are used.")
    if valid_to is not None and on > valid_to:
        problems.append(f"The referral ended on {on_text(valid_to)}.")
    if on < valid_from:
        problems.append(f"The referral starts on {on_text(valid_from)}.")
    if rule.min_minutes is not None and minutes < rule.min_minutes:
        problems.append(
            f"{rule.label} needs at least {rule.min_minutes} minutes; this visit is {minutes}."
        )
    return Check(tuple(problems))


def hours_check(*, minutes_used: int, minutes: int, hours_approved: Decimal | None) -> str:
    """NDIS: the warning when one more visit of `minutes` goes past the agreed hours of
    the service agreement [M] §17.5; "" when it fits or no hours were agreed."""
    if hours_approved is None:
        return ""
    if Decimal(minutes_used + minutes) > hours_approved * 60:
        used = hours_number(minutes_used)
        agreed = decimal_text(hours_approved)
        return f"This visit goes past the hours agreed ({used} of {agreed} used)."
    return ""


def hours_number(minutes: int) -> str:
    """Minutes as hours: "4.5", "1", "0.25"."""
    return decimal_text((Decimal(minutes) / 60).quantize(Decimal("0.01")))


def decimal_text(value: Decimal | int) -> str:
    """ "10", "2.5": no trailing zeros, no exponent."""
    return f"{Decimal(value).normalize():f}"


def on_text(day: date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def usage_text(*, funder: str, used: int, cap: int | None, year: int) -> str:
    """ "Medicare GPCCMP: 3 of 5 used in 2026", as staff see it."""
    rule = rule_for(funder)
    if cap is None:
        return f"{rule.label}: {used} used"
    if rule.annual_cap is not None:
        return f"{rule.label}: {used} of {cap} used in {year}"
    return f"{rule.label}: {used} of {cap} used"


def running_out(*, used: int, cap: int | None) -> bool:
    """One service or none left (used ≥ approved - 1)."""
    return cap is not None and used >= cap - 1


def reports_due(
    *, funder: str, given: int, cap: int | None, ended: bool, elsewhere: int = 0
) -> tuple[ReportKind, ...]:
    """The reports a referral owes after `given` services (ones that took place).

    1. Initial: after the first service.
    2. Final (Medicare) or end of cycle (DVA): after the last one, known when the cap is
       reached (with the services used `elsewhere` that count toward it) or the referral
       has ended (expired or closed) with at least one service.
    """
    rule = rule_for(funder)
    if given < 1:
        return ()
    last = ended or (cap is not None and given + elsewhere >= cap)
    due: list[ReportKind] = []
    for kind in rule.reports:
        if kind == ReportKind.INITIAL or last:
            due.append(kind)
    return tuple(due)
