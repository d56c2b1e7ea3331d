"""Writes for bookings: book, cancel, reschedule, mark attendance.

Every write that moves a practitioner's time locks the practitioner row (PostgreSQL) or
holds SQLite's single write lock (IMMEDIATE transactions), re-checks availability, and
writes inside a savepoint. On PostgreSQL the exclusion constraint
`appt_no_overlap_per_practitioner` is the backstop for any path that forgets, so a race
can never leave two active appointments overlapping; `appt_no_overlap_per_patient` does
the same for one person booked with two practitioners at once (unless staff booked it
knowingly, "Book anyway").

Lock order, the same in every path (so two writers never wait on each other in a
circle): practitioner rows in ascending id, then the appointment row alone
(`select_for_update(of=("self",))`), then its notification rows.
A wait longer than the connection's `lock_timeout` (clinic/settings.py), a deadlock the
database broke, or SQLite's "database is locked" is not a server error: booking and
moving answer `SlotUnavailable` with the nearest free times, cancelling answers
`VisitBusy`; both are a 409 to the person.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from bookings.models import ARRIVAL_WINDOW, Appointment, Modality, Service
from bookings.notifications import (
    notifications_plan_for_booking,
    notifications_plan_for_cancel,
    notifications_plan_for_reschedule,
    waitlist_sweep_soon,
)
from bookings.selectors import Slot, closure_reason_at, nearest_free_slots, slot_is_available
from clinic.errors import DomainError
from clinic.lib.time import when_label
from clinic.models import Clinic, Patient, Practitioner, Referral, User

logger = logging.getLogger(__name__)

EXCLUSION_VIOLATION = "23P01"
PATIENT_OVERLAP = "appt_no_overlap_per_patient"
TAKEN_MESSAGE = "That time was just taken."
LOCK_WAIT_FAILED = {
    "55P03",  # lock_not_available: waited longer than lock_timeout
    "40P01",  # deadlock_detected
    "40001",  # serialization_failure
}


class SlotUnavailable(DomainError):
    """The time is not free (taken meanwhile, outside hours, or too soon)."""

    def __init__(self, message: str, *, alternatives: list[Slot] | None = None) -> None:
        super().__init__(message, field="start")
        self.alternatives = alternatives or []


@dataclass(frozen=True)
class PatientDetails:
    """What a person gives about themselves when they book online or through the API."""

    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: date


class CancellationWindowPassed(DomainError):
    """Too close to the visit for a patient to change it online."""


class VisitBusy(DomainError):
    """Someone else was changing the same visit or diary and we stopped waiting."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else is changing this visit at the moment. Please try again in a few seconds."
        )


class PatientAlreadyBooked(DomainError):
    """The patient already has an active visit overlapping the time (with anyone)."""

    def __init__(self, clash: Appointment | None) -> None:
        if clash is None:  # caught by the database in a race: the transaction is over
            message = "The patient already has a visit at that time. Choose another time."
        else:
            message = (
                f"{clash.patient.first_name} already has a visit at that time: "
                f"{when_label(clash.start, clash.tz)} with {clash.practitioner.display_name}. "
                "Choose another time, or change that visit first."
            )
        super().__init__(message, field="start")
        self.clash = clash


class BookingKeyReused(DomainError):
    """A `booking_request_id` that was already used for a different booking."""

    def __init__(self) -> None:
        super().__init__(
            "This booking_request_id was already used for a different booking.",
            field="booking_request_id",
        )


def lock_wait_failed(exc: OperationalError) -> bool:
    """Whether the database gave up waiting for a lock (not a broken server)."""
    if getattr(exc.__cause__, "sqlstate", None) in LOCK_WAIT_FAILED:
        return True
    return "database is locked" in str(exc)  # SQLite's busy timeout


