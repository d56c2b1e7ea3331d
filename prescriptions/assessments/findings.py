"""The findings of a recorded assessment, for the rules: a thin reader of an `Assessment`
over `prescriptions.rules.findings` (where the translation and its rules live)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prescriptions.rules.findings import findings_from_values
from prescriptions.rules.suggestions import Finding

if TYPE_CHECKING:
    from prescriptions.models import Assessment


def assessment_findings(assessment: Assessment) -> list[Finding]:
    """The findings of one (signed) assessment, for the suggestion rules."""
    values = {(m.test, m.side, m.measure): m.value for m in assessment.measurements.all()}
    return findings_from_values(
        conditions=assessment.conditions,
        values=values,
        observed=assessment.findings,
        flags=[f.get("code", "") for f in assessment.flags],
    )
