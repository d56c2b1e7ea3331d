"""docs/CLINICAL_RULES.md is generated from the rules and never drifts from them; every
rule record names its source and section. Pure: no database."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from prescriptions.rules import catalogue, thresholds

ROOT = Path(__file__).resolve().parents[3]


def test_the_committed_document_is_the_generated_one():
    committed = (ROOT / "docs" / "CLINICAL_RULES.md").read_text(encoding="utf-8")
    out = StringIO()
    call_command("clinical_rules_doc", stdout=out)
    assert out.getvalue() == catalogue.clinical_rules_markdown()
    assert committed == out.getvalue(), (
        "docs/CLINICAL_RULES.md is stale: run "
        "`python manage.py clinical_rules_doc > docs/CLINICAL_RULES.md`"
    )


def test_every_rule_has_a_unique_code_a_source_and_a_section():
    rules = [r for _, _, family, _ in catalogue.SECTIONS for r in family]
    codes = [r.code for r in rules]
    assert len(codes) == len(set(codes))
    for r in rules:
        assert r.source.cite and r.source.section.startswith("§"), r.code
        assert r.text and r.title, r.code
        assert r.source.evidence in catalogue.EVIDENCE_WORDS, r.code


def test_every_threshold_is_in_the_document():
    text = catalogue.clinical_rules_markdown()
    for t in thresholds.THRESHOLDS:
        assert f"`{t.code}`" in text
