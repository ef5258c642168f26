"""Reads of the API's own records: a person sees only their own tokens."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from abrazo.api.models import ApiToken


def token_list_for(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "id")


def token_get_for(*, user: Any, token_id: UUID) -> ApiToken:
    """One of the person's own tokens; anyone else's answers 404."""
    return get_object_or_404(ApiToken.objects.filter(user=user), pk=token_id)
