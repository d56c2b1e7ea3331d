"""Where a rule comes from: the citation a clinician reads, its evidence tag and the
CLINICAL.md section that records it. Pure data.

Evidence tags follow CLINICAL.md: "V" a figure seen in a retrieved source; "M" plausible
but not yet checked against the primary paper; "V, derived" worked out from a source's
figures; "V secondary" seen in a secondary summary; "derived rule" and "design decision"
an app choice built on sourced figures; "observation" a recorded observation item.

Staff see `str(source)`: the citation, with a caveat when the figure is not one seen in a
paper. Patients never see a source: the rules keep what patients read in separate fields.
"""

from __future__ import annotations

from dataclasses import dataclass

EVIDENCE_CAVEATS = {
    "V, derived": " (worked out from the paper's figures)",
    "derived rule": " (a derived rule, not a validated cut-off)",
    "design decision": " (an app rule built on the sources)",
    "M": " (unverified)",
}
"""What staff read after a citation whose figure was not seen as such in the paper."""


@dataclass(frozen=True)
class Source:
    cite: str
    evidence: str  # "V", "M", "V, derived", "V secondary", "derived rule", "design decision"…
    section: str  # where in CLINICAL.md, e.g. "§8.3"

    def __str__(self) -> str:
        """The citation as a clinician reads it, with a caveat when the evidence is not a
        figure seen in the paper (the tag and CLINICAL.md section stay on the object)."""
        return self.cite + EVIDENCE_CAVEATS.get(self.evidence, "")

    @property
    def reference(self) -> str:
        """ "CLINICAL.md §8.3": for the generated documentation and the audit command's
        output, never for a patient."""
        return f"CLINICAL.md {self.section}"
