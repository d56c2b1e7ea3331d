"""How much of a referral is used, what booking one more visit under it would break, the
reports owed to referrers, referrals running out and the funded services for claiming.

Counting rule (CLINICAL.md §17): a visit counts toward its referral while it is booked or
took place (booked, attended, completed). Cancelled visits and no-shows do not count: no
service was given, so nothing can be claimed for it (Medicare pays for a service given).
Booked visits to come do count, so the cap warns when the sixth is booked ahead, not on
the day. Medicare's yearly caps count every referral of that funder for the patient in
the calendar year (in the clinic's zone), plus services used elsewhere that staff entered
(GPCCMP only, the cap shared across all allied health); the other funders count per
referral. The rules themselves are clinic/referrals/funders.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet

from bookings.models import Appointment
from clinic.models import Clinic, OutsideServices, Patient, Referral, ReferralReport
from clinic.referrals import funders

COUNTED = (
    Appointment.Status.BOOKED,
    Appointment.Status.ATTENDED,
    Appointment.Status.COMPLETED,
)
"""Statuses that use one of a referral's services."""
GIVEN = (Appointment.Status.ATTENDED, Appointment.Status.COMPLETED)
"""Statuses of a service that took place: reports and claims follow these only."""


@dataclass(frozen=True)
class Usage:
    referral: Referral
    year: int
    used: int
    cap: int | None
    valid_until: date | None
    minutes_used: int = 0
    """Length of the counted visits, in minutes (NDIS hours)."""

    @property
    def text(self) -> str:
        text = funders.usage_text(
            funder=self.referral.funder, used=self.used, cap=self.cap, year=self.year
        )
        hours = self.referral.hours_approved
        if hours is not None:
            used, agreed = funders.hours_number(self.minutes_used), funders.decimal_text(hours)
            text += f", hours {used} of {agreed}"
        return text

    @property
    def running_out(self) -> bool:
        return funders.running_out(used=self.used, cap=self.cap)


def _yearly(funder: str) -> bool:
    return funders.rule_for(funder).annual_cap is not None


def _year_bounds(clinic: Clinic, year: int) -> tuple[datetime, datetime]:
    tz = clinic.tz
    return (
        datetime.combine(date(year, 1, 1), time.min, tzinfo=tz),
        datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=tz),
    )


def _counted() -> QuerySet[Appointment]:
    return Appointment.objects.filter(referral__isnull=False, status__in=COUNTED)


