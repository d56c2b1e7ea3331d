"""Outcome-measure and screening wording: what ships, and what a clinic may load.

Pure data and checks; no ORM. Item wording of most instruments is copyrighted
(CLINICAL.md §2.9): staff enter responses by item number and the app shows each item's
short topic from `prescriptions.outcomes` (never the licensed wording). A clinic that holds
a licence loads the item text and instructions into `InstrumentText` (Django admin); only
then can patients complete that measure online.

What ships with wording, written by us (not copied from any form):
- NPRS (public domain) and the PSFS instructions (free; the activities are the patient's
  own words; credit Stratford et al. 1995);
- for the APSS (CLINICAL.md §5.1) only the list of question themes: the official tool must
  be used in its entirety and unaltered, so the clinic loads the official wording.

`check_items(code, items)` checks a loaded item list against the instrument's shape, so a
typo in the admin cannot offer an answer the scoring engine refuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from prescriptions.outcomes import scoring as outcomes
from prescriptions.screening import apss as screening
from prescriptions.vocabulary import Condition

APSS = "APSS"
"""The code of the pre-exercise screening tool in the instrument-text table."""

MEASURE_CODES: tuple[str, ...] = tuple(outcomes.INSTRUMENTS)
"""The outcome measures, in the order forms and tables show them."""

CONDITION_MEASURES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        Condition.ACL: ("LEFS", "KOOS-12"),
        Condition.LATERAL_HIP: ("VISA-G", "NPRS"),
        Condition.SIJ: ("ODI", "NPRS"),
        Condition.LOW_BACK: ("ODI", "NPRS"),
        Condition.PATELLOFEMORAL: ("AKPS", "NPRS"),
        Condition.TKR: ("LEFS", "KOOS-12"),
        Condition.THR: ("LEFS", "HOOS-12"),
        Condition.HIP_OA: ("LEFS", "HOOS-12"),
        Condition.ITB: ("LEFS", "NPRS"),
        Condition.PLANTAR_FASCIITIS: ("LEFS", "NPRS"),
        Condition.OTHER_OVERUSE: ("LEFS", "NPRS"),
    }
)
"""The PROM column of CLINICAL.md §1.12 (KOOS-12 stands in for the full KOOS, which the
engine does not score; THR takes HOOS-12 and TKR KOOS-12). The PSFS suits any condition and
is added by the clinician."""


def ordered_measures(codes: Sequence[str]) -> list[str]:
    """Known measure codes, without repeats, in `MEASURE_CODES` order."""
    wanted = set(codes)
    return [c for c in MEASURE_CODES if c in wanted]


def measures_for_conditions(conditions: Sequence[str]) -> list[str]:
    return ordered_measures([m for c in conditions for m in CONDITION_MEASURES.get(c, ())])


@dataclass(frozen=True)
class Option:
    points: int
    label: str
    branch: str = ""  # VISA-G item 8: which branch this option belongs to


@dataclass(frozen=True)
class ItemText:
    number: int
    text: str
    options: tuple[Option, ...] = ()
    branches: Mapping[str, str] = field(default_factory=dict)  # branch key -> its question


@dataclass(frozen=True)
class Wording:
    """The words a patient reads: loaded by the clinic, or shipped."""

    code: str
    title: str
    version: str
    instructions: str
    items: tuple[ItemText, ...]
    source: str
    licence: str
    shipped: bool = False
    text_id: int | None = None  # the InstrumentText row, when loaded by the clinic

    @property
    def label(self) -> str:
        """How a stored response names the wording it was answered with."""
        return f"{self.title}, {self.version}" + (" (shipped)" if self.shipped else "")


_NPRS_OPTIONS = tuple(
    Option(n, {0: "0: no pain", 10: "10: worst pain imaginable"}.get(n, str(n))) for n in range(11)
)

SHIPPED: Mapping[str, Wording] = MappingProxyType(
    {
        "NPRS": Wording(
            code="NPRS",
            title="Pain rating",
            version="Stance 2026.1",
            instructions=(
                "Choose the one number that best describes your pain. 0 means no pain at "
                "all; 10 means the worst pain you can imagine."
            ),
            items=(
                ItemText(
                    1,
                    "On average over the last 24 hours, how bad has your pain been?",
                    _NPRS_OPTIONS,
                ),
            ),
            source="Written for Stance; the 0 to 10 numeric rating scale is public domain "
            "(CLINICAL.md §2.8, §2.9).",
            licence="Public domain",
            shipped=True,
        ),
        "PSFS": Wording(
            code="PSFS",
            title="Patient-Specific Functional Scale",
            version="Stance 2026.1",
            instructions=(
                "Name up to five important activities that you cannot do, or find hard to "
                "do, because of your problem. Rate each one from 0 to 10: 0 means you are "
                "unable to do it, and 10 means you can do it as well as before the problem "
                "started. If you have named activities before, rate the same ones again."
            ),
            items=(),
            source="Instructions written for Stance. Patient-Specific Functional Scale: "
            "Stratford P, Gill C, Westaway M, Binkley J. Physiother Can 1995;47:258-263.",
            licence="Free to use; credit the authors (CLINICAL.md §2.10)",
            shipped=True,
        ),
        APSS: Wording(
            code=APSS,
            title="Pre-exercise screening (themes only)",
            version="APSS V2 (2018) themes",
            instructions=(
                "These are the themes of the Adult Pre-exercise Screening System stage 1 "
                "questions, not the official wording. Load the official APSS (ESSA, "
                "AUSactive, SMA, EIMA 2019), with its disclaimer, in the clinic admin "
                "before using it with patients."
            ),
            items=tuple(ItemText(q.number, q.theme) for q in screening.QUESTIONS),
            source="Themes from CLINICAL.md §5.1 (APSS V2, 2019).",
            licence="Official APSS wording: use in its entirety, unaltered, and referenced",
            shipped=True,
        ),
    }
)
"""Wording that ships. A clinic's loaded text replaces it."""


