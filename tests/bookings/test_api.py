"""The JSON API: catalogue, availability, booking, reading and cancelling, the schema and
the documentation page."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from drf_spectacular.validation import validate_schema

from bookings.models import Appointment
from bookings.selectors import available_slots
from bookings.serializers import SlotOutputSerializer, slot_rows
from bookings.tokens import appointment_code_from_manage_token, manage_token_for
from clinic.models import Patient, User
from tests import factories as f

pytestmark = pytest.mark.django_db

SERVICES = reverse("bookings:api-service-list")
PRACTITIONERS = reverse("bookings:api-practitioner-list")
AVAILABILITY = reverse("bookings:api-availability")
BOOK = reverse("bookings:api-appointment-create")
MINE = reverse("bookings:api-my-appointments")
SYDNEY_OFFSET = re.compile(r"T\d\d:\d\d:\d\d\+1[01]:00$")
SLOT_KEYS = {"start", "end", "practitioner", "modality", "location"}
APPOINTMENT_KEYS = {
    "id",
    "start",
    "end",
    "status",
    "modality",
    "service",
    "practitioner",
    "location",
    "video_url",
    "manage_token",
}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The booking rate limit counts in the cache; every test starts with a clean slate."""
    cache.clear()
    yield
    cache.clear()


def detail_url(appointment, suffix=""):
    name = "bookings:api-appointment-cancel" if suffix else "bookings:api-appointment-detail"
    return reverse(name, args=[appointment.code])


def booking(world, start, **overrides):
    body = {
        "service": str(world.service.code),
        "practitioner": str(world.ep.code),
        "modality": "clinic",
        "start": start.isoformat(),
        "patient": {
            "first_name": "Robin",
            "last_name": "Example",
            "email": "robin@example.org",
            "phone": "0400 111 222",
            "date_of_birth": "1990-05-17",
        },
    }
    body.update(overrides)
    return body


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def availability(client, **params):
    return client.get(AVAILABILITY, params)


def monday(world, weeks=1):
    return f.next_weekday_at(world.clinic, 0, 10, weeks=weeks).date()


# --- Catalogue ------------------------------------------------------------------------


def test_it_lists_the_services_patients_can_book_online(client, world):
    f.make_service(world.clinic, [world.ep], name="Retired", is_active=False)
    f.make_service(world.clinic, [world.ep], name="Staff only", bookable_online=False)

    r = client.get(SERVICES)

    assert r.status_code == 200
    by_name = {s["name"]: s for s in r.json()}
    assert set(by_name) == {
        "Follow-up",
        "Initial assessment",
        "Telehealth review",
        "Physiotherapy assessment",
    }
    follow_up = by_name["Follow-up"]
    assert set(follow_up) == {
        "id",
        "name",
        "description",
        "duration_minutes",
        "buffer_after_minutes",
        "modalities",
        "audience",
        "practitioners",
        "clinic",
    }
    assert follow_up["id"] == str(world.service.code)
    assert follow_up["duration_minutes"] == 30
    assert follow_up["modalities"] == ["clinic", "telehealth"]
    assert by_name["Telehealth review"]["modalities"] == ["telehealth"]
    assert by_name["Initial assessment"]["buffer_after_minutes"] == 15
    assert set(follow_up["practitioners"]) == {str(world.ep.code), str(world.physio.code)}
    assert follow_up["clinic"] == {"name": world.clinic.name, "timezone": "Australia/Sydney"}


def test_the_service_list_costs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for n in range(5):
        f.make_service(world.clinic, [world.ep, world.physio], name=f"Extra {n}")
    with django_assert_max_num_queries(3):
        assert client.get(SERVICES).status_code == 200


def test_the_practitioner_list_costs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    for n in range(5):
        p = f.make_practitioner(world.clinic, display_name=f"Extra {n}")
        p.locations.set([world.location])
        world.service.practitioners.add(p)
    with django_assert_max_num_queries(3):
        assert client.get(PRACTITIONERS).status_code == 200


