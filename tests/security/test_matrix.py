"""Permission-matrix rows for the privacy and audit pages (the matrix machinery is in
tests/security/matrix.py; rows for every other URL and the completeness guard come later)."""

from __future__ import annotations

import json

from django.urls import reverse

import pytest

from tests.security.matrix import LOGIN, NOT_FOUND, OK, PERSONAS, Row, assert_outcome, client_for

pytestmark = pytest.mark.django_db

ONLY_ADMIN = dict.fromkeys(PERSONAS, NOT_FOUND) | {"anonymous": LOGIN, "admin": OK}
ONLY_PATIENTS = dict.fromkeys(PERSONAS, NOT_FOUND) | {
    "anonymous": LOGIN,
    "patient": OK,
    "other_patient": OK,  # their own record: each sees only their own
}

ROWS = [
    Row("audit:activity", ONLY_ADMIN),
    Row("audit:deletions", ONLY_ADMIN),
    Row("audit:patient", ONLY_ADMIN, args=lambda w: [w.patient.code]),
    Row("records:overview", ONLY_PATIENTS),
    Row("records:json", ONLY_PATIENTS),
    Row("records:print", ONLY_PATIENTS),
    Row("records:delete", ONLY_PATIENTS),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.url_name}")
def test_the_matrix(world, row, persona):
    # A deactivated user's session is anonymous: Django refuses inactive users.
    expected = LOGIN if persona == "deactivated" else row.expect[persona]
    client = client_for(world, persona)
    response = getattr(client, row.method)(row.url(world), row.data(world))
    assert_outcome(response, expected, where=f"{persona} {row.url_name}")


def test_each_patient_downloads_only_their_own(world):
    for persona, patient in (("patient", world.patient), ("other_patient", world.other_patient)):
        data = json.loads(client_for(world, persona).get(reverse("records:json")).content)
        assert data["patient"] == str(patient.code)
