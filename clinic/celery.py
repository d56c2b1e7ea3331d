"""The Celery app (`celery -A clinic worker`, `celery -A clinic beat`), configured from
Django settings (the CELERY_* names in clinic/settings.py).

Tasks are defined with `@shared_task` in each app's tasks.py and carry ids only. Celery
picks `celery.contrib.django.task.DjangoTask` as the task class (it has
`delay_on_commit`), because DJANGO_SETTINGS_MODULE is set before the app is made.

Exactly one beat runs (docker-compose's `beat` service, or the worker that `make run`
starts with `--beat`). A second one would only cost a query a minute: the sweep claims
rows with `SELECT ... FOR UPDATE SKIP LOCKED`, so no message goes out twice.

Only Celery's public API: settings, the beat schedule, signals and bootsteps. While the
broker is away a worker tries it again with Celery's own waits
(CELERY_BROKER_CONNECTION_MAX_RETRIES None: for as long as it takes).
"""

import logging
import os
from typing import Any

from celery import Celery, bootsteps
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

logger = logging.getLogger(__name__)

SWEEP_TASK = "bookings.tasks.notifications_sweep"
SWEEP_OPTIONS = {"expires": 55}

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Hand every due outbox row (confirmations whose on-commit hand-off failed, reminders,
    # stale claims) to the send task. Short-lived: a sweep waiting more than 55 s in the
    # queue is dropped, as the next one is already on its way.
    "notifications-sweep": {
        "task": SWEEP_TASK,
        "schedule": 60.0,
        "options": SWEEP_OPTIONS,
    },
    # Lapse waitlist offers that ran out and offer free earlier times to the next in line.
    "waitlist-sweep": {
        "task": "bookings.tasks.waitlist_sweep",
        "schedule": 60.0,
        "options": SWEEP_OPTIONS,
    },
}


class SweepOnConnect(bootsteps.StartStopStep):
    """Each time a worker connects to the broker (at start, and again after the broker
    was lost), it asks for one sweep at once. So what piled up while the broker or the
    workers were away (bookings' confirmations stay pending then) starts going out within
    seconds, not at the next beat tick up to a minute later. An extra sweep is harmless:
    sweeps claim rows with SKIP LOCKED."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, parent: Any) -> None:
        try:
            parent.app.send_task(SWEEP_TASK, **SWEEP_OPTIONS)
        except Exception:  # the broker went again: beat's next tick will do
            logger.warning("could not ask for a sweep on connecting", exc_info=True)


app.steps["consumer"].add(SweepOnConnect)


class RefuseDevelopmentKey(bootsteps.Step):
    """A worker does not start with the development signing key when debug is off: it
    signs the links in patients' emails (clinic/secret_key.py). A bootstep, because
    Celery's signals log a handler's exception and carry on."""

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        from clinic.secret_key import refuse_development_key

        refuse_development_key()


app.steps["worker"].add(RefuseDevelopmentKey)


@task_prerun.connect
@task_postrun.connect
def close_old_db_connections(task: Any = None, **_kwargs: Any) -> None:
    """Around each task in a worker, what Django does around each request: close
    connections older than CONN_MAX_AGE or broken, and health-check the next use
    (CONN_HEALTH_CHECKS). With CELERY_DB_REUSE_MAX set, Celery leaves this to us. Not for
    a task run eagerly, inside the caller's transaction."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
