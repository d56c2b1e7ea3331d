"""Hostile input, with Hypothesis: forms and API inputs never fail with a 500, invalid
input saves nothing, valid input round-trips, and markup is shown escaped.

Fast and repeatable for CI: every property is derandomised (the same examples every
run, no example database) with a small `max_examples`. Each example runs in a savepoint
that is rolled back, so examples never see each other's rows.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.forms.public import PatientDetailsForm
from bookings.forms.staff import CancelForm, ScheduleFilterForm
from bookings.models import Appointment
from bookings.tokens import manage_token_for
from clinic.accounts.forms import CodeForm, PasswordResetRequestForm
from clinic.audit_views import ActivityForm, PeriodForm
from clinic.forms import NewPatientForm, PatientSearchForm
from clinic.models import Patient
from tests import factories as f

pytestmark = pytest.mark.django_db

FAST = settings(
    max_examples=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FORMS_ONLY = settings(FAST, max_examples=60)
HEAVY = settings(FAST, max_examples=8)
"""For properties whose every example renders a big page or several."""

# Text a person or a bot might type: any Unicode (control characters and NUL included),
# markup, very long strings, and values that look almost right.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(max_size=400),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "'; DROP TABLE clinic_patient; --",
            "2026-02-30",
            "9999-12-31",
            "0000-00-00",
            "-1",
            "1e309",
            "NaN",
            "🙂" * 200,
            "a" * 5000,
            "00000000-0000-0000-0000-000000000000",
            "all",
            "any",
        ]
    ),
)


def form_data(*names: str) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, nasty_text))


class Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Run one example in a savepoint and undo it; the rate-limit counters go too."""
    cache.clear()
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.STANCE_SIGNUP_RATE_LIMIT = "off"
    settings.STANCE_BOOKING_RATE_LIMIT = "off"
    settings.STANCE_PASSWORD_RESET_RATE_LIMIT = "off"
    settings.STANCE_RESET_EMAILS_PER_ADDRESS = "off"


# --- Forms on their own: validation never raises --------------------------------------


@FORMS_ONLY
@given(
    data=form_data("first_name", "last_name", "email", "phone", "dob_day", "dob_month", "dob_year")
)
def test_the_booking_details_form_only_ever_answers_with_errors(data):
    form = PatientDetailsForm(data, today=date(2026, 3, 3))
    if form.is_valid():
        details = form.patient_details()
        assert "@" in details["email"]
        assert date.fromisoformat(details["date_of_birth"]) <= date(2026, 3, 3)
    else:
        assert form.errors


@FORMS_ONLY
@given(data=form_data("first_name", "last_name", "email", "phone", "date_of_birth"))
def test_the_staff_new_patient_form_only_ever_answers_with_errors(data):
    form = NewPatientForm(data)
    assert form.is_valid() or form.errors


@FORMS_ONLY
@given(
    reason=form_data("reason"),
    search=form_data("q"),
    schedule=form_data("view", "date", "practitioner", "location"),
    code=form_data("code"),
    period=form_data("start", "end", "user"),
)
def test_small_forms_never_raise(reason, search, schedule, code, period):
    for form in (
        CancelForm(reason),
        PatientSearchForm(search),
        ScheduleFilterForm(schedule, practitioners=[], locations=[]),
        CodeForm(code),
        PeriodForm(period),
        ActivityForm(period, users=[]),
    ):
        assert form.is_valid() or form.errors


# --- Through the views: no 500, nothing saved when invalid ---------------------------


def _visit(world) -> Appointment:
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 0, 10),
    )


def _details_url(world, start) -> str:
    from urllib.parse import urlencode

    query = {
        "service": world.telehealth.code,
        "modality": "telehealth",
        "practitioner": world.ep.code,
        "start": start.isoformat(),
        "location": "",
    }
    return reverse("bookings:book-details") + "?" + urlencode(query)


@FAST
@given(
    data=form_data("first_name", "last_name", "email", "phone", "dob_day", "dob_month", "dob_year")
)
def test_the_public_details_step_survives_anything(world, data):
    url = _details_url(world, f.next_weekday_at(world.clinic, 0, 10))
    with rolled_back():
        patients = Patient.objects.count()
        response = Client().post(url, data)
        assert response.status_code in {200, 302}
        if response.status_code == 200:  # errors shown, the draft not started
            assert "There is a problem" in response.content.decode()
        assert Patient.objects.count() == patients  # details alone never save a patient


@FAST
@given(params=form_data("service", "modality", "practitioner", "start", "location", "tz", "keep"))
def test_booking_links_with_any_query_never_fail(world, params):
    with rolled_back():
        response = Client().get(reverse("bookings:book-details"), params)
        assert response.status_code < 500