def test_it_lists_active_practitioners_with_their_services_and_locations(client, world):
    f.make_practitioner(world.clinic, display_name="Gone Away", is_active=False)

    r = client.get(PRACTITIONERS)

    assert r.status_code == 200
    by_id = {p["id"]: p for p in r.json()}
    assert "Gone Away" not in {p["name"] for p in r.json()}
    ep = by_id[str(world.ep.code)]
    assert set(ep) == {"id", "name", "profession", "bio", "services", "locations"}
    assert ep["name"] == "Sam Lee"
    assert ep["profession"] == "ep"
    assert set(ep["services"]) == {
        str(world.service.code),
        str(world.initial.code),
        str(world.telehealth.code),
    }
    assert sorted(ep["locations"], key=lambda loc: loc["id"]) == [
        {"id": world.location.id, "name": "Surry Hills rooms"},
        {"id": world.second_location.id, "name": "Parramatta rooms"},
    ]
    assert by_id[str(world.physio.code)]["profession"] == "physio"


# --- Availability ---------------------------------------------------------------------


def test_availability_matches_the_selector_with_sydney_offsets(client, world):
    start = monday(world)
    end = start + timedelta(days=1)

    r = availability(client, service=world.service.code, start=start, end=end)

    assert r.status_code == 200
    slots = r.json()["slots"]
    expected = available_slots(
        service=world.service, start_date=start, end_date=end, now=timezone.now()
    )
    assert len(slots) == len(expected) > 0
    codes = {world.ep.pk: str(world.ep.code), world.physio.pk: str(world.physio.code)}
    for got, want in zip(slots, expected, strict=True):
        assert set(got) == SLOT_KEYS
        assert SYDNEY_OFFSET.search(got["start"])
        assert got["start"] == want.start.astimezone(world.clinic.tz).isoformat()
        assert got["end"] == want.end.astimezone(world.clinic.tz).isoformat()
        assert datetime.fromisoformat(got["start"]) == want.start
        assert got["practitioner"] == codes[want.practitioner_id]
        assert got["modality"] == want.modality
        assert got["location"] == want.location_id
    first = slots[0]
    assert first["start"].startswith(f"{start.isoformat()}T09:00:00+1")
    assert {s["modality"] for s in slots} == {"clinic", "telehealth"}
    assert all(s["location"] is None for s in slots if s["modality"] == "telehealth")
    assert all(s["location"] == world.location.id for s in slots if s["modality"] == "clinic")


def test_availability_rows_are_what_the_documented_serializer_writes(world):
    """The API writes its slots directly (slot_rows, for speed): the same JSON as the
    SlotOutputSerializer the schema documents, a practitioner left out included."""
    start = monday(world)
    slots = available_slots(
        service=world.service,
        start_date=start,
        end_date=start + timedelta(days=6),
        now=timezone.now(),
    )
    codes = {world.ep.pk: world.ep.code}
    assert any(s.practitioner_id not in codes for s in slots)

    rows = slot_rows(slots, codes, world.clinic.tz)

    documented = SlotOutputSerializer(
        [
            {
                "start": s.start,
                "end": s.end,
                "practitioner": codes[s.practitioner_id],
                "modality": s.modality,
                "location": s.location_id,
            }
            for s in slots
            if s.practitioner_id in codes
        ],
        many=True,
        context={"tz": world.clinic.tz},
    ).data
    assert rows == documented
    assert len(rows) > 0


def test_availability_narrows_to_one_practitioner_and_modality(client, world):
    day = monday(world)

    r = availability(
        client,
        service=world.service.code,
        start=day,
        end=day,
        practitioner=world.physio.code,
        modality="telehealth",
    )

    assert r.status_code == 200
    slots = r.json()["slots"]
    assert slots
    assert {s["practitioner"] for s in slots} == {str(world.physio.code)}
    assert {s["modality"] for s in slots} == {"telehealth"}


