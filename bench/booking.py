"""Booking writes, the peer and the availability API: `make bench-booking` (or
`.venv/bin/python bench/booking.py`), issue 16.

In one run, on the PostgreSQL server at --database-url (its own database,
`stance_bench_booking`, dropped, created and migrated; dropped again at the end unless
--keep), with Redis as in production (a database of its own, emptied before and after):

1. Seeds the scaling data of bench/seed.py (50 practitioners, about 70 % booked).
2. Booking rate. `bookings.services.appointment_book` books N distinct free 30-minute
   slots one after another (online, an existing patient each, 50 practitioners, from
   the second week on), against a raw psycopg INSERT of the same appointment row (every
   column the model has, one transaction per row, autocommit off) on the same database.
   `--rounds` rounds, interleaved (raw, Stance, the peer); the medians of the rounds count.
   Target: Stance >= 0.15x raw. The statements per booking are counted too.
3. The peer. django-appointment 3.12.0, in a virtualenv of its own
   (var/bench-peer/venv, made by `make bench-peer-env`), books N appointments per round
   through its own code (bench/peer_appointment.py, run with that venv's python, on a
   database of its own on the same server). Target: Stance >= 2x the peer's rate.
   Then each side's trivial page (`/healthz`, no database, no template) through the
   Django test client with the project's whole middleware, and the resident memory of
   a fresh process after loading the WSGI application (what a gunicorn worker holds
   before its first request), after one request and after warm-up: `--rounds` fresh
   processes per side, alternating; medians.
4. The availability API (`/api/v1/availability/`, a week of the service that 10
   practitioners offer) against `/healthz`, under gunicorn (`-k gthread -w 2 --threads
   4`, debug off), with the API's cache on and, from a second gunicorn, off
   (STANCE_WEEK_PAGE_CACHE_SECONDS=0, every request computed, as for the first visitor
   after a change). One client, then concurrency 8 (bench/week_page.py's load
   generator: wrk when installed, else Python). Target: the API's median latency at
   most 2x the trivial view's, cached or not. An in-process breakdown follows, and a
   cProfile of the uncached request when it misses (or with --profile).

Prints Markdown tables for docs/BENCHMARKS.md, with the 1-minute load average at each
step (the machine may be shared), and writes var/bench/booking.json. Binds to 127.0.0.1
only and stops what it starts by PID. Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RATE_TARGET = 0.15  # appointment_book >= 0.15x raw psycopg INSERTs of the same row
PEER_TARGET = 2.0  # appointment_book >= 2x django-appointment booking through its own code
API_TARGET = 2.0  # availability API p50 <= 2x /healthz p50, cached or not
BENCH_REDIS_URL = "redis://127.0.0.1:6379/13"
PEER_PYTHON = ROOT / "var" / "bench-peer" / "venv" / "bin" / "python"
PEER_SCRIPT = Path(__file__).resolve().parent / "peer_appointment.py"


def log(message: str = "") -> None:
    print(message, flush=True)


def load1() -> float:
    return os.getloadavg()[0]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_BOOKING_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/stance_bench_booking",
        ),
        help="Stance's database, (re)created (default: %(default)s)",
    )
    p.add_argument(
        "--peer-database-url",
        default=os.environ.get(
            "BENCH_PEER_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/stance_bench_booking_peer",
        ),
        help="the peer's database on the same server, (re)created (default: %(default)s)",
    )
    p.add_argument("-n", "--bookings", type=int, default=200, help="bookings per round (200)")
    p.add_argument("--rounds", type=int, default=3, help="rounds (3); medians count")
    p.add_argument("--batch", type=int, default=20, help="bookings per turn within a round (20)")
    p.add_argument(
        "--peer-python",
        default=str(PEER_PYTHON),
        help="the python of the peer's virtualenv (default: %(default)s)",
    )
    p.add_argument("--skip-peer", action="store_true", help="no django-appointment figures")
    p.add_argument("--skip-http", action="store_true", help="no availability API figures")
    p.add_argument("--seconds", type=float, default=8, help="seconds per loaded run (8)")
    p.add_argument("--warmup", type=float, default=3, help="warm-up seconds per page (3)")
    p.add_argument("--single-seconds", type=float, default=5, help="one-client seconds (5)")
    p.add_argument("--connections", type=int, default=8, help="concurrency (8)")
    p.add_argument(
        "--load-tool",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk when installed (auto) or the Python one",
    )
    p.add_argument("--profile", action="store_true", help="always cProfile the uncached API")
    p.add_argument("--keep", action="store_true", help="keep both databases afterwards")
    p.add_argument("--quick", action="store_true", help="a smoke run: 30 bookings, short loads")
    # Internal: a fresh Stance process measures its trivial page and memory (step 3).
    p.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--probe-requests", type=int, default=2000, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        args.bookings, args.rounds, args.batch = 30, 1, 10
        args.seconds, args.warmup, args.single_seconds = 2, 1, 2
        args.probe_requests = 300
    return args


# --- Databases ------------------------------------------------------------------------


def database_drop(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        name = sql.Identifier(parts.path.lstrip("/"))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


# --- Step 2: the booking rate ---------------------------------------------------------


@dataclass
class Booking:
    practitioner_id: int
    start: datetime
    end: datetime
    location_id: int | None
    patient_id: int


def free_slots(service: Any, first: date, last: date, count: int) -> list[Booking]:
    """`count` free 30-minute slots that do not overlap one another, practitioner by
    practitioner, shuffled (fixed seed) so that every round books across the diary."""
    from django.utils import timezone

    from bookings.selectors import available_slots, bookable_practitioners

    found: list[tuple[int, datetime, datetime, int | None]] = []
    now = timezone.now()
    for practitioner in bookable_practitioners(service=service):
        taken_until: datetime | None = None
        for slot in available_slots(
            service=service,
            start_date=first,
            end_date=last,
            now=now,
            practitioner=practitioner,
            modality="clinic",
        ):
            if taken_until is None or slot.start >= taken_until:
                found.append((practitioner.pk, slot.start, slot.end, slot.location_id))
                taken_until = slot.end
    if len(found) < count:
        raise RuntimeError(f"only {len(found)} free slots for {count} bookings; use fewer")
    random.Random(16).shuffle(found)
    return [Booking(p, s, e, loc, 0) for p, s, e, loc in found[:count]]


def patients_make(clinic_id: int, count: int, *, tag: str = "") -> list[int]:
    """One new patient per booking, so that no booking meets the patient's other visits.
    `tag` keeps their email addresses apart from an earlier run's on the same database."""
    from clinic.models import Patient

    made = Patient.objects.bulk_create(
        Patient(
            clinic_id=clinic_id,
            first_name="Booker",
            last_name=f"Bench {i}",
            date_of_birth=date(1980, 1, 1 + i % 28),
            phone="0400 000 000",
            email=f"bench-booker{tag}{i}@example.org",
        )
        for i in range(count)
    )
    return [p.pk for p in made]


