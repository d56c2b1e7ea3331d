"""The Celery app (`celery -A clinic worker`, `celery -A clinic beat`), configured from
Django settings (the CELERY_* names in clinic/settings.py).

Tasks are defined with `@shared_task` in each app's tasks.py and carry ids only. Celery
picks `celery.contrib.django.task.DjangoTask` as the task class (it has
`delay_on_commit`), because DJANGO_SETTINGS_MODULE is set before the app is made.

Exactly one beat runs (docker-compose's `beat` service, or the worker that `make run`
starts with `--beat`). A second one would only cost a query a minute: the sweep claims
rows with `SELECT ... FOR UPDATE SKIP LOCKED`, so no message goes out twice.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Hand every due outbox row (confirmations whose on-commit hand-off failed, reminders,
    # stale claims) to the send task. Short-lived: a sweep waiting more than 55 s in the
    # queue is dropped, as the next one is already on its way.
    "notifications-sweep": {
        "task": "bookings.tasks.notifications_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
