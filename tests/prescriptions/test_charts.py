"""The SVG chart helpers: well-formed, accessible, escaped, and drawn to scale."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from clinic.lib.charts import Series, Threshold, axis_max, bar_chart, line_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output


def test_a_line_chart_is_an_image_with_a_title_and_summary():
    svg = line_chart(
        chart_id="pain",
        title="Pain during exercise",
        desc="From 2 to 6 out of 10.",
        x_labels=["3 Mar", "4 Mar", "5 Mar"],
        series=[Series("Pain during", [2, 6, 4])],
        y_max=10,
        y_label="Pain",
    )
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "pain-title pain-desc"
    assert root.find("svg:title", NS).text == "Pain during exercise"
    assert root.find("svg:desc", NS).text == "From 2 to 6 out of 10."
    assert "style=" not in svg  # the CSP allows no inline styles


def test_points_are_placed_to_scale_and_gaps_break_the_line():
    svg = line_chart(
        chart_id="c",
        title="t",
        x_labels=["a", "b", "c", "d"],
        series=[Series("s", [0, 10, None, 5])],
        y_max=10,
    )
    root = _parse(svg)
    circles = root.findall(".//svg:circle", NS)
    ys = [float(c.get("cy")) for c in circles if c.get("r") == "4"]
    # Legend marker aside, three data points: 0 at the baseline, 10 at the top, 5 between.
    data = ys[:3]
    assert data[0] > data[2] > data[1]
    assert abs(data[2] - (data[0] + data[1]) / 2) < 0.2
    # The gap after "b" leaves one polyline of two points, and "d" stands alone.
    lines = root.findall(".//svg:polyline", NS)
    assert len(lines) == 1
    assert len(lines[0].get("points").split()) == 2


def test_a_threshold_is_drawn_with_its_label():
    svg = line_chart(
        chart_id="c",
        title="t",
        x_labels=["a", "b"],
        series=[Series("s", [1, 2])],
        y_max=10,
        threshold=Threshold(5, "Limit 5/10"),
    )
    assert "Limit 5/10" in svg
    assert 'stroke="#b10e1e"' in svg


def test_text_is_escaped():
    svg = line_chart(
        chart_id="c",
        title="<script>",
        x_labels=["<b>"],
        series=[Series("a & b", [1])],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "a &amp; b" in svg
    _parse(svg)


def test_bars_are_as_tall_as_their_values_and_outlines_are_unfilled():
    svg = bar_chart(
        chart_id="a",
        title="Sessions",
        x_labels=["Week 1", "Week 2"],
        series=[Series("Planned", [4, 2], outline=True), Series("Done", [2, 2])],
        y_max=4,
    )
    root = _parse(svg)
    bars = [r for r in root.findall(".//svg:rect", NS) if r.get("stroke-width") == "2"]
    data = bars[:4]  # the legend's two swatches come last
    planned_1, done_1 = float(data[0].get("height")), float(data[1].get("height"))
    assert abs(planned_1 - 2 * done_1) < 0.2
    assert data[0].get("fill") == "#ffffff" and data[1].get("fill") != "#ffffff"


def test_long_axes_label_only_some_points_and_always_the_last():
    labels = [f"{d} Mar" for d in range(1, 30)]
    svg = line_chart(chart_id="c", title="t", x_labels=labels, series=[Series("s", [1] * 29)])
    shown = re.findall(r">(\d+ Mar)</text>", svg)
    assert len(shown) <= 8
    assert shown[0] == "1 Mar" and shown[-1] == "29 Mar"


def _text_extents(svg: str) -> list[tuple[str, float, float]]:
    """(text, left, right) of each horizontal label, at a generous 7 units a character."""
    out = []
    for text in _parse(svg).findall("svg:text", NS):
        if text.get("transform") or not text.text or text.get("font-size") != "11":
            continue
        x, width = float(text.get("x")), 7 * len(text.text)
        anchor = text.get("text-anchor", "start")
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        out.append((text.text, left, left + width))
    return out


def test_the_first_and_last_x_labels_stay_inside_the_chart():
    labels = ["30 Sep 2026", "14 Oct 2026", "11 Nov 2026"]
    for chart in (line_chart, bar_chart):
        svg = chart(chart_id="c", title="t", x_labels=labels, series=[Series("s", [1, 2, 3])])
        extents = {label: (left, right) for label, left, right in _text_extents(svg)}
        assert set(labels) <= set(extents)
        for label in labels:
            left, right = extents[label]
            assert left >= 0 and right <= 400, f"{label} runs off the chart: {left}..{right}"
    # Short labels stay centred under their points.
    svg = line_chart(chart_id="c", title="t", x_labels=["1 Dec", "2 Dec"], series=[])
    assert 'text-anchor="middle" font-size="11" fill="#0b0c0c">2 Dec' in svg


def test_axis_max_rounds_up():
    assert axis_max([3, 7.2]) == 8
    assert axis_max([None, 61.5]) == 80  # steps of 20
    assert axis_max([]) == 1
