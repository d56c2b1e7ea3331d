"""SMART goals: is the target change large enough to be measured? Pure.

A goal on the PSFS is achievable in the SMART sense only when the change it asks for is
at least the PSFS's minimal detectable change (CLINICAL.md §2.10, §18.2): a smaller one
cannot be told apart from measurement error. The app warns and lets the clinician keep
it (a patient may rightly aim for a small step); it never blocks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source

PSFS_MDC_AVERAGE = Rule(
    "goals.psfs_mdc_average",
    "PSFS goal on the average score: smallest measurable change",
    Decimal(2),
    "A goal on the PSFS average score whose target is less than 2 points from its baseline "
    "gets a warning: the change would be within the measurement error (MDC, 90 % CI).",
    Source("Stratford et al. 1995, Physiother Can 47:258", "V", "§2.10, §18.2"),
)
PSFS_MDC_SINGLE = Rule(
    "goals.psfs_mdc_single",
    "PSFS goal on one activity: smallest measurable change",
    Decimal(3),
    "A goal on a single PSFS activity whose target is less than 3 points from its baseline "
    "gets a warning: the change would be within the measurement error (MDC, 90 % CI).",
    Source("Stratford et al. 1995, Physiother Can 47:258", "V", "§2.10, §18.2"),
)

RULES: tuple[Rule[Any], ...] = (PSFS_MDC_AVERAGE, PSFS_MDC_SINGLE)


def target_change_warning(
    *, measure: str, single_activity: bool, baseline: Decimal | None, target: Decimal | None
) -> str | None:
    """A warning for staff when a PSFS goal's target change is below the MDC, else None."""
    if measure != "PSFS" or baseline is None or target is None:
        return None
    rule = PSFS_MDC_SINGLE if single_activity else PSFS_MDC_AVERAGE
    change = abs(target - baseline)
    if change >= rule.value:
        return None
    what = "a single PSFS activity" if single_activity else "the PSFS average"
    return (
        f"The target is {change.normalize():f} point{'s' if change != 1 else ''} from the "
        f"baseline: on {what} a change under {rule.value} points cannot be told apart from "
        f"measurement error ({rule.source}). Keep it if the patient's step is meant to be "
        "small; otherwise set a target further from the baseline."
    )
