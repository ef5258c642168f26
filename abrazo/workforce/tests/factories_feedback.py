"""Factories for feedback from the field: a cohort with sessions and participants (minimal, kept here so that the
feedback tests do not depend on the cohort area's factories), completed surveys of the shipped satisfaction and
training feedback instruments with answers, the FeedbackRequest that ties a training one to its cohort or group,
and curated voices. Records are built directly, not through the services."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.measures.models import Administration, AdministrationStatus, Instrument, Respondent, Timepoint
from abrazo.workforce.models import (
    Cohort,
    CohortSession,
    CohortStatus,
    FeedbackContext,
    FeedbackRequest,
    Participant,
    ParticipantStatus,
    Voice,
    VoiceStatus,
)

START = date(2026, 1, 15)
SATISFACTION_KEY = "abrazo_satisfaction"
TRAINING_KEY = "abrazo_training_feedback"


def shipped(key: str) -> Instrument:
    # The shipped instruments come from a data migration; a transactional test (the browser tests' live server)
    # empties every table when it ends, so install them again (the installer is idempotent) when they are gone.
    if not Instrument.objects.filter(network__isnull=True, key=key).exists():
        from abrazo.measures.models import Item, Scale
        from abrazo.measures.shipped import install

        install(Instrument, Item, Scale)
    return Instrument.objects.get(network__isnull=True, key=key)


class FeedbackCohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    network = factory.SubFactory(NetworkFactory)
    region = None
    name = factory.Sequence(lambda n: f"Feedback Training Cohort {n}")
    status = CohortStatus.IN_PROGRESS
    starts_on = START
    ends_on = factory.LazyAttribute(lambda cohort: cohort.starts_on + timedelta(days=240))


class FeedbackSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortSession

    cohort = factory.SubFactory(FeedbackCohortFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda session: f"Session {session.number}")
    held_on = factory.LazyAttribute(lambda session: session.cohort.starts_on + timedelta(days=30))
    hours = Decimal(3)


class FeedbackParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    cohort = factory.SubFactory(FeedbackCohortFactory)
    network = factory.SelfAttribute("cohort.network")
    full_name = factory.Sequence(lambda n: f"Trainee {n}")
    email = factory.Sequence(lambda n: f"trainee{n}@example.org")
    preferred_language = "en"
    status = ParticipantStatus.ENROLLED


def training_answers(**overrides: Any) -> dict[str, Any]:
    """A participant who liked the session (all 4s and 5s), wrote one comment and agreed to share it."""
    answers = {
        "trn_worth_time": "5", "trn_facilitator": "5", "trn_can_use": "4", "trn_respected": "5",
        "trn_materials": "4", "trn_recommend": "5",
        "trn_most_useful": "Practising the reflective questions with a partner made it real for me.",
        "trn_share_comment": "1",
    }
    answers.update(overrides)
    return {key: value for key, value in answers.items() if value is not None}


def satisfaction_answers(**overrides: Any) -> dict[str, Any]:
    rated = ("sat_worthwhile", "sat_knowledgeable", "sat_listened", "sat_respected", "sat_resources",
             "conf_understand", "conf_stay_calm", "conf_keep_in_program", "conf_know_where_to_turn")
    answers: dict[str, Any] = dict.fromkeys(rated, "5")
    answers.update({"sat_referrals": "9", "sat_most_helpful": "Ella me escuchó sin juzgarme.",
                    "sat_share_comment": "1"})
    answers.update(overrides)
    return {key: value for key, value in answers.items() if value is not None}


class TrainingFeedbackFactory(factory.django.DjangoModelFactory):
    """A completed training feedback survey (no episode, no program); give it a FeedbackRequest."""

    class Meta:
        model = Administration

    network = factory.SubFactory(NetworkFactory)
    instrument = factory.LazyFunction(lambda: shipped(TRAINING_KEY))
    respondent_role = Respondent.OTHER
    timepoint = Timepoint.POST
    status = AdministrationStatus.COMPLETED
    completed_on = factory.LazyFunction(timezone.localdate)
    due_on = factory.LazyFunction(timezone.localdate)
    language = "en"
    answers = factory.LazyFunction(training_answers)
    respondent_consent = True


class FeedbackRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackRequest

    administration = factory.SubFactory(TrainingFeedbackFactory)
    network = factory.SelfAttribute("administration.network")
    context = FeedbackContext.TRAINING


def training_feedback(*, cohort: Cohort | None = None, group: Any = None, session: CohortSession | None = None,
                      participant: Participant | None = None, **administration: Any) -> Administration:
    """A completed training (or group) feedback survey about a cohort (or a group), with its FeedbackRequest."""
    network = cohort.network if cohort is not None else group.network
    made = TrainingFeedbackFactory(network=network, **administration)
    FeedbackRequestFactory(
        administration=made, network=network, cohort=cohort, group=group, session=session, participant=participant,
        context=FeedbackContext.TRAINING if cohort is not None else FeedbackContext.GROUP,
    )
    return made


class SatisfactionFactory(factory.django.DjangoModelFactory):
    """A completed satisfaction survey at the close of an episode (network and program follow the episode)."""

    class Meta:
        model = Administration

    episode = factory.SubFactory("abrazo.consultations.tests.factories.EpisodeFactory")
    network = factory.SelfAttribute("episode.network")
    program = factory.SelfAttribute("episode.program")
    instrument = factory.LazyFunction(lambda: shipped(SATISFACTION_KEY))
    respondent_role = Respondent.TEACHER
    timepoint = Timepoint.POST
    status = AdministrationStatus.COMPLETED
    completed_on = factory.LazyFunction(timezone.localdate)
    due_on = factory.LazyFunction(timezone.localdate)
    language = "es"
    answers = factory.LazyFunction(satisfaction_answers)
    respondent_consent = True


class VoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voice

    network = factory.SubFactory(NetworkFactory)
    administration = None
    item_key = ""
    context = FeedbackContext.TRAINING
    text = factory.Sequence(lambda n: f"I use what I learned every single day ({n}).")
    language = "en"
    attribution = "a participant in a consultant training in the Central Valley"
    status = VoiceStatus.PUBLISHED
    position = factory.Sequence(lambda n: n + 1)
    published_at = factory.LazyFunction(timezone.now)
