"""The session player without JavaScript: one exercise a page, answers kept in the server
session (Back loses nothing), a finish page that records the session once through the
session-log service (the pain rule runs), and "My programme" where a patient looks."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Notification
from clinic.models import AccessLog
from prescriptions.models import PainFlag, SessionLog
from prescriptions.patient_programme.links import programme_token_for
from tests import factories as f

pytestmark = pytest.mark.django_db

HIP_THRUST = ("hip-thrust", {"load_kind": "external", "load_kg": 60, "reps": 10, "sets": 3})


@pytest.fixture(autouse=True)
def _library(db):
    f.load_exercise_library()


@pytest.fixture
def programme(world):
    return f.make_published_programme(
        world.patient,
        world.ep,
        exercises=[HIP_THRUST, ("clam", {})],
        published_at=timezone.now() - timedelta(days=3),
    )


def _play(programme, *rest):
    return reverse("prescriptions:my-programme-play", args=[programme.code]) + "".join(rest)


DID_IT = {"done": "yes", "sets_done": "3", "achieved": "10", "pain": "2", "feel": "about_right"}


def _finish(client, programme, **extra):
    page = client.get(_play(programme, "finish/"))
    client_id = page.context["state"].client_id
    data = {"client_id": client_id, "day": page.context["form"].fields["day"].choices[0][0]}
    return client.post(_play(programme, "finish/"), data | extra), client_id


def test_a_patient_plays_a_whole_session_one_exercise_a_page(client_as_patient, programme):
    start = client_as_patient.get(_play(programme))
    assert start.status_code == 302 and start["Location"] == _play(programme, "1/")
    first = client_as_patient.get(_play(programme, "1/"))
    html = first.content.decode()
    assert "Exercise 1 of 2" in html and "Hip thrust" in html
    assert "3 sets of 10 repetitions" in html  # the dose in words
    assert "<details" in html  # instructions folded until asked for
    assert 'value="3"' in html  # sets done starts at the prescription

    r = client_as_patient.post(_play(programme, "1/"), DID_IT)
    assert r.status_code == 302 and r["Location"] == _play(programme, "2/")
    # Back: the first exercise shows what was answered.
    back = client_as_patient.get(_play(programme, "1/")).content.decode()
    assert 'value="about_right"' in back and "checked" in back
    r = client_as_patient.post(_play(programme, "2/"), {"done": "no"})
    assert r["Location"] == _play(programme, "finish/")

    finish = client_as_patient.get(_play(programme, "finish/")).content.decode()
    assert "done, 3 sets, pain 2/10" in finish and "skipped" in finish
    response, client_id = _finish(client_as_patient, programme, comment="Felt good")
    session = SessionLog.objects.get()
    assert response["Location"].endswith(f"/sessions/{session.code}/")
    assert str(session.client_id) == client_id and session.comment == "Felt good"
    entries = {e.item.order: e for e in session.entries.all()}
    assert (entries[1].done, entries[1].sets_done, entries[1].reps) == (True, 3, 10)
    assert (entries[1].pain_during, entries[1].feel) == (2, "about_right")
    assert entries[2].done is False and entries[2].sets_done is None
    assert AccessLog.objects.filter(action="change", record_code=session.code).exists()


def test_a_finish_sent_twice_is_recorded_once(client_as_patient, programme):
    client_as_patient.post(_play(programme, "1/"), DID_IT)
    client_as_patient.post(_play(programme, "2/"), DID_IT)
    page = client_as_patient.get(_play(programme, "finish/"))
    data = {"client_id": page.context["state"].client_id, "day": "x"}
    data["day"] = page.context["form"].fields["day"].choices[0][0]
    first = client_as_patient.post(_play(programme, "finish/"), data)
    again = client_as_patient.post(_play(programme, "finish/"), data)  # the phone resends it
    assert first["Location"] == again["Location"]
    assert SessionLog.objects.count() == 1


def test_pain_above_the_limit_runs_the_pain_rule_and_tells_the_practitioner(
    client_as_patient, programme, world, django_capture_on_commit_callbacks
):
    client_as_patient.post(_play(programme, "1/"), DID_IT | {"pain": "8"})
    client_as_patient.post(_play(programme, "2/"), {"done": "no"})
    with django_capture_on_commit_callbacks():
        _finish(client_as_patient, programme)
    session = SessionLog.objects.get()
    assert session.pain_flag
    flag = PainFlag.objects.get()
    assert flag.notification.kind == Notification.Kind.PAIN_FLAG
    assert flag.notification.recipient == world.ep.user


def test_each_problem_is_named_and_nothing_typed_is_lost(client_as_patient, programme):
    r = client_as_patient.post(
        _play(programme, "1/"), {"done": "yes", "sets_done": "0", "achieved": "ten"}
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "There is a problem" in html
    assert "Enter the sets you did, from 1 to 10." in html
    assert "Enter the repetitions of your last set" in html
    assert "Choose your pain during Hip thrust, from 0 to 10." in html
    assert 'value="ten"' in html
    r = client_as_patient.post(_play(programme, "1/"), {})
    assert "Say whether you did this exercise." in r.content.decode()


def test_finishing_with_an_exercise_unanswered_sends_the_patient_back_to_it(
    client_as_patient, programme
):
    client_as_patient.post(_play(programme, "1/"), DID_IT)
    response, _ = _finish(client_as_patient, programme)
    assert response.status_code == 400
    assert "Some exercises have no answer yet" in response.content.decode()
    assert not SessionLog.objects.exists()


def test_skipping_everything_is_refused_by_the_service(client_as_patient, programme):
    client_as_patient.post(_play(programme, "1/"), {"done": "no"})
    client_as_patient.post(_play(programme, "2/"), {"done": "no"})
    response, _ = _finish(client_as_patient, programme)
    assert response.status_code == 400
    assert "Tick at least one exercise you did." in response.content.decode()


def test_no_such_step_is_404_and_other_people_get_404(
    client_as_patient, client_as_other_patient, client_as_practitioner, programme
):
    assert client_as_patient.get(_play(programme, "3/")).status_code == 404
    assert client_as_patient.get(_play(programme, "0/")).status_code == 404
    for client in (client_as_other_patient, client_as_practitioner):
        assert client.get(_play(programme, "1/")).status_code == 404


def test_the_signed_link_plays_the_session_too(client, programme):
    token = programme_token_for(programme)
    base = reverse("prescriptions:programme-link-play", args=[token])
    assert client.get(base)["Location"] == f"{base}1/"
    assert client.post(f"{base}1/", DID_IT)["Location"] == f"{base}2/"
    assert client.post(f"{base}2/", DID_IT)["Location"] == f"{base}finish/"
    page = client.get(f"{base}finish/")
    data = {
        "client_id": page.context["state"].client_id,
        "day": page.context["form"].fields["day"].choices[0][0],
    }
    response = client.post(f"{base}finish/", data)
    assert response.status_code == 302
    assert SessionLog.objects.count() == 1


def test_my_programme_is_in_the_navigation_and_on_the_front_page(
    client_as_patient, client_as_other_patient, programme
):
    url = reverse("prescriptions:my-programme", args=[programme.code])
    nav = client_as_patient.get(reverse("bookings:my-appointments")).content.decode()
    assert f'href="{url}">My programme</a>' in nav
    home = client_as_patient.get(reverse("home")).content.decode()
    assert "Start today&#x27;s session" in home or "Start today's session" in home
    assert _play(programme) in home
    # Someone with no programme sees neither.
    other = client_as_other_patient.get(reverse("home")).content.decode()
    assert "My programme" not in other


def test_an_ended_programme_has_no_session_to_play(client_as_patient, programme, world):
    from prescriptions.programmes.services import programme_end

    programme_end(programme=programme, by=world.ep.user)
    r = client_as_patient.get(_play(programme))
    assert r.status_code == 302
    assert r["Location"] == reverse("prescriptions:my-programme", args=[programme.code])
    assert client_as_patient.get(_play(programme, "1/")).status_code == 404
    nav = client_as_patient.get(reverse("home")).content.decode()
    assert "Start today" not in nav
