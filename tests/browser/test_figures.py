"""The drawn figures in a real browser: the figure moves without script, and with reduced
motion, or on paper, the still start and end positions show instead."""

from __future__ import annotations

from pathlib import Path

from prescriptions.figures import figure_html

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "stance.css").read_text()


def _show(page, slug: str, side: str = "") -> None:
    html = figure_html(slug, slug, side)
    assert html is not None
    page.set_content(f'<style>{CSS}</style><div class="exercise-figure">{html}</div>')


def test_the_figure_moves_between_its_poses_without_script(page):
    _show(page, "squat")
    anim = page.locator(".fig-anim")
    assert anim.is_visible() and not page.locator(".fig-still").is_visible()
    page.evaluate("document.querySelector('.fig-anim').pauseAnimations()")
    page.evaluate("document.querySelector('.fig-anim').setCurrentTime(0)")
    start = anim.screenshot()
    page.evaluate("document.querySelector('.fig-anim').setCurrentTime(1.6)")
    assert anim.screenshot() != start


def test_reduced_motion_and_print_show_the_still_start_and_end(page):
    page.emulate_media(reduced_motion="reduce")
    _show(page, "clam", "left")
    assert page.locator(".fig-still").is_visible()
    assert not page.locator(".fig-anim").is_visible()
    page.emulate_media(reduced_motion="no-preference", media="print")
    assert page.locator(".fig-still").is_visible()
    assert not page.locator(".fig-anim").is_visible()
