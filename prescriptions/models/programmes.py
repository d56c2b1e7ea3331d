"""The exercise library, programmes (versions, phases, items) and session logs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q

from simple_history.models import HistoricalRecords

from clinic.models import Clinic, Patient, Practitioner, User
from prescriptions import dosing, library
from prescriptions.models.assessments import Assessment

# =============================================================================================
# Exercise library and programmes (issue 5). Writers: prescriptions/services/programmes.py.
# =============================================================================================
#
# Exercise: the shipped library (clinic = NULL, loaded from data/exercises.json by
# `manage.py load_exercises`) plus each clinic's own rows. List-valued attributes (muscles,
# equipment, load types, conditions, cautions, chain positions) are JSON lists of the
# library's vocabulary codes, so `library.exercise_search` and the `dosing` rules read a row
# exactly as they read a `library.Exercise`.
#
# Programme -> ProgrammeVersion (number 1..n) -> Phase, ProgrammeItem. A published version
# is frozen; a change is a new draft version (at most one per programme) and publishing it
# makes it current. The patient always sees the highest-numbered published version.
# SessionLog (one session the patient did, against one version) -> SessionLogEntry per item.

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


def _between(field: str, bounds: tuple[Any, Any], *, nullable: bool = False) -> Q:
    low, high = bounds
    inside = Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return Q(**{f"{field}__isnull": True}) | inside if nullable else inside


class ExerciseQuerySet(models.QuerySet["Exercise"]):
    def visible_to(self, clinic: Clinic | int | None) -> ExerciseQuerySet:
        """The shipped library plus `clinic`'s own exercises."""
        return self.filter(Q(clinic__isnull=True) | Q(clinic=clinic))

    def active(self) -> ExerciseQuerySet:
        return self.filter(is_active=True)

    def shipped(self) -> ExerciseQuerySet:
        return self.filter(clinic__isnull=True)


class Exercise(models.Model):
    """One exercise: a shipped library row (`clinic` empty) or a clinic's own."""

    class Level(models.IntegerChoices):
        BEGINNER = 1, "Beginner"
        BEGINNER_INTERMEDIATE = 2, "Beginner to intermediate"
        INTERMEDIATE = 3, "Intermediate"
        INTERMEDIATE_ADVANCED = 4, "Intermediate to advanced"
        ADVANCED = 5, "Advanced"

    class DoseType(models.TextChoices):
        """How the exercise is dosed (same codes as library.DoseType)."""

        REPS = "reps", "Repetitions"
        HOLD_SECONDS = "hold_seconds", "Timed hold"
        DISTANCE_M = "distance_m", "Distance"
        STEPS = "steps", "Steps each way"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercises",
        help_text="Empty for the shipped library; else the clinic that owns it.",
    )
    slug = models.SlugField(max_length=80)
    ref = models.CharField(
        max_length=8, blank=True, help_text="CLINICAL.md §3 id (E01…) of a shipped exercise."
    )
    name = models.CharField(max_length=120)
    instructions = models.JSONField(
        default=list, help_text="Patient-facing steps, in order (list of strings)."
    )
    cues = models.JSONField(default=list, blank=True, help_text="Short cues (list of strings).")
    primary_muscles = models.JSONField(
        default=list, help_text="Muscle codes (library vocabulary), main one first."
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    equipment = models.JSONField(
        default=list, blank=True, help_text="Equipment codes needed for the basic version."
    )
    load_types = models.JSONField(
        default=list, help_text="Ways to load it (load-type codes), the usual one first."
    )
    weight_bearing = models.BooleanField(help_text="Done standing, through the legs.")
    dose_type = models.CharField(max_length=12, choices=DoseType.choices, default=DoseType.REPS)
    per_side = models.BooleanField(default=False, help_text="Done on each side in turn.")
    distance_m = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Usual distance in metres (distance-dosed only)."
    )
    load_note = models.CharField(max_length=200, blank=True, help_text="How heavy, in words.")
    cautions = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"condition": code or null, "kind": "avoid_early"|"modify"|"precaution", '
        '"text": "..."}]; a null condition applies to everyone.',
    )
    suits = models.JSONField(
        "suitable for", default=list, blank=True, help_text="Condition codes it suits."
    )
    chains = models.JSONField(
        default=list,
        blank=True,
        help_text='Progression chain positions: [{"chain": slug, "step": 1..n}].',
    )
    harder = models.ManyToManyField(
        "self",
        symmetrical=False,
        through="ExerciseLink",
        through_fields=("easier", "harder"),
        related_name="easier",
        blank=True,
        help_text="Progressions; the reverse (`easier`) are its regressions.",
    )
    source = models.CharField(max_length=300, blank=True)
    evidence = models.TextField(blank=True)
    image = models.FileField(
        upload_to="exercises/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
        help_text="A photo or drawing (JPEG, PNG or WebP).",
    )
    image_alt = models.CharField(
        "image description", max_length=200, blank=True, help_text="Alternative text."
    )
    video_url = models.URLField("video link", blank=True, help_text="An https:// link.")
    is_active = models.BooleanField(default=True, help_text="Offered when prescribing.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["clinic_id", "ref", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(clinic__isnull=True), name="exercise_shipped_slug"
            ),
            models.UniqueConstraint(
                fields=["clinic", "slug"],
                condition=Q(clinic__isnull=False),
                name="exercise_clinic_slug",
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="exercise_level"),
            models.CheckConstraint(
                condition=Q(dose_type__in=["reps", "hold_seconds", "distance_m", "steps"]),
                name="exercise_dose_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(distance_m__isnull=True)
                | Q(dose_type="distance_m", distance_m__gte=1, distance_m__lte=2000),
                name="exercise_distance_only_for_distance",
            ),
            models.CheckConstraint(
                condition=Q(video_url="") | Q(video_url__startswith="https://"),
                name="exercise_video_https",
            ),
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""), name="exercise_image_has_alt"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="exercise_has_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shipped(self) -> bool:
        return self.clinic_id is None

    @property
    def level_label(self) -> str:
        return self.Level(self.level).label

    @property
    def caution_list(self) -> tuple[library.Caution, ...]:
        return tuple(
            library.Caution(
                text=c["text"], kind=library.CautionKind(c["kind"]), condition=c.get("condition")
            )
            for c in self.cautions
        )

    def cautions_for(self, conditions: Iterable[str]) -> tuple[library.Caution, ...]:
        """Cautions that apply to a patient with `conditions` (library condition codes);
        general ones (no condition) always do."""
        wanted = set(conditions)
        return tuple(c for c in self.caution_list if c.condition is None or c.condition in wanted)

    def avoid_early_for(self, condition: str) -> bool:
        return any(
            c.kind == library.CautionKind.AVOID_EARLY and c.condition == condition
            for c in self.caution_list
        )

    def step_in(self, chain: str) -> int | None:
        return next((p["step"] for p in self.chains if p["chain"] == chain), None)

    @property
    def progressions(self) -> tuple[str, ...]:
        """Slugs of harder exercises, chain neighbour first (dosing.ExerciseLike)."""
        links = self.harder_links.select_related("harder").order_by("rank", "harder__name")
        return tuple(link.harder.slug for link in links)

    @property
    def regressions(self) -> tuple[str, ...]:
        """Slugs of easier exercises, chain neighbour first (dosing.ExerciseLike)."""
        links = self.easier_links.select_related("easier").order_by("reverse_rank", "easier__name")
        return tuple(link.easier.slug for link in links)


