"""Issue 15's joins: the report a funder asks for after a referral's first service is a
task until the signed letter is sent; the letter starts from the referral (the GP's name,
email and the referral date) and carries the patient's goals."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.funding import reports_due
from bookings.models import Appointment
from clinic.models import ReferralReport
from prescriptions.letters.context import NEXT_STEPS_PROMPT
from prescriptions.letters.services import letter_draft, letter_send, letter_sign, letter_update
from prescriptions.notes.services import goal_create
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(world):
    """Pat on a Medicare GPCCMP referral from Dr Mina Ng, one service given under it, a
    signed assessment and a goal."""
    gp = f.make_referrer(world.clinic, email="mina.ng@harbourmed.example")
    referral = f.make_referral(world.patient, by=world.ep.user, referrer=gp)
    f.make_signed_assessment(world.patient, world.ep)
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=2),
    )
    Appointment.objects.filter(pk=visit.pk).update(
        status=Appointment.Status.ATTENDED, referral=referral
    )
    today = timezone.now().astimezone(world.clinic.tz).date()
    goal_create(
        patient=world.patient,
        by=world.ep.user,
        today=today,
        activity="Walk to the shops and back",
        why="To shop on my own",
        measure="PSFS",
        baseline=Decimal(3),
        target=Decimal(6),
        target_date=today + timedelta(weeks=8),
    )
    world.referral = referral
    return world


def _due(w):
    return [(d.referral.pk, d.kind) for d in reports_due(w.clinic)]


def test_the_initial_report_is_a_task_until_the_signed_letter_is_sent(
    referred, client_as_practitioner
):
    w = referred
    assert _due(w) == [(w.referral.pk, "initial")]

    tasks = client_as_practitioner.get(reverse("bookings:referral-reports")).content.decode()
    write = reverse("prescriptions:letter-new", args=[w.patient.code]) + "?report=initial"
    assert write in tasks

    # The letter starts as the initial report to the referring GP, addressed to them.
    page = client_as_practitioner.get(write).content.decode()
    [radio] = re.findall(r"<input[^>]*value=\"initial_gp\"[^>]*>", page)
    assert "checked" in radio, radio
    assert 'value="Dr Mina Ng"' in page and 'value="mina.ng@harbourmed.example"' in page

    letter = letter_draft(
        patient=w.patient,
        practitioner=w.ep,
        kind="initial_gp",
        by=w.ep.user,
        recipient_name="Dr Mina Ng",
        recipient_email="mina.ng@harbourmed.example",
    )
    assert "Walk to the shops and back" in letter.body  # the goal, from the record
    referral_day = w.referral.referral_date
    assert "[date of referral]" not in letter.body
    assert (
        f"{referral_day.day} {referral_day:%B %Y}" in letter.body or "referral" not in letter.body
    )
    letter = letter_update(
        letter=letter,
        shared_with_patient=False,
        recipient_name=letter.recipient_name,
        recipient_email=letter.recipient_email,
        subject=letter.subject,
        body=letter.body.replace(NEXT_STEPS_PROMPT, "Please review her blood pressure."),
    )
    letter = letter_sign(letter=letter, by=w.ep.user)
    assert _due(w) == [(w.referral.pk, "initial")]  # signed, not yet sent: still a task

    letter_send(letter=letter, by=w.ep.user, to_email="mina.ng@harbourmed.example")
    assert _due(w) == []
    sent = ReferralReport.objects.get(referral=w.referral)
    assert sent.kind == "initial" and sent.sent_by == w.ep.user


def test_a_progress_letter_leaves_the_report_due(referred):
    w = referred
    letter = letter_draft(
        patient=w.patient, practitioner=w.ep, kind="progress", by=w.ep.user, recipient_name="GP"
    )
    body = letter.body
    for prompt in ("[", "]"):
        body = body.replace(prompt, "")
    letter = letter_update(
        letter=letter,
        shared_with_patient=False,
        recipient_name="GP",
        recipient_email="",
        subject=letter.subject,
        body=body,
    )
    letter = letter_sign(letter=letter, by=w.ep.user)
    letter_send(letter=letter, by=w.ep.user, to_email="gp@example.org")
    assert _due(w) == [(w.referral.pk, "initial")]
