"""Reading the exercise library from the database: what a clinic sees, searched and
filtered with the same rules as the shipped data (`library.exercise_search`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.fields.files import FieldFile

from clinic.models import Clinic
from prescriptions.library import shipped as library
from prescriptions.models import Exercise, ExerciseLink, ExerciseMedia


def _display_order(e: Exercise) -> tuple[bool, str, str]:
    """The shipped library in CLINICAL.md order (E01…), then the clinic's own by name."""
    return (e.clinic_id is not None, e.ref or "~", e.name.casefold())


def exercise_list_for_clinic(
    *, clinic_id: int, include_inactive: bool = False, ids: Iterable[int] | None = None
) -> list[Exercise]:
    rows = Exercise.objects.visible_to(clinic_id)
    if not include_inactive:
        rows = rows.active()
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return sorted(rows, key=_display_order)


def exercise_search_for_clinic(
    *,
    clinic_id: int,
    text: str = "",
    muscle: str | None = None,
    level: int | None = None,
    equipment: str | None = None,
    weight_bearing: bool | None = None,
    condition: str | None = None,
    safe_for: Iterable[str] = (),
    include_inactive: bool = False,
) -> list[Exercise]:
    """The shipped library and the clinic's own exercises matching every filter given
    (see `library.exercise_search`: words in the name, a primary muscle, a level, needs or
    is loaded with the equipment, weight-bearing or not, suits the condition; `safe_for`
    drops exercises to avoid early in those conditions). Also searches clinics' own rows
    by their words, which have no CLINICAL.md ref."""
    rows = exercise_list_for_clinic(clinic_id=clinic_id, include_inactive=include_inactive)
    return library.exercise_search(
        rows,
        text=text,
        muscle=muscle,
        level=level,
        equipment=equipment,
        weight_bearing=weight_bearing,
        condition=condition,
        safe_for=safe_for,
    )


@dataclass(frozen=True)
class ExerciseLinks:
    regressions: list[Exercise]  # easier, chain neighbour first
    progressions: list[Exercise]  # harder, chain neighbour first


def exercise_links(*, exercise: Exercise, clinic_id: int) -> ExerciseLinks:
    """The exercise's easier and harder neighbours that this clinic may see."""
    harder = (
        ExerciseLink.objects.filter(easier=exercise)
        .filter(Q(harder__clinic__isnull=True) | Q(harder__clinic_id=clinic_id))
        .select_related("harder")
        .order_by("rank", "harder__name")
    )
    easier = (
        ExerciseLink.objects.filter(harder=exercise)
        .filter(Q(easier__clinic__isnull=True) | Q(easier__clinic_id=clinic_id))
        .select_related("easier")
        .order_by("reverse_rank", "easier__name")
    )
    return ExerciseLinks(
        regressions=[link.easier for link in easier],
        progressions=[link.harder for link in harder],
    )


def labels(kind: str, codes: Iterable[str]) -> list[str]:
    """Labels of vocabulary codes (kind: muscles, equipment, load_types, conditions)."""
    vocab = getattr(library.default_library(), kind)
    return [vocab.get(c, c.replace("_", " ")) for c in codes]


def chain_positions(exercise: Exercise) -> list[tuple[str, int, int]]:
    """(chain name, step, steps in the chain) for each chain the exercise sits in."""
    lib = library.default_library()
    out = []
    for p in exercise.chains:
        chain = lib.chains.get(p["chain"])
        if chain is not None:
            out.append((chain.name, p["step"], len(chain.steps)))
    return out


@dataclass(frozen=True)
class ClinicMedia:
    """A clinic's own picture and video for an exercise."""

    image: FieldFile | None
    image_alt: str
    video_url: str
    on_exercise: bool  # True: the clinic's own exercise's fields; False: an ExerciseMedia row


def exercise_media(exercise: Exercise, clinic: Clinic | int) -> ClinicMedia | None:
    """The clinic's own picture and video for `exercise`, or None when it has none: the
    exercise's own fields when it is the clinic's exercise, the clinic's `ExerciseMedia`
    row when it is a shipped one. Another clinic's exercise has none for this clinic."""
    clinic_id = clinic.pk if isinstance(clinic, Clinic) else clinic
    if exercise.clinic_id == clinic_id:
        if not exercise.image and not exercise.video_url:
            return None
        return ClinicMedia(
            image=exercise.image or None,
            image_alt=exercise.image_alt,
            video_url=exercise.video_url,
            on_exercise=True,
        )
    if not exercise.is_shipped:
        return None
    media = ExerciseMedia.objects.filter(clinic_id=clinic_id, exercise=exercise).first()
    if media is None:
        return None
    return ClinicMedia(
        image=media.image or None,
        image_alt=media.image_alt,
        video_url=media.video_url,
        on_exercise=False,
    )


def exercise_media_row(*, exercise: Exercise, clinic_id: int) -> ExerciseMedia | None:
    """The clinic's `ExerciseMedia` row for a shipped exercise, for its edit form."""
    return ExerciseMedia.objects.filter(clinic_id=clinic_id, exercise=exercise).first()
