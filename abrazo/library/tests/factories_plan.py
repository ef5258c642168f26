"""Factories for resources in an episode's work: a resource attached to an action plan, a resource sent by email.

    link = PlanResourceFactory(plan=goal.plan, resource=resource)         # attached by the episode's consultant
    share = ResourceShareFactory(episode=episode, resource=resource)      # sent in English to a parent

Resources come from factories_resource.py (the library's shared factories); episodes and plans from the
consultations factories.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import factory

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import MembershipFactory, give_totp
from abrazo.consultations.models import Episode
from abrazo.consultations.tests.factories import ActionPlanFactory, EpisodeFactory, GoalFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import AgencyFactory, ConsultantProfileFactory, county
from abrazo.library.models import PlanResource, Resource, ResourceShare
from abrazo.library.tests.factories_resource import ResourceFactory, translation_of


class PlanResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanResource

    plan = factory.SubFactory(ActionPlanFactory)
    resource = factory.SubFactory(ResourceFactory, network=factory.SelfAttribute("..plan.episode.network"))
    note = "Ideas for the goodbye routine at drop-off."
    added_by = factory.LazyAttribute(lambda link: link.plan.episode.consultant.user)


class ResourceShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceShare

    episode = factory.SubFactory(EpisodeFactory)
    resource = factory.SubFactory(ResourceFactory, network=factory.SelfAttribute("..episode.network"))
    recipient_name = factory.Sequence(lambda n: f"Parent {n}")
    recipient_email = factory.Sequence(lambda n: f"parent{n}@example.org")
    language = "en"
    message = "The tip sheet we talked about on Tuesday."
    sent_by = factory.LazyAttribute(lambda share: share.episode.consultant.user)


@dataclass
class PlanWorld:
    """The `world` fixture plus episodes with plans and library resources around them.

    - `episode`: program A, the world's consultant (supervised by the world's supervisor), with a plan (one goal);
    - `outside_episode`: program B, another consultant of the network (a real member, with TOTP), with a plan;
    - `other_network_episode`: the other network's, with a plan;
    - `english`: a published English tip sheet of the network, with a published Spanish version `spanish`;
    - `english_only`: a published English resource with no translation;
    - `suggested`: a suggestion (not published); `elsewhere`: a published resource of the other network.
    """

    world: Any
    consultant: ConsultantProfile
    other_consultant: ConsultantProfile
    episode: Episode
    outside_episode: Episode
    other_network_episode: Episode
    english: Resource
    spanish: Resource
    english_only: Resource
    suggested: Resource
    elsewhere: Resource

    def person(self, role: str) -> Any:
        return self.world.people[role]


def plan_world(world: Any) -> PlanWorld:
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    agency_b = AgencyFactory(network=world.network, region=world.region_b, name="Harbor Family Services")
    other = ConsultantProfileFactory(network=world.network, region=world.region_b, agency=agency_b,
                                     counties=[county("06037")])
    MembershipFactory(user=other.user, network=world.network, role=Role.CONSULTANT)
    give_totp(other.user)
    episode = GoalFactory(plan__episode__program=world.program_a, plan__episode__consultant=consultant).plan.episode
    outside = GoalFactory(plan__episode__program=world.program_b, plan__episode__consultant=other).plan.episode
    elsewhere_episode = GoalFactory(plan__episode__program=world.other_program).plan.episode
    english = ResourceFactory(network=world.network, title="Saying goodbye at drop-off",
                              source_organisation="Zero to Three")
    return PlanWorld(
        world=world, consultant=consultant, other_consultant=other, episode=episode, outside_episode=outside,
        other_network_episode=elsewhere_episode, english=english,
        spanish=translation_of(english, title="Decir adiós en la entrada", summary="Ideas para las despedidas."),
        english_only=ResourceFactory(network=world.network, title="Calm-down corner"),
        suggested=ResourceFactory(network=world.network, title="A suggested video", suggested=True),
        elsewhere=ResourceFactory(network=world.other_network, title="Another network's tip sheet"),
    )
