"""Models of the prescriptions app, one module per aggregate (re-exported here)."""

from prescriptions.assessments.models import (
    BODY_MASS_RANGE,
    DBP_RANGE,
    HR_RANGE,
    SBP_RANGE,
    Assessment,
    Measurement,
)
from prescriptions.library.models import Exercise, ExerciseLink
from prescriptions.notes.models import (
    Goal,
    NoteAddendum,
    NoteSettings,
    NoteTemplate,
    TreatmentNote,
)
from prescriptions.outcomes.models import InstrumentText, OutcomeResponse
from prescriptions.patient_programme.models import SessionLog, SessionLogEntry
from prescriptions.programmes.models import (
    ITEM_RANGES,
    LOAD_KG_RANGE,
    PAIN_SCALE,
    FrozenVersionError,
    Phase,
    Programme,
    ProgrammeItem,
    ProgrammeVersion,
)
from prescriptions.screening.models import PreExerciseScreening
from prescriptions.surgery.models import SurgeryRecord, TrainingStatus

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
    "Goal",
    "InstrumentText",
    "Measurement",
    "NoteAddendum",
    "NoteSettings",
    "NoteTemplate",
    "OutcomeResponse",
    "Phase",
    "PreExerciseScreening",
    "Programme",
    "ProgrammeItem",
    "ProgrammeVersion",
    "SessionLog",
    "SessionLogEntry",
    "SurgeryRecord",
    "TrainingStatus",
    "TreatmentNote",
]
