"""Assessments: the gluteal test battery (`battery`, pure), derived values and evidence
flags (`derived`, pure), findings for prescribing (`findings`), change over time
(`change`, pure; `comparison` reads it from the database), and the assessment's models,
selectors, services, forms and views (draft, sign off, amend, re-assess)."""
