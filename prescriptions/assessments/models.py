"""Assessments and their measurements.

An `Assessment` is one clinician's record of one patient on one day: presenting
conditions, history, goals, red flags, pain, body mass, the chosen test battery and
biomechanical findings. Each recorded value of the battery is a `Measurement` row (test,
side, measure, number or text, unit), and so is each value derived from them (%BW, LSI...),
marked `derived`. Threshold flags are stored on the assessment as they were shown.

Versions: a signed assessment is read-only. An amendment is a new row with the same
`chain`, `version + 1`, `previous` pointing at the signed one and the reason; when the
amendment is signed, the previous version becomes superseded. The services in
prescriptions/assessments/services.py are the only writers.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from simple_history.models import HistoricalRecords

from clinic.models import Clinic, Patient, Practitioner, User
from prescriptions.assessments import battery
from prescriptions.rules import postop
from prescriptions.vocabulary import (
    Condition,
    Goal,
    InvolvedSide,
    PainContext,
    RedFlag,
    ReferenceSex,
    Side,
)

BODY_MASS_RANGE = (Decimal("20"), Decimal("350"))
"""kg; CLINICAL ranges for a plausible adult or adolescent patient (issue 4)."""
SBP_RANGE = (60, 300)
DBP_RANGE = (30, 200)
HR_RANGE = (20, 250)
_SIGN_CODES = frozenset(s.value for s in postop.Sign)


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def for_clinic(self, clinic: Clinic) -> AssessmentQuerySet:
        return self.filter(clinic=clinic)

    def current(self) -> AssessmentQuerySet:
        """Drafts and signed versions: everything an amendment has not replaced."""
        return self.exclude(status=Assessment.Status.SUPERSEDED)


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"
        SUPERSEDED = "superseded", "Superseded"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    chain = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="Shared by every version of one assessment.",
    )
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        help_text="The signed version this one amends (one amendment per version).",
    )
    amendment_reason = models.TextField(blank=True, help_text="Why the previous was amended.")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="assessments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="assessments",
        help_text="The clinician who assessed the patient.",
    )
    appointment = models.ForeignKey(
        "bookings.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
    )
    assessed_on = models.DateField(help_text="The day of the assessment, in the clinic's zone.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(
        default=0, help_text="Bumped by every saved change; stops two editors overwriting."
    )
    battery_version = models.CharField(max_length=20, default=battery.VERSION)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    conditions = models.JSONField(
        default=list, blank=True, help_text="Condition codes (vocabulary.Condition)."
    )
    condition_other = models.CharField("other condition", max_length=200, blank=True)
    involved_side = models.CharField(
        "affected side", max_length=8, choices=InvolvedSide.choices, blank=True
    )
    reference_sex = models.CharField(
        "sex for reference values", max_length=8, choices=ReferenceSex.choices, blank=True
    )
    history = models.TextField(blank=True)
    goals = models.JSONField(default=list, blank=True, help_text="Goal codes (vocabulary.Goal).")
    goals_note = models.CharField(max_length=300, blank=True)
    red_flags = models.JSONField(
        default=list, blank=True, help_text="Red flag codes (vocabulary.RedFlag)."
    )
    red_flags_note = models.TextField(blank=True)
    stop_signs = models.JSONField(
        default=list,
        blank=True,
        help_text="Stop signs asked after a recent joint injection or surgery "
        "(rules.postop.Sign codes); any one stops exercise.",
    )
    pain_nprs = models.PositiveSmallIntegerField(
        "pain (NPRS)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="0 = no pain, 10 = worst imaginable.",
    )
    pain_context = models.CharField(max_length=12, choices=PainContext.choices, blank=True)
    pain_task = models.CharField(max_length=120, blank=True, help_text="The task, for TASK.")
    body_mass_kg = models.DecimalField(
        "body mass",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(BODY_MASS_RANGE[0]), MaxValueValidator(BODY_MASS_RANGE[1])],
        help_text="Kilograms.",
    )
    resting_sbp = models.PositiveSmallIntegerField(
        "resting systolic blood pressure", null=True, blank=True, help_text="mmHg."
    )
    resting_dbp = models.PositiveSmallIntegerField(
        "resting diastolic blood pressure", null=True, blank=True, help_text="mmHg."
    )
    resting_hr = models.PositiveSmallIntegerField(
        "resting heart rate", null=True, blank=True, help_text="Beats per minute."
    )
    battery = models.JSONField(
        default=list, blank=True, help_text="Test codes (battery.TESTS), in registry order."
    )
    measures = models.JSONField(
        default=list,
        blank=True,
        help_text="Outcome measure codes (outcomes.INSTRUMENTS) chosen for this assessment.",
    )
    findings = models.JSONField(
        default=dict,
        blank=True,
        help_text='Biomechanical findings: {finding code: ["left", "right"]}.',
    )
    findings_note = models.TextField(blank=True)
    flags = models.JSONField(
        default=list,
        blank=True,
        help_text="Threshold flags as shown when last saved (derived.Flag.as_dict()).",
    )

    objects = AssessmentQuerySet.as_manager()

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "assessed_on"])]
        constraints = [
            models.UniqueConstraint(fields=["chain", "version"], name="assessment_chain_version"),
            models.UniqueConstraint(
                fields=["chain"],
                condition=Q(status="draft"),
                name="assessment_one_draft_per_chain",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "signed", "superseded"]),
                name="assessment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True, signed_by__isnull=True)
                | Q(
                    status__in=["signed", "superseded"],
                    signed_at__isnull=False,
                    signed_by__isnull=False,
                ),
                name="assessment_signed_has_signer",
            ),
            models.CheckConstraint(
                condition=Q(status="superseded", superseded_at__isnull=False)
                | (~Q(status="superseded") & Q(superseded_at__isnull=True)),
                name="assessment_superseded_has_time",
            ),
            models.CheckConstraint(
                condition=Q(previous__isnull=True, version=1, amendment_reason="")
                | (Q(previous__isnull=False, version__gt=1) & ~Q(amendment_reason="")),
                name="assessment_amendment_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(pain_nprs__isnull=True) | Q(pain_nprs__gte=0, pain_nprs__lte=10),
                name="assessment_pain_range",
            ),
            models.CheckConstraint(
                condition=Q(pain_nprs__isnull=True) | ~Q(pain_context=""),
                name="assessment_pain_has_context",
            ),
            models.CheckConstraint(
                condition=Q(body_mass_kg__isnull=True)
                | Q(body_mass_kg__gte=BODY_MASS_RANGE[0], body_mass_kg__lte=BODY_MASS_RANGE[1]),
                name="assessment_body_mass_range",
            ),
            models.CheckConstraint(
                condition=Q(resting_sbp__isnull=True)
                | Q(resting_sbp__gte=SBP_RANGE[0], resting_sbp__lte=SBP_RANGE[1]),
                name="assessment_sbp_range",
            ),
            models.CheckConstraint(
                condition=Q(resting_dbp__isnull=True)
                | Q(resting_dbp__gte=DBP_RANGE[0], resting_dbp__lte=DBP_RANGE[1]),
                name="assessment_dbp_range",
            ),
            models.CheckConstraint(
                condition=Q(resting_hr__isnull=True)
                | Q(resting_hr__gte=HR_RANGE[0], resting_hr__lte=HR_RANGE[1]),
                name="assessment_hr_range",
            ),
            models.CheckConstraint(
                condition=Q(red_flags=[]) | ~Q(red_flags_note=""),
                name="assessment_red_flags_have_note",
            ),
            models.CheckConstraint(
                condition=Q(stop_signs=[]) | ~Q(red_flags_note=""),
                name="assessment_stop_signs_have_note",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.code} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("prescriptions:assessment-detail", args=[self.code])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def condition_labels(self) -> list[str]:
        labels = [Condition(c).label for c in self.conditions if c in Condition.values]
        return [*labels, self.condition_other] if self.condition_other else labels

    @property
    def goal_labels(self) -> list[str]:
        return [Goal(g).label for g in self.goals if g in Goal.values]

    @property
    def red_flag_labels(self) -> list[str]:
        return [RedFlag(r).label for r in self.red_flags if r in RedFlag.values]

    @property
    def stop_sign_labels(self) -> list[str]:
        return [postop.Sign(s).label for s in self.stop_signs if s in _SIGN_CODES]

    @property
    def stop_flags(self) -> list[dict[str, Any]]:
        return [f for f in self.flags if f.get("severity") == "stop"]

    def flags_for(self, test: str, side: str | None = None) -> list[dict[str, Any]]:
        return [f for f in self.flags if f["test"] == test and (side is None or f["side"] == side)]


def _valid_row(spec: battery.FieldSpec) -> Q:
    condition = Q(measure=spec.name)
    condition &= Q(side__in=["left", "right"]) if spec.sided else Q(side="")
    if spec.kind == battery.NUMBER:
        condition &= Q(number__isnull=False)
        if spec.min is not None:
            condition &= Q(number__gte=spec.min)
        if spec.max is not None:
            condition &= Q(number__lte=spec.max)
    else:
        condition &= Q(text__in=[value for value, _ in spec.choices])
    return condition


def measurement_constraints() -> list[models.BaseConstraint]:
    """One check per test, from the registry: a recorded (not derived) row must be one of
    the test's measures, on a side it has, inside its range or among its choices."""
    return [
        models.CheckConstraint(
            condition=Q(derived=True)
            | ~Q(test=test.code)
            | reduce(or_, (_valid_row(spec) for spec in test.fields)),
            name=f"measurement_{test.code}_valid",
        )
        for test in battery.TESTS_IN_ORDER
    ]


