"""The clinical rules core: every rule Stance applies to a patient, in one pure package.

Plain data in, plain data out: no ORM, no request, no clock (dates are passed in). The
assessment and programme screens call these modules, and so does the audit command
`python manage.py suggest_programme CASE.json`. Each threshold sits beside its source and
its CLINICAL.md section (a `Rule` record, or a table whose rows carry them), and
`docs/CLINICAL_RULES.md` is generated from them (`python manage.py clinical_rules_doc`).

By rule family (CLINICAL.md sections):
- `pain`: the pain-monitoring model, progress / hold / regress / see the clinician (§8).
- `stages`: stage timing and gates for LEAP, ACL reconstruction and THA (§9).
- `postop`: surgery codes, THA precautions and the conflict matrix, ACLR restrictions,
  stop signs (§10).
- `training`, `dosing`: doses by training status and goal (§4, §11); the progression of
  one programme item; the pain check of one logged session.
- `falls`, `acl`: falls and function tests (§12), the ACL return-to-sport battery and the
  ACL hip-strength cut-offs in their context (§13).
- `lbp`, `gt`: low back pain (STarT Back, trunk findings, §14) and the LEAP programme for
  gluteal tendinopathy (§15).
- `thresholds`: the assessment battery's thresholds and where each applies (§1, §13.3).
- `findings`, `suggestions`: from an assessment's values to findings, and from findings to
  exercises, education, what to avoid, or "no exercise follows from this".
- `conflicts`: warnings for a programme or one of its items.
- `change`: when a change over time counts (§1, §2); `goals`: the proposed programme goal.
- `case`, `case_flags`, `engine`, `schema`: the audit command's case format, its flags, the
  whole evaluation and its JSON Schema; `catalogue`: docs/CLINICAL_RULES.md. `records`,
  `sources`, `flags`, `measures`: the shared shapes and codes.

This module imports nothing, so any part of the app may import a sub-module without
pulling in the rest.
"""
