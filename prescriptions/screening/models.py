"""Pre-exercise screening: the APSS stage 1 (CLINICAL.md §5.1), stored per patient with its
date. Each screening is a new row; the latest one counts. Written only by
prescriptions/screening/services.py.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from clinic.models import Clinic, Patient, User
from prescriptions.screening import apss as screening

ACTIVITY_FIELDS = tuple(
    f"{intensity}_{what}"
    for intensity, _ in screening.INTENSITIES
    for what in ("sessions", "minutes")
)


class PreExerciseScreening(models.Model):
    class Source(models.TextChoices):
        STAFF = "staff", "Recorded by staff"
        ONLINE = "online", "Completed online by the patient"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    screened_on = models.DateField(help_text="The day the patient answered, clinic's zone.")
    answers = models.JSONField(
        help_text="The 6 yes/no health questions in order (true = yes).",
    )
    any_yes = models.BooleanField(help_text="Any yes: seek guidance before exercise.")
    light_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    light_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes a week."
    )
    moderate_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    moderate_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes a week."
    )
    vigorous_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    vigorous_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes a week."
    )
    weighted_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Light + moderate + 2 x vigorous minutes a week; empty if not answered.",
    )
    notes = models.TextField(
        blank=True, help_text="What was advised or done about a yes (e.g. GP letter on file)."
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    wording = models.CharField(max_length=300, help_text="The wording the questions were asked in.")
    appointment = models.ForeignKey(
        "bookings.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-screened_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "screened_on"])]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | Q(
                        **{
                            f"{name}__lte": screening.MINUTES_MAX
                            if name.endswith("minutes")
                            else screening.SESSIONS_MAX
                        }
                    ),
                    name=f"screening_{name}_range",
                )
                for name in ACTIVITY_FIELDS
            ],
        ]

    def __str__(self) -> str:
        return f"Screening {self.screened_on}"

    @property
    def yes_questions(self) -> list[screening.Question]:
        return screening.yes_questions(self.answers)

    @property
    def advice(self) -> str:
        return screening.advice(self.answers)

    @property
    def activity_advice(self) -> str:
        if self.weighted_minutes is None:
            return ""
        return screening.activity_advice(self.weighted_minutes)
