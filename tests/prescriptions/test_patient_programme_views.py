"""The patient's programme pages: who may see them, the signed link, today's exercises,
logging a session and next-morning pain, the handout and the PDF."""

from __future__ import annotations

import time
from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.tokens import manage_token_for
from prescriptions.models import Programme, SessionLog
from prescriptions.patient_programme.links import programme_link_path, programme_token_for
from prescriptions.programmes.services import (
    programme_create,
    programme_draft_get_or_create,
    programme_item_update,
    programme_publish,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

HIP_THRUST = ("hip-thrust", {"load_kind": "external", "load_kg": 60, "reps": 10, "sets": 3})
CLAM = ("clam", {})


@pytest.fixture(autouse=True)
def _library(db):
    f.load_exercise_library()


@pytest.fixture
def programme(world):
    return f.make_published_programme(
        world.patient,
        world.ep,
        exercises=[HIP_THRUST, CLAM],
        published_at=timezone.now() - timedelta(days=3),
    )


def _today():
    """Today for the patient: the clinic's zone (Sydney), not the server's UTC."""
    return timezone.now().astimezone(ZoneInfo("Australia/Sydney")).date()


def _url(name, programme, *args):
    return reverse(f"prescriptions:{name}", args=[programme.code, *args])


# --- Who sees what ----------------------------------------------------------------------


def test_the_patient_sees_todays_exercises_with_dose_reason_and_steps(client_as_patient, programme):
    r = client_as_patient.get(_url("my-programme", programme))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Hip thrust" in html and "Clam" in html
    assert "3 sets of 10 repetitions" in html
    assert "60 kg" in html
    item = programme.current_version.items.get(order=1)
    assert item.reason and item.reason in html
    assert item.exercise.instructions[0] in html
    assert "Log today&#x27;s session" in html or "Log today's session" in html


@pytest.mark.parametrize(
    "who",
    [
        "client_as_other_patient",
        "client_as_practitioner",
        "client_as_reception",
        "client_as_outsider",
    ],
)
def test_anyone_else_gets_404_on_every_page(request, who, programme):
    client = request.getfixturevalue(who)
    session = f.make_session(programme.current_version, performed_on=_today())
    for url in (
        _url("my-programme", programme),
        _url("my-programme-log", programme),
        _url("my-programme-handout", programme),
        _url("my-programme-pdf", programme),
        _url("my-programme-session", programme, session.code),
        _url("my-programme-morning", programme, session.code),
    ):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_asked_to_log_in(programme):
    r = Client().get(_url("my-programme", programme))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_a_programme_never_published_is_not_there(world, client_as_patient):
    draft = programme_create(
        patient=world.patient, practitioner=world.ep, goal="strength", by=world.ep.user
    )
    assert client_as_patient.get(_url("my-programme", draft)).status_code == 404


def test_the_patient_sees_only_the_current_published_version(world, client_as_patient, programme):
    by = world.ep.user
    draft = programme_draft_get_or_create(programme=programme, by=by)
    programme_item_update(item=draft.items.get(order=1), by=by, load_kg=65)
    programme_publish(programme=programme, by=by, change_note="Heavier hip thrust")
    draft3 = programme_draft_get_or_create(programme=programme, by=by)
    programme_item_update(item=draft3.items.get(order=1), by=by, load_kg=80)
    html = client_as_patient.get(_url("my-programme", programme)).content.decode()
    assert "65 kg" in html and "Version 2" in html and "Heavier hip thrust" in html
    assert "80 kg" not in html and "60 kg" not in html


def test_another_patients_session_is_404_inside_your_own_programme(
    world, client_as_patient, programme
):
    other = f.make_published_programme(world.other_patient, world.ep)
    theirs = f.make_session(other.current_version, performed_on=_today())
    assert (
        client_as_patient.get(_url("my-programme-session", programme, theirs.code)).status_code
        == 404
    )


# --- The signed link --------------------------------------------------------------------


def test_the_signed_link_opens_the_programme_without_a_login(programme):
    path = programme_link_path(programme)
    r = Client().get(path)
    assert r.status_code == 200
    assert b"Hip thrust" in r.content
    assert b'name="robots" content="noindex"' in r.content
    assert Client().get(path + "programme.pdf").status_code == 200


def test_a_tampered_link_is_refused(programme):
    token = programme_token_for(programme)
    bad = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    r = Client().get(reverse("prescriptions:programme-link", args=[bad]))
    assert r.status_code == 404
    assert b"This link has expired or is not valid" in r.content


def test_a_link_for_another_purpose_is_refused(world, programme):
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
    )
    r = Client().get(reverse("prescriptions:programme-link", args=[manage_token_for(visit)]))
    assert r.status_code == 404


def test_an_expired_link_is_refused(programme):
    token = programme_token_for(programme)
    later = time.time() + 91 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        r = Client().get(reverse("prescriptions:programme-link", args=[token]))
    assert r.status_code == 404
    assert b"This link has expired or is not valid" in r.content


def test_a_link_to_an_ended_programme_is_gone(programme):
    Programme.objects.filter(pk=programme.pk).update(status="ended", ended_at=timezone.now())
    r = Client().get(programme_link_path(programme))
    assert r.status_code == 410


