"""Settings for the real Celery worker that tests/integration/test_worker.py starts.

The app's own settings, so the worker is configured exactly as in production: the
database from DATABASE_URL (the test database), the broker from REDIS_URL (a Redis
database of the tests' own) and SMTP from EMAIL_HOST/EMAIL_PORT (a local test server).
Its only difference: it listens on the test run's own queue, so two runs sharing one
Redis never take each other's messages.
"""

import os

from clinic.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["STANCE_TEST_QUEUE"]
# No remote-control mailbox: nothing here controls the worker, and it would leave a
# shared "celery.pidbox" binding behind in the tests' Redis database.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