@FAST
@given(data=form_data("first_name", "last_name", "email", "phone", "date_of_birth"))
def test_staff_adding_a_patient_saves_exactly_what_is_valid(world, data):
    with rolled_back():
        client = Client()
        client.force_login(world.reception)
        before = Patient.objects.count()
        response = client.post(reverse("bookings:staff-book"), data)
        assert response.status_code in {200, 302}
        form = NewPatientForm(data)
        if not form.is_valid():
            assert response.status_code == 200
            assert Patient.objects.count() == before
        else:
            assert response.status_code == 302
            clean = form.cleaned_data
            saved = Patient.objects.get(clinic=world.clinic, email__iexact=clean["email"])
            if Patient.objects.count() == before + 1:  # new, not matched: round-trips
                assert saved.first_name == clean["first_name"].strip()
                assert saved.last_name == clean["last_name"].strip()
                assert saved.phone == clean["phone"].strip()
                assert saved.date_of_birth == clean["date_of_birth"]


@HEAVY
@given(data=form_data("reason"))
def test_staff_cancelling_with_any_reason(world, data):
    with rolled_back():
        appointment = _visit(world)
        client = Client()
        client.force_login(world.reception)
        response = client.post(reverse("bookings:staff-cancel", args=[appointment.code]), data)
        assert response.status_code in {200, 302}
        appointment.refresh_from_db()
        form = CancelForm(data)
        valid = form.is_valid()
        assert (appointment.status == Appointment.Status.CANCELLED) == valid
        if valid:
            assert appointment.cancellation_reason == form.cleaned_data["reason"]


@HEAVY
@given(params=form_data("view", "date", "practitioner", "location"))
def test_the_schedule_with_any_filters(world, params):
    with rolled_back():
        client = Client()
        client.force_login(world.reception)
        assert client.get(reverse("bookings:staff-schedule"), params).status_code == 200


@HEAVY
@given(params=form_data("user", "start", "end", "page"))
def test_the_audit_reports_with_any_filters(world, params):
    with rolled_back():
        client = Client()
        client.force_login(world.admin)
        assert client.get(reverse("audit:activity"), params).status_code == 200
        url = reverse("audit:patient", args=[world.patient.code])
        assert client.get(url, params).status_code == 200


@HEAVY
@given(data=form_data("username", "password"), reset=form_data("email"), code=form_data("code"))
def test_account_forms_survive_anything(world, data, reset, code):
    with rolled_back():
        assert Client().post(reverse("login"), data).status_code in {200, 302, 429}
        form = PasswordResetRequestForm(reset)
        assert form.is_valid() or form.errors
        assert Client().post(reverse("password_reset"), reset).status_code in {200, 302}
        client = Client()
        client.force_login(world.ep.user)
        assert client.post(reverse("accounts:mfa-verify"), code).status_code in {200, 302}


@FAST
@given(data=form_data("confirm", "password"))
def test_the_delete_account_page_deletes_only_on_the_right_password(world, data):
    with rolled_back():
        client = Client()
        client.force_login(world.patient.user)
        response = client.post(reverse("records:delete"), data)
        assert response.status_code in {302, 400}
        world.patient.user.refresh_from_db()
        assert world.patient.user.is_active == (response.status_code == 400)


# --- Assessments ----------------------------------------------------------------------


@FAST
@given(
    data=form_data(
        "practitioner",
        "assessed_on",
        "appointment",
        "conditions",
        "condition_other",
        "involved_side",
    )
)
def test_starting_an_assessment_with_anything(world, data):
    from prescriptions.models import Assessment

    with rolled_back():
        client = Client()
        client.force_login(world.ep.user)
        url = reverse("prescriptions:assessment-new", args=[world.patient.code])
        before = Assessment.objects.count()
        response = client.post(url, data)
        assert response.status_code in {200, 302}
        assert (Assessment.objects.count() == before + 1) == (response.status_code == 302)


@HEAVY
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "revision",
                "history",
                "goals_note",
                "pain_nprs",
                "pain_context",
                "body_mass_kg",
                "resting_sbp",
                "resting_dbp",
                "resting_hr",
                "red_flags_note",
                "findings_note",
                "reference_sex",
                "next",
            ]
        ),
        nasty_text,
        max_size=8,
    )
)
def test_saving_a_draft_with_anything(world, data):
    from prescriptions.assessments.services import assessment_create
    from prescriptions.models import Assessment

    with rolled_back():
        draft = assessment_create(
            patient=world.patient,
            practitioner=world.ep,
            created_by=world.ep.user,
            assessed_on=timezone.now().astimezone(world.clinic.tz).date(),
            conditions=["lateral_hip"],
            involved_side="left",
        )
        client = Client()
        client.force_login(world.ep.user)
        url = reverse("prescriptions:assessment-edit", args=[draft.code])
        response = client.post(url, data)
        assert response.status_code in {200, 302}
        if response.status_code == 200:
            assert Assessment.objects.get(pk=draft.pk).revision == draft.revision


# --- The JSON API ---------------------------------------------------------------------

json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), nasty_text
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3),
    max_leaves=8,
)