def test_availability_leaves_out_booked_times(client, world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    f.make_appointment(
        patient=world.patient, practitioner=world.ep, service=world.service, start=start
    )

    r = availability(
        client,
        service=world.service.code,
        start=start.date(),
        end=start.date(),
        practitioner=world.ep.code,
    )

    starts = {s["start"] for s in r.json()["slots"]}
    assert start.isoformat() not in starts
    assert (start + timedelta(minutes=30)).isoformat() in starts


def test_availability_accepts_62_days(client, world):
    start = monday(world)
    r = availability(
        client, service=world.service.code, start=start, end=start + timedelta(days=61)
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2030-01-07", "end": "2030-01-08"}, "service"),
        ({"service": "not-a-uuid", "start": "2030-01-07", "end": "2030-01-08"}, "service"),
        ({"service": "SERVICE", "end": "2030-01-08"}, "start"),
        ({"service": "SERVICE", "start": "2030-01-07"}, "end"),
        ({"service": "SERVICE", "start": "07/01/2030", "end": "2030-01-08"}, "start"),
        ({"service": "SERVICE", "start": "2030-1-7", "end": "2030-01-08"}, "start"),
        ({"service": "SERVICE", "start": "2030-02-30", "end": "2030-03-01"}, "start"),
        ({"service": "SERVICE", "start": "2030-01-08", "end": "2030-01-07"}, "end"),
        ({"service": "SERVICE", "start": "2030-01-01", "end": "2030-03-04"}, "end"),
        ({"service": "SERVICE", "start": "9999-12-31", "end": "9999-12-31"}, "start"),
        ({"service": str(uuid.uuid4()), "start": "2030-01-07", "end": "2030-01-08"}, "service"),
        (
            {"service": "SERVICE", "start": "2030-01-07", "end": "2030-01-08", "practitioner": "x"},
            "practitioner",
        ),
        (
            {
                "service": "SERVICE",
                "start": "2030-01-07",
                "end": "2030-01-08",
                "practitioner": str(uuid.uuid4()),
            },
            "practitioner",
        ),
        (
            {"service": "SERVICE", "start": "2030-01-07", "end": "2030-01-08", "modality": "phone"},
            "modality",
        ),
    ],
)
def test_availability_refuses_bad_queries_with_field_errors(client, world, params, field):
    params = {k: str(world.service.code) if v == "SERVICE" else v for k, v in params.items()}
    r = availability(client, **params)
    assert r.status_code == 400
    assert field in r.json()


def test_availability_refuses_services_not_bookable_online(client, world):
    hidden = f.make_service(world.clinic, [world.ep], name="Staff only", bookable_online=False)
    r = availability(client, service=hidden.code, start="2030-01-07", end="2030-01-07")
    assert r.status_code == 400
    assert r.json() == {"service": ["Unknown service."]}


def test_availability_refuses_a_practitioner_who_does_not_offer_the_service(client, world):
    day = monday(world)
    r = availability(
        client, service=world.initial.code, start=day, end=day, practitioner=world.physio.code
    )
    assert r.status_code == 400
    assert "practitioner" in r.json()
    r = availability(
        client, service=world.service.code, start=day, end=day, practitioner=world.outsider.code
    )
    assert r.status_code == 400


def test_availability_refuses_a_modality_the_service_does_not_offer(client, world):
    day = monday(world)
    r = availability(
        client, service=world.physio_service.code, start=day, end=day, modality="telehealth"
    )
    assert r.status_code == 400
    assert "modality" in r.json()


# --- Booking ----------------------------------------------------------------------------


def test_an_anonymous_caller_books_a_slot_without_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    start = f.next_weekday_at(world.clinic, 0, 10)

    r = post_json(client, BOOK, booking(world, start))

    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == APPOINTMENT_KEYS
    appt = Appointment.objects.get()
    assert body["id"] == str(appt.code)
    assert body["start"] == start.isoformat()
    assert SYDNEY_OFFSET.search(body["start"]) and SYDNEY_OFFSET.search(body["end"])
    assert datetime.fromisoformat(body["end"]) - start == timedelta(minutes=30)
    assert body["status"] == "booked"
    assert body["modality"] == "clinic"
    assert body["service"] == str(world.service.code)
    assert body["practitioner"] == str(world.ep.code)
    assert body["location"] == world.location.id
    assert body["video_url"] is None
    assert appointment_code_from_manage_token(body["manage_token"]) == str(appt.code)
    assert appt.source == Appointment.Source.API
    assert appt.booked_by is None
    patient = Patient.objects.get(email="robin@example.org")
    assert appt.patient == patient
    assert patient.clinic == world.clinic