class ExerciseLink(models.Model):
    """`easier` progresses to `harder`; read backwards, `harder` regresses to `easier`.
    One row per pair, so the links are symmetric by construction."""

    easier = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="harder_links")
    harder = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="easier_links")
    rank = models.PositiveSmallIntegerField(
        default=0, help_text="Order among `easier`'s progressions (chain neighbour first)."
    )
    reverse_rank = models.PositiveSmallIntegerField(
        default=0, help_text="Order among `harder`'s regressions (chain neighbour first)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["easier", "harder"], name="exercise_link_once"),
            models.CheckConstraint(
                condition=~Q(easier=models.F("harder")), name="exercise_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.easier_id} → {self.harder_id}"


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
                    condition=_between(field, bounds, nullable=field in OPTIONAL_DOSE_FIELDS),
                    name=f"programme_item_{field}_range",
                )
                for field, bounds in ITEM_RANGES.items()
            ),
            models.CheckConstraint(
                condition=_between("load_kg", LOAD_KG_RANGE, nullable=True),
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


class SessionLog(models.Model):
    """One session the patient did (or tried) of one programme version, on one day.

    `pain_flag` is the pain-monitoring rule (CLINICAL.md §4.3, dosing.pain_check): pain
    during above 5/10, or next-morning pain worse than before. It tells the patient to
    ease the load and shows the practitioner until they mark it reviewed.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
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
                condition=_between("morning_pain", PAIN_SCALE, nullable=True),
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

    session = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ProgrammeItem, on_delete=models.PROTECT, related_name="log_entries")
    done = models.BooleanField()
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
                condition=_between("pain_during", PAIN_SCALE, nullable=True),
                name="session_entry_pain_range",
            ),
            models.CheckConstraint(
                condition=_between("rpe", PAIN_SCALE, nullable=True),
                name="session_entry_rpe_range",
            ),
            models.CheckConstraint(
                condition=_between("reps", ITEM_RANGES["reps"], nullable=True)
                & _between("hold_seconds", (1, 3600), nullable=True)
                & _between("distance_m", (1, 10000), nullable=True)
                & _between("load_kg", LOAD_KG_RANGE, nullable=True),
                name="session_entry_values_range",
            ),
            models.CheckConstraint(
                condition=Q(done=True)
                | Q(
                    reps__isnull=True,
                    hold_seconds__isnull=True,
                    distance_m__isnull=True,
                    load_kg__isnull=True,
                ),
                name="session_entry_skipped_has_no_values",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.item_id}"