@FAST
@given(
    body=st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(
            ("service", "practitioner", "modality", "start", "location", "booking_request_id"),
            json_value,
        )
        | {
            "patient": st.fixed_dictionaries(
                {},
                optional=dict.fromkeys(
                    ("first_name", "last_name", "email", "phone", "date_of_birth"), json_value
                ),
            )
        },
    )
)
def test_api_booking_with_any_json(world, body):
    with rolled_back():
        before = (Patient.objects.count(), Appointment.objects.count())
        response = Client().post(
            reverse("bookings:api-appointment-create"),
            json.dumps(body),
            content_type="application/json",
        )
        assert response.status_code in {200, 201, 400, 409}
        if response.status_code == 400:
            assert (Patient.objects.count(), Appointment.objects.count()) == before


@FAST
@given(params=form_data("service", "start", "end", "practitioner", "modality"))
def test_api_availability_with_any_query(world, params):
    with rolled_back():
        response = Client().get(reverse("bookings:api-availability"), params)
        assert response.status_code in {200, 400}


@FAST
@given(params=form_data("token"), body=json_value)
def test_api_appointment_reads_with_any_token_or_body(world, params, body):
    with rolled_back():
        appointment = _visit(world)
        client = Client()
        detail = reverse("bookings:api-appointment-detail", args=[appointment.code])
        assert client.get(detail, params).status_code == 404
        cancel = reverse("bookings:api-appointment-cancel", args=[appointment.code])
        url = cancel + ("?token=" + params["token"] if "token" in params else "")
        response = client.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 404
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.BOOKED


# --- Markup is shown as text ----------------------------------------------------------

markup = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><svg onload=alert(1)>',
        "<b>bold</b>",
        "Tom & <i>Jerry</i>",
    ]
)


@FAST
@given(name=markup, reason=markup)
def test_markup_from_patients_and_staff_is_escaped_where_shown(world, name, reason):
    with rolled_back():
        patient = f.make_patient(world.clinic, first_name=name, last_name=name)
        appointment = f.make_appointment(
            patient=patient,
            practitioner=world.ep,
            service=world.service,
            start=f.next_weekday_at(world.clinic, 0, 10),
            status=Appointment.Status.CANCELLED,
            cancellation_reason=reason,
        )
        client = Client()
        client.force_login(world.reception)
        pages = [
            client.get(reverse("bookings:staff-patient-detail", args=[patient.code])),
            client.get(reverse("bookings:staff-appointment", args=[appointment.code])),
            client.get(reverse("bookings:staff-patient-list"), {"q": name}),
        ]
        for page in pages:
            body = page.content.decode()
            assert page.status_code == 200
            assert name not in body
            assert reason not in body
        assert "&lt;" in pages[0].content.decode()


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000],
    ids=["deep-array", "deep-object"],
)
def test_a_deeply_nested_json_body_is_a_400_not_a_500(world, body):
    cache.clear()  # the booking rate limit
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 0, 10),
    )
    token = manage_token_for(appointment)
    for url in (
        "/api/v1/appointments/",
        f"/api/v1/appointments/{appointment.code}/cancel/?token={token}",
    ):
        response = Client().post(url, body, content_type="application/json")
        assert response.status_code == 400, url
        assert "nested too deeply" in response.json()["detail"]


BIDI_NAME = "Ro\u202ebin\u2066"


def test_names_lose_the_characters_that_reorder_text_in_forms_and_the_api(world):
    cache.clear()  # the booking rate limit
    form = NewPatientForm(
        data={
            "first_name": BIDI_NAME,
            "last_name": "\u202dExample",
            "email": "robin.bidi@example.org",
            "phone": "0400 111 222",
            "date_of_birth": "1990-05-17",
        }
    )
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["first_name"], form.cleaned_data["last_name"]) == ("Robin", "Example")

    body = {
        "service": str(world.service.code),
        "practitioner": str(world.ep.code),
        "modality": "clinic",
        "start": f.next_weekday_at(world.clinic, 0, 10).isoformat(),
        "patient": {
            "first_name": BIDI_NAME,
            "last_name": "\u2067\u2069",  # nothing but controls: blank
            "email": "robin.api@example.org",
            "phone": "0400 111 222",
            "date_of_birth": "1990-05-17",
        },
    }
    response = Client().post(
        "/api/v1/appointments/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert "last_name" in response.json()["patient"]
    body["patient"]["last_name"] = "Exam\u202aple"
    response = Client().post(
        "/api/v1/appointments/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201
    patient = Patient.objects.get(email="robin.api@example.org")
    assert (patient.first_name, patient.last_name) == ("Robin", "Example")


def test_the_database_refuses_a_name_with_a_reordering_character(world):
    from django.db import IntegrityError

    world.patient.first_name = BIDI_NAME
    with pytest.raises(IntegrityError), transaction.atomic():
        world.patient.save()
