"""Reminder dispatch benchmark: `make bench-reminders` (or `.venv/bin/python bench/reminders.py`).

Measures the email path end to end on real PostgreSQL and Redis, with a real Celery worker
(prefork, `--concurrency 4 --without-mingle --without-gossip`, as in docker-compose) and
beat, into an SMTP sink (aiosmtpd, bench/smtp_sink.py, its own process):

1. Raw: `smtplib` sends N copies of a rendered reminder (the real templates) to the sink
   over one connection, three times before step 2 and three times after; the median run
   is the baseline. One run with a connection per message is shown for reference.
2. Dispatch: with the worker and beat idle, N reminder rows become due at once. Beat's
   next sweep (within a minute) claims them and hands them to the worker. Throughput =
   N / (last email at the sink - the worker receiving that sweep); the ratio to raw
   (target >= 0.2). Duplicates at the sink (target 0) and the rows' final statuses.
3. Confirmations, for comparison: N confirmation rows become due and a sweep is asked
   for at once (no waiting for beat); their rate, measured as in step 2. A confirmation
   is more work than a reminder (its calendar file, the pre-visit questionnaires, the
   reminders it lists), and the outage's backlog is confirmations.
4. Outage: the broker goes down (the benchmark's own Redis server is stopped), B visits
   are booked through `appointment_book`
   (their confirmations cannot be handed over and stay pending), the broker comes back,
   and the time until every confirmation is at the sink is compared with B / (the rate of
   step 2) (target within 1.5x), and, like for like, with B / (the rate of step 3).
   Booking latency during the outage is reported too.

Before the worker starts, the steps of one send are timed in this process for a reminder
and for a confirmation (wall and CPU time), on the worker's batch path.

It creates its own database (stance_bench_reminders: dropped, created and migrated; dropped
again at the end unless --keep) and runs its own Redis server (`redis-server` on a free port,
nothing saved to disk), so the shared Redis is never touched. Everything binds to
127.0.0.1, and every process it starts is stopped by process group.
Results are printed as Markdown for docs/BENCHMARKS.md and written to
var/bench/reminders.json. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import secrets
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from email import policy
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RATIO_TARGET = 0.2  # dispatch throughput at least 0.2x raw smtplib
DRAIN_TARGET = 1.5  # backlog drained within 1.5x backlog / measured rate
RAW_REPEATS = 3  # raw smtplib runs before and after the dispatch run; the median counts
PRACTITIONERS = 20
FIRST_DAY = {"r": 3, "s": 5, "k": 14, "c": 20, "d": 25}
"""Where each set of planned visits starts (days ahead), so no two sets overlap: the
dispatch run ("r"), the sample message ("s"), the confirmations' run ("k") and the CPU
breakdowns ("c" reminders, "d" confirmations); the outage backlog books from day 10. A day
holds PRACTITIONERS x 32 half-hour visits."""
TZ_NAME = "Australia/Sydney"
WORKER_OPTIONS = ["--without-mingle", "--without-gossip"]
"""As docker-compose runs the worker: no start-up handshake with other workers (mingle
waits a second for replies on every reconnect) and no gossip."""


def log(message: str = "") -> None:
    print(message, flush=True)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", "--messages", type=int, default=500, help="due reminders (500)")
    p.add_argument("-b", "--backlog", type=int, default=500, help="bookings in the outage")
    p.add_argument("--concurrency", type=int, default=4, help="worker processes (4, as compose)")
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_REMINDERS_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/stance_bench_reminders",
        ),
    )
    p.add_argument("--redis-server", default="redis-server", help="the Redis server binary to run")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait per phase")
    p.add_argument("--skip-outage", action="store_true", help="measure dispatch only")
    p.add_argument(
        "--worker-option",
        action="append",
        default=[],
        help="an extra `celery worker` option, e.g. --worker-option=--prefetch-multiplier=4",
    )
    p.add_argument("--keep", action="store_true", help="keep the database and logs afterwards")
    return p.parse_args()


# --- Helpers: ports, database, processes ----------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_recreate(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        name = sql.Identifier(parts.path.lstrip("/"))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


class Processes:
    """Children started in their own process groups, stopped by group id (SIGTERM, then
    SIGKILL after a grace period), so worker pool processes and beat never outlive us."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        out = open(log_path, "ab")  # noqa: SIM115 - handed to the child
        self.children[name] = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()

    def stop(self, name: str, grace: float = 15) -> None:
        child = self.children.pop(name, None)
        if child is None:
            return
        _killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            child.poll()
            if not _killpg(child.pid, 0):
                break
            time.sleep(0.1)
        _killpg(child.pid, signal.SIGKILL)
        child.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.children)):  # the last started first
            self.stop(name)