def test_the_address_without_a_token_goes_to_the_account_page(client_as_patient, programme):
    r = client_as_patient.get(f"/programmes/{programme.code}/")
    assert r.status_code == 302 and r["Location"] == _url("my-programme", programme)


# --- Handout and PDF ----------------------------------------------------------------------


def test_the_handout_has_the_print_stylesheet_and_every_exercise(client_as_patient, programme):
    r = client_as_patient.get(_url("my-programme-handout", programme))
    assert r.status_code == 200
    html = r.content.decode()
    assert "css/programme.css" in html
    assert "Hip thrust" in html and "Pain: your guide" in html


def test_the_pdf_download_is_a_pdf(client_as_patient, programme):
    r = client_as_patient.get(_url("my-programme-pdf", programme))
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    assert "attachment" in r["Content-Disposition"]
    assert r.content.startswith(b"%PDF-") and b"%%EOF" in r.content[-64:]


# --- Logging a session ------------------------------------------------------------------


def _log_data(programme, **items):
    """POST data for the log form: every item done with good numbers unless overridden."""
    version = programme.current_version
    data = {"version": version.number, "day": _today().isoformat(), "comment": ""}
    for item in version.items.order_by("order"):
        p = f"item{item.order}_"
        data.update({f"{p}done": "on", f"{p}achieved": "10", f"{p}pain": "2", f"{p}rpe": "6"})
        for key, value in items.get(f"item{item.order}", {}).items():
            if value is None:
                data.pop(f"{p}{key}", None)
            else:
                data[f"{p}{key}"] = value
    return data


def test_logging_a_session_saves_it_and_shows_it(client_as_patient, programme):
    data = _log_data(
        programme,
        item1={"load": "62.5"},
        item2={"done": None, "achieved": "", "pain": "", "rpe": ""},
    )
    data["comment"] = "Felt good."
    r = client_as_patient.post(_url("my-programme-log", programme), data)
    session = SessionLog.objects.get()
    assert r.status_code == 302 and r["Location"] == _url(
        "my-programme-session", programme, session.code
    )
    entries = {e.item.order: e for e in session.entries.all()}
    assert (
        entries[1].done,
        entries[1].reps,
        entries[1].load_kg,
        entries[1].pain_during,
        entries[1].rpe,
    ) == (
        True,
        10,
        62.5,
        2,
        6,
    )
    assert (entries[2].done, entries[2].reps) == (False, None)
    assert session.comment == "Felt good." and not session.pain_flag
    page = client_as_patient.get(r["Location"]).content.decode()
    assert "Session saved" in page and "Felt good." in page


def test_pain_above_five_tells_the_patient_to_ease_off_and_flags_it(client_as_patient, programme):
    r = client_as_patient.post(
        _url("my-programme-log", programme), _log_data(programme, item2={"pain": "7"})
    )
    session = SessionLog.objects.get()
    assert session.pain_flag
    assert session.pain_flag_reasons == ["Clamshell: Pain during exercise was 7/10, above 5/10."]
    page = client_as_patient.get(r["Location"]).content.decode()
    assert "Ease the load" in page


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        (
            {"item1": {"pain": "11"}},
            "item1_pain",
            "Hip thrust: enter the pain as a whole number from 0 to 10.",
        ),
        (
            {"item1": {"rpe": "six"}},
            "item1_rpe",
            "Hip thrust: enter how hard it felt as a whole number from 0 to 10.",
        ),
        (
            {"item1": {"achieved": ""}},
            "item1_achieved",
            "Hip thrust: enter how many repetitions you did in your last set.",
        ),
        (
            {"item1": {"achieved": "0"}},
            "item1_achieved",
            "Hip thrust: enter the repetitions as a whole number from 1 to 100.",
        ),
        (
            {"item1": {"load": "heavy"}},
            "item1_load",
            "Hip thrust: enter the weight in kg as a number from 0.5 to 500, like 62.5.",
        ),
        (
            {"item2": {"pain": ""}},
            "item2_pain",
            "Clamshell: enter your pain during it, from 0 to 10.",
        ),
        (
            {"item2": {"done": None}},
            "item2_done",
            "You typed numbers for Clamshell but did not tick it: tick it if you did it, "
            "or clear its numbers.",
        ),
    ],
)
def test_bad_input_is_reported_next_to_its_field_and_nothing_is_saved(
    client_as_patient, programme, override, field, message
):
    r = client_as_patient.post(
        _url("my-programme-log", programme), _log_data(programme, **override)
    )
    assert r.status_code == 400
    assert not SessionLog.objects.exists()
    html = r.content.decode()
    assert f'id="id_{field}_error"' in html
    assert f'href="#id_{field}"' in html  # the error summary links to the field
    assert message.replace("'", "&#x27;") in html


def test_nothing_ticked_is_an_error(client_as_patient, programme):
    data = {"version": 1, "day": _today().isoformat()}
    r = client_as_patient.post(_url("my-programme-log", programme), data)
    assert r.status_code == 400 and not SessionLog.objects.exists()
    assert b"you have not ticked any" in r.content


