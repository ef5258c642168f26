"""The request that is being served, so that services deep down can stamp audit events with it."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None
    path: str


current_request: ContextVar[RequestContext | None] = ContextVar("abrazo_audit_request", default=None)
