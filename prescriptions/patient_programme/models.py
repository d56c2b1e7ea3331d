"""Session logs: one session the patient did against one programme version, and an
entry per exercise (done, what was achieved, load, pain during, RPE)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from simple_history.models import HistoricalRecords

from bookings.models import Notification
from clinic.models import Patient, Practitioner, User
from prescriptions.programmes.models import (
    ITEM_RANGES,
    LOAD_KG_RANGE,
    PAIN_SCALE,
    ProgrammeItem,
    ProgrammeVersion,
    between,
)


class SessionLog(models.Model):
    """One session the patient did (or tried) of one programme version, on one day.

    `pain_flag` is the pain-monitoring rule (CLINICAL.md §4.3, dosing.pain_check): pain
    during above 5/10, or next-morning pain worse than before. It tells the patient to
    ease the load and shows the practitioner until they mark it reviewed.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client_id = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Made by the patient's phone when the session starts: a session sent "
        "twice (the network dropped, the page was sent again) is recorded once.",
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="session_logs")
    version = models.ForeignKey(
        ProgrammeVersion, on_delete=models.PROTECT, related_name="session_logs"
    )
    performed_on = models.DateField(help_text="The day, in the patient's time zone.")
    morning_pain = models.PositiveSmallIntegerField(
        "pain next morning", null=True, blank=True, help_text="0 to 10, logged the day after."
    )
    morning_pain_logged_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, help_text="The patient's own words.")
    pain_flag = models.BooleanField(default=False)
    pain_flag_reasons = models.JSONField(
        default=list, blank=True, help_text="dosing.PainCheck.reasons when flagged."
    )
    flag_reviewed_at = models.DateTimeField(null=True, blank=True)
    flag_reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["-performed_on", "-created_at"]
        indexes = [
            models.Index(fields=["patient", "performed_on"]),
            models.Index(fields=["version", "performed_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=between("morning_pain", PAIN_SCALE, nullable=True),
                name="session_log_morning_pain_range",
            ),
            models.CheckConstraint(
                condition=Q(morning_pain__isnull=True, morning_pain_logged_at__isnull=True)
                | Q(morning_pain__isnull=False, morning_pain_logged_at__isnull=False),
                name="session_log_morning_pain_time",
            ),
            models.CheckConstraint(
                condition=Q(flag_reviewed_at__isnull=True, flag_reviewed_by__isnull=True)
                | Q(pain_flag=True, flag_reviewed_at__isnull=False, flag_reviewed_by__isnull=False),
                name="session_log_review_needs_flag",
            ),
            models.CheckConstraint(
                condition=Q(pain_flag=True) | Q(pain_flag_reasons=[]),
                name="session_log_reasons_need_flag",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.code}"


class SessionLogEntry(models.Model):
    """What the patient did of one programme item in one session."""

    class Feel(models.TextChoices):
        TOO_EASY = "too_easy", "Too easy"
        ABOUT_RIGHT = "about_right", "About right"
        TOO_HARD = "too_hard", "Too hard"

    session = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ProgrammeItem, on_delete=models.PROTECT, related_name="log_entries")
    done = models.BooleanField()
    sets_done = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Sets completed (the session player's set counter)."
    )
    feel = models.CharField(
        max_length=12,
        choices=Feel.choices,
        blank=True,
        help_text="The patient's word on the dose (the session player): too easy, about "
        "right or too hard.",
    )
    reps = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Repetitions (or steps) achieved in the last set."
    )
    hold_seconds = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Seconds held (the last hold)."
    )
    distance_m = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Metres.")
    load_kg = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Kilograms used, when different from the prescription.",
    )
    pain_during = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Pain during the exercise, 0 to 10."
    )
    rpe = models.PositiveSmallIntegerField(
        "difficulty (RPE)", null=True, blank=True, help_text="0 (rest) to 10 (maximal)."
    )

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["session", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["session", "item"], name="session_entry_once"),
            models.CheckConstraint(
                condition=between("pain_during", PAIN_SCALE, nullable=True),
                name="session_entry_pain_range",
            ),
            models.CheckConstraint(
                condition=between("rpe", PAIN_SCALE, nullable=True),
                name="session_entry_rpe_range",
            ),
            models.CheckConstraint(
                condition=between("reps", ITEM_RANGES["reps"], nullable=True)
                & between("hold_seconds", (1, 3600), nullable=True)
                & between("distance_m", (1, 10000), nullable=True)
                & between("load_kg", LOAD_KG_RANGE, nullable=True)
                & between("sets_done", ITEM_RANGES["sets"], nullable=True),
                name="session_entry_values_range",
            ),
            models.CheckConstraint(
                condition=Q(done=True)
                | Q(
                    reps__isnull=True,
                    hold_seconds__isnull=True,
                    distance_m__isnull=True,
                    load_kg__isnull=True,
                    sets_done__isnull=True,
                ),
                name="session_entry_skipped_has_no_values",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.item_id}"


class PainFlag(models.Model):
    """One pain flag the pain-monitoring rule raised on a session (CLINICAL.md §8.3): pain
    during above the limit when the session is logged, or next-morning pain above the
    baseline when that comes in. Created once per session and kind (the unique constraint),
    and with it one email to the treating practitioner (`notification`). It shows on the
    patient's staff page and beside their next visit until a practitioner marks it seen.
    """

    class Kind(models.TextChoices):
        DURING = "during", "Pain during the session"
        MORNING = "morning", "Pain the next morning"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="pain_flags",
        help_text="The treating practitioner, told by email.",
    )
    notification = models.OneToOneField(
        Notification,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pain_flag",
        help_text="The email to the practitioner (the outbox row).",
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    record_history = HistoricalRecords()  # who marked it seen, and when

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "kind"], name="pain_flag_once"),
            models.CheckConstraint(
                condition=Q(seen_at__isnull=True, seen_by__isnull=True)
                | Q(seen_at__isnull=False, seen_by__isnull=False),
                name="pain_flag_seen_by_whom",
            ),
        ]
        indexes = [models.Index(fields=["seen_at"], name="pain_flag_open")]

    def __str__(self) -> str:
        return f"Pain flag {self.code}"
