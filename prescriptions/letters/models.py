"""Letters about a patient to other practitioners, the clinic's templates for them, each
time one was sent, and case conferences (CLINICAL.md §17.1, §17.3, §17.4, §18.3).

A letter starts as a draft filled from the clinic's template and the patient's record;
the practitioner edits it and signs it. Signing freezes it: the text, the recipient, the
letterhead and the signature block are kept as they were signed, and neither the model
nor (on PostgreSQL) a trigger lets them change or the letter be deleted. Only whether the
patient may see it can still change. Letters and conferences are clinical records: they
stay when a patient deletes their account (PROTECT) and every read and change is in the
access log. Written only by services.py.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse

from clinic.models import Clinic, Patient, Practitioner, User


class LetterKind(models.TextChoices):
    INITIAL_GP = "initial_gp", "Initial report to the GP"
    PROGRESS = "progress", "Progress report"
    DISCHARGE = "discharge", "Discharge report"
    DVA_END_OF_CYCLE = "dva_end_of_cycle", "DVA end-of-cycle report"
    PHYSIO = "physio", "Letter to the treating physiotherapist"
    CASE_CONFERENCE = "case_conference", "Case conference summary"


class SignedLetterError(Exception):
    """A signed letter was about to change or be deleted."""


class LetterTemplate(models.Model):
    """The clinic's own wording of one kind of letter, with {placeholders} the record
    fills (prescriptions/letters/placeholders.py). A clinic without one uses the shipped
    wording (prescriptions/letters/defaults.py)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=LetterKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "kind"], name="lettertemplate_once"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class CaseConference(models.Model):
    """A multidisciplinary case conference about the patient (CLINICAL.md §17.3): the
    patient's agreement, when (start and end, aware), who took part, what was discussed
    and the outcomes (tasks allocated)."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "Face to face"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="case_conferences")
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The clinic's practitioner who took part and recorded it.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    patient_agreed = models.BooleanField(
        help_text="The patient agreed to the conference (needed for a Medicare item)."
    )
    matters_discussed = models.TextField()
    outcomes = models.TextField(help_text="What was decided, and who does what.")
    shared_with_patient = models.BooleanField(
        default=False, help_text="The patient may read it in their record."
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="caseconference_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Case conference {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("prescriptions:case-conference", args=[self.code])

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class CaseConferenceParticipant(models.Model):
    class Role(models.TextChoices):
        GP = "gp", "General practitioner"
        PHYSIO = "physio", "Physiotherapist"
        EP = "ep", "Exercise physiologist"
        OTHER = "other", "Other health or care provider"

    conference = models.ForeignKey(
        CaseConference, on_delete=models.CASCADE, related_name="participants"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    name = models.CharField(max_length=120)
    organisation = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Letter(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    FROZEN_FIELDS = (
        "kind",
        "recipient_name",
        "recipient_email",
        "subject",
        "body",
        "status",
        "signed_at",
        "signed_by",
        "letterhead",
        "signature",
    )
    """What a signature fixes (the database trigger checks the same columns)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="letters")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="+", help_text="Who signs it."
    )
    kind = models.CharField(max_length=20, choices=LetterKind.choices)
    case_conference = models.ForeignKey(
        CaseConference,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        help_text="For a case conference summary: the conference it summarises.",
    )
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    shared_with_patient = models.BooleanField(
        default=False, help_text="The patient may read it in their record."
    )
    letterhead = models.TextField(
        blank=True, help_text="The clinic's name, address and phone as signed."
    )
    signature = models.TextField(
        blank=True,
        help_text="The practitioner's name, qualification and provider number as signed.",
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True)
                | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False),
                name="letter_signed_has_signature",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            touches_frozen = fields is None or bool(set(fields) & set(self.FROZEN_FIELDS))
            if touches_frozen and Letter.objects.filter(pk=self.pk, status="signed").exists():
                raise SignedLetterError("A signed letter cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("prescriptions:letter", args=[self.code])

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if Letter.objects.filter(pk=self.pk, status="signed").exists():
            raise SignedLetterError("A signed letter cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class LetterDelivery(models.Model):
    """One sending of a signed letter by email, through the outbox (bookings'
    Notification of kind "letter"): to whom, by whom, and the row that carries it (its
    status and when it was sent)."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="deliveries")
    to_name = models.CharField(max_length=200, blank=True)
    to_email = models.EmailField()
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    notification = models.OneToOneField(
        "bookings.Notification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="letter_delivery",
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Delivery of letter {self.letter_id}"