class StanceBooker:
    """Books through appointment_book, as the API does for a known patient: the service
    (with its clinic) and the practitioners loaded once, like a view's lookups, outside
    the timing. Counts the statements of each booking."""

    def __init__(self, service: Any, bookings: list[Booking]) -> None:
        from clinic.models import Patient, Practitioner

        self.service = service
        self.practitioners = {
            p.pk: p for p in Practitioner.objects.filter(clinic_id=service.clinic_id)
        }
        self.patients = Patient.objects.in_bulk([b.patient_id for b in bookings])
        self.latencies: list[float] = []
        self.statements = 0

    def book(self, bookings: list[Booking]) -> float:
        """Seconds to book these, one after another."""
        from django.db import connection

        from bookings.services import appointment_book

        counter = StatementCounter()
        began = time.perf_counter()
        with connection.execute_wrapper(counter):
            for b in bookings:
                counter.count = 0
                t0 = time.perf_counter()
                appointment_book(
                    service=self.service,
                    practitioner=self.practitioners[b.practitioner_id],
                    modality="clinic",
                    start=b.start,
                    patient=self.patients[b.patient_id],
                )
                self.latencies.append(time.perf_counter() - t0)
                self.statements = max(self.statements, counter.count)
        return time.perf_counter() - began


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def booking_profile(service: Any, bookings: list[Booking]) -> str:
    """cProfile of a round of appointment_book: project code by cumulative time, then
    everything by own time."""
    import cProfile
    import io
    import pstats

    booker = StanceBooker(service, bookings)
    profiler = cProfile.Profile()
    profiler.enable()
    booker.book(bookings)
    profiler.disable()
    out = io.StringIO()
    out.write(f"cProfile of {len(bookings)} appointment_book calls\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(rf"^{ROOT}/(bookings|clinic)/", 25)
    stats.sort_stats("tottime").print_stats(20)
    venv = str(ROOT / ".venv" / "lib")
    return out.getvalue().replace(f"{ROOT}/", "").replace(venv, "…")


class RawInserter:
    """INSERT the same appointment rows with psycopg alone: every column of
    bookings_appointment, its defaults as the model gives them, one transaction per row
    (autocommit off, a commit after each), on a connection of its own."""

    def __init__(self, database_url: str, service: Any) -> None:
        import psycopg
        from psycopg import sql

        from bookings.models import Appointment

        self.model = Appointment
        self.service = service
        self.fields = [f for f in Appointment._meta.concrete_fields if not f.primary_key]
        self.statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
            sql.Identifier(Appointment._meta.db_table),
            sql.SQL(", ").join(sql.Identifier(f.column) for f in self.fields),
            sql.SQL(", ").join(sql.Placeholder() * len(self.fields)),
        )
        self.conn = psycopg.connect(database_url, autocommit=False)

    def row(self, b: Booking) -> list[Any]:
        now = datetime.now(UTC)
        given = {
            "patient": b.patient_id,
            "practitioner": b.practitioner_id,
            "service": self.service.pk,
            "modality": "clinic",
            "location": b.location_id,
            "start": b.start,
            "end": b.end,
            "blocked_until": b.end + self.service.buffer,
            "source": self.model.Source.ONLINE.value,
            "status": self.model.Status.BOOKED.value,
            "created_at": now,
            "updated_at": now,
        }
        return [given[f.name] if f.name in given else f.get_default() for f in self.fields]

    def insert(self, bookings: list[Booking]) -> float:
        """Seconds to insert these, one transaction each."""
        began = time.perf_counter()
        for b in bookings:
            self.conn.execute(self.statement, self.row(b)).fetchone()
            self.conn.commit()
        return time.perf_counter() - began

    def close(self) -> None:
        self.conn.close()


