"""Factories for the cohort area: cohorts under way, their sessions, assignments, participants, attendance and
completed assignments, and a graduate with a certificate whose verification secret the test knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import factory

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.workforce import certificates
from abrazo.workforce.models import (
    Assignment,
    AssignmentCompletion,
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortSession,
    CohortStatus,
    Participant,
    ParticipantStatus,
    SessionModality,
)

START = date(2026, 1, 15)


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    network = factory.SubFactory(NetworkFactory)
    region = None
    name = factory.Sequence(lambda n: f"Consultant Training Cohort {n}")
    status = CohortStatus.IN_PROGRESS
    starts_on = START
    ends_on = factory.LazyAttribute(lambda cohort: cohort.starts_on + timedelta(days=240))
    capacity = 24


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortSession

    cohort = factory.SubFactory(CohortFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda session: f"Session {session.number}")
    held_on = factory.LazyAttribute(
        lambda session: session.cohort.starts_on + timedelta(days=30 * (session.number - 1)))
    hours = Decimal(3)
    modality = SessionModality.VIDEO
    location = "Zoom"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"Assignment {n}")
    required_for_completion = True


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    cohort = factory.SubFactory(CohortFactory)
    network = factory.SelfAttribute("cohort.network")
    full_name = factory.Sequence(lambda n: f"Participant {n}")
    email = factory.Sequence(lambda n: f"participant{n}@example.org")
    preferred_language = "en"
    status = ParticipantStatus.ENROLLED


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    participant = factory.SubFactory(ParticipantFactory, cohort=factory.SelfAttribute("..session.cohort"))
    status = AttendanceStatus.PRESENT
    hours = factory.LazyAttribute(lambda a: a.session.hours if a.status == AttendanceStatus.PRESENT else Decimal(0))


class AssignmentCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssignmentCompletion

    assignment = factory.SubFactory(AssignmentFactory)
    participant = factory.SubFactory(ParticipantFactory, cohort=factory.SelfAttribute("..assignment.cohort"))
    completed_on = START + timedelta(days=60)


def cohort_with_sessions(*, sessions: int = 3, hours: Decimal = Decimal(3), assignments: int = 1,
                         **cohort_fields: Any) -> Cohort:
    """A cohort with `sessions` sessions of `hours` hours and `assignments` required assignments."""
    cohort = CohortFactory(**cohort_fields)
    for number in range(1, sessions + 1):
        SessionFactory(cohort=cohort, number=number, hours=hours)
    for n in range(assignments):
        AssignmentFactory(cohort=cohort, title=f"Assignment {n + 1}")
    return cohort


def attend_everything(participant: Participant) -> None:
    """Present at every session, every assignment done: the participant meets the completion rule."""
    for session in participant.cohort.sessions.all():
        Attendance.objects.update_or_create(
            session=session, participant=participant,
            defaults={"status": AttendanceStatus.PRESENT, "hours": session.hours})
    for assignment in participant.cohort.assignments.all():
        AssignmentCompletion.objects.get_or_create(assignment=assignment, participant=participant,
                                                   defaults={"completed_on": START + timedelta(days=60)})


@dataclass
class Graduate:
    participant: Participant
    token: str


def graduate(*, cohort: Cohort | None = None, number: str = "", **fields: Any) -> Graduate:
    """A participant who completed their cohort (present everywhere, every assignment done), with a
    certificate number and a verification secret known to the test."""
    cohort = cohort or cohort_with_sessions()
    participant = ParticipantFactory(cohort=cohort, **fields)
    attend_everything(participant)
    token = certificates.new_token()
    participant.status = ParticipantStatus.COMPLETED
    participant.completed_on = cohort.ends_on
    participant.certificate_number = number or certificates.next_number(network_id=cohort.network_id,
                                                                         year=cohort.ends_on.year)
    participant.certificate_token_hash = certificates.hash_token(token)
    participant.save()
    return Graduate(participant, token)
