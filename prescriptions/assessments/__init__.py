"""Assessments: the gluteal test battery (`battery`, pure), derived values (`derived`,
pure; the thresholds and flags they are judged by are `prescriptions.rules.thresholds`),
findings for prescribing (`findings`, reading an assessment for `prescriptions.rules.
findings`), change over time (`change`, pure, on `prescriptions.rules.change`;
`comparison` reads it from the database), and the assessment's models, selectors,
services, forms and views (draft, sign off, amend, re-assess)."""
