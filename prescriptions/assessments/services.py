"""Writing assessments: create, update a draft, sign, amend.

Every write locks the assessment row first, so two people saving, signing or amending at
once are serialised; a signed assessment is never changed again (its amendment is a new
version). Recorded values are checked against the battery registry here as well as by
the database, whatever the caller (form, admin, seed command).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from simple_history.utils import bulk_create_with_history

from bookings.models import Appointment
from clinic.errors import DomainError
from clinic.models import Patient, Practitioner, User
from prescriptions.assessments import battery, derived
from prescriptions.models import Assessment, Measurement
from prescriptions.outcomes import instruments
from prescriptions.outcomes.services import (
    ResponseInput,
    copy_to,
    store_for_assessment,
    with_answers,
)
from prescriptions.rules import postop, thresholds
from prescriptions.surgery.selectors import surgery_for_rules
from prescriptions.vocabulary import SIDES, Condition, Finding, Goal, RedFlag, Side

Results = Mapping[str, Mapping[str, Mapping[str, Decimal | str | None]]]
"""{test code: {side ("left", "right" or "" for the test): {measure: value or None}}}."""

EDITABLE_FIELDS = (
    "assessed_on",
    "practitioner",
    "conditions",
    "condition_other",
    "involved_side",
    "reference_sex",
    "history",
    "goals",
    "goals_note",
    "red_flags",
    "red_flags_note",
    "stop_signs",
    "pain_nprs",
    "pain_context",
    "pain_task",
    "body_mass_kg",
    "resting_sbp",
    "resting_dbp",
    "resting_hr",
    "findings_note",
)
"""Plain fields a draft update may set (battery, results and findings have their own
arguments)."""

COPIED_FIELDS = (
    *EDITABLE_FIELDS,
    "clinic",
    "patient",
    "appointment",
    "battery",
    "measures",
    "findings",
    "flags",
)
"""What an amendment copies from the version it amends."""


class AssessmentLocked(DomainError):
    """The assessment is signed or superseded: it can only be amended."""


class StaleRevision(DomainError):
    """Someone else saved the draft after this editor loaded it."""


def field_key(test: str, side: str, measure: str) -> str:
    """The form field name of one recorded value, also used on errors: test__side__measure
    (side "test" for test-wide values)."""
    return f"{test}__{side or 'test'}__{measure}"


# --- Checking input ---------------------------------------------------------------------


def _codes(values: Iterable[str], allowed: Iterable[str], *, field: str) -> list[str]:
    allowed_set = set(allowed)
    result: list[str] = []
    for value in values:
        if value not in allowed_set:
            raise DomainError("Choose from the list.", field=field)
        if value not in result:
            result.append(value)
    return result


def _findings(findings: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for code, sides in findings.items():
        if code not in Finding.values:
            raise DomainError("Choose findings from the list.", field="findings")
        chosen = [s for s in SIDES if s in set(sides)]
        if len(chosen) != len(set(sides)):
            raise DomainError("Choose left, right or both.", field=f"finding__{code}")
        if chosen:
            result[code] = [str(s) for s in chosen]
    return result


def _lower_first(text: str) -> str:
    """ "Time held" -> "time held", but "FPPA ..." and "ADD ..." keep their capitals."""
    return text if len(text) > 1 and text[1].isupper() else text[:1].lower() + text[1:]


def check_value(spec: battery.FieldSpec, value: Decimal | str, *, side: str = "") -> Decimal | str:
    """One recorded value against its registry entry. Raises ValueError with a message for
    the person who typed it ("Left time held must be between 0 and 30 seconds.")."""
    name = _lower_first(spec.label)
    if side:
        name = f"{Side(side).label.lower()} {name}"
    if spec.kind == battery.CHOICE:
        if value not in dict(spec.choices):
            raise ValueError(f"Choose {name} from the list.")
        return value
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"Enter {name} as a number.") from None
    if not number.is_finite():
        raise ValueError(f"Enter {name} as a number.")
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        words = battery.unit_words(spec.unit)
        raise ValueError(
            f"{name[0].upper()}{name[1:]} must be between {spec.min} and {spec.max}"
            f"{' ' + words if words else ''}."
        )
    if number != number.quantize(Decimal(1).scaleb(-spec.places)):
        if spec.places == 0:
            raise ValueError(f"Enter {name} as a whole number.")
        plural = "s" if spec.places > 1 else ""
        raise ValueError(f"Enter {name} with at most {spec.places} decimal place{plural}.")
    return number


def _raw_rows(tests: Sequence[str], results: Results) -> dict[derived.Key, Decimal | str]:
    """The recorded values of the battery's tests, checked; empty values dropped."""
    rows: dict[derived.Key, Decimal | str] = {}
    for code, by_side in results.items():
        if code not in battery.TESTS:
            raise DomainError("Unknown test.", field="battery")
        if code not in tests:
            continue
        test = battery.TESTS[code]
        for side, measures in by_side.items():
            for name, value in measures.items():
                if value is None or value == "":
                    continue
                spec = next((f for f in test.fields if f.name == name), None)
                if spec is None or spec.sided != (side in SIDES) or side not in (*SIDES, ""):
                    raise DomainError("Unknown measurement.", field=field_key(code, side, name))
                try:
                    rows[(code, side, name)] = check_value(spec, value, side=side)
                except ValueError as exc:
                    raise DomainError(str(exc), field=field_key(code, side, name)) from None
    return rows


