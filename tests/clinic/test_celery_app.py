"""The Celery app's own parts (clinic/celery.py): the worker's consumer tries a broker that
is away again every half second, for as long as it takes."""

from __future__ import annotations

from unittest import mock

from django.conf import settings

from celery.worker.consumer import Consumer
from kombu import Connection
from kombu.utils.functional import fxrange

from clinic.celery import RECONNECT_EVERY_SECONDS, QuickReconnectConsumer, app


def test_the_worker_uses_the_quick_reconnect_consumer_and_never_gives_up():
    assert settings.CELERY_WORKER_CONSUMER == "clinic.celery:QuickReconnectConsumer"
    assert app.conf.worker_consumer == "clinic.celery:QuickReconnectConsumer"
    assert app.conf.broker_connection_max_retries is None


def test_reconnecting_waits_half_a_second_between_tries():
    conn = Connection("memory://localhost/")
    calls = []

    def celerys_own(self, connection):  # what Consumer.ensure_connected does with it
        connection.ensure_connection("errback", None, callback="maybe_shutdown")
        return connection

    with (
        mock.patch.object(Consumer, "ensure_connected", celerys_own),
        mock.patch.object(
            Connection, "ensure_connection", lambda self, *a, **kw: calls.append((a, kw))
        ),
    ):
        consumer = object.__new__(QuickReconnectConsumer)  # no __init__: no worker here
        assert consumer.ensure_connected(conn) is conn

    ((args, kwargs),) = calls
    assert args == ("errback", None)
    assert kwargs["callback"] == "maybe_shutdown"
    first, most = RECONNECT_EVERY_SECONDS
    waits = fxrange(
        kwargs["interval_start"],
        kwargs["interval_max"] + kwargs["interval_start"],
        kwargs["interval_step"],
        repeatlast=True,
    )
    assert [min(next(waits), kwargs["interval_max"]) for _ in range(5)] == [first] + [most] * 4
    assert (first, most) == (0.5, 0.5)  # a try is one TCP connection attempt
    assert "ensure_connection" not in vars(conn)  # the connection's own method again
