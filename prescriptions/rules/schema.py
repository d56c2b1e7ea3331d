"""The JSON Schema of the audit command's case format (input) and of its answer (output,
under `$defs/output`), built from the app's own vocabularies so the codes cannot drift.

`docs/suggest_programme.schema.json` is this schema as committed (`python manage.py
clinical_rules_doc --schema` writes it; a test checks the two are equal); the command
validates each case against the committed file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from prescriptions.assessments import battery
from prescriptions.rules import measures, pain, postop, training
from prescriptions.rules.dosing import Goal as ProgrammeGoal
from prescriptions.vocabulary import Condition, Finding, Goal, InvolvedSide, RedFlag

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "suggest_programme.schema.json"
SCHEMA_ID = "https://stance.example.org/schemas/suggest_programme.schema.json"

_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_NPRS = {"type": "integer", "minimum": 0, "maximum": 10}


def _codes(values: Any, description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"enum": sorted(values)},
        "uniqueItems": True,
        "description": description,
    }


def case_test_codes() -> list[str]:
    """Every test code a case may use: the battery's and the rules core's."""
    return sorted({*battery.TESTS, *measures.TESTS})


def measure_codes() -> list[str]:
    names = {f.name for t in battery.TESTS.values() for f in t.fields}
    names |= {m for t in measures.TESTS.values() for m in t.measures}
    return sorted(names)


def _measurements_doc() -> str:
    rows = [
        f"{code}: {', '.join(t.measures)}{' (per side)' if t.sided else ''}"
        for code, t in sorted(measures.TESTS.items())
    ]
    return (
        "Recorded values. Battery tests use the battery's field names "
        "(prescriptions/assessments/battery.py); falls, function and ACL tests: "
        + "; ".join(rows)
        + ". `side` is left or right for per-side measures, empty for the test as a whole."
    )


def case_schema() -> dict[str, Any]:
    """The schema, input at the root and the command's output under $defs/output."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Stance suggest_programme case",
        "description": "One patient's case for `python manage.py suggest_programme CASE.json`. "
        "Every field but on_date and patient.age may be missing. Codes are the app's own "
        "vocabularies. The command's answer is described by $defs/output.",
        "type": "object",
        "required": ["on_date", "patient"],
        "additionalProperties": False,
        "properties": {
            "on_date": _DATE | {"description": "The day the rules are applied for."},
            "patient": {
                "type": "object",
                "required": ["age"],
                "additionalProperties": False,
                "properties": {
                    "age": {"type": "integer", "minimum": 0, "maximum": 120},
                    "sex": {"enum": ["female", "male"]},
                    "body_mass_kg": {"type": "number", "exclusiveMinimum": 0, "maximum": 400},
                    "height_cm": {"type": "number", "minimum": 50, "maximum": 250},
                    "training_status": {
                        "enum": [
                            p.value for p in training.Profile if p != training.Profile.OLDER_ADULT
                        ],
                        "description": "Unknown counts as novice; from 65 the older-adult rows.",
                    },
                    "falls_in_last_year": {"type": "boolean"},
                },
            },
            "conditions": _codes(Condition.values, "vocabulary.Condition codes."),
            "involved_side": {"enum": InvolvedSide.values},
            "goals": {
                "type": "array",
                "items": {"enum": sorted(Goal.values)},
                "description": "vocabulary.Goal codes, the patient's first goal first.",
            },
            "surgery": {
                "type": "object",
                "required": ["procedure"],
                "additionalProperties": False,
                "properties": {
                    "procedure": {"enum": [p.value for p in postop.Procedure]},
                    "side": {"enum": ["left", "right", ""]},
                    "date": _DATE,
                    "approach": {
                        "enum": [*(a.value for a in postop.Approach), None],
                        "description": "THA approach; null or missing = unknown (every "
                        "approach's limits apply).",
                    },
                    "graft": {
                        "enum": [*(g.value for g in postop.Graft), None],
                        "description": "ACLR graft; null or missing = unknown (hamstring "
                        "restrictions apply).",
                    },
                    "precautions_cleared_on": {
                        "anyOf": [_DATE, {"type": "null"}],
                        "description": "The day the surgeon cleared the THA precautions.",
                    },
                },
            },
            "injection": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "date": _DATE,
                    "site": {"type": "string", "maxLength": 80},
                    "substance": {"enum": ["corticosteroid", "prp", "other"]},
                },
            },
            "red_flags": _codes(RedFlag.values, "vocabulary.RedFlag codes."),
            "signs": _codes(
                [s.value for s in postop.Sign],
                "Stop signs reported (CLINICAL.md §10.5); any one stops exercise.",
            ),
            "findings": {
                "type": "array",
                "description": "Observed findings: vocabulary.Finding codes, and the "
                "clinician's " + ", ".join(measures.EXTRA_FINDINGS) + " (§14.2).",
                "items": {
                    "type": "object",
                    "required": ["code"],
                    "additionalProperties": False,
                    "properties": {
                        "code": {"enum": sorted([*Finding.values, *measures.EXTRA_FINDINGS])},
                        "side": {"enum": ["left", "right", ""]},
                    },
                },
            },
            "measurements": {
                "type": "array",
                "description": _measurements_doc(),
                "items": {
                    "type": "object",
                    "required": ["test", "measure", "value"],
                    "additionalProperties": False,
                    "properties": {
                        "test": {"enum": case_test_codes()},
                        "side": {"enum": ["left", "right", ""]},
                        "measure": {"enum": measure_codes()},
                        "value": {"type": ["number", "string"]},
                    },
                },
            },
            "programme": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "stage": {"type": "integer", "minimum": 1, "maximum": 6},
                    "stage_started_on": _DATE,
                    "goal": {"enum": [g.value for g in ProgrammeGoal]},
                    "exit_criteria_met": {"type": "boolean"},
                    "baseline_morning": {"type": "number", "minimum": 0, "maximum": 10},
                },
            },
            "pain_log": {
                "type": "array",
                "description": "Sessions, NPRS 0-10 (CLINICAL.md §8.2).",
                "items": {
                    "type": "object",
                    "required": ["date"],
                    "additionalProperties": False,
                    "properties": {
                        "date": _DATE,
                        "during": _NPRS,
                        "after": _NPRS,
                        "next_morning": _NPRS,
                        "stiffness_next_morning": _NPRS,
                        "target_met": {"type": "boolean"},
                        "exercise": {"type": "string", "maxLength": 80},
                        "effusion": {"enum": list(pain.EFFUSION_GRADES)},
                        "soreness": {"enum": [s.value for s in pain.Soreness]},
                    },
                },
            },
            "start_back": {
                "type": "array",
                "items": {"type": "boolean"},
                "minItems": 9,
                "maxItems": 9,
                "description": "STarT Back items 1-9 scored 0/1 (item 9: 'very much' or "
                "'extremely').",
            },
        },
        "$defs": {"output": output_schema()},
    }


