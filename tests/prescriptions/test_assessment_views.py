"""Assessment pages: who may see them, the draft form's validation, sign-off and amendment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.models import User
from prescriptions.assessments.services import (
    assessment_amend,
    assessment_create,
    assessment_sign,
    assessment_update_draft,
)
from prescriptions.models import Assessment
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date(),
        conditions=["lateral_hip"],
        involved_side="left",
    )


@pytest.fixture
def signed(world):
    assessment = assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date() - timedelta(days=7),
        conditions=["acl"],
    )
    assessment_update_draft(
        assessment=assessment,
        by=world.ep.user,
        fields={"body_mass_kg": Decimal(70)},
        results={
            # An ACL-injury-risk screen in Khayambashi's side-lying position (§13.3).
            "hhd_abduction": {
                "": {"position": "side_lying"},
                "left": {"force_n": Decimal(200)},
                "right": {"force_n": Decimal(250)},
            }
        },
    )
    return assessment_sign(assessment=assessment, by=world.ep.user)


def _urls(world, assessment):
    return [
        reverse("prescriptions:assessment-new", args=[world.patient.code]),
        reverse("prescriptions:assessment-detail", args=[assessment.code]),
        reverse("prescriptions:assessment-edit", args=[assessment.code]),
        reverse("prescriptions:assessment-amend", args=[assessment.code]),
    ]


def _edit_data(client, assessment, **changes):
    """The draft form as the browser would post it: every field with its shown value."""
    response = client.get(reverse("prescriptions:assessment-edit", args=[assessment.code]))
    form = response.context["form"]
    data = {}
    for bf in form:
        value = bf.value()
        if value is None or value is False or value in ("", []):
            continue
        if isinstance(value, list):
            data[bf.name] = [str(v) for v in value]
        elif value is True:
            data[bf.name] = "on"
        else:
            data[bf.name] = bf.field.prepare_value(value) if hasattr(bf.field, "spec") else value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _post_edit(client, assessment, **changes):
    data = _edit_data(client, assessment, **changes)
    url = reverse("prescriptions:assessment-edit", args=[assessment.code])
    return client.post(url, data)


# --- Who may see what ---------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["client_as_practitioner", "client_as_admin"])
def test_practitioners_and_clinic_admins_see_the_pages(request, client_name, world, draft):
    client = request.getfixturevalue(client_name)
    for url in _urls(world, draft)[:3]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "client_name", ["client_as_reception", "client_as_patient", "client_as_outsider"]
)
def test_reception_patients_and_other_clinics_get_404(request, client_name, world, signed, draft):
    client = request.getfixturevalue(client_name)
    for assessment in (draft, signed):
        for url in _urls(world, assessment):
            assert client.get(url).status_code == 404, url
        sign = reverse("prescriptions:assessment-sign", args=[assessment.code])
        assert client.post(sign).status_code == 404
    amend = reverse("prescriptions:assessment-amend", args=[signed.code])
    assert client.post(amend, {"reason": "Probe"}).status_code == 404
    edit = reverse("prescriptions:assessment-edit", args=[draft.code])
    assert client.post(edit, {"history": "Probe"}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT and draft.history == ""
    assert Assessment.objects.count() == 2


def test_anonymous_visitors_are_sent_to_log_in(client, world, draft):
    for url in _urls(world, draft):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_patient_page_lists_assessments_with_flags_for_clinicians_only(
    client_as_practitioner, client_as_reception, world, signed
):
    url = reverse("bookings:staff-patient-detail", args=[world.patient.code])
    page = client_as_practitioner.get(url).content.decode()
    assert "Start assessment" in page
    assert signed.get_absolute_url() in page
    assert "Hip abduction at or below 35.4 %BW (29.1 %BW)" in page
    assert "Limb symmetry index below 90%" in page
    hidden = client_as_reception.get(url).content.decode()
    assert "Start assessment" not in hidden
    assert signed.get_absolute_url() not in hidden
    assert "35.4" not in hidden


def test_the_appointment_page_links_to_start_an_assessment(
    client_as_practitioner, client_as_reception, world
):
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
        location=world.location,
    )
    url = reverse("bookings:staff-appointment", args=[appointment.code])
    start = reverse("prescriptions:assessment-new", args=[world.patient.code])
    assert (
        f"{start}?appointment={appointment.code}"
        in client_as_practitioner.get(url).content.decode()
    )
    assert start not in client_as_reception.get(url).content.decode()


# --- Starting ---------------------------------------------------------------------------


def test_starting_from_an_appointment_links_it_and_preselects_the_battery(
    client_as_practitioner, world
):
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=start,
        location=world.location,
    )
    url = reverse("prescriptions:assessment-new", args=[world.patient.code])
    page = client_as_practitioner.get(f"{url}?appointment={appointment.code}")
    form = page.context["form"]
    assert form.initial["appointment"] == str(appointment.code)
    assert form.initial["practitioner"] == str(world.ep.code)
    response = client_as_practitioner.post(
        url,
        {
            "practitioner": str(world.ep.code),
            "assessed_on": start.astimezone(world.clinic.tz).date().isoformat(),
            "appointment": str(appointment.code),
            "conditions": ["patellofemoral"],
            "involved_side": "right",
        },
    )
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("prescriptions:assessment-edit", args=[assessment.code])
    assert assessment.appointment == appointment
    assert assessment.created_by == world.ep.user
    assert assessment.battery == [
        "single_leg_squat",
        "lateral_step_down",
        "hhd_abduction",
        "hhd_extension",
        "hhd_external_rotation",
    ]


def test_the_start_form_explains_its_errors_and_keeps_the_input(client_as_practitioner, world):
    url = reverse("prescriptions:assessment-new", args=[world.patient.code])
    future = (timezone.now() + timedelta(days=3)).date().isoformat()
    response = client_as_practitioner.post(
        url,
        {
            "practitioner": str(world.outsider.code),
            "assessed_on": future,
            "condition_other": "Hamstring strain",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose a practitioner from the list." in page
    assert "The date of the assessment cannot be in the future." in page
    assert 'value="Hamstring strain"' in page
    assert not Assessment.objects.exists()


# --- Editing the draft -------------------------------------------------------------------


def test_saving_the_draft_stores_values_and_shows_what_was_derived(client_as_practitioner, draft):
    response = _post_edit(
        client_as_practitioner,
        draft,
        body_mass_kg="70",
        history="Lateral hip pain for 6 months.",
        **{
            "hhd_abduction__test__position": "supine",
            "hhd_abduction__left__force_n": "180",
            "hhd_abduction__right__force_n": "220",
            "hhd_abduction__left__lever_arm_cm": "40",
            "hhd_abduction__right__lever_arm_cm": "40",
            "trendelenburg__left__time_held_s": "12.5",
            "trendelenburg__left__pelvic_response": "elevates",
            "finding__trunk_lean__left": "on",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.history == "Lateral hip pain for 6 months."
    assert draft.findings == {"trunk_lean": ["left"]}
    values = {(m.test, m.side, m.measure): m.value for m in draft.measurements.all()}
    assert values[("hhd_abduction", "", "position")] == "supine"
    assert values[("hhd_abduction", "", "lsi")] == Decimal("81.8")
    assert values[("trendelenburg", "left", "result")] == "positive_delayed"
    page = client_as_practitioner.get(response["Location"]).content.decode()
    assert "Draft saved." in page
    assert 'value="12.5"' in page
    assert "81.8%" in page
    assert "involved (left) ÷ uninvolved (right), on torque" in page
    # Lateral hip pain tested supine: the ACL-injury-risk cut-off does not apply (§13.3).
    assert "Khayambashi 2016" not in page
    assert "Limb symmetry index below 90%" in page


def test_range_errors_are_explained_next_to_the_field_and_nothing_is_lost(
    client_as_practitioner, draft
):
    response = _post_edit(
        client_as_practitioner,
        draft,
        history="Keep me",
        body_mass_kg="400",
        pain_nprs="11",
        pain_context="now",
        **{
            "trendelenburg__left__time_held_s": "45",
            "trendelenburg__right__time_held_s": "20",
            "hhd_abduction__left__force_n": "1600",
            "sls_pain__right__pain_nprs": "abc",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    for message in (
        "Body mass must be between 20 and 350 kilograms.",
        "Pain score must be between 0 and 10.",
        "Left time held must be between 0 and 30 seconds.",
        "Left peak force must be between 0 and 1500 newtons.",
        "Enter right pain as a number.",
    ):
        assert message in page, message
    # The summary links each error to its field and names the test.
    assert (
        '<a href="#id_trendelenburg__left__time_held_s">Trendelenburg / 30 s single-leg stance: '
        "Left time held must be between 0 and 30 seconds.</a>" in page
    )
    assert 'id="id_trendelenburg__left__time_held_s_error"' in page
    assert 'aria-invalid="true"' in page
    for kept in ('value="45"', 'value="20"', 'value="1600"', 'value="abc"', "Keep me"):
        assert kept in page, kept
    draft.refresh_from_db()
    assert draft.history == "" and draft.body_mass_kg is None
    assert not draft.measurements.exists()


def test_a_ticked_red_flag_needs_a_note_and_shows_a_warning(client_as_practitioner, draft):
    response = _post_edit(client_as_practitioner, draft, red_flags=["night_pain", "trauma"])
    page = response.content.decode()
    assert response.status_code == 200
    assert "Red flags recorded" in page
    assert "Describe the red flags: what you found and what you did about it." in page
    assert 'value="night_pain"' in page and "checked" in page
    response = _post_edit(
        client_as_practitioner,
        draft,
        red_flags=["night_pain"],
        red_flags_note="Night pain since a fall; referred to GP.",
        next="review",
    )
    assert response["Location"] == draft.get_absolute_url()
    page = client_as_practitioner.get(draft.get_absolute_url()).content.decode()
    assert "Constant or unrelenting night pain" in page
    assert "Night pain since a fall; referred to GP." in page


def test_the_step_down_total_must_match_its_items(client_as_practitioner, draft):
    response = _post_edit(
        client_as_practitioner,
        draft,
        battery=[*draft.battery, "lateral_step_down"],
        **{
            "lateral_step_down__left__arm": "yes",
            "lateral_step_down__left__trunk": "no",
            "lateral_step_down__left__pelvis": "no",
            "lateral_step_down__left__knee": "toe",
            "lateral_step_down__left__unsteady": "no",
            "lateral_step_down__left__score": "3",
        },
    )
    assert (
        "The five items add up to 2: correct the items or the total." in response.content.decode()
    )


def test_ticking_a_test_shows_its_fields_and_unticking_one_with_results_is_refused(
    client_as_practitioner, draft
):
    response = _post_edit(client_as_practitioner, draft, battery=[*draft.battery, "y_balance"])
    assert response.status_code == 302
    page = client_as_practitioner.get(response["Location"]).content.decode()
    assert 'id="id_y_balance__left__anterior_cm"' in page
    _post_edit(client_as_practitioner, draft, **{"y_balance__left__anterior_cm": "60"})
    kept = [t for t in draft.battery if t != "y_balance"]
    response = _post_edit(client_as_practitioner, draft, battery=kept)
    assert response.status_code == 200
    assert "Y-balance reach test: clear the recorded results before removing the test." in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert "y_balance" in draft.battery


def test_adding_a_condition_adds_its_tests(client_as_practitioner, draft):
    response = _post_edit(client_as_practitioner, draft, conditions=["lateral_hip", "acl"])
    assert response.status_code == 302
    draft.refresh_from_db()
    assert "y_balance" in draft.battery and "lateral_step_down" in draft.battery
    page = client_as_practitioner.get(response["Location"]).content.decode()
    assert "Added the tests suggested for the new condition" in page


def test_a_stale_draft_is_not_overwritten_and_the_typing_is_kept(
    client_as_practitioner, world, draft
):
    data = _edit_data(client_as_practitioner, draft, history="Mine")
    assessment_update_draft(assessment=draft, by=world.physio.user, fields={"history": "Theirs"})
    url = reverse("prescriptions:assessment-edit", args=[draft.code])
    response = client_as_practitioner.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else saved this assessment after you opened it." in page
    assert "Mine" in page
    draft.refresh_from_db()
    assert draft.history == "Theirs"
    # Saving again, having seen the warning, replaces theirs.
    response = client_as_practitioner.post(url, {**data, "revision": str(draft.revision)})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.history == "Mine"


# --- Sign-off and amendment ---------------------------------------------------------------


def test_signing_off_makes_the_page_read_only(client_as_practitioner, world, draft):
    stale_form = _edit_data(client_as_practitioner, draft, history="Late")
    sign = reverse("prescriptions:assessment-sign", args=[draft.code])
    response = client_as_practitioner.post(sign)
    assert response["Location"] == draft.get_absolute_url()
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.SIGNED
    edit = reverse("prescriptions:assessment-edit", args=[draft.code])
    assert client_as_practitioner.get(edit)["Location"] == draft.get_absolute_url()
    client_as_practitioner.post(edit, stale_form)
    draft.refresh_from_db()
    assert draft.history == ""
    page = client_as_practitioner.get(draft.get_absolute_url()).content.decode()
    assert "Read-only." in page and "Amend" in page and "Sign off" not in page


def test_a_clinic_admin_who_is_not_a_practitioner_cannot_sign(client_as_admin, draft):
    page = client_as_admin.get(draft.get_absolute_url()).content.decode()
    assert "Only a practitioner of this clinic can sign it off." in page
    client_as_admin.post(reverse("prescriptions:assessment-sign", args=[draft.code]))
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT


def test_amending_starts_a_new_version_that_supersedes_when_signed(
    client_as_practitioner, world, signed
):
    url = reverse("prescriptions:assessment-amend", args=[signed.code])
    response = client_as_practitioner.post(url, {"reason": ""})
    assert "Say why the assessment needs amending." in response.content.decode()
    response = client_as_practitioner.post(url, {"reason": "Left and right were swapped."})
    amendment = Assessment.objects.get(previous=signed)
    assert response["Location"] == reverse("prescriptions:assessment-edit", args=[amendment.code])
    page = client_as_practitioner.get(response["Location"]).content.decode()
    assert "Amending version 1." in page and "Left and right were swapped." in page
    assert 'value="200.0"' in page  # the values were copied
    client_as_practitioner.post(reverse("prescriptions:assessment-sign", args=[amendment.code]))
    signed.refresh_from_db()
    assert signed.status == Assessment.Status.SUPERSEDED
    old = client_as_practitioner.get(signed.get_absolute_url()).content.decode()
    assert "Replaced." in old and amendment.get_absolute_url() in old
    new = client_as_practitioner.get(amendment.get_absolute_url()).content.decode()
    assert "Left and right were swapped." in new and "Version 2 (this page)" in new


def test_the_view_page_shows_both_sides_units_derived_values_and_sources(
    client_as_practitioner, signed
):
    page = client_as_practitioner.get(signed.get_absolute_url()).content.decode()
    assert "200.0 N" in page and "250.0 N" in page
    assert "29.1 %BW" in page and "36.4 %BW" in page
    assert "80.0%" in page  # LSI, weaker ÷ stronger
    assert "Hip abduction at or below 35.4 %BW" in page
    assert "Source: Khayambashi 2016 (501 athletes)" in page
    assert "diagnos" in page  # "not diagnoses" disclaimer beside the flags


def test_only_the_latest_signed_version_offers_amend(client_as_practitioner, world, signed):
    assessment_amend(assessment=signed, by=world.ep.user, reason="Fix")
    page = client_as_practitioner.get(signed.get_absolute_url()).content.decode()
    assert "An amendment is in progress" in page
    assert reverse("prescriptions:assessment-amend", args=[signed.code]) not in page


def test_the_django_admin_shows_assessments_read_only(client, signed):
    superuser = User.objects.create_superuser(email="root@example.org", password="x" * 16)
    client.force_login(superuser)
    change = reverse("admin:prescriptions_assessment_change", args=[signed.pk])
    assert client.get(reverse("admin:prescriptions_assessment_changelist")).status_code == 200
    page = client.get(change)
    assert page.status_code == 200
    assert "force_n" in page.content.decode()
    assert client.post(change, {"history": "Edited in admin"}).status_code == 403
    signed.refresh_from_db()
    assert signed.history == ""
