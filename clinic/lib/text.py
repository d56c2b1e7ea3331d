"""Text typed by people, made safe to show next to other text."""

from __future__ import annotations

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2066\u2067\u2068\u2069"  # isolates (LRI, RLI, FSI, PDI)
)
"""Invisible characters that reorder the text around them: in a name they can make a
schedule, an email or an export read differently from what was typed (CVE-2021-42574,
"Trojan Source"). They are removed from names; the letters of every script stay."""


def without_bidi_controls(value: str) -> str:
    return "".join(ch for ch in value if ch not in BIDI_CONTROLS)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting with one of these as a formula (CSV injection)."""


def csv_safe(cells: list[str]) -> list[str]:
    """Cells for a CSV file that a spreadsheet will not run: one starting like a formula
    gets a leading apostrophe (OWASP's advice), so it shows as text."""
    return [f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell for cell in cells]
