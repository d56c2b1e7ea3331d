"""Figures as SVG: an animated figure (SMIL, no script) and a still pair of the start and
end poses side by side (for reduced motion, print and the PDF). Pure: strings in, string
out; every text is escaped.

The animated SVG loops start -> (middle) -> end -> back to start, holding at each end
(`loop` "return"), or goes round the poses without holds (`loop` "cycle": cycling,
walking). Shapes that move carry <animate> (points) or <animateTransform> (translate).
The still pair draws the same shapes with plain presentation attributes only, which
fpdf2 can draw into a PDF.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from prescriptions.figures.data import Equipment, Figure
from prescriptions.figures.skeleton import (
    HEAD_R,
    LIMB_W,
    TRUNK_W,
    Points,
    placed_poses,
)

Side = str  # "right" (as drawn) or "left" (mirrored)

INK = "#3b4a54"
"""Trunk and head."""
ACCENT = "#1d70b8"
"""The limbs doing the work."""
REST = "#858f94"
"""The other limbs (3:1 against white, like the accent)."""
KIT = "#505a5f"
"""Equipment outlines."""
KIT_FILL = "#dee0e2"
BAND = "#f47738"
GROUND = "#b1b4b6"

HOLD_S = 0.8
MOVE_S = 1.4
MARGIN = 6.0
GAP = 24.0
"""Between the start and end pose of the still pair (an arrow sits in it)."""

XY = tuple[float, float]


def _n(v: float) -> str:
    """A compact number: one decimal place, no trailing zero."""
    text = f"{v:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _pts(points: Sequence[XY]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _attrs(attrs: dict[str, str | float]) -> str:
    return "".join(
        f" {k.replace('_', '-')}={quoteattr(_n(v) if isinstance(v, float) else str(v))}"
        for k, v in attrs.items()
    )


@dataclass
class Shape:
    """One drawn thing across every pose: a polyline/polygon whose points move, a group
    drawn around the origin and moved by translate, or a fixed element."""

    tag: str
    attrs: dict[str, str | float]
    frames: list[list[XY]] = field(default_factory=list)  # points per pose
    moves: list[XY] = field(default_factory=list)  # translate per pose
    inner: str = ""  # a group's content, drawn around (0, 0)
    extent: float = 0.0  # how far the group's content reaches from its origin
    depth: float = 0.0

    def coords(self) -> list[XY]:
        out = [p for f in self.frames for p in f]
        for x, y in self.moves:
            out += [(x - self.extent, y - self.extent), (x + self.extent, y + self.extent)]
        return out

    def still(self, i: int, dx: float = 0.0) -> str:
        if self.moves:
            x, y = self.moves[i]
            return f'<g transform="translate({_n(x + dx)} {_n(y)})">{self.inner}</g>'
        frame = self.frames[min(i, len(self.frames) - 1)]
        shifted = [(x + dx, y) for x, y in frame]
        return f"<{self.tag} points={quoteattr(_pts(shifted))}{_attrs(self.attrs)}/>"

    def animated(self, order: list[int], timing: str) -> str:
        if self.moves:
            moves = [self.moves[i] for i in order]
            x, y = moves[0]
            anim = ""
            if len(set(moves)) > 1:
                values = ";".join(f"{_n(a)} {_n(b)}" for a, b in moves)
                anim = (
                    '<animateTransform attributeName="transform" type="translate" '
                    f'values="{values}"{timing}/>'
                )
            return f'<g transform="translate({_n(x)} {_n(y)})">{anim}{self.inner}</g>'
        frames = [self.frames[min(i, len(self.frames) - 1)] for i in order]
        anim = ""
        if len({tuple(f) for f in frames}) > 1:
            values = ";".join(_pts(f) for f in frames)
            anim = f'<animate attributeName="points" values="{values}"{timing}/>'
        points = quoteattr(_pts(frames[0]))
        return f"<{self.tag} points={points}{_attrs(self.attrs)}>{anim}</{self.tag}>"


def _limb_colour(figure: Figure, limb: str) -> str:
    return ACCENT if limb in figure.worked else REST


def _body_shapes(figure: Figure, frames: list[Points], m: float) -> list[Shape]:
    def xy(p: tuple[float, float, float]) -> XY:
        return (m * p[0], -p[1])

    def chain(names: tuple[str, ...]) -> list[list[XY]]:
        return [[xy(f[n]) for n in names] for f in frames]

    def depth(names: tuple[str, ...]) -> float:
        return sum(frames[0][n][2] for n in names) / len(names)

    shapes = []
    for s in ("_r", "_l"):
        leg = ("hip" + s, "knee" + s, "ankle" + s, "toe" + s)
        arm = ("shoulder" + s, "elbow" + s, "hand" + s)
        for limb, names in (("leg" + s, leg), ("arm" + s, arm)):
            shapes.append(
                Shape(
                    "polyline",
                    {"stroke": _limb_colour(figure, limb)},
                    frames=chain(names),
                    depth=depth(names) + (0.01 if limb.startswith("arm") else 0.0),
                )
            )
    torso = ("hip_l", "hip_r", "shoulder_r", "shoulder_l")
    shapes.append(
        Shape(
            "polygon",
            {"stroke": INK, "fill": INK, "stroke_width": TRUNK_W},
            frames=chain(torso),
            depth=0.0,
        )
    )
    shapes.append(
        Shape(
            "g",
            {},
            moves=[xy(f["head"]) for f in frames],
            inner=f'<circle r="{_n(HEAD_R)}" fill="{INK}" stroke="none"/>',
            extent=HEAD_R,
            depth=0.001,
        )
    )
    return shapes


# --- Equipment ------------------------------------------------------------------------


def _at(frames: list[Points], where: str | Sequence[float], m: float) -> list[XY]:
    """A point per pose: a body point's name, or fixed [x, y]."""
    if isinstance(where, str):
        return [(m * f[where][0], -f[where][1]) for f in frames]
    x, y = float(where[0]), float(where[1])
    return [(m * x, -y)] * len(frames)