class PeerBooker:
    """bench/peer_appointment.py `serve`, run with the peer's python and kept running, so
    that its bookings come in small batches between Stance's."""

    def __init__(self, python: str, database_url: str) -> None:
        log_path = ROOT / "var" / "bench" / "peer.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        with log_path.open("w") as err:
            self.proc = subprocess.Popen(
                [python, str(PEER_SCRIPT), "serve", "--setup", "--database-url", database_url],
                cwd=ROOT / "var",  # not the repository: nothing of Stance on the peer's path
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=peer_env(),
            )
        self.emails = 0
        self.read()  # migrated, seeded and warmed up

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("PEERJSON "):
                data: dict[str, Any] = json.loads(line.removeprefix("PEERJSON "))
                return data
        self.proc.wait()
        raise RuntimeError(f"the peer script stopped; see {self.log_path}")

    def book(self, variant: str, count: int) -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{variant} {count}\n")
        self.proc.stdin.flush()
        data = self.read()
        if variant == "full":
            self.emails = data["emails"] // count
        return float(data["seconds"])

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def peer_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}


# --- Step 3: the peer, the trivial page and memory ------------------------------------


def peer_run(args: argparse.Namespace, command: list[str]) -> dict[str, Any]:
    """Run bench/peer_appointment.py with the peer's python; its JSON answer."""
    out = subprocess.run(
        [args.peer_python, str(PEER_SCRIPT), *command],
        cwd=ROOT / "var",  # not the repository: nothing of Stance on the peer's path
        capture_output=True,
        text=True,
        check=False,
        env=peer_env(),
    )
    for line in out.stdout.splitlines():
        if line.startswith("PEERJSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("PEERJSON "))
            return result
    raise RuntimeError(f"the peer script failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")


def stance_probe(args: argparse.Namespace) -> dict[str, Any]:
    """This script again, in a fresh process, with --probe."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--probe"]
    cmd += ["--probe-requests", str(args.probe_requests)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("PROBEJSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("PROBEJSON "))
            return result
    raise RuntimeError(f"the probe failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")


def probe(requests: int) -> int:
    """In a fresh process (the environment set by main): load the WSGI application as a
    gunicorn worker does, then GET /healthz through the test client. The same steps as
    bench/peer_appointment.py's `probe`."""
    from bench.week_page import rss_kib

    pid = os.getpid()
    rss_start = rss_kib(pid)
    from clinic.wsgi import application  # noqa: F401 - what gunicorn loads

    rss_setup = rss_kib(pid)
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    if client.get("/healthz").status_code != 200:
        raise RuntimeError("/healthz did not answer 200")
    rss_one = rss_kib(pid)
    for _ in range(200):
        client.get("/healthz")
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        client.get("/healthz")
        times.append(time.perf_counter() - began)
    import django

    out = {
        "p50_ms": statistics.median(times) * 1000,
        "requests": requests,
        "rss_kib_interpreter": rss_start,
        "rss_kib_after_setup": rss_setup,
        "rss_kib_after_one_request": rss_one,
        "rss_kib_after_warmup": rss_kib(pid),
        "modules": len(sys.modules),
        "django": django.get_version(),
    }
    print("PROBEJSON " + json.dumps(out), flush=True)
    return 0


# --- Step 4: the availability API -----------------------------------------------------


def api_path(service_code: str, week: date) -> str:
    from django.urls import reverse

    path = reverse("bookings:api-availability")
    end = week + timedelta(days=6)
    return f"{path}?service={service_code}&start={week.isoformat()}&end={end.isoformat()}"


def serialisation_compare(service: Any, week: date, repeats: int = 30) -> str:
    """The week's slots written as JSON two ways, alternating in this process: through
    the documented serializers (SlotOutputSerializer for each slot, as the API did before
    issue 16) and through `slot_rows`, which the API uses now. Medians."""
    from django.utils import timezone

    from rest_framework.renderers import JSONRenderer

    from bench.stats import median, ms
    from bookings.selectors import available_slots, bookable_practitioners
    from bookings.serializers import AvailabilityOutputSerializer, slot_rows

    practitioners = bookable_practitioners(service=service)
    codes = {p.pk: p.code for p in practitioners}
    tz = service.clinic.tz
    found = available_slots(
        service=service,
        start_date=week,
        end_date=week + timedelta(days=6),
        now=timezone.now(),
        practitioners=practitioners,
    )

    def documented() -> bytes:
        rows = [
            {
                "start": s.start,
                "end": s.end,
                "practitioner": codes[s.practitioner_id],
                "modality": s.modality,
                "location": s.location_id,
            }
            for s in found
        ]
        data = AvailabilityOutputSerializer({"slots": rows}, context={"tz": tz}).data
        return JSONRenderer().render(data)

    def direct() -> bytes:
        return JSONRenderer().render({"slots": slot_rows(found, codes, tz)})

    if documented() != direct():
        return "The two ways wrote different JSON: see tests/bookings/test_api.py."
    times: dict[str, list[float]] = {"documented": [], "direct": []}
    for _ in range(repeats):
        for name, write in (("documented", documented), ("direct", direct)):
            began = time.perf_counter()
            write()
            times[name].append(time.perf_counter() - began)
    before, after = median(times["documented"]), median(times["direct"])
    return (
        f"Writing the week's {len(found)} slots as JSON (the same bytes), medians of "
        f"{repeats} alternating in one process: through SlotOutputSerializer (before) "
        f"{ms(before)} ms, through `slot_rows` (now) {ms(after)} ms: {before / after:.1f}x "
        "less time."
    )


def api_benchmark(
    args: argparse.Namespace, env: dict[str, str], path: str, results: dict[str, Any]
) -> tuple[list[str], bool]:
    from django.db import connection
    from django.test import override_settings

    from bench import week_page
    from bench.stats import ms

    off = {"STANCE_WEEK_PAGE_CACHE_SECONDS": 0}
    scenarios = [
        week_page.Scenario("trivial", "Trivial view `/healthz`", "/healthz"),
        week_page.Scenario("api", "Availability API, 10 practitioners, a week, cached", path),
        week_page.Scenario(
            "api-cold", "Availability API, the same, cache off", path, None, dict(off)
        ),
    ]
    connection.close()  # gunicorn's workers open their own
    cold_env = {**env, "STANCE_WEEK_PAGE_CACHE_SECONDS": "0"}
    load_at_start = load1()
    with week_page.gunicorn(env) as server, week_page.gunicorn(cold_env) as cold_server:
        scenarios[2].base = cold_server.base
        week_page.wait_for(
            lambda: week_page.fetch(server.base + "/healthz")[0] == 200, 30, "/healthz"
        )
        for sc in scenarios:
            status, body = week_page.fetch(sc.url(server))
            sc.body_bytes = len(body)
            log(f"GET {sc.path} -> {status}, {len(body)} bytes")
            if status != 200:
                raise RuntimeError(f"{sc.path} answered {status}; see {server.log}")
        week_page.run_load(
            server,
            scenarios,
            seconds=args.seconds,
            warmup=args.warmup,
            repeats=args.rounds,
            connections=args.connections,
            single_seconds=args.single_seconds,
            tool=args.load_tool,
            log=log,
        )
        rss = [week_page.rss_kib(pid) for pid in week_page.worker_pids(server.pid)]
    load_at_end = load1()
    by_key = {sc.key: sc for sc in scenarios}
    trivial = by_key["trivial"]
    assert trivial.single is not None
    verdicts = []
    met = True
    for key in ("api", "api-cold"):
        sc = by_key[key]
        assert sc.single is not None
        loaded = sc.med("p50") / trivial.med("p50")
        single = sc.single.p50 / trivial.single.p50
        ok = loaded <= API_TARGET and single <= API_TARGET
        met &= ok
        verdicts.append(
            f"{sc.label}: p50 {ms(sc.single.p50)} ms with one client = **{single:.1f}x** the "
            f"trivial view ({ms(trivial.single.p50)} ms); at concurrency {args.connections} "
            f"{ms(sc.med('p50'))} ms = **{loaded:.1f}x** ({ms(trivial.med('p50'))} ms); "
            f"target <= {API_TARGET:g}x: " + ("**MET**" if ok else "**MISSED**") + "."
        )
    lines = [
        "| Request | Total ms | SQL ms | Queries | available_slots ms (incl. its SQL) | Status |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    breakdowns = {}
    for sc in scenarios:
        b = week_page.breakdown(sc.path, overrides=sc.overrides)
        breakdowns[sc.key] = b
        lines.append(
            f"| {sc.label} | {ms(b.total)} | {ms(b.sql)} | {b.queries} | {ms(b.slots)} "
            f"| {b.status} |"
        )
    blocks = [
        f"Load average (1 min) {load_at_start:.2f} at the start of this step, "
        f"{load_at_end:.2f} at its end. Path: `{path}`.",
        "One client:\n\n" + week_page.single_markdown(scenarios),
        f"Concurrency {args.connections} ({args.rounds} runs of {args.seconds:g} s, "
        f"interleaved; medians):\n\n" + week_page.markdown(scenarios),
        "In-process breakdown (Django test client), medians of 40 requests:\n\n" + "\n".join(lines),
        "gunicorn worker RSS after the run (cached server): "
        + ", ".join(f"{kib / 1024:.0f} MiB" for kib in rss),
        *verdicts,
    ]
    results["api"] = {
        "path": path,
        "load1": [load_at_start, load_at_end],
        "runs": {
            sc.key: {
                "runs": [r.__dict__ for r in sc.runs],
                "singles": [r.__dict__ for r in sc.singles],
            }
            for sc in scenarios
        },
        "breakdown": {k: b.__dict__ for k, b in breakdowns.items()},
        "worker_rss_kib": rss,
    }
    if args.profile or not met:
        with override_settings(**off):
            text = week_page.profile(path)
        blocks.append("cProfile of the uncached API request:\n\n```\n" + text + "\n```")
        results["api"]["profile"] = text
    return blocks, met


# --- main -----------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    from bench import run

    env = run.bench_env(args.database_url)
    env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", BENCH_REDIS_URL)
    os.environ.update(env)
    if args.probe:
        return probe(args.probe_requests)
    if not run.postgres_answers(args.database_url):
        log(f"PostgreSQL does not answer at {args.database_url}; start it first.")
        return 2
    if not args.skip_peer and not Path(args.peer_python).exists():
        log(f"No peer virtualenv at {args.peer_python}: run `make bench-peer-env` first.")
        return 2
    started = time.monotonic()
    load_before = load1()
    run.redis_flush(env["REDIS_URL"])
    run.database_recreate(args.database_url, reuse=False)
    if not args.skip_peer:
        run.database_recreate(args.peer_database_url, reuse=False)
    try:
        return measure(args, env, started, load_before)
    finally:
        run.redis_flush(env["REDIS_URL"])
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database_drop(args.database_url)
            if not args.skip_peer:
                database_drop(args.peer_database_url)


def measure(
    args: argparse.Namespace, env: dict[str, str], started: float, load_before: float
) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from bench import run, seed, week_page
    from bench.stats import median, ms, percentile
    from bookings.models import Service

    log(f"== Booking benchmarks on {args.database_url}; load average {load_before:.2f}")
    call_command("migrate", verbosity=0, interactive=False)
    anchor = week_page.next_monday(datetime.now(ZoneInfo(seed.TZ_NAME)).date())
    data = seed.scale_data_seed(anchor)
    log(
        f"Seeded: {seed.PRACTITIONERS} practitioners, {data.appointments} appointments, "
        f"{data.utilisation:.0%} of working time held from {anchor} for 28 days."
    )
    info = run.machine(args.load_tool)
    results: dict[str, Any] = {"machine": info, "args": vars(args), "anchor": str(anchor)}
    summary: list[str] = []
    exit_code = 0

    # Step 2 (and the peer's bookings): small batches, the sides taking turns.
    wide = Service.objects.select_related("clinic").get(pk=data.service_ids[50])
    per_round = args.bookings
    slots = free_slots(
        wide,
        anchor + timedelta(days=7),
        anchor + timedelta(days=34),
        2 * per_round * args.rounds + per_round + 10,  # + the profile's, + the warm-up
    )
    for b, patient_id in zip(slots, patients_make(data.clinic_id, len(slots)), strict=True):
        b.patient_id = patient_id
    warm, profiled, slots = slots[:10], slots[10 : 10 + per_round], slots[10 + per_round :]
    stance_booker = StanceBooker(wide, warm + slots)
    raw_inserter = RawInserter(args.database_url, wide)
    peer = None if args.skip_peer else PeerBooker(args.peer_python, args.peer_database_url)
    # Warm-up: imports, connections, Redis, the first plans.
    stance_booker.book(warm[:5])
    raw_inserter.insert(warm[5:])
    stance_booker.latencies.clear()
    sides = ["raw", "stance"] + ([] if peer is None else ["peer", "peer_rows"])
    rates: dict[str, list[float]] = {side: [] for side in sides}
    loads = []
    try:
        for r in range(args.rounds):
            mine = slots[2 * r * per_round : 2 * (r + 1) * per_round]
            raw_slots, stance_slots = mine[:per_round], mine[per_round:]
            seconds = dict.fromkeys(sides, 0.0)
            loads.append(load1())
            for i in range(0, per_round, args.batch):
                seconds["raw"] += raw_inserter.insert(raw_slots[i : i + args.batch])
                seconds["stance"] += stance_booker.book(stance_slots[i : i + args.batch])
                if peer is not None:
                    count = len(stance_slots[i : i + args.batch])
                    seconds["peer"] += peer.book("full", count)
                    seconds["peer_rows"] += peer.book("rows", count)
            for side in sides:
                rates[side].append(per_round / seconds[side])
            log(
                f"  round {r + 1} (load {loads[-1]:.2f}): "
                + ", ".join(f"{side} {rates[side][-1]:.1f}/s" for side in sides)
            )
    finally:
        raw_inserter.close()
        if peer is not None:
            peer.close()
    raw, stance = median(rates["raw"]), median(rates["stance"])
    latencies = stance_booker.latencies
    ratio = stance / raw
    rate_met = ratio >= RATE_TARGET
    exit_code |= 0 if rate_met else 1

    def spread(side: str) -> str:
        return ", ".join(f"{x:.1f}" for x in rates[side])

    def each(side: str) -> str:
        return ", ".join(f"{s / b:.3f}" for s, b in zip(rates["stance"], rates[side], strict=True))

    rows = [
        "| Booking | Rounds (bookings/s) | Median bookings/s | ms per booking (p50 / p95) |",
        "| --- | --- | ---: | ---: |",
        f"| Raw psycopg INSERT of the same row, one transaction each | {spread('raw')} "
        f"| {raw:.0f} | {ms(1 / raw)} (mean) |",
        f"| `appointment_book` (online, an existing patient; at most "
        f"{stance_booker.statements} statements) | {spread('stance')} | {stance:.1f} "
        f"| {ms(median(latencies))} / {ms(percentile(latencies, 95))} |",
    ]
    verdicts = [
        f"`appointment_book` ÷ raw INSERT: **{ratio:.3f}x** (rounds: {each('raw')}); "
        f"target >= {RATE_TARGET:g}x: " + ("**MET**" if rate_met else "**MISSED**") + "."
    ]
    results["booking"] = {
        "rates": rates,
        "ratio": ratio,
        "statements_max": stance_booker.statements,
        "latencies": latencies,
        "load1": loads,
    }
    if peer is not None:
        full, rows_only = median(rates["peer"]), median(rates["peer_rows"])
        rows.append(
            f"| django-appointment 3.12.0, its own booking path (two forms and a request row, "
            f"the appointment, {peer.emails} e-mails with an .ics to Django's in-memory "
            f"backend) | {spread('peer')} | {full:.1f} | {ms(1 / full)} (mean) |"
        )
        rows.append(
            f"| django-appointment 3.12.0, the same without the e-mails (rows only) "
            f"| {spread('peer_rows')} | {rows_only:.1f} | {ms(1 / rows_only)} (mean) |"
        )
        peer_ratio = stance / full
        peer_met = peer_ratio >= PEER_TARGET
        exit_code |= 0 if peer_met else 1
        verdicts.append(
            f"`appointment_book` ÷ django-appointment's booking: **{peer_ratio:.2f}x** "
            f"(rounds: {each('peer')}); ÷ its rows-only path: {stance / rows_only:.2f}x "
            f"(rounds: {each('peer_rows')}); target >= {PEER_TARGET:g}x: "
            + ("**MET**" if peer_met else "**MISSED**")
            + "."
        )
        results["booking"]["peer_ratio"] = peer_ratio
    table = "\n".join(rows)
    log("\n" + table + "\n\n" + "\n".join(verdicts))
    if args.profile or not rate_met:
        text = booking_profile(wide, profiled)
        log("\n" + text)
        results["booking"]["profile"] = text
    summary.append(
        f"Booking rate: {per_round} bookings per side per round, {args.rounds} rounds; within "
        f"a round the sides take turns in batches of {args.batch}; load average (1 min) at "
        f"each round: {', '.join(f'{x:.2f}' for x in loads)}.\n\n"
        + table
        + "\n\n"
        + "\n\n".join(verdicts)
    )

    # Step 3: trivial page and memory, fresh processes alternating.
    if not args.skip_peer:
        log("\n== Trivial page and resident memory (fresh processes, alternating)")
        probe_load = load1()
        sides: dict[str, list[dict[str, Any]]] = {"Stance": [], "django-appointment": []}
        peer_probe = ["probe", "--database-url", args.peer_database_url]
        peer_probe += ["--requests", str(args.probe_requests)]
        for _ in range(args.rounds):
            sides["Stance"].append(stance_probe(args))
            sides["django-appointment"].append(peer_run(args, peer_probe))
        summary.append(probe_markdown(sides, probe_load, load1()))
        log(summary[-1])
        results["probe"] = sides

    # Step 4: the availability API.
    if not args.skip_http:
        log("\n== Availability API against /healthz (gunicorn gthread -w 2 --threads 4)")
        narrow = Service.objects.select_related("clinic").get(pk=data.service_ids[10])
        blocks, met = api_benchmark(args, env, api_path(str(narrow.code), anchor), results)
        blocks.append(serialisation_compare(narrow, anchor))
        exit_code |= 0 if met else 1
        for block in blocks:
            log("\n" + block)
        summary += blocks

    info["load average (1 min) before / after"] = f"{load_before:.2f} / {load1():.2f}"
    info["finished (UTC)"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    out = ROOT / "var" / "bench" / "booking.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    log("\n== Markdown summary (paste into docs/BENCHMARKS.md)\n")
    log("| Machine | |\n| --- | --- |")
    for key, value in info.items():
        log(f"| {key} | {value} |")
    for block in summary:
        log("\n" + block)
    log(
        f"\nRaw results in {out.relative_to(ROOT)}; the run took "
        f"{time.monotonic() - started:.0f} s; exit status {exit_code}."
    )
    return exit_code


def probe_markdown(sides: dict[str, list[dict[str, Any]]], before: float, after: float) -> str:
    def med(side: str, key: str) -> float:
        return statistics.median(float(p[key]) for p in sides[side])

    def mib(side: str, key: str) -> str:
        return f"{med(side, key) / 1024:.0f}"

    lines = [
        "| Side | /healthz p50 ms (test client) | RSS MiB: interpreter | after loading the "
        "WSGI app | after one request | after warm-up | modules loaded |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for side in sides:
        lines.append(
            f"| {side} | {med(side, 'p50_ms'):.3f} | {mib(side, 'rss_kib_interpreter')} "
            f"| {mib(side, 'rss_kib_after_setup')} | {mib(side, 'rss_kib_after_one_request')} "
            f"| {mib(side, 'rss_kib_after_warmup')} | {med(side, 'modules'):.0f} |"
        )
    s, p = "Stance", "django-appointment"
    speed = med(p, "p50_ms") / med(s, "p50_ms")
    memory = med(s, "rss_kib_after_warmup") / med(p, "rss_kib_after_warmup")
    return (
        f"Trivial page and memory: {len(sides[s])} fresh processes per side, alternating; "
        f"medians; load average (1 min) {before:.2f} before, {after:.2f} after.\n\n"
        + "\n".join(lines)
        + f"\n\nStance's trivial page runs at **{speed:.2f}x** the peer's (its p50 ÷ ours); "
        f"a warmed-up Stance process holds **{memory:.2f}x** the peer's resident memory."
    )


if __name__ == "__main__":
    sys.exit(main())
