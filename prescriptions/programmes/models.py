"""Programmes: Programme -> ProgrammeVersion (number 1..n) -> Phase, ProgrammeItem.

A published version is frozen; a change is a new draft version (at most one per
programme) and publishing it makes it current. The patient always sees the
highest-numbered published version. Writers: `prescriptions/programmes/services.py`.
Items point at library Exercises (`prescriptions/library/models.py`); the patient's
session logs are in `prescriptions/patient_programme/models.py`."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q

from simple_history.models import HistoricalRecords

from clinic.models import Clinic, Patient, Practitioner, User
from prescriptions.assessments.models import Assessment
from prescriptions.library.models import Exercise
from prescriptions.rules import dosing

PAIN_SCALE = (0, 10)
"""NPRS and RPE are whole numbers 0..10 (CLINICAL.md §4.2, §4.3)."""
ITEM_RANGES = {
    "sets": (1, 10),
    "reps": (1, 100),
    "hold_seconds": (1, 300),
    "distance_m": (1, 2000),
    "rest_seconds": (0, 600),
    "days_per_week": (1, 7),
    "sessions_per_day": (1, 3),
}
"""Sane bounds for a programme item (DB checks, forms and services read these)."""
OPTIONAL_DOSE_FIELDS = frozenset({"reps", "hold_seconds", "distance_m"})
"""Dose fields that only some dose types use (the others are always set)."""
LOAD_KG_RANGE = (Decimal("0.5"), Decimal("500"))
"""External load in kg."""


def between(field: str, bounds: tuple[Any, Any], *, nullable: bool = False) -> Q:
    """`field` within `bounds` (inclusive), for a CheckConstraint; None passes if `nullable`."""
    low, high = bounds
    inside = Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return Q(**{f"{field}__isnull": True}) | inside if nullable else inside


class Programme(models.Model):
    """A patient's exercise programme: who, why (goal, source assessment) and its versions."""

    class Goal(models.TextChoices):
        """Same codes as dosing.Goal; the goal fills each item's default dose."""

        MUSCULAR_ENDURANCE = "muscular_endurance", "Muscular endurance"
        HYPERTROPHY = "hypertrophy", "Hypertrophy"
        STRENGTH = "strength", "Strength"
        POWER = "power", "Power"
        EARLY_REHAB = "early_rehab", "Early-stage rehabilitation"
        GT_LOAD_MANAGEMENT = "gt_load_management", "Gluteal tendinopathy load management"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (never published)"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="programmes")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="programmes")
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        related_name="programmes",
        help_text="The prescribing clinician.",
    )
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programmes",
        help_text="The signed assessment it was prescribed from, if any.",
    )
    goal = models.CharField(max_length=24, choices=Goal.choices)
    title = models.CharField(max_length=120, blank=True, help_text="Shown to the patient.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who ended it (programme_end).",
    )
    end_reason = models.CharField(
        max_length=300, blank=True, help_text="Why it was ended, for the clinic's staff."
    )

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(goal__in=[g.value for g in dosing.Goal]), name="programme_goal_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="ended", ended_at__isnull=False)
                | (Q(status__in=["draft", "active"]) & Q(ended_at__isnull=True)),
                name="programme_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Programme {self.code}"

    @property
    def goal_label(self) -> str:
        return self.Goal(self.goal).label

    @property
    def display_title(self) -> str:
        return self.title or self.goal_label

    @property
    def current_version(self) -> ProgrammeVersion | None:
        """The version the patient sees: the highest-numbered published one."""
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()

    @property
    def draft_version(self) -> ProgrammeVersion | None:
        return self.versions.filter(published_at__isnull=True).first()


class ProgrammeVersion(models.Model):
    """One edition of a programme. Frozen once published; a change makes the next draft."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    change_note = models.CharField(
        max_length=300, blank=True, help_text="What changed from the version before."
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["programme", "number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "number"], name="programme_version_number"
            ),
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(published_at__isnull=True),
                name="programme_one_draft",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="programme_version_from_1"),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True, published_by__isnull=True)
                | Q(published_at__isnull=False, published_by__isnull=False),
                name="programme_version_published_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} v{self.number}"

    @property
    def is_published(self) -> bool:
        """Published versions are frozen: their items and phases never change."""
        return self.published_at is not None


class FrozenVersionError(Exception):
    """A published programme version was about to change."""


class _VersionPart(models.Model):
    """Items and phases: refuse to change once their version is published."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def _refuse_if_frozen(self) -> None:
        version_id = self.version_id  # type: ignore[attr-defined]
        if ProgrammeVersion.objects.filter(pk=version_id, published_at__isnull=False).exists():
            raise FrozenVersionError("A published programme version cannot change.")


