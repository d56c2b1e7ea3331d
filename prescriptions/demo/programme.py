"""Demo data for issue 5 (called by `manage.py seed_demo`): the demo patient's published
programme and two weeks of logged sessions. Invented; safe to run twice (nothing happens
when the demo patient already has a programme).

The programme follows the LEAP week-1 pattern for lateral hip pain (CLINICAL.md §4.4),
prescribed by the demo exercise physiologist from the demo patient's latest signed
assessment dated before the programme started (else their latest; else none). Sessions
go through the real services, so the pain-monitoring model decides what is flagged: one
day's bridge hurt at 6/10 and the next morning was 2 or more above the patient's usual.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from bookings.models import Notification
from clinic.models import Clinic, Patient, Practitioner
from prescriptions.models import Assessment, Exercise, Programme, ProgrammeVersion, SessionLog
from prescriptions.patient_programme.services import (
    EntryInput,
    session_log_record,
    session_morning_pain_record,
)
from prescriptions.programmes.services import (
    programme_create,
    programme_draft_get_or_create,
    programme_item_add,
    programme_publish,
)

DEMO_PATIENT_EMAIL = "demo-patient@example.org"
DEMO_PRACTITIONER_EMAIL = "demo-ep@example.org"
DAYS = 14
"""Two weeks of sessions, ending yesterday; the programme started the day before."""
SKIPPED = {3, 7, 11}
"""Days (1 = the first) the patient did not exercise."""
FLAG_DAY = 9
"""The day the bridge hurt (6/10) and the next morning did not settle."""
ITEMS = [
    ("supine-isometric-hip-abduction", {"load_kind": "band", "band_colour": "yellow"}),
    ("standing-isometric-hip-abduction", {}),
    ("glute-bridge", {}),
    ("squat", {}),
    ("lateral-band-walk", {"band_colour": "yellow"}),
]


def _assessment(patient: Patient, started: datetime) -> Assessment | None:
    signed = Assessment.objects.filter(patient=patient, status=Assessment.Status.SIGNED)
    before = signed.filter(assessed_on__lte=started.date()).order_by("-assessed_on", "-signed_at")
    return before.first() or signed.order_by("-assessed_on", "-signed_at").first()


def demo_programme_seed(clinic: Clinic, *, today: date | None = None) -> str | None:
    """Create the demo programme and its sessions once (the two weeks before `today`, the
    clinic's today by default); say what was made, or None."""
    patient = Patient.objects.filter(clinic=clinic, email=DEMO_PATIENT_EMAIL).first()
    practitioner = Practitioner.objects.filter(
        clinic=clinic, user__email=DEMO_PRACTITIONER_EMAIL
    ).first()
    if (
        patient is None
        or practitioner is None
        or Programme.objects.filter(patient=patient).exists()
    ):
        return None
    if not Exercise.objects.shipped().exists():
        return None  # the library is loaded first (load_exercises)
    tz = clinic.tz
    today = today or timezone.now().astimezone(tz).date()
    start = today - timedelta(days=DAYS + 1)
    started = datetime.combine(start, time(17, 30), tzinfo=tz)
    with transaction.atomic():
        programme = programme_publish_backdated(
            patient=patient,
            practitioner=practitioner,
            started=started,
            goal=Programme.Goal.GT_LOAD_MANAGEMENT,
            title="Settling your lateral hip pain",
            items=ITEMS,
            assessment=_assessment(patient, started),
        )
        flagged = sessions_log(
            programme=programme,
            start=start,
            days=DAYS,
            skipped=SKIPPED,
            flag_day=FLAG_DAY,
            flag_slug="glute-bridge",
            flag_comment="My right hip ached during the bridges today.",
        )
    return (
        f"Demo programme for {DEMO_PATIENT_EMAIL}: {len(ITEMS)} exercises, "
        f"{DAYS - len(SKIPPED)} sessions over two weeks ({flagged} flagged for pain)."
    )


def programme_publish_backdated(
    *,
    patient: Patient,
    practitioner: Practitioner,
    started: datetime,
    goal: str,
    title: str,
    items: Sequence[tuple[str, dict[str, Any]]],
    assessment: Assessment | None,
) -> Programme:
    """Prescribe and publish a programme of shipped exercises (slug, dose overrides)
    through the real services, then date its publication `started`, so sessions fit
    after it. Call it inside a transaction."""
    by = practitioner.user
    programme = programme_create(
        patient=patient,
        practitioner=practitioner,
        goal=goal,
        by=by,
        assessment=assessment,
        title=title,
    )
    draft = programme_draft_get_or_create(programme=programme, by=by)
    for slug, overrides in items:
        exercise = Exercise.objects.shipped().get(slug=slug)
        programme_item_add(version=draft, exercise=exercise, by=by, **overrides)
    version = programme_publish(
        programme=programme, by=by, change_note="First programme after your assessment."
    )
    # Backdate the publish so the sessions fit after it.
    ProgrammeVersion.objects.filter(pk=version.pk).update(published_at=started)
    programme.refresh_from_db()
    return programme


def sessions_log(
    *,
    programme: Programme,
    start: date,
    days: int,
    skipped: Collection[int],
    flag_day: int | None = None,
    flag_slug: str = "",
    flag_comment: str = "",
    seed: int = 5,
) -> int:
    """Log the patient's sessions on days 1..`days` after `start` (but the `skipped`
    ones) through the real services, with next-morning pain for all but the last day
    (the patient records it this morning), and return how many sessions are flagged.

    Pain during is 1-3, except on `flag_day`, when the `flag_slug` exercise hurt at 6/10
    and the next morning was 5: the pain-monitoring model flags it. Morning pain eases
    over the days otherwise.
    """
    rng = random.Random(seed)  # noqa: S311 - the same invented demo every time
    version = programme.current_version
    assert version is not None  # noqa: S101 - just published
    items = list(version.items.select_related("exercise").order_by("order"))
    tz = programme.clinic.tz
    morning = 3
    for day in range(1, days + 1):
        if day in skipped:
            continue
        performed_on = start + timedelta(days=day)
        entries = []
        for item in items:
            pain = rng.choice([1, 2, 2, 3])
            if day == flag_day and item.exercise.slug == flag_slug:
                pain = 6
            hold = item.dose_type == "hold_seconds"
            entries.append(
                EntryInput(
                    item=item,
                    done=True,
                    reps=None if hold else item.reps,
                    hold_seconds=item.hold_seconds if hold else None,
                    pain_during=pain,
                    rpe=rng.choice([3, 4, 4, 5]),
                )
            )
        session, _check = session_log_record(
            patient=programme.patient,
            version=version,
            performed_on=performed_on,
            entries=entries,
            comment=flag_comment if day == flag_day else "",
            today=performed_on,
        )
        if day == days:
            continue  # yesterday's: the patient records it this morning
        # Morning pain eases over the days, except after the sore day.
        morning = 5 if day == flag_day else max(1, morning - (1 if day in (5, 12) else 0))
        if flag_day is not None and day == flag_day + 1:
            morning = 3
        next_morning = datetime.combine(performed_on + timedelta(days=1), time(7), tzinfo=tz)
        session_morning_pain_record(session=session, morning_pain=morning, now=next_morning)
    # The flags stay for the practitioner to see; their emails are not sent (demo data).
    Notification.objects.filter(
        patient=programme.patient,
        kind=Notification.Kind.PAIN_FLAG,
        status=Notification.Status.PENDING,
    ).update(status=Notification.Status.VOID, last_error="Demo data: not emailed.")
    return SessionLog.objects.filter(version=version, pain_flag=True).count()
