"""The shipped exercise library: load, validate and search it. Pure: no ORM, no Django.

`prescriptions/data/exercises.json` is the source (CLINICAL.md §3). `library_load()` checks
it in three passes and returns frozen dataclasses:

1. Shape: a JSON Schema (types, required keys, slug format, 3 to 6 steps, 2 to 4 cues).
2. Vocabulary and references: every muscle, equipment, load type, condition, chain and
   linked slug exists; slugs and refs are unique.
3. Graph: links are symmetric (A progresses to B exactly when B regresses to A), the
   "easier than" graph has no cycle, no exercise progresses to one of a lower level, and
   each chain runs 1..n with every exercise linked to every exercise of the step before.

The database models (and a load command) can import the same data through `Library`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from graphlib import CycleError, TopologicalSorter
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

DATA_PATH = Path(__file__).parent / "data" / "exercises.json"

GLUTEAL_TENDINOPATHY = "gluteal_tendinopathy"
"""Condition code for lateral hip pain / gluteal tendinopathy (GTPS)."""

EXTERNAL_LOADS = frozenset(
    {"dumbbell", "kettlebell", "barbell", "cable", "machine", "ankle_weight"}
)
"""Load types measured in kg (so %1RM and load progressions apply)."""


class DoseType(StrEnum):
    REPS = "reps"
    HOLD_SECONDS = "hold_seconds"
    DISTANCE_M = "distance_m"
    STEPS = "steps"


class CautionKind(StrEnum):
    AVOID_EARLY = "avoid_early"  # do not prescribe in the early stage of `condition`
    MODIFY = "modify"  # fine with the change the text describes
    PRECAUTION = "precaution"  # check before prescribing


class LibraryDataError(ValueError):
    """The library data broke a rule; `problems` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Caution:
    text: str
    kind: CautionKind
    condition: str | None = None  # None: applies to everyone


@dataclass(frozen=True)
class ChainPosition:
    chain: str
    step: int  # 1 is the easiest; equal steps are alternatives


@dataclass(frozen=True)
class Chain:
    slug: str
    name: str
    description: str
    source: str
    steps: tuple[tuple[str, ...], ...]  # exercise slugs per step, step 1 first


@dataclass(frozen=True)
class Exercise:
    slug: str
    ref: str  # CLINICAL.md §3/§16 id, e.g. "E06"; "E14b" for an exercise without an id
    name: str
    instructions: tuple[str, ...]  # patient-facing steps, numbered when shown
    cues: tuple[str, ...]
    primary_muscles: tuple[str, ...]
    level: int  # 1 beginner … 5 advanced (Library.levels has the labels)
    equipment: tuple[str, ...]  # needed for the basic version
    load_types: tuple[str, ...]  # ways to load it, the usual one first
    weight_bearing: bool
    dose_type: DoseType
    per_side: bool
    cautions: tuple[Caution, ...]
    suits: tuple[str, ...]  # condition codes
    regressions: tuple[str, ...]  # easier exercises, chain neighbour first
    progressions: tuple[str, ...]  # harder exercises, chain neighbour first
    chains: tuple[ChainPosition, ...]
    source: str
    evidence: str = ""
    distance_m: int | None = None  # usual distance for DoseType.DISTANCE_M
    load_note: str = ""

    @property
    def is_externally_loadable(self) -> bool:
        return any(t in EXTERNAL_LOADS for t in self.load_types)

    @property
    def is_body_weight_only(self) -> bool:
        return self.load_types == ("body_weight",)

    def cautions_for(self, conditions: Iterable[str]) -> tuple[Caution, ...]:
        """Cautions that apply to a patient with `conditions` (general ones always do)."""
        wanted = set(conditions)
        return tuple(c for c in self.cautions if c.condition is None or c.condition in wanted)

    def avoid_early_for(self, condition: str) -> bool:
        return any(
            c.kind == CautionKind.AVOID_EARLY and c.condition == condition for c in self.cautions
        )

    def step_in(self, chain: str) -> int | None:
        return next((p.step for p in self.chains if p.chain == chain), None)


