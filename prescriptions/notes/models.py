"""Treatment notes, their addenda, the clinic's note templates and settings, and goals.

A `TreatmentNote` is the record of one visit (one per `bookings.Appointment`) in SOAP
form (CLINICAL.md §18.1): the visit's start and end, its mode, subjective, objective,
assessment and plan, and what the app pulled in from the record when the note was started
or refreshed (programme changes since the previous note, pain and outcome figures, the
active goals), frozen as text so a signed note says what its author saw. A note is signed
by its author; the database refuses a signed note without its signer and time, and the
services refuse every change to it: corrections are `NoteAddendum` rows (author and time),
and every change of every row keeps its history.

A `Goal` is one SMART goal of a patient (§18.2): the activity in the patient's words,
linked where it fits to an outcome measure (and for the PSFS to one of its activities by
id), baseline and target, target date, why it matters, and a status with its date.

Written only by prescriptions/notes/services.py.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from simple_history.models import HistoricalRecords

from clinic.models import Clinic, Patient, Practitioner, User


class NoteSettings(models.Model):
    """What the clinic shows its patients online (no row = the defaults)."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="note_settings")
    notes_visible_to_patient = models.BooleanField(
        "show signed treatment notes to patients",
        default=False,
        help_text="Patients read their signed notes, with addenda, on their own pages.",
    )
    goals_visible_to_patient = models.BooleanField(
        "show goals to patients",
        default=True,
        help_text="Patients see their goals and how they are going on their own pages.",
    )
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    record_history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "note settings"

    def __str__(self) -> str:
        return f"Note settings of {self.clinic}"


class NoteTemplate(models.Model):
    """A clinic's starting text for the four parts of a note."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="note_templates")
    name = models.CharField(max_length=120)
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    record_history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="note_template_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="note_template_has_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TreatmentNote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video"
        PHONE = "phone", "Phone"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatment_notes")
    appointment = models.OneToOneField(
        "bookings.Appointment", on_delete=models.PROTECT, related_name="treatment_note"
    )
    author = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="treatment_notes",
        help_text="The practitioner who saw the patient and signs the note.",
    )
    started_at = models.DateTimeField(help_text="When the visit started (aware, UTC).")
    ended_at = models.DateTimeField(help_text="When the visit ended (aware, UTC).")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    subjective = models.TextField(
        blank=True, help_text="The patient's report: pain with context, response to load."
    )
    objective = models.TextField(blank=True, help_text="Tests performed, exercises delivered.")
    assessment = models.TextField(blank=True, help_text="Interpretation against the baseline.")
    plan = models.TextField(blank=True, help_text="Next session, home programme, follow-up.")
    programme_changes = models.JSONField(
        default=list,
        blank=True,
        help_text="Programme versions published since the previous note, as shown.",
    )
    figures = models.JSONField(
        default=list,
        blank=True,
        help_text="Pain and outcome-measure figures from the record, as shown.",
    )
    goal_progress = models.JSONField(
        default=list, blank=True, help_text="The active goals and their progress, as shown."
    )
    started_from = models.CharField(
        max_length=200, blank=True, help_text="The previous note or template it started from."
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(
        default=0, help_text="Bumped by every saved change; stops two editors overwriting."
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["patient", "started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "signed"]), name="treatment_note_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True, signed_by__isnull=True)
                | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False),
                name="treatment_note_signed_has_signer",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__gt=F("started_at")), name="treatment_note_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=["in_person", "video", "phone"]),
                name="treatment_note_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Treatment note {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("prescriptions:note-detail", args=[self.code])

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def minutes(self) -> int:
        return int((self.ended_at - self.started_at).total_seconds() // 60)


class NoteAddendum(models.Model):
    """A later addition to, or correction of, a signed note. Never changed once written."""

    class Kind(models.TextChoices):
        ADDENDUM = "addendum", "Addendum"
        CORRECTION = "correction", "Correction"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    note = models.ForeignKey(TreatmentNote, on_delete=models.PROTECT, related_name="addenda")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ADDENDUM)
    text = models.TextField()
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    record_history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "note addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="note_addendum_has_text"),
            models.CheckConstraint(
                condition=Q(kind__in=["addendum", "correction"]), name="note_addendum_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class Goal(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        PROGRESSING = "progressing", "Progressing"
        ACHIEVED = "achieved", "Achieved"
        REVISED = "revised", "Revised"
        ABANDONED = "abandoned", "Abandoned"

    ACTIVE = (Status.NOT_STARTED, Status.PROGRESSING, Status.REVISED)
    """Statuses of a goal still being worked towards."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="goals")
    activity = models.CharField(
        "specific activity", max_length=300, help_text="In the patient's own words."
    )
    measure = models.CharField(
        "outcome measure",
        max_length=20,
        blank=True,
        help_text="The outcome measure it is measured on (outcomes.INSTRUMENTS code), if any.",
    )
    psfs_activity_id = models.CharField(
        "PSFS activity",
        max_length=64,
        blank=True,
        help_text="The PSFS activity's stable id, for a goal on one PSFS activity.",
    )
    psfs_activity_text = models.CharField(max_length=300, blank=True)
    baseline = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="In the measure's units."
    )
    target = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="In the measure's units."
    )
    target_date = models.DateField()
    why = models.TextField("why it matters", help_text="Why it matters to the patient.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    status_on = models.DateField(help_text="The day the status was set, in the clinic's zone.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    record_history = HistoricalRecords()

    class Meta:
        ordering = ["target_date", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["not_started", "progressing", "achieved", "revised", "abandoned"]
                ),
                name="goal_status_valid",
            ),
            models.CheckConstraint(condition=~Q(activity=""), name="goal_has_activity"),
            models.CheckConstraint(condition=~Q(why=""), name="goal_has_why"),
            models.CheckConstraint(
                condition=Q(psfs_activity_id="") | Q(measure="PSFS"),
                name="goal_psfs_activity_only_for_psfs",
            ),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True, target__isnull=True)
                | Q(baseline__isnull=False, target__isnull=False),
                name="goal_baseline_and_target_together",
            ),
        ]

    def __str__(self) -> str:
        return f"Goal {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("prescriptions:goal-edit", args=[self.code])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
