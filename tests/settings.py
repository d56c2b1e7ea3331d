"""Test settings: the app's own settings with test-only speed-ups.

Where PostgreSQL answers on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (our machines
and CI), the suite runs against them. With CI set, their absence is an error, so the
PostgreSQL-only tests are never skipped there.
"""

import os
import socket


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_DEBUG", "0")
if not os.environ.get("DATABASE_URL"):
    if _answers(5432):
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/stance"
    elif os.environ.get("CI"):
        raise RuntimeError("CI needs PostgreSQL on 127.0.0.1:5432; .ci/run starts it.")
if not os.environ.get("REDIS_URL"):
    if _answers(6379):
        os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    elif os.environ.get("CI"):
        raise RuntimeError("CI needs Redis on 127.0.0.1:6379; .ci/run starts it.")
os.environ.setdefault("STANCE_SECURE_COOKIES", "0")
os.environ.setdefault("STANCE_SSL_REDIRECT", "0")  # the test client and live server speak HTTP

from clinic.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
SMS_BACKEND = "bookings.sms.LocmemBackend"  # texts collect in bookings.sms.outbox
# The plain storage: pages render without `collectstatic`. tests/clinic/test_static_files.py
# collects and serves with the app's own (hashed, compressed) storage.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Two-step verification stays off unless a test turns it on with override_settings.
STANCE_REQUIRE_STAFF_MFA = False

# Task messages from tests stay in this process: a worker on a shared Redis (a developer's
# `make run`) must never take them. Tests that need a real or a broken broker choose one
# with tests.outbox.use_broker.
CELERY_BROKER_URL = "memory://localhost/"  # a host name only to quiet a kombu warning

# The test client and live server need no WhiteNoise (the live server serves static files
# itself), and each new Client would build the middleware again, with WhiteNoise scanning
# every static file (about 0.1 s a time).
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
