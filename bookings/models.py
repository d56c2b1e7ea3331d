"""Booking models: services, working hours, time off, screening questions, appointments."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.functional import cached_property

from bookings.constraints import PatientOverlapConstraint, PortableExclusionConstraint
from clinic.lib.time import zone_label
from clinic.models import Clinic, Location, Patient, Practitioner, User


class Modality(models.TextChoices):
    CLINIC = "clinic", "In clinic"
    TELEHEALTH = "telehealth", "Telehealth (video)"


class Service(models.Model):
    """An appointment type that patients or staff can book."""

    class Modalities(models.TextChoices):
        CLINIC = "clinic", "In clinic only"
        TELEHEALTH = "telehealth", "Telehealth only"
        BOTH = "both", "In clinic or telehealth"

    class Audience(models.TextChoices):
        ANY = "any", "New and returning patients"
        NEW = "new", "New patients"
        RETURNING = "returning", "Returning patients"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)],
        help_text="Length of the visit, in minutes.",
    )
    buffer_after_minutes = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(120)],
        help_text="Time kept free after the visit (notes, cleaning), in minutes.",
    )
    modalities = models.CharField(
        max_length=12, choices=Modalities.choices, default=Modalities.BOTH
    )
    price = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="What the patient pays, in Australian dollars including GST; empty: no "
        "price is shown.",
    )
    bookable_online = models.BooleanField(default=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.ANY)
    practitioners = models.ManyToManyField(Practitioner, blank=True, related_name="services")
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="service_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="service_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)

    def allowed_modalities(self) -> list[str]:
        if self.modalities == self.Modalities.BOTH:
            return [Modality.CLINIC, Modality.TELEHEALTH]
        return [self.modalities]


class WorkingHours(models.Model):
    """A weekly block of working time at a location, in the location's local time.

    A practitioner may have several blocks a day. The optional break is time inside the
    block that is not bookable (for example lunch).
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="working_hours"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    break_start = models.TimeField(null=True, blank=True)
    break_end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["practitioner", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="hours_positive"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_range"),
            models.CheckConstraint(
                condition=(Q(break_start__isnull=True) & Q(break_end__isnull=True))
                | (
                    Q(break_start__gte=F("start_time"))
                    & Q(break_end__gt=F("break_start"))
                    & Q(break_end__lte=F("end_time"))
                ),
                name="hours_break_inside",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.get_weekday_display()} {self.start_time}-{self.end_time}"


class TimeOff(models.Model):
    """A stretch of time when a practitioner cannot be booked (leave, training)."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="timeoff_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} off {timezone.localtime(self.start):%Y-%m-%d %H:%M}"


class Closure(models.Model):
    """A day, or part of one, when the clinic's own decision closes a location (or every
    location): no slot that overlaps it is offered or booked. Times are wall-clock times
    in the location's zone; no times means the whole day."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="closures")
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        help_text="Empty: every location of the clinic.",
    )
    date = models.DateField()
    start_time = models.TimeField(
        null=True, blank=True, help_text="Closed from this time (empty: the whole day)."
    )
    end_time = models.TimeField(
        null=True, blank=True, help_text="Closed until this time (empty: the whole day)."
    )
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["clinic", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start_time__isnull=True) & Q(end_time__isnull=True))
                | (
                    Q(start_time__isnull=False)
                    & Q(end_time__isnull=False)
                    & Q(end_time__gt=F("start_time"))
                ),
                name="closure_whole_day_or_positive_part",
            ),
        ]

    def __str__(self) -> str:
        return f"Closed {self.date:%Y-%m-%d}: {self.reason}"

    @property
    def is_whole_day(self) -> bool:
        return self.start_time is None


class HolidayOptOut(models.Model):
    """The clinic opens on a public holiday: at one location, or at every location when
    `location` is empty."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="holiday_opt_outs")
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="holiday_opt_outs",
        help_text="Empty: every location of the clinic.",
    )
    date = models.DateField(help_text="The public holiday the clinic opens on.")
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "public holiday opened"
        verbose_name_plural = "public holidays opened"
        constraints = [
            models.UniqueConstraint(
                fields=["location", "date"],
                condition=Q(location__isnull=False),
                name="holiday_opt_out_once_per_location",
            ),
            models.UniqueConstraint(
                fields=["clinic", "date"],
                condition=Q(location__isnull=True),
                name="holiday_opt_out_once_per_clinic",
            ),
        ]

    def __str__(self) -> str:
        return f"Open on {self.date:%Y-%m-%d}"


class ScreeningQuestion(models.Model):
    """A pre-visit health screening question asked before an in-clinic visit. A "yes"
    either stops the online booking (the person is kept as an enquiry the clinic calls
    back) or lets it go ahead and flags the answer for the clinician; the question says
    which to the person answering."""

    class OnYes(models.TextChoices):
        BLOCK = "block", "Stops online booking: the clinic calls back"
        FLAG = "flag", "Booking goes ahead: flagged for the clinician"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="screening_questions")
    text = models.CharField(max_length=300)
    on_yes = models.CharField("a yes", max_length=5, choices=OnYes.choices, default=OnYes.BLOCK)
    display_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_yes__in=["block", "flag"]), name="screening_question_on_yes_valid"
            )
        ]

    def __str__(self) -> str:
        return self.text


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def active(self) -> AppointmentQuerySet:
        """Appointments that hold the practitioner's time (everything but cancelled)."""
        return self.exclude(status=Appointment.Status.CANCELLED)

    def for_clinic(self, clinic: Clinic) -> AppointmentQuerySet:
        return self.filter(practitioner__clinic=clinic)


