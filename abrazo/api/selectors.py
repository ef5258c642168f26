"""Reads of the API's own records: a person sees only their own tokens."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from abrazo.accounts.models import Membership
from abrazo.api.models import ApiToken


def token_list_for(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "id")


def token_get_for(*, user: Any, token_id: UUID) -> ApiToken:
    """One of the person's own tokens; anyone else's answers 404."""
    return get_object_or_404(ApiToken.objects.filter(user=user), pk=token_id)


def network_tokens(*, network: Any) -> QuerySet[ApiToken]:
    """The usable tokens of the people with an active membership in the network (an administrator's list).

    A person in two networks is listed in both: their token reaches both networks' records.
    """
    members = Membership.objects.filter(network=network, is_active=True).values("user_id")
    return (
        ApiToken.objects.usable()
        .filter(user_id__in=members)
        .select_related("user")
        .order_by("user__email", "-created_at", "id")
    )


def network_token_get(*, network: Any, token_id: UUID) -> ApiToken:
    """One usable token of a member of the network; any other answers 404."""
    return get_object_or_404(network_tokens(network=network), pk=token_id)