class Phase(_VersionPart):
    """An optional stage of a programme version (e.g. "Weeks 1 to 2: settle the pain")."""

    code = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Its address in URLs."
    )
    version = models.ForeignKey(ProgrammeVersion, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=80)
    starts_on = models.DateField(help_text="First day, in the clinic's time zone.")

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["version", "starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="phase_name_once"),
            models.CheckConstraint(condition=~Q(name=""), name="phase_has_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeItem(_VersionPart):
    """One exercise of a programme version, with its dose.

    The dose follows `dose_type` (copied from the exercise when added): REPS and STEPS
    use `reps` (steps each way); HOLD_SECONDS uses `reps` holds of `hold_seconds`;
    DISTANCE_M uses `distance_m`. Load: body weight, a band (`band_colour`) or an external
    load (`load_kg`).
    """

    class LoadKind(models.TextChoices):
        BODY_WEIGHT = "body_weight", "Body weight"
        BAND = "band", "Band"
        EXTERNAL = "external", "Weight (kg)"

    class BandColour(models.TextChoices):
        YELLOW = "yellow", "Yellow (extra light)"
        RED = "red", "Red (light)"
        GREEN = "green", "Green (medium)"
        BLUE = "blue", "Blue (heavy)"
        BLACK = "black", "Black (extra heavy)"

    code = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Its address in URLs; a copy into a new version gets a new code.",
    )
    version = models.ForeignKey(ProgrammeVersion, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="programme_items")
    phase = models.ForeignKey(
        Phase, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    order = models.PositiveSmallIntegerField(help_text="1 is done first.")
    dose_type = models.CharField(max_length=12, choices=Exercise.DoseType.choices)
    sets = models.PositiveSmallIntegerField()
    reps = models.PositiveSmallIntegerField(
        "repetitions",
        null=True,
        blank=True,
        help_text="Per set; holds per set for a timed hold; steps each way for steps.",
    )
    hold_seconds = models.PositiveSmallIntegerField(
        "hold", null=True, blank=True, help_text="Seconds per hold."
    )
    distance_m = models.PositiveSmallIntegerField(
        "distance", null=True, blank=True, help_text="Metres per set."
    )
    per_side = models.BooleanField(default=False, help_text="The dose is for each side.")
    load_kind = models.CharField(
        "load", max_length=12, choices=LoadKind.choices, default=LoadKind.BODY_WEIGHT
    )
    load_kg = models.DecimalField(
        "weight", max_digits=5, decimal_places=2, null=True, blank=True, help_text="Kilograms."
    )
    band_colour = models.CharField(max_length=8, choices=BandColour.choices, blank=True)
    tempo = models.CharField(max_length=100, blank=True, help_text="E.g. 3 seconds down.")
    rest_seconds = models.PositiveSmallIntegerField("rest", help_text="Seconds between sets.")
    days_per_week = models.PositiveSmallIntegerField(default=3)
    sessions_per_day = models.PositiveSmallIntegerField(default=1)
    notes = models.TextField(blank=True, help_text="For the patient.")
    reason = models.CharField(
        max_length=400,
        blank=True,
        help_text="Why it is there, in plain words (the goal and the finding).",
    )

    record_history = HistoricalRecords()  # each change: what it was, when, by whom

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="programme_item_order"),
            models.CheckConstraint(condition=Q(order__gte=1), name="programme_item_order_from_1"),
            *(
                models.CheckConstraint(
                    condition=between(field, bounds, nullable=field in OPTIONAL_DOSE_FIELDS),
                    name=f"programme_item_{field}_range",
                )
                for field, bounds in ITEM_RANGES.items()
            ),
            models.CheckConstraint(
                condition=between("load_kg", LOAD_KG_RANGE, nullable=True),
                name="programme_item_load_kg_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    dose_type__in=["reps", "steps"],
                    reps__isnull=False,
                    hold_seconds__isnull=True,
                    distance_m__isnull=True,
                )
                | Q(
                    dose_type="hold_seconds",
                    reps__isnull=False,
                    hold_seconds__isnull=False,
                    distance_m__isnull=True,
                )
                | Q(
                    dose_type="distance_m",
                    reps__isnull=True,
                    hold_seconds__isnull=True,
                    distance_m__isnull=False,
                ),
                name="programme_item_dose_matches_type",
            ),
            models.CheckConstraint(
                condition=Q(load_kind="body_weight", load_kg__isnull=True, band_colour="")
                | (Q(load_kind="band", load_kg__isnull=True) & ~Q(band_colour=""))
                | Q(load_kind="external", load_kg__isnull=False, band_colour=""),
                name="programme_item_load_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.exercise_id}"
