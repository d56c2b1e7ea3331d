"""Exercises: the shipped library (clinic = NULL, loaded from `library/data/exercises.json`
by `manage.py load_exercises`) and each clinic's own, with their easier/harder links.

List-valued attributes (muscles, equipment, load types, conditions, cautions, chain
positions) are JSON lists of the library's vocabulary codes, so `shipped.exercise_search`
and the `dosing` rules read a row exactly as they read a `shipped.Exercise`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q

from clinic.models import Clinic
from prescriptions.library import shipped as library


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
    shown_media: ExerciseMedia | None = None
    """Not a column: a clinic's own picture or video of a shipped exercise, when a
    selector has loaded it (patient_programme.selectors.version_items)."""
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

    def neighbour_visible(self, side: str) -> Q:
        """Links whose other end (`side`: "easier" or "harder") this row's owners see: a
        shipped row's shipped neighbours only (a clinic's copy links into the shipped rows,
        and other clinics must not meet it), a clinic row's shipped and own neighbours."""
        shipped = Q(**{f"{side}__clinic__isnull": True})
        if self.clinic_id is None:
            return shipped
        return shipped | Q(**{f"{side}__clinic_id": self.clinic_id})

    @property
    def progressions(self) -> tuple[str, ...]:
        """Slugs of harder exercises, chain neighbour first (dosing.ExerciseLike)."""
        links = (
            self.harder_links.filter(self.neighbour_visible("harder"))
            .select_related("harder")
            .order_by("rank", "harder__name")
        )
        return tuple(dict.fromkeys(link.harder.slug for link in links))

    @property
    def regressions(self) -> tuple[str, ...]:
        """Slugs of easier exercises, chain neighbour first (dosing.ExerciseLike)."""
        links = (
            self.easier_links.filter(self.neighbour_visible("easier"))
            .select_related("easier")
            .order_by("reverse_rank", "easier__name")
        )
        return tuple(dict.fromkeys(link.easier.slug for link in links))


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


class ExerciseMedia(models.Model):
    """A clinic's own picture and video for a shipped exercise. Shipped rows are shared by
    every clinic, so a clinic's media for one lives here, one row per (clinic, exercise);
    a clinic's own exercise keeps its media on the exercise itself."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="exercise_media")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="clinic_media")
    image = models.FileField(
        upload_to="exercise-media/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
        help_text="A photo or drawing (JPEG, PNG or WebP).",
    )
    image_alt = models.CharField(
        "image description", max_length=200, blank=True, help_text="Alternative text."
    )
    video_url = models.URLField("video link", blank=True, help_text="An https:// link.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "exercise media"
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "exercise"], name="exercise_media_once_per_clinic"
            ),
            models.CheckConstraint(
                condition=Q(video_url="") | Q(video_url__startswith="https://"),
                name="exercise_media_video_https",
            ),
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""), name="exercise_media_image_has_alt"
            ),
            models.CheckConstraint(
                condition=~Q(image="", video_url=""), name="exercise_media_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id} for clinic {self.clinic_id}"