@dataclass(frozen=True)
class Library:
    exercises: tuple[Exercise, ...]
    chains: Mapping[str, Chain]
    levels: Mapping[int, str]  # 1 -> "Beginner"
    conditions: Mapping[str, str]  # code -> label
    muscles: Mapping[str, str]
    equipment: Mapping[str, str]
    load_types: Mapping[str, str]
    _by_slug: Mapping[str, Exercise] = field(repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_slug", {e.slug: e for e in self.exercises})

    def __len__(self) -> int:
        return len(self.exercises)

    def __contains__(self, slug: object) -> bool:
        return slug in self._by_slug

    def exercise(self, slug: str) -> Exercise:
        """The exercise with `slug`; KeyError when there is none."""
        return self._by_slug[slug]

    def chain_exercises(self, chain: str, step: int) -> tuple[Exercise, ...]:
        """The exercises at `step` of `chain` (several when the chain offers alternatives)."""
        steps = self.chains[chain].steps
        if not 1 <= step <= len(steps):
            return ()
        return tuple(self._by_slug[s] for s in steps[step - 1])

    def avoid_early(self, condition: str) -> tuple[Exercise, ...]:
        """Exercises to keep out of the early stage of `condition` (e.g. compressive in GT)."""
        return tuple(e for e in self.exercises if e.avoid_early_for(condition))


# --- Validation ----------------------------------------------------------------------------

_SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"
_CODE = "^[a-z0-9]+(_[a-z0-9]+)*$"
_TEXT = {"type": "string", "minLength": 2}
_CODES = {"type": "array", "items": {"type": "string", "pattern": _CODE}, "uniqueItems": True}
_SLUGS = {"type": "array", "items": {"type": "string", "pattern": _SLUG}, "uniqueItems": True}
_LABELS = {"type": "object", "minProperties": 1, "additionalProperties": _TEXT}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "schema_version",
        "levels",
        "conditions",
        "muscles",
        "equipment",
        "load_types",
        "chains",
        "exercises",
    ],
    "properties": {
        "schema_version": {"const": 1},
        "about": {"type": "string"},
        "levels": {
            "type": "object",
            "propertyNames": {"pattern": "^[1-5]$"},
            "additionalProperties": {
                "type": "object",
                "required": ["code", "label"],
                "properties": {"code": _TEXT | {"minLength": 1}, "label": _TEXT},
                "additionalProperties": False,
            },
        },
        "conditions": _LABELS | {"propertyNames": {"pattern": _CODE}},
        "muscles": _LABELS | {"propertyNames": {"pattern": _CODE}},
        "equipment": _LABELS | {"propertyNames": {"pattern": _CODE}},
        "load_types": _LABELS | {"propertyNames": {"pattern": _CODE}},
        "chains": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["slug", "name", "description", "source"],
                "properties": {
                    "slug": {"type": "string", "pattern": _SLUG},
                    "name": _TEXT,
                    "description": _TEXT,
                    "source": _TEXT,
                },
                "additionalProperties": False,
            },
        },
        "exercises": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "slug",
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
                    "cautions",
                    "regressions",
                    "progressions",
                    "suits",
                    "chains",
                    "source",
                ],
                "properties": {
                    "slug": {"type": "string", "pattern": _SLUG, "maxLength": 80},
                    "ref": {"type": "string", "pattern": "^E[0-9]{2}[a-z]?$"},
                    "name": _TEXT | {"maxLength": 120},
                    "instructions": {
                        "type": "array",
                        "items": _TEXT,
                        "minItems": 3,
                        "maxItems": 6,
                    },
                    "cues": {"type": "array", "items": _TEXT, "minItems": 2, "maxItems": 4},
                    "primary_muscles": _CODES | {"minItems": 1},
                    "level": {"type": "integer", "minimum": 1, "maximum": 5},
                    "equipment": _CODES,
                    "load_types": _CODES | {"minItems": 1},
                    "weight_bearing": {"type": "boolean"},
                    "dose_type": {"enum": [d.value for d in DoseType]},
                    "per_side": {"type": "boolean"},
                    "distance_m": {"type": "integer", "minimum": 1, "maximum": 1000},
                    "load_note": _TEXT,
                    "cautions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["condition", "kind", "text"],
                            "properties": {
                                "condition": {"type": ["string", "null"], "pattern": _CODE},
                                "kind": {"enum": [k.value for k in CautionKind]},
                                "text": _TEXT,
                            },
                            "additionalProperties": False,
                        },
                    },
                    "regressions": _SLUGS,
                    "progressions": _SLUGS,
                    "suits": _CODES,
                    "chains": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["chain", "step"],
                            "properties": {
                                "chain": {"type": "string", "pattern": _SLUG},
                                "step": {"type": "integer", "minimum": 1},
                            },
                            "additionalProperties": False,
                        },
                    },
                    "source": _TEXT,
                    "evidence": _TEXT,
                },
                "additionalProperties": False,
                "if": {"properties": {"dose_type": {"const": "distance_m"}}},
                "then": {"required": ["distance_m"]},
            },
        },
    },
    "additionalProperties": False,
}


