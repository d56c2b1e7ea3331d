"""The staff calendar: a day (a column per practitioner) or a week (a column per day for
one practitioner) as a time grid of 15-minute rows, read in the clinic's zone.

Rows follow the wall clock, not elapsed time: a 10:00 visit sits on the 10:00 row on a
daylight-saving day too, although ten or eleven real hours have passed since midnight.
A wall time that does not exist (02:00 to 03:00 on Sydney's spring-forward day) gets no
free time and no drop target; a repeated one (fall-back day) is read at its first
occurrence, as the slot engine reads it (`slots.local_instant`).

`calendar_load` reads everything in a fixed number of queries; the arranging below it
makes none. Other apps add flags to the appointments (prescriptions: pre-exercise
screening, pain flags) through `calendar_flags_register`, so bookings never imports them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from bookings import slots
from bookings.funding import usage_texts_for_appointments
from bookings.models import ARRIVAL_WINDOW, Appointment, BookingAnswers, TimeOff, WorkingHours
from clinic.lib.time import clock_label, day_label, local_day_bounds
from clinic.models import Clinic, Practitioner, User

MARKABLE = (
    Appointment.Status.BOOKED,
    Appointment.Status.ATTENDED,
    Appointment.Status.COMPLETED,
    Appointment.Status.NO_SHOW,
)
"""Visits whose attendance staff record (not cancelled ones, nor times held for the
waitlist)."""

ROW_MINUTES = 15
ROW = timedelta(minutes=ROW_MINUTES)
MAX_ROWS = 24 * 60 // ROW_MINUTES
"""A whole day: the grid classes in static/css/calendar.css go this far."""
DEFAULT_HOURS = (8 * 60, 18 * 60)
"""The rows shown (minutes since midnight) on a day when nobody works or is booked."""

PatientFlagSource = Callable[[Collection[int]], Mapping[int, list[str]]]
"""Given patient ids, short flags per patient id ("Pain flag to review")."""

_flag_sources: list[PatientFlagSource] = []


def calendar_flags_register(source: PatientFlagSource) -> None:
    """Add a source of patient flags shown on the calendar to clinicians (once each).
    Call it from an AppConfig.ready()."""
    if source not in _flag_sources:
        _flag_sources.append(source)


def patient_flags(*, patient_ids: Collection[int]) -> dict[int, list[str]]:
    """Every registered source's flags for these patients (one query or so per source)."""
    found: dict[int, list[str]] = defaultdict(list)
    if not patient_ids:
        return found
    for source in _flag_sources:
        for patient_id, flags in source(patient_ids).items():
            found[patient_id].extend(flags)
    return found


@dataclass(frozen=True)
class CardLink:
    """A link another app puts on a visit's card or above the calendar ("Write note")."""

    label: str
    url: str
    hidden_suffix: str = ""
    """Read by screen readers after the label (whose visit it is)."""


@dataclass
class CardExtras:
    """What another app adds to one visit's card for clinicians: flags and links."""

    flags: list[str] = field(default_factory=list)
    links: list[CardLink] = field(default_factory=list)


AppointmentExtrasSource = Callable[[Sequence[Appointment], datetime], Mapping[int, CardExtras]]
"""Given the visits on the calendar and now, extras per appointment id."""
CalendarNoticeSource = Callable[[User, datetime], list[CardLink]]
"""Given the clinician looking and now, links shown above the calendar ("3 notes to sign")."""

_extras_sources: list[AppointmentExtrasSource] = []
_notice_sources: list[CalendarNoticeSource] = []


def calendar_extras_register(source: AppointmentExtrasSource) -> None:
    """Add a source of per-visit flags and links for clinicians (prescriptions: the
    treatment note). Call it from an AppConfig.ready()."""
    if source not in _extras_sources:
        _extras_sources.append(source)


def calendar_notices_register(source: CalendarNoticeSource) -> None:
    """Add a source of links shown to a clinician above the calendar. Call it from an
    AppConfig.ready()."""
    if source not in _notice_sources:
        _notice_sources.append(source)


def appointment_extras(
    *, appointments: Sequence[Appointment], now: datetime
) -> dict[int, CardExtras]:
    """Every registered source's extras for these visits (a query or so per source)."""
    found: dict[int, CardExtras] = defaultdict(CardExtras)
    if not appointments:
        return found
    for source in _extras_sources:
        for appointment_id, extras in source(appointments, now).items():
            found[appointment_id].flags.extend(extras.flags)
            found[appointment_id].links.extend(extras.links)
    return found


def calendar_notices(*, user: User, now: datetime) -> list[CardLink]:
    return [link for source in _notice_sources for link in source(user, now)]