def _rect(x0: float, y0: float, x1: float, y1: float, m: float, **attrs: str | float) -> Shape:
    """A fixed rectangle between two corners (picture units, y up), as a polygon."""
    a, b = sorted((m * x0, m * x1))
    corners = [(a, -y0), (b, -y0), (b, -y1), (a, -y1)]
    return Shape(
        "polygon", {"fill": KIT_FILL, "stroke": KIT, "stroke_width": 2.0, **attrs}, frames=[corners]
    )


def _line(points: Sequence[XY], m: float, **attrs: str | float) -> Shape:
    return Shape(
        "polyline",
        {"stroke": KIT, "stroke_width": 3.0, **attrs},
        frames=[[(m * x, -y) for x, y in points]],
    )


def _carried(frames: list[Points], eq: Equipment, m: float, inner: str, extent: float) -> Shape:
    return Shape(
        "g", {}, moves=_at(frames, eq.at or "hands", m), inner=inner, extent=extent, depth=eq.depth
    )


def _equipment(
    eq: Equipment, frames: list[Points], m: float, span: tuple[float, float], below: float
) -> list[Shape]:
    """The shapes of one piece of kit; `below`: the sine of the camera's elevation."""
    x, w, h = eq.x, eq.w, eq.h
    kind = eq.type
    if kind == "mat":
        x0, x1 = (x - w / 2, x + w / 2) if w else span
        if below:  # seen from above: a band on the floor
            return [_rect(x0, 20 * below, x1, -30 * below, m, fill="#c9dcea", stroke="none")]
        return [_rect(x0, 0.0, x1, 2.0, m, fill="#c9dcea", stroke="#5694ca", stroke_width=1.0)]
    if kind in {"step", "box"}:
        return [_rect(x - w / 2, 0.0, x + w / 2, h, m)]
    if kind == "bench":
        top = _rect(x - w / 2, h - 6, x + w / 2, h, m)
        legs = [_line([(x + dx, 0.0), (x + dx, h - 6)], m) for dx in (-w / 2 + 4, w / 2 - 4)]
        return [top, *legs]
    if kind == "chair":
        back = x - eq.facing * w / 2
        seat = _rect(x - w / 2, h - 4, x + w / 2, h, m)
        legs = [_line([(x + dx, 0.0), (x + dx, h - 4)], m) for dx in (-w / 2 + 3, w / 2 - 3)]
        return [seat, *legs, _line([(back, h), (back, h + 42)], m, stroke_width=4.0)]
    if kind == "wall":
        return [_rect(x, 0.0, x + eq.facing * 8, h or 175.0, m, fill="#eceef0", stroke=KIT)]
    if kind == "slide":
        x0, x1 = (x - w / 2, x + w / 2)
        return [_rect(x0, 0.0, x1, 2.5, m, fill="#eceef0")]
    if kind == "bike":
        # A stationary bike: base, frame post to the saddle, crank hub, bars.
        hub = (x + 10, 28.0)
        return [
            _line([(x - 30, 2), (x + 45, 2)], m, stroke_width=4.0),
            _line([(x, h), (hub[0], hub[1]), (x + 40, 3)], m, stroke_width=4.0),
            _line([(hub[0], hub[1]), (x + 38, h + 18), (x + 46, h + 20)], m, stroke_width=4.0),
            _line([(x - 9, h), (x + 7, h)], m, stroke_width=5.0),
            Shape(
                "g",
                {},
                moves=[(m * hub[0], -hub[1])] * len(frames),
                inner=f'<circle r="17" fill="none" stroke="{KIT}" stroke-width="2"/>',
                extent=17.0,
            ),
        ]
    if kind in {"band", "strap"}:
        a = _at(frames, eq.start, m)
        b = _at(frames, eq.at, m)
        colour = BAND if kind == "band" else KIT
        return [
            Shape(
                "polyline",
                {"stroke": colour, "stroke_width": 3.0},
                frames=[[p, q] for p, q in zip(a, b, strict=True)],
                depth=eq.depth,
            )
        ]
    if kind == "loop_band":
        # A loop around two points (knees or ankles): a short thick band that stays
        # visible when the two points overlap in a side view.
        a = _at(frames, eq.start, m)
        b = _at(frames, eq.at, m)
        return [
            Shape(
                "polyline",
                {"stroke": BAND, "stroke_width": 6.0, "stroke_opacity": "0.85"},
                frames=[[p, q] for p, q in zip(a, b, strict=True)],
                depth=eq.depth,
            )
        ]
    if kind == "kettlebell":
        inner = (
            f'<circle cy="11" r="7" fill="{KIT}" stroke="none"/>'
            f'<path d="M-4 5V1h8v4" fill="none" stroke="{KIT}" stroke-width="2"/>'
        )
        return [_carried(frames, eq, m, inner, 18.0)]
    if kind == "dumbbell":
        inner = f'<path d="M-7 0h14M-7-4v8M7-4v8" fill="none" stroke="{KIT}" stroke-width="3"/>'
        return [_carried(frames, eq, m, inner, 8.0)]
    if kind == "ball":
        r = eq.w or 12.0
        inner = f'<circle r="{_n(r)}" fill="#f3c26b" stroke="{KIT}" stroke-width="1.5"/>'
        return [_carried(frames, eq, m, inner, r)]
    raise ValueError(f"Unknown equipment {kind!r}.")  # data.py refuses these first