def booking_fingerprint(
    *,
    service: Service,
    practitioner: Practitioner,
    modality: str,
    start: datetime,
    patient: Patient | PatientDetails,
    location_id: int | None,
) -> str:
    """What a repeated `booking_request_id` must match to get the first answer back: the
    same slot for the same person (SHA-256, so no personal detail is stored twice)."""
    if isinstance(patient, Patient):
        who = [f"patient:{patient.pk}"]
    else:
        who = [
            patient.email.strip().lower(),
            patient.first_name.strip(),
            patient.last_name.strip(),
            patient.phone.strip(),
            patient.date_of_birth.isoformat(),
        ]
    parts = [
        str(service.pk),
        str(practitioner.pk),
        modality,
        start.astimezone(UTC).isoformat(),
        "" if location_id is None else str(location_id),
        *who,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class _Repeated(Exception):
    """Inside the booking transaction: the key was used meanwhile (rolls back)."""

    def __init__(self, appointment: Appointment) -> None:
        self.appointment = appointment


def _repeat_answer(appointment: Appointment, fingerprint: str) -> Appointment:
    if appointment.booking_request_hash != fingerprint:
        raise BookingKeyReused()
    return appointment


def telehealth_room_url() -> str:
    """An unguessable video room under TELEHEALTH_BASE_URL (144 bits of randomness)."""
    return f"{settings.TELEHEALTH_BASE_URL}/stance-{secrets.token_urlsafe(18)}"


def _lock_practitioners(*practitioner_ids: int) -> None:
    """Serialise writes to these practitioners' time until the transaction ends.

    Rows are locked in id order so two writers never deadlock. SQLite ignores
    SELECT ... FOR UPDATE; there the IMMEDIATE transaction already holds the only
    write lock. On PostgreSQL a wait is bounded by the connection's `lock_timeout`
    (clinic/settings.py).
    """
    list(
        Practitioner.objects.select_for_update()
        .filter(pk__in=sorted(set(practitioner_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_visit(appointment: Appointment, *, also: int | None = None) -> Appointment:
    """Lock the visit in the documented order: its practitioner (and `also`, the one it
    moves to) first, then the appointment row alone. Should the visit have moved to
    another practitioner meanwhile, that practitioner is locked too before going on."""
    practitioner_ids = {appointment.practitioner_id}
    if also is not None:
        practitioner_ids.add(also)
    while True:
        _lock_practitioners(*practitioner_ids)
        appt = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("practitioner__clinic", "service__clinic")
            .get(pk=appointment.pk)
        )
        if appt.practitioner_id in practitioner_ids:
            return appt
        practitioner_ids.add(appt.practitioner_id)


def _save_holding_time(appointment: Appointment, **save_kwargs: object) -> None:
    """Save; an overlap caught by the database becomes SlotUnavailable (the
    practitioner's time) or PatientAlreadyBooked (the patient's). No savepoint: the
    caller's transaction is given up either way, so the error only needs a new name."""
    try:
        appointment.save(**save_kwargs)  # type: ignore[arg-type]
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != EXCLUSION_VIOLATION:
            raise
        diag = getattr(exc.__cause__, "diag", None)
        if getattr(diag, "constraint_name", "") == PATIENT_OVERLAP:
            raise PatientAlreadyBooked(None) from exc
        raise SlotUnavailable("That time was just taken.") from exc


def _taken_error(
    *,
    service: Service,
    practitioner: Practitioner | None,
    modality: str,
    start: datetime,
    now: datetime,
    message: str = TAKEN_MESSAGE,
) -> SlotUnavailable:
    alternatives = nearest_free_slots(
        service=service, practitioner=practitioner, modality=modality, around=start, now=now
    )
    return SlotUnavailable(message, alternatives=alternatives)


def _unavailable_message(
    *, practitioner: Practitioner, start: datetime, service: Service, location_id: int | None
) -> str:
    """Why a time the person chose is not free: a closure or public holiday says so by
    name; anything else (taken, outside hours, too soon) is "no longer available"."""
    closed = closure_reason_at(
        practitioner=practitioner,
        start=start,
        end=start + service.duration,
        location_id=location_id,
    )
    return closed or "That time is no longer available."


NOT_OFFERED = "That practitioner does not offer this service."


def _check_booking_shape(
    *, service: Service, practitioner: Practitioner, modality: str, offers: bool = True
) -> None:
    """The service allows the modality and the practitioner offers it. A booking passes
    `offers=False`: it asks whether they offer it in the query that locks their diary."""
    if modality not in service.allowed_modalities():
        raise DomainError(f"{service.name} is not offered as {modality}.", field="modality")
    if practitioner.clinic_id != service.clinic_id or not practitioner.is_active:
        raise DomainError(NOT_OFFERED, field="practitioner")
    if offers and not service.practitioners.filter(pk=practitioner.pk).exists():
        raise DomainError(NOT_OFFERED, field="practitioner")


def appointment_book(
    *,
    service: Service,
    practitioner: Practitioner,
    modality: str,
    start: datetime,
    patient: Patient | PatientDetails,
    source: str = Appointment.Source.ONLINE,
    booked_by: User | None = None,
    location_id: int | None = None,
    booking_request_id: uuid.UUID | None = None,
    allow_patient_overlap: bool = False,
    now: datetime | None = None,
    referral: Referral | None = None,
    funding_reason: str = "",
) -> Appointment:
    """Book a visit for a patient: the one way the booking pages, the staff pages and the
    API book. Raises SlotUnavailable (with the nearest free times), PatientAlreadyBooked
    (the patient has another visit at that time: refused online; staff may book anyway
    with `allow_patient_overlap`) or DomainError. A visit funded under a `referral` (the
    patient's own) keeps it, with the reason staff gave for booking past its limits
    (bookings/funding.py says which; the booking page asks for the reason).

    1. Check the shape: the service allows the modality, the practitioner offers it.
    2. In one transaction: a new patient's `PatientDetails` find the clinic's record with
       that email or make one (`patient_match_or_create`); lock the practitioner, return
       the existing booking for a repeated `booking_request_id`, re-check that `start` is
       a free slot (staff bookings skip the patient notice and horizon), then insert in a
       savepoint. A refused booking leaves no new patient behind.
    3. A clinic visit takes the location of the working hours the slot falls in.
    4. In the same transaction, plan the confirmation and the reminders (outbox rows);
       the confirmation is handed to the worker after commit, never before, and a broker
       that is down does not fail or hold up the booking.
    """
    now = now or timezone.now()
    if timezone.is_naive(start):
        raise DomainError("The start time needs a time zone.", field="start")
    fingerprint = ""
    if booking_request_id is not None:
        fingerprint = booking_fingerprint(
            service=service,
            practitioner=practitioner,
            modality=modality,
            start=start,
            patient=patient,
            location_id=location_id,
        )
        existing = Appointment.objects.filter(booking_request_id=booking_request_id).first()
        if existing is not None:
            return _repeat_answer(existing, fingerprint)
    _check_booking_shape(
        service=service, practitioner=practitioner, modality=modality, offers=False
    )
    # The same clinic row (checked above): planning the reminders reads its lead times
    # from the practitioner's clinic, which callers rarely load with the practitioner.
    practitioner.clinic = service.clinic
    if isinstance(patient, Patient) and patient.clinic_id != service.clinic_id:
        raise DomainError("That patient belongs to another clinic.", field="patient")
    if referral is not None and (
        not isinstance(patient, Patient) or referral.patient_id != patient.pk
    ):
        raise DomainError("Choose one of the patient's referrals.", field="referral")
    enforce = source != Appointment.Source.STAFF
    if start <= now:
        raise DomainError("That time has already passed.", field="start")

    try:
        with transaction.atomic():
            if isinstance(patient, PatientDetails):
                patient = patient_match_or_create(
                    clinic=service.clinic,
                    proven=source == Appointment.Source.STAFF,
                    **asdict(patient),
                )
            appointment = _book_locked(
                service=service,
                practitioner=practitioner,
                modality=modality,
                start=start,
                patient=patient,
                source=source,
                booked_by=booked_by,
                location_id=location_id,
                booking_request_id=booking_request_id,
                booking_request_hash=fingerprint,
                now=now,
                enforce=enforce,
                allow_patient_overlap=allow_patient_overlap and not enforce,
                referral=referral,
                funding_reason=funding_reason.strip()[:500],
            )
    except _Repeated as repeated:
        # The same key, sent twice at once: whatever this request made is rolled back.
        return _repeat_answer(repeated.appointment, fingerprint)
    except IntegrityError:
        # The same key, sent at once for two practitioners: the unique key caught it.
        if booking_request_id is None:
            raise
        existing = Appointment.objects.filter(booking_request_id=booking_request_id).first()
        if existing is None:
            raise
        return _repeat_answer(existing, fingerprint)
    except (SlotUnavailable, OperationalError) as exc:
        if isinstance(exc, OperationalError) and not lock_wait_failed(exc):
            raise
        message = exc.message if isinstance(exc, SlotUnavailable) else TAKEN_MESSAGE
        raise _taken_error(
            service=service,
            practitioner=None,
            modality=modality,
            start=start,
            now=now,
            message=message,
        ) from exc
    logger.info(
        "appointment booked id=%s practitioner=%s source=%s",
        appointment.pk,
        practitioner.pk,
        source,
    )
    return appointment


def _book_locked(
    *,
    service: Service,
    practitioner: Practitioner,
    modality: str,
    start: datetime,
    patient: Patient,
    source: str,
    booked_by: User | None,
    location_id: int | None,
    booking_request_id: uuid.UUID | None,
    booking_request_hash: str,
    now: datetime,
    enforce: bool,
    allow_patient_overlap: bool,
    referral: Referral | None = None,
    funding_reason: str = "",
) -> Appointment:
    # Lock the practitioner's diary, and in the same query make sure they offer the service.
    offered = Practitioner.objects.select_for_update(of=("self",)).filter(
        pk=practitioner.pk, services=service
    )
    if not offered.values_list("pk", flat=True):
        raise DomainError(NOT_OFFERED, field="practitioner")
    if booking_request_id is not None:
        existing = Appointment.objects.filter(booking_request_id=booking_request_id).first()
        if existing is not None:
            raise _Repeated(existing)
    slot = slot_is_available(
        service=service,
        practitioner=practitioner,
        start=start,
        modality=modality,
        now=now,
        location_id=location_id if modality == Modality.CLINIC else None,
        enforce_notice=enforce,
    )
    if slot is None:
        raise SlotUnavailable(
            _unavailable_message(
                practitioner=practitioner, start=start, service=service, location_id=location_id
            )
        )
    if not allow_patient_overlap:
        # Asked plainly first (one table, no order): most bookings have no clash, and
        # PostgreSQL plans the joined query below for longer than it runs it.
        overlapping = Appointment.objects.active().filter(
            patient=patient, start__lt=slot.end, end__gt=slot.start
        )
        if overlapping.values_list("pk", flat=True)[:1]:
            clash = (
                overlapping.select_related("patient", "practitioner__clinic", "location")
                .order_by("start")
                .first()
            )
            raise PatientAlreadyBooked(clash)
    appointment = Appointment(
        patient=patient,
        practitioner=practitioner,
        service=service,
        modality=modality,
        location_id=slot.location_id,
        start=slot.start,
        end=slot.end,
        blocked_until=slot.end + service.buffer,
        source=source,
        booked_by=booked_by,
        booking_request_id=booking_request_id,
        booking_request_hash=booking_request_hash,
        telehealth_url=telehealth_room_url() if modality == Modality.TELEHEALTH else "",
        patient_overlap_ok=allow_patient_overlap,
        referral=referral,
        funding_reason=funding_reason,
    )
    if slot.tz is not None:
        appointment.tz = slot.tz  # the location's zone, without reading the location again
    _save_holding_time(appointment)
    notifications_plan_for_booking(appointment=appointment, now=now)
    return appointment


def patient_can_change(appointment: Appointment, *, now: datetime) -> bool:
    """Whether a patient may still cancel or reschedule online (outside the window)."""
    clinic = appointment.practitioner.clinic
    cutoff = appointment.start - timedelta(hours=clinic.cancellation_notice_hours)
    return appointment.status == Appointment.Status.BOOKED and now < cutoff


def patient_reschedule_earliest(*, clinic: Clinic, now: datetime) -> datetime:
    """The earliest new time a patient may move a visit to online.

    A visit inside the cancellation window can no longer be changed online, so a patient
    who moved into it would be locked out of the visit they just chose. Online moves are
    therefore held outside the window; staff may move a visit to any free time.
    """
    return now + timedelta(hours=clinic.cancellation_notice_hours)


def _window_error(clinic: Clinic) -> CancellationWindowPassed:
    phone = f" on {clinic.phone}" if clinic.phone else ""
    return CancellationWindowPassed(
        f"This visit is less than {clinic.cancellation_notice_hours} hours away, so it can "
        f"no longer be changed online. Please call the clinic{phone}."
    )


def appointment_cancel(
    *,
    appointment: Appointment,
    by_user: User | None,
    reason: str = "",
    as_staff: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Cancel a booked visit. Patients are held to the clinic's cancellation window."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            appt = _lock_visit(appointment)
            if appt.status != Appointment.Status.BOOKED:
                raise DomainError("Only a booked visit can be cancelled.")
            if not as_staff and not patient_can_change(appt, now=now):
                raise _window_error(appt.practitioner.clinic)
            appt.status = Appointment.Status.CANCELLED
            appt.cancelled_at = now
            appt.cancelled_by = by_user if by_user and by_user.is_authenticated else None
            appt.cancellation_reason = reason[:500]
            appt.sequence += 1  # RFC 5545: a CANCEL above every version already sent
            appt.save(
                update_fields=[
                    "status",
                    "cancelled_at",
                    "cancelled_by",
                    "cancellation_reason",
                    "sequence",
                    "updated_at",
                ]
            )
            notifications_plan_for_cancel(appointment=appt, now=now)
            waitlist_sweep_soon()  # the time is free: someone may be waiting for it
    except OperationalError as exc:
        if not lock_wait_failed(exc):
            raise
        raise VisitBusy() from exc
    logger.info("appointment cancelled id=%s staff=%s", appt.pk, as_staff)
    return appt


def _check_patient_may_move(appt: Appointment, *, start: datetime, now: datetime) -> None:
    clinic = appt.practitioner.clinic
    if not patient_can_change(appt, now=now):
        raise _window_error(clinic)
    if start < patient_reschedule_earliest(clinic=clinic, now=now):
        hours = clinic.cancellation_notice_hours
        raise DomainError(
            f"Times less than {hours} hours away can't be chosen online: a visit that close "
            "can no longer be changed. Choose a later time, or call the clinic.",
            field="start",
        )


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    by_user: User | None,
    practitioner: Practitioner | None = None,
    location_id: int | None = None,
    as_staff: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked visit to a new free time (optionally to another practitioner).

    The appointment keeps its identity (same code, so the same calendar UID) and its
    iCalendar SEQUENCE goes up by one. Its own current time does not block the move.
    Its open reminders are void and new ones planned, and a reschedule notice goes out
    after commit.
    """
    now = now or timezone.now()
    if timezone.is_naive(start):
        raise DomainError("The start time needs a time zone.", field="start")
    if start <= now:
        raise DomainError("That time has already passed.", field="start")
    target = practitioner or appointment.practitioner
    try:
        with transaction.atomic():
            appt = _lock_visit(appointment, also=target.pk)
            if appt.status != Appointment.Status.BOOKED:
                raise DomainError("Only a booked visit can be moved.")
            if not as_staff:
                _check_patient_may_move(appt, start=start, now=now)
            _check_booking_shape(service=appt.service, practitioner=target, modality=appt.modality)
            slot = slot_is_available(
                service=appt.service,
                practitioner=target,
                start=start,
                modality=appt.modality,
                now=now,
                location_id=location_id if appt.modality == Modality.CLINIC else None,
                enforce_notice=not as_staff,
                ignore_appointment_id=appt.pk,
            )
            if slot is None:
                raise SlotUnavailable(
                    _unavailable_message(
                        practitioner=target,
                        start=start,
                        service=appt.service,
                        location_id=location_id if appt.modality == Modality.CLINIC else None,
                    )
                )
            appt.practitioner = target
            appt.start = slot.start
            appt.end = slot.end
            appt.blocked_until = slot.end + appt.service.buffer
            appt.location_id = slot.location_id
            appt.tz = slot.tz or appt.practitioner.clinic.tz
            appt.sequence += 1
            _save_holding_time(appt)
            notifications_plan_for_reschedule(appointment=appt, now=now)
            waitlist_sweep_soon()  # its old time is free
    except OperationalError as exc:
        if not lock_wait_failed(exc):
            raise
        raise SlotUnavailable(TAKEN_MESSAGE) from exc
    logger.info("appointment rescheduled id=%s staff=%s", appt.pk, as_staff)
    return appt


MARKS = {
    Appointment.Status.ATTENDED,
    Appointment.Status.COMPLETED,
    Appointment.Status.NO_SHOW,
}


def appointment_mark(
    *, appointment: Appointment, status: str, by_user: User, now: datetime | None = None
) -> Appointment:
    """Staff record how a visit went: the patient arrived (attended, from an hour before),
    the visit was completed, or they did not attend (both once it has started)."""
    now = now or timezone.now()
    if status not in MARKS:
        raise DomainError("Choose arrived, completed or did not attend.", field="status")
    with transaction.atomic():
        appt = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
        if appt.status == Appointment.Status.CANCELLED:
            raise DomainError("A cancelled visit cannot be marked.")
        if appt.status == Appointment.Status.HELD:
            raise DomainError("A time held for the waitlist is not a visit yet.")
        if status == Appointment.Status.ATTENDED and appt.start - ARRIVAL_WINDOW > now:
            raise DomainError("A patient can be marked arrived from an hour before their visit.")
        if status == Appointment.Status.NO_SHOW and appt.start > now:
            raise DomainError("A visit can be marked not attended once it has started.")
        if status == Appointment.Status.COMPLETED and appt.start > now:
            raise DomainError("A visit can be marked completed once it has started.")
        appt.status = status
        appt.save(update_fields=["status", "updated_at"])
    logger.info("appointment marked id=%s status=%s by=%s", appt.pk, status, by_user.pk)
    return appt


def appointment_funding_set(
    *, appointment: Appointment, referral: Referral | None, reason: str, by_user: User
) -> Appointment:
    """Fund a visit under one of its patient's referrals, or under none: for a visit booked
    online or in a series, or booked under the wrong one. `reason` is kept when booking it
    under the referral goes past its limits (the caller asks for it:
    `bookings.funding.funding_check`); it is cleared otherwise."""
    if referral is not None and referral.patient_id != appointment.patient_id:
        raise DomainError("Choose one of the patient's referrals.", field="referral")
    with transaction.atomic():
        appt = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
        if appt.status in (Appointment.Status.CANCELLED, Appointment.Status.HELD):
            raise DomainError("Only a visit that is booked or took place can be funded.")
        appt.referral = referral
        appt.funding_reason = reason.strip()[:500] if referral is not None else ""
        appt.save(update_fields=["referral", "funding_reason", "updated_at"])
    logger.info(
        "appointment funding id=%s referral=%s by=%s",
        appt.pk,
        referral.pk if referral else None,
        by_user.pk,
    )
    return appt


def patient_match_or_create(
    *,
    clinic: Clinic,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    date_of_birth: date,
    proven: bool = True,
) -> Patient:
    """The clinic's patient with this email, or a new patient.

    `proven` says the person has shown they own the address (staff booking for them, who
    know them). Without it, an address the clinic already has does not reach its record:
    a new record is made, marked as a possible duplicate of it (clinic/merging.py), and
    the booker learns nothing about the existing one; the confirmation email asks the
    address's owner to confirm, and staff see the pair to join.

    A match keeps the saved details unchanged: a booking form never overwrites a
    patient's record. A new patient gets an account with no usable password (they set
    one through the "set your password" link), unless the address already has an account
    and the person has not shown they own it.
    """
    email = email.strip().lower()
    details: dict[str, Any] = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "phone": phone.strip(),
        "date_of_birth": date_of_birth,
    }
    existing = Patient.objects.filter(
        clinic=clinic, email__iexact=email, possible_duplicate_of__isnull=True
    ).first()
    if existing is not None:
        if proven:
            return existing
        return Patient.objects.create(
            clinic=clinic, email=email, possible_duplicate_of=existing, **details
        )
    try:
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email=email, role=User.Role.PATIENT)
            elif not proven:
                user = None  # someone else's login is not joined on an unproven address
            linkable = (
                user is not None
                and user.role == User.Role.PATIENT
                and not Patient.objects.filter(user=user).exists()
            )
            return Patient.objects.create(
                clinic=clinic, user=user if linkable else None, email=email, **details
            )
    except IntegrityError:
        # Another request created the same patient a moment ago.
        return patient_match_or_create(
            clinic=clinic,
            email=email,
            proven=proven,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            date_of_birth=date_of_birth,
        )
