"""Rate limits per token (or per signed-in person), counted in the database like the public forms' limits
(abrazo.core.ratelimit), so every app server shares one count. Rates: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
in settings, "api" for every call and "api_write" for writes on top."""

from __future__ import annotations

import time
from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from abrazo.api.models import ApiToken
from abrazo.audit.middleware import client_ip
from abrazo.core.ratelimit import rate_limit_hit

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"600/min" -> (600, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0]]


def caller_key(request: Request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{client_ip(request._request)}"


class ApiRateThrottle(BaseThrottle):
    scope = "api"

    def applies(self, request: Request) -> bool:
        return True

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if not rate or not self.applies(request):
            return True
        self.limit, self.window = parse_rate(rate)
        return not rate_limit_hit(
            bucket=f"api:{self.scope}", address=caller_key(request), limit=self.limit, window_seconds=self.window
        )

    def wait(self) -> float | None:
        window = getattr(self, "window", 60)
        return window - (time.time() % window)


class ApiWriteRateThrottle(ApiRateThrottle):
    scope = "api_write"

    def applies(self, request: Request) -> bool:
        return request.method not in SAFE_METHODS