def _killpg(pgid: int, signum: int) -> bool:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    return True


def wait_for_line(path: Path, needle: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(errors="replace"):
            return True
        time.sleep(0.2)
    return False


class RedisServer:
    """The benchmark's own Redis (no persistence), stopped and started again on the same
    port for the outage: a real broker outage that leaves the shared Redis alone."""

    def __init__(self, binary: str, procs: Processes, log_path: Path) -> None:
        self.binary = binary
        self.procs = procs
        self.log_path = log_path
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        argv += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
        self.procs.start("redis", argv, dict(os.environ), self.log_path)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start; see {self.log_path}")

    def stop(self) -> None:
        self.procs.stop("redis")


class Sink:
    """Reads the SMTP sink's log: arrival time per Message-ID, in order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.arrivals: list[tuple[float, str]] = []

    def poll(self) -> None:
        if not self.path.exists():
            return
        with self.path.open() as f:
            f.seek(self.offset)
            chunk = f.read()
        complete = chunk[: chunk.rfind("\n") + 1]
        self.offset += len(complete.encode())
        for line in complete.splitlines():
            stamp, message_id = line.split("\t", 1)
            self.arrivals.append((float(stamp), message_id))

    def wait_for(self, expected: set[str], timeout: float) -> list[tuple[float, str]]:
        """Arrivals of the expected Message-IDs (duplicates included) once all are in, or
        what arrived when the time ran out. Waits a little more for late duplicates."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll()
            seen = {m for _, m in self.arrivals if m in expected}
            if seen >= expected:
                break
            time.sleep(0.05)
        time.sleep(1.0)
        self.poll()
        return [(t, m) for t, m in self.arrivals if m in expected]


# --- Django side: data, rows and bookings ---------------------------------------------


@dataclass
class Scene:
    clinic_id: int
    service_id: int
    location_id: int
    practitioner_ids: list[int]


def seed() -> Scene:
    from bookings.models import Service, WorkingHours
    from clinic.models import Clinic, Location, Practitioner, User

    clinic = Clinic.objects.create(
        name="Bench Reminders Clinic",
        slug="bench-reminders",
        timezone=TZ_NAME,
        phone="02 9000 0000",
        min_booking_notice_minutes=0,
    )
    location = Location.objects.create(
        clinic=clinic,
        name="Bench rooms",
        address="1 Example Street, Sydney NSW",
        parking="Street parking on Example Lane.",
    )
    service = Service.objects.create(
        clinic=clinic, name="Bench follow-up", duration_minutes=30, modalities="clinic"
    )
    practitioners = []
    for i in range(PRACTITIONERS):
        user = User.objects.create_user(
            email=f"bench-practitioner-{i}@example.org",
            password=None,
            role=User.Role.PRACTITIONER,
            clinic=clinic,
        )
        practitioner = Practitioner.objects.create(
            user=user,
            clinic=clinic,
            display_name=f"Bench Practitioner {i}",
            profession=Practitioner.Profession.EXERCISE_PHYSIOLOGIST,
        )
        practitioner.locations.set([location])
        WorkingHours.objects.bulk_create(
            WorkingHours(
                practitioner=practitioner,
                location=location,
                weekday=d,
                start_time=wall_time(6),
                end_time=wall_time(22),
            )
            for d in range(7)
        )
        practitioners.append(practitioner)
    service.practitioners.set(practitioners)
    return Scene(clinic.pk, service.pk, location.pk, [p.pk for p in practitioners])


def patients(scene: Scene, count: int, tag: str) -> list[Any]:
    from datetime import date

    from clinic.models import Patient

    return Patient.objects.bulk_create(
        Patient(
            clinic_id=scene.clinic_id,
            first_name="Bench",
            last_name=f"Patient {tag}{i}",
            date_of_birth=date(1980, 1, 1),
            phone="0400 000 000",
            email=f"bench-{tag}{i}@example.org",
        )
        for i in range(count)
    )


def slots(scene: Scene, count: int, first_day: int) -> list[tuple[int, datetime]]:
    """`count` distinct (practitioner id, start) pairs inside working hours, from
    `first_day` days ahead: 30-minute visits, 6 am to 10 pm, practitioner by practitioner."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(TZ_NAME)
    today = datetime.now(tz).date()
    out: list[tuple[int, datetime]] = []
    day = first_day
    while len(out) < count:
        date_ = today + timedelta(days=day)
        for practitioner_id in scene.practitioner_ids:
            for k in range(32):
                start = datetime.combine(date_, wall_time(6), tzinfo=tz) + timedelta(minutes=30 * k)
                out.append((practitioner_id, start.astimezone(UTC)))
                if len(out) == count:
                    return out
        day += 1
    return out


def plan_due(scene: Scene, count: int, *, tag: str, kind: str = "reminder") -> list[Any]:
    """`count` booked visits a few days ahead, each with a row that is due now (as if the
    sweep had been away), a 24-hour reminder or a confirmation: written directly, in bulk."""
    from django.utils import timezone

    from bookings.models import Appointment, Notification

    people = patients(scene, count, tag)
    now = timezone.now()
    appointments = Appointment.objects.bulk_create(
        Appointment(
            patient=patient,
            practitioner_id=practitioner_id,
            service_id=scene.service_id,
            modality="clinic",
            location_id=scene.location_id,
            start=start,
            end=start + timedelta(minutes=30),
            blocked_until=start + timedelta(minutes=30),
        )
        for patient, (practitioner_id, start) in zip(
            people, slots(scene, count, first_day=FIRST_DAY[tag]), strict=True
        )
    )
    return Notification.objects.bulk_create(
        Notification(
            patient_id=a.patient_id,
            appointment=a,
            kind=kind,
            lead_minutes=24 * 60 if kind == Notification.Kind.REMINDER else None,
            due_at=now - timedelta(seconds=1),
            appointment_start_snapshot=a.start,
        )
        for a in appointments
    )


def void(rows: list[Any]) -> None:
    from bookings.models import Notification

    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=Notification.Status.VOID, last_error="Benchmark sample."
    )


def sweeps_received(worker_log: Path) -> list[float]:
    """When the worker received each sweep task (Unix time), from its log."""
    out = []
    for line in worker_log.read_text(errors="replace").splitlines():
        if "notifications_sweep[" in line and line.endswith("received"):
            stamp = line[1 : line.index(":", 21)]  # "[2026-11-23 11:37:18,292: INFO..."
            when = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")  # noqa: DTZ007 - local
            out.append(time.mktime(when.timetuple()) + when.microsecond / 1e6)
    return out


def message_ids(rows: list[Any]) -> set[str]:
    from bookings.emails import message_id
    from bookings.models import Notification

    fresh = Notification.objects.filter(pk__in=[r.pk for r in rows])
    return {message_id(r) for r in fresh}


def sample_message(row: Any) -> tuple[str, list[str], bytes]:
    """One rendered reminder (the real templates), as the raw baseline's payload."""
    from bookings.emails import notification_email
    from bookings.models import Notification

    notification = Notification.objects.select_related(
        "patient__clinic",
        "appointment__practitioner__clinic",
        "appointment__location",
        "appointment__service",
    ).get(pk=row.pk)
    email = notification_email(notification)
    # What Django's SMTP backend sends: the SMTP policy (CRLF, lines within limits).
    body = email.message(policy=policy.SMTP).as_bytes()
    return parseaddr(email.from_email)[1], email.recipients(), body


def status_counts(rows: list[Any]) -> dict[str, int]:
    from django.db.models import Count

    from bookings.models import Notification

    qs = Notification.objects.filter(pk__in=[r.pk for r in rows])
    return {r["status"]: r["n"] for r in qs.values("status").annotate(n=Count("pk"))}


# --- Measurements ---------------------------------------------------------------------


def raw_send(
    host: str, port: int, payload: tuple[str, list[str], bytes], n: int, tag: str, reuse: bool
) -> float:
    """Seconds to send n copies (unique Message-IDs) with smtplib; the sink has logged
    each one before it answers 250, so the last reply is the last arrival."""
    sender, recipients, body = payload
    head, sep, rest = body.partition(b"\r\n\r\n")
    lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"message-id:")]

    def message(i: int) -> bytes:
        return b"\r\n".join([*lines, f"Message-ID: <raw.{tag}.{i}@bench>".encode()]) + sep + rest

    messages = [message(i) for i in range(n)]
    started = time.perf_counter()
    if reuse:
        with smtplib.SMTP(host, port) as smtp:
            for m in messages:
                smtp.sendmail(sender, recipients, m)
    else:
        for m in messages:
            with smtplib.SMTP(host, port) as smtp:
                smtp.sendmail(sender, recipients, m)
    return time.perf_counter() - started


