"""The drawn exercise figures (prescriptions/figures): every shipped exercise has one,
each renders for both sides as valid, labelled, small SVG inside its viewBox, and the
poses are plausible. Pure: no database."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from prescriptions.figures import figure_html, figures_load
from prescriptions.figures.data import DATA_PATH, FigureDataError, figure_parse
from prescriptions.figures.render import figure_still_svg, figure_svg
from prescriptions.figures.skeleton import placed_poses
from prescriptions.library.shipped import DATA_PATH as EXERCISES_PATH

SVG = "{http://www.w3.org/2000/svg}"

AGREED_NEW_SLUGS = [
    "quadriceps-set",
    "straight-leg-raise",
    "terminal-knee-extension",
    "wall-sit",
    "spanish-squat",
    "assisted-sit-to-stand",
    "forward-step-down",
    "clam-in-hip-extension",
    "bridge-march",
    "lateral-lunge",
    "curtsy-lunge",
    "copenhagen-plank-short-lever",
    "copenhagen-plank-long-lever",
    "nordic-hamstring",
    "drop-landing",
    "jump-and-stick",
    "dead-bug",
    "mcgill-curl-up",
    "bird-dog",
    "pallof-press",
    "tandem-stance",
    "single-leg-balance",
    "walking-programme",
    "stationary-cycling",
    "leap-sliding-abduction",
    "wall-assisted-single-leg-stance",
    "skater-squat",
    "romanian-deadlift",
    "side-lying-hip-adduction",
]
"""CLINICAL.md §16's new exercises (E38-E65 and the adductor chain's first rung)."""

FIGURES = figures_load()
EXERCISES = {
    e["slug"]: e for e in json.loads(EXERCISES_PATH.read_text(encoding="utf-8"))["exercises"]
}


def _name(slug: str) -> str:
    return EXERCISES[slug]["name"] if slug in EXERCISES else slug.replace("-", " ").capitalize()


def test_every_shipped_exercise_and_every_agreed_new_one_has_a_figure():
    assert len(AGREED_NEW_SLUGS) == 29
    assert not set(EXERCISES) - set(FIGURES), "shipped exercises without a figure"
    assert not set(AGREED_NEW_SLUGS) - set(FIGURES), "agreed new exercises without a figure"
    assert not set(FIGURES) - set(EXERCISES) - set(AGREED_NEW_SLUGS), "figures of no exercise"


def test_an_exercise_done_on_each_side_is_mirrored_even_if_its_figure_is_not():
    assert not FIGURES["squat"].per_side
    left = figure_html("squat", "Squat", "left", per_side=True)
    assert left is not None and "Squat, left side" in left
    assert left != figure_html("squat", "Squat", "right", per_side=True)


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)]


def _coordinates(root: ET.Element) -> list[tuple[float, float]]:
    """Every drawn point: polyline/polygon points and their animated values, and the
    positions groups are moved to (with what they carry around them)."""
    out: list[tuple[float, float]] = []
    for el in root.iter():
        tag = el.tag.removeprefix(SVG)
        texts = []
        if tag in {"polyline", "polygon"}:
            texts.append(el.get("points", ""))
        if tag == "animate" and el.get("attributeName") == "points":
            texts.append(el.get("values", ""))
        if tag == "animateTransform":
            texts.append(el.get("values", ""))
        if tag == "g" and el.get("transform", "").startswith("translate"):
            texts.append(el.get("transform", ""))
        for text in texts:
            nums = _numbers(text)
            out += list(zip(nums[::2], nums[1::2], strict=True))
    return out


def _check_svg(svg: str, slug: str, name: str, *, animated: bool) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output; parsing checks it is well-formed
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    label = root.get("aria-label", "")
    title = root.find(SVG + "title")
    assert title is not None and title.text == label
    assert name in label
    for pose in FIGURES[slug].poses:
        assert pose.label in label
    x, y, w, h = (float(v) for v in root.get("viewBox", "").split())
    e = 0.11  # numbers are written to one decimal place
    for px, py in _coordinates(root):
        inside = x - e <= px <= x + w + e and y - e <= py <= y + h + e
        assert inside, f"{slug}: ({px}, {py}) outside the viewBox"
    moving = root.findall(f".//{SVG}animate") + root.findall(f".//{SVG}animateTransform")
    if animated and len({repr(sorted(f.items())) for f in _frames(slug)}) > 1:
        assert moving, f"{slug}: nothing moves"
    else:
        assert not moving
    assert len(svg.encode()) < 6000, f"{slug}: {len(svg.encode())} bytes"
    return root


def _drawing(svg: str) -> str:
    """The SVG without its text, to compare the drawings of two sides."""
    return re.sub(r'aria-label="[^"]*"|<title>.*?</title>', "", svg)


@pytest.mark.parametrize("slug", sorted(FIGURES))
def test_every_figure_renders_for_both_sides(slug):
    figure = FIGURES[slug]
    name = _name(slug)
    drawings = {}
    for side in ("right", "left"):
        _check_svg(figure_svg(figure, side, name), slug, name, animated=True)
        still = figure_still_svg(figure, side, name)
        _check_svg(still, slug, name, animated=False)
        drawings[side] = _drawing(still)
        if figure.per_side:
            assert f"{side} side" in figure_svg(figure, side, name)
    if figure.per_side or figure.view == "side":
        assert drawings["right"] != drawings["left"], f"{slug}: the mirror image is the same"


def test_text_in_a_figure_is_escaped():
    svg = figure_svg(FIGURES["clam"], "right", 'Clam <script>alert("x")</script> & co')
    assert "<script>" not in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert 'Clam <script>alert("x")</script> & co' in root.get("aria-label", "")


def test_the_page_markup_holds_the_moving_figure_and_the_still_pair():
    html = figure_html("clam", "Clamshell", "left")
    assert html is not None
    assert 'class="fig-anim"' in html and 'class="fig-still"' in html
    assert "Clamshell, left side" in html
    assert figure_html("no-such-exercise", "Nothing", "left") is None
    # A bilateral exercise is drawn the same whichever side the programme is for.
    assert figure_html("squat", "Squat", "left") == figure_html("squat", "Squat", "right")


def test_bad_figure_data_is_refused():
    good = {"view": "side", "poses": [{"name": "a", "label": "a"}, {"name": "b", "label": "b"}]}
    figure_parse("ok", good)
    with pytest.raises(FigureDataError):
        figure_parse("one-pose", {**good, "poses": good["poses"][:1]})
    with pytest.raises(FigureDataError):
        figure_parse("kit", {**good, "equipment": [{"type": "trampoline"}]})
    with pytest.raises(FigureDataError):
        figure_parse(
            "joint", {**good, "poses": [{"name": "a", "label": "a", "leg_r": {"wrist": 3}}] * 2}
        )


def test_the_data_file_is_where_the_library_keeps_its_data():
    assert DATA_PATH.parent == EXERCISES_PATH.parent


# --- Plausible poses --------------------------------------------------------------------


def _frames(slug: str):
    figure = FIGURES[slug]
    return placed_poses(figure.poses, figure.view, figure.elevation)


def test_a_squat_lowers_the_hips_and_a_bridge_lifts_them():
    for slug in ("squat", "sit-to-stand", "split-squat", "wall-sit", "single-leg-squat"):
        start, end = _frames(slug)[0], _frames(slug)[-1]
        low, high = sorted([start["hip_c"][1], end["hip_c"][1]])
        assert high - low > 20, slug
    squat = _frames("squat")
    assert squat[-1]["hip_c"][1] < squat[0]["hip_c"][1] - 25
    for slug in ("glute-bridge", "single-leg-bridge", "hip-thrust", "banded-bridge"):
        start, end = _frames(slug)[0], _frames(slug)[-1]
        assert end["hip_c"][1] > start["hip_c"][1] + 12, slug


def test_standing_figures_stand_and_lying_ones_lie_on_the_floor():
    for slug in ("squat", "lunge", "single-leg-balance", "standing-hip-abduction"):
        p = _frames(slug)[0]
        assert p["head"][1] > p["hip_c"][1] > p["ankle_r"][1], slug
        assert min(p["toe_r"][1], p["toe_l"][1], p["ankle_r"][1]) < 6, f"{slug}: not on the ground"
    for slug in ("side-lying-hip-abduction", "clam", "side-plank", "glute-bridge", "dead-bug"):
        p = _frames(slug)[0]
        assert abs(p["head"][1] - p["hip_c"][1]) < 25, f"{slug}: not lying down"
        assert abs(p["head"][0] - p["hip_c"][0]) > 35, f"{slug}: not lying down"


def test_a_plank_is_nearly_horizontal_and_its_leg_lift_goes_up():
    start, end = _frames("front-plank-hip-extension")
    assert abs(start["neck"][1] - start["ankle_l"][1]) < 30
    assert abs(start["neck"][0] - start["ankle_l"][0]) > 80
    assert end["knee_r"][1] > start["knee_r"][1] + 5
    start, end = _frames("side-lying-hip-abduction")
    assert end["ankle_r"][1] > start["ankle_r"][1] + 20  # the top leg lifts
