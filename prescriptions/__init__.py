"""Clinical work: assessing a patient, measuring outcomes, and prescribing and following an
exercise programme. One Django app (`prescriptions`, its models and migrations), grouped by
what a clinician names:

- `assessments/`: the assessment (gluteal test battery, derived values and evidence flags,
  findings, sign-off and amendments) and change over time.
- `outcomes/`: outcome measures (PROMs): scoring, the clinic's licensed wording, responses.
- `screening/`: pre-exercise screening (APSS stage 1).
- `previsit/`: questionnaires a patient answers online before a visit.
- `library/`: the exercise library (the shipped data and the clinic's own exercises).
- `programmes/`: prescribing: programmes, versions, the builder, and the
  practitioner's progress view with its progression suggestions.
- `patient_programme/`: the patient's side: today's exercises, logging sessions and pain,
  adherence, the handout, signed links.
- `rules/`: the clinical rules core, pure: flags, exclusions, dosing, stages and
  progression, suggestions (read by the screens and by `manage.py suggest_programme`).
- `demo/`: invented demo data for `manage.py seed_demo`.

Each area holds what it needs of: `models.py`, `selectors.py` (reads), `services.py`
(writes), pure helpers (no ORM), `forms.py` and `views.py` (with its URL patterns); the
clinical rules themselves live in `rules/`.
`vocabulary.py` holds the codes every area shares (conditions, goals, red flags, sides).
"""
