"""Reads for clinic-wide data."""

from __future__ import annotations

from clinic.models import Clinic, Patient, Practitioner, User


def clinic_get_default() -> Clinic | None:
    """The clinic this site shows publicly: the first one created."""
    return Clinic.objects.order_by("id").first()


def clinic_for_user(user: User) -> Clinic | None:
    if getattr(user, "is_authenticated", False) and user.clinic_id:
        return user.clinic
    return None


def practitioner_list_for_clinic(*, clinic: Clinic) -> list[Practitioner]:
    return list(clinic.practitioners.filter(is_active=True).select_related("user"))


def patient_get_for_user(user: User) -> Patient | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Patient.objects.filter(user=user).select_related("clinic").first()
