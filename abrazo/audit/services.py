"""Writing to the ledger. Views never write AccessEvent directly; selectors and services call these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from abrazo.audit.context import current_request
from abrazo.audit.models import AccessEvent, Action, Outcome


def _object_type(obj_or_model: Any) -> str:
    meta = obj_or_model._meta
    return f"{meta.app_label}.{meta.model_name}"


def record(
    *,
    user: Any,
    action: str,
    object_type: str = "",
    object_id: str = "",
    object_ids: Iterable[Any] = (),
    outcome: str = Outcome.ALLOWED,
    email: str = "",
) -> AccessEvent:
    ctx = current_request.get()
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return AccessEvent.objects.create(
        occurred_at=timezone.now(),
        user_id=user.pk if authenticated else None,
        user_email=(user.email if authenticated else email)[:254],
        role=(user.primary_role or "") if authenticated else "",
        network_id=(user.primary_network.pk if authenticated and user.primary_network else None),
        ip_address=ctx.ip_address if ctx else None,
        path=ctx.path if ctx else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_ids=[str(pk) for pk in object_ids],
        outcome=outcome,
    )


def record_view(*, user: Any, obj: models.Model) -> AccessEvent:
    return record(user=user, action=Action.VIEW, object_type=_object_type(obj), object_id=str(obj.pk))


def record_list(
    *, user: Any, model: type[models.Model], ids: Iterable[Any], action: str = Action.LIST
) -> AccessEvent:
    return record(user=user, action=action, object_type=_object_type(model), object_ids=ids)


def record_change(*, user: Any, obj: models.Model, action: str = Action.UPDATE) -> AccessEvent:
    return record(user=user, action=action, object_type=_object_type(obj), object_id=str(obj.pk))


def record_denied(*, user: Any, object_type: str, object_id: str = "", action: str = Action.VIEW) -> AccessEvent:
    return record(
        user=user, action=action, object_type=object_type, object_id=object_id, outcome=Outcome.DENIED
    )
