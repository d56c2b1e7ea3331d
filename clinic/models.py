"""Clinic-wide models: users, clinics, locations, practitioners and patients; the
append-only record access log and patients' account deletion requests."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from clinic.lib.text import BIDI_CONTROLS


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone.")


MAX_REMINDER_LEADS = 4
MAX_REMINDER_LEAD_HOURS = 14 * 24


def parse_reminder_lead_hours(value: str) -> list[int]:
    """Reminder lead times written as comma-separated whole hours ("24, 2"), as minutes,
    longest first and without repeats. Raises ValueError for anything else."""
    hours: set[int] = set()
    for part in value.split(","):
        part = part.strip().lower().removesuffix("h").strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= MAX_REMINDER_LEAD_HOURS:
            raise ValueError(part)
        hours.add(int(part))
    if len(hours) > MAX_REMINDER_LEADS:
        raise ValueError(value)
    return sorted((h * 60 for h in hours), reverse=True)


def validate_reminder_lead_hours(value: str) -> None:
    try:
        parse_reminder_lead_hours(value)
    except ValueError:
        raise ValidationError(
            f"Enter up to {MAX_REMINDER_LEADS} whole numbers of hours between 1 and "
            f"{MAX_REMINDER_LEAD_HOURS}, separated by commas, for example 24, 2."
        ) from None


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", User.Role.CLINIC_ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in. Logs in with their email address; there is no username."""

    class Role(models.TextChoices):
        PATIENT = "patient", "Patient"
        PRACTITIONER = "practitioner", "Practitioner"
        RECEPTION = "reception", "Reception"
        CLINIC_ADMIN = "clinic_admin", "Clinic admin"

    username = None  # type: ignore[assignment]
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT)
    clinic = models.ForeignKey(
        "clinic.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="The clinic a staff member works for. Empty for patients.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # AbstractUser types its manager as auth's UserManager, whose create_user takes a
    # username; ours takes the email address instead.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_clinic_staff(self) -> bool:
        return self.is_active and self.role in {
            self.Role.PRACTITIONER,
            self.Role.RECEPTION,
            self.Role.CLINIC_ADMIN,
        }


class Clinic(models.Model):
    """A clinic: its time zone and its booking rules."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    timezone = models.CharField(
        max_length=64, default="Australia/Sydney", validators=[validate_timezone]
    )
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    cancellation_notice_hours = models.PositiveIntegerField(
        default=24,
        help_text="Patients may cancel or reschedule online up to this many hours before.",
    )
    min_booking_notice_minutes = models.PositiveIntegerField(
        default=120, help_text="The earliest a patient may book, in minutes from now."
    )
    booking_horizon_days = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How many days ahead patients may book.",
    )
    slot_step_minutes = models.PositiveIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(60)],
        help_text="Start times are offered on this grid, in minutes.",
    )
    reminder_lead_hours = models.CharField(
        "reminder times",
        max_length=40,
        blank=True,
        default="24, 2",
        validators=[validate_reminder_lead_hours],
        help_text="When patients get reminder emails, in hours before the visit, separated "
        "by commas (for example 24, 2). Whole days (24, 48...) mean the same time of day "
        "that many days before, even across a daylight-saving change. Leave empty for "
        "no reminders.",
    )
    record_retention_years = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="How many years clinical records of an adult are kept after the patient "
        "asks for their account to be deleted (7 in NSW and Victoria).",
    )
    minor_retention_until_age = models.PositiveSmallIntegerField(
        default=25,
        validators=[MinValueValidator(18), MaxValueValidator(100)],
        help_text="Records of someone who was under 18 are kept at least until they turn "
        "this age (25 in NSW and Victoria), if that is later.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_step_minutes__gte=5, slot_step_minutes__lte=60),
                name="clinic_slot_step_range",
            ),
            models.CheckConstraint(
                condition=models.Q(booking_horizon_days__gte=1, booking_horizon_days__lte=365),
                name="clinic_horizon_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def reminder_leads_minutes(self) -> list[int]:
        """The reminder lead times in minutes, longest first (none if misconfigured)."""
        try:
            return parse_reminder_lead_hours(self.reminder_lead_hours)
        except ValueError:
            return []


class AustralianState(models.TextChoices):
    """States and territories, as the `holidays` package names their subdivisions."""

    ACT = "ACT", "Australian Capital Territory"
    NSW = "NSW", "New South Wales"
    NT = "NT", "Northern Territory"
    QLD = "QLD", "Queensland"
    SA = "SA", "South Australia"
    TAS = "TAS", "Tasmania"
    VIC = "VIC", "Victoria"
    WA = "WA", "Western Australia"


class Location(models.Model):
    """Rooms where patients are seen: their own time zone (working hours, slots and the
    times in emails are read in it) and the state whose public holidays close them."""

    class Country(models.TextChoices):
        AUSTRALIA = "AU", "Australia"

    State = AustralianState

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=120)
    address = models.TextField()
    phone = models.CharField(
        max_length=30, blank=True, help_text="These rooms' own number; empty: the clinic's."
    )
    directions = models.TextField(blank=True)
    parking = models.TextField(blank=True)
    timezone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="The IANA time zone of these rooms, for example Australia/Perth. Left "
        "empty, the clinic's zone is filled in.",
    )
    country = models.CharField(max_length=2, choices=Country.choices, default=Country.AUSTRALIA)
    state = models.CharField(
        "state or territory",
        max_length=3,
        choices=State.choices,
        blank=True,
        help_text="Whose public holidays close these rooms. Left empty, only the national ones do.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(country="AU"),
                name="location_country_known",
            ),
            models.CheckConstraint(
                condition=Q(state="") | Q(state__in=AustralianState.values),
                name="location_state_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.timezone and self.clinic_id is not None:
            self.timezone = self.clinic.timezone
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The location's zone (the clinic's for a row saved without one)."""
        return zoneinfo.ZoneInfo(self.timezone) if self.timezone else self.clinic.tz


class Practitioner(models.Model):
    class Profession(models.TextChoices):
        EXERCISE_PHYSIOLOGIST = "ep", "Exercise physiologist"
        PHYSIOTHERAPIST = "physio", "Physiotherapist"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="practitioner")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="practitioners")
    display_name = models.CharField(max_length=120)
    profession = models.CharField(max_length=10, choices=Profession.choices)
    bio = models.TextField(blank=True)
    provider_number = models.CharField(
        "Medicare provider number",
        max_length=12,
        blank=True,
        help_text="Printed on letters and reports under the signature, and on the "
        "funded-services export (for example 2123456A).",
    )
    locations = models.ManyToManyField(Location, blank=True, related_name="practitioners")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


