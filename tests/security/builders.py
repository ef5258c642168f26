"""Ready-made inputs for the reliability tests (double submits, fault injection): one valid public request,
one valid incident and one open episode in the `world` fixture's program A, so each test file does not
build its own copy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from abrazo.consultations.models import Episode
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import county
from abrazo.incidents import birs
from abrazo.incidents.services import IncidentData
from abrazo.intake.services import RequestData
from abrazo.intake.tests.factories import language


def request_data() -> RequestData:
    """A complete request about one child, as the public form would send it."""
    return RequestData(
        requester_name="Ana Ruiz",
        requester_email="ana@example.org",
        requester_role="director",
        preferred_language=language("es"),
        program_name="Casa de Niños",
        address_line1="12 Elm Street",
        city="Fresno",
        postal_code="93701",
        county=county("06019"),
        setting_type="center",
        concern_categories=["behavior"],
        concern_text="A four-year-old hits other children.",
        child_specific=True,
        child_age_months=50,
    )


def incident_data(
    child: Any,
    *,
    occurred_on: dt.date | None = None,
    admin_follow_up: str = birs.AdminFollowUp.CONTACT_FAMILY,
) -> IncidentData:
    """A complete incident for `child`, yesterday unless told; `admin_follow_up` chooses whether it excludes."""
    return IncidentData(
        child=child,
        occurred_on=occurred_on or timezone.localdate() - dt.timedelta(days=1),
        occurred_at=dt.time(9, 15),
        problem_behavior=birs.ProblemBehavior.PHYSICAL_AGGRESSION,
        activity=birs.Activity.OUTDOOR,
        others_involved=birs.OthersInvolved.PEERS,
        possible_motivation=birs.PossibleMotivation.OBTAIN_ITEM,
        strategy_response=birs.StrategyResponse.REDIRECT,
        admin_follow_up=admin_follow_up,
    )


def an_episode(world: Any, *, days_open: int = 5) -> Episode:
    """An open episode of the world's consultant at program A, opened `days_open` days ago."""
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    return EpisodeFactory(
        program=world.program_a, consultant=consultant, opened_at=timezone.now() - dt.timedelta(days=days_open)
    )
