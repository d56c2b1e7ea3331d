"""The waitlist: a freed time goes to the first on the list, held for them, exactly once;
then to the next when they say no or let it lapse."""

import re
import threading
from datetime import timedelta

from django.db import connection
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.emails import notification_email
from bookings.models import Appointment, Notification, TimeOff, WaitlistEntry, WaitlistOffer
from bookings.selectors import available_slots
from bookings.services import SlotUnavailable, appointment_book, appointment_cancel
from bookings.tokens import manage_token_for, waitlist_offer_token_for
from bookings.waitlist import (
    OfferClosed,
    waitlist_join,
    waitlist_offer_accept,
    waitlist_offer_decline,
    waitlist_sweep,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


class Scene:
    """Sam Lee is fully booked from now until two weeks after `freed` (time off), except
    the 30 minutes at `freed`, which Olive's first visit takes. Pat's visit is a week
    after `freed`, Olive's second visit a day after that."""

    def __init__(self, world):
        self.world = world
        ep, service = world.ep, world.service
        self.freed = f.next_weekday_at(world.clinic, 1, 10)  # a Tuesday at least a week away
        now = timezone.now()
        TimeOff.objects.create(practitioner=ep, start=now, end=self.freed)
        TimeOff.objects.create(
            practitioner=ep,
            start=self.freed + timedelta(minutes=30),
            end=self.freed + timedelta(days=14),
        )

        def visit(patient, start):
            return f.make_appointment(
                patient=patient, practitioner=ep, service=service, start=start
            )

        self.taken = visit(f.make_patient(world.clinic, first_name="Tess"), self.freed)
        self.pat_visit = visit(world.patient, self.freed + timedelta(days=7))
        self.olive_visit = visit(world.other_patient, self.freed + timedelta(days=8))


@pytest.fixture
def scene(world):
    return Scene(world)


def _free_up(scene):
    appointment_cancel(appointment=scene.taken, by_user=None, reason="", as_staff=True)


def test_nothing_is_offered_while_no_earlier_time_is_free(scene):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    assert waitlist_sweep() == []
    assert not Appointment.objects.filter(status="held").exists()


def test_a_freed_time_goes_to_the_first_on_the_list_and_is_held(scene, world):
    pat = waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    olive = waitlist_join(appointment=scene.olive_visit, any_practitioner=False)
    _free_up(scene)

    offers = waitlist_sweep()

    assert [(o.entry_id, o.start) for o in offers] == [(pat.pk, scene.freed)]
    hold = offers[0].hold
    assert (hold.status, hold.patient_id, hold.start) == ("held", world.patient.pk, scene.freed)
    olive.refresh_from_db()
    assert olive.status == WaitlistEntry.Status.WAITING
    # Nobody else is offered or can book the held time.
    public = available_slots(
        service=world.service,
        start_date=scene.freed.date(),
        end_date=scene.freed.date() + timedelta(days=1),
        now=timezone.now(),
        practitioner=world.ep,
    )
    assert scene.freed not in [s.start for s in public]
    with pytest.raises(SlotUnavailable):
        appointment_book(
            service=world.service,
            practitioner=world.ep,
            modality="clinic",
            start=scene.freed,
            patient=f.make_patient(world.clinic),
            source=Appointment.Source.STAFF,
        )
    # One email, to Pat.
    emails = Notification.objects.filter(kind="waitlist_offer")
    assert [e.patient_id for e in emails] == [world.patient.pk]


def test_sweeping_again_offers_nothing_twice(scene):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    waitlist_join(appointment=scene.olive_visit, any_practitioner=False)
    _free_up(scene)
    waitlist_sweep()
    assert waitlist_sweep() == []
    assert waitlist_sweep() == []
    assert WaitlistOffer.objects.count() == 1
    assert Notification.objects.filter(kind="waitlist_offer").count() == 1


def test_a_declined_time_goes_to_the_next_and_never_back(scene, world):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    olive = waitlist_join(appointment=scene.olive_visit, any_practitioner=False)
    _free_up(scene)
    (offer,) = waitlist_sweep()

    waitlist_offer_decline(offer=offer)

    assert not Appointment.objects.filter(pk=offer.hold_id).exists()  # the hold is gone
    (next_offer,) = waitlist_sweep()
    assert (next_offer.entry_id, next_offer.start) == (olive.pk, scene.freed)
    assert waitlist_sweep() == []  # and not back to Pat
    scene.pat_visit.refresh_from_db()
    assert scene.pat_visit.start == scene.freed + timedelta(days=7)  # Pat kept their visit


def test_a_lapsed_offer_goes_to_the_next(scene, settings):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    olive = waitlist_join(appointment=scene.olive_visit, any_practitioner=False)
    _free_up(scene)
    (offer,) = waitlist_sweep()
    later = offer.expires_at + timedelta(seconds=1)

    (next_offer,) = waitlist_sweep(now=later)

    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.EXPIRED
    assert next_offer.entry_id == olive.pk
    assert Appointment.objects.filter(status="held").count() == 1
    with pytest.raises(OfferClosed):
        waitlist_offer_accept(offer=offer, now=later)


def test_taking_the_offer_moves_the_visit_and_frees_its_old_time(scene, world):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    olive = waitlist_join(appointment=scene.olive_visit, any_practitioner=False)
    # Olive's visit is after Pat's, so Pat's old time is earlier for her.
    _free_up(scene)
    (offer,) = waitlist_sweep()
    old_start = scene.pat_visit.start

    moved = waitlist_offer_accept(offer=offer)

    assert moved.pk == scene.pat_visit.pk and moved.start == scene.freed
    assert not Appointment.objects.filter(status="held", start=scene.freed).exists()
    assert Notification.objects.filter(appointment=moved, kind="reschedule").exists()
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.TAKEN
    assert offer.entry.status == WaitlistEntry.Status.DONE
    # Pat's old time is inside Sam's time off in this scene, so Olive waits on.
    assert waitlist_sweep() == []
    olive.refresh_from_db()
    assert olive.status == WaitlistEntry.Status.WAITING
    assert old_start != moved.start


def test_the_offer_email_holds_the_time_and_links_to_it(scene, world):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    _free_up(scene)
    (offer,) = waitlist_sweep()
    row = Notification.objects.get(kind="waitlist_offer")
    message = notification_email(row)
    body = message.body
    assert message.subject.startswith("An earlier time is free:")
    assert "We are holding it for you until" in body
    assert reverse("bookings:waitlist-offer", args=[waitlist_offer_token_for(offer)]) in body
    assert "Sam Lee" in body
    assert message.to == [world.patient.email]


def test_the_offer_page_takes_the_time(scene, client):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    _free_up(scene)
    (offer,) = waitlist_sweep()
    url = reverse("bookings:waitlist-offer", args=[waitlist_offer_token_for(offer)])
    page = client.get(url)
    assert page.status_code == 200
    assert "Held for you until" in _text(page)

    response = client.post(url, {"choice": "take"})
    assert response.status_code == 302
    scene.pat_visit.refresh_from_db()
    assert scene.pat_visit.start == scene.freed
    assert response["Location"] == reverse(
        "bookings:manage", args=[manage_token_for(scene.pat_visit)]
    )
    again = client.post(url, {"choice": "take"})
    assert again.status_code == 410  # answered: the link shows the time is gone


def test_the_offer_page_keeps_the_visit(scene, client):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    _free_up(scene)
    (offer,) = waitlist_sweep()
    url = reverse("bookings:waitlist-offer", args=[waitlist_offer_token_for(offer)])
    response = client.post(url, {"choice": "keep"})
    assert response.status_code == 200
    assert "You kept your visit" in _text(response)
    offer.refresh_from_db()
    assert offer.status == WaitlistOffer.Status.DECLINED


@pytest.mark.parametrize("token", ["nonsense", "x" * 500, "%00"])
def test_a_bad_offer_link_is_a_clear_404(client, world, token):
    response = client.get(reverse("bookings:waitlist-offer", args=[token]))
    assert response.status_code == 404
    assert "no longer held" in _text(response)


def test_a_patient_joins_and_leaves_from_their_visit(world, client_as_patient):
    visit = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=f.next_weekday_at(world.clinic, 2, 11),
        patient=world.patient,
    )
    detail = reverse("bookings:my-appointment", args=[visit.code])
    url = reverse("bookings:my-waitlist", args=[visit.code])
    assert "Join the waitlist" in _text(client_as_patient.get(detail))

    joined = client_as_patient.post(url, {"action": "join", "who": "any"}, follow=True)
    assert "You are on the waitlist with any practitioner" in _text(joined)
    entry = WaitlistEntry.objects.get(appointment=visit)
    assert entry.any_practitioner and entry.status == "waiting"

    left = client_as_patient.post(url, {"action": "leave"}, follow=True)
    assert "You have left the waitlist" in _text(left)
    entry.refresh_from_db()
    assert entry.status == "left"


