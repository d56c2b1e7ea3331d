"""Referrers (the clinic's contact list), referrals, services used elsewhere and the
reports sent to referrers. Referrals are clinical records: they keep their history.

Foreign keys use app labels ("clinic.Patient") so that clinic/models.py can import this
module at its end without a cycle. Written only by clinic/referrals/services.py.
"""

from __future__ import annotations

import uuid

from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from simple_history.models import HistoricalRecords

from clinic.referrals.funders import Funder, PlanType, ReportKind, rule_for

LETTER_EXTENSIONS = ["pdf", "jpg", "jpeg", "png"]


class Referrer(models.Model):
    """Someone who refers patients to the clinic, kept for reuse."""

    class Kind(models.TextChoices):
        GP = "gp", "General practitioner"
        PHYSIO = "physio", "Physiotherapist"
        SPECIALIST = "specialist", "Specialist"
        OTHER = "other", "Other"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.GP)
    practice = models.CharField(max_length=160, blank=True)
    provider_number = models.CharField(max_length=12, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    record_history = HistoricalRecords()

    class Meta:
        ordering = ["name", "practice"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["gp", "physio", "specialist", "other"]),
                name="referrer_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.practice}" if self.practice else self.name


class Referral(models.Model):
    """A patient's referral (or self-referral) under one funder (CLINICAL.md §17.8)."""

    class FunderChoice(models.TextChoices):
        MEDICARE_CDM = Funder.MEDICARE_CDM, "Medicare GPCCMP (item 10953)"
        MEDICARE_T2D_ASSESSMENT = (
            Funder.MEDICARE_T2D_ASSESSMENT,
            "Medicare type 2 diabetes assessment (item 81110)",
        )
        MEDICARE_T2D_GROUP = (
            Funder.MEDICARE_T2D_GROUP,
            "Medicare type 2 diabetes group (item 81115)",
        )
        DVA = Funder.DVA, "DVA"
        NDIS = Funder.NDIS, "NDIS"
        WORKERS_COMP = Funder.WORKERS_COMP, "Workers' compensation"
        PRIVATE_HEALTH = Funder.PRIVATE_HEALTH, "Private health insurance"
        PRIVATE = Funder.PRIVATE, "Private (self-funded)"

    class Plan(models.TextChoices):
        GPCCMP = PlanType.GPCCMP, "GP Chronic Condition Management Plan"
        GPMP_TCA = PlanType.GPMP_TCA, "GPMP and TCA (before 1 July 2025)"
        MDCP = PlanType.MDCP, "Multidisciplinary care plan"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "clinic.Patient", on_delete=models.CASCADE, related_name="referrals"
    )
    funder = models.CharField(max_length=24, choices=FunderChoice.choices)
    referrer = models.ForeignKey(
        Referrer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="Empty: the patient referred themselves.",
    )
    referral_date = models.DateField("date of referral")
    valid_until = models.DateField(
        null=True,
        blank=True,
        help_text="The last day it funds a service (computed from the funder's rules, or "
        "the earlier expiry the funder approved); empty: no end date.",
    )
    services_approved = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="Number of services referred or approved, if stated.",
    )
    hours_approved = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="NDIS: the agreed hours in the service agreement, in hours.",
    )
    plan_type = models.CharField(max_length=10, choices=Plan.choices, blank=True)
    plan_date = models.DateField(
        null=True, blank=True, help_text="The day the plan was prepared or last reviewed."
    )
    atsi = models.BooleanField(
        "Aboriginal or Torres Strait Islander patient",
        default=False,
        help_text="Medicare allows 10 allied health services a year instead of 5.",
    )
    claim_number = models.CharField(
        max_length=40, blank=True, help_text="Claim, DVA file, NDIS or membership number."
    )
    insurer = models.CharField(
        max_length=120, blank=True, help_text="Insurer, fund or plan manager."
    )
    conditions = models.TextField(blank=True)
    letter = models.FileField(
        upload_to="referrals/",
        blank=True,
        validators=[FileExtensionValidator(LETTER_EXTENSIONS)],
        help_text="The referral letter: PDF, JPEG or PNG, 10 MB or less.",
    )
    closed_on = models.DateField(
        null=True, blank=True, help_text="The course ended early (the last report falls due)."
    )
    created_by = models.ForeignKey("clinic.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey("clinic.User", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["-referral_date", "-created_at"]
        indexes = [models.Index(fields=["patient", "funder"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(funder__in=[f.value for f in Funder]), name="referral_funder_valid"
            ),
            models.CheckConstraint(
                condition=Q(plan_type__in=["", *[p.value for p in PlanType]]),
                name="referral_plan_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("referral_date")),
                name="referral_valid_until_after_date",
            ),
            # Medicare and DVA fund a service only on a doctor's referral (CLINICAL.md §17).
            models.CheckConstraint(
                condition=Q(referrer__isnull=False)
                | ~Q(
                    funder__in=[
                        Funder.MEDICARE_CDM,
                        Funder.MEDICARE_T2D_ASSESSMENT,
                        Funder.MEDICARE_T2D_GROUP,
                        Funder.DVA,
                    ]
                ),
                name="referral_referrer_for_medicare_and_dva",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder_label} from {self.referral_date}"

    @property
    def funder_label(self) -> str:
        return rule_for(self.funder).label

    @property
    def item_number(self) -> str:
        return rule_for(self.funder).item_number

    @property
    def referrer_label(self) -> str:
        return str(self.referrer) if self.referrer_id else "Self-referred"


class OutsideServices(models.Model):
    """Medicare GPCCMP services the patient used elsewhere (another provider) in a
    calendar year: they count toward the yearly cap (CLINICAL.md §17.1)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "clinic.Patient", on_delete=models.CASCADE, related_name="outside_services"
    )
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    services = models.PositiveSmallIntegerField(validators=[MaxValueValidator(50)])
    note = models.CharField(max_length=200, blank=True)
    updated_by = models.ForeignKey("clinic.User", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    record_history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "year"], name="outside_services_one_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.services} services elsewhere in {self.year}"


class ReferralReport(models.Model):
    """A report to the referrer marked as sent (the letters are written elsewhere)."""

    class Kind(models.TextChoices):
        INITIAL = ReportKind.INITIAL, "Initial report"
        FINAL = ReportKind.FINAL, "Final report"
        END_OF_CYCLE = ReportKind.END_OF_CYCLE, "End-of-cycle report"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    sent_on = models.DateField()
    sent_by = models.ForeignKey("clinic.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "kind"], name="referral_report_once"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ReportKind]),
                name="referral_report_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sent {self.sent_on}"
