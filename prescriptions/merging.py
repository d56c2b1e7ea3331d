"""Clinical rows that follow a possible duplicate into its original (clinic/merging.py).
A record made by an online booking rarely has any; the pre-visit screening may."""

from clinic.merging import patient_rows_register
from prescriptions.models import (
    Assessment,
    OutcomeResponse,
    PreExerciseScreening,
    Programme,
    SessionLog,
)

patient_rows_register(Assessment, OutcomeResponse, PreExerciseScreening, Programme, SessionLog)
