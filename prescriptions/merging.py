"""Clinical rows that follow a possible duplicate into its original (clinic/merging.py).
A record made by an online booking rarely has any; the pre-visit screening may. A
training status (one per patient) stays with the emptied duplicate: the original's own
is the one that counts."""

from clinic.merging import patient_rows_register
from prescriptions.models import (
    Assessment,
    CaseConference,
    Goal,
    Letter,
    OutcomeResponse,
    PreExerciseScreening,
    Programme,
    SessionLog,
    TreatmentNote,
)
from prescriptions.surgery.models import SurgeryRecord

patient_rows_register(
    Assessment,
    OutcomeResponse,
    PreExerciseScreening,
    Programme,
    SessionLog,
    SurgeryRecord,
    Letter,
    CaseConference,
    TreatmentNote,
    Goal,
)