# --- The SVG --------------------------------------------------------------------------


def _span(frames: list[Points]) -> tuple[float, float]:
    xs = [p[0] for f in frames for p in f.values()]
    return min(xs) - 8.0, max(xs) + 8.0


def _scene(figure: Figure, side: Side) -> list[Shape]:
    m = -1.0 if side == "left" else 1.0
    frames = placed_poses(figure.poses, figure.view, figure.elevation)
    span = _span(frames)
    below = math.sin(math.radians(figure.elevation))
    behind: list[Shape] = []
    front: list[Shape] = []
    for eq in figure.equipment:
        # The floor's kit lies under the body; the rest is in front unless its depth says.
        under = eq.type in {"mat", "slide"} or eq.depth < 0
        (behind if under else front).extend(_equipment(eq, frames, m, span, below))
    body = sorted(_body_shapes(figure, frames, m), key=lambda s: s.depth)
    return behind + body + front


def _bounds(shapes: list[Shape]) -> tuple[float, float, float, float]:
    pad = LIMB_W / 2 + 1.0
    coords = [c for s in shapes for c in s.coords()]
    widths = [float(s.attrs.get("stroke_width", LIMB_W)) / 2 for s in shapes]
    pad = max(pad, *widths) + 1.0
    xs = [x for x, _ in coords]
    ys = [y for _, y in coords]
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(max(ys) + pad, 2.0)


def figure_label(figure: Figure, side: Side, name: str) -> str:
    """The figure's text alternative: the exercise, the side, then the poses."""
    which = f", {side} side" if figure.per_side else ""
    steps = ", then ".join(p.label for p in figure.poses)
    return f"Drawing of {name}{which}: {steps}."


