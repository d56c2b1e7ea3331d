"""Invented demo data for `manage.py seed_demo`: assessments and a programme with sessions
for the demo patient. Never real people."""
