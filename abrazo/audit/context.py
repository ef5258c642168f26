"""The request that is being served, so that services deep down can stamp audit events with it."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RequestLedger:
    """What the request has put in the ledger so far. A page often reads several things (a child, their
    incidents and exclusions); the reads are gathered here and written as one event when the response is
    ready, so the ledger holds one line per page seen, not one per query (see AuditContextMiddleware)."""

    reads: list[dict[str, Any]] = field(default_factory=list)
    denied: int = 0  # refusals recorded (written at once, like changes and sign-ins)


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None
    path: str
    ledger: RequestLedger = field(default_factory=RequestLedger)


current_request: ContextVar[RequestContext | None] = ContextVar("abrazo_audit_request", default=None)