def test_a_day_outside_the_choices_is_refused(client_as_patient, programme):
    data = _log_data(programme)
    data["day"] = (_today() + timedelta(days=1)).isoformat()
    r = client_as_patient.post(_url("my-programme-log", programme), data)
    assert r.status_code == 400 and not SessionLog.objects.exists()
    assert b"Choose the day you did the session." in r.content


def test_a_session_sent_against_an_older_version_is_not_saved(world, client_as_patient, programme):
    data = _log_data(programme)
    by = world.ep.user
    draft = programme_draft_get_or_create(programme=programme, by=by)
    programme_item_update(item=draft.items.get(order=1), by=by, load_kg=65)
    programme_publish(programme=programme, by=by)
    r = client_as_patient.post(_url("my-programme-log", programme), data)
    assert r.status_code == 302 and r["Location"] == _url("my-programme-log", programme)
    assert not SessionLog.objects.exists()


def test_the_link_holder_can_log_a_session(programme):
    path = programme_link_path(programme)
    r = Client().post(path + "log/", _log_data(programme))
    session = SessionLog.objects.get()
    assert r.status_code == 302 and r["Location"] == f"{path}sessions/{session.code}/"
    assert session.patient == programme.patient


# --- Next-morning pain ------------------------------------------------------------------


def test_morning_pain_2_above_the_usual_flags_the_session(client_as_patient, programme):
    today = _today()
    version = programme.current_version
    f.make_session(
        version,
        performed_on=today - timedelta(days=2),
        morning_pain=2,
        morning_pain_logged_at=timezone.now() - timedelta(days=1),
    )
    yesterday = f.make_session(version, performed_on=today - timedelta(days=1))
    page = client_as_patient.get(_url("my-programme", programme)).content.decode()
    assert "How is your pain this morning?" in page
    r = client_as_patient.post(
        _url("my-programme-morning", programme, yesterday.code), {"morning_pain": "4"}
    )
    assert r.status_code == 302
    yesterday.refresh_from_db()
    assert yesterday.morning_pain == 4 and yesterday.pain_flag
    assert yesterday.pain_flag_reasons == [
        "Next-morning pain was 4/10, 2 above your usual morning pain (2/10): it had not settled."
    ]
    assert "Ease the load" in client_as_patient.get(r["Location"]).content.decode()


def test_morning_pain_out_of_range_is_an_error(client_as_patient, programme):
    yesterday = f.make_session(programme.current_version, performed_on=_today() - timedelta(days=1))
    r = client_as_patient.post(
        _url("my-programme-morning", programme, yesterday.code), {"morning_pain": "12"}
    )
    assert r.status_code == 400
    assert b"Enter your pain this morning as a whole number from 0 to 10." in r.content
    yesterday.refresh_from_db()
    assert yesterday.morning_pain is None


def test_the_account_page_links_to_the_patients_own_programme_only(
    client_as_patient, client_as_other_patient, programme
):
    url = _url("my-programme", programme)
    mine = client_as_patient.get(reverse("bookings:my-appointments")).content.decode()
    assert "Your exercise programme" in mine and url in mine
    theirs = client_as_other_patient.get(reverse("bookings:my-appointments")).content.decode()
    assert url not in theirs and "Your exercise programme" not in theirs
    listing = client_as_patient.get(reverse("prescriptions:my-programmes")).content.decode()
    assert url in listing


def test_today_shows_the_current_phase_and_later_phases_come_up(world, client_as_patient):
    from prescriptions.models import Exercise
    from prescriptions.programmes.services import programme_item_add, programme_phase_add

    by = world.ep.user
    programme = programme_create(
        patient=world.patient, practitioner=world.ep, goal="gt_load_management", by=by
    )
    draft = programme_draft_get_or_create(programme=programme, by=by)
    today = _today()
    past = programme_phase_add(
        version=draft, by=by, name="Settle", starts_on=today - timedelta(days=14)
    )
    now = programme_phase_add(
        version=draft, by=by, name="Build", starts_on=today - timedelta(days=1)
    )
    later = programme_phase_add(
        version=draft, by=by, name="Load", starts_on=today + timedelta(days=7)
    )
    for slug, phase in [
        ("glute-bridge", None),
        ("supine-isometric-hip-abduction", past),
        ("offset-bridge", now),
        ("single-leg-bridge", later),
    ]:
        exercise = Exercise.objects.shipped().get(slug=slug)
        programme_item_add(version=draft, exercise=exercise, by=by, phase=phase)
    programme_publish(programme=programme, by=by)
    html = client_as_patient.get(_url("my-programme", programme)).content.decode()
    today_part, _, coming = html.partition("Coming up")
    assert "Today&#x27;s exercises: Build" in today_part or "Today's exercises: Build" in today_part
    assert "</span> Bridge</h3>" in today_part and "</span> Offset bridge" in today_part
    assert "Lying hip abduction hold" not in html  # its phase is over
    assert "Single-leg bridge" in coming and "Single-leg bridge" not in today_part
    handout = client_as_patient.get(_url("my-programme-handout", programme)).content.decode()
    assert "Load" in handout and "Single-leg bridge" in handout
