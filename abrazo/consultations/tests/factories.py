"""Episodes and what they carry, built straight into the database (services are tested on their own)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from abrazo.consultations.models import (
    ActionPlan,
    ActivityType,
    Closure,
    ClosureReason,
    Consent,
    ConsentRelationship,
    Contact,
    Episode,
    EpisodeType,
    FollowUp,
    Goal,
    Modality,
    Phase,
    Referral,
    ServiceType,
)
from abrazo.directory.models import Language
from abrazo.directory.tests.factories import ConsultantProfileFactory, ProgramFactory


def english() -> Language:
    return Language.objects.get(code="en")


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    program = factory.SubFactory(ProgramFactory)
    network = factory.SelfAttribute("program.network")
    consultant = factory.SubFactory(
        ConsultantProfileFactory,
        network=factory.SelfAttribute("..program.network"),
        region=factory.SelfAttribute("..program.region"),
    )
    episode_type = EpisodeType.CLASSROOM
    phase = Phase.INTAKE
    language = factory.LazyFunction(english)
    # A week ago, so that contacts dated today or a few days back fall inside the episode.
    opened_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7))

    class Params:
        child = factory.Trait(
            episode_type=EpisodeType.CHILD_FAMILY, child_code=factory.Sequence(lambda n: f"C-{n:04d}")
        )


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    episode = factory.SubFactory(EpisodeFactory, child=True)
    given_by_name = factory.Faker("name")
    relationship = ConsentRelationship.PARENT
    given_on = factory.LazyFunction(timezone.localdate)
    scope = "Observation in the classroom and conversations with the teaching team."
    recorded_by = factory.LazyAttribute(lambda o: o.episode.consultant.user)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    episode = factory.SubFactory(EpisodeFactory)
    contact_date = factory.LazyFunction(timezone.localdate)
    minutes = 60
    modality = Modality.ON_SITE
    activity_type = ActivityType.TEACHER_MEETING
    language = factory.LazyFunction(english)
    notes = "Talked about the morning transition."
    logged_by = factory.LazyAttribute(lambda o: o.episode.consultant.user)


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan

    episode = factory.SubFactory(EpisodeFactory)
    created_by = factory.LazyAttribute(lambda o: o.episode.consultant.user)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(ActionPlanFactory)
    description = "Teachers use a visual schedule at every transition."
    strategies = "Picture cards; a five-minute warning song."
    owner = "Lead teacher"
    target_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    episode = factory.SubFactory(EpisodeFactory, child=True)
    service_type = ServiceType.EARLY_INTERVENTION
    recorded_by = factory.LazyAttribute(lambda o: o.episode.consultant.user)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    episode = factory.SubFactory(EpisodeFactory, phase=Phase.CLOSED, closed_at=factory.LazyFunction(timezone.now))
    reason = ClosureReason.GOALS_MET
    closed_successfully = True
    closed_by = factory.LazyAttribute(lambda o: o.episode.consultant.user)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    episode = factory.SubFactory(EpisodeFactory, phase=Phase.CLOSED, closed_at=factory.LazyFunction(timezone.now))
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))

