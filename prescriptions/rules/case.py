"""A patient's case as plain data: the audit command's input format, parsed and checked.

`case_errors(data, schema)` lists what breaks the JSON Schema, each naming its field
(`patient.age: 'seventy' is not of type 'integer'`); `case_from_json(data)` builds the
`Case` from a document that passed it, checking what a schema cannot say (a measure that
belongs to its test, the side a measure needs, a value within its range) and raising
`CaseError` with the field named. Pure: dates come in the document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from prescriptions.assessments import battery
from prescriptions.rules import measures, postop
from prescriptions.rules.pain import PainSession


class CaseError(ValueError):
    """A case the rules cannot read; `field` names where (e.g. "measurements[2].value")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CasePatient:
    age: int
    sex: str | None = None
    body_mass_kg: float | None = None
    height_cm: float | None = None
    training_status: str | None = None
    falls_in_last_year: bool | None = None


@dataclass(frozen=True)
class Measurement:
    test: str
    side: str
    measure: str
    value: float | str


@dataclass(frozen=True)
class ProgrammeState:
    stage: int | None = None
    stage_started_on: date | None = None
    goal: str | None = None
    exit_criteria_met: bool | None = None
    baseline_morning: float | None = None


@dataclass(frozen=True)
class Injection:
    on: date | None = None
    site: str = ""
    substance: str = ""


@dataclass(frozen=True)
class Case:
    on_date: date
    patient: CasePatient
    conditions: tuple[str, ...] = ()
    involved_side: str = ""
    goals: tuple[str, ...] = ()
    surgery: postop.Surgery | None = None
    injection: Injection | None = None
    red_flags: tuple[str, ...] = ()
    signs: tuple[str, ...] = ()
    findings: tuple[tuple[str, str], ...] = ()  # (code, side)
    measurements: tuple[Measurement, ...] = ()
    programme: ProgrammeState = field(default_factory=ProgrammeState)
    pain_log: tuple[PainSession, ...] = ()
    start_back: tuple[bool, ...] | None = None

    def values(self) -> dict[tuple[str, str, str], float | str]:
        """(test, side, measure) -> value, the later of two entries winning."""
        return {(m.test, m.side, m.measure): m.value for m in self.measurements}


