"""The body: segment lengths, a pose (where the pelvis is, how the body is turned, and
joint angles in degrees) and forward kinematics to named points. Pure: no Django.

Coordinates. The body is worked out in 3-D and drawn with an orthographic camera that
looks along the depth axis: x to the right, y up (the ground is y = 0), z towards the
viewer. In the "side" view the body faces right, so its right side is the near one; in
the "front" view it faces the viewer, so its right side is on the viewer's left. `tilt`
turns the whole body clockwise in the picture (a side-view forward lean is positive; 90
lays it face down, -90 on its back).

Joint angles (degrees, 0 = standing tall, arms by the sides):
- spine: trunk flexion over the pelvis (curl-up positive); neck: head flexion;
- leg: hip flexion `hip` (thigh forwards), abduction `abd` (out to the side), external
  rotation `rot`, knee flexion `knee`, ankle plantarflexion `ankle` (toes down);
- arm: shoulder flexion `sh` (arm forwards, 180 overhead), abduction `abd`, elbow
  flexion `elbow`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

View = Literal["side", "front"]
VIEWS: tuple[View, ...] = ("side", "front")

# Segment lengths in drawing units (about a centimetre each for a 1.6 m figure).
TRUNK = 50.0
NECK = 4.0
HEAD_R = 9.0
SHOULDER_HALF = 9.0
HIP_HALF = 6.0
UPPER_ARM = 27.0
FOREARM = 26.0
THIGH = 42.0
SHIN = 41.0
FOOT = 13.0

LIMB_W = 7.0
"""Stroke width of arms and legs."""
TRUNK_W = 14.0
"""Stroke width of the trunk outline (its thickness seen from the side)."""

LEG_JOINTS = ("hip", "abd", "rot", "knee", "ankle")
ARM_JOINTS = ("sh", "abd", "elbow")
LIMBS = ("leg_r", "leg_l", "arm_r", "arm_l")

Vec = tuple[float, float, float]
Mat = tuple[Vec, Vec, Vec]  # rows


def _rx(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((1.0, 0.0, 0.0), (0.0, c, -s), (0.0, s, c))


def _ry(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((c, 0.0, s), (0.0, 1.0, 0.0), (-s, 0.0, c))


def _rz(deg: float) -> Mat:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return ((c, -s, 0.0), (s, c, 0.0), (0.0, 0.0, 1.0))


def _mul(a: Mat, b: Mat) -> Mat:
    cols = list(zip(*b, strict=True))
    return tuple(  # type: ignore[return-value]
        tuple(sum(x * y for x, y in zip(row, col, strict=True)) for col in cols) for row in a
    )


def _apply(m: Mat, v: Vec) -> Vec:
    return tuple(sum(x * y for x, y in zip(row, v, strict=True)) for row in m)  # type: ignore[return-value]


def _add(a: Vec, b: Vec, k: float = 1.0) -> Vec:
    return (a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2])


# Body axes (forward, up, right) as the columns of the view's base rotation.
_VIEW_BASE: dict[View, Mat] = {
    "side": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    # forward = +z (towards the viewer), up = +y, right = -x
    "front": ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0)),
}


@dataclass(frozen=True)
class Pose:
    """One key position of an exercise.

    `x` places the hip centre across the picture. The height comes from the ground: the
    lowest part of the body rests on y = `lift` (a step's height, say), unless `y` sets
    the hip centre's height itself (a jump). `pin` names a point (e.g. "ankle_l") that
    stays where it is in the figure's first pose, so a planted foot does not slide.
    """

    name: str
    label: str
    tilt: float = 0.0
    spine: float = 0.0
    neck: float = 0.0
    x: float = 0.0
    y: float | None = None
    lift: float = 0.0
    pin: str = ""
    joints: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def angle(self, limb: str, joint: str) -> float:
        return float(self.joints.get(limb, {}).get(joint, 0.0))


Points = dict[str, Vec]
"""Named points of a posed body in picture coordinates (x, y, depth)."""

HALF_THICKNESS = {"head": HEAD_R + 1.0, "hip_c": TRUNK_W / 2, "neck": TRUNK_W / 2}
"""How far below a point the body's outline reaches (limbs: half their stroke)."""


def _limb_points(origin: Vec, base: Mat, pose: Pose, limb: str, side: int) -> list[tuple[str, Vec]]:
    """Forward kinematics of one limb from its root joint (hip or shoulder)."""
    suffix = limb[-2:]
    if limb.startswith("leg"):
        hip = pose.angle(limb, "hip")
        thigh = _mul(
            base,
            _mul(
                _rz(hip),
                _mul(_rx(-side * pose.angle(limb, "abd")), _ry(-side * pose.angle(limb, "rot"))),
            ),
        )
        knee = _add(origin, _apply(thigh, (0.0, -THIGH, 0.0)))
        shin = _mul(thigh, _rz(-pose.angle(limb, "knee")))
        ankle = _add(knee, _apply(shin, (0.0, -SHIN, 0.0)))
        foot = _mul(shin, _rz(-pose.angle(limb, "ankle")))
        toe = _add(ankle, _apply(foot, (FOOT, 0.0, 0.0)))
        return [("knee" + suffix, knee), ("ankle" + suffix, ankle), ("toe" + suffix, toe)]
    upper = _mul(base, _mul(_rz(pose.angle(limb, "sh")), _rx(-side * pose.angle(limb, "abd"))))
    elbow = _add(origin, _apply(upper, (0.0, -UPPER_ARM, 0.0)))
    fore = _mul(upper, _rz(pose.angle(limb, "elbow")))
    hand = _add(elbow, _apply(fore, (0.0, -FOREARM, 0.0)))
    return [("elbow" + suffix, elbow), ("hand" + suffix, hand)]


def pose_points(pose: Pose, view: View) -> Points:
    """The body's named points for `pose`, before it is placed on the ground."""
    body = _mul(_rz(-pose.tilt), _VIEW_BASE[view])
    trunk = _mul(body, _rz(-pose.spine))
    points: Points = {"hip_c": (0.0, 0.0, 0.0)}
    neck = _apply(trunk, (0.0, TRUNK, 0.0))
    points["neck"] = neck
    points["head"] = _add(neck, _apply(_mul(trunk, _rz(-pose.neck)), (0.0, NECK + HEAD_R, 0.0)))
    for suffix, side in (("_r", 1), ("_l", -1)):
        hip = _apply(body, (0.0, 0.0, side * HIP_HALF))
        shoulder = _add(neck, _apply(trunk, (0.0, 0.0, side * SHOULDER_HALF)))
        points["hip" + suffix] = hip
        points["shoulder" + suffix] = shoulder
        points.update(_limb_points(hip, body, pose, "leg" + suffix, side))
        points.update(_limb_points(shoulder, trunk, pose, "arm" + suffix, side))
    for pair in ("hand", "knee", "ankle", "toe"):
        a, b = points[pair + "_r"], points[pair + "_l"]
        points[pair + "s"] = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2)
    return points


