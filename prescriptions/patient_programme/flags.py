"""Pain flags that reach the clinician: stored once per flag, told by email once, shown on
the patient's staff page and beside their next visit until a practitioner marks them seen.

The pain-monitoring rule itself (CLINICAL.md §8.3, `rules/dosing.pain_check`) runs in the
session-log services; when it flags, they call `pain_flag_raise` in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from bookings.models import Notification
from bookings.notifications import notification_enqueue
from clinic.access import is_clinician
from clinic.errors import DomainError
from clinic.models import Patient, User
from prescriptions.patient_programme.models import PainFlag, SessionLog

logger = logging.getLogger(__name__)


def pain_flag_raise(*, session: SessionLog, kind: str) -> PainFlag | None:
    """Store the flag of `kind` on `session` and plan one email to the treating
    practitioner (the programme's), through the outbox. Returns the new flag, or None
    when that flag was raised before (nobody is told twice).

    Call it inside the transaction that records the session or the morning pain: the flag
    and its email exist exactly when that commits.
    """
    programme = session.version.programme
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives a race
            flag = PainFlag.objects.create(
                session=session, kind=kind, practitioner_id=programme.practitioner_id
            )
    except IntegrityError:
        return None
    practitioner_user = User.objects.get(practitioner__pk=programme.practitioner_id)
    patient: Patient = session.patient
    flag.notification = notification_enqueue(
        patient=patient,
        kind=Notification.Kind.PAIN_FLAG,
        recipient=practitioner_user,
        context={"pain_flag": flag.pk, "link_path": patient.get_absolute_url()},
    )
    flag.save(update_fields=["notification"])
    logger.info("pain flag id=%s raised on session id=%s", flag.pk, session.pk)
    return flag


def pain_flag_list_open(*, patient: Patient) -> QuerySet[PainFlag]:
    """The patient's pain flags no practitioner has marked seen, newest first."""
    return PainFlag.objects.filter(session__patient=patient, seen_at__isnull=True).select_related(
        "session__version__programme", "practitioner"
    )


@transaction.atomic
def pain_flag_mark_seen(*, flag: PainFlag, by: User, now: datetime | None = None) -> PainFlag:
    """A practitioner of the clinic has seen the flag: it leaves the staff page and the
    schedule. Once the session has no open flag left, the session's flag counts as
    reviewed too (the progress page). Marking it twice is harmless."""
    locked = (
        PainFlag.objects.select_for_update(of=("self",))
        .select_related("session__version__programme")
        .get(pk=flag.pk)
    )
    session = locked.session
    if not is_clinician(by) or by.clinic_id != session.version.programme.clinic_id:
        raise DomainError("Only the clinic's practitioners can mark pain flags seen.")
    if locked.seen_at is not None:
        return locked
    now = now or timezone.now()
    locked.seen_at, locked.seen_by = now, by
    locked.save(update_fields=["seen_at", "seen_by"])
    still_open = session.flags.filter(seen_at__isnull=True).exists()
    if not still_open and session.pain_flag and session.flag_reviewed_at is None:
        session.flag_reviewed_at, session.flag_reviewed_by = now, by
        session.save(update_fields=["flag_reviewed_at", "flag_reviewed_by", "updated_at"])
    return locked


def pain_flags_mark_seen_for_session(*, session: SessionLog, by: User, now: datetime) -> None:
    """The session's flag was reviewed (the progress page): its open flags are seen too."""
    for flag in session.flags.filter(seen_at__isnull=True):
        flag.seen_at, flag.seen_by = now, by
        flag.save(update_fields=["seen_at", "seen_by"])
