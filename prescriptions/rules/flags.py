"""The flag every rule family returns: a code, a severity, what staff read with the source
beside it, and what the patient reads (never a source or a section). Pure data.

`severity` is "stop" (no exercise is suggested; refer or pause), "precaution" (exercise
goes on with the stated limits) or "info" (worth knowing; decides nothing on its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from prescriptions.rules.sources import Source


class Severity(StrEnum):
    STOP = "stop"
    PRECAUTION = "precaution"
    INFO = "info"


@dataclass(frozen=True)
class Flag:
    code: str
    severity: Severity
    message: str  # for staff: the finding, the threshold, what to do
    source: Source
    patient_message: str = ""  # plain words for the patient; "" when not for patients
    findings: tuple[str, ...] = field(default_factory=tuple)  # what raised it, for staff

    def as_json(self) -> dict[str, str]:
        """The audit command's shape: staff text and the source's name, with its section."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "source": str(self.source),
            "section": self.source.reference,
            "patient_message": self.patient_message,
        }