def test_the_manage_link_joins_the_waitlist(world, client):
    visit = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=f.next_weekday_at(world.clinic, 2, 11),
        patient=world.patient,
    )
    url = reverse("bookings:manage-waitlist", args=[manage_token_for(visit)])
    assert client.post(url, {"action": "join", "who": "same"}).status_code == 302
    assert WaitlistEntry.objects.filter(appointment=visit, any_practitioner=False).exists()


def test_another_patient_cannot_put_my_visit_on_the_waitlist(world, client_as_other_patient):
    visit = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=f.next_weekday_at(world.clinic, 2, 11),
        patient=world.patient,
    )
    url = reverse("bookings:my-waitlist", args=[visit.code])
    assert client_as_other_patient.post(url, {"action": "join", "who": "any"}).status_code == 404
    assert not WaitlistEntry.objects.exists()


def test_a_held_time_is_not_in_the_patients_own_list(scene, client_as_patient):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    _free_up(scene)
    (offer,) = waitlist_sweep()
    body = _text(client_as_patient.get(reverse("bookings:my-appointments")))
    assert reverse("bookings:my-appointment", args=[offer.hold.code]) not in body


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_sweeps_at_once_offer_the_freed_time_exactly_once(world):
    scene = Scene(world)
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    waitlist_join(appointment=scene.olive_visit, any_practitioner=False)
    _free_up(scene)
    barrier = threading.Barrier(4)
    errors = []

    def sweep():
        try:
            barrier.wait()
            waitlist_sweep()
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert WaitlistOffer.objects.count() == 1
    assert Appointment.objects.filter(status="held").count() == 1
    assert Notification.objects.filter(kind="waitlist_offer").count() == 1


def test_staff_see_the_waitlist_in_order_with_what_is_held(scene, world, client_as_reception):
    waitlist_join(appointment=scene.pat_visit, any_practitioner=False)
    waitlist_join(appointment=scene.olive_visit, any_practitioner=True)
    _free_up(scene)
    waitlist_sweep()
    body = _text(client_as_reception.get(reverse("bookings:staff-waitlist")))
    assert body.index(world.patient.full_name) < body.index(world.other_patient.full_name)
    assert "held until" in body
    assert "Anyone who offers it" in body


def test_patients_cannot_see_the_staff_waitlist(world, client_as_patient, client):
    assert client_as_patient.get(reverse("bookings:staff-waitlist")).status_code == 404
    assert client.get(reverse("bookings:staff-waitlist")).status_code == 302