def lowest(points: Points) -> float:
    """The height of the lowest part of the body outline."""
    return min(p[1] - HALF_THICKNESS.get(name, LIMB_W / 2) for name, p in points.items())


def shifted(points: Points, dx: float, dy: float) -> Points:
    return {k: (p[0] + dx, p[1] + dy, p[2]) for k, p in points.items()}


def camera(points: Points, elevation: float) -> Points:
    """The points seen from `elevation` degrees above the horizon (0: level). Things
    nearer the viewer drop lower in the picture, so a movement towards the viewer shows."""
    if not elevation:
        return points
    c, s = math.cos(math.radians(elevation)), math.sin(math.radians(elevation))
    return {k: (p[0], p[1] * c - p[2] * s, p[2] * c + p[1] * s) for k, p in points.items()}


def placed_poses(poses: tuple[Pose, ...], view: View, elevation: float = 0.0) -> list[Points]:
    """Every pose's points in the picture: on the ground (or at `y`), pins held, then
    seen from the camera's elevation."""
    return [camera(p, elevation) for p in _grounded(poses, view)]


def _grounded(poses: tuple[Pose, ...], view: View) -> list[Points]:
    placed: list[Points] = []
    for pose in poses:
        raw = pose_points(pose, view)
        dy = pose.y if pose.y is not None else pose.lift - lowest(raw)
        dx = pose.x
        if pose.pin and placed:
            dx = placed[0][pose.pin][0] - raw[pose.pin][0]
        placed.append(shifted(raw, dx, dy))
    return placed
