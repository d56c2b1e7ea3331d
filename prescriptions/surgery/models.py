"""A patient's surgeries and their training status, as clinicians record them.

`SurgeryRecord` holds the codes of the rules core's surgery record (CLINICAL.md §10.1,
`prescriptions.rules.postop.Surgery`): procedure, side, date, the approach of a hip
replacement, the graft of an ACL reconstruction, and the day the surgeon cleared the
precautions. The database refuses an approach on anything but a hip replacement and a
graft on anything but an ACL reconstruction. `TrainingStatus` is the patient's resistance-
training history for the dosing table (§11); "older adult" is not stored, it follows from
the age. Both change in place, so both keep their history. Written only by services.py.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from simple_history.models import HistoricalRecords

from clinic.models import Clinic, Patient, User
from prescriptions.rules import postop, training


class SurgeryRecord(models.Model):
    class Procedure(models.TextChoices):
        TOTAL_HIP_ARTHROPLASTY = postop.Procedure.TOTAL_HIP_ARTHROPLASTY, "Total hip replacement"
        TOTAL_KNEE_ARTHROPLASTY = (
            postop.Procedure.TOTAL_KNEE_ARTHROPLASTY,
            "Total knee replacement",
        )
        ACL_RECONSTRUCTION = postop.Procedure.ACL_RECONSTRUCTION, "ACL reconstruction"
        OTHER = postop.Procedure.OTHER, "Other surgery"

    class Side(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"

    class Approach(models.TextChoices):
        POSTERIOR = postop.Approach.POSTERIOR, "Posterior"
        ANTERIOR = postop.Approach.ANTERIOR, "Anterior"
        LATERAL = postop.Approach.LATERAL, "Lateral or anterolateral"

    class Graft(models.TextChoices):
        HAMSTRING = postop.Graft.HAMSTRING, "Hamstring"
        PATELLAR_TENDON = postop.Graft.PATELLAR_TENDON, "Patellar tendon"
        QUADRICEPS = postop.Graft.QUADRICEPS, "Quadriceps tendon"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="surgeries")
    procedure = models.CharField(max_length=30, choices=Procedure.choices)
    procedure_other = models.CharField(
        "which surgery", max_length=200, blank=True, help_text="For other surgery."
    )
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    performed_on = models.DateField("date of surgery")
    approach = models.CharField(
        "surgical approach",
        max_length=12,
        choices=Approach.choices,
        blank=True,
        help_text="Hip replacement only; empty = not known (every approach's limits apply).",
    )
    graft = models.CharField(
        max_length=16,
        choices=Graft.choices,
        blank=True,
        help_text="ACL reconstruction only; empty = not known.",
    )
    precautions_cleared_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day the surgeon lifted the precautions; until then they apply.",
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["-performed_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "performed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(procedure__in=[p.value for p in postop.Procedure]),
                name="surgery_procedure_valid",
            ),
            models.CheckConstraint(
                condition=Q(side__in=["left", "right", ""]), name="surgery_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(approach="")
                | Q(
                    procedure=postop.Procedure.TOTAL_HIP_ARTHROPLASTY,
                    approach__in=[a.value for a in postop.Approach],
                ),
                name="surgery_approach_only_for_hip_replacement",
            ),
            models.CheckConstraint(
                condition=Q(graft="")
                | Q(
                    procedure=postop.Procedure.ACL_RECONSTRUCTION,
                    graft__in=[g.value for g in postop.Graft],
                ),
                name="surgery_graft_only_for_acl_reconstruction",
            ),
            models.CheckConstraint(
                condition=Q(procedure_other="") | Q(procedure=postop.Procedure.OTHER),
                name="surgery_other_name_only_for_other",
            ),
            models.CheckConstraint(
                condition=Q(precautions_cleared_on__isnull=True)
                | Q(precautions_cleared_on__gte=F("performed_on")),
                name="surgery_cleared_after_surgery",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_procedure_display()} {self.performed_on}"

    def get_absolute_url(self) -> str:
        return reverse("prescriptions:surgery-list", args=[self.patient.code])

    @property
    def title(self) -> str:
        name = self.procedure_other or self.get_procedure_display()
        return f"{name}, {self.get_side_display().lower()}" if self.side else name

    def as_rules(self) -> postop.Surgery:
        """The rules core's surgery record."""
        return postop.Surgery(
            procedure=postop.Procedure(self.procedure),
            on=self.performed_on,
            side=self.side,
            approach=postop.Approach(self.approach) if self.approach else None,
            graft=postop.Graft(self.graft) if self.graft else None,
            precautions_cleared_on=self.precautions_cleared_on,
        )


class TrainingStatus(models.Model):
    """The patient's resistance-training status for the dosing table (CLINICAL.md §11).
    No row = not recorded: the rules dose as a novice (the lightest row) under 65."""

    class Status(models.TextChoices):
        NOVICE = training.Profile.NOVICE, "Novice (new to resistance training)"
        INTERMEDIATE = training.Profile.INTERMEDIATE, "Intermediate (about 6 months or more)"
        ADVANCED = training.Profile.ADVANCED, "Advanced (years of regular training)"

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="training_status"
    )
    status = models.CharField(max_length=12, choices=Status.choices)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    record_history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["novice", "intermediate", "advanced"]),
                name="training_status_valid",
            )
        ]

    def __str__(self) -> str:
        return self.get_status_display()
