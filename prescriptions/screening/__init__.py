"""Pre-exercise screening (APSS stage 1, CLINICAL.md §5.1): the rules (`apss`, pure), the
screening record and its history, and the staff page."""
