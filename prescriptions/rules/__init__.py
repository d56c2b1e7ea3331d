"""The clinical rules core: every rule Stance applies to a patient, in one pure package.

Plain data in, plain data out: no ORM, no request, no clock (dates are passed in). The
assessment and programme screens call these modules, and so does the audit command
`python manage.py suggest_programme CASE.json`. Each threshold sits beside its source and
its CLINICAL.md section (a `Rule` record, or a table whose rows carry them), and
`docs/CLINICAL_RULES.md` is generated from them (`python manage.py clinical_rules_doc`).

By rule family:
- `dosing`: goal and training-status doses, the progression of one programme item.
- `suggestions`: exercises suggested from assessment findings, and what to avoid.
- `conflicts`: warnings for a programme or one of its items.

This module imports nothing, so any part of the app may import a sub-module without
pulling in the rest.
"""
