"""The booking week page against a trivial Django view, both served by gunicorn.

gunicorn (`-k gthread -w 2 --threads 4`, 127.0.0.1 only) serves the app with debug off.
wrk (or, when it is missing, a small threaded http.client loop) drives each scenario with
one client, then at concurrency 8 for a bounded time after a warm-up; the loaded runs are
interleaved and repeated, and the medians of the repeats are reported. The ratio week /
trivial is the figure that carries over between machines.

In-process helpers (Django's test client, same settings) break one request down into SQL,
slot computation and template rendering, and profile it with cProfile.
"""

from __future__ import annotations

import cProfile
import functools
import http.client
import io
import json
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.stats import median, percentile

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "wrk_report.lua"


# --- gunicorn -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = clock.monotonic() + timeout
    while not predicate():
        if clock.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        clock.sleep(0.1)


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    ).stdout
    return [int(p) for p in out.split()]


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Server:
    port: int
    pid: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, threads: int = 4) -> Iterator[Server]:
    """Start gunicorn on a free 127.0.0.1 port; stop it by PID and wait for the port."""
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="stance-bench-")) / "gunicorn.log"
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "clinic.wsgi:application",
        "-k",
        "gthread",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
    ]
    log_file = log.open("ab")
    # Django logs request errors to stderr: keep them in the log, not on the terminal.
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=log_file)
    server = Server(port=port, pid=proc.pid, log=log)
    try:
        wait_for(lambda: port_listening(port) or proc.poll() is not None, 60, "gunicorn")
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log}")
        yield server
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                wait_for(lambda: not port_listening(port), 30, f"port {port} to close")
                proc.wait(timeout=30)
            except (RuntimeError, subprocess.TimeoutExpired):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log_file.close()


def fetch(url: str, timeout: float = 30) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- load generation ------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    p50: float  # seconds
    p95: float
    p99: float
    errors: int  # connection errors, timeouts and HTTP status >= 400
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def load_wrk(url: str, *, seconds: float, connections: int) -> Load:
    cmd = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    return Load(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50=data["p50_us"] / 1e6,
        p95=data["p95_us"] / 1e6,
        p99=data["p99_us"] / 1e6,
        errors=data["errors"] + data["errors_status"],
        tool="wrk",
    )


def load_python(url: str, *, seconds: float, connections: int) -> Load:
    """A closed-loop load of `connections` keep-alive clients, one thread each."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = clock.perf_counter() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while clock.perf_counter() < deadline:
            t0 = clock.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[i] += 1
                latencies[i].append(clock.perf_counter() - t0)
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
        conn.close()

    started = clock.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = clock.perf_counter() - started
    flat = [x for per in latencies for x in per]
    return Load(
        requests=len(flat),
        seconds=elapsed,
        p50=percentile(flat, 50),
        p95=percentile(flat, 95),
        p99=percentile(flat, 99),
        errors=sum(errors),
        tool="python http.client",
    )


def load_tool_name(tool: str) -> str:
    """The load generator `tool` ("auto", "wrk" or "python") means on this machine."""
    if tool == "wrk" or (tool == "auto" and shutil.which("wrk")):
        return "wrk"
    return "python http.client"


def load(url: str, *, seconds: float, connections: int, tool: str = "auto") -> Load:
    if load_tool_name(tool) == "wrk":
        return load_wrk(url, seconds=seconds, connections=connections)
    return load_python(url, seconds=seconds, connections=connections)


# --- scenarios ------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    path: str
    # Served by another gunicorn than the run's main one (the cache-off server), or None.
    base: str | None = None
    # Settings the in-process breakdown overrides to match that server.
    overrides: dict[str, object] = field(default_factory=dict)
    runs: list[Load] = field(default_factory=list)
    # One client, in short rounds interleaved with the other pages: the latency of a
    # request on an otherwise idle server.
    singles: list[Load] = field(default_factory=list)
    body_bytes: int = 0

    def url(self, server: Server) -> str:
        return (self.base or server.base) + self.path

    def med(self, attr: str) -> float:
        return median([getattr(r, attr) for r in self.runs])

    @property
    def single(self) -> Load | None:
        """The one-client rounds together: medians of their percentiles."""
        if not self.singles:
            return None
        return Load(
            requests=sum(r.requests for r in self.singles),
            seconds=sum(r.seconds for r in self.singles),
            p50=median([r.p50 for r in self.singles]),
            p95=median([r.p95 for r in self.singles]),
            p99=median([r.p99 for r in self.singles]),
            errors=sum(r.errors for r in self.singles),
            tool=self.singles[0].tool,
        )


def next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def week_page_path(service_code: str, modality: str, week: date) -> str | None:
    """The public week page's path, or None while `bookings:slot-list` does not resolve."""
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("bookings:slot-list", args=[service_code, modality])
    except NoReverseMatch:
        return None
    except Exception as exc:  # a URLconf that does not load yet
        print(f"NOTE: the URLconf does not load: {exc!r}", flush=True)
        return None
    return f"{path}?practitioner=any&week={week.isoformat()}"


