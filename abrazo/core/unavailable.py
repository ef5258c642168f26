"""A clean "service unavailable" page when the database cannot be reached.

Without this, a database outage shows the generic error page with status 500, and monitoring cannot tell it from
a bug. The page is rendered from a template alone: no request context, so no context processor, session or user
lookup touches the database that is down, and nothing from any record can appear in it. It says so in English and
in Spanish, since the language preference cannot be read.

A database error raised by a view reaches `process_exception`. One raised inside another middleware (the session,
the signed-in user) is turned into a 500 response before it gets here; Django announces it first with the
`got_request_exception` signal, whose receiver marks the request, and the marked 500 is replaced on its way out.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
_MARK = "_abrazo_database_unavailable"
RETRY_AFTER_SECONDS = 30


def unavailable_response() -> HttpResponse:
    response = HttpResponse(render_to_string("core/unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception, dispatch_uid="abrazo-database-unavailable")
def _mark_database_errors(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    """Near the top of MIDDLEWARE: a database outage anywhere below becomes the 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False) and response.status_code == 500:
            return unavailable_response()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        # The class name only: a driver's message can quote the query and its values.
        logger.error("database unavailable (%s) serving %s", type(exception).__name__, request.path)
        return unavailable_response()
