"""A working fortnight for the demo clinic (issue 14), called by `manage.py seed_demo`.

Around the clinic's today: the last PAST_WORKING_DAYS working days are about 80 % booked,
with what happened at each visit (most attended, a few not attended, some cancelled
late); today is about 80 % booked, the visits whose time has passed already attended; the
NEXT_DAYS days after it are about half booked. A few invented patients have their story
on the record: a signed assessment with outcome measures at a past visit, and a
published programme with the sessions they logged since (one of them with a pain flag).
(The patients and their stories: prescriptions/demo/people.py.) One upcoming booking
answered yes to a health question that flags it for the clinician.

When today is not a working day (a Sunday), the next working day is "today's full day".

Every person is invented. Safe to run twice, and on a later day: each practitioner's day
is only topped up to its share (the visits already there count, whoever made them), a
story is told once, and visits an earlier run booked whose time has passed are marked
as the front desk would have. A visit's `booking_request_id` is a uuid5 of its patient
and start, so a seeded visit is never made twice.

Visits in the future go through `appointment_book`, the one way the app books. The
booking service refuses times that have passed, so past visits are written with
`_past_visit_create`, which takes a free slot, runs the exclusion constraint's portable
overlap check and inserts the row; on PostgreSQL the constraint itself still guards
overlaps. No email is planned for a past visit, and the
confirmations of the seeded future visits are marked not sent: a newcomer's first
`make run` must not send hundreds of emails (the reminders still go out when due).
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bookings.models import (
    Appointment,
    BookingAnswers,
    Modality,
    Notification,
    Service,
    WorkingHours,
)
from bookings.screening import appointment_screening_save
from bookings.selectors import Slot, available_slots
from bookings.services import appointment_book, appointment_mark, telehealth_room_url
from clinic.errors import DomainError
from clinic.lib.time import local_day_bounds
from clinic.models import Clinic, Patient, Practitioner, User
from prescriptions.demo.assessments import signed_assessment_record
from prescriptions.demo.people import STORIES, Story, demo_patients_ensure
from prescriptions.demo.programme import programme_publish_backdated, sessions_log
from prescriptions.models import Assessment, Exercise
from prescriptions.outcomes.services import ResponseInput

PAST_WORKING_DAYS = 7
"""How many working days before today get visits that have happened."""
NEXT_DAYS = 7
"""Calendar days after today's full day that are half booked ("next week")."""
OPEN_DAYS_SEARCH = 60
"""How far to look for open days (today's full day, the past working days)."""
# Share of a practitioner's working time held by visits (buffers included).
FILL_PAST = 0.8
FILL_TODAY = 0.8
FILL_NEXT = 0.5
OUTCOMES = (
    (Appointment.Status.COMPLETED, 85),
    (Appointment.Status.NO_SHOW, 5),
    (Appointment.Status.CANCELLED, 10),
)
"""What became of a past visit, in percent: attended, not attended, cancelled late."""
OUTCOME_STATUSES: list[str] = [status for status, _ in OUTCOMES]
OUTCOME_WEIGHTS: list[float] = [share for _, share in OUTCOMES]
SERVICE_WEIGHTS = {
    "Follow-up": 6,
    "Physiotherapy assessment": 3,
    "Initial exercise physiology assessment": 2,
    "Telehealth review": 1,
}
"""How often each demo service is booked, relative to the others (others: 1)."""
TELEHEALTH_SHARE = 0.15
"""Share of visits by video among services offered both ways."""
ONLINE_SHARE = 0.5
"""Share of future visits the patient booked online (the rest booked by reception)."""
CANCEL_REASONS = (
    "Unwell today; rang the front desk.",
    "Called in the morning: a work meeting ran over.",
    "Car trouble; will rebook.",
    "Child home sick from school.",
)
NOT_EMAILED = "Demo data: the seed books visits without emailing anyone."
SEED_NAMESPACE = uuid.UUID("6f1c3a52-2d0e-4c55-9a57-5e3d7f0b8c14")
"""uuid5 namespace of the demo visits' booking_request_id (patient code and start)."""
NO_OVERLAP = next(
    c for c in Appointment._meta.constraints if c.name == "appt_no_overlap_per_practitioner"
)
"""The exclusion constraint on a practitioner's appointments (its `validate` is portable)."""
DEMO_PATIENT_EMAIL = "demo-patient@example.org"
DEMO_EP_EMAIL = "demo-ep@example.org"
RECEPTION_EMAIL = "demo-reception@example.org"