def cpu_breakdown(scene: Scene, count: int, *, kind: str, tag: str) -> dict[str, str]:
    """Where one send's time goes, in this process (no Celery): median wall and CPU
    milliseconds per step of the worker's batch path (`notifications_send_batch`), over
    `count` due rows of `kind` in batches of SEND_BATCH, each batch over one mail
    connection. Run before the worker starts, so nobody else takes the rows. Building the
    MIME message is timed on its own, and then again inside the send (Django's SMTP
    backend builds it there)."""
    from django.db import close_old_connections
    from django.utils import timezone

    from bookings import notifications as outbox
    from bookings.emails import notification_email

    rows = plan_due(scene, count, tag=tag, kind=kind)
    ids = [r.pk for r in rows]
    steps: dict[str, list[tuple[float, float]]] = {}
    last = (0.0, 0.0)

    def step(name: str) -> None:
        nonlocal last
        now = (time.perf_counter(), time.process_time())
        steps.setdefault(name, []).append((now[0] - last[0], now[1] - last[1]))
        last = now

    for first in range(0, len(ids), outbox.SEND_BATCH):
        chunk = ids[first : first + outbox.SEND_BATCH]
        close_old_connections()  # as around each task
        mail = outbox.mail_connection()
        try:
            for pk in chunk:
                last = (time.perf_counter(), time.process_time())
                claimed = outbox._claim(pk, now=timezone.now())
                assert not isinstance(claimed, str), claimed
                step("claim (lock the visit, conditional UPDATE, commit)")
                message = notification_email(claimed)  # as notification_send renders
                step("render (templates)")
                message.message().as_bytes()
                step("build the MIME message (Django)")
                outbox.mail_send(message, mail=mail)  # builds it again, then SMTP
                step("send: MIME again + SMTP over the batch's connection")
                outbox._mark_sent(claimed)  # as notification_send marks it
                step("mark sent (UPDATE, commit)")
        finally:
            mail.close()
    skip = min(2 * outbox.SEND_BATCH, count // 5)  # warm-up

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.1f}"

    out = {
        name: f"{ms([w for w, _ in v[skip:]])} / {ms([c for _, c in v[skip:]])}"
        for name, v in steps.items()
    }
    # One send: every step but the separate MIME build (the send builds it again).
    sends = [name for name in steps if not name.startswith("build")]
    rows_timed = range(skip, len(ids))
    walls = [sum(steps[name][i][0] for name in sends) for i in rows_timed]
    cpus = [sum(steps[name][i][1] for name in sends) for i in rows_timed]
    out["one send, all steps (MIME built once)"] = f"{ms(walls)} / {ms(cpus)}"
    return out


