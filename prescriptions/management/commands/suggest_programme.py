"""`python manage.py suggest_programme CASE.json`: what the clinical rules decide for one
case, as one JSON object on standard output (flags, exercises with their dose, what to
avoid, the progression decision). For a clinical lead to audit the rules.

The case is checked against docs/suggest_programme.schema.json (its answer's format is
there too, under $defs/output). A case that breaks it, or a value the rules cannot read,
is reported on standard error with the field named, and the command exits with status 2.
Pure: no database is touched (`-` reads the case from standard input).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prescriptions.rules import schema
from prescriptions.rules.case import CaseError, case_errors, case_from_json
from prescriptions.rules.engine import evaluate, result_json

INVALID = 2
"""Exit status for a case that cannot be read."""


class Command(BaseCommand):
    help = "Apply the clinical rules to a case (JSON) and print the decisions as JSON."
    requires_system_checks: list[str] = []  # pure: no database, no system checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case", help="The case file (JSON), or - for standard input.")

    def handle(self, *args: Any, **options: Any) -> None:
        data = self._read(options["case"])
        problems = case_errors(data, schema.load_committed())
        if problems:
            raise CommandError("Invalid case: " + "; ".join(problems[:10]), returncode=INVALID)
        try:
            case = case_from_json(data)
        except CaseError as exc:
            raise CommandError(f"Invalid case: {exc}", returncode=INVALID) from None
        result = result_json(evaluate(case))
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))

    def _read(self, path: str) -> Any:
        try:
            if path == "-":
                return json.load(sys.stdin)
            with open(path, encoding="utf-8") as fh:
                return json.load(fh)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}", returncode=INVALID) from None
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"Invalid case: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
                returncode=INVALID,
            ) from None
