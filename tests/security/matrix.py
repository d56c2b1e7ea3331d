"""Machinery for the permission matrix (issue 6): personas and the expected outcomes.

A row says, for one URL pattern and method, what each persona gets:

    Row("audit:patient", args=lambda w: [w.patient.code], expect={
        "admin": OK, "anonymous": LOGIN, **{p: NOT_FOUND for p in STAFF_AND_PATIENTS}})

`assert_outcome(response, outcome)` checks one answer. The rows for every URL pattern of
the project, and the guard that fails when a pattern has none, are in
tests/security/test_permission_matrix.py (the audit and record pages' rows, from the first
round, stay in test_matrix.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.urls import reverse

from tests import factories as f

PERSONAS = (
    "anonymous",
    "patient",
    "other_patient",
    "practitioner",
    "outsider",
    "reception",
    "admin",
    "deactivated",
)
"""Anonymous; the patient whose records the row's objects are; another patient of the
same clinic; a practitioner and the reception and admin of that clinic; a practitioner
of another clinic; a deactivated user (a former practitioner of the clinic)."""

OK = "ok"  # 200
LOGIN = "login"  # 302 to the login page
NOT_FOUND = "not_found"  # 404: someone else's object, or a page not for this role
GONE = "gone"  # 410: a link that has expired
REDIRECT = "redirect"  # 302 somewhere other than the login page
NOT_ALLOWED = "not_allowed"  # 405
RATE_LIMITED = "rate_limited"  # 429
BAD_REQUEST = "bad_request"  # 400: a form or API body sent back with errors
FORBIDDEN = "forbidden"  # 403: only the JSON API, to a caller who is not logged in
OUTCOMES = {
    OK: 200,
    LOGIN: 302,
    NOT_FOUND: 404,
    GONE: 410,
    REDIRECT: 302,
    NOT_ALLOWED: 405,
    RATE_LIMITED: 429,
    BAD_REQUEST: 400,
    FORBIDDEN: 403,
}


@dataclass(frozen=True)
class Row:
    url_name: str
    expect: dict[str, str]
    method: str = "get"
    args: Callable[[Any], list[Any]] = field(default=lambda world: [])
    data: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})
    label: str = ""  # tells two rows of one URL apart (another object, another case)

    def url(self, world: Any) -> str:
        return reverse(self.url_name, args=self.args(world))

    @property
    def id(self) -> str:
        return f"{self.method} {self.url_name}" + (f" ({self.label})" if self.label else "")


def user_for(world: Any, persona: str) -> Any:
    if persona == "anonymous":
        return None
    if persona == "deactivated":
        user = f.make_user(role="practitioner", clinic=world.clinic, email="gone@example.org")
        user.is_active = False
        user.save()
        return user
    return {
        "patient": world.patient.user,
        "other_patient": world.other_patient.user,
        "practitioner": world.ep.user,
        "outsider": world.outsider.user,
        "reception": world.reception,
        "admin": world.admin,
    }[persona]


def client_for(world: Any, persona: str) -> Client:
    client = Client()
    user = user_for(world, persona)
    if user is not None:
        client.force_login(user)
    return client


def assert_outcome(response: Any, outcome: str, *, where: str = "") -> None:
    status = OUTCOMES[outcome]
    assert response.status_code == status, f"{where}: {response.status_code}, wanted {outcome}"
    if outcome in {LOGIN, REDIRECT}:
        to_login = response["Location"].startswith(reverse("login"))
        assert to_login == (outcome == LOGIN), f"{where}: went to {response['Location']}"
