"""`python manage.py load_exercises`: the shipped exercise library into the database.

Safe to run again: rows are updated in place by slug, and a second run changes nothing.
`seed_demo` (and so `make run`) calls it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from prescriptions.library.services import exercise_library_load


class Command(BaseCommand):
    help = "Load the shipped exercise library (prescriptions/data/exercises.json)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = exercise_library_load()
        if not result.changed:
            self.stdout.write(f"Exercise library up to date ({result.unchanged} exercises).")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Exercise library: {result.created} added, {result.updated} updated, "
                f"{result.unchanged} unchanged, {result.retired} retired; links "
                f"{result.links_created} added, {result.links_updated} updated, "
                f"{result.links_removed} removed."
            )
        )
