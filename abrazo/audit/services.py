"""Writing to the ledger. Views never write AccessEvent directly; selectors and services call these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from abrazo.audit.context import RequestContext, current_request
from abrazo.audit.models import AccessEvent, Action, Outcome


def _object_type(obj_or_model: Any) -> str:
    meta = obj_or_model._meta
    return f"{meta.app_label}.{meta.model_name}"


READ_ACTIONS = frozenset({Action.VIEW, Action.LIST, Action.SEARCH})


def record(
    *,
    user: Any,
    action: str,
    object_type: str = "",
    object_id: str = "",
    object_ids: Iterable[Any] = (),
    outcome: str = Outcome.ALLOWED,
    email: str = "",
    primary: bool = False,
) -> AccessEvent:
    """Write one event. During a request, an allowed read is held back and written with the request's other
    reads as one event when the response is ready (see write_request_reads); the returned instance is then
    not saved yet. Everything else (changes, refusals, sign-ins) is written at once. `primary` marks the read that
    names the page when it is not the page's first read (a report whose sections read an equity unit first)."""
    ctx = current_request.get()
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    fields = {
        "occurred_at": timezone.now(),
        "user_id": user.pk if authenticated else None,
        "user_email": (user.email if authenticated else email)[:254],
        "role": (user.primary_role or "") if authenticated else "",
        "network_id": (user.primary_network.pk if authenticated and user.primary_network else None),
        "ip_address": ctx.ip_address if ctx else None,
        "path": ctx.path if ctx else "",
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "object_ids": [str(pk) for pk in object_ids],
        "outcome": outcome,
    }
    if ctx is not None and outcome == Outcome.ALLOWED and action in READ_ACTIONS:
        ctx.ledger.reads.append({**fields, "primary": primary})
        return AccessEvent(**fields)
    event = AccessEvent.objects.create(**fields)
    if ctx is not None and outcome == Outcome.DENIED:
        ctx.ledger.denied += 1
    return event


def write_request_reads(ctx: RequestContext) -> AccessEvent | None:
    """The request's reads as one event: the first read names the page's record (or list), and the ids of
    everything else the page read (a child's incidents, an episode's measures) join its returned ids."""
    if not ctx.ledger.reads:
        return None
    # The read marked primary names the page; otherwise the first read does.
    chosen = next((i for i, read in enumerate(ctx.ledger.reads) if read["primary"]), 0)
    reads = [{k: v for k, v in read.items() if k != "primary"} for read in ctx.ledger.reads]
    first = reads.pop(chosen)
    others = reads
    ids = list(first["object_ids"])
    for other in others:
        ids.extend(pk for pk in (other["object_id"], *other["object_ids"]) if pk and pk != first["object_id"])
    ctx.ledger.reads.clear()
    return AccessEvent.objects.create(**{**first, "object_ids": list(dict.fromkeys(ids))})


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