def _full_clean(assessment: Assessment) -> None:
    try:
        assessment.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from None


# --- Storing values ---------------------------------------------------------------------


def _inputs(assessment: Assessment, raw: Mapping[derived.Key, Decimal | str]) -> derived.Inputs:
    # The surgery record decides where a value counts (hip %BW only in its ACL context).
    surgery = surgery_for_rules(patient=assessment.patient, on_date=assessment.assessed_on)
    return derived.Inputs(
        values=raw,
        battery=assessment.battery,
        body_mass_kg=assessment.body_mass_kg,
        involved_side=assessment.involved_side,
        reference_sex=assessment.reference_sex,
        conditions=frozenset(assessment.conditions),
        assessment_values={
            "resting_sbp": _decimal(assessment.resting_sbp),
            "resting_dbp": _decimal(assessment.resting_dbp),
            "resting_hr": _decimal(assessment.resting_hr),
        },
        age=assessment.patient.age_on(assessment.assessed_on),
        surgery_procedure=surgery.procedure.value if surgery else "",
    )


def _decimal(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _store(assessment: Assessment, raw: Mapping[derived.Key, Decimal | str]) -> None:
    """Replace every measurement with `raw` plus the values derived from it, and store
    the flags they raise."""
    derived_values, flags = thresholds.evaluate(_inputs(assessment, raw))
    rows = [
        Measurement(
            assessment=assessment,
            test=test,
            side=side,
            measure=name,
            number=value if isinstance(value, Decimal) else None,
            text=value if isinstance(value, str) else "",
            unit=battery.TESTS[test].field(name).unit,
        )
        for (test, side, name), value in raw.items()
    ]
    rows += [
        Measurement(
            assessment=assessment,
            test=d.test,
            side=d.side,
            measure=d.field,
            number=d.value if isinstance(d.value, Decimal) else None,
            text=d.value if isinstance(d.value, str) else "",
            unit=d.unit,
            derived=True,
            note=d.note,
        )
        for d in derived_values
    ]
    assessment.measurements.all().delete()  # each deletion is kept in the history
    bulk_create_with_history(rows, Measurement, default_user=assessment.updated_by)
    assessment.flags = [f.as_dict() for f in flags]
    assessment.save(update_fields=["flags"])


def _raw_of(assessment: Assessment) -> dict[derived.Key, Decimal | str]:
    return {
        (m.test, m.side, m.measure): m.value for m in assessment.measurements.filter(derived=False)
    }


def _lock(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().get(pk=assessment.pk)


# --- Services ---------------------------------------------------------------------------


def _check_practitioner(practitioner: Practitioner, patient: Patient) -> None:
    if practitioner.clinic_id != patient.clinic_id or not practitioner.is_active:
        raise DomainError("Choose a practitioner of this clinic.", field="practitioner")


@transaction.atomic
def assessment_create(
    *,
    patient: Patient,
    practitioner: Practitioner,
    created_by: User,
    assessed_on: date,
    appointment: Appointment | None = None,
    conditions: Iterable[str] = (),
    condition_other: str = "",
    involved_side: str = "",
    tests: Iterable[str] | None = None,
    measures: Iterable[str] | None = None,
) -> Assessment:
    """Start a draft for `patient`, from one of their appointments or not. Its battery and
    outcome measures are `tests` and `measures` when given (a re-assessment repeats the
    last ones), otherwise those CLINICAL.md §1.12 suggests for the conditions."""
    _check_practitioner(practitioner, patient)
    if appointment is not None and appointment.patient_id != patient.pk:
        raise DomainError("Choose one of this patient's appointments.", field="appointment")
    chosen = _codes(conditions, Condition.values, field="conditions")
    tests = battery.ordered(tests) if tests is not None else battery.battery_for_conditions(chosen)
    measures = (
        instruments.ordered_measures(list(measures))
        if measures is not None
        else instruments.measures_for_conditions(chosen)
    )
    assessment = Assessment(
        clinic_id=patient.clinic_id,
        patient=patient,
        practitioner=practitioner,
        appointment=appointment,
        assessed_on=assessed_on,
        conditions=chosen,
        condition_other=condition_other.strip(),
        involved_side=involved_side,
        battery=tests,
        measures=measures,
        created_by=created_by,
        updated_by=created_by,
    )
    _full_clean(assessment)
    assessment.save()
    return assessment


@transaction.atomic
def assessment_update_draft(
    *,
    assessment: Assessment,
    by: User,
    fields: Mapping[str, Any] | None = None,
    tests: Iterable[str] | None = None,
    results: Results | None = None,
    findings: Mapping[str, Iterable[str]] | None = None,
    expected_revision: int | None = None,
    measures: Iterable[str] | None = None,
    responses: Mapping[str, ResponseInput] | None = None,
) -> list[str]:
    """Save changes to a draft. Returns the tests added because a condition was added
    (CLINICAL.md §1.12 suggestions), so the page can say so.

    1. Lock the row; refuse a signed one, and a stale `expected_revision`.
    2. Apply the plain fields, then the battery: the chosen `tests` plus the suggestions of
       newly added conditions. A test with recorded values cannot be dropped.
    3. Check the recorded `results` of the battery's tests (all of them: a test missing
       from `results` is emptied); keep the stored ones when `results` is None.
    4. The outcome measures likewise: the chosen `measures` plus those of newly added
       conditions; a measure with answers cannot be dropped. With `responses`, each
       measure's answers are checked, scored and stored (prescriptions/outcomes/services.py).
    5. Store the values with their derived values and flags; bump the revision.
    """
    locked = _lock(assessment)
    if locked.status != Assessment.Status.DRAFT:
        raise AssessmentLocked(
            "This assessment is signed and can no longer be changed. Amend it to correct it."
        )
    if expected_revision is not None and expected_revision != locked.revision:
        raise StaleRevision(
            "Someone else saved this assessment after you opened it. Your changes are shown "
            "below: check them and save again to replace theirs."
        )
    fields = dict(fields or {})
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    before = set(locked.conditions)
    if "conditions" in fields:
        fields["conditions"] = _codes(fields["conditions"], Condition.values, field="conditions")
    if "goals" in fields:
        fields["goals"] = _codes(fields["goals"], Goal.values, field="goals")
    if "red_flags" in fields:
        fields["red_flags"] = _codes(fields["red_flags"], RedFlag.values, field="red_flags")
    if "stop_signs" in fields:
        signs = [s.value for s in postop.Sign]
        fields["stop_signs"] = _codes(fields["stop_signs"] or [], signs, field="stop_signs")
    for name in ("condition_other", "goals_note", "red_flags_note", "pain_task", "history"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    if "practitioner" in fields:
        _check_practitioner(fields["practitioner"], locked.patient)
    for name, value in fields.items():
        setattr(locked, name, value)
    if locked.pain_nprs is None:
        locked.pain_context, locked.pain_task = "", ""
    if (locked.red_flags or locked.stop_signs) and not locked.red_flags_note:
        raise DomainError(
            "Describe the red flags: what you found and what you did about it.",
            field="red_flags_note",
        )
    if locked.pain_nprs is not None and not locked.pain_context:
        raise DomainError("Choose when the pain score applies.", field="pain_context")
    if locked.pain_context == "task" and not locked.pain_task:
        raise DomainError("Name the task the pain score applies to.", field="pain_task")

    chosen = _codes(tests, battery.TESTS, field="battery") if tests is not None else locked.battery
    added = battery.battery_for_conditions(set(locked.conditions) - before)
    new_battery = battery.ordered([*chosen, *added])
    suggested = [t for t in added if t not in chosen]
    if results is None:
        raw = _raw_of(locked)
        with_values = {test for test, _, _ in raw}
    else:
        raw = _raw_rows(new_battery, results)
        with_values = {
            code
            for code, by_side in results.items()
            if any(v not in (None, "") for measures in by_side.values() for v in measures.values())
        }
    dropped = [t for t in locked.battery if t not in new_battery and t in with_values]
    if dropped:
        names = ", ".join(battery.TESTS[t].name for t in dropped)
        raise DomainError(
            f"{names}: clear the recorded results before removing the test.", field="battery"
        )
    locked.battery = new_battery
    _set_measures(locked, before, measures, responses)
    if findings is not None:
        locked.findings = _findings(findings)
    locked.updated_by = by
    locked.revision += 1
    _full_clean(locked)
    locked.save()
    _store(locked, {k: v for k, v in raw.items() if k[0] in new_battery})
    if responses is not None:
        store_for_assessment(assessment=locked, by=by, responses=responses)
    assessment.refresh_from_db()
    return suggested


def _set_measures(
    locked: Assessment,
    conditions_before: set[str],
    measures: Iterable[str] | None,
    responses: Mapping[str, ResponseInput] | None,
) -> None:
    known = set(instruments.MEASURE_CODES)
    chosen = list(measures) if measures is not None else list(locked.measures)
    if any(code not in known for code in chosen):
        raise DomainError("Choose outcome measures from the list.", field="measures")
    added = instruments.measures_for_conditions(
        [c for c in locked.conditions if c not in conditions_before]
    )
    new_measures = instruments.ordered_measures([*chosen, *added])
    if responses is None:
        answered = with_answers(locked)
    else:
        answered = {code for code, data in responses.items() if not data.is_empty}
    dropped = [m for m in locked.measures if m not in new_measures and m in answered]
    if dropped:
        raise DomainError(
            f"{', '.join(dropped)}: clear the answers before removing the measure.",
            field="measures",
        )
    locked.measures = new_measures


def _signer_or_error(by: User, assessment: Assessment) -> None:
    if not Practitioner.objects.filter(
        user=by, clinic_id=assessment.clinic_id, is_active=True
    ).exists():
        raise DomainError("Only a practitioner of this clinic can sign an assessment.")


@transaction.atomic
def assessment_sign(*, assessment: Assessment, by: User) -> Assessment:
    """Sign a draft off: from now on it is read-only. Signing an amendment supersedes
    the version it amends."""
    pks = sorted(filter(None, [assessment.pk, assessment.previous_id]))
    rows = {
        a.pk: a for a in Assessment.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    locked = rows[assessment.pk]
    if locked.status != Assessment.Status.DRAFT:
        raise AssessmentLocked("This assessment is already signed.")
    _signer_or_error(by, locked)
    if not locked.conditions and not locked.condition_other:
        raise DomainError(
            "Record at least one presenting condition before signing.", field="conditions"
        )
    now = timezone.now()
    if locked.previous_id is not None:
        previous = rows[locked.previous_id]
        if previous.status != Assessment.Status.SIGNED:
            raise AssessmentLocked("The version this amends has already been replaced.")
        previous.status = Assessment.Status.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at", "updated_at"])
    locked.status = Assessment.Status.SIGNED
    locked.signed_by = by
    locked.signed_at = now
    locked.save(update_fields=["status", "signed_by", "signed_at", "updated_at"])
    assessment.refresh_from_db()
    return assessment


AMENDMENT_REASON_MAX = 1000


@transaction.atomic
def assessment_amend(*, assessment: Assessment, by: User, reason: str) -> Assessment:
    """Start an amendment of a signed assessment: a new draft version with the same content,
    recording who started it, when and why. The signed version stays current until the
    amendment is signed."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the assessment needs amending.", field="reason")
    if len(reason) > AMENDMENT_REASON_MAX:
        raise DomainError(
            f"Keep the reason to {AMENDMENT_REASON_MAX} characters or fewer.", field="reason"
        )
    locked = _lock(assessment)
    if locked.status == Assessment.Status.DRAFT:
        raise DomainError("A draft can be edited directly; there is nothing to amend.")
    if locked.status == Assessment.Status.SUPERSEDED:
        raise AssessmentLocked("Only the latest version can be amended.")
    if Assessment.objects.filter(previous=locked).exists():
        raise DomainError("An amendment of this assessment is already in progress.")
    amendment = Assessment(
        chain=locked.chain,
        version=locked.version + 1,
        previous=locked,
        amendment_reason=reason,
        created_by=by,
        updated_by=by,
        **{name: getattr(locked, name) for name in COPIED_FIELDS},
    )
    _full_clean(amendment)
    try:
        with transaction.atomic():
            amendment.save()
    except IntegrityError:
        raise DomainError("An amendment of this assessment is already in progress.") from None
    _store(amendment, _raw_of(locked))
    copy_to(source=locked, target=amendment)
    return amendment