def test_booking_with_a_known_email_is_kept_apart_as_a_possible_duplicate(client, world):
    """Issue 16: an unproven address does not reach the existing record
    (tests/bookings/test_email_match_privacy.py has the whole rule)."""
    start = f.next_weekday_at(world.clinic, 1, 11)
    body = booking(world, start)
    body["patient"]["email"] = world.patient.email.upper()

    r = post_json(client, BOOK, body)

    assert r.status_code == 201
    booked_for = Appointment.objects.get().patient
    assert booked_for != world.patient
    assert booked_for.possible_duplicate_of == world.patient


def test_a_telehealth_booking_gets_a_video_url_and_no_location(client, world, settings):
    start = f.next_weekday_at(world.clinic, 2, 14)

    r = post_json(
        client,
        BOOK,
        booking(world, start, service=str(world.telehealth.code), modality="telehealth"),
    )

    assert r.status_code == 201
    body = r.json()
    assert body["location"] is None
    assert body["video_url"].startswith(settings.TELEHEALTH_BASE_URL + "/stance-")
    assert body["video_url"] == Appointment.objects.get().telehealth_url


def test_booking_a_clinic_visit_at_a_chosen_location(client, world):
    f.make_hours(world.ep, world.second_location, weekdays=[5])  # Saturdays in Parramatta
    start = f.next_weekday_at(world.clinic, 5, 9)

    r = post_json(client, BOOK, booking(world, start, location=world.second_location.id))

    assert r.status_code == 201
    assert r.json()["location"] == world.second_location.id


def test_a_taken_time_is_a_409_with_the_nearest_free_times(world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    first = post_json(Client(), BOOK, booking(world, start))
    assert first.status_code == 201
    again = booking(world, start)
    again["patient"]["email"] = "someone-else@example.org"

    r = post_json(Client(), BOOK, again)

    assert r.status_code == 409
    body = r.json()
    assert body["detail"] == "That time was just taken."
    assert body["alternatives"]
    for slot in body["alternatives"]:
        assert set(slot) == SLOT_KEYS
        assert SYDNEY_OFFSET.search(slot["start"])
        assert slot["start"] != start.isoformat() or slot["practitioner"] != str(world.ep.code)
    assert Appointment.objects.count() == 1
    # The refused booking left no new patient (or login) behind.
    assert not Patient.objects.filter(email="someone-else@example.org").exists()
    assert not User.objects.filter(email="someone-else@example.org").exists()


def test_a_time_outside_working_hours_is_a_409_not_a_500(client, world):
    saturday = f.next_weekday_at(world.clinic, 5, 10)
    r = post_json(client, BOOK, booking(world, saturday))
    assert r.status_code == 409
    assert not Appointment.objects.exists()


def test_retrying_with_the_same_booking_request_id_returns_the_same_appointment(client, world):
    start = f.next_weekday_at(world.clinic, 3, 10)
    request_id = str(uuid.uuid4())
    body = booking(world, start, booking_request_id=request_id)

    first = post_json(client, BOOK, body)
    retry = post_json(client, BOOK, body)

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert Appointment.objects.count() == 1
    assert str(Appointment.objects.get().booking_request_id) == request_id


def test_a_booking_request_id_cannot_be_reused_for_another_booking(client, world):
    start = f.next_weekday_at(world.clinic, 3, 10)
    request_id = str(uuid.uuid4())
    first = post_json(client, BOOK, booking(world, start, booking_request_id=request_id))
    assert first.status_code == 201

    later = start + timedelta(hours=2)
    r = post_json(client, BOOK, booking(world, later, booking_request_id=request_id))

    assert r.status_code == 409
    assert "booking_request_id" in r.json()["detail"]
    assert "manage_token" not in r.json()
    assert Appointment.objects.count() == 1


def _without_patient_field(body, field):
    del body["patient"][field]
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.update(start=b["start"][:-6]), "start"),  # naive: no offset
        (lambda b: b.update(start="2020-01-06T10:00:00+11:00"), "start"),  # past
        (lambda b: b.update(start="next tuesday"), "start"),
        (lambda b: b.update(start="9999-12-31T10:00:00+10:00"), "start"),
        (lambda b: b.update(start="0001-01-01T00:00:00+10:00"), "start"),
        (lambda b: b.update(service="not-a-uuid"), "service"),
        (lambda b: b.update(service=str(uuid.uuid4())), "service"),
        (lambda b: b.update(practitioner="123"), "practitioner"),
        (lambda b: b.update(practitioner=str(uuid.uuid4())), "practitioner"),
        (lambda b: b.update(modality="phone"), "modality"),
        (lambda b: b.update(location=99999999999999999999), "location"),
        (lambda b: b.update(location="here"), "location"),
        (lambda b: b.update(booking_request_id="again"), "booking_request_id"),
        (lambda b: b.pop("service"), "service"),
        (lambda b: b.pop("start"), "start"),
        (lambda b: b.pop("patient"), "patient"),
        (lambda b: _without_patient_field(b, "email"), "patient"),
        (lambda b: b["patient"].update(email="not-an-email"), "patient"),
        (lambda b: b["patient"].update(first_name="A" * 81), "patient"),
        (lambda b: b["patient"].update(last_name=""), "patient"),
        (lambda b: b["patient"].update(phone="call me maybe"), "patient"),
        (lambda b: b["patient"].update(phone="0" * 31), "patient"),
        (lambda b: b["patient"].update(date_of_birth="2999-01-01"), "patient"),
        (lambda b: b["patient"].update(date_of_birth="17/05/1990"), "patient"),
        (lambda b: b["patient"].update(date_of_birth="1850-01-01"), "patient"),
        (lambda b: b["patient"].update(first_name="Nul\x00l"), "patient"),
    ],
)
def test_bad_bookings_are_400_with_field_errors_and_save_nothing(client, world, change, field):
    body = booking(world, f.next_weekday_at(world.clinic, 0, 10))
    change(body)

    r = post_json(client, BOOK, body)

    assert r.status_code == 400, r.content
    assert field in r.json()
    assert not Appointment.objects.exists()
    assert not Patient.objects.filter(email="robin@example.org").exists()


