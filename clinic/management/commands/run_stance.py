"""`python manage.py run_stance [addr:port]`: what `make run` starts.

Two processes, stopped together:

- the development web server (`manage.py runserver`), and
- a Celery worker with an embedded beat (`celery -A clinic worker --beat`), one task at a
  time (`--pool solo`), so confirmations go out and the sweep sends reminders every minute.

The broker is whatever settings chose: Redis with REDIS_URL, otherwise kombu's
filesystem transport under var/broker/, which needs no server. Emails go where MAILERS
says (files under var/mail/ unless EMAIL_HOST is set).

Each child runs in its own process group. Ctrl-C (or SIGTERM, SIGHUP) sends SIGTERM to
both groups: the worker finishes the email it is sending (warm shutdown) and stops its
beat, runserver stops with its reloader. Whatever is still alive after GRACE_SECONDS is
killed. If either child exits on its own, the other is stopped too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

GRACE_SECONDS = 15.0
POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Run the development web server and a Celery worker with beat, stopped together."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport", nargs="?", default="127.0.0.1:8000", help="address:port to serve"
        )
        parser.add_argument(
            "--noreload", action="store_true", help="do not restart the web server on edits"
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="serve only (no worker, no emails)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        commands = {"web": self._runserver(options["addrport"], options["noreload"])}
        if not options["no_worker"]:
            commands["worker"] = self._worker()
            self.stdout.write(
                f"Emails: a Celery worker with beat on {self._broker_label()}; "
                f"{self._mail_label()}. The reminder sweep runs every minute."
            )
        stopping: list[int] = []

        def on_signal(signum: int, _frame: object) -> None:
            stopping.append(signum)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, on_signal)

        children: dict[str, subprocess.Popen[bytes]] = {}
        exit_code = 0
        try:
            for name in ("worker", "web"):
                if name in commands:
                    children[name] = subprocess.Popen(  # noqa: S603 - our own argv
                        commands[name], cwd=settings.BASE_DIR, start_new_session=True
                    )
            while not stopping:
                ended = [name for name, child in children.items() if child.poll() is not None]
                if ended:
                    name = ended[0]
                    code = children[name].returncode
                    self.stderr.write(f"The {name} process stopped (exit {code}); stopping.")
                    exit_code = code or 1
                    break
                time.sleep(POLL_SECONDS)
        finally:
            _stop(children.values())
        if exit_code:
            sys.exit(exit_code)

    def _runserver(self, addrport: str, noreload: bool) -> list[str]:
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "runserver", addrport]
        return [*command, "--noreload"] if noreload else command

    def _worker(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "clinic",
            "worker",
            "--beat",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            # One local worker: nothing to synchronise with or gossip to.
            "--without-mingle",
            "--without-gossip",
        ]

    def _broker_label(self) -> str:
        if settings.CELERY_BROKER_URL.startswith("filesystem"):
            return "a folder broker (var/broker/, no server needed)"
        return "Redis"

    def _mail_label(self) -> str:
        default: dict[str, Any] = dict(settings.MAILERS["default"])
        options: dict[str, object] = dict(default.get("OPTIONS", {}))
        if "file_path" in options:
            return f"emails are written to {options['file_path']}"
        return f"emails go to SMTP {options.get('host')}:{options.get('port')}"


def _stop(children: Any) -> None:
    """SIGTERM every child's process group, wait for the groups to empty (grandchildren,
    such as the beat process and runserver's reloaded child, share them), then SIGKILL
    what is left after GRACE_SECONDS."""
    children = list(children)
    for child in children:
        _signal_group(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children:
        while time.monotonic() < deadline:
            child.poll()  # reap the group leader, or it counts as alive
            if not _signal_group(child.pid, 0):
                break
            time.sleep(0.1)
    for child in children:
        _signal_group(child.pid, signal.SIGKILL)
        child.wait()


def _signal_group(pgid: int, signum: int) -> bool:
    """Send `signum` to a process group; False when no process is left in it."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    return True
