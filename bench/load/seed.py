"""The people and records the load test works on, added once to the state-scale network.

The state-scale demo (`abrazo demo --scale state`) is the directory: 40,000 programs, 1,000 consultants and the
demo accounts. The mix also needs work in progress, so this adds (once; marked by the first child's code) episodes
for the demo consultant, a roster for the demo director's program and new requests in the demo coordinator's
region, with factories as the other benches do. Then it prepares, for each role, signed-in browser sessions (as
bench/session.py does: no sign-in form, no MFA prompt) and an API token, written to a JSON file that the
locustfile reads, so that no request of the measured run is spent signing in.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from abrazo.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from abrazo.accounts.models import Membership

MARKER = "LOAD-0000"
EPISODES = 40
CHILDREN = 40
REQUESTS = 300
SESSIONS_PER_ROLE = 12
ROLES = {
    "consultant": ("consultant", ["episodes:read", "episodes:write"]),
    "coordinator": ("coordinator", ["requests:read"]),
    "director": ("director", ["incidents:write"]),
    "evaluator": ("evaluator", []),
}


# The scale whose demo network the test works on: "state" for the measurement; "default" (800 programs) only to try
# the script quickly.
SCALE = os.environ.get("ABRAZO_LOAD_SCALE", "state")


def _member(key: str) -> Membership:
    from abrazo.directory.demo import SCALES

    scale = SCALES[SCALE]
    email = f"{key}@{scale.email_domain}"
    membership = (
        Membership.objects.select_related("user", "network", "program", "region")
        .filter(user__email=email, network__slug=scale.slug)
        .first()
    )
    if membership is None:
        raise SystemExit(f"{email} is missing: run `abrazo demo --scale {SCALE}` first.")
    return membership


def seed_work() -> None:
    from abrazo.consultations.tests.factories import EpisodeFactory
    from abrazo.directory.models import ConsultantProfile, Program
    from abrazo.incidents.models import Child
    from abrazo.incidents.tests.factories import ChildFactory
    from abrazo.intake.tests.factories import RequestFactory

    if Child.objects.filter(code=MARKER).exists():
        return
    consultant = _member("consultant")
    profile = ConsultantProfile.objects.get(user=consultant.user, network=consultant.network)
    programs = list(
        Program.objects.filter(network=consultant.network, region=profile.region, is_active=True)[:EPISODES]
    )
    for program in programs:
        EpisodeFactory(program=program, consultant=profile)
    director = _member("director")
    assert director.program is not None, "the demo director runs a program"
    for index in range(CHILDREN):
        ChildFactory(program=director.program, code=f"LOAD-{index:04d}")
    coordinator = _member("coordinator")
    for index in range(REQUESTS):  # in Fresno County (the factory's default), inside the coordinator's region
        RequestFactory(region=coordinator.region, reference=f"R-LOAD-{index:05d}")


def _session_cookie(user: Any) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = timezone.now().isoformat()  # continuous requests keep it fresh, so the idle timeout never fires
    session[SESSION_STARTED_KEY] = now
    session[SESSION_SEEN_KEY] = now
    session.create()
    return str(session.session_key)


def prepare_credentials(path: Path) -> dict[str, Any]:
    """Sessions and tokens for each role, plus the ids the tasks work on; written to `path` as JSON."""
    from abrazo.api.services import token_create
    from abrazo.consultations.models import Episode

    credentials: dict[str, Any] = {"cookie_name": settings.SESSION_COOKIE_NAME, "roles": {}}
    for role, (key, scopes) in ROLES.items():
        user = _member(key).user
        token = token_create(user=user, name="load test", scopes=scopes).plaintext if scopes else ""
        credentials["roles"][role] = {
            "sessions": [_session_cookie(user) for _ in range(SESSIONS_PER_ROLE)],
            "token": token,
        }
    consultant = _member("consultant")
    # Open episodes that began at least six days ago: the mix dates its contacts one to five days back.
    workable = Episode.objects.filter(
        consultant__user=consultant.user, closed_at=None, opened_at__lte=timezone.now() - timedelta(days=6)
    )
    credentials["episodes"] = [str(pk) for pk in workable.values_list("pk", flat=True)[:EPISODES]]
    director = _member("director")
    credentials["program"] = str(director.program_id)
    credentials["children"] = [f"LOAD-{index:04d}" for index in range(CHILDREN)]
    credentials["language"] = "en"
    path.write_text(json.dumps(credentials))
    return credentials
