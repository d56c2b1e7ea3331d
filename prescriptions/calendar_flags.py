"""The clinical flags the staff calendar shows clinicians on each visit: registered with
bookings (`calendar_flags_register`, in PrescriptionsConfig.ready) because bookings sits
below prescriptions and never imports it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from django.db.models import Count

from prescriptions.models import SessionLog
from prescriptions.screening.selectors import screening_flagged_patient_ids

SCREENING_FLAG = "Pre-exercise screening: yes, seek guidance"


def calendar_patient_flags(patient_ids: Collection[int]) -> dict[int, list[str]]:
    """Per patient: a yes on their latest pre-exercise screening, and the pain flags from
    their logged sessions that no practitioner has reviewed yet (two queries)."""
    flags: dict[int, list[str]] = defaultdict(list)
    for patient_id in screening_flagged_patient_ids(patient_ids=patient_ids):
        flags[patient_id].append(SCREENING_FLAG)
    open_pain_flags = (
        SessionLog.objects.filter(
            patient_id__in=list(patient_ids), pain_flag=True, flag_reviewed_at__isnull=True
        )
        .values("patient_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in open_pain_flags:
        count = row["count"]
        flags[row["patient_id"]].append(
            "Pain flag to review" if count == 1 else f"{count} pain flags to review"
        )
    return flags
