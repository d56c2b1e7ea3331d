"""Joining a possible duplicate patient record into the record it duplicates.

An online booking made with an email address the clinic already has, by someone who has
not shown they own that address, is kept on a record of its own (`possible_duplicate_of`
names the existing one): the booker learns nothing about the existing record and the
booking does not join it. It joins when the address's owner confirms from the email
(`bookings` link) or when staff join the two after checking.

Joining moves every row that names the duplicate to the original and marks the duplicate
joined (`duplicate_joined_at`). Each app registers its models with a `patient` foreign
key in its `merging.py` (`patient_rows_register`). The duplicate itself stays, empty,
because the access log is append-only: who opened that record stays true.
"""

from __future__ import annotations

import logging

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from clinic.errors import DomainError
from clinic.models import DeletionRequest, Patient, User

logger = logging.getLogger(__name__)

_MODELS: list[type[models.Model]] = []


def patient_rows_register(*model_classes: type[models.Model]) -> None:
    """Models whose `patient` rows follow a duplicate into its original record. Call it
    from the app's merging.py (imported once, at the first join)."""
    for model in model_classes:
        if model not in _MODELS:
            _MODELS.append(model)


def _models() -> list[type[models.Model]]:
    autodiscover_modules("merging")
    return list(_MODELS)


def patient_duplicate_join(*, duplicate: Patient, by: User | None) -> Patient:
    """Move everything of `duplicate` to the record it duplicates and mark it joined.
    Returns the original. Raises DomainError when there is nothing to join."""
    with transaction.atomic():
        duplicate = Patient.objects.select_for_update().get(pk=duplicate.pk)
        original = duplicate.possible_duplicate_of
        if original is None or duplicate.duplicate_joined_at is not None:
            raise DomainError("This record is not a possible duplicate of another.")
        if DeletionRequest.objects.filter(patient__in=[duplicate, original]).exists():
            raise DomainError("One of the two records belongs to a deleted account.")
        for model in _models():
            # Model._default_manager: Django's documented way to a model's manager.
            model._default_manager.filter(patient=duplicate).update(patient=original)
        duplicate.duplicate_joined_at = timezone.now()
        duplicate.save(update_fields=["duplicate_joined_at"])
    logger.info(
        "patient duplicate joined duplicate=%s original=%s by=%s",
        duplicate.pk,
        original.pk,
        by.pk if by else None,
    )
    return original