def test_a_future_date_of_birth_is_named_in_the_error(client, world):
    body = booking(world, f.next_weekday_at(world.clinic, 0, 10))
    body["patient"]["date_of_birth"] = (timezone.now().date() + timedelta(days=3)).isoformat()
    r = post_json(client, BOOK, body)
    assert r.status_code == 400
    assert r.json() == {
        "patient": {"date_of_birth": ["The date of birth cannot be in the future."]}
    }


def test_a_naive_start_time_says_to_add_the_offset(client, world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    body = booking(world, start)
    body["start"] = start.strftime("%Y-%m-%dT%H:%M:%S")
    r = post_json(client, BOOK, body)
    assert r.status_code == 400
    assert "UTC offset" in r.json()["start"][0]


def test_rule_breaks_are_400s(client, world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    cases = [
        (
            {"practitioner": str(world.physio.code), "service": str(world.initial.code)},
            "practitioner",
        ),
        ({"practitioner": str(world.outsider.code)}, "practitioner"),
        (
            {
                "service": str(world.physio_service.code),
                "practitioner": str(world.physio.code),
                "modality": "telehealth",
            },
            "modality",
        ),
        ({"location": f.make_location(world.outsider_clinic).id}, "location"),
        ({"modality": "telehealth", "location": world.location.id}, "location"),
    ]
    for overrides, field in cases:
        r = post_json(client, BOOK, booking(world, start, **overrides))
        assert r.status_code == 400, (overrides, r.content)
        assert field in r.json()
    assert not Appointment.objects.exists()


def test_malformed_json_and_forms_are_refused(client, world):
    r = client.post(BOOK, "{not json", content_type="application/json")
    assert r.status_code == 400
    r = client.post(BOOK, {"service": str(world.service.code)})  # a form post
    assert r.status_code == 415


def test_booking_is_rate_limited(client, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"booking": "2/min"},
    }
    cache.clear()
    start = f.next_weekday_at(world.clinic, 0, 10)

    codes = [
        client.post(
            BOOK,
            json.dumps(booking(world, start + timedelta(hours=n))),
            content_type="application/json",
            headers={"X-Forwarded-For": f"203.0.113.{n}"},  # spoofing does not help
        ).status_code
        for n in range(3)
    ]

    assert codes == [201, 201, 429]
    assert Appointment.objects.count() == 2
    # Other endpoints are not limited.
    assert client.get(SERVICES).status_code == 200


def test_the_rate_limit_can_be_turned_off(client, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"booking": None},
    }
    codes = {post_json(client, BOOK, {}).status_code for _ in range(25)}
    assert codes == {400}


