"""One-time submission keys: a double submit of a create form makes one record, not two.

A double submit (two clicks, a reload of the POST, a flaky connection retried) must not create two
records. Each create form carries a random submission key; the first request to claim it wins.
The claim is a row in the database cache, inserted inside the create's transaction: the table's
primary key makes two concurrent claims impossible, and a create that fails validation rolls its
claim back, so the person can correct the form and submit the same key again.

Shared by the directory's create forms and the public request form; `owner` keeps their keys apart
(the signed-in person for the directory, the network for anonymous requests).
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar
from uuid import UUID

from django import forms
from django.core.cache import cache
from django.db import models

M = TypeVar("M", bound=models.Model)

SUBMISSION_TTL_SECONDS = 24 * 60 * 60


class AlreadySubmitted(Exception):
    """The create form was already submitted; `existing` is what that first submit created, if known."""

    def __init__(self, existing: models.Model | None) -> None:
        super().__init__("already submitted")
        self.existing = existing


class CreateOnceMixin(forms.Form):
    """A hidden random key that lets the service recognise a second submit of the same create form."""

    submission_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4()

    def submission_key_value(self) -> UUID | None:
        value = self.cleaned_data.get("submission_key")
        return value if isinstance(value, UUID) else None


def _cache_key(owner: str, key: UUID) -> str:
    return f"abrazo:submission:{owner}:{key}"


def claim_submission(*, owner: str, key: UUID | None, model: type[M]) -> None:
    """Claim the key inside the caller's transaction, or raise AlreadySubmitted naming the first record."""
    if key is None:
        return
    cache_key = _cache_key(owner, key)
    if cache.add(cache_key, "", timeout=SUBMISSION_TTL_SECONDS):
        return
    existing_pk = cache.get(cache_key)
    existing = model._default_manager.filter(pk=existing_pk).first() if existing_pk else None
    raise AlreadySubmitted(existing)


def submitted_pk(*, owner: str, key: UUID | None) -> str | None:
    """The primary key (as text) of what an earlier submit of this key created or changed, or None when the
    key was never claimed, or was claimed by a submit that has not finished (or recorded nothing).

    For a second click whose target is gone (a delete already done): the view can still point the person
    at what the first click changed."""
    if key is None:
        return None
    remembered = cache.get(_cache_key(owner, key))
    return str(remembered) if remembered else None


def remember_submission(*, owner: str, key: UUID | None, obj: models.Model) -> None:
    """Record what the claimed key created, so that a second submit can be pointed at it."""
    if key is not None:
        cache.set(_cache_key(owner, key), str(obj.pk), timeout=SUBMISSION_TTL_SECONDS)
