"""The booking's health questions (issue 12, pre-visit screening): each says whether a yes
stops online booking or only flags it; "I should only exercise under supervision" flags;
a person who is stopped is kept as an enquiry staff call back; every answer is kept with
the appointment and shown to the clinician on the appointment and patient pages."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

import pytest

from bookings.models import Appointment, ScreeningEnquiry, ScreeningQuestion
from tests import factories as f
from tests.bookings.test_views_booking import NEW_PATIENT, _details_url

pytestmark = pytest.mark.django_db

SUPERVISED = "Has a doctor told you to exercise only under supervision?"
FEVER = "Do you have a fever or cold symptoms today?"


@pytest.fixture
def questions(world):
    return [
        ScreeningQuestion.objects.create(
            clinic=world.clinic, text=FEVER, on_yes="block", display_order=0
        ),
        ScreeningQuestion.objects.create(
            clinic=world.clinic, text=SUPERVISED, on_yes="flag", display_order=1
        ),
    ]


def _answer(world, questions, answers: dict[str, str]):
    client = Client()
    start = f.next_weekday_at(world.clinic, 2, 11)
    r = client.post(_details_url(world.service, "clinic", world.ep, start), NEW_PATIENT)
    assert r["Location"] == reverse("bookings:book-screening")
    page = client.get(r["Location"]).content.decode()
    assert "If yes, we will call you to arrange your visit instead of booking it online." in page
    assert "If yes, you can still book: we tell your practitioner." in page
    r = client.post(
        reverse("bookings:book-screening"),
        {f"q{q.pk}": answers[q.text] for q in questions},
    )
    return client, r


def test_a_yes_that_only_flags_books_and_the_clinician_sees_it(
    world, questions, client_as_practitioner, client_as_reception
):
    client, r = _answer(world, questions, {FEVER: "no", SUPERVISED: "yes"})
    assert r["Location"] == reverse("bookings:book-review")
    client.post(reverse("bookings:book-review"))
    appointment = Appointment.objects.get()
    assert appointment.booking_answers.answers == [
        {"question": FEVER, "answer": "no", "on_yes": "block"},
        {"question": SUPERVISED, "answer": "yes", "on_yes": "flag"},
    ]
    assert not ScreeningEnquiry.objects.exists()
    from bookings.records import appointments

    (entry,) = appointments(appointment.patient).entries
    assert ("health_questions", "Health questions", [f"{FEVER} No", f"{SUPERVISED} Yes"]) in [
        tuple(field) for field in entry.fields
    ]
    for url in (
        reverse("bookings:staff-appointment", args=[appointment.code]),
        reverse("bookings:staff-patient-detail", args=[appointment.patient.code]),
    ):
        page = client_as_practitioner.get(url).content.decode()
        assert "Health questions at booking" in page
        assert "(flagged for you)" in page and SUPERVISED in page
        hidden = client_as_reception.get(url).content.decode()
        assert SUPERVISED not in hidden  # health answers are for clinicians


def test_a_yes_that_stops_keeps_an_enquiry_staff_call_back(
    world, questions, client_as_practitioner, client_as_reception, client_as_outsider
):
    _, r = _answer(world, questions, {FEVER: "yes", SUPERVISED: "yes"})
    assert r.status_code == 200
    page = r.content.decode()
    assert "We may need to see you another way" in page
    assert "someone from the clinic will call you" in page
    assert not Appointment.objects.exists()
    enquiry = ScreeningEnquiry.objects.get()
    assert (enquiry.first_name, enquiry.phone) == (NEW_PATIENT["first_name"], NEW_PATIENT["phone"])
    assert enquiry.stopped_by == [FEVER, SUPERVISED]
    url = reverse("bookings:staff-enquiries")
    page = client_as_reception.get(url).content.decode()
    assert NEW_PATIENT["first_name"] in page and FEVER not in page
    page = client_as_practitioner.get(url).content.decode()
    assert FEVER in page
    assert NEW_PATIENT["first_name"] not in client_as_outsider.get(url).content.decode()
    done = reverse("bookings:staff-enquiry-done", args=[enquiry.code])
    assert client_as_outsider.post(done).status_code == 404
    assert client_as_reception.post(done).status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == "done" and enquiry.handled_at is not None
    assert "No one to call back." in client_as_reception.get(url).content.decode()


def test_the_patients_deletion_removes_their_enquiries(world, questions, client_as_patient):
    from clinic.deletion import patient_deletion_request

    ScreeningEnquiry.objects.create(
        clinic=world.clinic, patient=world.patient, first_name="Pat", answers=[]
    )
    patient_deletion_request(patient=world.patient, requested_by=world.patient.user)
    assert not ScreeningEnquiry.objects.filter(patient=world.patient).exists()