def run_load(
    server: Server,
    scenarios: list[Scenario],
    *,
    seconds: float,
    warmup: float,
    repeats: int,
    connections: int,
    single_seconds: float,
    tool: str = "auto",
    log: Callable[[str], None],
) -> None:
    """Warm each scenario up, time it with one client (`single_seconds` in rounds of
    about a second, the scenarios interleaved, so that a burst of other work on the
    machine hits them all alike), then run the scenarios at `connections` concurrency,
    interleaved, `repeats` times."""
    for sc in scenarios:
        load(sc.url(server), seconds=warmup, connections=connections, tool=tool)
    rounds = max(1, round(single_seconds))
    for _ in range(rounds):
        for sc in scenarios:
            sc.singles.append(
                load(
                    sc.url(server),
                    seconds=single_seconds / rounds,
                    connections=1,
                    tool=tool,
                )
            )
    for sc in scenarios:
        one = sc.single
        assert one is not None
        log(
            f"  one client {sc.key:<8} {one.rps:7.0f} req/s  p50 {one.p50 * 1000:7.2f} ms  "
            f"p95 {one.p95 * 1000:7.2f} ms  errors {one.errors}  ({rounds} rounds)"
        )
    for rep in range(1, repeats + 1):
        for sc in scenarios:
            result = load(sc.url(server), seconds=seconds, connections=connections, tool=tool)
            sc.runs.append(result)
            log(
                f"  run {rep}/{repeats} {sc.key:<8} {result.rps:7.0f} req/s  "
                f"p50 {result.p50 * 1000:7.2f} ms  p95 {result.p95 * 1000:7.2f} ms  "
                f"errors {result.errors}  ({result.tool})"
            )