def booking_answer_flags(*, appointment_ids: Collection[int]) -> dict[int, list[str]]:
    """The booking questions answered yes, per appointment id (one query)."""
    flags: dict[int, list[str]] = {}
    for answers in BookingAnswers.objects.filter(appointment_id__in=list(appointment_ids)):
        if answers.flagged:
            flags[answers.appointment_id] = [f"Said yes: {q}" for q in answers.flagged]
    return flags


# --- The grid -------------------------------------------------------------------------


def wall_minutes(instant: datetime, tz: ZoneInfo) -> int:
    """Minutes since local midnight on the clock in `tz` (10:00 is 600, whatever the day)."""
    local = instant.astimezone(tz)
    return local.hour * 60 + local.minute


def _wall_time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def row_instant(day: date, minutes: int, tz: ZoneInfo) -> datetime | None:
    """The instant a row starts, or None when that wall time does not exist that day."""
    if minutes >= 24 * 60:
        return None
    instant = slots.local_instant(day, _wall_time(minutes), tz)
    if wall_minutes(instant, tz) != minutes or instant.astimezone(tz).date() != day:
        return None
    return instant


@dataclass
class CalendarItem:
    """One appointment on the grid: rows from 1 (the first row shown)."""

    appointment: Appointment
    row: int
    span: int
    time_range: str
    flags: list[str]
    can_arrive: bool
    """Arrived: from an hour before the start (bookings.services.ARRIVAL_WINDOW)."""
    can_mark: bool
    """Not attended: once the visit has started."""
    can_move: bool
    links: list[CardLink] = field(default_factory=list)
    """Other apps' links for clinicians (the treatment note)."""
    funding: str = ""
    """ "Medicare GPCCMP: 3 of 5 used in 2026" for a visit funded under a referral."""

    kind = "appointment"


@dataclass
class FreeCell:
    """A free 15 minutes: a link to book there. Only the first of a free stretch is a
    tab stop; the booking page lists every time of the day anyway."""

    start: datetime
    row: int
    label: str
    first_of_stretch: bool
    stretch_label: str = ""

    kind = "free"


@dataclass
class OffBlock:
    row: int
    span: int
    time_range: str

    kind = "off"


@dataclass
class CalendarColumn:
    practitioner: Practitioner
    day: date
    heading: str
    hours: list[str]
    items: list[CalendarItem | FreeCell | OffBlock] = field(default_factory=list)
    row_starts: list[str] = field(default_factory=list)
    """Each row's start as ISO 8601 in UTC ("" for a wall time that does not exist):
    where calendar.js drops a dragged appointment."""


@dataclass
class HourMark:
    row: int
    label: str


@dataclass
class CalendarGrid:
    first_minute: int
    rows: int
    hour_marks: list[HourMark]
    columns: list[CalendarColumn]


