from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from abrazo.accounts import access
from abrazo.audit.models import AccessEvent


def event_queryset_for(*, user: Any) -> QuerySet[AccessEvent]:
    return access.visible(user, "audit.view", AccessEvent.objects.all()).order_by("-occurred_at", "-id")
