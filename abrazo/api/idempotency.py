"""Idempotency keys on create: a client that did not hear the answer may send the same POST again with the same
`Idempotency-Key` header and get the first answer back, with nothing created twice.

- same key, same endpoint, same body, within 24 hours: the stored answer (status and body), header
  `Idempotent-Replayed: true`;
- same key with another body or endpoint: 422 `idempotency_key_reused`;
- same key while the first request is still being processed: 409 `idempotency_key_in_use`.

Only successful answers are kept: a refused request (400, 403...) created nothing and may be corrected and sent
again with the same key.

A replay is access-checked like a new request: the view's permission and token scope (DRF's permission classes)
have run before `idempotent` is called, and `still_allowed` (the view's check that the record the create was made
against, e.g. the episode of a contact, is still within the caller's reach) runs before the stored answer is given.
If the caller lost access since, the stored answer (which may hold notes) is dropped and the refusal the endpoint
would give now (404/403) is returned.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from abrazo.api.errors import ApiError
from abrazo.api.models import IDEMPOTENCY_WINDOW, IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def body_hash(data: Any) -> str:
    """A hash of the parsed body, so that the same JSON with other spacing or key order is the same request."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _request_line(request: Request) -> str:
    return f"{request.method} {request.path}"[:300]


def _replay(stored: IdempotencyKey) -> Response:
    response = Response(json.loads(stored.response_body), status=stored.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(
    request: Request, handle: Callable[[], Response], still_allowed: Callable[[], None] | None = None
) -> Response:
    """Run `handle` (which creates and returns the response) at most once per key; without a key, just run it.

    `still_allowed` raises (Http404, PermissionDenied, ApiError...) when the caller could not make this create
    now; it is called before any stored answer is replayed.
    """
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return handle()
    if len(key) > MAX_KEY_LENGTH:
        raise ApiError(_("The Idempotency-Key header is too long (at most 200 characters)."),
                       code="idempotency_key_invalid", status_code=400)
    user = request.user
    fingerprint = body_hash(request.data)
    line = _request_line(request)
    now = timezone.now()
    # Keys older than the window are forgotten (the client may use them again for new requests); clearing all of
    # this person's old keys here keeps the table to about one day of creates without a scheduled job.
    IdempotencyKey.objects.filter(user=user, created_at__lt=now - IDEMPOTENCY_WINDOW).delete()
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is not None:
        return _answer_for(stored, fingerprint=fingerprint, line=line, still_allowed=still_allowed)
    try:
        with transaction.atomic():
            claim = IdempotencyKey.objects.create(
                user=user, key=key, request_line=line, body_hash=fingerprint, created_at=now
            )
            response = handle()
            if not 200 <= response.status_code < 300:
                # Roll back the claim: a refused request may be corrected and retried with the same key.
                raise _NotKept(response)
            claim.status_code = response.status_code
            # Stored as the client saw it (UUIDs and dates already strings), so a replay is byte-for-byte the same.
            claim.response_body = JSONRenderer().render(response.data).decode()
            claim.save(update_fields=["status_code", "response_body"])
            return response
    except _NotKept as refused:
        return refused.response
    except IntegrityError:
        # Another request holding the same key committed between our look-up and our insert.
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is None:
            raise
        return _answer_for(stored, fingerprint=fingerprint, line=line, still_allowed=still_allowed)


def _answer_for(
    stored: IdempotencyKey, *, fingerprint: str, line: str, still_allowed: Callable[[], None] | None
) -> Response:
    if stored.body_hash != fingerprint or stored.request_line != line:
        raise ApiError(
            _("This Idempotency-Key was already used for a different request; use a new key."),
            code="idempotency_key_reused", status_code=422,
        )
    if not stored.status_code:
        raise ApiError(_("A request with this Idempotency-Key is still being processed; try again shortly."),
                       code="idempotency_key_in_use", status_code=409)
    if still_allowed is not None:
        try:
            still_allowed()
        except Exception:
            # The caller may no longer make this create: the stored answer must not outlive their access.
            IdempotencyKey.objects.filter(pk=stored.pk).delete()
            raise
    return _replay(stored)


class _NotKept(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response
        super().__init__("response not kept")
