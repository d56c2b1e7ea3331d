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
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

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


def demo_programme_seed(clinic: Clinic) -> str | None:
    """Create the demo programme and its sessions once; say what was made, or None."""
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
    today = timezone.now().astimezone(tz).date()
    start = today - timedelta(days=DAYS + 1)
    started = datetime.combine(start, time(17, 30), tzinfo=tz)
    with transaction.atomic():
        programme = _programme(patient, practitioner, started)
        flagged = _sessions(programme, start)
    return (
        f"Demo programme for {DEMO_PATIENT_EMAIL}: {len(ITEMS)} exercises, "
        f"{DAYS - len(SKIPPED)} sessions over two weeks ({flagged} flagged for pain)."
    )


def _programme(patient: Patient, practitioner: Practitioner, started: datetime) -> Programme:
    by = practitioner.user
    programme = programme_create(
        patient=patient,
        practitioner=practitioner,
        goal=Programme.Goal.GT_LOAD_MANAGEMENT,
        by=by,
        assessment=_assessment(patient, started),
        title="Settling your lateral hip pain",
    )
    draft = programme_draft_get_or_create(programme=programme, by=by)
    for slug, overrides in ITEMS:
        exercise = Exercise.objects.shipped().get(slug=slug)
        programme_item_add(version=draft, exercise=exercise, by=by, **overrides)
    version = programme_publish(
        programme=programme, by=by, change_note="First programme after your assessment."
    )
    # Backdate the publish so two weeks of sessions fit after it.
    ProgrammeVersion.objects.filter(pk=version.pk).update(published_at=started)
    programme.refresh_from_db()
    return programme


def _sessions(programme: Programme, start: date) -> int:
    rng = random.Random(5)  # noqa: S311 - the same invented demo every time
    version = programme.current_version
    assert version is not None  # noqa: S101 - just published
    items = list(version.items.select_related("exercise").order_by("order"))
    tz = programme.clinic.tz
    morning = 3
    for day in range(1, DAYS + 1):
        if day in SKIPPED:
            continue
        performed_on = start + timedelta(days=day)
        entries = []
        for item in items:
            pain = rng.choice([1, 2, 2, 3])
            if day == FLAG_DAY and item.exercise.slug == "glute-bridge":
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
        comment = "My right hip ached during the bridges today." if day == FLAG_DAY else ""
        session, _check = session_log_record(
            patient=programme.patient,
            version=version,
            performed_on=performed_on,
            entries=entries,
            comment=comment,
            today=performed_on,
        )
        if day == DAYS:
            continue  # yesterday's: the demo patient records it this morning
        # Morning pain eases over the fortnight, except after the sore day.
        morning = 5 if day == FLAG_DAY else max(1, morning - (1 if day in (5, 12) else 0))
        if day == FLAG_DAY + 1:
            morning = 3
        next_morning = datetime.combine(performed_on + timedelta(days=1), time(7), tzinfo=tz)
        session_morning_pain_record(session=session, morning_pain=morning, now=next_morning)
    return SessionLog.objects.filter(version=version, pain_flag=True).count()
