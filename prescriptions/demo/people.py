"""The demo clinic's invented patients (no real person), and the stories of a few of
them that `prescriptions/demo/fortnight.py` puts on the record: a past visit with a
signed assessment and outcome measures, and for some a programme with logged sessions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from clinic.models import Clinic, Patient
from prescriptions.models import Programme

PATIENT_NAMES = [
    ("Mia", "Harrow"),
    ("Noah", "Quill"),
    ("Ava", "Brindle"),
    ("Leo", "Farrant"),
    ("Isla", "Penrose"),
    ("Oscar", "Wilding"),
    ("Zara", "Coltrane"),
    ("Finn", "Mabry"),
    ("Ruby", "Ashdown"),
    ("Hugo", "Tarrant"),
    ("Ella", "Vance"),
    ("Jack", "Orrell"),
]
"""The first invented patients (the demo clinic's since issue 1)."""
# fmt: off
FIRST_NAMES = [
    "Aria", "Ben", "Chloe", "Dev", "Evie", "Felix", "Grace", "Henry", "Ivy", "Jonah", "Kira",
    "Liam", "Maya", "Nico", "Olive", "Pia", "Quinn", "Rhys", "Sienna", "Theo", "Uma", "Vik",
    "Willa", "Xavier", "Yara", "Zane",
]
LAST_NAMES = [
    "Alder", "Birchall", "Calloway", "Dunmore", "Ellery", "Fenwick", "Galloway", "Hartigan",
    "Inglis", "Jessop", "Kettering", "Lockyer", "Merriman", "Northcote", "Ormsby", "Pendle",
]
# fmt: on
"""Invented names, paired to make the rest of the patient list (no real person)."""
EXTRA_PATIENTS = 88


@dataclass(frozen=True)
class Story:
    """An invented patient whose past visit has clinical records on it."""

    patient_email: str
    practitioner_email: str
    service: str
    working_days_ago: int
    """Which of the practitioner's past working days (1 = their most recent)."""
    at: time
    conditions: list[str]
    side: str
    fields: dict[str, Any]
    responses: dict[str, list[int | None]]
    activities: tuple[str, ...]
    """PSFS activities, rated in `responses["PSFS"]`."""
    programme_title: str = ""
    programme_goal: str = ""
    programme_items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    flag_slug: str = ""
    """The exercise that hurt at 6/10 on the third session: a pain flag."""


STORIES = [
    Story(
        patient_email="noah.quill@example.org",
        practitioner_email="demo-physio@example.org",
        service="Physiotherapy assessment",
        working_days_ago=5,
        at=time(10),
        conditions=["low_back"],
        side="",
        fields={
            "history": "Low back pain for three weeks after moving house; worse sitting "
            "through meetings and lifting his toddler. No leg symptoms, no red flags.",
            "goals": ["daily_function"],
            "goals_note": "Lift my daughter and sit through a workday without pain",
            "pain_nprs": 6,
            "pain_context": "average_24h",
            "findings_note": "Guarded flexion; pain eases with repeated extension.",
        },
        responses={"ODI": [3, 1, 3, 2, 3, 2, 2, 1, 2, 2], "NPRS": [6], "PSFS": [3, 4, 2]},
        activities=("Sitting through a work meeting", "Lifting my toddler", "Gardening"),
        programme_title="Moving well again after your back strain",
        programme_goal=Programme.Goal.EARLY_REHAB,
        programme_items=[
            ("glute-bridge", {}),
            ("quadruped-hip-extension", {}),
            ("side-plank", {}),
            ("sit-to-stand", {}),
        ],
        flag_slug="glute-bridge",
    ),
    Story(
        patient_email="ava.brindle@example.org",
        practitioner_email="demo-ep2@example.org",
        service="Initial exercise physiology assessment",
        working_days_ago=4,
        at=time(9),
        conditions=["patellofemoral"],
        side="left",
        fields={
            "history": "Pain at the front of the left knee for four months since starting "
            "to run for a 10 km event; worse on stairs and after sitting.",
            "goals": ["endurance"],
            "goals_note": "Run 10 km in March without knee pain",
            "pain_nprs": 4,
            "pain_context": "worst_24h",
            "findings_note": "Left knee pain on step-down at 20 cm; hip abductors weak on "
            "the left.",
        },
        responses={"NPRS": [4], "PSFS": [4, 3, 5]},
        activities=("Running 5 km", "Walking down stairs", "Sitting through a film"),
        programme_title="Strong knees for your 10 km",
        programme_goal=Programme.Goal.STRENGTH,
        programme_items=[
            ("side-lying-hip-abduction", {}),
            ("banded-clam", {}),
            ("forward-step-up", {}),
            ("lateral-step-down", {}),
        ],
    ),
    Story(
        patient_email="isla.penrose@example.org",
        practitioner_email="demo-ep@example.org",
        service="Initial exercise physiology assessment",
        working_days_ago=2,
        at=time(11),
        conditions=["hip_oa"],
        side="right",
        fields={
            "history": "Right hip osteoarthritis (X-ray last year). Stiff in the mornings "
            "for 20 minutes; walks 20 minutes before the groin aches.",
            "goals": ["daily_function"],
            "goals_note": "Walk the 40-minute coastal loop with friends",
            "pain_nprs": 5,
            "pain_context": "average_24h",
            "findings_note": "Reduced right hip internal rotation; antalgic gait.",
        },
        responses={
            "LEFS": [3, 3, 2, 2, 3, 2, 3, 2, 2, 2, 3, 2, 3, 3, 2, 1, 1, 2, 3, 3],
            "NPRS": [5],
            "PSFS": [4, 5],
        },
        activities=("Walking 40 minutes", "Getting in and out of the car"),
    ),
]


def demo_patients_ensure(clinic: Clinic) -> list[Patient]:
    """The invented patients (the demo patient aside), made once: the first twelve and
    EXTRA_PATIENTS more from FIRST_NAMES and LAST_NAMES, all with example.org addresses."""
    rng = random.Random(2026)  # noqa: S311 - the same invented people every time
    names = list(PATIENT_NAMES)
    pairs = [(f, last) for last in LAST_NAMES for f in FIRST_NAMES]
    names += random.Random(14).sample(pairs, EXTRA_PATIENTS)  # noqa: S311
    existing = {
        p.email: p for p in Patient.objects.filter(clinic=clinic, email__endswith="@example.org")
    }
    patients = []
    for n, (first, last) in enumerate(names, start=1):
        # Drawn for every name, made or not, so each person's details never change.
        born = date(rng.randint(1945, 2005), rng.randint(1, 12), 1 + rng.randrange(28))
        email = f"{first.lower()}.{last.lower()}@example.org"
        patient = existing.get(email)
        if patient is None:
            patient = Patient.objects.create(
                clinic=clinic,
                email=email,
                first_name=first,
                last_name=last,
                date_of_birth=born,
                phone=f"0400 555 {100 + n:03d}",
            )
        patients.append(patient)
    return patients
