"""What the app code may depend on, read from its source (an AST walk, nothing imported
from the apps):

- no private name of another package: no `from x import _y`, no `import x._y`, no
  `module._private` on a module of the standard library, Django, Celery or any other
  package (our own modules' names are ours to use);
- no SQL that changes session settings (`SET ...`, `set_config`, `synchronous_commit`):
  the database's own durability and settings hold for every statement;
- the layers run one way: `clinic` at the bottom, `bookings` above it, `prescriptions`
  above both. A lower app never imports a higher one, at module level or inside a
  function; a higher app registers with a hook the lower one offers.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("clinic", "bookings", "prescriptions")
LAYER = {"clinic": 0, "bookings": 1, "prescriptions": 2}

SESSION_SQL = re.compile(
    r"(^|;)\s*SET\s+(SESSION\s+|LOCAL\s+)?[a-z_][\w.]*\s*(=|TO\b)|set_config|synchronous_commit",
    re.IGNORECASE | re.MULTILINE,
)


def _modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            yield app, path, ast.parse(path.read_text(), filename=str(path))


MODULES = list(_modules())


def _ours(module: str) -> bool:
    return module.split(".")[0] in APPS


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_module(package: str, name: str) -> bool:
    """Whether `from package import name` binds a module."""
    try:
        value = getattr(importlib.import_module(package), name, None)
    except ImportError:
        return False
    return isinstance(value, ModuleType)


def _imported(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Every module this one imports (anywhere, at any depth), with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
            for alias in node.names:  # `from bookings import tasks` imports bookings.tasks
                yield f"{node.module}.{alias.name}", node.lineno


def _private_uses(tree: ast.Module) -> Iterator[str]:
    foreign_modules: set[str] = set()  # local names bound to modules of other packages
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name):
                    continue
                if any(_private(part) for part in alias.name.split(".")):
                    yield f"line {node.lineno}: import {alias.name}"
                foreign_modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _ours(node.module):
                continue
            if any(_private(part) for part in node.module.split(".")):
                yield f"line {node.lineno}: from {node.module} import ..."
            for alias in node.names:
                if _private(alias.name):
                    yield f"line {node.lineno}: from {node.module} import {alias.name}"
                elif _is_module(node.module, alias.name):
                    foreign_modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in foreign_modules:
                yield f"line {node.lineno}: {ast.unparse(node)}"


def _session_sql(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SESSION_SQL.search(node.value)
        ):
            yield f"line {node.lineno}: {node.value.strip()[:60]!r}"


def _label(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_no_app_module_uses_a_private_name_of_another_package():
    found = [f"{_label(path)} {use}" for _, path, tree in MODULES for use in _private_uses(tree)]
    assert found == []


def test_no_app_module_changes_session_settings_in_sql():
    found = [f"{_label(path)} {sql}" for _, path, tree in MODULES for sql in _session_sql(tree)]
    assert found == []


def test_the_layers_run_one_way():
    found = [
        f"{_label(path)} line {line}: imports {module}"
        for app, path, tree in MODULES
        for module, line in _imported(tree)
        if module.split(".")[0] in LAYER and LAYER[module.split(".")[0]] > LAYER[app]
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("from email.contentmanager import _encode_text", "private"),
        ("import celery.worker.consumer as c\nc._private()", "private"),
        ("from django.core import mail\nmail._thing", "private"),
        ("import kombu._x", "private"),
        ("sql = \"SELECT set_config('synchronous_commit', 'off', true)\"", "sql"),
        ('sql = "SET LOCAL statement_timeout = 100"', "sql"),
        ('sql = "UPDATE t SET status = %s"', None),
        ("from bookings.models import Appointment\nAppointment._meta", None),
        ("x.__version__", None),
    ],
)
def test_the_checks_catch_what_they_are_for(source, kind):
    tree = ast.parse(source)
    assert bool(list(_private_uses(tree))) == (kind == "private")
    assert bool(list(_session_sql(tree))) == (kind == "sql")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_email_path_imports_in_one_direction():
    """tasks -> notifications -> emails, and never back (the circle is broken: the
    outbox publishes its tasks by name)."""
    names = {_module_name(path): tree for _, path, tree in MODULES}
    order = ["bookings.tasks", "bookings.notifications", "bookings.emails"]
    found = [
        f"{module} line {line}: imports {imported}"
        for i, module in enumerate(order)
        for imported, line in _imported(names[module])
        if imported in order[:i]
    ]
    assert found == []