@dataclass
class FortnightSummary:
    """What the demo clinic's fortnight holds after a run."""

    today: date
    full_day: date
    past_days: list[date]
    past: Counter[str]
    full_day_visits: Counter[str]
    next_week_visits: int
    added: int

    def lines(self) -> list[str]:
        """The command's output: one line per part of the fortnight."""
        past_total = sum(self.past.values())
        label = f"{self.full_day:%a} {self.full_day.day} {self.full_day:%b}"
        today = (
            f"today {label}"
            if self.full_day == self.today
            else f"today ({self.today:%a} {self.today.day} {self.today:%b}) the clinic is "
            f"closed, so the full day is {label}"
        )
        done = (
            self.full_day_visits[Appointment.Status.COMPLETED]
            + self.full_day_visits[Appointment.Status.ATTENDED]
        )
        booked = self.full_day_visits[Appointment.Status.BOOKED]
        day_total = done + booked + self.full_day_visits[Appointment.Status.NO_SHOW]
        return [
            f"Seeded {len(self.past_days)} past days: {past_total} visits "
            f"({self.past[Appointment.Status.COMPLETED]} completed, "
            f"{self.past[Appointment.Status.NO_SHOW]} no-shows, "
            f"{self.past[Appointment.Status.CANCELLED]} cancelled); {today}: {day_total} "
            f"visits ({done} completed, {booked} booked); next week: "
            f"{self.next_week_visits} visits.",
            f"Added {self.added} demo appointments this run.",
        ]


def fortnight_seed(*, clinic: Clinic, now: datetime) -> FortnightSummary:
    """Fill the demo clinic's fortnight around `now` (see the module docstring).

    1. Make sure the invented patients exist.
    2. Work out the days: the working days before today, today's full day (today, or the
       next working day) and the week after it.
    3. Mark visits an earlier run booked whose time has now passed.
    4. Tell the stories (past visits with assessments and programmes) and book the next
       visits of the demo patient and the stories' patients, so their times are free.
    5. Top up each practitioner's days to their share.
    6. Flag one upcoming booking's health-question answers.
    """
    tz = clinic.tz
    today = now.astimezone(tz).date()
    demo_patients_ensure(clinic)
    practitioners = list(
        Practitioner.objects.filter(clinic=clinic, is_active=True).select_related("user")
    )
    minutes = working_minutes(practitioners)
    working = {weekday for per_day in minutes.values() for weekday in per_day}
    if not working:
        return FortnightSummary(today, today, [], Counter(), Counter(), 0, 0)
    seeder = _Seeder(clinic=clinic, now=now, practitioners=practitioners, minutes=minutes)
    full_day = seeder.open_days(today, step=1, count=1)[0]
    past_days = seeder.open_days(today - timedelta(days=1), step=-1, count=PAST_WORKING_DAYS)
    next_days = [full_day + timedelta(days=n) for n in range(1, NEXT_DAYS + 1)]
    seeder.settle_passed()
    for story in STORIES:
        seeder.story_tell(story, today=today)
    seeder.follow_up_ensure(
        patient_email=DEMO_PATIENT_EMAIL, practitioner_email=DEMO_EP_EMAIL, after=full_day
    )
    for story in STORIES:
        seeder.follow_up_ensure(
            patient_email=story.patient_email,
            practitioner_email=story.practitioner_email,
            after=full_day,
        )
    plan = [(d, FILL_PAST) for d in past_days] + [(full_day, FILL_TODAY)]
    plan += [(d, FILL_NEXT) for d in next_days]
    for day, fill in plan:
        for practitioner in practitioners:
            available = minutes[practitioner.pk].get(day.weekday(), 0)
            if available:
                with transaction.atomic():  # one commit a day, not one a visit
                    seeder.day_fill(practitioner, day, target_minutes=available * fill)
    seeder.screening_flag_ensure()
    return FortnightSummary(
        today=today,
        full_day=full_day,
        past_days=past_days,
        past=_statuses(clinic, past_days[0], today - timedelta(days=1)),
        full_day_visits=_statuses(clinic, full_day, full_day),
        next_week_visits=sum(
            n
            for status, n in _statuses(clinic, next_days[0], next_days[-1]).items()
            if status != Appointment.Status.CANCELLED
        ),
        added=seeder.added,
    )


