"""Reading the exercise library from the database: what a clinic sees, searched and
filtered with the same rules as the shipped data (`library.exercise_search`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from prescriptions.library import shipped as library
from prescriptions.models import Exercise, ExerciseLink


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