def referral_usages(
    referrals: Iterable[Referral], *, year: int, exclude_appointment: int | None = None
) -> dict[int, Usage]:
    """Usage per referral id for `year` (yearly funders) or in all (the others), in
    three queries whatever the number of referrals."""
    referrals = list(referrals)
    if not referrals:
        return {}
    clinic = referrals[0].clinic
    low, high = _year_bounds(clinic, year)
    patients = {r.patient_id for r in referrals}
    counted = _counted().filter(referral__patient_id__in=patients)
    if exclude_appointment is not None:
        counted = counted.exclude(pk=exclude_appointment)
    rows = counted.values_list(
        "referral_id", "referral__patient_id", "referral__funder", "start", "end"
    )
    per_referral: dict[int, int] = defaultdict(int)
    minutes: dict[int, int] = defaultdict(int)
    per_patient_year: dict[tuple[int, str], int] = defaultdict(int)
    for referral_id, patient_id, funder, start, end in rows:
        per_referral[referral_id] += 1
        minutes[referral_id] += int((end - start).total_seconds() // 60)
        if _yearly(funder) and low <= start < high:
            per_patient_year[(patient_id, funder)] += 1
    elsewhere = dict(
        OutsideServices.objects.filter(patient_id__in=patients, year=year).values_list(
            "patient_id", "services"
        )
    )
    usages = {}
    for r in referrals:
        if _yearly(r.funder):
            used = per_patient_year[(r.patient_id, r.funder)]
            if r.funder == funders.Funder.MEDICARE_CDM:
                used += elsewhere.get(r.patient_id, 0)
        else:
            used = per_referral[r.pk]
        cap = funders.cap_for(funder=r.funder, atsi=r.atsi, services_approved=r.services_approved)
        usages[r.pk] = Usage(r, year, used, cap, r.valid_until, minutes[r.pk])
    return usages


def referral_usage(referral: Referral, *, year: int) -> Usage:
    return referral_usages([referral], year=year)[referral.pk]


def referral_is_open(referral: Referral, on: date) -> bool:
    """Not closed and not past its end date on `on`."""
    if referral.closed_on is not None and referral.closed_on <= on:
        return False
    return referral.valid_until is None or on <= referral.valid_until


def referrals_for_booking(*, patient: Patient, on: date) -> list[Referral]:
    """The patient's referrals open on `on`, newest first (a booking chooses among them)."""
    rows = Referral.objects.filter(patient=patient).select_related("referrer", "clinic")
    return [r for r in rows if referral_is_open(r, on)]


def referral_default(referrals: list[Referral]) -> Referral | None:
    """The one open referral, when there is exactly one."""
    return referrals[0] if len(referrals) == 1 else None


def funding_check(
    *, referral: Referral, start: datetime, minutes: int, exclude_appointment: int | None = None
) -> funders.Check:
    """What booking a visit of `minutes` at `start` under `referral` would break."""
    on = start.astimezone(referral.clinic.tz).date()
    usage = referral_usages([referral], year=on.year, exclude_appointment=exclude_appointment)[
        referral.pk
    ]
    problems = funders.booking_check(
        funder=referral.funder,
        used=usage.used,
        cap=usage.cap,
        on=on,
        valid_from=referral.referral_date,
        valid_to=referral.valid_until,
        minutes=minutes,
    )
    extra = []
    hours = funders.hours_check(
        minutes_used=usage.minutes_used, minutes=minutes, hours_approved=referral.hours_approved
    )
    if hours:
        extra.append(hours)
    if referral.closed_on is not None and referral.closed_on <= on:
        extra.append(f"The referral was closed on {funders.on_text(referral.closed_on)}.")
    return funders.Check((*problems.problems, *extra))


def usage_texts_for_appointments(appointments: Iterable[Appointment]) -> dict[int, str]:
    """ "Medicare GPCCMP: 3 of 5 used in 2026" per appointment id, for those funded under
    a referral (the year of each visit); a few queries for the lot."""
    funded = [(a, a.referral_id) for a in appointments if a.referral_id is not None]
    if not funded:
        return {}
    referrals = {
        r.pk: r
        for r in Referral.objects.filter(pk__in={rid for _, rid in funded}).select_related("clinic")
    }
    texts: dict[int, str] = {}
    by_year: dict[int, list[tuple[Appointment, int]]] = defaultdict(list)
    for a, rid in funded:
        by_year[a.start.astimezone(referrals[rid].clinic.tz).year].append((a, rid))
    for year, items in by_year.items():
        usages = referral_usages({referrals[rid] for _, rid in items}, year=year)
        for a, rid in items:
            texts[a.pk] = usages[rid].text
    return texts


def patient_usages(*, patient: Patient, today: date) -> list[Usage]:
    """This year's usage of each of the patient's open referrals (the staff pages)."""
    return list(
        referral_usages(referrals_for_booking(patient=patient, on=today), year=today.year).values()
    )


# --- Reports owed, referrals running out, funded services --------------------------------


@dataclass(frozen=True)
class ReportDue:
    referral: Referral
    kind: str
    due_since: date

    @property
    def kind_label(self) -> str:
        return ReferralReport.Kind(self.kind).label


def reports_due(
    clinic: Clinic, *, today: date | None = None, patient: Patient | None = None
) -> list[ReportDue]:
    """Reports owed to referrers (Medicare: after the first and the last service; DVA: at
    the end of the cycle) that nobody marked as sent, oldest first; one patient's if given.

    1. A service counts once it took place (attended or completed).
    2. Initial: due since the first such service.
    3. Last (final or end of cycle): due once the referral's services are used up (GPCCMP:
       with the services used elsewhere that year; due since the last service) or it
       has ended with at least one (due since the later of the last service and the day
       after it ended).
    """
    tz = clinic.tz
    today = today or datetime.now(tz).date()
    reporting = [f.value for f, rule in funders.RULES.items() if rule.reports]
    found = Referral.objects.filter(clinic=clinic, funder__in=reporting)
    if patient is not None:
        found = found.filter(patient=patient)
    referrals = list(
        found.select_related("patient", "referrer", "clinic").prefetch_related("reports")
    )
    given: dict[int, list[date]] = defaultdict(list)
    for referral_id, start in (
        Appointment.objects.filter(referral__in=referrals, status__in=GIVEN)
        .order_by("start")
        .values_list("referral_id", "start")
    ):
        given[referral_id].append(start.astimezone(tz).date())
    outside = {
        (row.patient_id, row.year): row.services
        for row in OutsideServices.objects.filter(patient__in={r.patient_id for r in referrals})
    }
    due = []
    for r in referrals:
        days = given[r.pk]
        cap = funders.cap_for(funder=r.funder, atsi=r.atsi, services_approved=r.services_approved)
        ended_on = _ended_on(r, today)
        sent = {report.kind for report in r.reports.all()}
        elsewhere = 0
        if r.funder == funders.Funder.MEDICARE_CDM and days:
            elsewhere = outside.get((r.patient_id, days[-1].year), 0)
        for kind in funders.reports_due(
            funder=r.funder,
            given=len(days),
            cap=cap,
            ended=ended_on is not None,
            elsewhere=elsewhere,
        ):
            if kind in sent:
                continue
            since = days[0] if kind == funders.ReportKind.INITIAL else days[-1]
            if kind != funders.ReportKind.INITIAL and ended_on is not None:
                since = max(since, ended_on)
            due.append(ReportDue(r, kind.value, since))
    return sorted(due, key=lambda d: (d.due_since, d.referral.patient.last_name))


def _ended_on(referral: Referral, today: date) -> date | None:
    """The first day the referral no longer funds a service, when that is today or past."""
    ends = []
    if referral.closed_on is not None:
        ends.append(referral.closed_on)
    if referral.valid_until is not None:
        ends.append(referral.valid_until + timedelta(days=1))
    first = min(ends) if ends else None
    return first if first is not None and first <= today else None


@dataclass(frozen=True)
class RunningOut:
    usage: Usage
    reason: str


def referrals_running_out(clinic: Clinic, *, today: date) -> list[RunningOut]:
    """Open referrals with one service or none left (used ≥ approved - 1, or the yearly
    cap), or ending within the next 30 days."""
    soon = today + timedelta(days=funders.RUNNING_OUT_DAYS)
    referrals = [
        r
        for r in Referral.objects.filter(clinic=clinic).select_related(
            "patient", "referrer", "clinic"
        )
        if referral_is_open(r, today)
    ]
    found = []
    for usage in referral_usages(referrals, year=today.year).values():
        reasons = []
        if usage.running_out:
            left = max(0, (usage.cap or 0) - usage.used)
            reasons.append("None left" if left == 0 else f"{left} left")
        if usage.valid_until is not None and usage.valid_until <= soon:
            reasons.append(f"Ends {funders.on_text(usage.valid_until)}")
        if reasons:
            found.append(RunningOut(usage, "; ".join(reasons)))
    return sorted(found, key=lambda x: (x.usage.referral.patient.last_name, x.reason))


def funded_services(
    clinic: Clinic, *, first: date, last: date, funder: str = ""
) -> QuerySet[Appointment]:
    """Services given under a referral between two clinic-local days (both included),
    by funder then time."""
    low = datetime.combine(first, time.min, tzinfo=clinic.tz)
    high = datetime.combine(last + timedelta(days=1), time.min, tzinfo=clinic.tz)
    qs = Appointment.objects.filter(
        referral__clinic=clinic, status__in=GIVEN, start__gte=low, start__lt=high
    )
    if funder:
        qs = qs.filter(referral__funder=funder)
    return qs.select_related("referral", "patient", "practitioner").order_by(
        "referral__funder", "start"
    )
