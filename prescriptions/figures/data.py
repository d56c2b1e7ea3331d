"""The figures' data (`prescriptions/library/data/figures.json`): per exercise slug, the
view, the equipment, the limbs doing the work and the key poses. Loaded and checked once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from prescriptions.figures.skeleton import ARM_JOINTS, LEG_JOINTS, LIMBS, VIEWS, Pose, View

DATA_PATH = Path(__file__).resolve().parent.parent / "library" / "data" / "figures.json"

EQUIPMENT_TYPES = frozenset(
    {
        "mat",
        "step",
        "box",
        "bench",
        "chair",
        "wall",
        "slide",
        "bike",
        "band",
        "strap",
        "loop_band",
        "kettlebell",
        "dumbbell",
        "ball",
    }
)
POSE_KEYS = frozenset({"name", "label", "tilt", "spine", "neck", "x", "y", "lift", "pin", *LIMBS})


class FigureDataError(ValueError):
    pass


@dataclass(frozen=True)
class Equipment:
    """One piece of kit: placed at `x` (its centre; `w` wide, `h` high), or carried at a
    body point `at` (a band runs from `start` to `at`; either may be a point's name or
    a fixed [x, y]). `facing` 1 or -1 puts a chair's back or a wall's face behind or in
    front of the body; `depth` < 0 draws it behind the body."""

    type: str
    x: float = 0.0
    w: float = 0.0
    h: float = 0.0
    at: str | tuple[float, float] = ""
    start: str | tuple[float, float] = ""
    facing: float = 1.0
    depth: float = 1.0


@dataclass(frozen=True)
class Figure:
    slug: str
    view: View
    poses: tuple[Pose, ...]
    equipment: tuple[Equipment, ...] = ()
    worked: frozenset[str] = frozenset({"leg_r", "leg_l"})
    per_side: bool = False
    loop: str = "return"
    elevation: float = 0.0
    """Degrees the camera looks down from (side-lying clams: the knee lift shows)."""


def _where(value: Any) -> str | tuple[float, float]:
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and len(value) == 2:
        return (float(value[0]), float(value[1]))
    return ""


def _pose(slug: str, raw: Mapping[str, Any]) -> Pose:
    unknown = set(raw) - POSE_KEYS
    if unknown:
        raise FigureDataError([f"{slug}: unknown pose keys {sorted(unknown)}"])
    joints: dict[str, dict[str, float]] = {}
    for limb in LIMBS:
        angles = raw.get(limb, {})
        allowed = LEG_JOINTS if limb.startswith("leg") else ARM_JOINTS
        if set(angles) - set(allowed):
            raise FigureDataError([f"{slug}: {limb} has unknown joints {sorted(angles)}"])
        joints[limb] = {k: float(v) for k, v in angles.items()}
    return Pose(
        name=str(raw["name"]),
        label=str(raw["label"]),
        tilt=float(raw.get("tilt", 0)),
        spine=float(raw.get("spine", 0)),
        neck=float(raw.get("neck", 0)),
        x=float(raw.get("x", 0)),
        y=float(raw["y"]) if "y" in raw else None,
        lift=float(raw.get("lift", 0)),
        pin=str(raw.get("pin", "")),
        joints=joints,
    )


def _equipment(slug: str, raw: Mapping[str, Any]) -> Equipment:
    if raw.get("type") not in EQUIPMENT_TYPES:
        raise FigureDataError([f"{slug}: unknown equipment {raw.get('type')!r}"])
    return Equipment(
        type=raw["type"],
        x=float(raw.get("x", 0)),
        w=float(raw.get("w", 0)),
        h=float(raw.get("h", 0)),
        at=_where(raw.get("at", "")),
        start=_where(raw.get("from", "")),
        facing=float(raw.get("facing", 1)),
        depth=float(raw.get("depth", 1)),
    )


def figure_parse(slug: str, raw: Mapping[str, Any]) -> Figure:
    view = raw.get("view", "side")
    if view not in VIEWS:
        raise FigureDataError([f"{slug}: view must be one of {VIEWS}"])
    poses = tuple(_pose(slug, p) for p in raw.get("poses", []))
    if len(poses) < 2:
        raise FigureDataError([f"{slug}: needs at least a start and an end pose"])
    worked = frozenset(raw.get("worked", ["leg_r", "leg_l"]))
    if worked - set(LIMBS):
        raise FigureDataError([f"{slug}: unknown limbs in worked {sorted(worked)}"])
    loop = raw.get("loop", "return")
    if loop not in {"return", "cycle"}:
        raise FigureDataError([f"{slug}: loop is 'return' or 'cycle'"])
    return Figure(
        slug=slug,
        view=view,
        poses=poses,
        equipment=tuple(_equipment(slug, e) for e in raw.get("equipment", [])),
        worked=worked,
        per_side=bool(raw.get("per_side", False)),
        loop=loop,
        elevation=float(raw.get("elevation", 0)),
    )


def figures_parse(data: Mapping[str, Any]) -> dict[str, Figure]:
    return {slug: figure_parse(slug, raw) for slug, raw in data["figures"].items()}


@cache
def figures_load(path: Path = DATA_PATH) -> dict[str, Figure]:
    """Every figure by exercise slug (read once per process)."""
    return figures_parse(json.loads(path.read_text(encoding="utf-8")))
