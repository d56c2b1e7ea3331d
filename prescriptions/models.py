"""Assessments, the exercise library and programmes (built in later issues)."""