def output_schema() -> dict[str, Any]:
    span = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
    return {
        "type": "object",
        "required": ["flags", "exercises", "avoid", "progression"],
        "additionalProperties": False,
        "properties": {
            "on_date": _DATE,
            "goal": {"enum": [*(g.value for g in ProgrammeGoal), None]},
            "flags": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "severity", "message", "source"],
                    "additionalProperties": False,
                    "properties": {
                        "code": {"type": "string"},
                        "severity": {"enum": ["stop", "precaution", "info"]},
                        "message": {"type": "string", "description": "For staff."},
                        "source": {"type": "string", "description": "The source's name."},
                        "section": {"type": "string", "description": "CLINICAL.md section."},
                        "patient_message": {
                            "type": "string",
                            "description": "For the patient: no sources, no sections.",
                        },
                    },
                },
            },
            "exercises": {
                "type": "array",
                "description": "Empty whenever a flag is `stop`.",
                "items": {
                    "type": "object",
                    "required": [
                        "slug",
                        "name",
                        "sets",
                        "reps",
                        "hold_seconds",
                        "intensity",
                        "rest_seconds",
                        "per_week",
                        "why",
                    ],
                    "additionalProperties": False,
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "sets": {"type": "integer", "minimum": 1},
                        "reps": {"anyOf": [{"type": "integer"}, span, {"type": "null"}]},
                        "hold_seconds": {"anyOf": [{"type": "integer"}, span, {"type": "null"}]},
                        "distance_m": {"type": ["integer", "null"]},
                        "per_side": {"type": "boolean"},
                        "intensity": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"percent_1rm": span, "rpe": span, "rir": span},
                        },
                        "rest_seconds": {"type": "integer"},
                        "per_week": {"type": "integer"},
                        "per_day": {"type": "integer"},
                        "why": {"type": "string", "description": "For staff."},
                        "why_for_patient": {"type": "string"},
                        "modification": {"type": "string"},
                    },
                },
            },
            "avoid": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["slug", "reason"],
                    "additionalProperties": False,
                    "properties": {"slug": {"type": "string"}, "reason": {"type": "string"}},
                },
            },
            "progression": {
                "type": "object",
                "required": ["decision", "reason"],
                "additionalProperties": False,
                "properties": {
                    "decision": {"enum": [d.value for d in pain.Decision]},
                    "reason": {"type": "string"},
                    "reason_for_patient": {"type": "string"},
                    "rule": {"type": "string"},
                    "exercise": {"type": "string"},
                    "stage": {"type": ["object", "null"]},
                },
            },
            "notes": {"type": "array", "items": {"type": "string"}},
        },
    }


def schema_text() -> str:
    """The schema as committed: two-space indents, a final newline."""
    return json.dumps(case_schema(), indent=2, ensure_ascii=False) + "\n"


def load_committed() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data
