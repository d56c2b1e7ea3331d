"""Apply a progression suggestion with one action: a new version of the programme with
that one change, published so the patient sees it (and gets the "your programme is
ready" email, as for any publish).

The suggestion is worked out again here from the logs (prescriptions/programme_progress),
so a page left open cannot apply advice that no longer holds; the choice must be one the
suggestion offers: a load in its 2-10 % range, or an exercise it names (the next in the
chain, or an easier one when the pain rule was broken). Built on the programme services:
programme_draft_get_or_create -> programme_item_update -> programme_publish.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from clinic.errors import DomainError
from clinic.models import User
from prescriptions.library.shipped import EXTERNAL_LOADS
from prescriptions.models import Exercise, Programme, ProgrammeItem, ProgrammeVersion
from prescriptions.patient_programme.selectors import kg_text
from prescriptions.programmes.progress import (
    APPLICABLE,
    apply_choices,
    exercise_history,
    item_suggestion,
)
from prescriptions.programmes.services import (
    DEFAULT_BAND_COLOUR,
    programme_draft_get_or_create,
    programme_item_update,
    programme_publish,
)
from prescriptions.rules import dosing

CHANGE_NOTE_LIMIT = 300
"""ProgrammeVersion.change_note's length."""


class ProgressionStale(DomainError):
    """The programme or its logs changed since the page was shown."""


def _load_for(exercise: Exercise, item: ProgrammeItem) -> dict[str, Any]:
    """Keep the item's load when the new exercise takes that kind of load; else the new
    exercise's usual one. An exercise that needs a weight nobody chose is refused."""
    types = set(exercise.load_types or ["body_weight"])
    kind = item.load_kind
    if (
        (kind == ProgrammeItem.LoadKind.BODY_WEIGHT and "body_weight" in types)
        or (kind == ProgrammeItem.LoadKind.BAND and "band" in types)
        or (kind == ProgrammeItem.LoadKind.EXTERNAL and types & EXTERNAL_LOADS)
    ):
        return {}
    if "body_weight" in types:
        return {"load_kind": ProgrammeItem.LoadKind.BODY_WEIGHT}
    if "band" in types:
        return {"load_kind": ProgrammeItem.LoadKind.BAND, "band_colour": DEFAULT_BAND_COLOUR}
    raise DomainError(f"{exercise.name} needs a weight: make this change in the programme editor.")


def _note(text: str) -> str:
    return text if len(text) <= CHANGE_NOTE_LIMIT else text[: CHANGE_NOTE_LIMIT - 1] + "…"


@transaction.atomic
def progression_apply(
    *, programme: Programme, version_number: int, item_order: int, choice: str, by: User
) -> ProgrammeVersion:
    """Publish a new version with the suggested change to item `item_order` of version
    `version_number` (the current one). `choice` is a load in kg ("62.5") for
    INCREASE_LOAD, or an exercise code for NEXT_EXERCISE and EASE."""
    locked = (
        Programme.objects.select_for_update(of=("self",))
        .select_related("assessment")
        .get(pk=programme.pk)
    )
    current = locked.current_version
    if current is None or current.number != version_number:
        raise ProgressionStale("The programme has changed since this page was shown: look again.")
    if locked.draft_version is not None:
        raise DomainError(
            "This programme has unpublished changes. Publish or finish them in the "
            "programme editor first, then apply the suggestion."
        )
    item = current.items.select_related("exercise").filter(order=item_order).first()
    if item is None:
        raise ProgressionStale("That exercise is no longer in the programme.")
    suggestion = item_suggestion(locked, item, exercise_history(locked, item.exercise))
    options = (
        {c.value: c for c in apply_choices(item, suggestion)}
        if suggestion.action in APPLICABLE
        else {}
    )
    if choice not in options:
        raise ProgressionStale("That suggestion no longer applies: look at it again.")
    draft = programme_draft_get_or_create(programme=locked, by=by)
    draft_item = draft.items.select_related("exercise").get(order=item_order)
    name = item.exercise.name
    if suggestion.action == dosing.Action.INCREASE_LOAD:
        new_load = Decimal(choice)
        programme_item_update(item=draft_item, by=by, load_kg=new_load)
        old_load = kg_text(item.load_kg or 0)
        note = f"{name}: load {old_load} kg to {kg_text(new_load)} kg ({suggestion.reason})"
    else:
        exercise = Exercise.objects.get(code=choice)
        programme_item_update(
            item=draft_item, by=by, exercise=exercise, **_load_for(exercise, item)
        )
        note = f"{name} becomes {exercise.name}. {suggestion.reason}"
    return programme_publish(programme=locked, by=by, change_note=_note(note))
