"""Keyboard helpers for the browser tests: where focus is, moving it, and acting on it.

Every stop focus makes must be on the page, visible and ringed (a 2 px outline or a box
shadow), whatever key moved it there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FOCUS_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const r = e.getBoundingClientRect();
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2)
    || (s.boxShadow && s.boxShadow !== "none");
  return {
    tag: e.tagName.toLowerCase(),
    id: e.id || "",
    cls: typeof e.className === "string" ? e.className : "",
    type: e.type || "",
    name: e.name || "",
    value: e.value === undefined ? "" : String(e.value),
    checked: !!e.checked,
    text: (e.textContent || "").replace(/\\s+/g, " ").trim(),
    label: e.labels && e.labels.length ? e.labels[0].textContent.replace(/\\s+/g, " ").trim() : "",
    href: e.getAttribute("href") || "",
    top: r.top + window.scrollY,
    visible: r.width > 0 && r.height > 0 && s.visibility !== "hidden",
    ring: !!ring,
  };
}"""

Element = dict[str, Any]


def focused(page) -> Element | None:
    return page.evaluate(FOCUS_JS)


def press(page, key: str) -> Element:
    """Press a key that moves focus: the new focus is on the page, seen, and ringed."""
    page.keyboard.press(key)
    el = focused(page)
    assert el is not None, f"{key} sent focus off the page"
    assert el["visible"], f"{key} moved focus to something that cannot be seen: {el}"
    assert el["ring"], f"no visible focus indicator on {el}"
    return el


def tab_to(
    page, wanted: Callable[[Element], bool], *, limit: int = 400, back: bool = False
) -> Element:
    """Tab (or Shift+Tab) until `wanted(el)` holds, failing with the route focus took."""
    route = []
    for _ in range(limit):
        el = press(page, "Shift+Tab" if back else "Tab")
        if wanted(el):
            return el
        route.append(el["text"][:30] or el["label"] or el["id"] or el["tag"])
    raise AssertionError(f"focus never reached the target; it went through {route[-25:]}")


def field(field_id: str) -> Callable[[Element], bool]:
    return lambda el: el["id"] == field_id


def text(label: str) -> Callable[[Element], bool]:
    return lambda el: el["text"] == label


def submit(page, key: str = "Enter") -> None:
    """Activate the focused link or button and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def activate(page, wanted: Callable[[Element], bool]) -> None:
    """Tab to a link or button and follow it (a new page loads)."""
    tab_to(page, wanted)
    submit(page, "Enter")


def type_in(page, field_id: str, value: str) -> None:
    """Tab to a field and replace its text."""
    tab_to(page, field(field_id))
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