ARRIVAL_WINDOW = timedelta(hours=1)
"""Reception may mark a patient arrived this long before their visit starts."""


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Attended"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "Did not attend"
        HELD = "held", "Held for the waitlist"

    class Source(models.TextChoices):
        ONLINE = "online", "Online"
        STAFF = "staff", "Staff"
        API = "api", "API"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="appointments"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    modality = models.CharField(max_length=12, choices=Modality.choices)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    start = models.DateTimeField(help_text="Start of the visit (aware, stored in UTC).")
    end = models.DateTimeField(help_text="End of the visit (aware, stored in UTC).")
    blocked_until = models.DateTimeField(
        help_text="End of the visit plus the service's buffer: the practitioner's time is "
        "held from start to here. Stored, because timestamptz + interval is not immutable."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ONLINE)
    booked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    telehealth_url = models.URLField(blank=True, max_length=300)
    cancelled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=500, blank=True)
    sequence = models.PositiveIntegerField(
        default=0, help_text="iCalendar SEQUENCE: bumped on every reschedule."
    )
    booking_request_id = models.UUIDField(
        null=True, blank=True, unique=True, help_text="Client idempotency key."
    )
    booking_request_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the booking the idempotency key was first used for.",
    )
    patient_overlap_ok = models.BooleanField(
        default=False,
        help_text="Staff booked it knowing the patient has another visit at the same time.",
    )
    hold_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A held time (offered to the waitlist) is released at this moment.",
    )
    referral = models.ForeignKey(
        "clinic.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        help_text="The referral the visit is funded under; empty: not funded by one.",
    )
    funding_reason = models.CharField(
        max_length=500,
        blank=True,
        help_text="Why staff booked it although the referral was used up, had ended or "
        "the visit was shorter than the funder's minimum.",
    )
    series = models.UUIDField(
        null=True,
        blank=True,
        db_index=True,
        help_text="Shared by the visits of a recurring block, booked together.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["practitioner", "start"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appt_positive_length"),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=F("end")), name="appt_blocked_covers_visit"
            ),
            models.CheckConstraint(
                condition=Q(modality="telehealth") | Q(location__isnull=False),
                name="appt_clinic_visit_has_location",
            ),
            models.CheckConstraint(
                condition=Q(status="held", hold_expires_at__isnull=False)
                | (~Q(status="held") & Q(hold_expires_at__isnull=True)),
                name="appt_hold_has_expiry",
            ),
            # No double booking, ever: a practitioner's held time ranges never overlap
            # among appointments that are not cancelled. A deny-list condition, so that a
            # status added later blocks time by default (reliability.md A.3).
            PortableExclusionConstraint(
                name="appt_no_overlap_per_practitioner",
                expressions=[
                    (TsTzRange("start", "blocked_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("practitioner", RangeOperators.EQUAL),
                ],
                condition=~Q(status="cancelled"),
                violation_error_message="That time overlaps another appointment.",
            ),
            # One person, one place at a time, whoever the practitioners are; staff may
            # book an overlap knowingly (patient_overlap_ok), which the rule then skips.
            PatientOverlapConstraint(
                name="appt_no_overlap_per_patient",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("patient", RangeOperators.EQUAL),
                ],
                condition=~Q(status="cancelled") & Q(patient_overlap_ok=False),
                violation_error_message="The patient already has a visit at that time.",
            ),
        ]

    def __str__(self) -> str:
        local = self.start.astimezone(self.tz)
        return f"{self.service} {local:%Y-%m-%d %H:%M} {zone_label(self.tz)} time"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    @cached_property
    def tz(self) -> ZoneInfo:
        """The zone the visit's times are shown in: its location's, else (telehealth
        without a location) the clinic's. Booking sets it from the slot, which knows."""
        if self.location_id is not None and self.location is not None:
            return self.location.tz
        return self.practitioner.clinic.tz