@dataclass
class Results:
    machine: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    dispatch: dict[str, Any] = field(default_factory=dict)
    confirmations: dict[str, Any] = field(default_factory=dict)
    outage: dict[str, Any] = field(default_factory=dict)
    breakdown: dict[str, str] = field(default_factory=dict)
    breakdown_confirmation: dict[str, str] = field(default_factory=dict)


def machine() -> dict[str, str]:
    import django
    from django.db import connection

    import celery
    import kombu
    import redis as redis_py

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    server = redis_py.Redis.from_url(os.environ["REDIS_URL"]).info("server")
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
        "celery": celery.__version__,
        "kombu": kombu.__version__,
        "postgresql": pg,
        "redis": server.get("redis_version", "?"),
        "commit": commit or "?",
        "load average before": f"{os.getloadavg()[0]:.2f}",
    }


def main() -> int:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stance-bench-reminders-"))
    procs = Processes()
    broker = RedisServer(args.redis_server, procs, tmp / "redis.log")
    results = Results()
    try:
        database_recreate(args.database_url)
        broker.start()
        smtp_port = free_port()
        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": args.database_url,
                "REDIS_URL": broker.url,
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp_port),
                "DJANGO_SETTINGS_MODULE": "clinic.settings",
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
                "STANCE_LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
            }
        )
        os.environ.update(env)
        import django

        django.setup()
        # The outage makes every booking log "not handed to the broker": expected here.
        logging.getLogger("bookings.notifications").setLevel(logging.ERROR)
        from django.core.management import call_command

        log(f"Database {args.database_url}: migrating ...")
        call_command("migrate", verbosity=0)
        scene = seed()
        results.machine = machine()
        results.settings = {
            "messages": args.messages,
            "backlog": args.backlog,
            "worker": " ".join(
                [f"prefork, --concurrency {args.concurrency}", *WORKER_OPTIONS, *args.worker_option]
            ),
            "broker": "Redis, the benchmark's own server on 127.0.0.1",
        }
        log(f"Machine: {results.machine}")

        sink_log = tmp / "sink.log"
        procs.start(
            "sink",
            [
                sys.executable,
                str(ROOT / "bench" / "smtp_sink.py"),
                "--port",
                str(smtp_port),
                "--log",
                str(sink_log),
            ],
            env,
            tmp / "sink.out",
        )
        if not wait_for_line(tmp / "sink.out", "ready", 20):
            raise RuntimeError("the SMTP sink did not start")
        sink = Sink(sink_log)

        # 1 + 2. Raw baseline around the dispatch run.
        sample = plan_due(scene, 1, tag="s")
        payload = sample_message(sample[0])
        void(sample)
        log(f"Raw smtplib: {args.messages} messages of {len(payload[2])} bytes ...")
        raw_runs = [
            raw_send("127.0.0.1", smtp_port, payload, args.messages, f"a{i}", reuse=True)
            for i in range(RAW_REPEATS)
        ]
        raw_each = raw_send("127.0.0.1", smtp_port, payload, args.messages, "b", reuse=False)

        log("Breakdown: timing the steps of one send in this process ...")
        results.breakdown = cpu_breakdown(scene, 200, kind="reminder", tag="c")
        results.breakdown_confirmation = cpu_breakdown(scene, 200, kind="confirmation", tag="d")

        worker_log = tmp / "worker.log"
        celery = [sys.executable, "-m", "celery", "-A", "clinic"]
        procs.start(
            "worker",
            [
                *celery,
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(args.concurrency),
                "-n",
                "bench-reminders@%h",
                *WORKER_OPTIONS,
                *args.worker_option,
            ],
            env,
            worker_log,
        )
        # Ready, and done with the sweep it asks for on connecting.
        if not wait_for_line(worker_log, "notifications_sweep", 60) or not wait_for_line(
            worker_log, "succeeded", 30
        ):
            raise RuntimeError(f"the worker did not start; see {worker_log}")
        procs.start(
            "beat",
            [*celery, "beat", "--loglevel", "INFO", "--schedule", str(tmp / "celerybeat-schedule")],
            env,
            tmp / "beat.log",
        )
        if not wait_for_line(tmp / "beat.log", "beat: Starting", 30):
            raise RuntimeError("beat did not start")
        planned_at = time.time()
        rows = plan_due(scene, args.messages, tag="r")
        expected = message_ids(rows)
        log(f"Dispatch: {len(rows)} due reminders; waiting for beat's next sweep (< 1 min) ...")
        arrivals = sink.wait_for(expected, args.timeout)
        counts = Counter(m for _, m in arrivals)
        times = sorted(t for t, _ in arrivals)
        sweeps = [t for t in sweeps_received(worker_log) if t >= planned_at - 1]
        raw_runs += [
            raw_send("127.0.0.1", smtp_port, payload, args.messages, f"c{i}", reuse=True)
            for i in range(RAW_REPEATS)
        ]
        raw_rate = args.messages / statistics.median(raw_runs)
        results.raw = {
            "runs, one connection, before and after dispatch (s)": " ".join(
                f"{r:.2f}" for r in raw_runs
            ),
            "rate, one connection, median run (msg/s)": round(raw_rate, 1),
            "rate, one connection, fastest run (msg/s)": round(args.messages / min(raw_runs), 1),
            "rate, connection per message (msg/s)": round(args.messages / raw_each, 1),
        }
        delivered = len(counts)
        if delivered and sweeps:
            seconds = times[-1] - sweeps[0]
            rate = delivered / seconds
        else:
            seconds, rate = float("nan"), 0.0
        results.dispatch = {
            "due rows": len(rows),
            "delivered": delivered,
            "duplicates": sum(c - 1 for c in counts.values()),
            "rows planned to beat's sweep (s)": round(sweeps[0] - planned_at, 2)
            if sweeps
            else None,
            "sweep to first email (s)": round(times[0] - sweeps[0], 2) if sweeps else None,
            "sweep to last email (s)": round(seconds, 2),
            "rate (msg/s)": round(rate, 1),
            "ratio to raw (one connection)": round(rate / raw_rate, 3),
            "ratio to raw (connection per message)": round(rate * raw_each / args.messages, 3),
            "row statuses": status_counts(rows),
        }
        log(f"Raw: {results.raw}")
        log(f"Dispatch: {results.dispatch}")

        # 3. Confirmations through a sweep asked for at once.
        results.confirmations = confirmations(scene, args, sink, worker_log)
        log(f"Confirmations: {results.confirmations}")

        # 4. Outage: bookings while the broker is unreachable, then recovery.
        if not args.skip_outage:
            confirmation_rate = results.confirmations.get("rate (msg/s)", 0.0)
            results.outage = outage(scene, args, broker, sink, rate, confirmation_rate)
            log(f"Outage: {results.outage}")
    finally:
        procs.stop_all()
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database_drop(args.database_url)
            shutil.rmtree(tmp, ignore_errors=True)
    report(results, tmp if args.keep else None)
    dispatch_ok = (
        results.dispatch.get("ratio to raw (one connection)", 0) >= RATIO_TARGET
        and results.dispatch.get("duplicates", 1) == 0
    )
    drain_ok = args.skip_outage or (
        results.outage.get("drain / expected", 99) <= DRAIN_TARGET
        and results.outage.get("duplicates", 1) == 0
    )
    return 0 if dispatch_ok and drain_ok else 1


