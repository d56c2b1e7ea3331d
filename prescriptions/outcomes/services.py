"""Writing outcome-measure responses: entered with an assessment, completed online by the
patient, attached to an assessment, copied into an amendment.

Every response is scored with `prescriptions.outcomes.score` when it is written, and the
score (total, scales, prorated or why it was not scored) is stored beside the answers. A
response that belongs to a signed assessment is never changed again.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from simple_history.utils import bulk_create_with_history

from bookings.models import Appointment
from clinic.errors import DomainError
from clinic.models import Patient, User
from prescriptions.models import Assessment, OutcomeResponse
from prescriptions.outcomes import instruments
from prescriptions.outcomes import scoring as outcomes

PSFS_MAX_ACTIVITIES = 5
ACTIVITY_TEXT_MAX = 120
_ACTIVITY_ID = re.compile(r"^[0-9a-f]{12}$")


def measure_field(code: str, part: str) -> str:
    """The form field name of one part of a measure: measure__VISA-G__3 (item 3),
    measure__VISA-G__branch, measure__PSFS__text_2 (activity 2's words)."""
    return f"measure__{code}__{part}"


@dataclass(frozen=True)
class ResponseInput:
    """One measure as typed: points in item order (None = unanswered); for the PSFS the
    activities (id, words) in the same order as the ratings; for VISA-G item 8's branch."""

    answers: Sequence[int | None]
    activities: Sequence[tuple[str, str]] = ()
    branch: str = ""

    @property
    def is_empty(self) -> bool:
        return all(a is None for a in self.answers) and not any(t for _, t in self.activities)


@dataclass(frozen=True)
class Checked:
    answers: list[int | None]
    activities: list[dict[str, str]] = field(default_factory=list)
    branch: str = ""
    score: outcomes.Score | None = None


def new_activity_id() -> str:
    return uuid.uuid4().hex[:12]


def _psfs(data: ResponseInput) -> tuple[list[int | None], list[dict[str, str]]]:
    activities: list[dict[str, str]] = []
    answers: list[int | None] = []
    for n, ((activity_id, text), rating) in enumerate(
        zip(data.activities, data.answers, strict=True), start=1
    ):
        text = " ".join((text or "").split())
        if not text:
            if rating is not None:
                raise DomainError(
                    f"Activity {n}: name the activity, or clear its rating.",
                    field=measure_field("PSFS", f"text_{n}"),
                )
            continue
        if len(text) > ACTIVITY_TEXT_MAX:
            raise DomainError(
                f"Activity {n}: keep it to {ACTIVITY_TEXT_MAX} characters or fewer.",
                field=measure_field("PSFS", f"text_{n}"),
            )
        activity_id = activity_id if _ACTIVITY_ID.match(activity_id or "") else new_activity_id()
        if any(a["id"] == activity_id for a in activities):
            activity_id = new_activity_id()
        activities.append({"id": activity_id, "text": text})
        answers.append(rating)
    if len(activities) > PSFS_MAX_ACTIVITIES:
        raise DomainError(
            f"Name at most {PSFS_MAX_ACTIVITIES} activities.", field=measure_field("PSFS", "1")
        )
    return answers, activities


def _visa_g_branch(data: ResponseInput) -> str:
    item = outcomes.INSTRUMENTS["VISA-G"].items[7]
    points = data.answers[7] if len(data.answers) == 8 else None
    if points is None:
        return ""
    if data.branch not in item.branches:
        raise DomainError(
            "VISA-G item 8: choose which of the three parts the patient answered.",
            field=measure_field("VISA-G", "branch"),
        )
    allowed = item.branches[data.branch]
    if points not in allowed:
        raise DomainError(
            f"VISA-G item 8 part {data.branch} scores {', '.join(map(str, allowed))}.",
            field=measure_field("VISA-G", "8"),
        )
    return data.branch


def check_response(code: str, data: ResponseInput) -> Checked:
    """Check one measure's input and score it; DomainError with the field to blame.

    1. Unknown code: refuse.
    2. PSFS: drop empty activity slots, keep the stable id of each named activity (a new
       one for a newly named activity), at most 5.
    3. VISA-G: item 8's points must belong to the branch chosen.
    4. Score with outcomes.score, which refuses answers an item does not allow.
    """
    if code not in outcomes.INSTRUMENTS:
        raise DomainError("Choose outcome measures from the list.", field="measures")
    activities: list[dict[str, str]] = []
    answers = list(data.answers)
    branch = ""
    if code == "PSFS":
        answers, activities = _psfs(data)
        if not activities:
            return Checked([], [])
    elif code == "VISA-G":
        branch = _visa_g_branch(data)
    try:
        result = outcomes.score(code, answers)
    except ValueError as exc:
        raise DomainError(
            f"{code}: {_item_message(code, answers, exc)}", field=_first_bad_field(code, answers)
        ) from None
    return Checked(answers, activities, branch, result)


def _item_message(code: str, answers: Sequence[int | None], exc: ValueError) -> str:
    instrument = outcomes.INSTRUMENTS[code]
    for item, value in zip(instrument.items, answers, strict=False):
        if value is not None and (type(value) is not int or value not in item.allowed):
            allowed = ", ".join(map(str, item.allowed))
            return f"item {item.number} ({item.topic}) scores {allowed}."
    return str(exc).removeprefix(f"{code} ")


def _first_bad_field(code: str, answers: Sequence[int | None]) -> str:
    instrument = outcomes.INSTRUMENTS[code]
    for item, value in zip(instrument.items, answers, strict=False):
        if value is not None and value not in item.allowed:
            return measure_field(code, str(item.number))
    return measure_field(code, "1")


def _apply(row: OutcomeResponse, checked: Checked) -> None:
    score = checked.score
    row.answers = checked.answers
    row.activities = checked.activities
    row.branch = checked.branch
    row.total = None if score is None or score.total is None else Decimal(str(score.total))
    row.subscales = dict(score.subscales) if score else {}
    row.answered = score.answered if score else 0
    row.prorated = bool(score and score.prorated)
    row.note = score.note if score else ""


def _same(row: OutcomeResponse, checked: Checked) -> bool:
    return (row.answers, row.activities, row.branch) == (
        checked.answers,
        checked.activities,
        checked.branch,
    )


def store_for_assessment(
    *, assessment: Assessment, by: User, responses: Mapping[str, ResponseInput]
) -> None:
    """Write the responses of a draft's measures (the caller holds the row lock).

    A measure of the assessment with no answers has no response: a staff-entered one is
    deleted, one the patient completed online goes back to the patient's record. A changed
    online response becomes staff-entered (the clinician corrected it).
    """
    existing = {r.instrument: r for r in assessment.outcome_responses.all()}
    for code in assessment.measures:
        data = responses.get(code)
        row = existing.get(code)
        checked = None if data is None or data.is_empty else check_response(code, data)
        if checked is None or (code == "PSFS" and not checked.activities):
            if row is not None and row.source == OutcomeResponse.Source.ONLINE:
                row.assessment = None
                row.save(update_fields=["assessment", "updated_at"])
            elif row is not None:
                row.delete()
            continue
        if row is None:
            row = OutcomeResponse(
                clinic_id=assessment.clinic_id,
                patient_id=assessment.patient_id,
                assessment=assessment,
                instrument=code,
                completed_on=assessment.assessed_on,
                entered_by=by,
            )
        elif _same(row, checked):
            continue
        else:
            row.source = OutcomeResponse.Source.STAFF
            row.entered_by = by
        _apply(row, checked)
        row.full_clean()
        row.save()


def copy_to(*, source: Assessment, target: Assessment) -> None:
    """An amendment carries the responses of the version it amends, unchanged."""
    rows = []
    for r in source.outcome_responses.all():
        r.pk = None
        r.code = uuid.uuid4()
        r.assessment = target
        rows.append(r)
    bulk_create_with_history(rows, OutcomeResponse, default_user=target.created_by)


def with_answers(assessment: Assessment) -> set[str]:
    return set(assessment.outcome_responses.values_list("instrument", flat=True))


@transaction.atomic
def outcome_response_attach(
    *, response: OutcomeResponse, assessment: Assessment, by: User
) -> OutcomeResponse:
    """Attach a response the patient completed online to one of their draft assessments;
    its measure joins the assessment's measures."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    row = OutcomeResponse.objects.select_for_update().get(pk=response.pk)
    if locked.status != Assessment.Status.DRAFT:
        raise DomainError("Attach responses to a draft; this assessment is signed.")
    if row.patient_id != locked.patient_id or row.assessment_id is not None:
        raise DomainError("This response is not waiting to be attached.")
    if locked.outcome_responses.filter(instrument=row.instrument).exists():
        raise DomainError(
            f"This assessment already has a {row.instrument}: clear its answers first, then "
            "attach the patient's."
        )
    row.assessment = locked
    row.save(update_fields=["assessment", "updated_at"])
    if row.instrument not in locked.measures:
        locked.measures = instruments.ordered_measures([*locked.measures, row.instrument])
    locked.updated_by = by
    locked.revision += 1
    locked.save(update_fields=["measures", "updated_by", "revision", "updated_at"])
    assessment.refresh_from_db()
    return row


@transaction.atomic
def outcome_response_submit_online(
    *,
    appointment: Appointment,
    code: str,
    wording: instruments.Wording,
    data: ResponseInput,
    today: date,
) -> OutcomeResponse:
    """Store what the patient answered from their pre-visit link. Answering the same
    measure again for the same visit replaces the earlier answers, until a clinician has
    attached them to an assessment."""
    Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
    checked = check_response(code, data)
    if code == "PSFS" and not checked.activities:
        raise DomainError("Name at least one activity and rate it.", field=measure_field(code, "1"))
    if checked.score is None or checked.score.answered == 0:
        raise DomainError("Answer the questions, then send them.", field=measure_field(code, "1"))
    row = (
        OutcomeResponse.objects.select_for_update()
        .filter(appointment=appointment, instrument=code, source=OutcomeResponse.Source.ONLINE)
        .first()
    )
    if row is not None and row.assessment_id is not None:
        raise DomainError("Your clinician already has these answers. Thank you.")
    patient: Patient = appointment.patient
    if row is None:
        row = OutcomeResponse(
            clinic_id=patient.clinic_id,
            patient=patient,
            instrument=code,
            source=OutcomeResponse.Source.ONLINE,
            appointment=appointment,
        )
    row.completed_on = today
    row.wording = wording.label[:300]
    _apply(row, checked)
    row.full_clean()
    row.save()
    return row


def latest_activities_response(
    patient: Patient, *, before: Assessment | None = None
) -> OutcomeResponse | None:
    """The patient's most recent PSFS with activities (excluding `before`'s own)."""
    rows = OutcomeResponse.objects.filter(patient=patient, instrument="PSFS").exclude(activities=[])
    if before is not None:
        rows = (
            rows.exclude(assessment=before)
            .exclude(assessment__chain=before.chain)
            .filter(completed_on__lte=before.assessed_on)
        )
    return rows.order_by("-completed_on", "-created_at").first()


def latest_activities(
    patient: Patient, *, before: Assessment | None = None
) -> list[dict[str, Any]]:
    """The activities of the patient's most recent PSFS (excluding `before`'s own), so a
    follow-up re-rates the same ones (CLINICAL.md §2.10)."""
    row = latest_activities_response(patient, before=before)
    return list(row.activities) if row else []