def _no_bidi_controls(field: str) -> Q:
    found = Q()
    for ch in sorted(BIDI_CONTROLS):
        found |= Q(**{f"{field}__contains": ch})
    return ~found


class Patient(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="patient"
    )
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=30)
    email = models.EmailField()
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="The patient's own time zone, when known (telehealth times are shown in it).",
    )
    reminders_opt_out = models.BooleanField(default=False)

    class ReminderChannel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"
        BOTH = "both", "Both"

    reminder_channel = models.CharField(
        max_length=5,
        choices=ReminderChannel.choices,
        default=ReminderChannel.EMAIL,
        help_text="How reminders reach the patient. Text messages need an Australian "
        "mobile number; without one, reminders go by email.",
    )
    possible_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="possible_duplicates",
        help_text="Made by an online booking with this record's email address, by someone "
        "who has not shown they own it: kept apart until they confirm from the email, or "
        "staff join the two.",
    )
    duplicate_joined_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When this possible duplicate was joined into the record it duplicated: "
        "its visits and records moved there; it stays, empty, for the access log.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            # An account deleted at the patient's request leaves the email empty; a
            # possible duplicate shares its original's address until it is joined to it.
            models.UniqueConstraint(
                "clinic",
                Lower("email"),
                name="patient_email_per_clinic_unique",
                condition=~Q(email="") & Q(possible_duplicate_of__isnull=True),
            ),
            # Names never hold characters that reorder the text around them (the forms
            # and the API remove them: clinic.lib.text).
            models.CheckConstraint(
                condition=_no_bidi_controls("first_name") & _no_bidi_controls("last_name"),
                name="patient_name_no_bidi_controls",
            ),
            models.CheckConstraint(
                condition=Q(reminder_channel__in=["email", "sms", "both"]),
                name="patient_reminder_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("bookings:staff-patient-detail", args=[self.code])

    @property
    def unjoined_duplicates(self) -> QuerySet[Patient]:
        """Possible duplicates of this record that nobody has joined into it yet."""
        return self.possible_duplicates.filter(duplicate_joined_at__isnull=True)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class AppendOnlyError(Exception):
    """An attempt to change or delete a row of an append-only table."""


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    """Rows can be added and read, never changed or removed (PostgreSQL refuses too)."""

    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("The access log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The access log is append-only.")

    def bulk_update(self, *args: object, **kwargs: object) -> int:
        raise AppendOnlyError("The access log is append-only.")


class AccessLog(models.Model):
    """One look at, change to, export or print of a clinical record: who, in which role,
    what, whose, when and from where. Written by clinic.audit.access_log_record only.

    Append-only twice over: the model and its queryset refuse updates and deletes, and on
    PostgreSQL a trigger (migration 0003) refuses UPDATE and DELETE whatever the code path.
    Foreign keys PROTECT, so deleting a user, patient or clinic cannot rewrite history.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CHANGE = "change", "Changed"
        EXPORT = "export", "Exported"
        PRINT = "print", "Printed"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who; empty for someone using a signed link without logging in.",
    )
    role = models.CharField(
        max_length=20, blank=True, help_text="The user's role at the time (User.Role)."
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    record_type = models.CharField(
        max_length=60, help_text="The record's model, for example prescriptions.assessment."
    )
    record_code = models.UUIDField(null=True, blank=True, help_text="The record's UUID code.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "record access"
        verbose_name_plural = "record access log"
        indexes = [
            models.Index(fields=["patient", "at"], name="accesslog_patient_at"),
            models.Index(fields=["clinic", "user", "at"], name="accesslog_clinic_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.record_type} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The access log is append-only.")


class DeletionRequest(models.Model):
    """A patient asked for their account to be deleted, and it was done at once
    (clinic.deletion.patient_deletion_request): the login is closed and contact details,
    sessions, devices and preferences are gone; clinical records stay until
    `retain_until`, the clinic's retention period."""

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="deletion_request"
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    retain_until = models.DateField(
        help_text="Clinical records are kept until this day, then may be destroyed or "
        "de-identified (APP 11.2)."
    )
    cancelled_appointments = models.PositiveIntegerField(
        default=0, help_text="Upcoming visits cancelled with the account."
    )

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Deletion request for patient {self.patient_id}"


# Referrals live in their own package; imported here so Django registers their models.
from clinic.referrals.models import OutsideServices as OutsideServices  # noqa: E402
from clinic.referrals.models import Referral as Referral  # noqa: E402
from clinic.referrals.models import ReferralReport as ReferralReport  # noqa: E402
from clinic.referrals.models import Referrer as Referrer  # noqa: E402