class Measurement(models.Model):
    """One value of the battery: recorded by the clinician, or derived from recorded ones.

    `number` holds measured and derived quantities in `unit` (s, N, cm, °, %BW, N·m/kg...);
    `text` holds choices ("poor", "yes", "positive_delayed"). Exactly one is set.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="measurements"
    )
    test = models.CharField(max_length=40, choices=battery.TEST_CHOICES)
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    measure = models.CharField(max_length=40, help_text="A FieldSpec or DerivedSpec name.")
    number = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    text = models.CharField(max_length=40, blank=True)
    unit = models.CharField(max_length=12, blank=True, help_text="As recorded, e.g. N, s, %BW.")
    derived = models.BooleanField(default=False)
    note = models.CharField(
        max_length=120, blank=True, help_text="How a derived value was taken (LSI basis)."
    )

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["assessment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "test", "side", "measure"],
                name="measurement_one_per_measure",
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=False, text="") | (Q(number__isnull=True) & ~Q(text="")),
                name="measurement_number_or_text",
            ),
            models.CheckConstraint(
                condition=Q(side__in=["left", "right", ""]), name="measurement_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(test__in=list(battery.TESTS)), name="measurement_test_known"
            ),
            *measurement_constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.test} {self.side or 'test'} {self.measure}"

    @property
    def value(self) -> Decimal | str:
        return self.number if self.number is not None else self.text