class Notification(models.Model):
    """One email to a patient, planned as a row before it is sent: the outbox.

    Rows are written in the same transaction as the booking change that causes them, so a
    message exists exactly when the change commits. A sweep every minute hands due rows to
    the worker; the status column makes each send happen once (bookings/notifications.py).
    No message content is stored: it is rendered from the appointment when sent.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        RESCHEDULE = "reschedule", "Reschedule notice"
        CANCELLATION = "cancellation", "Cancellation notice"
        REMINDER = "reminder", "Reminder"
        PROGRAMME_READY = "programme_ready", "Programme ready"
        WAITLIST_OFFER = "waitlist_offer", "Earlier time offered"
        LETTER = "letter", "Letter to a practitioner"
        PAIN_FLAG = "pain_flag", "Pain flag for the practitioner"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    class Status(models.TextChoices):
        PENDING = "pending", "Planned"
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        VOID = "void", "Not sent"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="notifications")
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        help_text="Empty for messages about something else (a programme that is ready).",
    )
    recipient = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="A member of staff the message is for (a pain flag goes to the treating "
        "practitioner); empty for a message to the patient.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(
        max_length=5,
        choices=Channel.choices,
        default=Channel.EMAIL,
        help_text="How it goes out. Only reminders go by text message.",
    )
    lead_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Reminders: how long before the visit, in minutes."
    )
    due_at = models.DateTimeField(help_text="When the message should go out (UTC).")
    appointment_start_snapshot = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The visit's start when this was planned; a reminder for another start "
        "is void (the visit was moved).",
    )
    context = models.JSONField(
        default=dict,
        blank=True,
        help_text="Ids and paths for messages that are not about an appointment; never "
        "patient details.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker has tried to send it."
    )
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was last handed to, or taken by, a worker."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why the last attempt failed, or why it was not sent (no addresses).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="notification_status_due")]
        constraints = [
            # Planning twice is harmless: one row per appointment, kind, channel and time.
            models.UniqueConstraint(
                fields=["appointment", "kind", "channel", "due_at"],
                name="notification_once_per_time",
            ),
            models.CheckConstraint(
                condition=Q(channel="email") | Q(channel="sms", kind="reminder"),
                name="notification_sms_reminders_only",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reminder") | Q(lead_minutes__isnull=False),
                name="notification_reminder_has_lead",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["programme_ready", "letter", "pain_flag"])
                | Q(appointment__isnull=False),
                name="notification_appointment_kinds",
            ),
            # Staff messages go to their recipient, patient messages to the patient.
            models.CheckConstraint(
                condition=Q(kind="pain_flag", recipient__isnull=False)
                | (~Q(kind="pain_flag") & Q(recipient__isnull=True)),
                name="notification_recipient_for_staff_kinds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        """Not finished: it may still be sent."""
        return self.status in OPEN_STATUSES


OPEN_STATUSES = (
    Notification.Status.PENDING,
    Notification.Status.QUEUED,
    Notification.Status.SENDING,
)


class BookingAnswers(models.Model):
    """The booking's health questions as asked and answered, kept with the appointment
    (a row of its own: the email outbox reads appointments with raw SQL, column for
    column, and a JSON column would need converting)."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="booking_answers"
    )
    answers = models.JSONField(
        help_text='[{"question": text, "answer": "yes" or "no", "on_yes": "block" or "flag"}]'
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Answers for {self.appointment_id}"

    @property
    def flagged(self) -> list[str]:
        return [a["question"] for a in self.answers if a.get("answer") == "yes"]


class ScreeningEnquiry(models.Model):
    """Someone whose answer to a booking health question stopped the online booking: kept
    so the clinic can call them back. Written by bookings/screening.py only."""

    class Status(models.TextChoices):
        OPEN = "open", "To call back"
        DONE = "done", "Called back"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wanted_start = models.DateTimeField(null=True, blank=True, help_text="The time they chose.")
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="enquiries"
    )
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    answers = models.JSONField(default=list, help_text="As on BookingAnswers, every question.")
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.OPEN)
    handled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "done"]), name="screening_enquiry_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="open", handled_at__isnull=True)
                | Q(status="done", handled_at__isnull=False),
                name="screening_enquiry_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Enquiry {self.code}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def stopped_by(self) -> list[str]:
        return [a["question"] for a in self.answers if a.get("answer") == "yes"]


class WaitlistEntry(models.Model):
    """A patient with a booked visit who would take an earlier time (bookings/waitlist.py).

    The first on the list (oldest entry) is offered a matching free time first; while the
    offer is open the time is held for them, then it goes to the next."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a time"
        DONE = "done", "Moved to an earlier time"
        LEFT = "left", "Left the waitlist"

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    any_practitioner = models.BooleanField(
        default=False, help_text="Any practitioner who offers the service, not only theirs."
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_one_open_entry_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist entry {self.pk} ({self.status})"


class WaitlistOffer(models.Model):
    """One earlier time offered to one waitlist entry, held for them until `expires_at`.

    The hold is an appointment row with status "held": the database's no-overlap
    constraint keeps everyone else off the time while the offer is open."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        TAKEN = "taken", "Taken"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        VOID = "void", "No longer possible"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    hold = models.OneToOneField(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_offer",
    )
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # A time is offered to an entry at most once: a declined or lapsed offer goes
            # to the next person, never back to the same one.
            models.UniqueConstraint(
                fields=["entry", "practitioner", "start"], name="waitlist_offer_once_per_time"
            ),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="open"), name="waitlist_one_open_offer"
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist offer {self.code} ({self.status})"