def _where(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def case_errors(data: Any, schema: Mapping[str, Any]) -> list[str]:
    """Every way `data` breaks `schema`, each as "field: message", in document order."""
    # Imported here: jsonschema and its dependencies stay out of the processes (most web
    # requests, the Celery worker) that never check a case (docs/BENCHMARKS.md).
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    out = []
    for e in errors:
        where = _where(e.absolute_path)
        out.append(f"{where}: {e.message}" if where else e.message)
    return out


def _date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CaseError(where, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _measurement(i: int, raw: Mapping[str, Any]) -> Measurement:
    where = f"measurements[{i}]"
    test, measure, side = raw["test"], raw["measure"], raw.get("side", "")
    value = raw["value"]
    if test in measures.TESTS:
        codes = measures.TESTS[test]
        spec = codes.measures.get(measure)
        if spec is None:
            raise CaseError(
                f"{where}.measure",
                f"{measure!r} is not a measure of {test!r} (one of {', '.join(codes.measures)})",
            )
        _check_side(where, test, side, sided=codes.sided)
        return Measurement(test, side, measure, _checked(where, value, spec))
    field_spec = next((f for f in battery.TESTS[test].fields if f.name == measure), None)
    if field_spec is None:
        names = ", ".join(f.name for f in battery.TESTS[test].fields)
        raise CaseError(f"{where}.measure", f"{measure!r} is not a measure of {test!r} ({names})")
    _check_side(where, test, side, sided=field_spec.sided)
    if field_spec.kind == battery.CHOICE:
        allowed = tuple(v for v, _ in field_spec.choices)
        spec = measures.Measure(field_spec.unit, choices=allowed)
    else:
        low = None if field_spec.min is None else float(field_spec.min)
        high = None if field_spec.max is None else float(field_spec.max)
        spec = measures.Measure(field_spec.unit, low, high)
    return Measurement(test, side, measure, _checked(where, value, spec))


def _check_side(where: str, test: str, side: str, *, sided: bool) -> None:
    if sided and side not in ("left", "right"):
        raise CaseError(f"{where}.side", f"{test!r} is recorded per side: 'left' or 'right'")
    if not sided and side:
        raise CaseError(f"{where}.side", f"this measure of {test!r} is for the test as a whole: ''")


def _checked(where: str, value: Any, spec: measures.Measure) -> float | str:
    if spec.choices:
        if value not in spec.choices:
            raise CaseError(f"{where}.value", f"{value!r} is not one of {', '.join(spec.choices)}")
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CaseError(f"{where}.value", f"{value!r} is not a number")
    try:
        Decimal(str(value))
    except InvalidOperation:
        raise CaseError(f"{where}.value", f"{value!r} is not a number") from None
    if spec.integer and not float(value).is_integer():
        raise CaseError(f"{where}.value", f"{value!r} is not a whole number")
    if (spec.minimum is not None and value < spec.minimum) or (
        spec.maximum is not None and value > spec.maximum
    ):
        raise CaseError(
            f"{where}.value",
            f"{value!r} is outside {spec.minimum:g} to {spec.maximum:g} {spec.unit}".rstrip(),
        )
    return float(value)


def _pain(i: int, raw: Mapping[str, Any]) -> PainSession:
    return PainSession(
        on=_date(raw["date"], f"pain_log[{i}].date"),
        during=raw.get("during"),
        after=raw.get("after"),
        next_morning=raw.get("next_morning"),
        stiffness_next_morning=raw.get("stiffness_next_morning"),
        target_met=raw.get("target_met"),
        exercise=raw.get("exercise", ""),
        effusion=raw.get("effusion"),
        soreness=raw.get("soreness"),
    )


def _surgery(raw: Mapping[str, Any] | None) -> postop.Surgery | None:
    if raw is None:
        return None
    approach, graft = raw.get("approach"), raw.get("graft")
    return postop.Surgery(
        procedure=postop.Procedure(raw["procedure"]),
        on=_date(raw.get("date"), "surgery.date"),
        side=raw.get("side", ""),
        approach=postop.Approach(approach) if approach else None,
        graft=postop.Graft(graft) if graft else None,
        precautions_cleared_on=_date(
            raw.get("precautions_cleared_on"), "surgery.precautions_cleared_on"
        ),
    )


def case_from_json(data: Mapping[str, Any]) -> Case:
    """The `Case` of a document that passed the schema; CaseError names what else is
    wrong."""
    on_date = _date(data["on_date"], "on_date")
    assert on_date is not None  # noqa: S101 - required by the schema
    p = data["patient"]
    patient = CasePatient(
        age=p["age"],
        sex=p.get("sex"),
        body_mass_kg=p.get("body_mass_kg"),
        height_cm=p.get("height_cm"),
        training_status=p.get("training_status"),
        falls_in_last_year=p.get("falls_in_last_year"),
    )
    surgery = _surgery(data.get("surgery"))
    if surgery is not None and surgery.on is not None and surgery.on > on_date:
        raise CaseError("surgery.date", "is after on_date")
    inj = data.get("injection")
    injection = (
        None
        if inj is None
        else Injection(
            _date(inj.get("date"), "injection.date"), inj.get("site", ""), inj.get("substance", "")
        )
    )
    prog = data.get("programme", {})
    programme = ProgrammeState(
        stage=prog.get("stage"),
        stage_started_on=_date(prog.get("stage_started_on"), "programme.stage_started_on"),
        goal=prog.get("goal"),
        exit_criteria_met=prog.get("exit_criteria_met"),
        baseline_morning=prog.get("baseline_morning"),
    )
    pain_log = tuple(_pain(i, raw) for i, raw in enumerate(data.get("pain_log", ())))
    for i, session in enumerate(pain_log):
        if session.on is not None and session.on > on_date:
            raise CaseError(f"pain_log[{i}].date", "is after on_date")
    start_back = data.get("start_back")
    return Case(
        on_date=on_date,
        patient=patient,
        conditions=tuple(data.get("conditions", ())),
        involved_side=data.get("involved_side", ""),
        goals=tuple(data.get("goals", ())),
        surgery=surgery,
        injection=injection,
        red_flags=tuple(data.get("red_flags", ())),
        signs=tuple(data.get("signs", ())),
        findings=tuple((f["code"], f.get("side", "")) for f in data.get("findings", ())),
        measurements=tuple(
            _measurement(i, raw) for i, raw in enumerate(data.get("measurements", ()))
        ),
        programme=programme,
        pain_log=pain_log,
        start_back=None if start_back is None else tuple(start_back),
    )


def battery_values(case: Case) -> dict[tuple[str, str, str], Decimal | str]:
    """The case's battery measurements as the assessment stores them (Decimal or text)."""
    out: dict[tuple[str, str, str], Decimal | str] = {}
    for m in case.measurements:
        if m.test in battery.TESTS:
            out[(m.test, m.side, m.measure)] = (
                m.value if isinstance(m.value, str) else Decimal(str(m.value))
            )
    return out


def battery_of(case: Case) -> Sequence[str]:
    return battery.ordered(m.test for m in case.measurements if m.test in battery.TESTS)
