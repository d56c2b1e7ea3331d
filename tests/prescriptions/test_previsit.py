"""Completing outcome measures (and the pre-exercise screening) online before a visit, from
the signed link in the booking confirmation: what is offered, valid, expired and tampered
links, and where the answers land."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal

from django.core import signing
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.emails import email_context, notification_email
from bookings.models import Appointment, Notification
from bookings.services import appointment_book
from bookings.tokens import manage_token_for
from prescriptions.assessments.services import assessment_create
from prescriptions.models import InstrumentText, OutcomeResponse, PreExerciseScreening
from prescriptions.previsit.questionnaires import (
    PREVISIT_SALT,
    appointment_code_from_previsit_token,
    previsit_offers,
    previsit_token_for,
)
from prescriptions.screening.services import screening_record
from tests import factories as f

pytestmark = pytest.mark.django_db

NPRS_ITEMS = [
    {"number": 1, "text": "Your pain on average this week", "options": []},
]
APSS_ITEMS = [{"number": n, "text": f"Licensed APSS question {n}"} for n in range(1, 7)]


def _today(world):
    return timezone.now().astimezone(world.clinic.tz).date()


@pytest.fixture
def visit(world):
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
    )


def _url(appointment, code=None):
    token = previsit_token_for(appointment)
    if code is None:
        return reverse("prescriptions:previsit", args=[token])
    return reverse("prescriptions:previsit-answer", args=[token, code])


def _load(world, code, items, **kw):
    row = InstrumentText(
        clinic=world.clinic,
        code=code,
        title=kw.pop("title", f"{code} licensed"),
        version="English 2019",
        instructions=kw.pop("instructions", "Licensed instructions."),
        items=items,
        source="Licensed from the publisher",
        licence="Clinic licence",
        **kw,
    )
    row.full_clean()
    row.save()
    return row


def _visa_g_items():
    points = [list(range(11)), *[[0, 2, 5, 7, 10]] * 5, [0, 4, 7, 10]]
    items = [
        {
            "number": n,
            "text": f"Licensed VISA-G item {n}",
            "options": [{"points": p, "label": f"Option worth {p}"} for p in pts],
        }
        for n, pts in enumerate(points, start=1)
    ]
    branches = {"A": [0, 2, 5, 7, 10], "B": [0, 5, 10, 15, 20], "C": [6, 12, 18, 24, 30]}
    items.append(
        {
            "number": 8,
            "text": "Licensed VISA-G item 8",
            "branches": {b: f"Licensed branch {b}" for b in branches},
            "options": [
                {"points": p, "label": f"{b} worth {p}", "branch": b}
                for b, pts in branches.items()
                for p in pts
            ],
        }
    )
    return items


# --- What is offered --------------------------------------------------------------------


def test_a_new_patient_is_offered_the_measures_that_ship_with_wording(world, visit):
    offers = previsit_offers(visit, today=_today(world))
    assert [o.code for o in offers] == ["NPRS", "PSFS"]
    assert offers[0].wording.shipped


def test_licensed_measures_are_offered_only_once_their_text_is_loaded(world, visit):
    assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world),
        conditions=["lateral_hip"],
    )
    assert [o.code for o in previsit_offers(visit, today=_today(world))] == ["NPRS"]
    _load(world, "VISA-G", _visa_g_items())
    assert [o.code for o in previsit_offers(visit, today=_today(world))] == ["VISA-G", "NPRS"]


def test_an_expired_licence_or_a_text_not_offered_online_is_not_offered(world, visit):
    assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world),
        conditions=["lateral_hip"],
    )
    row = _load(world, "VISA-G", _visa_g_items(), licence_expires_on=_today(world) - timedelta(1))
    assert "VISA-G" not in [o.code for o in previsit_offers(visit, today=_today(world))]
    row.licence_expires_on = None
    row.offer_online = False
    row.save()
    assert "VISA-G" not in [o.code for o in previsit_offers(visit, today=_today(world))]


def test_the_screening_is_offered_when_due_and_its_official_wording_is_loaded(world, visit):
    codes = [o.code for o in previsit_offers(visit, today=_today(world))]
    assert "APSS" not in codes  # the themes that ship are never shown to patients
    _load(world, "APSS", APSS_ITEMS)
    assert "APSS" in [o.code for o in previsit_offers(visit, today=_today(world))]
    screening_record(
        patient=world.patient,
        screened_on=_today(world),
        answers=[False] * 6,
        activity={},
        wording="x",
        by=world.ep.user,
    )
    assert "APSS" not in [o.code for o in previsit_offers(visit, today=_today(world))]


# --- The email ---------------------------------------------------------------------------


def test_the_confirmation_email_links_to_the_questions_without_clinical_detail(world):
    appointment = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=f.next_weekday_at(world.clinic, 2, 11),
        patient=world.patient,
        source=Appointment.Source.STAFF,
    )
    rows = Notification.objects.filter(appointment=appointment)
    message = notification_email(rows.get(kind=Notification.Kind.CONFIRMATION))
    html = message.alternatives[0][0]
    found = re.search(r"/before-your-visit/([^/\s\"]+)/", message.body)
    assert found and appointment_code_from_previsit_token(found[1]) == str(appointment.code)
    assert found[0] in html
    assert "answer a few short questions for your clinician" in message.body
    for word in ("NPRS", "PSFS", "pain", "Pain", "VISA", "screening", "Stratford"):
        assert word not in message.body and word not in html, word
    reminder = notification_email(rows.filter(kind=Notification.Kind.REMINDER).first())
    assert "/before-your-visit/" not in reminder.body  # only the confirmation carries it


def test_no_link_when_there_is_nothing_to_answer(world, visit):
    for code in ("NPRS", "PSFS"):
        _load(world, code, NPRS_ITEMS if code == "NPRS" else [], offer_online=False)
    notification = Notification.objects.create(
        patient=world.patient,
        appointment=visit,
        kind=Notification.Kind.CONFIRMATION,
        due_at=timezone.now(),
    )
    assert email_context(notification)["previsit_url"] == ""


# --- The link ----------------------------------------------------------------------------


def test_a_valid_link_lists_the_questionnaires(client, world, visit):
    response = client.get(_url(visit))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Before your visit" in page and "Pain rating" in page
    assert "Patient-Specific Functional Scale" in page
    assert "noindex" in page


def test_a_tampered_link_is_refused(client, world, visit):
    token = previsit_token_for(visit)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(reverse("prescriptions:previsit", args=[tampered]))
    assert response.status_code == 404
    assert "This link has expired or is not valid" in response.content.decode()
    response = client.post(
        reverse("prescriptions:previsit-answer", args=[tampered, "NPRS"]),
        {"measure__NPRS__1": "5"},
    )
    assert response.status_code == 404
    assert not OutcomeResponse.objects.exists()


def test_an_expired_link_is_refused(client, world, visit, monkeypatch):
    long_ago = time.time() - 61 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: long_ago)
    token = previsit_token_for(visit)
    monkeypatch.undo()
    response = client.get(reverse("prescriptions:previsit", args=[token]))
    assert response.status_code == 404
    assert "This link has expired or is not valid" in response.content.decode()


def test_a_link_for_another_purpose_is_refused(client, world, visit):
    manage = manage_token_for(visit)
    assert client.get(reverse("prescriptions:previsit", args=[manage])).status_code == 404
    other = signing.dumps(str(visit.code), salt="another.purpose", compress=False)
    assert client.get(reverse("prescriptions:previsit", args=[other])).status_code == 404
    assert signing.loads(previsit_token_for(visit), salt=PREVISIT_SALT) == str(visit.code)


@pytest.mark.parametrize("change", ["cancelled", "over"])
def test_a_link_stops_working_when_the_visit_is_cancelled_or_over(client, world, visit, change):
    if change == "cancelled":
        Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.CANCELLED)
    else:
        past = timezone.now() - timedelta(days=2)
        Appointment.objects.filter(pk=visit.pk).update(
            start=past, end=past + timedelta(minutes=30), blocked_until=past + timedelta(hours=1)
        )
    assert client.get(_url(visit)).status_code == 404


def test_a_measure_that_is_not_offered_is_refused(client, world, visit):
    assert client.get(_url(visit, "VISA-G")).status_code == 404
    assert client.get(_url(visit, "nonsense")).status_code == 404


# --- Answering ---------------------------------------------------------------------------


def test_the_patients_answers_land_on_their_record(client, world, visit):
    page = client.get(_url(visit, "NPRS")).content.decode()
    assert "On average over the last 24 hours, how bad has your pain been?" in page
    response = client.post(_url(visit, "NPRS"), {"measure__NPRS__1": "6"})
    assert response.status_code == 302
    row = OutcomeResponse.objects.get()
    assert row.patient == world.patient and row.assessment is None
    assert row.source == OutcomeResponse.Source.ONLINE and row.appointment == visit
    assert row.total == Decimal("6.0")
    listing = client.get(_url(visit)).content.decode()
    assert "Done" in listing


def test_the_patient_names_and_rates_their_own_activities(client, world, visit):
    response = client.post(
        _url(visit, "PSFS"),
        {
            "measure__PSFS__text_1": "Walking the dog",
            "measure__PSFS__1": "4",
            "measure__PSFS__text_2": "Stairs at work",
            "measure__PSFS__2": "6",
        },
    )
    assert response.status_code == 302
    row = OutcomeResponse.objects.get(instrument="PSFS")
    assert [a["text"] for a in row.activities] == ["Walking the dog", "Stairs at work"]
    assert row.total == Decimal("5.0")


def test_a_returning_patient_re_rates_the_same_activities(client, world, visit):
    client.post(_url(visit, "PSFS"), {"measure__PSFS__text_1": "Stairs", "measure__PSFS__1": "3"})
    first = OutcomeResponse.objects.get()
    later = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 3, 10, weeks=3),
    )
    page = client.get(_url(later, "PSFS")).content.decode()
    assert "Stairs: how well can you do it now?" in page
    client.post(_url(later, "PSFS"), {"measure__PSFS__1": "7"})
    second = OutcomeResponse.objects.exclude(pk=first.pk).get()
    assert second.activities == first.activities  # same id, same words
    assert second.answers == [7]


def test_an_empty_or_wrong_answer_is_explained(client, world, visit):
    response = client.post(_url(visit, "NPRS"), {})
    assert response.status_code == 200
    assert "Answer the questions, then send them." in response.content.decode()
    response = client.post(_url(visit, "NPRS"), {"measure__NPRS__1": "11"})
    assert response.status_code == 200
    assert "Choose one of the answers." in response.content.decode()
    assert not OutcomeResponse.objects.exists()


def test_licensed_wording_is_shown_to_the_patient(client, world, visit):
    assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world),
        conditions=["lateral_hip"],
    )
    _load(world, "VISA-G", _visa_g_items(), title="VISA-G questionnaire")
    page = client.get(_url(visit, "VISA-G")).content.decode()
    assert "Licensed VISA-G item 3" in page and "Option worth 7" in page
    data = {f"measure__VISA-G__{n}": str(v) for n, v in enumerate([7, 5, 5, 7, 5, 7, 4], 1)}
    data["measure__VISA-G__8"] = "B:10"
    assert client.post(_url(visit, "VISA-G"), data).status_code == 302
    row = OutcomeResponse.objects.get()
    assert row.total == Decimal("50.0") and row.branch == "B"
    assert row.wording == "VISA-G questionnaire, English 2019"


def test_the_patient_answers_the_screening_in_the_official_wording(client, world, visit):
    _load(world, "APSS", APSS_ITEMS, title="Adult pre-exercise screening")
    page = client.get(_url(visit, "APSS")).content.decode()
    assert "Licensed APSS question 4" in page
    data = {f"q{n}": "no" for n in range(1, 7)}
    data.update({"q3": "yes", "moderate_minutes": "100", "vigorous_minutes": "30"})
    assert client.post(_url(visit, "APSS"), data).status_code == 302
    row = PreExerciseScreening.objects.get()
    assert row.any_yes and row.source == PreExerciseScreening.Source.ONLINE
    assert row.weighted_minutes == 160 and row.appointment == visit
    # Done: it is not asked twice for the same visit.
    assert client.get(_url(visit, "APSS")).status_code == 302
