"""Who may see or change a record: the one place every view and the API ask.

People, by role (`User.Role`) and clinic:
- staff (practitioners, reception, clinic admins) of one clinic run its schedule: its
  appointments and its patients' contact details (`staff_or_404`);
- clinicians (practitioners and clinic admins) also see and change clinical records:
  assessments, screening, outcome measures, programmes (`clinician_or_404`); reception
  never does;
- clinic admins also read the access log (`clinic_admin_or_404`);
- patients see their own record and nothing else (`own_patient_or_404`,
  `own_record_or_404`).

Everyone else gets 404, never 403, so a record's code cannot be probed. Records are found
by their UUID `code` within the person's clinic (`record_for_staff_or_404`,
`record_for_clinician_or_404`); the caller's queryset brings its own `select_related`.
"""

from __future__ import annotations

import uuid
from typing import TypeGuard

from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest

from clinic.models import Clinic, Patient, User

STAFF_ROLES = frozenset({User.Role.PRACTITIONER, User.Role.RECEPTION, User.Role.CLINIC_ADMIN})
CLINICIAN_ROLES = frozenset({User.Role.PRACTITIONER, User.Role.CLINIC_ADMIN})


def is_staff(user: object) -> TypeGuard[User]:
    """An active member of a clinic's staff (any staff role) with a clinic."""
    return _has_role(user, STAFF_ROLES)


def is_clinician(user: object) -> TypeGuard[User]:
    """An active practitioner or clinic admin with a clinic: may see clinical records."""
    return _has_role(user, CLINICIAN_ROLES)


def is_clinic_admin(user: object) -> TypeGuard[User]:
    return _has_role(user, frozenset({User.Role.CLINIC_ADMIN}))


def _has_role(user: object, roles: frozenset[str]) -> TypeGuard[User]:
    return (
        isinstance(user, User)
        and user.is_active
        and user.role in roles
        and user.clinic_id is not None
    )


def staff_or_404(request: HttpRequest) -> User:
    return _user_if(request, is_staff)


def clinician_or_404(request: HttpRequest) -> User:
    return _user_if(request, is_clinician)


def clinic_admin_or_404(request: HttpRequest) -> User:
    return _user_if(request, is_clinic_admin)


def _user_if(request: HttpRequest, allowed: object) -> User:
    user = request.user
    if not isinstance(user, User) or not callable(allowed) or not allowed(user):
        raise Http404
    return user


def own_patient_or_404(request: HttpRequest) -> Patient:
    """The logged-in patient's own record; 404 for staff and for people with none."""
    user = request.user
    if not isinstance(user, User) or user.is_clinic_staff:
        raise Http404
    patient = Patient.objects.filter(user=user).select_related("clinic").first()
    if patient is None:
        raise Http404
    return patient


def staff_clinic_or_404(request: HttpRequest) -> Clinic:
    """The clinic of the logged-in staff member."""
    clinic = staff_or_404(request).clinic
    if clinic is None:  # is_staff checked clinic_id
        raise Http404
    return clinic


def code_or_404(code: uuid.UUID | str) -> uuid.UUID:
    """A record's code from a URL or a form; 404 when it is not a UUID."""
    try:
        return uuid.UUID(str(code))
    except ValueError:
        raise Http404 from None


def record_for_staff_or_404[M: Model](
    request: HttpRequest, records: QuerySet[M], code: uuid.UUID | str, *, clinic: str = "clinic"
) -> M:
    """The record with this code in the staff member's clinic (`clinic`: the lookup from
    the record to its clinic, such as "practitioner__clinic")."""
    user = staff_or_404(request)
    return _in_clinic(records, code, clinic=clinic, clinic_id=user.clinic_id, shared=False)


def record_for_clinician_or_404[M: Model](
    request: HttpRequest,
    records: QuerySet[M],
    code: uuid.UUID | str,
    *,
    clinic: str = "clinic",
    shared: bool = False,
) -> M:
    """The clinical record with this code in the clinician's clinic; with `shared`, also
    one that belongs to no clinic (the shipped exercise library)."""
    user = clinician_or_404(request)
    return _in_clinic(records, code, clinic=clinic, clinic_id=user.clinic_id, shared=shared)


def _in_clinic[M: Model](
    records: QuerySet[M], code: uuid.UUID | str, *, clinic: str, clinic_id: int | None, shared: bool
) -> M:
    mine = Q(**{f"{clinic}_id": clinic_id})
    if shared:
        mine |= Q(**{f"{clinic}__isnull": True})
    record = records.filter(mine, code=code_or_404(code)).first()
    if record is None:
        raise Http404
    return record


def own_record_or_404[M: Model](
    request: HttpRequest, records: QuerySet[M], code: uuid.UUID | str, *, patient: str = "patient"
) -> M:
    """The logged-in person's own record with this code (`patient`: the lookup from the
    record to its patient); 404 for anyone else's, staff included."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise Http404
    record = records.filter(**{f"{patient}__user_id": user.pk}, code=code_or_404(code)).first()
    if record is None:
        raise Http404
    return record
