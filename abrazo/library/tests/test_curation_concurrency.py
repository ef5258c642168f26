"""Two curators deciding about one suggestion at the same moment, and one suggestion sent twice at once, on two
database connections (PostgreSQL; the sequential tests in test_curation_services.py cover SQLite)."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from abrazo.accounts.models import User
from abrazo.core.concurrency import StaleEditError
from abrazo.core.submissions import AlreadySubmitted
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.library import resource_services as services
from abrazo.library.models import Resource, ResourceStatus
from abrazo.library.tests.factories_resource import ResourceFactory

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]


def test_an_approval_and_a_decline_at_once_make_one_decision(world):
    # given a suggestion that an administrator and a coordinator both opened at version 1
    suggestion_pk = ResourceFactory(network=world.network, suggested=True).pk
    people = [world.people["network_admin"].pk, world.people["regional_coordinator"].pk]

    def decide(actor: User) -> Resource:
        resource = Resource.objects.get(pk=suggestion_pk)
        if actor.pk == people[0]:
            return services.resource_approve(actor=actor, resource=resource, expected_version=1, summary="Good.")
        return services.resource_decline(actor=actor, resource=resource, reason="Not for us.", expected_version=1)

    # when both press their button at once
    outcomes = at_once(2, decide, prepare=lambda index: User.objects.get(pk=people[index]))
    # then one decision was made, and the other curator was told (not silently overwritten)
    decided = Resource.objects.get(pk=suggestion_pk)
    assert decided.version == 2 and decided.status in (ResourceStatus.PUBLISHED, ResourceStatus.DECLINED)
    winners = [outcome for outcome in outcomes if isinstance(outcome, Resource)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, (ValidationError, StaleEditError))]
    assert len(winners) == 1 and len(losers) == 1 and winners[0].status == decided.status


def test_one_suggestion_sent_twice_at_once_is_recorded_once(world):
    # given one public form, sent by two clicks at the same moment
    key = uuid.uuid4()
    data = services.SuggestionData(title="Berrinches", url="https://example.org/b", kind="video", language="es")
    # when both arrive together
    outcomes = at_once(2, lambda _index: services.resource_suggest(network=world.network, data=data,
                                                                    submission_key=key))
    # then one suggestion exists, and the second request learned it had already been sent
    assert Resource.objects.filter(title="Berrinches").count() == 1
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["AlreadySubmitted", "Resource"]
    assert any(isinstance(outcome, AlreadySubmitted) for outcome in outcomes)
