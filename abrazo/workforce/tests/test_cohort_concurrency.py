"""Two staff members completing participants or saving a sheet at the same moment (PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from abrazo.accounts.models import User
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.workforce import cohort_services as services
from abrazo.workforce.models import Attendance, Participant, ParticipantStatus
from abrazo.workforce.selectors import workforce_settings_for
from abrazo.workforce.tests.factories_cohort import ParticipantFactory, attend_everything, cohort_with_sessions

# SQLite's in-memory test database locks whole tables across connections; test_cohort_services.py covers the
# same rules one after the other there.
pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]


def test_two_completions_at_once_get_two_numbers(world):
    # given two participants of one network who meet the rule
    cohort = cohort_with_sessions(network=world.network, sessions=1, assignments=0)
    people = [ParticipantFactory(cohort=cohort) for _ in range(2)]
    for person in people:
        attend_everything(person)
    workforce_settings_for(world.network)
    admin_pk = world.people["network_admin"].pk
    # when both are completed at the same moment
    outcomes = at_once(2, lambda prepared: services.participant_complete(actor=prepared[0], participant=prepared[1]),
                       prepare=lambda index: (User.objects.get(pk=admin_pk), Participant.objects.get(
                           pk=people[index].pk)))
    # then both completed, with the network's next two numbers
    assert all(isinstance(outcome, services.IssuedCertificate) for outcome in outcomes), outcomes
    numbers = sorted(Participant.objects.filter(cohort=cohort).values_list("certificate_number", flat=True))
    year = outcomes[0].participant.completed_on.year
    assert numbers == [f"ABZ-{year}-0001", f"ABZ-{year}-0002"]


def test_completing_one_person_twice_at_once_completes_once(world):
    cohort = cohort_with_sessions(network=world.network, sessions=1, assignments=0)
    person = ParticipantFactory(cohort=cohort)
    attend_everything(person)
    workforce_settings_for(world.network)
    admin_pk = world.people["network_admin"].pk
    outcomes = at_once(2, lambda prepared: services.participant_complete(actor=prepared[0], participant=prepared[1]),
                       prepare=lambda _index: (User.objects.get(pk=admin_pk), Participant.objects.get(pk=person.pk)))
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["IssuedCertificate", "ValidationError"]
    refused = next(outcome for outcome in outcomes if isinstance(outcome, ValidationError))
    assert "already completed" in refused.messages[0]
    person.refresh_from_db()
    assert person.status == ParticipantStatus.COMPLETED
    assert person.version == 2  # one completion


def test_one_sheet_saved_twice_at_once_records_each_person_once(world):
    cohort = cohort_with_sessions(network=world.network, sessions=1, assignments=0)
    session = cohort.sessions.get()
    people = [ParticipantFactory(cohort=cohort) for _ in range(3)]
    entries = [services.AttendanceEntry(p.pk, "partial", Decimal("1.5")) for p in people]
    admin_pk = world.people["network_admin"].pk
    outcomes = at_once(2, lambda actor: services.attendance_record(actor=actor, session=session, entries=entries),
                       prepare=lambda _index: User.objects.get(pk=admin_pk))
    assert all(isinstance(outcome, services.SheetResult) for outcome in outcomes), outcomes
    assert sorted(outcome.created for outcome in outcomes) == [0, 3]
    assert Attendance.objects.filter(session=session).count() == 3