def online_codes() -> tuple[str, ...]:
    """Everything a patient could complete online once its wording is available."""
    return (*MEASURE_CODES, APSS)


# --- Checking loaded wording -----------------------------------------------------------


def _option_errors(label: str, raw: Any, allowed: Sequence[int], branches: set[str]) -> list[str]:
    if not isinstance(raw, Mapping):
        return [f"{label}: each option needs points and a label."]
    errors = []
    points, text = raw.get("points"), raw.get("label")
    if type(points) is not int or points not in allowed:
        errors.append(f"{label}: points must be one of {', '.join(map(str, allowed))}.")
    if not isinstance(text, str) or not text.strip():
        errors.append(f"{label}: give the option a label.")
    branch = raw.get("branch", "")
    if branches and branch not in branches:
        errors.append(f"{label}: name its branch ({', '.join(sorted(branches))}).")
    if not branches and branch:
        errors.append(f"{label}: this item has no branches.")
    return errors


def _item_errors(code: str, index: int, raw: Any) -> list[str]:
    label = f"Item {index + 1}"
    if not isinstance(raw, Mapping):
        return [f"{label}: each item needs a number and its text."]
    errors = []
    if raw.get("number") != index + 1:
        errors.append(f"{label}: number the items 1, 2, 3... in order.")
    if not isinstance(raw.get("text"), str) or not raw["text"].strip():
        errors.append(f"{label}: the item text is missing.")
    options = raw.get("options", [])
    if code == APSS:
        if options:
            errors.append(f"{label}: screening questions are answered yes or no; no options.")
        return errors
    item = outcomes.INSTRUMENTS[code].items[index]
    branches = set(item.branches)
    given = raw.get("branches", {})
    if branches and (not isinstance(given, Mapping) or set(given) != branches):
        errors.append(f"{label}: give the question of each branch ({', '.join(sorted(branches))}).")
    if not branches and given:
        errors.append(f"{label}: this item has no branches.")
    if not isinstance(options, list):
        return [*errors, f"{label}: options must be a list."]
    for n, option in enumerate(options, start=1):
        allowed = item.allowed
        if branches and isinstance(option, Mapping):
            allowed = item.branches.get(option.get("branch", ""), item.allowed)
        errors += _option_errors(f"{label}, option {n}", option, allowed, branches)
    if options and not errors:
        offered = {(o.get("branch", ""), o["points"]) for o in options}
        wanted = (
            {(b, p) for b, pts in item.branches.items() for p in pts}
            if branches
            else {("", p) for p in item.allowed}
        )
        if offered != wanted or len(offered) != len(options):
            errors.append(f"{label}: give each allowed answer exactly one option.")
    return errors


def check_items(code: str, items: Any) -> list[str]:
    """What is wrong with a loaded item list for `code` (empty when it is right).

    1. PSFS: no items (the activities are the patient's own words).
    2. APSS: the 6 stage 1 health questions, numbered, with text and no options.
    3. Any other measure: one entry per item of `outcomes.INSTRUMENTS[code]`, numbered in
       order, with text; options are optional (without them the allowed numbers are
       offered), but when given they must offer each allowed answer exactly once, and
       VISA-G item 8 names the question of each branch and the branch of each option.
    """
    if code not in online_codes():
        return ["Unknown instrument."]
    if not isinstance(items, list):
        return ["Items must be a list."]
    if code == "PSFS":
        return [] if not items else ["The PSFS has no items: patients name their own activities."]
    expected = len(screening.QUESTIONS) if code == APSS else outcomes.INSTRUMENTS[code].item_count
    if len(items) != expected:
        return [f"{code} has {expected} items; {len(items)} were given."]
    return [e for i, raw in enumerate(items) for e in _item_errors(code, i, raw)]


def wording_from(
    *,
    code: str,
    title: str,
    version: str,
    instructions: str,
    items: Sequence[Mapping[str, Any]],
    source: str,
    licence: str,
    text_id: int | None = None,
) -> Wording:
    """A checked item list (see `check_items`) as a Wording."""
    return Wording(
        code=code,
        title=title,
        version=version,
        instructions=instructions,
        items=tuple(
            ItemText(
                int(raw["number"]),
                str(raw["text"]).strip(),
                tuple(
                    Option(int(o["points"]), str(o["label"]).strip(), str(o.get("branch", "")))
                    for o in raw.get("options", [])
                ),
                MappingProxyType(dict(raw.get("branches", {}))),
            )
            for raw in items
        ),
        source=source,
        licence=licence,
        text_id=text_id,
    )
