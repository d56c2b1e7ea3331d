"""Writing the exercise library: load the shipped rows, and clinics' own exercises.

Shipped rows (`clinic` empty) come only from `prescriptions/data/exercises.json` through
`exercise_library_load` (the `load_exercises` command): clinics read them, never change
them, and may copy one to make their own version (which keeps its place in the chains) or
add their own picture and video to one (`exercise_media_set`). A clinic's practitioners and
clinic admins add and edit that clinic's exercises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import slugify

from clinic.access import is_clinician
from clinic.errors import DomainError
from clinic.models import Clinic, User
from prescriptions.library import shipped as library
from prescriptions.models import Exercise, ExerciseLink, ExerciseMedia

SHIPPED_FIELDS = (
    "ref",
    "name",
    "instructions",
    "cues",
    "primary_muscles",
    "level",
    "equipment",
    "load_types",
    "weight_bearing",
    "dose_type",
    "per_side",
    "distance_m",
    "load_note",
    "cautions",
    "suits",
    "chains",
    "source",
    "evidence",
)
"""The fields of a shipped row that the data file sets."""

CLINIC_FIELDS = (
    "name",
    "instructions",
    "cues",
    "primary_muscles",
    "level",
    "equipment",
    "load_types",
    "weight_bearing",
    "dose_type",
    "per_side",
    "distance_m",
    "load_note",
    "cautions",
    "suits",
    "video_url",
    "is_active",
)
"""What a clinic may set on its own exercise (the image has its own arguments)."""

COPIED_FIELDS = tuple(f for f in SHIPPED_FIELDS if f != "ref")
"""What a copy takes from the exercise it copies, its place in the chains included (its
links to the shipped neighbours are copied too, see `exercise_copy`)."""

IMAGE_MAX_BYTES = 5 * 1024 * 1024
"""Largest image a clinic may upload."""


class ExerciseReadOnly(DomainError):
    """The shipped library (and other clinics' rows) cannot be changed by a clinic."""


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int
    retired: int
    links_created: int
    links_updated: int
    links_removed: int

    @property
    def changed(self) -> bool:
        counts = (self.created, self.updated, self.retired)
        return any((*counts, self.links_created, self.links_updated, self.links_removed))


# --- The shipped library -----------------------------------------------------------------


def _shipped_values(e: library.Exercise) -> dict[str, Any]:
    return {
        "ref": e.ref,
        "name": e.name,
        "instructions": list(e.instructions),
        "cues": list(e.cues),
        "primary_muscles": list(e.primary_muscles),
        "level": e.level,
        "equipment": list(e.equipment),
        "load_types": list(e.load_types),
        "weight_bearing": e.weight_bearing,
        "dose_type": str(e.dose_type),
        "per_side": e.per_side,
        "distance_m": e.distance_m,
        "load_note": e.load_note,
        "cautions": [
            {"condition": c.condition, "kind": str(c.kind), "text": c.text} for c in e.cautions
        ],
        "suits": list(e.suits),
        "chains": [{"chain": p.chain, "step": p.step} for p in e.chains],
        "source": e.source,
        "evidence": e.evidence,
    }


def _wanted_links(lib: library.Library) -> dict[tuple[str, str], tuple[int, int]]:
    """(easier slug, harder slug) -> (rank among easier's progressions, rank among harder's
    regressions); the data's links are symmetric, so each pair appears from both ends."""
    wanted: dict[tuple[str, str], tuple[int, int]] = {}
    for e in lib.exercises:
        for rank, harder in enumerate(e.progressions):
            if harder not in lib:
                continue  # a partial library (tests); the full data always resolves
            reverse_rank = lib.exercise(harder).regressions.index(e.slug)
            wanted[(e.slug, harder)] = (rank, reverse_rank)
    return wanted


@transaction.atomic
def exercise_library_load(*, lib: library.Library | None = None) -> LoadResult:
    """Make the shipped rows match the library data; running it again changes nothing.

    1. Each exercise is created, or updated in place by slug (only when a field differs).
       Shipped rows no longer in the data are retired (inactive), never deleted: old
       programmes still point at them.
    2. The regress/progress links among shipped rows are made to match the data: missing
       ones created, ranks corrected, stale ones removed.
    """
    lib = lib or library.default_library()
    existing = {e.slug: e for e in Exercise.objects.select_for_update().shipped()}
    created = updated = unchanged = 0
    for item in lib.exercises:
        values = _shipped_values(item) | {"is_active": True}
        row = existing.get(item.slug)
        if row is None:
            row = Exercise(clinic=None, slug=item.slug, **values)
            row.full_clean()
            row.save()
            existing[item.slug] = row
            created += 1
            continue
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if not changed:
            unchanged += 1
            continue
        for name in changed:
            setattr(row, name, values[name])
        row.full_clean()
        row.save(update_fields=[*changed, "updated_at"])
        updated += 1
    gone = [row.pk for slug, row in existing.items() if slug not in lib and row.is_active]
    retired = Exercise.objects.filter(pk__in=gone).update(is_active=False)
    counts = _load_links(lib, {slug: row.pk for slug, row in existing.items()})
    return LoadResult(created, updated, unchanged, retired, *counts)


def _load_links(lib: library.Library, ids: Mapping[str, int]) -> tuple[int, int, int]:
    wanted = {
        (ids[easier], ids[harder]): ranks for (easier, harder), ranks in _wanted_links(lib).items()
    }
    shipped = set(ids.values())
    links = ExerciseLink.objects.filter(easier_id__in=shipped, harder_id__in=shipped)
    have = {(link.easier_id, link.harder_id): link for link in links}
    stale = [link.pk for pair, link in have.items() if pair not in wanted]
    removed = ExerciseLink.objects.filter(pk__in=stale).delete()[0] if stale else 0
    updated = 0
    for pair, (rank, reverse_rank) in wanted.items():
        link = have.get(pair)
        if link is not None and (link.rank, link.reverse_rank) != (rank, reverse_rank):
            link.rank, link.reverse_rank = rank, reverse_rank
            link.save(update_fields=["rank", "reverse_rank"])
            updated += 1
    new = [
        ExerciseLink(easier_id=e, harder_id=h, rank=r, reverse_rank=rr)
        for (e, h), (r, rr) in wanted.items()
        if (e, h) not in have
    ]
    ExerciseLink.objects.bulk_create(new)
    return len(new), updated, removed


# --- A clinic's own exercises ------------------------------------------------------------


def _check_editor(by: User, clinic: Clinic | int | None) -> None:
    clinic_id = clinic.pk if isinstance(clinic, Clinic) else clinic
    if not is_clinician(by) or by.clinic_id != clinic_id:
        raise ExerciseReadOnly("Only practitioners and clinic admins of the clinic can do this.")


def _lines(values: Iterable[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def _free_slug(clinic: Clinic, name: str, *, exclude: int | None = None) -> str:
    base = slugify(name)[:70].strip("-") or "exercise"
    taken = set(
        Exercise.objects.filter(clinic=clinic, slug__startswith=base)
        .exclude(pk=exclude or 0)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _vocabulary_problem(fields: Mapping[str, Any]) -> tuple[str, str] | None:
    """(field, message) for the first code outside the library's vocabulary."""
    lib = library.default_library()
    allowed = {
        "primary_muscles": lib.muscles,
        "equipment": lib.equipment,
        "load_types": lib.load_types,
        "suits": lib.conditions,
    }
    for name, vocab in allowed.items():
        if any(v not in vocab for v in fields.get(name, ())):
            return name, "Choose from the list."
    for caution in fields.get("cautions", ()):
        if caution.get("condition") not in (None, *lib.conditions):
            return "cautions", "Choose the condition from the list."
        if caution.get("kind") not in {k.value for k in library.CautionKind}:
            return "cautions", "Choose the kind of caution from the list."
        if not str(caution.get("text", "")).strip():
            return "cautions", "Describe each caution."
    return None


def _apply(exercise: Exercise, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(CLINIC_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    for name in ("instructions", "cues"):
        if name in fields:
            fields = {**fields, name: _lines(fields[name])}
    problem = _vocabulary_problem(fields)
    if problem:
        raise DomainError(problem[1], field=problem[0])
    for name, value in fields.items():
        setattr(exercise, name, value.strip() if isinstance(value, str) else value)
    if exercise.dose_type != Exercise.DoseType.DISTANCE_M:
        exercise.distance_m = None
    if not exercise.instructions:
        raise DomainError("Write at least one step of the instructions.", field="instructions")
    if not exercise.primary_muscles:
        raise DomainError("Choose at least one muscle.", field="primary_muscles")
    if not exercise.load_types:
        raise DomainError("Choose at least one way to load it.", field="load_types")
    if exercise.video_url and not exercise.video_url.startswith("https://"):
        raise DomainError("Enter a video link that starts with https://", field="video_url")


def exercise_fields_check(fields: Mapping[str, Any]) -> None:
    """Raise DomainError (with its field) for values a clinic's exercise may not have:
    the checks `exercise_create` and `exercise_update` make, for a form to run first
    (the Django admin's)."""
    _apply(Exercise(level=Exercise.Level.BEGINNER, weight_bearing=False), fields)


def _set_image(
    exercise: Exercise, image: UploadedFile[bytes] | None, image_alt: str | None, remove: bool
) -> None:
    if remove and exercise.image:
        exercise.image.delete(save=False)
        exercise.image = ""
        exercise.image_alt = ""
    if image_alt is not None:
        exercise.image_alt = image_alt.strip()
    if image is not None:
        if image.size is not None and image.size > IMAGE_MAX_BYTES:
            raise DomainError("Choose an image of 5 MB or less.", field="image")
        exercise.image = image
    if exercise.image and not exercise.image_alt:
        raise DomainError(
            "Describe the image for people who cannot see it (alternative text).",
            field="image_alt",
        )


def _full_clean(exercise: Exercise) -> None:
    try:
        exercise.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from None


@transaction.atomic
def exercise_create(
    *,
    clinic: Clinic,
    by: User,
    image: UploadedFile[bytes] | None = None,
    image_alt: str | None = None,
    **fields: Any,
) -> Exercise:
    """A new exercise of `clinic`, with a slug made from its name."""
    _check_editor(by, clinic)
    exercise = Exercise(clinic=clinic, level=Exercise.Level.BEGINNER, weight_bearing=False)
    _apply(exercise, fields)
    _set_image(exercise, image, image_alt, remove=False)
    exercise.slug = _free_slug(clinic, exercise.name)
    _full_clean(exercise)
    exercise.save()
    return exercise


@transaction.atomic
def exercise_update(
    *,
    exercise: Exercise,
    by: User,
    image: UploadedFile[bytes] | None = None,
    image_alt: str | None = None,
    remove_image: bool = False,
    **fields: Any,
) -> Exercise:
    """Change one of the clinic's own exercises. Shipped rows are read-only (copy one)."""
    locked = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if locked.is_shipped:
        raise ExerciseReadOnly(
            "The shipped library cannot be changed. Copy the exercise to make your own version."
        )
    _check_editor(by, locked.clinic_id)
    _apply(locked, fields)
    _set_image(locked, image, image_alt, remove=remove_image)
    _full_clean(locked)
    locked.save()
    return locked


@transaction.atomic
def exercise_copy(*, exercise: Exercise, clinic: Clinic, by: User) -> Exercise:
    """The clinic's own editable copy of a shipped exercise (or of one of its own): the
    same content, named "... (copy)" when the clinic already has that name, in the same
    place in the chains and with the same easier and harder shipped neighbours.

    Links to the copy start from shipped rows, which every clinic reads; the reads keep
    them to the copy's clinic (`Exercise.neighbour_visible`, `selectors.exercise_links`)."""
    _check_editor(by, clinic)
    if exercise.clinic_id not in (None, clinic.pk):
        raise ExerciseReadOnly("Choose an exercise from your library.")
    copy = Exercise(
        clinic=clinic,
        **{name: getattr(exercise, name) for name in COPIED_FIELDS},
        video_url=exercise.video_url,
    )
    if Exercise.objects.filter(clinic=clinic, name=copy.name).exists():
        copy.name = f"{copy.name} (copy)"[:120]
    copy.slug = _free_slug(clinic, copy.name)
    _full_clean(copy)
    copy.save()
    _copy_links(exercise, copy)
    return copy


def _copy_links(original: Exercise, copy: Exercise) -> None:
    """Give `copy` the original's links to shipped exercises, with the same ranks."""
    harder = original.harder_links.filter(harder__clinic__isnull=True)
    easier = original.easier_links.filter(easier__clinic__isnull=True)
    ExerciseLink.objects.bulk_create(
        [
            *(
                ExerciseLink(
                    easier=copy,
                    harder_id=link.harder_id,
                    rank=link.rank,
                    reverse_rank=link.reverse_rank,
                )
                for link in harder
            ),
            *(
                ExerciseLink(
                    easier_id=link.easier_id,
                    harder=copy,
                    rank=link.rank,
                    reverse_rank=link.reverse_rank,
                )
                for link in easier
            ),
        ]
    )


# --- A clinic's own picture and video for a shipped exercise ---------------------------------


@transaction.atomic
def exercise_media_set(
    *,
    exercise: Exercise,
    clinic: Clinic,
    by: User,
    image: UploadedFile[bytes] | None = None,
    image_alt: str = "",
    remove_image: bool = False,
    video_url: str = "",
) -> ExerciseMedia | None:
    """Set the clinic's own picture and video for a shipped exercise (the clinic's own
    exercises carry theirs, see `exercise_update`). A new image replaces the old one;
    with neither an image nor a video left, the clinic's row is deleted. Returns the row,
    or None when there is none left.

    1. Only the clinic's practitioners and clinic admins, and only for a shipped row.
    2. Lock the clinic's row for the exercise (or start one), apply the changes and check
       them: image size, description with an image, https video link.
    3. Save, or delete the row when it is left empty."""
    _check_editor(by, clinic)
    if not exercise.is_shipped:
        raise ExerciseReadOnly("Change your own exercise's picture and video on its edit page.")
    media = (
        ExerciseMedia.objects.select_for_update().filter(clinic=clinic, exercise=exercise).first()
    ) or ExerciseMedia(clinic=clinic, exercise=exercise)
    old_image = (media.image.name or "") if media.image else ""
    if remove_image or image is not None:
        media.image = ""
    media.image_alt = image_alt.strip() if (media.image or image is not None) else ""
    if image is not None:
        if image.size is not None and image.size > IMAGE_MAX_BYTES:
            raise DomainError("Choose an image of 5 MB or less.", field="image")
        media.image = image
    media.video_url = video_url.strip()
    if media.video_url and not media.video_url.startswith("https://"):
        raise DomainError("Enter a video link that starts with https://", field="video_url")
    if media.image and not media.image_alt:
        raise DomainError(
            "Describe the image for people who cannot see it (alternative text).",
            field="image_alt",
        )
    if old_image and old_image != ((media.image.name or "") if media.image else ""):
        storage = media.image.storage
        transaction.on_commit(lambda: storage.delete(old_image))  # only once the row says so
    if not media.image and not media.video_url:
        if media.pk is not None:
            media.delete()
        return None
    _full_clean_media(media)
    media.save()
    return media


def _full_clean_media(media: ExerciseMedia) -> None:
    try:
        media.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from None
