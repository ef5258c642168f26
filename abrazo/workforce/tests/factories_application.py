"""Factories for the applications area: a minimal cohort (taking applications by default) and an application.

The cohort factory is kept here, small, so these tests do not depend on the cohort area's factories."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from abrazo.directory.tests.factories import NetworkFactory, county
from abrazo.workforce.models import Application, ApplicationStatus, Cohort, CohortStatus, Participant


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    network = factory.SubFactory(NetworkFactory)
    region = None
    name = factory.Sequence(lambda n: f"Consultant Training Cohort {n}")
    description_en = "Nine monthly sessions for people who want to become consultants."
    description_es = "Nueve sesiones mensuales para quienes quieren ser consultores."
    status = CohortStatus.RECRUITING
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    ends_on = factory.LazyAttribute(lambda cohort: cohort.starts_on + timedelta(days=240))
    applications_close_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=21))
    capacity = 25


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    cohort = factory.SubFactory(CohortFactory)
    network = factory.SelfAttribute("cohort.network")
    given_name = factory.Sequence(lambda n: f"Applicant{n}")
    family_name = "Rivera"
    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    preferred_language = "en"
    county = factory.LazyFunction(county)
    region = factory.SelfAttribute("cohort.region")
    current_role = "Preschool teacher"
    degree = "MSW"
    motivation = "I want to support the teachers of young children."
    status = ApplicationStatus.SUBMITTED


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A participant added by hand (no application), as the cohort area's staff may do."""

    class Meta:
        model = Participant

    cohort = factory.SubFactory(CohortFactory)
    network = factory.SelfAttribute("cohort.network")
    full_name = factory.Sequence(lambda n: f"Participant {n}")
    email = factory.Sequence(lambda n: f"participant{n}@example.org")
