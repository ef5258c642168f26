"""Optimistic concurrency for records that two people may edit at the same time."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaleEditError(Exception):
    """Someone else saved the record after this editor loaded it."""

    message = _(
        "Someone else changed this record while you were editing it. "
        "Your changes have been kept below; review the current values and save again."
    )


def save_versioned(instance: Any, *, expected_version: int, update_fields: list[str]) -> None:
    """Save only if the stored version is still the one the editor saw, then bump it.

    The check and the write are one UPDATE, so two concurrent saves cannot both succeed.
    """
    model: type[models.Model] = type(instance)
    values = {field: getattr(instance, field) for field in update_fields}
    values["version"] = expected_version + 1
    if "updated_at" not in values and hasattr(instance, "updated_at"):
        from django.utils import timezone

        values["updated_at"] = timezone.now()
    changed = model._default_manager.filter(pk=instance.pk, version=expected_version).update(**values)
    if changed != 1:
        raise StaleEditError(str(StaleEditError.message))
    instance.version = expected_version + 1
