"""seed_demo gives the demo patient a screening, a signed baseline and a signed
re-assessment for lateral hip pain, with outcome measures that show improvement."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

import pytest

from clinic.models import Clinic, Patient
from prescriptions.assessments.comparison import assessment_comparison, signed_assessments
from prescriptions.demo.assessments import demo_assessments
from prescriptions.models import Assessment, OutcomeResponse, PreExerciseScreening

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--without-fortnight", stdout=out)
    return out.getvalue()


def test_the_demo_patient_gets_a_baseline_and_a_reassessment_once():
    output = _seed()
    _seed()  # safe to run twice
    assert "Demo patient's latest signed assessment" in output
    patient = Patient.objects.get(email="demo-patient@example.org")
    assessments = signed_assessments(patient=patient)
    assert len(assessments) == 2
    assert Assessment.objects.filter(patient=patient).count() == 2
    baseline, current = assessments
    assert baseline.conditions == current.conditions == ["lateral_hip"]
    assert baseline.battery == current.battery
    assert (current.assessed_on - baseline.assessed_on).days == 42
    totals = {
        (r.assessment_id, r.instrument): r.total
        for r in OutcomeResponse.objects.filter(patient=patient)
    }
    assert totals[(baseline.pk, "VISA-G")] == Decimal("37.0")
    assert totals[(current.pk, "VISA-G")] == Decimal("60.0")
    psfs = [
        r.activities for r in OutcomeResponse.objects.filter(patient=patient, instrument="PSFS")
    ]
    assert psfs[0] == psfs[1]  # the same activities, re-rated
    assert PreExerciseScreening.objects.filter(patient=patient).count() == 1
    # The function hands back the latest signed assessment, for the demo programme.
    assert demo_assessments(Clinic.objects.get(slug="harbourside")) == current


def test_the_demo_shows_improvement_in_the_comparison():
    _seed()
    patient = Patient.objects.get(email="demo-patient@example.org")
    baseline, current = signed_assessments(patient=patient)
    comparison = assessment_comparison(baseline=baseline, current=current)
    rows = {r.key: r for g in comparison.measures for r in g.rows}
    for key in ("VISA-G.total", "NPRS.total", "PSFS.total"):
        assert rows[key].verdict.value == "improved", key
    assert {r.key: r for r in comparison.general}["pain"].verdict.value == "improved"
    assert comparison.verdicts["worse"] == 0


def test_the_demo_comparison_page_renders(client):
    _seed()
    patient = Patient.objects.get(email="demo-patient@example.org")
    client.force_login(patient.clinic.practitioners.get(user__email="demo-ep@example.org").user)
    url = reverse("prescriptions:assessment-compare", args=[patient.code])
    page = client.get(url).content.decode()
    assert "Change over time" in page and "<svg" in page
