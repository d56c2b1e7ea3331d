"""Services (the writers) of the prescriptions app, one module per area.

Assessment services are re-exported here; newer areas are imported from their own module
(`prescriptions.services.programmes`, ...)."""

from prescriptions.services.assessments import (
    AMENDMENT_REASON_MAX,
    AssessmentLocked,
    StaleRevision,
    assessment_amend,
    assessment_create,
    assessment_sign,
    assessment_update_draft,
    check_value,
    field_key,
)

__all__ = [
    "AMENDMENT_REASON_MAX",
    "AssessmentLocked",
    "StaleRevision",
    "assessment_amend",
    "assessment_create",
    "assessment_sign",
    "assessment_update_draft",
    "check_value",
    "field_key",
]
