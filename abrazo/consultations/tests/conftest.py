"""Episodes placed inside and outside the scopes of the `world` fixture's people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import MembershipFactory, give_totp
from abrazo.consultations.models import Episode
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import AgencyFactory, ConsultantProfileFactory, county


@dataclass
class Episodes:
    world: Any
    consultant: ConsultantProfile  # the world's consultant, supervised by the world's supervisor
    other_consultant: ConsultantProfile  # region B, nobody in the world supervises them
    child_episode: Episode  # program A, the world's consultant, child-specific
    classroom_episode: Episode  # program A, the world's consultant
    outside_episode: Episode  # program B, the other consultant

    def person(self, role: str) -> Any:
        return self.world.people[role]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded consent forms go to a throw-away folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def episodes(world: Any) -> Episodes:
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    agency_b = AgencyFactory(network=world.network, region=world.region_b, name="Harbor Family Services")
    other = ConsultantProfileFactory(
        network=world.network, region=world.region_b, agency=agency_b, counties=[county("06037")]
    )
    # A consultant of the same network with a real membership: holds "episode.work", but not on our episodes.
    MembershipFactory(user=other.user, network=world.network, role=Role.CONSULTANT)
    give_totp(other.user)
    return Episodes(
        world=world, consultant=consultant, other_consultant=other,
        child_episode=EpisodeFactory(program=world.program_a, consultant=consultant, child=True),
        classroom_episode=EpisodeFactory(program=world.program_a, consultant=consultant),
        outside_episode=EpisodeFactory(program=world.program_b, consultant=other),
    )


@pytest.fixture
def coordinator_b(world: Any) -> Any:
    """A coordinator of region B: inside the network, outside region A."""
    membership = MembershipFactory(network=world.network, role=Role.REGIONAL_COORDINATOR, region=world.region_b)
    give_totp(membership.user)
    return membership.user
