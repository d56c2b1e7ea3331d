"""Drawn exercise figures: a body posed by joint angles, drawn as SVG (pure: no models, no
database). `skeleton` does the forward kinematics, `data` loads the poses of every shipped
exercise (`prescriptions/library/data/figures.json`), `render` draws them.

`figure_html(slug, name, side)` is what pages show: the animated figure and the still
start-and-end pair; the stylesheet shows one or the other (`prefers-reduced-motion`,
print). `figure_still(slug, name, side)` is the still pair alone (the PDF handout).
"""

from __future__ import annotations

from dataclasses import replace

from prescriptions.figures.data import Figure, figures_load
from prescriptions.figures.render import figure_label, figure_still_svg, figure_svg

SIDES = ("right", "left")


def side_or_default(side: object) -> str:
    """ "left" mirrors the figure; anything else (blank, "both", unknown) draws the right."""
    return "left" if side == "left" else "right"


def figure_for(slug: str, *, per_side: bool = False) -> Figure | None:
    """The figure of the exercise `slug`; `per_side` (the exercise's own flag) makes it
    a per-side figure even when its data draws both sides alike."""
    figure = figures_load().get(slug)
    if figure is not None and per_side and not figure.per_side:
        figure = replace(figure, per_side=True)
    return figure


def figure_html(slug: str, name: str, side: object = "", *, per_side: bool = False) -> str | None:
    """The animated figure and the still pair for the exercise `slug`, or None when it
    has no figure. A per-side exercise is mirrored for "left"; the others are drawn as
    they are. Escaped: `name` may be anything."""
    figure = figure_for(slug, per_side=per_side)
    if figure is None:
        return None
    chosen = side_or_default(side) if figure.per_side else "right"
    return figure_svg(figure, chosen, name) + figure_still_svg(figure, chosen, name)


def figure_still(slug: str, name: str, side: object = "", *, per_side: bool = False) -> str | None:
    figure = figure_for(slug, per_side=per_side)
    if figure is None:
        return None
    chosen = side_or_default(side) if figure.per_side else "right"
    return figure_still_svg(figure, chosen, name)


__all__ = [
    "SIDES",
    "Figure",
    "figure_for",
    "figure_html",
    "figure_label",
    "figure_still",
    "figure_still_svg",
    "figure_svg",
    "figures_load",
    "side_or_default",
]
