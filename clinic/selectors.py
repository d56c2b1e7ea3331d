"""Reads for clinic-wide data."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace

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


def patient_records() -> QuerySet[Patient]:
    """Patients with their clinic, for finding one by code (`clinic.access`)."""
    return Patient.objects.select_related("clinic")


def patient_search(*, clinic: Clinic, text: str) -> QuerySet[Patient]:
    """The clinic's patients matching every word of `text` in a name, email or phone."""
    phone_digits: Any = F("phone")
    for char in " -()":
        phone_digits = Replace(phone_digits, Value(char), Value(""))
    qs = Patient.objects.filter(clinic=clinic, duplicate_joined_at__isnull=True).annotate(
        phone_digits=phone_digits
    )
    for term in text.split()[:6]:
        condition = (
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
        digits = re.sub(r"[^0-9+]", "", term)
        if digits:
            condition |= Q(phone_digits__icontains=digits)
        qs = qs.filter(condition)
    return qs.order_by("last_name", "first_name", "pk")
