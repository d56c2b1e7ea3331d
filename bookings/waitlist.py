"""The waitlist: patients with a booked visit who would take an earlier time.

1. A patient joins from their visit's page (`waitlist_join`): with their practitioner
   only, or with anyone who offers the service.
2. A sweep (`waitlist_sweep`: every minute from beat, and right after any cancellation
   or move frees a time) goes down the list, oldest entry first. For each waiting entry
   it looks for the earliest free time before their visit that they could still change
   online (outside the cancellation window) and holds it for them: an appointment row
   with status "held", so the database's no-overlap constraint keeps everyone else off
   it, and an email with a link (`bookings:waitlist-offer`).
3. The patient takes the time (`waitlist_offer_accept`: the hold goes and their visit
   moves there through `appointment_reschedule`) or says no (`waitlist_offer_decline`).
   An offer not answered by `expires_at` lapses. Either way the time goes back to the
   sweep and so to the next on the list; a time is never offered twice to one entry
   (a unique constraint), and never held twice (the no-overlap constraint).

Exactly once: sweeps run one at a time (each locks the waiting entries first), a hold
is an insert the database refuses if the time is taken, and the offer email is an
outbox row like every other.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Appointment, Modality, Notification, WaitlistEntry, WaitlistOffer
from bookings.notifications import notifications_dispatch, waitlist_sweep_soon
from bookings.selectors import available_slots, bookable_practitioners
from bookings.services import appointment_reschedule, patient_reschedule_earliest
from clinic.errors import DomainError
from clinic.models import Clinic

logger = logging.getLogger(__name__)

SEARCH_DAYS = 28
"""How far ahead (from the earliest allowed time) a sweep looks for an earlier time."""


class OfferClosed(DomainError):
    """The offer was taken, declined, or has lapsed."""


def waitlist_entry_open(appointment: Appointment) -> WaitlistEntry | None:
    return (
        WaitlistEntry.objects.filter(
            appointment=appointment,
            status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
        )
        .order_by("-created_at")
        .first()
    )


def waitlist_entries_for_clinic(*, clinic: Clinic) -> list[WaitlistEntry]:
    """The clinic's open waitlist entries, oldest first, with their visits and offers."""
    return list(
        WaitlistEntry.objects.filter(
            appointment__practitioner__clinic=clinic,
            status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
        )
        .select_related("appointment__patient", "appointment__practitioner", "appointment__service")
        .prefetch_related("offers")
        .order_by("created_at", "pk")
    )


def waitlist_join(*, appointment: Appointment, any_practitioner: bool) -> WaitlistEntry:
    """Put a booked visit on the waitlist (once; joining again changes the choice)."""
    if appointment.status != Appointment.Status.BOOKED:
        raise DomainError("Only a booked visit can go on the waitlist.")
    with transaction.atomic():
        entry = waitlist_entry_open(appointment)
        if entry is None:
            entry = WaitlistEntry.objects.create(
                appointment=appointment, any_practitioner=any_practitioner
            )
        elif entry.any_practitioner != any_practitioner:
            entry.any_practitioner = any_practitioner
            entry.save(update_fields=["any_practitioner", "updated_at"])
    waitlist_sweep_soon()
    logger.info("waitlist joined entry=%s appointment=%s", entry.pk, appointment.pk)
    return entry


def waitlist_leave(*, appointment: Appointment) -> None:
    """Take a visit off the waitlist; an open offer is withdrawn and its time released."""
    with transaction.atomic():
        entry = waitlist_entry_open(appointment)
        if entry is None:
            return
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        for offer in entry.offers.filter(status=WaitlistOffer.Status.OPEN):
            _close(offer, WaitlistOffer.Status.VOID, now=timezone.now())
        entry.status = WaitlistEntry.Status.LEFT
        entry.save(update_fields=["status", "updated_at"])
    waitlist_sweep_soon()


def waitlist_sweep(*, now: datetime | None = None) -> list[WaitlistOffer]:
    """Lapse the offers that have run out, then offer free earlier times to the waiting
    entries, oldest first. Returns the new offers."""
    now = now or timezone.now()
    with transaction.atomic():
        # One sweep at a time: the second waits here, then finds the first one's holds.
        entries = list(
            WaitlistEntry.objects.select_for_update()
            .filter(status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED])
            .order_by("created_at", "pk")
        )
        lapsed = WaitlistOffer.objects.select_for_update().filter(
            status=WaitlistOffer.Status.OPEN, expires_at__lte=now
        )
        lapsed_entries = set()
        for old in lapsed:
            _close(old, WaitlistOffer.Status.EXPIRED, now=now)
            lapsed_entries.add(old.entry_id)
        for entry in entries:
            if entry.pk in lapsed_entries:
                entry.status = WaitlistEntry.Status.WAITING
                entry.save(update_fields=["status", "updated_at"])
        offers = []
        for entry in entries:
            if entry.status == WaitlistEntry.Status.WAITING:
                offer = _offer_earliest(entry, now=now)
                if offer is not None:
                    offers.append(offer)
    if offers:
        logger.info("waitlist offers made ids=%s", [o.pk for o in offers])
    return offers