def working_minutes(practitioners: Sequence[Practitioner]) -> dict[int, dict[int, float]]:
    """Each practitioner's bookable minutes per weekday (0 = Monday), breaks left out,
    at active locations."""
    result: dict[int, dict[int, float]] = {p.pk: {} for p in practitioners}
    for hours in WorkingHours.objects.filter(
        practitioner__in=practitioners, location__is_active=True
    ):
        span = _minutes(hours.start_time, hours.end_time)
        if hours.break_start and hours.break_end:
            span -= _minutes(hours.break_start, hours.break_end)
        per_day = result[hours.practitioner_id]
        per_day[hours.weekday] = per_day.get(hours.weekday, 0) + span
    return result


def demo_visit_key(patient: Patient, start: datetime) -> uuid.UUID:
    """The booking_request_id of the demo visit of `patient` at `start`."""
    return uuid.uuid5(SEED_NAMESPACE, f"{patient.code}|{start.astimezone(UTC).isoformat()}")


def _minutes(start: time, end: time) -> float:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _working_days_before(today: date, working: set[int], count: int) -> list[date]:
    days: list[date] = []
    day = today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() in working:
            days.append(day)
    return sorted(days)


def _length(service: Service) -> int:
    """Minutes a visit of the service holds (buffer included)."""
    return service.duration_minutes + service.buffer_after_minutes


def _statuses(clinic: Clinic, first: date, last: date) -> Counter[str]:
    start = local_day_bounds(first, clinic.tz)[0]
    end = local_day_bounds(last, clinic.tz)[1]
    return Counter(
        Appointment.objects.for_clinic(clinic)
        .filter(start__gte=start, start__lt=end)
        .values_list("status", flat=True)
    )


