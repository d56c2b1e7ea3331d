"""Who may see clinical records: practitioners and clinic admins of the record's clinic.

Reception staff run the schedule but never see clinical records; patients and other
clinics' staff neither. All of them get 404, never 403, so codes cannot be probed.
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from clinic.models import Patient, User
from prescriptions.models import Assessment, Exercise, Programme

CLINICIAN_ROLES = frozenset({User.Role.PRACTITIONER, User.Role.CLINIC_ADMIN})


def is_clinician(user: object) -> bool:
    """A logged-in practitioner or clinic admin with a clinic."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.role in CLINICIAN_ROLES
        and user.clinic_id is not None
    )


def clinician_or_404(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not is_clinician(user):
        raise Http404
    return user


def _uuid_or_404(code: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(code))
    except ValueError:
        raise Http404 from None


def get_patient_for_clinician_or_404(request: HttpRequest, code: uuid.UUID | str) -> Patient:
    user = clinician_or_404(request)
    return get_object_or_404(
        Patient.objects.select_related("clinic"), clinic_id=user.clinic_id, code=_uuid_or_404(code)
    )


def get_assessment_for_clinician_or_404(request: HttpRequest, code: uuid.UUID | str) -> Assessment:
    user = clinician_or_404(request)
    return get_object_or_404(
        Assessment.objects.select_related(
            "clinic", "patient", "practitioner", "appointment__service", "previous"
        ),
        clinic_id=user.clinic_id,
        code=_uuid_or_404(code),
    )


def get_programme_for_clinician_or_404(request: HttpRequest, code: uuid.UUID | str) -> Programme:
    user = clinician_or_404(request)
    return get_object_or_404(
        Programme.objects.select_related("clinic", "patient", "practitioner", "assessment"),
        clinic_id=user.clinic_id,
        code=_uuid_or_404(code),
    )


def get_exercise_for_clinician_or_404(request: HttpRequest, code: uuid.UUID | str) -> Exercise:
    """A shipped exercise, or one of the user's clinic's own."""
    user = clinician_or_404(request)
    return get_object_or_404(
        Exercise.objects.filter(Q(clinic__isnull=True) | Q(clinic_id=user.clinic_id)),
        code=_uuid_or_404(code),
    )
