"""Where a worker's memory goes: `.venv/bin/python bench/memory.py` (`--help`).

Each measurement runs in a fresh child process, with the settings of bench/run.py (debug
off, PostgreSQL, Redis) and the demo clinic's database of bench/middleware.py.

1. Resident memory (VmRSS in /proc/self/status) at each stage of a worker's life. Web: the
   bare interpreter; after `django.setup()`; after the WSGI handler (the middleware) is
   built; after the URLconf, so every view module, is imported (what the first request
   does); after the first requests (`/healthz`, the home page, the public week page, the
   OpenAPI schema). Celery: after `django.setup()` with the Celery app; after the task
   modules and the worker's own modules are imported; after a first task (the
   notifications sweep, run in process through Celery's task tracer).
2. What imports cost, by top-level package: an import hook notes the growth of RSS while
   each module's own code runs (its imports excluded, counted to their own package), and
   the growths are summed by package. Memory a package takes later (caches, the first
   request's data) is in the stages only.

With --against REF, the same children also run on the files of git REF (`git archive`
into a temporary directory, this tree's collected static files linked in), in the same
run, for a before/after.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/stance_bench_middleware"


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class ImportCost:
    """A meta path finder that wraps each module's loader to note RSS growth while the
    module's own code runs; nested imports are subtracted from their importer."""

    def __init__(self) -> None:
        self.own: Counter[str] = Counter()  # by top-level package
        self.modules: Counter[str] = Counter()
        self.stack: list[int] = []  # KiB taken by nested imports, per level

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Measured(spec.loader, name, self)
                return spec
        return None

    def measure(self, name: str, step: Any) -> Any:
        before = rss_kib()
        self.stack.append(0)
        try:
            return step()
        finally:
            nested = self.stack.pop()
            total = rss_kib() - before
            self.own[name.split(".")[0]] += total - nested
            self.modules[name] += total - nested
            if self.stack:
                self.stack[-1] += total


class _Measured:
    def __init__(self, loader: Any, name: str, cost: ImportCost) -> None:
        self.loader, self.name, self.cost = loader, name, cost

    def create_module(self, spec: Any) -> Any:
        return self.cost.measure(self.name, lambda: self.loader.create_module(spec))

    def exec_module(self, module: Any) -> None:
        self.cost.measure(self.name, lambda: self.loader.exec_module(module))

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.loader, attr)


def child(kind: str) -> dict[str, Any]:
    """Runs in the child process: the stages of `kind` ("web" or "celery")."""
    stages: list[tuple[str, int]] = [("interpreter", rss_kib())]
    cost = ImportCost()
    sys.meta_path.insert(0, cost)
    import django

    django.setup()
    stages.append(("django.setup()", rss_kib()))
    if kind == "web":
        from django.core.handlers.wsgi import WSGIHandler
        from django.urls import get_resolver, reverse

        handler = WSGIHandler()
        stages.append(("WSGI handler (middleware) built", rss_kib()))
        get_resolver().url_patterns  # noqa: B018  (imports every view module)
        stages.append(("URLconf imported (all views)", rss_kib()))
        from bookings.models import Service

        service = Service.objects.filter(bookable_online=True).order_by("pk").first()
        paths = ["/healthz", "/"]
        if service is not None:
            paths.append(reverse("bookings:slot-list", args=[service.code, "clinic"]))
        paths.append("/api/schema/")
        statuses = []
        for path in paths:
            env = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000",
                "HTTP_HOST": "127.0.0.1",
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(b""),
                "wsgi.errors": sys.stderr,
            }
            status: list[str] = []
            response = handler(env, lambda s, h, status=status: status.append(s))
            b"".join(response)
            response.close()
            statuses.append(f"{path} {status[0].split()[0]}")
            stages.append((f"after GET {path}", rss_kib()))
    else:
        from clinic.celery import app

        app.loader.import_default_modules()
        import celery.worker.consumer  # noqa: F401
        import kombu.transport.redis  # noqa: F401
        from celery.apps.worker import Worker  # noqa: F401

        stages.append(("tasks and worker modules imported", rss_kib()))
        from bookings.tasks import notifications_sweep

        app.conf.task_always_eager = True
        notifications_sweep.apply()
        stages.append(("after a first task (notifications sweep)", rss_kib()))
        statuses = []
    sys.meta_path.remove(cost)
    return {
        "stages": stages,
        "own": dict(cost.own),
        "modules": dict(cost.modules.most_common(40)),
        "statuses": statuses,
    }


def run_child(kind: str, root: Path, database_url: str) -> dict[str, Any]:
    """This script with --child, its imports resolved in `root` (this tree or REF's)."""
    from bench.run import bench_env

    env = {**bench_env(database_url), "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"the {kind} child failed in {root}:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def export(ref: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    (into / "staticfiles").symlink_to(ROOT / "staticfiles")
    return into


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_MIDDLEWARE_DATABASE_URL", DEFAULT_DATABASE),
        help="a migrated database with the demo clinic, as bench/middleware.py leaves it "
        "(default: %(default)s)",
    )
    p.add_argument("--against", metavar="REF", help="also measure the files of git REF")
    p.add_argument("--top", type=int, default=25, help="packages to list (default 25)")
    p.add_argument("--child", choices=["web", "celery"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    sys.path.insert(0, str(ROOT))

    trees: list[tuple[str, Path]] = []
    tmp = tempfile.TemporaryDirectory(prefix="stance-memory-")
    if args.against:
        trees.append((args.against, export(args.against, Path(tmp.name))))
    trees.append(("this tree", ROOT))
    load_before = os.getloadavg()[0]
    results = {
        (label, kind): run_child(kind, root, args.database_url)
        for label, root in trees
        for kind in ("web", "celery")
    }
    tmp.cleanup()
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    from datetime import UTC, datetime

    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, 1-minute load average "
        f"{load_before:.2f}, Python {sys.version.split()[0]}\n"
    )
    for kind in ("web", "celery"):
        labels = [label for label, _ in trees]
        print(f"{kind.capitalize()} worker, RSS (MiB):\n")
        print("| Stage | " + " | ".join(labels) + " |")
        print("| --- |" + " ---: |" * len(labels))
        names = [name for name, _ in results[(labels[-1], kind)]["stages"]]
        for i, name in enumerate(names):
            cells = []
            for label in labels:
                stages = results[(label, kind)]["stages"]
                cells.append(f"{stages[i][1] / 1024:.1f}" if i < len(stages) else "")
            print(f"| {name} | " + " | ".join(cells) + " |")
        statuses = results[(labels[-1], kind)]["statuses"]
        if statuses:
            print(f"\n(statuses: {', '.join(statuses)})")
        print()
    for label, _ in trees:
        own = Counter(results[(label, "web")]["own"])
        total = sum(own.values())
        print(f"RSS growth while importing, by package, web worker after its requests, {label}")
        print(f"(total {total / 1024:.1f} MiB):\n")
        print("| Package | MiB |")
        print("| --- | ---: |")
        for name, kib in own.most_common(args.top):
            print(f"| {name} | {kib / 1024:.1f} |")
        print()
    modules = Counter(results[("this tree", "web")]["modules"])
    print("The modules whose own code grew RSS most (this tree, web worker):\n")
    print("| Module | MiB |")
    print("| --- | ---: |")
    for name, kib in modules.most_common(15):
        print(f"| {name} | {kib / 1024:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