def _open(label: str, vb: tuple[float, float, float, float], css: str) -> str:
    x0, y0, x1, y1 = vb
    w, h = x1 - x0, y1 - y0
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" viewBox="{_n(x0)} {_n(y0)} '
        f'{_n(w)} {_n(h)}" width="{_n(w)}" height="{_n(h)}" role="img" '
        f"aria-label={quoteattr(label)}><title>{escape(label)}</title>"
    )


def _body_group(content: str) -> str:
    return (
        f'<g fill="none" stroke-width="{_n(LIMB_W)}" stroke-linecap="round" '
        f'stroke-linejoin="round">{content}</g>'
    )


def _floor_depth(figure: Figure) -> float:
    """How far below y = 0 the floor reaches in the picture (seen from above, it is a band)."""
    return 40.0 * math.sin(math.radians(figure.elevation))


def _ground(figure: Figure, x0: float, x1: float) -> str:
    if figure.elevation:
        s = math.sin(math.radians(figure.elevation))
        return (
            f'<polygon points="{_pts([(x0, -30 * s), (x1, -30 * s), (x1, 40 * s), (x0, 40 * s)])}" '
            'fill="#eef0f1" aria-hidden="true"/>'
        )
    return (
        f'<line x1="{_n(x0)}" y1="0" x2="{_n(x1)}" y2="0" stroke="{GROUND}" '
        'stroke-width="2" aria-hidden="true"/>'
    )


def _timeline(figure: Figure) -> tuple[list[int], str]:
    """The order poses are shown in, and the SMIL timing attributes."""
    n = len(figure.poses)
    if figure.loop == "cycle":
        order = [*range(n), 0]
        times = [i / n for i in range(n + 1)]
        dur = MOVE_S * n
        spline = ""
    else:
        there = list(range(n))
        back = list(range(n - 2, -1, -1))
        order = [0, *there, *(([n - 1]) if n > 1 else []), *back]
        # Steps: hold at start, moves to the end, hold at the end, moves back.
        steps = [HOLD_S] + [MOVE_S] * (n - 1) + [HOLD_S] + [MOVE_S] * (n - 1)
        dur = sum(steps)
        acc, times = 0.0, [0.0]
        for s in steps:
            acc += s
            times.append(acc / dur)
        spline = ' calcMode="spline" keySplines="' + ";".join(["0.4 0 0.6 1"] * len(steps)) + '"'
    key_times = ";".join(f"{t:.3f}".rstrip("0").rstrip(".") or "0" for t in times)
    timing = f' dur="{_n(dur)}s" repeatCount="indefinite" keyTimes="{key_times}"{spline}'
    return order, timing


def figure_svg(figure: Figure, side: Side, name: str) -> str:
    """The animated figure (class "fig-anim")."""
    shapes = _scene(figure, side)
    x0, y0, x1, y1 = _bounds(shapes)
    vb = (x0 - MARGIN, y0 - MARGIN, x1 + MARGIN, max(y1, _floor_depth(figure)) + MARGIN / 2)
    order, timing = _timeline(figure)
    content = "".join(s.animated(order, timing) for s in shapes)
    label = figure_label(figure, side, name)
    return (
        _open(label, vb, "fig-anim")
        + _ground(figure, vb[0], vb[2])
        + _body_group(content)
        + "</svg>"
    )


def figure_still_svg(figure: Figure, side: Side, name: str) -> str:
    """The start and end poses side by side, still (class "fig-still"; also the PDF's)."""
    shapes = _scene(figure, side)
    x0, y0, x1, y1 = _bounds(shapes)
    width = x1 - x0
    last = len(figure.poses) - 1
    dx = width + GAP
    mid_y = (y0 + y1) / 2
    ax = x1 + GAP / 2
    arrow = (
        f'<path d="M{_n(ax - 8)} {_n(mid_y)}h14m-5-5 5 5-5 5" fill="none" stroke="{KIT}" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"/>'
    )
    content = "".join(s.still(0) for s in shapes) + "".join(s.still(last, dx) for s in shapes)
    y1 = max(y1, _floor_depth(figure))
    vb = (x0 - MARGIN, y0 - MARGIN, x1 + dx + MARGIN, y1 + MARGIN / 2)
    return (
        _open(figure_label(figure, side, name), vb, "fig-still")
        + _ground(figure, vb[0], vb[2])
        + arrow
        + _body_group(content)
        + "</svg>"
    )
