"""Licensed wording: what ships, how a clinic loads item text and instructions in the Django
admin, and the checks that keep loaded text in step with the scoring engine."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

import pytest

from prescriptions.models import InstrumentText
from prescriptions.outcomes import scoring as outcomes
from prescriptions.outcomes.instruments import APSS, SHIPPED, check_items
from prescriptions.outcomes.selectors import instrument_wording
from tests import factories as f


def _options(points):
    return [{"points": p, "label": f"Answer worth {p}"} for p in points]


def _akps_items():
    return [
        {
            "number": item.number,
            "text": f"Licensed item {item.number}",
            "options": _options(item.allowed),
        }
        for item in outcomes.INSTRUMENTS["AKPS"].items
    ]


def test_only_the_free_instruments_and_the_apss_themes_ship_with_wording():
    assert set(SHIPPED) == {"NPRS", "PSFS", APSS}
    free = {code for code, i in outcomes.INSTRUMENTS.items() if i.free_text_ships}
    assert free == {"NPRS", "PSFS"}
    assert SHIPPED[APSS].title == "Pre-exercise screening (themes only)"
    assert len(SHIPPED[APSS].items) == 6


def test_a_complete_item_list_passes():
    assert check_items("AKPS", _akps_items()) == []
    assert check_items("PSFS", []) == []
    assert check_items(APSS, [{"number": n, "text": f"Q{n}"} for n in range(1, 7)]) == []
    # Options may be left out: the allowed points are offered.
    assert check_items("LEFS", [{"number": n, "text": f"T{n}"} for n in range(1, 21)]) == []


@pytest.mark.parametrize(
    ("code", "items", "message"),
    [
        ("AKPS", [], "AKPS has 13 items; 0 were given."),
        ("PSFS", [{"number": 1, "text": "x"}], "The PSFS has no items"),
        (
            APSS,
            [{"number": n, "text": "q", "options": _options([0])} for n in range(1, 7)],
            "yes or no",
        ),
        ("NPRS", [{"number": 2, "text": "x"}], "number the items 1, 2, 3"),
        ("NPRS", [{"number": 1, "text": " "}], "the item text is missing"),
        ("NPRS", [{"number": 1, "text": "x", "options": _options([0, 1])}], "exactly one"),
        (
            "NPRS",
            [{"number": 1, "text": "x", "options": _options([*range(11), 11])}],
            "points must",
        ),
        ("NPRS", "not a list", "Items must be a list."),
        ("XYZ", [], "Unknown instrument."),
    ],
)
def test_a_wrong_item_list_is_explained(code, items, message):
    errors = check_items(code, items)
    assert errors and any(message in e for e in errors), errors


def test_an_erroneous_calculator_weight_is_refused():  # AKPS limp "constant = 2", §2.5
    items = _akps_items()
    items[0]["options"] = _options([0, 2, 5])
    assert any(
        "Item 1" in e and "points must be one of 0, 3, 5" in e for e in check_items("AKPS", items)
    )


def test_visa_g_item_8_names_its_branches_and_the_branch_of_each_option():
    items = [{"number": n, "text": f"T{n}"} for n in range(1, 8)]
    branches = outcomes.INSTRUMENTS["VISA-G"].items[7].branches
    good = {
        "number": 8,
        "text": "T8",
        "branches": {b: f"Branch {b}" for b in branches},
        "options": [
            {"points": p, "label": "x", "branch": b} for b, pts in branches.items() for p in pts
        ],
    }
    assert check_items("VISA-G", [*items, good]) == []
    no_branches = {**good, "branches": {}}
    assert any("question of each branch" in e for e in check_items("VISA-G", [*items, no_branches]))
    wrong = {
        **good,
        "options": [{**o, "branch": "A"} if o["points"] == 30 else o for o in good["options"]],
    }
    assert check_items("VISA-G", [*items, wrong])


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_loaded_text_replaces_the_shipped_wording_while_its_licence_runs(world):
    today = timezone.now().astimezone(world.clinic.tz).date()
    assert instrument_wording(clinic=world.clinic, code="LEFS", on=today) is None
    assert instrument_wording(clinic=world.clinic, code="NPRS", on=today).shipped
    row = InstrumentText.objects.create(
        clinic=world.clinic,
        code="NPRS",
        title="Pain today",
        version="Clinic 2026",
        instructions="Ours.",
        items=[{"number": 1, "text": "How much pain?"}],
        source="Clinic",
        licence="Public domain",
        licence_expires_on=today,
    )
    wording = instrument_wording(clinic=world.clinic, code="NPRS", on=today)
    assert wording.title == "Pain today" and wording.text_id == row.pk
    assert instrument_wording(clinic=world.outsider_clinic, code="NPRS", on=today).shipped
    later = today.replace(year=today.year + 1)
    assert instrument_wording(clinic=world.clinic, code="NPRS", on=later).shipped


@pytest.fixture
def admin_client(client, world):
    user = f.make_user(email="root@example.org", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client, user


def _admin_post(code, items):
    import json

    return {
        "clinic": "",
        "code": code,
        "title": "AKPS (English)",
        "version": "Kujala 1993, English",
        "is_active": "on",
        "instructions": "Circle the answer that fits best.",
        "items": json.dumps(items),
        "source": "Publisher's form",
        "licence": "Licensed to the clinic",
        "licence_reference": "L-123",
        "licence_expires_on": "",
        "offer_online": "on",
    }


@pytestmark_db
def test_the_clinic_admin_loads_licensed_text_in_the_django_admin(admin_client, world):
    client, user = admin_client
    url = reverse("admin:prescriptions_instrumenttext_add")
    assert client.get(url).status_code == 200
    data = _admin_post("AKPS", _akps_items()) | {"clinic": str(world.clinic.pk)}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = InstrumentText.objects.get()
    assert row.loaded_by == user and row.licence_reference == "L-123"
    assert row.wording().items[0].options[0].label == "Answer worth 0"


@pytestmark_db
def test_the_admin_refuses_items_the_scoring_engine_would_not_accept(admin_client, world):
    client, _ = admin_client
    items = _akps_items()
    items[3]["options"][0]["points"] = 9
    data = _admin_post("AKPS", items) | {"clinic": str(world.clinic.pk)}
    response = client.post(reverse("admin:prescriptions_instrumenttext_add"), data)
    assert response.status_code == 200
    assert "Item 4, option 1: points must be one of 0, 5, 8, 10." in response.content.decode()
    assert not InstrumentText.objects.exists()


@pytestmark_db
def test_the_screening_page_asks_the_loaded_apss_wording(client_as_practitioner, world):
    InstrumentText.objects.create(
        clinic=world.clinic,
        code=APSS,
        title="APSS",
        version="V2 2019",
        instructions="Official instructions and disclaimer.",
        items=[{"number": n, "text": f"Official question {n}"} for n in range(1, 7)],
        source="ESSA",
        licence="Use unaltered",
    )
    page = client_as_practitioner.get(reverse("prescriptions:screening", args=[world.patient.code]))
    text = page.content.decode()
    assert "1. Official question 1" in text and "Official instructions and disclaimer." in text
    assert "has not loaded the official APSS wording" not in text
