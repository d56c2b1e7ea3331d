"""The Celery app's own parts (clinic/celery.py): plain settings, the beat schedule, a
sweep asked for on connecting, and nothing of Celery's private parts."""

from __future__ import annotations

from unittest import mock

from django.conf import settings

from clinic.celery import SWEEP_OPTIONS, SWEEP_TASK, SweepOnConnect, app


def test_the_worker_uses_celerys_own_consumer_and_never_gives_up_on_the_broker():
    assert not hasattr(settings, "CELERY_WORKER_CONSUMER")
    assert app.conf.worker_consumer == "celery.worker.consumer:Consumer"
    assert app.conf.broker_connection_max_retries is None
    assert app.conf.broker_connection_retry_on_startup is True


def test_beat_queues_the_sweep_every_minute():
    entry = app.conf.beat_schedule["notifications-sweep"]
    assert (entry["task"], entry["schedule"]) == (SWEEP_TASK, 60.0)
    assert entry["options"] == {"expires": 55}


def test_connecting_to_the_broker_asks_for_one_sweep():
    parent = mock.Mock()
    SweepOnConnect(parent).start(parent)
    parent.app.send_task.assert_called_once_with(SWEEP_TASK, **SWEEP_OPTIONS)


def test_a_broker_gone_again_while_connecting_is_left_to_beat():
    parent = mock.Mock()
    parent.app.send_task.side_effect = ConnectionError
    SweepOnConnect(parent).start(parent)  # logged, not raised
