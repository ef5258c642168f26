"""Signing the benchmark client in without the login form, and counting the list page's queries."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abrazo.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from abrazo.accounts.models import Membership, Role


def _state_admin():
    membership = (
        Membership.objects.select_related("user", "network")
        .filter(role=Role.NETWORK_ADMIN, network__slug="california-state-scale")
        .first()
    )
    if membership is None:
        raise SystemExit("The state-scale network has no administrator; run `abrazo demo --scale state`.")
    return membership.user


def signed_in_cookie() -> tuple[str, str, int]:
    from abrazo.accounts import access
    from abrazo.directory.models import Program

    user = _state_admin()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # Continuous requests keep refreshing the last-seen stamp, so the idle timeout never fires.
    now = timezone.now().isoformat()
    session[SESSION_STARTED_KEY] = now
    session[SESSION_SEEN_KEY] = now
    session.create()
    visible = access.visible(user, "program.view", Program.objects.filter(is_active=True)).count()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}", user.email, visible


def list_query_counts() -> dict[int, int]:
    """Queries made by one programs-list request at page sizes 10, 50 and 200."""
    user = _state_admin()
    client = Client()
    client.force_login(user)
    client.get("/directory/programs/")  # the first request of a session records it; count steady state
    counts = {}
    for size in (10, 50, 200):
        settings.ABRAZO_PAGE_SIZE = size
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/directory/programs/")
        assert response.status_code == 200, response.status_code
        counts[size] = len(queries.captured_queries)
    settings.ABRAZO_PAGE_SIZE = 50
    return counts
