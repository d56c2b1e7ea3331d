"""The sweep drains a backlog bigger than one claim batch in one go (after a broker
outage, say), within its time budget, handing the ids over SEND_BATCH to a message; what
it leaves, the next sweep takes."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.utils import timezone

import pytest

from bookings import notifications as outbox
from bookings.models import Notification
from bookings.notifications import notifications_dispatch_due
from tests.conftest import World

pytestmark = pytest.mark.django_db

Status = Notification.Status


def _due_messages(world: World, count: int) -> list[int]:
    now = timezone.now()
    return [
        Notification.objects.create(
            patient=world.patient,
            kind=Notification.Kind.PROGRAMME_READY,
            due_at=now - timedelta(seconds=count - i),
            context={"programme": str(i), "link_path": f"/programmes/{i}/"},
        ).pk
        for i in range(count)
    ]


def test_one_sweep_hands_over_every_due_row_batch_after_batch(world: World) -> None:
    ids = _due_messages(world, 5)
    real_claim = outbox.notifications_claim_due
    claims: list[list[int]] = []

    def claim(**kwargs: object) -> list[int]:
        claims.append(real_claim(**kwargs))
        return claims[-1]

    with (
        mock.patch.object(outbox, "SWEEP_BATCH", 2),
        mock.patch.object(outbox, "notifications_claim_due", claim),
        mock.patch.object(outbox, "_publish_batch", return_value=True) as publish,
    ):
        handed = notifications_dispatch_due()

    assert claims == [ids[:2], ids[2:4], ids[4:]]  # short transactions, one batch each
    assert handed == ids
    assert [c.args[0] for c in publish.call_args_list] == [ids[:2], ids[2:4], ids[4:]]
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.QUEUED}


def test_a_sweep_out_of_time_leaves_the_rest_pending_for_the_next(world: World) -> None:
    ids = _due_messages(world, 5)
    with (
        mock.patch.object(outbox, "SWEEP_BATCH", 2),
        mock.patch.object(outbox, "SWEEP_MAX_SECONDS", -1),
        mock.patch.object(outbox, "_publish_batch", return_value=True),
    ):
        first = notifications_dispatch_due()
        second = notifications_dispatch_due()

    assert first == ids[:2]
    assert second == ids[2:4]
    assert Notification.objects.get(pk=ids[4]).status == Status.PENDING


def test_a_broker_failing_in_a_later_batch_stops_the_sweep(world: World) -> None:
    ids = _due_messages(world, 7)
    with (
        mock.patch.object(outbox, "SWEEP_BATCH", 4),
        mock.patch.object(outbox, "SEND_BATCH", 2),
        mock.patch.object(outbox, "_publish_batch", side_effect=[True, True, True, False]),
    ):
        handed = notifications_dispatch_due()

    assert handed == ids[:6]  # the first claim in two messages, the second's first message
    statuses = [Notification.objects.get(pk=pk).status for pk in ids]
    assert statuses == [Status.QUEUED] * 6 + [Status.PENDING]
