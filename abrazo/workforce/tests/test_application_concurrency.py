"""Two submits or two enrolments at the same moment, on two database connections (PostgreSQL).

SQLite's in-memory test database locks whole tables across connections; the sequential tests in
test_application_services.py cover the same rules there."""

from __future__ import annotations

from typing import Any

import pytest

from abrazo.accounts.models import User
from abrazo.core.submissions import AlreadySubmitted
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.directory.tests.factories import county
from abrazo.workforce import application_services as services
from abrazo.workforce.models import Application, ApplicationStatus, Cohort, Participant
from abrazo.workforce.tests.factories_application import ApplicationFactory, CohortFactory

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]


def test_the_same_form_arriving_twice_at_once_makes_one_application(world):
    # given one application form sent twice at the same moment (a double tap on a slow connection)
    cohort_pk = CohortFactory(network=world.network).pk
    data = services.ApplicationData(given_name="Lucía", family_name="Hernández", email="lucia@example.org",
                                    county=county("06019"), motivation="Quiero acompañar a las maestras.")
    # when both reach the server together
    outcomes = at_once(2, lambda cohort: services.application_submit(
        cohort=cohort, data=data, language="es", submission_token="one-key"),
        prepare=lambda _index: Cohort.objects.get(pk=cohort_pk))
    # then one application exists, and the other submit was told which one
    assert Application.objects.count() == 1
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadySubmitted", "Application"]
    twin = next(o for o in outcomes if isinstance(o, AlreadySubmitted))
    assert twin.existing == Application.objects.get()


def test_two_enrolments_for_the_last_place_at_once_enrol_one(world):
    # given a cohort with one place left and two accepted applicants, enrolled by two reviewers at once
    cohort = CohortFactory(network=world.network, capacity=1)
    first, second = (ApplicationFactory(cohort=cohort, status=ApplicationStatus.ACCEPTED) for _ in range(2))
    admin_pk = world.people["network_admin"].pk
    pairs = [first.pk, second.pk]

    def enrol(prepared: tuple[User, Application]) -> Any:
        actor, application = prepared
        return services.application_enrol(actor=actor, application=application)

    outcomes = at_once(2, enrol, prepare=lambda index: (User.objects.get(pk=admin_pk),
                                                        Application.objects.get(pk=pairs[index])))
    # then exactly one was enrolled, and the other was refused because the cohort is full
    assert Participant.objects.filter(cohort=cohort).count() == 1
    assert sorted(type(o).__name__ for o in outcomes) == ["EnrolmentRefused", "Participant"]
