"""Outcome measures (CLINICAL.md §2): scoring (`scoring`, pure), the clinic's licensed
wording (`instruments`), responses (models, services, selectors) and their forms and views.

`prescriptions.outcomes.score` is the scoring engine's entry point, kept here for the
callers that name it so (an earlier issue's contract)."""

from prescriptions.outcomes.scoring import INSTRUMENTS, change, score

__all__ = ["INSTRUMENTS", "change", "score"]