# --- Reading and cancelling -------------------------------------------------------------


@pytest.fixture
def appointment(world):
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
    )


def test_the_owner_reads_their_appointment(client_as_patient, world, appointment):
    r = client_as_patient.get(detail_url(appointment))
    assert r.status_code == 200
    body = r.json()
    assert set(body) == APPOINTMENT_KEYS
    assert body["id"] == str(appointment.code)
    assert body["start"] == appointment.start.astimezone(world.clinic.tz).isoformat()


def test_a_manage_token_reads_it_by_query_or_header(world, appointment):
    token = manage_token_for(appointment)
    anonymous = Client()
    assert anonymous.get(detail_url(appointment), {"token": token}).status_code == 200
    r = anonymous.get(detail_url(appointment), headers={"X-Manage-Token": token})
    assert r.status_code == 200
    assert r.json()["id"] == str(appointment.code)


def test_the_token_from_the_booking_answer_reads_the_appointment(world):
    start = f.next_weekday_at(world.clinic, 0, 10)
    booked = post_json(Client(), BOOK, booking(world, start)).json()
    code = booked["id"]
    r = Client().get(
        reverse("bookings:api-appointment-detail", args=[code]), {"token": booked["manage_token"]}
    )
    assert r.status_code == 200
    read = r.json()
    # A manage token is signed with the time it is issued: a fresh one per answer.
    assert read.pop("manage_token")
    booked.pop("manage_token")
    assert read == booked


@pytest.mark.parametrize(
    "caller",
    [
        "client",
        "client_as_other_patient",
        "client_as_outsider",
        "client_as_reception",
        "client_as_practitioner",
    ],
)
def test_anyone_else_gets_404(request, caller, appointment):
    c = request.getfixturevalue(caller)
    assert c.get(detail_url(appointment)).status_code == 404
    assert post_json(c, detail_url(appointment, "cancel"), {}).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_bad_or_foreign_tokens_get_404(world, appointment):
    other = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.physio,
        service=world.service,
        start=appointment.start,
    )
    c = Client()
    for token in ["nonsense", manage_token_for(appointment) + "x", manage_token_for(other)]:
        assert c.get(detail_url(appointment), {"token": token}).status_code == 404
        r = post_json(c, detail_url(appointment, "cancel") + f"?token={token}", {})
        assert r.status_code == 404
    assert c.get(f"/api/v1/appointments/{uuid.uuid4()}/").status_code == 404
    assert c.get("/api/v1/appointments/not-a-uuid/").status_code == 404


def test_a_token_stops_working_once_the_visit_is_over(world):
    past = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=2),
    )
    r = Client().get(detail_url(past), {"token": manage_token_for(past)})
    assert r.status_code == 404


def test_cancelling_with_a_token(world, appointment):
    c = Client(enforce_csrf_checks=True)
    url = detail_url(appointment, "cancel")
    token = manage_token_for(appointment)

    r = c.post(
        url,
        json.dumps({"reason": "Feeling better"}),
        content_type="application/json",
        headers={"X-Manage-Token": token},
    )

    assert r.status_code == 200, r.content
    assert r.json()["status"] == "cancelled"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancellation_reason == "Feeling better"
    assert appointment.cancelled_by is None

    again = c.post(url + f"?token={token}", content_type="application/json")
    assert again.status_code == 409
    assert again.json() == {"detail": "This appointment is already cancelled."}


def test_the_owner_cancels_with_their_session(client_as_patient, world, appointment):
    r = client_as_patient.post(detail_url(appointment, "cancel"), content_type="application/json")
    assert r.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancelled_by == world.patient.user