def row_span(
    start: datetime, end: datetime, *, tz: ZoneInfo, first_minute: int, rows: int
) -> tuple[int, int]:
    """Grid row (from 1) and number of rows for [start, end), clipped to the grid."""
    begin = wall_minutes(start, tz) - first_minute
    finish = wall_minutes(end, tz) - first_minute
    if end.astimezone(tz).date() != start.astimezone(tz).date() or finish <= begin:
        # Past midnight, or across a clock change: measure the real length.
        finish = begin + int((end - start) / timedelta(minutes=1))
    first = max(0, begin // ROW_MINUTES)
    last = min(rows, math.ceil(finish / ROW_MINUTES))
    return first + 1, max(1, last - first)


def grid_bounds(
    *,
    tz: ZoneInfo,
    blocks: Iterable[WorkingHours],
    appointments: Iterable[Appointment],
) -> tuple[int, int]:
    """First and last minute shown: whole hours around every working block and visit."""
    starts: list[int] = []
    ends: list[int] = []
    for b in blocks:
        starts.append(b.start_time.hour * 60 + b.start_time.minute)
        ends.append(b.end_time.hour * 60 + b.end_time.minute)
    for a in appointments:
        begin = wall_minutes(a.start, tz)
        starts.append(begin)
        same_day = a.end.astimezone(tz).date() == a.start.astimezone(tz).date()
        ends.append(wall_minutes(a.end, tz) if same_day else 24 * 60)
    if not starts:
        return DEFAULT_HOURS
    first = min(starts) // 60 * 60
    last = min(24 * 60, math.ceil(max(ends) / 60) * 60)
    return first, max(last, first + 60)


def _appointment_item(
    appointment: Appointment,
    *,
    tz: ZoneInfo,
    first_minute: int,
    rows: int,
    flags: list[str],
    now: datetime,
    links: list[CardLink] | None = None,
    funding: str = "",
) -> CalendarItem:
    row, span = row_span(
        appointment.start, appointment.end, tz=tz, first_minute=first_minute, rows=rows
    )
    return CalendarItem(
        appointment=appointment,
        row=row,
        span=span,
        time_range=f"{clock_label(appointment.start.astimezone(tz))} to "
        f"{clock_label(appointment.end.astimezone(tz))}",
        flags=flags,
        can_arrive=appointment.status in MARKABLE and appointment.start - ARRIVAL_WINDOW <= now,
        can_mark=appointment.status in MARKABLE and appointment.start <= now,
        can_move=appointment.status == Appointment.Status.BOOKED and appointment.start > now,
        links=links or [],
        funding=funding,
    )


def calendar_item(
    appointment: Appointment,
    *,
    flags: list[str],
    now: datetime,
    links: list[CardLink] | None = None,
) -> CalendarItem:
    """One appointment's card on its own (htmx swaps it after marking)."""
    tz = appointment.practitioner.clinic.tz
    funding = usage_texts_for_appointments([appointment]).get(appointment.pk, "")
    return _appointment_item(
        appointment,
        tz=tz,
        first_minute=0,
        rows=MAX_ROWS,
        flags=flags,
        now=now,
        funding=funding,
        links=links,
    )


def _free_cells(
    *,
    day: date,
    tz: ZoneInfo,
    first_minute: int,
    rows: int,
    windows: list[slots.Window],
    busy: list[slots.Interval],
    now: datetime,
) -> list[FreeCell]:
    """Rows wholly inside working time, clear of every visit (with its buffer) and of
    time off, and not yet past."""
    merged = slots.merge_intervals(busy)
    cells: list[FreeCell] = []
    previous_free = False
    for index in range(rows):
        minutes = first_minute + index * ROW_MINUTES
        start = row_instant(day, minutes, tz)
        free = (
            start is not None
            and start > now
            and any(w.start <= start and start + ROW <= w.end for w in windows)
            and not any(s < start + ROW and start < e for s, e in merged)
        )
        if free and start is not None:
            cells.append(FreeCell(start, index + 1, clock_label(start.astimezone(tz)), False))
            if not previous_free:
                cells[-1].first_of_stretch = True
        previous_free = free
    # Each stretch's first cell says how long the stretch is (for the phone list).
    stretch_start: FreeCell | None = None
    for i, cell in enumerate(cells):
        if cell.first_of_stretch:
            stretch_start = cell
        last_of_stretch = i + 1 == len(cells) or cells[i + 1].first_of_stretch
        if last_of_stretch and stretch_start is not None:
            end = clock_label((cell.start + ROW).astimezone(tz))
            stretch_start.stretch_label = f"{stretch_start.label} to {end}"
    return cells


def _hours_label(block: WorkingHours) -> str:
    label = f"{clock_label(block.start_time)} to {clock_label(block.end_time)}"
    if block.break_start and block.break_end:
        label += f" (break {clock_label(block.break_start)} to {clock_label(block.break_end)})"
    return label


@dataclass(frozen=True)
class CalendarRows:
    """What `calendar_load` read, for `calendar_arrange`."""

    appointments: list[Appointment]
    hours: list[WorkingHours]
    time_off: list[TimeOff]
    flags: dict[int, list[str]]
    """Flags per appointment id (empty unless asked for)."""
    links: dict[int, list[CardLink]] = field(default_factory=dict)
    """Other apps' links per appointment id (empty unless flags were asked for)."""
    funding: dict[int, str] = field(default_factory=dict)
    """Usage of the referral per funded appointment id (bookings/funding.py)."""


def calendar_load(
    *,
    clinic: Clinic,
    days: list[date],
    practitioners: list[Practitioner],
    location_id: int | None,
    with_flags: bool,
    tz: ZoneInfo | None = None,
    now: datetime | None = None,
) -> CalendarRows:
    """Active appointments, working hours and time off of these practitioners on these
    days (in `tz`, the clinic's zone unless given; at one location, if given), and with
    `with_flags` the patients' flags. Four queries plus one per flag source, whatever the
    number of visits."""
    tz = tz or clinic.tz
    start, end = local_day_bounds(days[0], tz)[0], local_day_bounds(days[-1], tz)[1]
    ids = [p.pk for p in practitioners]
    appointments_qs = (
        Appointment.objects.active()
        .filter(practitioner_id__in=ids, start__lt=end, end__gt=start)
        .select_related("patient", "practitioner__clinic", "service", "location")
        .order_by("start")
    )
    hours_qs = WorkingHours.objects.filter(
        practitioner_id__in=ids, location__is_active=True
    ).select_related("location")
    if location_id is not None:
        appointments_qs = appointments_qs.filter(location_id=location_id)
        hours_qs = hours_qs.filter(location_id=location_id)
    appointments = list(appointments_qs)
    flags: dict[int, list[str]] = {}
    links: dict[int, list[CardLink]] = {}
    if with_flags and appointments:
        by_patient = patient_flags(patient_ids={a.patient_id for a in appointments})
        answered = booking_answer_flags(appointment_ids=[a.pk for a in appointments])
        extras = appointment_extras(appointments=appointments, now=now or timezone.now())
        flags = {
            a.pk: [
                *answered.get(a.pk, []),
                *by_patient.get(a.patient_id, []),
                *(extras[a.pk].flags if a.pk in extras else []),
            ]
            for a in appointments
        }
        links = {a.pk: extras[a.pk].links for a in appointments if a.pk in extras}
    return CalendarRows(
        appointments=appointments,
        hours=list(hours_qs),
        time_off=list(
            TimeOff.objects.filter(practitioner_id__in=ids, start__lt=end, end__gt=start)
        ),
        flags=flags,
        links=links,
        funding=usage_texts_for_appointments(appointments),
    )


def calendar_arrange(
    *,
    tz: ZoneInfo,
    cells: list[tuple[Practitioner, date]],
    rows_read: CalendarRows,
    now: datetime,
    heading: Callable[[Practitioner, date], str],
) -> CalendarGrid:
    """Place what was read on the grid: one column per (practitioner, day) in `cells`.
    No queries."""
    appointments_by: dict[tuple[int, date], list[Appointment]] = defaultdict(list)
    for a in rows_read.appointments:
        appointments_by[(a.practitioner_id, a.start.astimezone(tz).date())].append(a)
    hours_by: dict[tuple[int, int], list[WorkingHours]] = defaultdict(list)
    for h in rows_read.hours:
        hours_by[(h.practitioner_id, h.weekday)].append(h)
    off_by: dict[int, list[TimeOff]] = defaultdict(list)
    for t in rows_read.time_off:
        off_by[t.practitioner_id].append(t)

    first, last = grid_bounds(
        tz=tz,
        blocks=[b for p, d in cells for b in hours_by[(p.pk, d.weekday())]],
        appointments=[a for p, d in cells for a in appointments_by[(p.pk, d)]],
    )
    rows = (last - first) // ROW_MINUTES
    columns = []
    for practitioner, day in cells:
        blocks = sorted(hours_by[(practitioner.pk, day.weekday())], key=lambda b: b.start_time)
        column = CalendarColumn(
            practitioner=practitioner,
            day=day,
            heading=heading(practitioner, day),
            hours=[_hours_label(b) for b in blocks],
        )
        day_start, day_end = local_day_bounds(day, tz)
        appointments = appointments_by[(practitioner.pk, day)]
        off = [
            (max(t.start, day_start), min(t.end, day_end))
            for t in off_by[practitioner.pk]
            if t.start < day_end and t.end > day_start
        ]
        column.items.extend(
            _appointment_item(
                a,
                tz=tz,
                first_minute=first,
                rows=rows,
                flags=rows_read.flags.get(a.pk, []),
                now=now,
                links=rows_read.links.get(a.pk, []),
                funding=rows_read.funding.get(a.pk, ""),
            )
            for a in appointments
        )
        for s, e in off:
            row, span = row_span(s, e, tz=tz, first_minute=first, rows=rows)
            label = f"{clock_label(s.astimezone(tz))} to {clock_label(e.astimezone(tz))}"
            column.items.append(OffBlock(row, span, label))
        windows = slots.working_windows(
            [
                slots.WeeklyBlock(
                    b.weekday, b.start_time, b.end_time, b.location_id, b.break_start, b.break_end
                )
                for b in blocks
                if practitioner.is_active  # no free time offered with someone who has left
            ],
            [day],
            tz,
        )
        busy = [(a.start, a.blocked_until) for a in appointments] + off
        column.items.extend(
            _free_cells(
                day=day,
                tz=tz,
                first_minute=first,
                rows=rows,
                windows=windows,
                busy=busy,
                now=now,
            )
        )
        column.items.sort(key=lambda i: i.row)
        column.row_starts = [
            _iso(row_instant(day, first + i * ROW_MINUTES, tz)) for i in range(rows)
        ]
        columns.append(column)
    marks = [
        HourMark(i + 1, clock_label(_wall_time(first + i * ROW_MINUTES)))
        for i in range(rows)
        if (first + i * ROW_MINUTES) % 60 == 0
    ]
    return CalendarGrid(first_minute=first, rows=rows, hour_marks=marks, columns=columns)


def _iso(instant: datetime | None) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z") if instant else ""


def week_days(first: date) -> list[date]:
    return [first + timedelta(days=n) for n in range(7)]


def day_heading(day: date, *, today: date) -> str:
    label = day_label(day, year=day.year != today.year)
    return f"{label} (today)" if day == today else label
