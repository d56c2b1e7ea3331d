"""Outcome measures in the assessment pages, re-assessment, the comparison view and the
pre-exercise screening page: what each shows, what it stores, and who may see it."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from prescriptions.assessments.services import (
    assessment_create,
    assessment_sign,
    assessment_update_draft,
)
from prescriptions.models import Assessment, OutcomeResponse, PreExerciseScreening
from prescriptions.outcomes.instruments import SHIPPED
from prescriptions.outcomes.services import ResponseInput, outcome_response_submit_online
from prescriptions.screening.services import screening_record
from tests import factories as f
from tests.prescriptions.test_assessment_views import _edit_data

pytestmark = pytest.mark.django_db

VISA_G = {"1": "7", "2": "5", "3": "5", "4": "7", "5": "5", "6": "7", "7": "4", "8": "10"}


def _today(world):
    return timezone.now().astimezone(world.clinic.tz).date()


@pytest.fixture
def draft(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world),
        conditions=["lateral_hip"],
        involved_side="right",
    )


def _signed(world, *, days_ago, visa_g, pain, force, psfs=None, activities=None):
    assessment = assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world) - timedelta(days=days_ago),
        conditions=["lateral_hip"],
        involved_side="right",
        measures=["VISA-G", "NPRS", "PSFS"],
    )
    responses = {"VISA-G": ResponseInput(visa_g, branch="B")}
    if psfs is not None:
        responses["PSFS"] = ResponseInput(psfs, activities=activities)
    assessment_update_draft(
        assessment=assessment,
        by=world.ep.user,
        fields={"body_mass_kg": Decimal(70), "pain_nprs": pain, "pain_context": "average_24h"},
        results={
            "hhd_abduction": {
                "": {"position": "supine"},
                "left": {"force_n": Decimal(250), "lever_arm_cm": Decimal(40)},
                "right": {"force_n": Decimal(force), "lever_arm_cm": Decimal(40)},
            }
        },
        responses=responses,
    )
    return assessment_sign(assessment=assessment, by=world.ep.user)


@pytest.fixture
def two_signed(world):
    baseline = _signed(
        world,
        days_ago=42,
        visa_g=[5, 2, 2, 5, 2, 5, 4, 5],  # 30
        pain=7,
        force=150,
        psfs=[3, 4],
        activities=[("", "Stairs"), ("", "Sleeping on the left side")],
    )
    activities = [
        (a["id"], a["text"]) for a in baseline.outcome_responses.get(instrument="PSFS").activities
    ]
    current = _signed(
        world,
        days_ago=2,
        visa_g=[8, 7, 7, 7, 5, 7, 7, 15],  # 63
        pain=4,
        force=200,
        psfs=[7, 5],
        activities=activities,
    )
    return baseline, current


def _edit_url(a):
    return reverse("prescriptions:assessment-edit", args=[a.code])


def _post_measures(client, assessment, code, values, **extra):
    changes = {f"measure__{code}__{k}": v for k, v in values.items()}
    changes.update(extra)
    data = _edit_data(client, assessment, **changes)
    return client.post(_edit_url(assessment), data)


# --- Entering a measure in the draft ------------------------------------------------------


def test_the_form_offers_the_conditions_measures_by_item_number(client_as_practitioner, draft):
    page = client_as_practitioner.get(_edit_url(draft)).content.decode()
    assert "Victorian Institute of Sport Assessment - Gluteal (VISA-G)" in page
    assert "Item 2: Lying on the affected side" in page
    assert "Scores 0, 2, 5, 7 or 10." in page
    assert "Item 8: which part did the patient answer?" in page
    assert "Numeric Pain Rating Scale (NPRS)" in page
    assert "Lower Extremity Functional Scale (LEFS)" in page  # offered in the checklist
    assert 'id="id_measure__LEFS__1"' not in page  # but not shown until ticked


def test_a_measure_entered_in_the_form_is_scored_and_stored(client_as_practitioner, draft):
    response = _post_measures(
        client_as_practitioner,
        draft,
        "VISA-G",
        VISA_G,
        **{"measure__VISA-G__branch": "B", "measure__NPRS__1": "6"},
    )
    assert response.status_code == 302
    rows = {r.instrument: r for r in OutcomeResponse.objects.filter(assessment=draft)}
    assert rows["VISA-G"].total == Decimal("50.0") and rows["VISA-G"].branch == "B"
    assert rows["NPRS"].total == Decimal("6.0")
    page = client_as_practitioner.get(_edit_url(draft)).content.decode()
    assert "Score when last saved" in page
    detail = client_as_practitioner.get(draft.get_absolute_url()).content.decode()
    assert "Outcome measures" in detail and ">50<" in detail.replace("</dd>", "<")


def test_a_wrong_answer_is_explained_next_to_its_item_and_nothing_is_lost(
    client_as_practitioner, draft
):
    values = {**VISA_G, "4": "6"}
    response = _post_measures(
        client_as_practitioner, draft, "VISA-G", values, **{"measure__VISA-G__branch": "B"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "VISA-G: Item 4 scores 0, 2, 5, 7 or 10." in page  # the error summary
    assert 'id="id_measure__VISA-G__4_error"' in page
    assert 'value="6"' in page
    assert not OutcomeResponse.objects.exists()


def test_item_8_needs_its_part(client_as_practitioner, draft):
    response = _post_measures(client_as_practitioner, draft, "VISA-G", VISA_G)
    assert "Choose which part of item 8 was answered." in response.content.decode()
    response = _post_measures(
        client_as_practitioner,
        draft,
        "VISA-G",
        {**VISA_G, "8": "24"},
        **{"measure__VISA-G__branch": "B"},
    )
    assert "Item 8 part B scores 0, 5, 10, 15 or 20." in response.content.decode()


def test_prorated_and_not_scorable_are_shown(client_as_practitioner, draft):
    lefs = {str(n): "3" for n in range(1, 19)}
    _post_measures(client_as_practitioner, draft, "LEFS", lefs, measures=["VISA-G", "NPRS", "LEFS"])
    detail = client_as_practitioner.get(draft.get_absolute_url()).content.decode()
    assert "60 (prorated)" in detail and "Prorated from 18 of 20 items." in detail
    lefs = {str(n): ("3" if n < 18 else "") for n in range(1, 21)}
    _post_measures(client_as_practitioner, draft, "LEFS", lefs)
    detail = client_as_practitioner.get(draft.get_absolute_url()).content.decode()
    assert "Not scorable" in detail
    assert "Not scored: 3 items unanswered (at most 2 allowed)." in detail


def test_a_measure_with_answers_cannot_be_unticked(client_as_practitioner, draft):
    _post_measures(client_as_practitioner, draft, "NPRS", {"1": "6"})
    response = _post_measures(
        client_as_practitioner, draft, "NPRS", {"1": "6"}, measures=["VISA-G"]
    )
    assert "NPRS: clear the answers before removing the measure." in response.content.decode()


# --- Re-assess ---------------------------------------------------------------------------


def test_reassess_repeats_the_battery_and_measures_with_empty_fields(
    client_as_practitioner, world, two_signed
):
    _, current = two_signed
    detail = client_as_practitioner.get(current.get_absolute_url()).content.decode()
    url = (
        f"{reverse('prescriptions:assessment-new', args=[world.patient.code])}?from={current.code}"
    )
    assert url.replace("&", "&amp;") in detail or url in detail
    page = client_as_practitioner.get(url)
    assert page.status_code == 200 and "Re-assess" in page.content.decode()
    form = page.context["form"]
    assert form["conditions"].value() == ["lateral_hip"]
    response = client_as_practitioner.post(
        url,
        {
            "practitioner": str(world.ep.code),
            "assessed_on": _today(world).strftime("%d/%m/%Y"),
            "conditions": ["lateral_hip"],
            "involved_side": "right",
        },
    )
    new = Assessment.objects.exclude(pk__in=[a.pk for a in two_signed]).get()
    assert response.status_code == 302
    assert new.battery == current.battery
    assert new.measures == ["VISA-G", "NPRS", "PSFS"]
    assert not new.measurements.exists() and not new.outcome_responses.exists()
    assert new.body_mass_kg is None and new.pain_nprs is None
    # The PSFS activities are carried, with their ids, for re-rating.
    edit = client_as_practitioner.get(_edit_url(new))
    form = edit.context["form"]
    carried = current.outcome_responses.get(instrument="PSFS").activities
    assert form["measure__PSFS__text_1"].value() == "Stairs"
    assert form["measure__PSFS__id_1"].value() == carried[0]["id"]
    assert form["measure__PSFS__1"].value() in (None, "")
    assert "re-rate the same ones" in edit.content.decode()


# --- Comparison --------------------------------------------------------------------------


def test_the_comparison_shows_each_measure_with_its_change_and_verdict(
    client_as_practitioner, world, two_signed
):
    url = reverse("prescriptions:assessment-compare", args=[world.patient.code])
    response = client_as_practitioner.get(url)
    assert response.status_code == 200
    comparison = response.context["comparison"]
    rows = {r.key: r for g in comparison.measures for r in g.rows}
    assert rows["VISA-G.total"].baseline == "30" and rows["VISA-G.total"].current == "63"
    assert rows["VISA-G.total"].difference == "+33.0"
    assert rows["VISA-G.total"].verdict.value == "improved"
    assert rows["PSFS.total"].verdict.value == "improved"  # 3.5 -> 6.0
    activity = [r for k, r in rows.items() if k.startswith("PSFS.") and k != "PSFS.total"]
    assert [r.verdict.value for r in activity] == ["improved", "no important change"]  # +4, +1
    general = {r.key: r for r in comparison.general}
    assert general["pain"].verdict.value == "improved"  # 7 -> 4, same context
    tests = {r.key: r for g in comparison.tests for r in g.rows}
    assert tests["hhd_abduction.right.force_n"].verdict.value == "improved"  # +33%
    assert tests["hhd_abduction.left.force_n"].verdict.value == "no important change"
    assert tests["hhd_abduction.test.lsi"].verdict is None  # no established threshold
    assert tests["hhd_abduction.test.lsi"].baseline == "60.0"
    assert tests["hhd_abduction.test.lsi"].label == "Limb symmetry index (%)"
    page = response.content.decode()
    assert "Improved" in page and "No important change" in page
    # Trend charts, each with a data table for screen readers.
    assert page.count("<svg") >= 3
    assert "Hip abduction strength: limb symmetry index: figures" in page
    assert "Victorian Institute of Sport Assessment - Gluteal (VISA-G): figures" in page


def test_pain_in_different_contexts_gets_no_verdict(client_as_practitioner, world, two_signed):
    _, current = two_signed
    Assessment.objects.filter(pk=current.pk).update(pain_context="now")
    url = reverse("prescriptions:assessment-compare", args=[world.patient.code])
    general = {r.key: r for r in client_as_practitioner.get(url).context["comparison"].general}
    assert general["pain"].verdict is None
    assert general["pain"].basis == "Scored in different contexts: not comparable."


def test_the_comparison_can_pick_two_assessments(client_as_practitioner, world, two_signed):
    baseline, current = two_signed
    url = reverse("prescriptions:assessment-compare", args=[world.patient.code])
    response = client_as_practitioner.get(f"{url}?baseline={current.code}&current={current.code}")
    assert response.context["comparison"] is None
    assert "Choose two different assessments" in response.content.decode()
    response = client_as_practitioner.get(f"{url}?baseline={current.code}&current={baseline.code}")
    assert response.context["baseline"] == baseline  # the older one is the baseline


def test_the_patient_page_lists_measures_and_links_to_the_comparison(
    client_as_practitioner, world, two_signed
):
    url = reverse("bookings:staff-patient-detail", args=[world.patient.code])
    page = client_as_practitioner.get(url).content.decode()
    assert "VISA-G 63" in page and "VISA-G 30" in page
    assert reverse("prescriptions:assessment-compare", args=[world.patient.code]) in page


# --- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_name", ["client_as_reception", "client_as_patient", "client_as_outsider"]
)
def test_reception_patients_and_other_clinics_get_404(request, client_name, world, two_signed):
    client = request.getfixturevalue(client_name)
    code = world.patient.code
    for url in (
        reverse("prescriptions:assessment-compare", args=[code]),
        reverse("prescriptions:screening", args=[code]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("prescriptions:screening", args=[code]), {}).status_code == 404
    assert not PreExerciseScreening.objects.exists()


def test_anonymous_visitors_log_in_first(client, world):
    url = reverse("prescriptions:screening", args=[world.patient.code])
    assert client.get(url)["Location"].startswith(reverse("login"))


def test_the_comparison_of_a_patient_without_signed_assessments_is_404(
    client_as_practitioner, world
):
    url = reverse("prescriptions:assessment-compare", args=[world.patient.code])
    assert client_as_practitioner.get(url).status_code == 404


# --- Online answers attached --------------------------------------------------------------


def _online_nprs(world, value=6):
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
    )
    return outcome_response_submit_online(
        appointment=appointment,
        code="NPRS",
        wording=SHIPPED["NPRS"],
        data=ResponseInput([value]),
        today=_today(world),
    )


def test_online_answers_wait_on_the_patient_page_and_attach_to_a_draft(
    client_as_practitioner, world, draft
):
    row = _online_nprs(world)
    patient_page = client_as_practitioner.get(
        reverse("bookings:staff-patient-detail", args=[world.patient.code])
    ).content.decode()
    assert "Answered online, waiting to be attached" in patient_page
    edit = client_as_practitioner.get(_edit_url(draft)).content.decode()
    assert "Answered online by the patient" in edit and "Attach NPRS" in edit
    url = reverse("prescriptions:response-attach", args=[draft.code, row.code])
    response = client_as_practitioner.post(url)
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.assessment == draft
    edit = client_as_practitioner.get(_edit_url(draft))
    assert edit.context["form"]["measure__NPRS__1"].value() == "6"


@pytest.mark.parametrize(
    "client_name", ["client_as_reception", "client_as_patient", "client_as_outsider"]
)
def test_only_the_clinics_clinicians_can_attach(request, client_name, world, draft):
    row = _online_nprs(world)
    client = request.getfixturevalue(client_name)
    url = reverse("prescriptions:response-attach", args=[draft.code, row.code])
    assert client.post(url).status_code == 404
    row.refresh_from_db()
    assert row.assessment is None


def test_another_patients_answers_cannot_be_attached(client_as_practitioner, world, draft):
    row = _online_nprs(world)
    other = assessment_create(
        patient=world.other_patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world),
        conditions=["acl"],
    )
    url = reverse("prescriptions:response-attach", args=[other.code, row.code])
    assert client_as_practitioner.post(url).status_code == 404


# --- Pre-exercise screening -----------------------------------------------------------


def _screening_data(**changes):
    data = {f"q{n}": "no" for n in range(1, 7)}
    data.update(
        {
            "screened_on": "3/3/2026",
            "light_sessions": "3",
            "light_minutes": "90",
            "moderate_minutes": "30",
            "vigorous_minutes": "20",
        }
    )
    data.update(changes)
    return data


def test_a_clinician_records_a_screening(client_as_practitioner, world):
    url = reverse("prescriptions:screening", args=[world.patient.code])
    page = client_as_practitioner.get(url).content.decode()
    assert "Heart condition diagnosed by a medical practitioner" in page  # the themes ship
    assert "has not loaded the official APSS wording" in page
    response = client_as_practitioner.post(url, _screening_data())
    assert response.status_code == 302
    row = PreExerciseScreening.objects.get()
    assert row.weighted_minutes == 160 and not row.any_yes
    assert row.recorded_by == world.ep.user
    page = client_as_practitioner.get(url).content.decode()
    assert "160 weighted minutes" in page


def test_a_yes_needs_a_note_and_every_question_an_answer(client_as_practitioner, world):
    url = reverse("prescriptions:screening", args=[world.patient.code])
    response = client_as_practitioner.post(url, _screening_data(q2="yes"))
    assert response.status_code == 200
    assert "Say what was advised or done about the yes answer" in response.content.decode()
    data = _screening_data()
    del data["q5"]
    response = client_as_practitioner.post(url, data)
    assert "Answer yes or no to question 5." in response.content.decode()
    response = client_as_practitioner.post(url, _screening_data(light_minutes="lots"))
    assert "Enter the minutes as a whole number." in response.content.decode()
    assert not PreExerciseScreening.objects.exists()


def _screen(world, *, yes=False, days_ago=0):
    return screening_record(
        patient=world.patient,
        screened_on=_today(world) - timedelta(days=days_ago),
        answers=[yes] + [False] * 5,
        activity={},
        wording="themes",
        by=world.ep.user,
        notes="Referred to GP." if yes else "",
    )


def test_a_yes_flags_the_patient_in_the_assessment_and_on_the_schedule(
    client_as_practitioner, client_as_reception, world, draft
):
    _screen(world, yes=True)
    f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 2, 10),
    )
    edit = client_as_practitioner.get(_edit_url(draft)).content.decode()
    assert "Pre-exercise screening: higher risk" in edit
    assert "Question 1: Heart condition" in edit
    detail = client_as_practitioner.get(draft.get_absolute_url()).content.decode()
    assert "Pre-exercise screening: higher risk" in detail
    day = f.next_weekday_at(world.clinic, 2, 10).date().isoformat()
    schedule = reverse("bookings:staff-schedule") + f"?view=day&date={day}&practitioner=all"
    assert "Pre-exercise screening: yes" in client_as_practitioner.get(schedule).content.decode()
    # Reception runs the schedule but sees no clinical flags.
    reception_view = client_as_reception.get(schedule).content.decode()
    assert world.patient.full_name in reception_view
    assert "Pre-exercise screening" not in reception_view


def test_a_rescreen_is_prompted_after_12_months(client_as_practitioner, world, draft):
    _screen(world, days_ago=370)
    page = client_as_practitioner.get(_edit_url(draft)).content.decode()
    assert "Pre-exercise screening due" in page
    assert "The last screening was 12 months ago or more." in page


def test_a_rescreen_is_prompted_after_a_new_condition(client_as_practitioner, world):
    _screen(world, days_ago=30)
    later = assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world),
        conditions=["low_back"],
    )
    page = client_as_practitioner.get(later.get_absolute_url()).content.decode()
    assert "New condition since the last screening: Low back pain." in page


def test_a_current_screening_prompts_nothing(client_as_practitioner, world, draft):
    _screen(world, days_ago=0)
    page = client_as_practitioner.get(_edit_url(draft)).content.decode()
    assert "no yes answers" in page
    assert "Pre-exercise screening due" not in page


def test_the_attach_button_carries_its_csrf_token(world, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.ep.user)
    row = _online_nprs(world)
    url = reverse("prescriptions:response-attach", args=[draft.code, row.code])
    page = client.get(_edit_url(draft)).content.decode()
    form = re.search(rf'<form method="post" action="{url}">(.*?)</form>', page, re.S)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[1])[1]
    assert client.post(url).status_code == 403  # without it
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    row.refresh_from_db()
    assert row.assessment == draft
