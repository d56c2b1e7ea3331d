"""docs/CLINICAL_RULES.md, generated from the rules themselves: every rule record, every
threshold and table row, with its figure, what the software decides and its source, for
a clinical lead to read. `python manage.py clinical_rules_doc > docs/CLINICAL_RULES.md`
writes it; a test checks the committed file equals this output.
"""

# ruff: noqa: RUF001 - clinical notation (en dashes) is intended

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from prescriptions.outcomes.scoring import INSTRUMENTS
from prescriptions.rules import (
    acl,
    case_conference,
    change,
    dosing,
    falls,
    goals,
    gt,
    lbp,
    measures,
    pain,
    postop,
    smart_goals,
    stages,
    suggestions,
    thresholds,
    training,
)
from prescriptions.rules.records import Rule, fmt
from prescriptions.vocabulary import RED_FLAG_GROUPS

EVIDENCE_WORDS = {
    "V": "seen in the source",
    "V, derived": "worked out from the source's figures",
    "V secondary": "seen in a secondary summary",
    "M": "unverified: check against the primary paper",
    "derived rule": "a derived rule, not a validated cut-off",
    "design decision": "an app rule built on the sources",
    "observation": "an observation item",
}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _rules_table(rules: Iterable[Rule[Any]]) -> list[str]:
    lines = [
        "| Rule | Figure | What the software does | Source (evidence) | Why this figure |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rules:
        evidence = EVIDENCE_WORDS.get(r.source.evidence, r.source.evidence)
        lines.append(
            f"| **{_cell(r.title)}** `{r.code}` | {_cell(fmt(r.value))} | {_cell(r.text)} | "
            f"{_cell(r.source.cite)} ({evidence}); CLINICAL.md {r.section} | "
            f"{_cell(r.note) or '—'} |"
        )
    return lines


def _threshold_value(value: object) -> str:
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    if isinstance(value, tuple):
        return "–".join(str(v) for v in value)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _thresholds_table() -> list[str]:
    lines = [
        "| Flag | Test and measure | Flagged when | Applies to | Severity | Source |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    ops = {"<": "below", "<=": "at or below", ">": "above", ">=": "at or above"}
    for t in thresholds.THRESHOLDS:
        when = {
            "in": f"result is {_threshold_value(t.value)}",
            "outside": f"outside {_threshold_value(t.value)}",
            "from": f"from {_threshold_value(t.value)} (the upper figure is the stop)",
        }.get(t.op, f"{ops.get(t.op, t.op)} {_threshold_value(t.value)}")
        scope = thresholds.CONTEXTS[t.context].text
        if t.reference_sex:
            scope += f"; {t.reference_sex} reference values"
        if t.conditions:
            scope += "; conditions " + ", ".join(sorted(t.conditions))
        evidence = EVIDENCE_WORDS.get(t.source.evidence, t.source.evidence)
        lines.append(
            f"| {_cell(t.label)} `{t.code}` | `{t.test}.{t.measure}` | {_cell(when)} | "
            f"{_cell(scope)} | {t.severity} | {_cell(t.source.cite)} ({evidence}); "
            f"CLINICAL.md {t.source.section} |"
        )
    return lines


def _coverage_table() -> list[str]:
    lines = ["| Battery flag | Finding the suggestion rules read |", "| --- | --- |"]
    for code, finding in suggestions.COVERAGE.items():
        follows = suggestions.NO_EXERCISE_REASONS.get(finding)
        lines.append(
            f"| `{code}` | `{finding.value}`"
            + (f": no exercise follows ({follows})" if follows else "")
            + " |"
        )
    return lines


def _red_flags_table() -> list[str]:
    severity = {
        "absolute": "stop: do not exercise, refer",
        "hip_back": "stop: stop and refer",
        "relative": "precaution: no heavy or straining efforts until cleared",
        "stop_sign_checklist": "precaution: ask about the stop signs at each session",
    }
    lines = ["| Group | What the software does | Red flags |", "| --- | --- | --- |"]
    for key, title, flags in RED_FLAG_GROUPS:
        lines.append(
            f"| {_cell(title)} | {severity[key]} | {', '.join(f'`{f.value}`' for f in flags)} |"
        )
    return lines


def _chair_stand_table() -> list[str]:
    lines = ["| Age | Men: below | Women: below |", "| --- | --- | --- |"]
    for low, high, men, women in falls.CHAIR_STAND_CUTOFFS:
        lines.append(f"| {low}–{high} | {men} | {women} |")
    return lines


def _leap_table() -> list[str]:
    lines = [
        "| Stage | Exercise (slug) | Reps | Sets | Hold (s) | Per day | Effort (CR10) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for stage, doses in gt.LEAP_DOSES.items():
        for d in doses:
            hold = "–".join(map(str, d.hold_seconds)) if d.hold_seconds else "—"
            lines.append(
                f"| {stage} | `{d.slug}` | {fmt(d.reps)} | {fmt(d.sets)} | {hold} | "
                f"{d.per_day} | {d.effort} ({fmt(d.rpe)}) |"
            )
    return lines


def _trunk_table() -> list[str]:
    lines = [
        "| Finding | Exercises (slugs, first available first) | Starting dose |",
        "| --- | --- | --- |",
    ]
    for row in lbp.TRUNK_ROWS:
        lines.append(
            f"| {_cell(row.finding)} | {', '.join(f'`{s}`' for s in row.exercises)} | "
            f"{_cell(row.dose)} |"
        )
    return lines


def _goal_dose_table() -> list[str]:
    lines = [
        "| Goal | Sets | Reps | Holds × s | %1RM (external load only) | Rest (s) | Days a week | "
        "Sources |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for goal, g in dosing.GOAL_DOSES.items():
        pct = str(g.percent_1rm) if g.percent_1rm else "—"
        sources = "; ".join(f"{k}: {v}" for k, v in g.sources.items())
        lines.append(
            f"| {g.label} (`{goal.value}`) | {g.sets} ({g.sets_range}) | {g.reps} "
            f"({g.reps_range}) | {g.holds} × {g.hold_seconds} ({g.hold_seconds_range}) | {pct} | "
            f"{g.rest_seconds} ({g.rest_range}) | {g.days_per_week} ({g.days_range}) | "
            f"{_cell(sources)} |"
        )
    return lines


def _outcome_table() -> list[str]:
    lines = [
        "| Measure | Counts as a change at | Kind | Also needed to improve | Source |",
        "| --- | --- | --- | --- | --- |",
    ]
    for code, inst in INSTRUMENTS.items():
        t = inst.threshold
        if t is None:
            lines.append(f"| {code} | no verdict | — | — | {_cell(inst.threshold_note)} |")
            continue
        relative = f"{t.relative_percent:g} % of the baseline" if t.relative_percent else "—"
        lines.append(
            f"| {code} | {t.points:g} points | {t.kind} | {relative} | {_cell(t.source)} "
            f"{t.evidence} |"
        )
    return lines


def _codes_table() -> list[str]:
    lines = ["| Test | Measures | Per side | CLINICAL.md |", "| --- | --- | --- | --- |"]
    for code, t in measures.TESTS.items():
        units = ", ".join(f"`{m}` ({spec.unit or 'yes/no'})" for m, spec in t.measures.items())
        lines.append(
            f"| `{code}`: {_cell(t.name)} | {units} | {'yes' if t.sided else 'no'} | {t.section} |"
        )
    lines += ["", "Stop signs (`signs`):", ""]
    lines += [f"- `{s.value}`: {s.label}" for s in postop.Sign]
    return lines


Section = tuple[str, str, tuple[Rule[Any], ...], Callable[[], list[str]] | None]

SECTIONS: tuple[Section, ...] = (
    ("Pain-monitoring model", "§8; `prescriptions/rules/pain.py`", pain.RULES, None),
    (
        "Stage progression timing",
        "§9; `prescriptions/rules/stages.py`",
        stages.RULES,
        lambda: stages.stage_table_markdown().splitlines(),
    ),
    (
        "Post-operative and post-injection precautions",
        "§10; `prescriptions/rules/postop.py`",
        postop.RULES,
        lambda: ["#### THA conflict matrix (§10.3)", "", *postop.matrix_markdown().splitlines()],
    ),
    ("Red flags", "§4.6, §10.5; `prescriptions/rules/conflicts.py`", (), _red_flags_table),
    (
        "Dosing by training status and goal",
        "§11; `prescriptions/rules/training.py`",
        training.RULES,
        lambda: training.table_markdown().splitlines(),
    ),
    (
        "Goal defaults and progression",
        "§4; `prescriptions/rules/dosing.py`",
        dosing.RULES,
        _goal_dose_table,
    ),
    (
        "Falls-risk and function tests",
        "§12; `prescriptions/rules/falls.py`",
        falls.RULES,
        _chair_stand_table,
    ),
    ("ACL return to sport and hip strength", "§13; `prescriptions/rules/acl.py`", acl.RULES, None),
    (
        "Battery thresholds and the flags they raise",
        "§1, §4.6, §12.4, §13.3; `prescriptions/rules/thresholds.py`",
        (),
        _thresholds_table,
    ),
    (
        "Suggestions from findings",
        "§1, §3, §12.7, §14.2, §15; `prescriptions/rules/suggestions.py`",
        suggestions.RULES,
        _coverage_table,
    ),
    ("Low back pain", "§14; `prescriptions/rules/lbp.py`", lbp.RULES, _trunk_table),
    (
        "Gluteal tendinopathy (LEAP)",
        "§9.1, §15; `prescriptions/rules/gt.py`",
        gt.RULES,
        _leap_table,
    ),
    (
        "Change over time",
        "§1.4, §1.6, §1.10, §2; `prescriptions/rules/change.py`",
        change.RULES,
        lambda: [*change.battery_rules_markdown().splitlines(), "", *_outcome_table()],
    ),
    ("The programme goal", "§4.1; `prescriptions/rules/goals.py`", goals.RULES, None),
    (
        "Case conferences",
        "§17.3; `prescriptions/rules/case_conference.py`",
        case_conference.RULES,
        None,
    ),
    (
        "SMART goals",
        "§2.10, §18.2; `prescriptions/rules/smart_goals.py`",
        smart_goals.RULES,
        None,
    ),
    (
        "Codes of the case format",
        "§10.5, §12, §13; `prescriptions/rules/measures.py`",
        (),
        _codes_table,
    ),
)


def clinical_rules_markdown() -> str:
    lines = [
        "# Clinical rules",
        "",
        "What Stance decides, rule by rule: the figure, what the software does with it, and "
        "its source. Generated from the rules core (`prescriptions/rules/`) by `python "
        "manage.py clinical_rules_doc`; do not edit by hand (a test fails when this file and "
        "the rules differ). The screens and `python manage.py suggest_programme CASE.json` "
        "(case format: [suggest_programme.schema.json](suggest_programme.schema.json)) apply "
        "these same rules.",
        "",
        "Evidence words follow CLINICAL.md's tags: *seen in the source* [V]; *unverified* "
        "[M], where the app takes the safer default and says why; *an app rule built on the "
        "sources* for CLINICAL.md's design decisions. Where CLINICAL.md and issue 12 differ, "
        "CLINICAL.md's sourced rule wins and the rule's note says so. Patients never see a "
        "source or a section: the rules keep what patients read in separate texts.",
        "",
    ]
    for title, where, rules, extra in SECTIONS:
        lines += [f"## {title}", "", f"CLINICAL.md {where}", ""]
        if rules:
            lines += [*_rules_table(rules), ""]
        if extra is not None:
            lines += [*extra(), ""]
    return "\n".join(lines).rstrip() + "\n"
