"""An exclusion constraint that PostgreSQL enforces and other databases skip.

PostgreSQL is the production database: there the constraint is the final word on
overlapping appointments, whichever code path writes them. The embedded SQLite default
has no exclusion constraints; there the booking service serialises writes instead
(an IMMEDIATE transaction and a re-check), and `validate()` gives the same friendly
error in forms and the admin on both databases.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.constraints import ExclusionConstraint
from django.core.exceptions import ValidationError


class PortableExclusionConstraint(ExclusionConstraint):
    def constraint_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model: Any, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(
        self, model: Any, instance: Any, exclude: Any = None, using: str = "default"
    ) -> None:
        """Overlap check for forms and the admin, as a portable query.

        Specific to the appointment shape (practitioner, start, blocked_until, status).
        Not race-free: the database constraint and the booking service are.
        """
        if exclude and {"practitioner", "start"} & set(exclude):
            return
        held_until = instance.blocked_until or instance.end
        if not (instance.practitioner_id and instance.start and held_until):
            return
        if instance.status == "cancelled":
            return
        clash = (
            model._default_manager.using(using)
            .filter(
                practitioner_id=instance.practitioner_id,
                start__lt=held_until,
                blocked_until__gt=instance.start,
            )
            .exclude(status="cancelled")
        )
        if instance.pk:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ValidationError(self.get_violation_error_message(), code="overlap")


class PatientOverlapConstraint(PortableExclusionConstraint):
    """One person, one place at a time: a patient's visits never overlap, unless staff
    booked one knowing ("Book anyway": `patient_overlap_ok`)."""

    def validate(
        self, model: Any, instance: Any, exclude: Any = None, using: str = "default"
    ) -> None:
        """The same check as a portable query, for forms and the admin (not race-free:
        the database constraint is)."""
        if exclude and {"patient", "start"} & set(exclude):
            return
        if not (instance.patient_id and instance.start and instance.end):
            return
        if instance.status == "cancelled" or instance.patient_overlap_ok:
            return
        clash = (
            model._default_manager.using(using)
            .filter(
                patient_id=instance.patient_id,
                start__lt=instance.end,
                end__gt=instance.start,
                patient_overlap_ok=False,
            )
            .exclude(status="cancelled")
        )
        if instance.pk:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ValidationError(self.get_violation_error_message(), code="patient_overlap")
