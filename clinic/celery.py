"""The Celery app (`celery -A clinic worker`, `celery -A clinic beat`), configured from
Django settings (the CELERY_* names in clinic/settings.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