class _Seeder:
    """The writes of one run, sharing its clock, clinic and counters."""

    def __init__(
        self,
        *,
        clinic: Clinic,
        now: datetime,
        practitioners: list[Practitioner],
        minutes: dict[int, dict[int, float]],
    ) -> None:
        self.clinic = clinic
        self.practitioners = practitioners
        self.minutes = minutes
        self.tz = clinic.tz
        self.now = now
        self.added = 0
        self.reception = User.objects.filter(email=RECEPTION_EMAIL).first()
        # The demo patient and the stories' patients have their own visits, in order.
        self.patients = list(
            Patient.objects.filter(clinic=clinic, email__endswith="@example.org")
            .exclude(email__in=[DEMO_PATIENT_EMAIL, *(s.patient_email for s in STORIES)])
            .order_by("pk")
        )
        self.services = list(Service.objects.filter(clinic=clinic, is_active=True))
        self.offers: dict[int, list[Service]] = {}
        for service in self.services:
            for pid in service.practitioners.values_list("pk", flat=True):
                self.offers.setdefault(pid, []).append(service)

    # --- which days ------------------------------------------------------------------

    def day_open(self, day: date) -> bool:
        """Whether someone works on `day`: it has visits, or a practitioner who works
        that weekday has a free time then. So a day the slots leave out (everyone's time
        off, a closure) is not taken for a working day."""
        working = [p for p in self.practitioners if self.minutes[p.pk].get(day.weekday())]
        if not working:
            return False
        start, end = local_day_bounds(day, self.tz)
        if Appointment.objects.filter(
            practitioner__in=working, start__gte=start, start__lt=end
        ).exists():
            return True
        for practitioner in working:
            services = self.offers.get(practitioner.pk, [])
            if services and self.free_slots(min(services, key=_length), practitioner, day):
                return True
        return False

    def open_days(self, first: date, *, step: int, count: int) -> list[date]:
        """`count` open days from `first` on (`step` 1) or back (`step` -1), in date
        order; weekdays someone works where none is open within OPEN_DAYS_SEARCH days."""
        found: list[date] = []
        day = first
        for _ in range(OPEN_DAYS_SEARCH):
            if self.day_open(day):
                found.append(day)
                if len(found) == count:
                    return sorted(found)
            day += timedelta(days=step)
        working = {weekday for per_day in self.minutes.values() for weekday in per_day}
        days = [first + timedelta(days=step * n) for n in range(OPEN_DAYS_SEARCH)]
        return sorted([d for d in days if d.weekday() in working][:count])

    # --- one visit ---------------------------------------------------------------------

    def free_slots(self, service: Service, practitioner: Practitioner, day: date) -> list[Slot]:
        """The practitioner's free times for the service on `day`, past or not."""
        return available_slots(
            service=service,
            start_date=day,
            end_date=day,
            now=local_day_bounds(day, self.tz)[0],
            practitioner=practitioner,
            enforce_notice=False,  # the past too: these are the day's free times
            practitioners=[practitioner],
        )

    def visit_create(
        self,
        *,
        slot: Slot,
        service: Service,
        practitioner: Practitioner,
        patient: Patient,
        rng: random.Random,
    ) -> Appointment | None:
        """A visit at `slot`: one that has started is written as it turned out, a later
        one is booked. None when the time or the patient turned out to be taken."""
        if slot.start <= self.now:
            if slot.end <= self.now:
                status = rng.choices(OUTCOME_STATUSES, OUTCOME_WEIGHTS)[0]
            else:
                status = Appointment.Status.ATTENDED  # with the practitioner now
            appointment = self._past_visit_create(
                slot=slot, service=service, patient=patient, status=status, rng=rng
            )
        else:
            appointment = self._future_visit_book(
                slot=slot, service=service, practitioner=practitioner, patient=patient, rng=rng
            )
        if appointment is not None:
            self.added += 1
        return appointment

    def _past_visit_create(
        self,
        *,
        slot: Slot,
        service: Service,
        patient: Patient,
        status: str,
        rng: random.Random,
    ) -> Appointment | None:
        """Write a visit whose time has passed, as it turned out.

        Not through `appointment_book`: it refuses times that have passed, rightly. The
        slot comes from `available_slots` (working hours, time off and other visits
        respected); the exclusion constraint's portable check refuses an overlap (a
        query, so SQLite, which has no such constraint, is covered too), and on
        PostgreSQL the constraint itself refuses one at insert. No email is planned:
        the visit is over.
        """
        appointment = Appointment(
            patient=patient,
            practitioner_id=slot.practitioner_id,
            service=service,
            modality=slot.modality,
            location_id=slot.location_id,
            start=slot.start,
            end=slot.end,
            blocked_until=slot.end + service.buffer,
            status=status,
            source=Appointment.Source.STAFF,
            booked_by=self.reception,
            booking_request_id=demo_visit_key(patient, slot.start),
            telehealth_url=telehealth_room_url() if slot.modality == Modality.TELEHEALTH else "",
        )
        if status == Appointment.Status.CANCELLED:
            appointment.cancelled_at = slot.start - timedelta(hours=rng.randint(2, 20))
            appointment.cancelled_by = self.reception
            appointment.cancellation_reason = rng.choice(CANCEL_REASONS)
            appointment.sequence = 1
        booked_at = slot.start - timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 8))
        clash = Appointment.objects.active().filter(
            patient=patient, start__lt=slot.end, end__gt=slot.start
        )
        if status != Appointment.Status.CANCELLED and clash.exists():
            return None  # the patient is with someone else then
        try:
            with transaction.atomic():
                NO_OVERLAP.validate(Appointment, appointment)
                appointment.save()
                # Booked some days before, as it would have been.
                Appointment.objects.filter(pk=appointment.pk).update(created_at=booked_at)
        except (ValidationError, IntegrityError):
            return None
        return appointment

    def _future_visit_book(
        self,
        *,
        slot: Slot,
        service: Service,
        practitioner: Practitioner,
        patient: Patient,
        rng: random.Random,
    ) -> Appointment | None:
        """Book a visit to come through `appointment_book`, online or by reception; an
        online clinic visit keeps the patient's (all no) health-question answers. Its
        confirmation is marked not sent, in the same transaction (the worker it is handed
        to after commit finds it void and sends nothing); its reminders go out when due."""
        notice = timedelta(minutes=self.clinic.min_booking_notice_minutes)
        online = slot.start >= self.now + notice and rng.random() < ONLINE_SHARE
        try:
            with transaction.atomic():
                appointment = appointment_book(
                    service=service,
                    practitioner=practitioner,
                    modality=slot.modality,
                    start=slot.start,
                    patient=patient,
                    source=Appointment.Source.ONLINE if online else Appointment.Source.STAFF,
                    booked_by=None if online else self.reception,
                    location_id=slot.location_id,
                    booking_request_id=demo_visit_key(patient, slot.start),
                    now=self.now,
                )
                Notification.objects.filter(
                    appointment=appointment,
                    kind=Notification.Kind.CONFIRMATION,
                    status__in=[Notification.Status.PENDING, Notification.Status.QUEUED],
                ).update(status=Notification.Status.VOID, last_error=NOT_EMAILED)
                if online and slot.modality == Modality.CLINIC:
                    appointment_screening_save(
                        appointment=appointment, answers=self._answers(flag=False)
                    )
        except DomainError:
            return None
        return appointment

    def _answers(self, *, flag: bool) -> list[dict[str, str]]:
        """The clinic's health questions answered no; with `flag`, yes to the first
        question whose yes only flags the booking for the clinician."""
        answers = []
        flagged = False
        for question in self.clinic.screening_questions.filter(is_active=True):
            yes = flag and not flagged and question.on_yes == question.OnYes.FLAG
            flagged = flagged or yes
            answers.append(
                {
                    "question": question.text,
                    "answer": "yes" if yes else "no",
                    "on_yes": question.on_yes,
                }
            )
        return answers

    # --- a practitioner's day ----------------------------------------------------------

    def day_fill(self, practitioner: Practitioner, day: date, *, target_minutes: float) -> None:
        """Book the practitioner's `day` until its visits (buffers included, cancelled
        ones too) hold `target_minutes`, at random free times with random patients who
        have no other visit that day. The same day and practitioner draw the same
        choices every run. A late cancellation leaves its gap: nobody else is booked
        into it.

        The day's free times are read once per service; the visits made since are taken
        out of them here (`taken`), and every insert is checked again anyway.
        """
        start, end = local_day_bounds(day, self.tz)
        on_day = Appointment.objects.filter(start__gte=start, start__lt=end)
        held = 0.0
        taken: list[tuple[datetime, datetime]] = []  # cancelled before this run, made in it
        for begins, until, status in on_day.filter(practitioner=practitioner).values_list(
            "start", "blocked_until", "status"
        ):
            held += (until - begins).total_seconds() / 60
            if status == Appointment.Status.CANCELLED:
                taken.append((begins, until))
        free: dict[int, list[Slot]] = {}
        busy = set(
            on_day.exclude(status=Appointment.Status.CANCELLED).values_list("patient_id", flat=True)
        )
        rng = random.Random(f"{day.isoformat()}|{practitioner.user.email}")  # noqa: S311
        services = self.offers.get(practitioner.pk, [])
        if not services:
            return
        shortest = min(services, key=_length)
        weights = [SERVICE_WEIGHTS.get(s.name, 1) for s in services]
        while held < target_minutes:
            service = rng.choices(services, weights)[0]
            slot = self._pick_slot(service, practitioner, day, free, taken, rng)
            if slot is None and service != shortest:
                service = shortest
                slot = self._pick_slot(service, practitioner, day, free, taken, rng)
            if slot is None:
                return  # the day is as full as it gets
            patient = self._pick_patient(service, busy, rng)
            if patient is None:
                return
            visit = self.visit_create(
                slot=slot, service=service, practitioner=practitioner, patient=patient, rng=rng
            )
            if visit is None:
                return
            busy.add(patient.pk)
            taken.append((visit.start, visit.blocked_until))
            held += service.duration_minutes + service.buffer_after_minutes

    def _pick_slot(
        self,
        service: Service,
        practitioner: Practitioner,
        day: date,
        free: dict[int, list[Slot]],
        taken: list[tuple[datetime, datetime]],
        rng: random.Random,
    ) -> Slot | None:
        """A random free time for the service on `day` (in clinic, or now and then by
        video): from its free times (read into `free` once), none overlapping `taken`."""
        if service.pk not in free:
            free[service.pk] = self.free_slots(service, practitioner, day)
        modalities = service.allowed_modalities()
        modality = modalities[0]
        if len(modalities) > 1:
            modality = Modality.TELEHEALTH if rng.random() < TELEHEALTH_SHARE else Modality.CLINIC
        candidates = [
            s
            for s in free[service.pk]
            if s.modality == modality
            and not any(
                s.start < until and s.end + service.buffer > begins for begins, until in taken
            )
        ]
        return rng.choice(candidates) if candidates else None

    def _pick_patient(self, service: Service, busy: set[int], rng: random.Random) -> Patient | None:
        """A patient with no other visit that day; for a new patients' service, one who
        has never been seen when there is one."""
        free = [p for p in self.patients if p.pk not in busy]
        if not free:
            return None
        if service.audience == Service.Audience.NEW:
            seen = set(
                Appointment.objects.filter(patient__in=free).values_list("patient_id", flat=True)
            )
            new = [p for p in free if p.pk not in seen]
            free = new or free
        return rng.choice(free)

    # --- the stories and the demo patient ----------------------------------------------

    def story_tell(self, story: Story, *, today: date) -> None:
        """Once per patient: their attended past visit, the signed assessment recorded at
        it and, for some, the programme published after it with the sessions logged
        since (up to yesterday). In one transaction; skipped when the patient already
        has an assessment, or the library is not loaded yet for a programme."""
        patient = Patient.objects.filter(clinic=self.clinic, email=story.patient_email).first()
        practitioner = (
            Practitioner.objects.filter(clinic=self.clinic, user__email=story.practitioner_email)
            .select_related("user")
            .first()
        )
        service = next((s for s in self.services if s.name == story.service), None)
        if patient is None or practitioner is None or service is None:
            return
        if Assessment.objects.filter(patient=patient).exists():
            return
        if story.programme_items and not Exercise.objects.shipped().exists():
            return
        weekdays = {wh.weekday for wh in WorkingHours.objects.filter(practitioner=practitioner)}
        if not weekdays:
            return
        day = _working_days_before(today, weekdays, story.working_days_ago)[0]
        wanted = datetime.combine(day, story.at, tzinfo=self.tz)
        clinic_slots = [
            s
            for s in self.free_slots(service, practitioner, day)
            if s.modality == Modality.CLINIC and s.end <= self.now
        ]
        if not clinic_slots:
            return
        slot = min(clinic_slots, key=lambda s: abs(s.start - wanted))
        rng = random.Random(story.patient_email)  # noqa: S311
        with transaction.atomic():
            visit = self._past_visit_create(
                slot=slot,
                service=service,
                patient=patient,
                status=Appointment.Status.COMPLETED,
                rng=rng,
            )
            if visit is None:
                return
            assessment = self._story_assessment(story, patient, practitioner, day, visit)
            if story.programme_items:
                self._story_programme(story, patient, practitioner, assessment, visit, today)
        self.added += 1

    def _story_assessment(
        self,
        story: Story,
        patient: Patient,
        practitioner: Practitioner,
        day: date,
        visit: Appointment,
    ) -> Assessment:
        responses = {
            code: ResponseInput(answers)
            for code, answers in story.responses.items()
            if code != "PSFS"
        }
        responses["PSFS"] = ResponseInput(
            story.responses["PSFS"], activities=[("", text) for text in story.activities]
        )
        return signed_assessment_record(
            patient=patient,
            practitioner=practitioner,
            day=day,
            conditions=story.conditions,
            side=story.side,
            measures=list(story.responses),
            fields=story.fields,
            responses=responses,
            appointment=visit,
        )

    def _story_programme(
        self,
        story: Story,
        patient: Patient,
        practitioner: Practitioner,
        assessment: Assessment,
        visit: Appointment,
        today: date,
    ) -> None:
        day = visit.start.astimezone(self.tz).date()
        programme = programme_publish_backdated(
            patient=patient,
            practitioner=practitioner,
            started=visit.end,
            goal=story.programme_goal,
            title=story.programme_title,
            items=story.programme_items,
            assessment=assessment,
        )
        # The "programme is ready" email went out on the day, long ago.
        Notification.objects.filter(
            patient=patient,
            kind=Notification.Kind.PROGRAMME_READY,
            status=Notification.Status.PENDING,
        ).update(status=Notification.Status.VOID, last_error=NOT_EMAILED)
        days = (today - day).days - 1  # sessions from the day after the visit to yesterday
        if days < 1:
            return
        sessions_log(
            programme=programme,
            start=day,
            days=days,
            skipped={2} if days >= 4 else set(),
            flag_day=3 if story.flag_slug and days >= 4 else None,
            flag_slug=story.flag_slug,
            flag_comment="That exercise really hurt today." if story.flag_slug else "",
            seed=len(story.patient_email),
        )

    def follow_up_ensure(self, *, patient_email: str, practitioner_email: str, after: date) -> None:
        """A follow-up with the practitioner on their first working day after `after`,
        about 10 am, in the clinic, unless the patient already has a visit to come."""
        patient = Patient.objects.filter(clinic=self.clinic, email=patient_email).first()
        practitioner = (
            Practitioner.objects.filter(clinic=self.clinic, user__email=practitioner_email)
            .select_related("user")
            .first()
        )
        service = next((s for s in self.services if s.name == "Follow-up"), None)
        if patient is None or practitioner is None or service is None:
            return
        if Appointment.objects.filter(
            patient=patient, status=Appointment.Status.BOOKED, start__gt=self.now
        ).exists():
            return
        weekdays = {wh.weekday for wh in WorkingHours.objects.filter(practitioner=practitioner)}
        day = after + timedelta(days=1)
        while weekdays and day.weekday() not in weekdays:
            day += timedelta(days=1)
        wanted = datetime.combine(day, time(10), tzinfo=self.tz)
        free = [
            s for s in self.free_slots(service, practitioner, day) if s.modality == Modality.CLINIC
        ]
        if free:
            slot = min(free, key=lambda s: abs(s.start - wanted))
            rng = random.Random(patient_email)  # noqa: S311 - the same invented demo every time
            self.visit_create(
                slot=slot, service=service, practitioner=practitioner, patient=patient, rng=rng
            )

    # --- after the fills ---------------------------------------------------------------

    def settle_passed(self) -> None:
        """Visits an earlier run booked whose time has now passed are marked as the front
        desk would have: attended, or now and then (OUTCOMES' share) not attended."""
        passed = (
            Appointment.objects.for_clinic(self.clinic)
            .filter(status=Appointment.Status.BOOKED, start__lte=self.now)
            .select_related("patient", "practitioner__user")
        )
        no_show = dict(OUTCOMES)[Appointment.Status.NO_SHOW]
        for appointment in passed:
            key = appointment.booking_request_id
            if key is None or key != demo_visit_key(appointment.patient, appointment.start):
                continue  # not the seed's
            missed = random.Random(str(key)).randrange(100) < no_show  # noqa: S311
            appointment_mark(
                appointment=appointment,
                status=Appointment.Status.NO_SHOW if missed else Appointment.Status.COMPLETED,
                by_user=appointment.practitioner.user,
                now=self.now,
            )

    def screening_flag_ensure(self) -> None:
        """One upcoming clinic visit whose patient answered yes to a question that flags
        the booking (an online booking when there is one), unless one is there already."""
        answered = BookingAnswers.objects.filter(appointment__practitioner__clinic=self.clinic)
        if any(row.flagged for row in answered):
            return
        answers = self._answers(flag=True)
        if not any(a["answer"] == "yes" for a in answers):
            return  # no question only flags
        upcoming = (
            Appointment.objects.for_clinic(self.clinic)
            .filter(status=Appointment.Status.BOOKED, start__gt=self.now, modality=Modality.CLINIC)
            .exclude(patient__email=DEMO_PATIENT_EMAIL)
            .order_by("start")
        )
        visit = upcoming.filter(source=Appointment.Source.ONLINE).first() or upcoming.first()
        if visit is not None:
            appointment_screening_save(appointment=visit, answers=answers)
