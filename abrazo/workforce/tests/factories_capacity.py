"""Factories for the capacity report's tests: cohorts, applications and participants (the other workforce areas
keep their own factories, so that no two people edit one file)."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory

from abrazo.workforce.models import Application, ApplicationStatus, Cohort, CohortStatus, Participant


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    network = factory.SubFactory("abrazo.directory.tests.factories.NetworkFactory")
    name = factory.Sequence(lambda n: f"Consultant Training Cohort {n}")
    status = CohortStatus.COMPLETED
    starts_on = factory.Sequence(lambda n: date(2020 + n % 5, 1 + n % 12, 1))
    ends_on = factory.LazyAttribute(lambda cohort: date(cohort.starts_on.year + 1, cohort.starts_on.month, 1))


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application; `languages=["en", "es"]` sets the languages spoken (ISO codes)."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    network = factory.SelfAttribute("cohort.network")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    motivation = "I want to help teachers see what the child is telling them."
    status = ApplicationStatus.ACCEPTED

    @factory.post_generation
    def languages(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.languages.set(extracted)


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A participant; `languages=[...]` and `counties_served=[fips...]` set the many-to-many fields."""

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    network = factory.SelfAttribute("cohort.network")
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"participant{n}@example.org")

    @factory.post_generation
    def languages(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.languages.set(extracted)

    @factory.post_generation
    def counties_served(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.counties_served.set(extracted)
