"""Clinic-wide models: users, clinics, locations, practitioners and patients."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse


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
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

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


class Location(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=120)
    address = models.TextField()
    directions = models.TextField(blank=True)
    parking = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
    locations = models.ManyToManyField(Location, blank=True, related_name="practitioners")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                "clinic", Lower("email"), name="patient_email_per_clinic_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("bookings:staff-patient-detail", args=[self.code])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
