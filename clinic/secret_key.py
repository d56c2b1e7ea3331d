"""The development signing key must never sign anything real.

Sessions, password-reset links and the signed links in patients' emails are signed with
SECRET_KEY. Settings fall back to a development key so that commands that sign nothing
(makemigrations, check, collectstatic) run anywhere; the processes that serve pages or
send emails (clinic/wsgi.py, clinic/asgi.py, the Celery worker's RefuseDevelopmentKey step) call
`refuse_development_key` as they start, and stop there unless debug is on. Beat signs
nothing: it queues the sweep, whose messages carry no data.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_development_key() -> None:
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set when DJANGO_DEBUG "
            "is off: this process signs sessions and the links in patients' emails."
        )
