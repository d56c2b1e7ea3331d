"""Outcome measures: the wording a clinic has licensed, and patients' responses.

`InstrumentText` holds item text and instructions the clinic admin loads in the Django
admin, with where it came from and under what licence (CLINICAL.md §2.9). Without a loaded
text a measure is entered by staff by item number only; with one, patients can complete it
online before a visit.

`OutcomeResponse` is one completed (or partly completed) measure: the answers in item order
as `prescriptions.outcomes.score` takes them, and the score it gave. It belongs to the
patient, and to an assessment once a clinician enters it there or attaches one the patient
completed online. The services in prescriptions/outcomes/services.py are the only writers.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from simple_history.models import HistoricalRecords

from clinic.models import Clinic, Patient, User
from prescriptions.assessments.models import Assessment
from prescriptions.outcomes import instruments
from prescriptions.outcomes import scoring as outcomes

MEASURE_CHOICES = [(code, f"{code}: {i.name}") for code, i in outcomes.INSTRUMENTS.items()]
TEXT_CHOICES = [*MEASURE_CHOICES, (instruments.APSS, "APSS: Adult Pre-exercise Screening System")]


class InstrumentTextQuerySet(models.QuerySet["InstrumentText"]):
    def usable(self, on: date) -> InstrumentTextQuerySet:
        """Active, with a licence that has not run out by `on`."""
        return self.filter(is_active=True).filter(
            Q(licence_expires_on__isnull=True) | Q(licence_expires_on__gte=on)
        )


class InstrumentText(models.Model):
    """Licensed wording of one instrument for one clinic (one active version at a time)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="instrument_texts")
    code = models.CharField("instrument", max_length=10, choices=TEXT_CHOICES)
    title = models.CharField(max_length=200, help_text="As the patient should see it.")
    version = models.CharField(
        max_length=80, help_text="The form's version and language, e.g. 'English 2015'."
    )
    instructions = models.TextField(
        help_text="Shown before the items. For the APSS include its disclaimer, unaltered."
    )
    items = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            'A list, in item order: [{"number": 1, "text": "...", "options": [{"points": 0, '
            '"label": "..."}, ...]}, ...]. Options are optional (without them the allowed '
            "numbers are offered); when given, each allowed answer needs exactly one. VISA-G "
            'item 8 also has "branches": {"A": "...", "B": "...", "C": "..."} and each of its '
            'options a "branch". The PSFS has no items; the APSS has its 6 health questions '
            "without options (yes or no)."
        ),
    )
    source = models.CharField(max_length=300, help_text="Where the text comes from.")
    licence = models.CharField(max_length=300, help_text="The terms the clinic holds it under.")
    licence_reference = models.CharField(
        max_length=120, blank=True, help_text="Agreement or permission number, if any."
    )
    licence_expires_on = models.DateField(
        null=True, blank=True, help_text="Leave empty if the licence does not expire."
    )
    offer_online = models.BooleanField(
        "offer online before a visit",
        default=True,
        help_text="Patients may complete it from the link in their confirmation email.",
    )
    offer_to_new_patients = models.BooleanField(
        default=False,
        help_text="Also offer it before a first visit, when no assessment has chosen it yet.",
    )
    is_active = models.BooleanField(default=True)
    loaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InstrumentTextQuerySet.as_manager()

    class Meta:
        ordering = ["clinic", "code", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "code"],
                condition=Q(is_active=True),
                name="instrument_text_one_active",
            ),
            models.CheckConstraint(
                condition=Q(code__in=[c for c, _ in TEXT_CHOICES]), name="instrument_text_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"

    def clean(self) -> None:
        errors = instruments.check_items(self.code, self.items)
        if errors:
            raise ValidationError({"items": errors})

    def wording(self) -> instruments.Wording:
        return instruments.wording_from(
            code=self.code,
            title=self.title,
            version=self.version,
            instructions=self.instructions,
            items=self.items,
            source=self.source,
            licence=self.licence,
            text_id=self.pk,
        )


class OutcomeResponse(models.Model):
    class Source(models.TextChoices):
        STAFF = "staff", "Entered by staff"
        ONLINE = "online", "Completed online by the patient"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outcome_responses")
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outcome_responses",
        help_text="Empty until a clinician attaches an online response to an assessment.",
    )
    instrument = models.CharField(max_length=10, choices=MEASURE_CHOICES)
    answers = models.JSONField(
        default=list, help_text="Points in item order, null for an unanswered item."
    )
    activities = models.JSONField(
        default=list,
        blank=True,
        help_text='PSFS: [{"id": "...", "text": "..."}] in rating order; the id stays the same '
        "when the activity is re-rated at a follow-up.",
    )
    branch = models.CharField(
        max_length=1, blank=True, help_text="VISA-G: the branch of item 8 answered (A, B or C)."
    )
    total = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="outcomes.score(...).total; empty when not scorable.",
    )
    subscales = models.JSONField(default=dict, blank=True)
    answered = models.PositiveSmallIntegerField(default=0)
    prorated = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True, help_text="Why prorated or not scored.")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    completed_on = models.DateField()
    appointment = models.ForeignKey(
        "bookings.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The visit whose link it was completed from.",
    )
    wording = models.CharField(
        max_length=300, blank=True, help_text="The wording the patient answered (online)."
    )
    entered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["-completed_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "instrument"])]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "instrument"],
                condition=Q(assessment__isnull=False),
                name="outcome_response_one_per_assessment",
            ),
            models.CheckConstraint(
                condition=Q(instrument__in=list(outcomes.INSTRUMENTS)),
                name="outcome_response_instrument",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=100),
                name="outcome_response_total_range",
            ),
            models.CheckConstraint(
                condition=Q(prorated=False) | Q(total__isnull=False),
                name="outcome_response_prorated_has_total",
            ),
            models.CheckConstraint(
                condition=Q(branch__in=["", "A", "B", "C"]), name="outcome_response_branch"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.completed_on}"

    @property
    def definition(self) -> outcomes.Instrument:
        return outcomes.INSTRUMENTS[self.instrument]

    @property
    def is_scorable(self) -> bool:
        return self.total is not None

    @property
    def total_display(self) -> str:
        if self.total is None:
            return "Not scorable"
        text = f"{self.total}".removesuffix(".0")
        return f"{text} (prorated)" if self.prorated else text

    def ratings(self) -> list[tuple[dict[str, Any], int | None]]:
        """PSFS: each activity with its rating."""
        return list(zip(self.activities, self.answers, strict=False))
