"""Models of the prescriptions app, one module per aggregate (re-exported here)."""

from prescriptions.models.assessments import (
    BODY_MASS_RANGE,
    DBP_RANGE,
    HR_RANGE,
    SBP_RANGE,
    Assessment,
    Measurement,
)
from prescriptions.models.outcomes import InstrumentText, OutcomeResponse
from prescriptions.models.programmes import (
    ITEM_RANGES,
    LOAD_KG_RANGE,
    PAIN_SCALE,
    Exercise,
    ExerciseLink,
    FrozenVersionError,
    Phase,
    Programme,
    ProgrammeItem,
    ProgrammeVersion,
    SessionLog,
    SessionLogEntry,
)
from prescriptions.models.screening import PreExerciseScreening

__all__ = [
    "BODY_MASS_RANGE",
    "DBP_RANGE",
    "HR_RANGE",
    "ITEM_RANGES",
    "LOAD_KG_RANGE",
    "PAIN_SCALE",
    "SBP_RANGE",
    "Assessment",
    "Exercise",
    "ExerciseLink",
    "FrozenVersionError",
    "InstrumentText",
    "Measurement",
    "OutcomeResponse",
    "Phase",
    "PreExerciseScreening",
    "Programme",
    "ProgrammeItem",
    "ProgrammeVersion",
    "SessionLog",
    "SessionLogEntry",
]
