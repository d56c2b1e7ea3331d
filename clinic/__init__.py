"""Stance's project package and the app for clinic-wide models."""

from clinic.celery import app as celery_app

__all__ = ["celery_app"]