def markdown(scenarios: list[Scenario], base_key: str = "trivial") -> str:
    base = next(s for s in scenarios if s.key == base_key)
    lines = [
        "| Page | Bytes | req/s (median) | p50 ms (median) | p95 ms (median) | p50 ratio "
        "| p95 ratio | req/s ratio | Errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for sc in scenarios:
        lines.append(
            f"| {sc.label} | {sc.body_bytes} | {sc.med('rps'):.0f} | {sc.med('p50') * 1000:.2f} "
            f"| {sc.med('p95') * 1000:.2f} | {sc.med('p50') / base.med('p50'):.1f} "
            f"| {sc.med('p95') / base.med('p95'):.1f} | {sc.med('rps') / base.med('rps'):.2f} "
            f"| {sum(r.errors for r in sc.runs)} |"
        )
    return "\n".join(lines)


def single_markdown(scenarios: list[Scenario], base_key: str = "trivial") -> str:
    base = next(s for s in scenarios if s.key == base_key)
    assert base.single is not None
    lines = [
        "| Page (one client) | req/s | p50 ms | p95 ms | p50 ratio | p95 ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for sc in scenarios:
        r = sc.single
        assert r is not None
        lines.append(
            f"| {sc.label} | {r.rps:.0f} | {r.p50 * 1000:.2f} | {r.p95 * 1000:.2f} "
            f"| {r.p50 / base.single.p50:.1f} | {r.p95 / base.single.p95:.1f} |"
        )
    return "\n".join(lines)


def raw_runs(scenarios: list[Scenario]) -> str:
    lines = [
        "| Page | Run | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for sc in scenarios:
        for i, r in enumerate(sc.runs, start=1):
            lines.append(
                f"| {sc.label} | {i} | {r.rps:.0f} | {r.p50 * 1000:.2f} | {r.p95 * 1000:.2f} "
                f"| {r.p99 * 1000:.2f} |"
            )
    return "\n".join(lines)


# --- in-process breakdown and profile -------------------------------------------------


@dataclass
class Breakdown:
    requests: int
    total: float  # medians, seconds per request
    sql: float
    queries: int
    slots: float
    render: float
    connect: float
    status: int


@contextmanager
def _timing_patches(acc: dict[str, float]) -> Iterator[None]:
    """Accumulate time spent in available_slots and in top-level template renders."""
    from django.db import connections
    from django.template.backends.django import Template as BackendTemplate

    from bookings import selectors

    original_slots = selectors.available_slots
    original_render = BackendTemplate.render
    # `django.db.connection` is a proxy; patch the backend's DatabaseWrapper class.
    wrapper_class = type(connections["default"])
    original_connect = wrapper_class.connect

    def connect_wrapper(self: Any) -> None:
        t0 = clock.perf_counter()
        try:
            original_connect(self)
        finally:
            acc["connect"] += clock.perf_counter() - t0

    @functools.wraps(original_slots)
    def slots_wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = clock.perf_counter()
        try:
            return original_slots(*args, **kwargs)
        finally:
            acc["slots"] += clock.perf_counter() - t0

    @functools.wraps(original_render)
    def render_wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = clock.perf_counter()
        try:
            return original_render(self, *args, **kwargs)
        finally:
            acc["render"] += clock.perf_counter() - t0

    patched = [
        m
        for name, m in list(sys.modules.items())
        if name.startswith(("bookings", "clinic"))
        and getattr(m, "available_slots", None) is original_slots
    ]
    for module in patched:
        module.available_slots = slots_wrapper  # type: ignore[attr-defined]
    BackendTemplate.render = render_wrapper  # type: ignore[method-assign]
    wrapper_class.connect = connect_wrapper  # type: ignore[method-assign]
    try:
        yield
    finally:
        for module in patched:
            module.available_slots = original_slots  # type: ignore[attr-defined]
        BackendTemplate.render = original_render  # type: ignore[method-assign]
        wrapper_class.connect = original_connect  # type: ignore[method-assign]


class _SqlTimer:
    """A database execute wrapper that adds up time and count into `acc`."""

    def __init__(self, acc: dict[str, float]) -> None:
        self.acc = acc

    def __call__(self, execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        t0 = clock.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.acc["sql"] += clock.perf_counter() - t0
            self.acc["queries"] += 1


def breakdown(
    path: str, requests: int = 40, overrides: dict[str, object] | None = None
) -> Breakdown:
    """Median time per request in SQL, in available_slots and in template rendering.

    The test client keeps the database connection across requests; like a real request
    under gunicorn, each one here starts and ends with `close_old_connections`, so the
    connection is reopened when the settings do not keep it (CONN_MAX_AGE = 0).
    """
    from django.test import Client, override_settings

    with override_settings(**(overrides or {})):
        return _breakdown(path, requests, Client(HTTP_HOST="127.0.0.1"))


def _breakdown(path: str, requests: int, client: Any) -> Breakdown:
    from django.db import close_old_connections, connection

    for _ in range(5):
        client.get(path)
    totals, sqls, slots, renders, connects, counts = [], [], [], [], [], []
    status = 0
    for _ in range(requests):
        acc = {"sql": 0.0, "queries": 0.0, "slots": 0.0, "render": 0.0, "connect": 0.0}
        with _timing_patches(acc), connection.execute_wrapper(_SqlTimer(acc)):
            t0 = clock.perf_counter()
            close_old_connections()
            response = client.get(path)
            close_old_connections()
            totals.append(clock.perf_counter() - t0)
        status = response.status_code
        sqls.append(acc["sql"])
        slots.append(acc["slots"])
        renders.append(acc["render"])
        connects.append(acc["connect"])
        counts.append(int(acc["queries"]))
    return Breakdown(
        requests=requests,
        total=median(totals),
        sql=median(sqls),
        queries=max(counts),
        slots=median(slots),
        render=median(renders),
        connect=median(connects),
        status=status,
    )


def profile(path: str, requests: int = 30, top: int = 20) -> str:
    """cProfile of `requests` in-process GETs: the top functions by own and total time."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(5):
        client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    out.write(f"cProfile of {requests} GET {path}\n\n-- project code by cumulative time --\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(rf"^{ROOT}/(bookings|clinic|prescriptions)/", top)
    out.write("-- template rendering and URL building, by cumulative time --\n")
    stats.print_stats(r"django/(template|urls)/|urllib/parse", 12)
    out.write("-- everything, by own time (tottime) --\n")
    stats.sort_stats("tottime").print_stats(top)
    venv = str(ROOT / ".venv" / "lib")
    return out.getvalue().replace(f"{ROOT}/", "").replace(venv, "…")
