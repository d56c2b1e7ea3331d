"""Medicare case conferences with allied health taking part (CLINICAL.md §17.3): the MBS
item a conference's length falls in, and the least number of providers that makes one.
Pure: minutes and counts in, an item or a warning out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source

CASE_CONFERENCE_SOURCE = Source("MBS items 10955, 10957, 10959 (note MN.3.2)", "V", "§17.3")
PROVIDERS_SOURCE = Source("AAPi summary of MBS case conference items", "V", "§17.3")


@dataclass(frozen=True)
class ItemBand:
    item: str
    from_minutes: int  # included
    below_minutes: int | None  # excluded; None: no upper limit
    label: str


CASE_CONFERENCE_ITEMS: tuple[ItemBand, ...] = (
    ItemBand("10955", 15, 20, "15 to less than 20 minutes"),
    ItemBand("10957", 20, 40, "20 to less than 40 minutes"),
    ItemBand("10959", 40, None, "40 minutes or more"),
)
"""Allied health participating in a multidisciplinary case conference, by its length
(CLINICAL.md §17.3) [V MBS item 10957, MN.3.2]. Under 15 minutes: no item."""

MIN_PROVIDERS = 3
"""At least 3 health or care providers make a case conference (CLINICAL.md §17.3)
[V AAPi summary]."""


ITEM_BANDS = Rule(
    "case_conference.item",
    "Case conference item by length",
    "; ".join(f"{b.item} from {b.from_minutes} min" for b in CASE_CONFERENCE_ITEMS),
    "Allied health taking part in a multidisciplinary case conference: item 10955 from 15 "
    "to under 20 minutes, 10957 from 20 to under 40, 10959 from 40; under 15 minutes no "
    "item. The length is the recorded end time less the start time.",
    CASE_CONFERENCE_SOURCE,
)
PROVIDERS = Rule(
    "case_conference.providers",
    "Providers at a case conference",
    MIN_PROVIDERS,
    "Fewer than 3 health or care providers recorded as taking part brings a warning "
    "(the conference is still recorded).",
    PROVIDERS_SOURCE,
)
RULES: tuple[Rule[Any], ...] = (ITEM_BANDS, PROVIDERS)


def case_conference_item(minutes: int) -> ItemBand | None:
    """The MBS item band a conference of `minutes` falls in, or None under 15 minutes."""
    for band in CASE_CONFERENCE_ITEMS:
        if minutes >= band.from_minutes and (
            band.below_minutes is None or minutes < band.below_minutes
        ):
            return band
    return None


def too_few_providers(count: int) -> str:
    """A warning when fewer than MIN_PROVIDERS took part, else ""."""
    if count >= MIN_PROVIDERS:
        return ""
    return (
        f"Only {count} provider{'s' if count != 1 else ''} recorded: a Medicare case "
        f"conference needs at least {MIN_PROVIDERS} health or care providers."
    )