def _where(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _schema_problems(data: Any) -> list[str]:
    # Imported on the first load of a library: a process that never reads one (a Celery
    # worker, most web requests) does without jsonschema and its dependencies.
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_where(e.absolute_path)}: {e.message}" for e in errors]


def _reference_problems(data: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    exercises = data["exercises"]
    slugs = [e["slug"] for e in exercises]
    for label, values in (("slug", slugs), ("ref", [e["ref"] for e in exercises])):
        dupes = sorted({v for v in values if values.count(v) > 1})
        problems += [f"duplicate {label} {v!r}" for v in dupes]
    known = set(slugs)
    chain_slugs = [c["slug"] for c in data["chains"]]
    problems += [
        f"duplicate chain {c!r}" for c in sorted(set(chain_slugs)) if chain_slugs.count(c) > 1
    ]
    vocab = {
        "primary_muscles": set(data["muscles"]),
        "equipment": set(data["equipment"]),
        "load_types": set(data["load_types"]),
        "suits": set(data["conditions"]),
    }
    levels = {int(k) for k in data["levels"]}
    for e in exercises:
        where = f"exercise {e['slug']!r}"
        for key, allowed in vocab.items():
            problems += [f"{where}: unknown {key} value {v!r}" for v in e[key] if v not in allowed]
        if e["level"] not in levels:
            problems.append(f"{where}: level {e['level']} has no label in levels")
        for c in e["cautions"]:
            if c["condition"] is not None and c["condition"] not in data["conditions"]:
                problems.append(f"{where}: caution for unknown condition {c['condition']!r}")
        for key in ("regressions", "progressions"):
            for target in e[key]:
                if target not in known:
                    problems.append(f"{where}: {key} refers to unknown exercise {target!r}")
                elif target == e["slug"]:
                    problems.append(f"{where}: {key} refers to itself")
        seen_chains = [p["chain"] for p in e["chains"]]
        for chain in seen_chains:
            if chain not in chain_slugs:
                problems.append(f"{where}: unknown chain {chain!r}")
            elif seen_chains.count(chain) > 1:
                problems.append(f"{where}: listed twice in chain {chain!r}")
        avoided = {c["condition"] for c in e["cautions"] if c["kind"] == CautionKind.AVOID_EARLY}
        for condition in sorted(avoided & set(e["suits"])):
            problems.append(f"{where}: suits {condition!r} yet is to be avoided early in it")
    return problems


def _graph_problems(data: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    by_slug = {e["slug"]: e for e in data["exercises"]}
    harder_than: dict[str, set[str]] = {slug: set() for slug in by_slug}  # node -> easier ones
    for slug, e in by_slug.items():
        for harder in e["progressions"]:
            harder_than[harder].add(slug)
            if slug not in by_slug[harder]["regressions"]:
                problems.append(
                    f"exercise {slug!r} progresses to {harder!r}, "
                    f"but {harder!r} does not list {slug!r} as a regression"
                )
            if by_slug[harder]["level"] < e["level"]:
                problems.append(
                    f"exercise {slug!r} (level {e['level']}) progresses to {harder!r}, "
                    f"an easier level ({by_slug[harder]['level']})"
                )
        for easier in e["regressions"]:
            harder_than[slug].add(easier)
            if slug not in by_slug[easier]["progressions"]:
                problems.append(
                    f"exercise {slug!r} regresses to {easier!r}, "
                    f"but {easier!r} does not list {slug!r} as a progression"
                )
    try:
        tuple(TopologicalSorter(harder_than).static_order())
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        problems.append(f"progressions form a cycle: {cycle}")
    for chain in data["chains"]:
        steps = _chain_steps(chain["slug"], data["exercises"])
        name = f"chain {chain['slug']!r}"
        if len(steps) < 2:
            problems.append(f"{name}: needs at least two steps")
        for number, step in enumerate(steps, start=1):
            if not step:
                problems.append(f"{name}: step {number} has no exercise")
        for before, after in pairwise(steps):
            for slug in after:
                missing = [b for b in before if b not in by_slug[slug]["regressions"]]
                problems += [
                    f"{name}: {slug!r} does not regress to the step before ({m!r})" for m in missing
                ]
    return problems


def _chain_steps(chain: str, exercises: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    positions = [
        (p["step"], e["slug"]) for e in exercises for p in e["chains"] if p["chain"] == chain
    ]
    steps: list[list[str]] = [[] for _ in range(max((s for s, _ in positions), default=0))]
    for step, slug in positions:
        steps[step - 1].append(slug)
    return steps


def library_validate(data: Any) -> list[str]:
    """Every problem with the library `data` (parsed JSON); an empty list when it is sound."""
    problems = _schema_problems(data)
    if problems:
        return problems  # the later passes assume the shape
    problems = _reference_problems(data)
    if problems:
        return problems  # the graph pass assumes the references resolve
    return _graph_problems(data)


def library_parse(data: Any) -> Library:
    """Validate `data` and build the `Library`; LibraryDataError lists all problems."""
    problems = library_validate(data)
    if problems:
        raise LibraryDataError(problems)
    exercises = tuple(_exercise(e) for e in data["exercises"])
    chains = {
        c["slug"]: Chain(
            slug=c["slug"],
            name=c["name"],
            description=c["description"],
            source=c["source"],
            steps=tuple(tuple(s) for s in _chain_steps(c["slug"], data["exercises"])),
        )
        for c in data["chains"]
    }
    return Library(
        exercises=exercises,
        chains=chains,
        levels={int(k): v["label"] for k, v in sorted(data["levels"].items())},
        conditions=dict(data["conditions"]),
        muscles=dict(data["muscles"]),
        equipment=dict(data["equipment"]),
        load_types=dict(data["load_types"]),
    )


_INTERNAL_REFERENCE = re.compile(
    r"\s*\(CLINICAL\.md [^()]*\)|[;,]\s*CLINICAL\.md §[\w.]+|\s+in CLINICAL\.md §[\w.]+"
)


def without_internal_references(text: str) -> str:
    """The text without its pointers into CLINICAL.md (the data file keeps them for the
    maintainers; people read the source's name or plain words)."""
    return _INTERNAL_REFERENCE.sub("", text)


def _exercise(e: Mapping[str, Any]) -> Exercise:
    return Exercise(
        slug=e["slug"],
        ref=e["ref"],
        name=e["name"],
        instructions=tuple(e["instructions"]),
        cues=tuple(e["cues"]),
        primary_muscles=tuple(e["primary_muscles"]),
        level=e["level"],
        equipment=tuple(e["equipment"]),
        load_types=tuple(e["load_types"]),
        weight_bearing=e["weight_bearing"],
        dose_type=DoseType(e["dose_type"]),
        per_side=e["per_side"],
        cautions=tuple(
            Caution(
                text=without_internal_references(c["text"]),
                kind=CautionKind(c["kind"]),
                condition=c["condition"],
            )
            for c in e["cautions"]
        ),
        suits=tuple(e["suits"]),
        regressions=tuple(e["regressions"]),
        progressions=tuple(e["progressions"]),
        chains=tuple(ChainPosition(chain=p["chain"], step=p["step"]) for p in e["chains"]),
        source=e["source"],
        evidence=without_internal_references(e.get("evidence", "")),
        distance_m=e.get("distance_m"),
        load_note=e.get("load_note", ""),
    )


def library_load(path: Path = DATA_PATH) -> Library:
    """Read, validate and build the library stored at `path`."""
    with path.open(encoding="utf-8") as fh:
        return library_parse(json.load(fh))


@cache
def default_library() -> Library:
    """The shipped library, loaded once per process."""
    return library_load(DATA_PATH)


# --- Search --------------------------------------------------------------------------------


class Searchable(Protocol):
    """What `exercise_search` reads: a shipped `Exercise`, or a database row."""

    @property
    def name(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def ref(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def weight_bearing(self) -> bool: ...
    @property
    def primary_muscles(self) -> Sequence[str]: ...
    @property
    def equipment(self) -> Sequence[str]: ...
    @property
    def load_types(self) -> Sequence[str]: ...
    @property
    def suits(self) -> Sequence[str]: ...
    def avoid_early_for(self, condition: str) -> bool: ...
    def step_in(self, chain: str) -> int | None: ...


def exercise_search[E: Searchable](
    exercises: Iterable[E],
    *,
    text: str = "",
    muscle: str | None = None,
    level: int | None = None,
    max_level: int | None = None,
    equipment: str | None = None,
    available_equipment: Iterable[str] | None = None,
    weight_bearing: bool | None = None,
    condition: str | None = None,
    safe_for: Iterable[str] = (),
    chain: str | None = None,
) -> list[E]:
    """The exercises matching every filter given, in their original order.

    - `text`: every word appears in the name, slug or ref (case- and accent-blind).
    - `muscle`: a primary-muscle code.
    - `level` exactly, or anything up to `max_level`.
    - `equipment`: the exercise needs it or can be loaded with it.
    - `available_equipment`: the exercise needs nothing outside this set.
    - `weight_bearing`: True or False; None for both.
    - `condition`: the exercise is listed as suiting this condition.
    - `safe_for`: drop exercises to avoid early in any of these conditions.
    - `chain`: the exercise sits in this chain (results then run in chain order).
    """
    words = _fold(text).split()
    available = None if available_equipment is None else set(available_equipment)
    unsafe = set(safe_for)
    found = []
    for e in exercises:
        haystack = _fold(f"{e.name} {e.slug} {e.ref}")
        if any(w not in haystack for w in words):
            continue
        if muscle is not None and muscle not in e.primary_muscles:
            continue
        if level is not None and e.level != level:
            continue
        if max_level is not None and e.level > max_level:
            continue
        if equipment is not None and equipment not in (*e.equipment, *e.load_types):
            continue
        if available is not None and not set(e.equipment) <= available:
            continue
        if weight_bearing is not None and e.weight_bearing != weight_bearing:
            continue
        if condition is not None and condition not in e.suits:
            continue
        if any(e.avoid_early_for(c) for c in unsafe):
            continue
        if chain is not None and e.step_in(chain) is None:
            continue
        found.append(e)
    if chain is not None:
        found.sort(key=lambda e: e.step_in(chain) or 0)
    return found


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