def _offer_earliest(entry: WaitlistEntry, *, now: datetime) -> WaitlistOffer | None:
    visit = (
        Appointment.objects.select_related("service__clinic", "practitioner__clinic", "patient")
        .filter(pk=entry.appointment_id)
        .first()
    )
    if visit is None or visit.status != Appointment.Status.BOOKED or visit.start <= now:
        entry.status = WaitlistEntry.Status.LEFT  # nothing left to move earlier
        entry.save(update_fields=["status", "updated_at"])
        return None
    clinic = visit.practitioner.clinic
    earliest = patient_reschedule_earliest(clinic=clinic, now=now)
    if earliest >= visit.start:
        return None
    tz = clinic.tz
    already = set(entry.offers.values_list("practitioner_id", "start"))
    free = available_slots(
        service=visit.service,
        start_date=earliest.astimezone(tz).date(),
        end_date=min(
            visit.start.astimezone(tz).date(),
            earliest.astimezone(tz).date() + timedelta(days=SEARCH_DAYS),
        ),
        now=now,
        practitioner=None if entry.any_practitioner else visit.practitioner,
        modality=visit.modality,
        practitioners=bookable_practitioners(service=visit.service),
    )
    for slot in free:
        if not earliest <= slot.start < visit.start:
            continue
        if (slot.practitioner_id, slot.start) in already:
            continue
        offer = _hold(
            entry,
            visit,
            practitioner_id=slot.practitioner_id,
            location_id=slot.location_id,
            slot_start=slot.start,
            slot_end=slot.end,
            now=now,
        )
        if offer is not None:
            return offer
    return None


def _hold(
    entry: WaitlistEntry,
    visit: Appointment,
    *,
    practitioner_id: int,
    location_id: int | None,
    slot_start: datetime,
    slot_end: datetime,
    now: datetime,
) -> WaitlistOffer | None:
    """Hold the time for the entry and plan the offer email; None if the time was taken
    meanwhile (the database refuses the overlapping hold)."""
    expires = min(
        now + timedelta(minutes=settings.STANCE_WAITLIST_HOLD_MINUTES),
        slot_start - timedelta(hours=visit.practitioner.clinic.cancellation_notice_hours),
    )
    if expires <= now:
        return None
    try:
        with transaction.atomic():  # a savepoint: a refused hold leaves the sweep going
            hold = Appointment.objects.create(
                patient_id=visit.patient_id,
                practitioner_id=practitioner_id,
                service_id=visit.service_id,
                modality=visit.modality,
                location_id=location_id if visit.modality == Modality.CLINIC else None,
                start=slot_start,
                end=slot_end,
                blocked_until=slot_end + visit.service.buffer,
                status=Appointment.Status.HELD,
                source=Appointment.Source.STAFF,
                hold_expires_at=expires,
            )
            offer = WaitlistOffer.objects.create(
                entry=entry,
                hold=hold,
                practitioner_id=practitioner_id,
                start=slot_start,
                location_id=hold.location_id,
                expires_at=expires,
            )
    except IntegrityError:
        return None
    entry.status = WaitlistEntry.Status.OFFERED
    entry.save(update_fields=["status", "updated_at"])
    email = Notification.objects.create(
        patient_id=visit.patient_id,
        appointment=visit,
        kind=Notification.Kind.WAITLIST_OFFER,
        due_at=now,
        appointment_start_snapshot=visit.start,
        context={"offer": str(offer.code)},
    )
    transaction.on_commit(partial(notifications_dispatch, ids=[email.pk]), robust=True)
    return offer


def _close(offer: WaitlistOffer, status: str, *, now: datetime) -> None:
    """Close an open offer and release its hold (the caller holds the offer's lock)."""
    if offer.hold_id is not None:
        Appointment.objects.filter(pk=offer.hold_id, status=Appointment.Status.HELD).delete()
    offer.status = status
    offer.decided_at = now
    offer.save(update_fields=["status", "decided_at"])


def _lock_open_offer(offer: WaitlistOffer, *, now: datetime) -> WaitlistOffer:
    # The documented order: the entry first (as the sweep does), then the offer.
    WaitlistEntry.objects.select_for_update().get(pk=offer.entry_id)
    locked = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
    if locked.status != WaitlistOffer.Status.OPEN or locked.expires_at <= now:
        raise OfferClosed("This earlier time is no longer held for you.")
    return locked


def waitlist_offer_accept(*, offer: WaitlistOffer, now: datetime | None = None) -> Appointment:
    """Move the patient's visit to the offered time: the hold goes, and the visit moves
    through `appointment_reschedule` (its usual checks and notice), all or nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_open_offer(offer, now=now)
        entry = locked.entry
        _close(locked, WaitlistOffer.Status.TAKEN, now=now)
        moved = appointment_reschedule(
            appointment=entry.appointment,
            start=locked.start,
            by_user=None,
            practitioner=locked.practitioner,
            location_id=locked.location_id,
            now=now,
        )
        entry.status = WaitlistEntry.Status.DONE
        entry.save(update_fields=["status", "updated_at"])
    logger.info("waitlist offer taken offer=%s appointment=%s", locked.pk, moved.pk)
    return moved


def waitlist_offer_decline(*, offer: WaitlistOffer, now: datetime | None = None) -> None:
    """The patient keeps their visit; the time goes to the next on the list. They stay
    on the waitlist for other times."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_open_offer(offer, now=now)
        _close(locked, WaitlistOffer.Status.DECLINED, now=now)
        WaitlistEntry.objects.filter(pk=locked.entry_id).update(
            status=WaitlistEntry.Status.WAITING, updated_at=now
        )
        waitlist_sweep_soon()
