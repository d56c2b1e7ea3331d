"""The development signing key: commands that sign nothing run with it; the processes
that serve pages or send emails refuse it when debug is off. Real processes, each with an
environment of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
REFUSAL = "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STANCE_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "clinic.settings", "PYTHONPATH": str(BASE_DIR)})
    clean["REDIS_URL"] = "redis://127.0.0.1:1/0"  # no broker: nothing may connect anywhere
    return subprocess.run(  # noqa: S603 (our own command lines)
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_makemigrations_check_runs_without_a_key():
    done = _run("manage.py", "makemigrations", "--check", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "No changes detected" in done.stdout


@pytest.mark.parametrize("module", ["clinic.wsgi", "clinic.asgi"])
def test_the_web_server_refuses_the_development_key(module):
    done = _run("-c", f"import {module}")
    assert done.returncode != 0
    assert REFUSAL in done.stderr
    assert _run("-c", f"import {module}", DJANGO_SECRET_KEY="k" * 50).returncode == 0
    assert _run("-c", f"import {module}", DJANGO_DEBUG="1").returncode == 0


def test_the_worker_refuses_the_development_key():
    command = ["-m", "celery", "-A", "clinic", "worker", "--pool", "solo", "--without-mingle"]
    done = _run(*command)
    assert done.returncode != 0
    assert REFUSAL in done.stdout + done.stderr
