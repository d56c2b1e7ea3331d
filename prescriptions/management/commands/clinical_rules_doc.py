"""`python manage.py clinical_rules_doc > docs/CLINICAL_RULES.md`: every clinical rule,
its threshold and its source, generated from the rules core. With `--schema`, the JSON
Schema of the suggest_programme case format instead (docs/suggest_programme.schema.json).
Pure: no database.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from prescriptions.rules import schema
from prescriptions.rules.catalogue import clinical_rules_markdown


class Command(BaseCommand):
    help = "Print docs/CLINICAL_RULES.md (or, with --schema, the case format's JSON Schema)."
    requires_system_checks: list[str] = []  # pure: no database, no system checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schema", action="store_true", help="Print docs/suggest_programme.schema.json."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = schema.schema_text() if options["schema"] else clinical_rules_markdown()
        self.stdout.write(text, ending="")