def confirmations(
    scene: Scene, args: argparse.Namespace, sink: Sink, worker_log: Path
) -> dict[str, Any]:
    """N due confirmations, a sweep asked for now: their rate through the worker."""
    from bookings.models import Notification
    from clinic.celery import SWEEP_OPTIONS, SWEEP_TASK, app

    rows = plan_due(scene, args.messages, tag="k", kind=Notification.Kind.CONFIRMATION)
    expected = message_ids(rows)
    log(f"Confirmations: {len(rows)} due; asking for a sweep ...")
    asked = time.time()
    app.send_task(SWEEP_TASK, **SWEEP_OPTIONS)
    arrivals = sink.wait_for(expected, args.timeout)
    counts = Counter(m for _, m in arrivals)
    times = sorted(t for t, _ in arrivals)
    sweeps = [t for t in sweeps_received(worker_log) if t >= asked - 1]
    seconds = times[-1] - sweeps[0] if counts and sweeps else float("nan")
    return {
        "due rows": len(rows),
        "delivered": len(counts),
        "duplicates": sum(c - 1 for c in counts.values()),
        "sweep to last email (s)": round(seconds, 2),
        "rate (msg/s)": round(len(counts) / seconds, 1) if counts and sweeps else 0.0,
    }


def outage(
    scene: Scene,
    args: argparse.Namespace,
    broker: RedisServer,
    sink: Sink,
    rate: float,
    confirmation_rate: float,
) -> dict[str, Any]:
    from django.db import connection

    from bookings.models import Notification, Service
    from bookings.services import appointment_book
    from clinic.models import Practitioner

    service = Service.objects.get(pk=scene.service_id)
    practitioners = {p.pk: p for p in Practitioner.objects.filter(pk__in=scene.practitioner_ids)}
    people = patients(scene, args.backlog, "o")
    wanted = slots(scene, args.backlog, first_day=10)
    log(f"Outage: Redis stopped; booking {args.backlog} visits ...")
    broker.stop()
    cut_at = time.time()
    latencies = []
    booked = []
    for patient, (practitioner_id, start) in zip(people, wanted, strict=True):
        began = time.perf_counter()
        appointment = appointment_book(
            service=service,
            practitioner=practitioners[practitioner_id],
            modality="clinic",
            start=start,
            patient=patient,
            source="staff",
        )
        latencies.append(time.perf_counter() - began)
        booked.append(appointment.pk)
    connection.close()
    rows = list(
        Notification.objects.filter(appointment_id__in=booked, kind=Notification.Kind.CONFIRMATION)
    )
    pending = sum(r.status == Notification.Status.PENDING for r in rows)
    expected = message_ids(rows)
    broker.start()
    back_at = time.time()
    log(
        f"Outage: {len(rows)} confirmations ({pending} pending); broker back after "
        f"{back_at - cut_at:.1f} s ..."
    )
    arrivals = sink.wait_for(expected, args.timeout)
    counts = Counter(m for _, m in arrivals)
    times = sorted(t for t, _ in arrivals)
    drained = times[-1] - back_at if len(counts) == len(expected) else float("inf")
    expected_seconds = len(expected) / rate if rate else float("inf")
    like_for_like = len(expected) / confirmation_rate if confirmation_rate else float("inf")
    latencies.sort()
    return {
        "backlog": len(expected),
        "pending when the broker came back": pending,
        "outage length (s)": round(back_at - cut_at, 1),
        "booking p50 / max during the outage (ms)": (
            f"{statistics.median(latencies) * 1000:.0f} / {latencies[-1] * 1000:.0f}"
        ),
        "delivered": len(counts),
        "duplicates": sum(c - 1 for c in counts.values()),
        "broker back to first email (s)": round(times[0] - back_at, 2) if times else None,
        "broker back to last email (s)": round(drained, 2),
        "backlog / measured rate (s)": round(expected_seconds, 2),
        "drain / expected": round(drained / expected_seconds, 2),
        "backlog / confirmations' rate (s)": round(like_for_like, 2),
        "drain / that (like for like)": round(drained / like_for_like, 2),
        "row statuses": status_counts(rows),
    }


def report(results: Results, kept: Path | None) -> None:
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "reminders.json").write_text(json.dumps(asdict(results), indent=2, default=str))
    log("")
    log("| Machine | |")
    log("| --- | --- |")
    for key, value in results.machine.items():
        log(f"| {key} | {value} |")
    for title, section in (
        ("Settings", results.settings),
        ("Raw smtplib", results.raw),
        ("Dispatch", results.dispatch),
        ("Confirmations (a sweep asked for at once)", results.confirmations),
        ("Outage", results.outage),
        ("One reminder, step by step: median wall / CPU ms (one process)", results.breakdown),
        (
            "One confirmation, step by step: median wall / CPU ms (one process)",
            results.breakdown_confirmation,
        ),
    ):
        log("")
        log(f"| {title} | |")
        log("| --- | --- |")
        for key, value in section.items():
            log(f"| {key} | {value} |")
    log("")
    log(f"Targets: dispatch >= {RATIO_TARGET}x raw with no duplicates; drain <= {DRAIN_TARGET}x.")
    if kept:
        log(f"Logs kept in {kept}")


if __name__ == "__main__":
    sys.exit(main())
