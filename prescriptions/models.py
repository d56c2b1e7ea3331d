"""Models of the prescriptions app, one module per aggregate (re-exported here)."""

from prescriptions.assessments.models import (
    BODY_MASS_RANGE,
    DBP_RANGE,
    HR_RANGE,
    SBP_RANGE,
    Assessment,
    Measurement,
)
from prescriptions.letters.models import (
    CaseConference,
    CaseConferenceParticipant,
    Letter,
    LetterDelivery,
    LetterKind,
    LetterTemplate,
    SignedLetterError,
)
from prescriptions.library.models import Exercise, ExerciseLink, ExerciseMedia
from prescriptions.notes.models import (
    Goal,
    NoteAddendum,
    NoteSettings,
    NoteTemplate,
    TreatmentNote,
)
from prescriptions.outcomes.models import InstrumentText, OutcomeResponse
from prescriptions.patient_programme.models import PainFlag, SessionLog, SessionLogEntry
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
    "CaseConference",
    "CaseConferenceParticipant",
    "Exercise",
    "ExerciseLink",
    "ExerciseMedia",
    "FrozenVersionError",
    "Goal",
    "InstrumentText",
    "Letter",
    "LetterDelivery",
    "LetterKind",
    "LetterTemplate",
    "Measurement",
    "NoteAddendum",
    "NoteSettings",
    "NoteTemplate",
    "OutcomeResponse",
    "PainFlag",
    "Phase",
    "PreExerciseScreening",
    "Programme",
    "ProgrammeItem",
    "ProgrammeVersion",
    "SessionLog",
    "SessionLogEntry",
    "SignedLetterError",
    "SurgeryRecord",
    "TrainingStatus",
    "TreatmentNote",
]