def test_a_session_cancel_needs_the_csrf_token(world, appointment):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.patient.user)
    r = c.post(detail_url(appointment, "cancel"), content_type="application/json")
    assert r.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_cancelling_inside_the_window_is_a_409_with_the_clinics_message(world):
    soon = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() + timedelta(hours=3),
    )
    r = post_json(Client(), detail_url(soon, "cancel") + f"?token={manage_token_for(soon)}", {})
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert "24 hours" in detail
    assert world.clinic.phone in detail
    soon.refresh_from_db()
    assert soon.status == Appointment.Status.BOOKED


def test_a_too_long_cancellation_reason_is_a_400(client_as_patient, appointment):
    r = post_json(client_as_patient, detail_url(appointment, "cancel"), {"reason": "x" * 501})
    assert r.status_code == 400
    assert "reason" in r.json()


def test_a_cancelled_telehealth_visit_no_longer_shows_its_video_url(client_as_patient, world):
    appt = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.telehealth,
        modality="telehealth",
        start=f.next_weekday_at(world.clinic, 1, 10),
        telehealth_url="https://meet.example.org/stance-room",
    )
    assert client_as_patient.get(detail_url(appt)).json()["video_url"].endswith("stance-room")
    client_as_patient.post(detail_url(appt, "cancel"), content_type="application/json")
    assert client_as_patient.get(detail_url(appt)).json()["video_url"] is None


# --- My appointments --------------------------------------------------------------------


def test_a_patient_lists_only_their_own_appointments_in_local_time(client_as_patient, world):
    year = timezone.now().year + 1
    summer = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.local(world.clinic, year, 1, 12, 10),
    )
    winter = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.local(world.clinic, year, 7, 13, 10),
    )
    f.make_appointment(
        patient=world.other_patient,
        practitioner=world.physio,
        service=world.service,
        start=f.local(world.clinic, year, 7, 13, 10),
    )

    r = client_as_patient.get(MINE)

    assert r.status_code == 200
    body = r.json()
    assert [a["id"] for a in body] == [str(winter.code), str(summer.code)]  # latest first
    assert all(set(a) == APPOINTMENT_KEYS for a in body)
    assert body[0]["start"] == f"{year}-07-13T10:00:00+10:00"
    assert body[1]["start"] == f"{year}-01-12T10:00:00+11:00"
    assert body[1]["end"] == f"{year}-01-12T10:30:00+11:00"


def test_my_appointments_needs_a_login(client, world):
    assert client.get(MINE).status_code == 403


def test_staff_have_no_appointments_of_their_own(client_as_reception, appointment):
    r = client_as_reception.get(MINE)
    assert r.status_code == 200
    assert r.json() == []


# --- Schema and documentation -------------------------------------------------------------

API_OPERATIONS = [
    ("GET", "/api/v1/services/"),
    ("GET", "/api/v1/practitioners/"),
    ("GET", "/api/v1/availability/"),
    ("POST", "/api/v1/appointments/"),
    ("GET", "/api/v1/appointments/{code}/"),
    ("POST", "/api/v1/appointments/{code}/cancel/"),
    ("GET", "/api/v1/me/appointments/"),
]


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3.")


def test_the_schema_endpoint_serves_valid_openapi_3(client, world):
    r = client.get(reverse("api-schema"), {"format": "json"})
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    for method, path in API_OPERATIONS:
        assert method.lower() in schema["paths"][path]
    booking_responses = schema["paths"]["/api/v1/appointments/"]["post"]["responses"]
    assert {"200", "201", "400", "409", "429"} <= set(booking_responses)
    assert client.get(reverse("api-schema")).status_code == 200  # YAML by default


def test_the_docs_page_names_every_endpoint_without_scripts(client, world):
    r = client.get(reverse("api-docs"))
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count("<h1") == 1
    assert "<script" not in html
    assert 'style="' not in html
    assert f'href="{reverse("api-schema")}"' in html
    assert f'href="{reverse("api-schema")}?format=json"' in html
    for method, path in API_OPERATIONS:
        assert f'{method} <code class="text-body">{path}</code>' in html
    for text in ["booking_request_id", "patient.date_of_birth", "X-Manage-Token", "429"]:
        assert text in html
