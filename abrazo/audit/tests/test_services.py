"""What the ledger records for views, lists, searches and refusals, and what it never records."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from abrazo.audit import services as audit
from abrazo.audit.context import RequestContext, current_request
from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.directory.models import Program
from abrazo.directory.tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

OFFICE = "203.0.113.20"  # a documentation address (RFC 5737), only ever a string here


def client_for(user: Any) -> Client:
    client = Client(REMOTE_ADDR=OFFICE)
    client.force_login(user)
    return client


def test_viewing_a_program_writes_exactly_one_view_event(world):
    # given a coordinator of region A
    coordinator = world.people["regional_coordinator"]
    client = client_for(coordinator)
    url = reverse("directory:program-detail", args=[world.program_a.pk])
    # when they open program A
    response = client.get(url)
    # then one view event says who, in which role and network, from where, on which page, which record
    assert response.status_code == 200
    events = AccessEvent.objects.filter(action=Action.VIEW)
    assert events.count() == 1
    event = events.get()
    assert (event.user_id, event.user_email, event.role, event.network_id) == (
        coordinator.pk, coordinator.email, "regional_coordinator", world.network.pk,
    )
    assert (event.ip_address, event.path) == (OFFICE, url)
    assert (event.object_type, event.object_id, event.outcome) == ("directory.program", str(world.program_a.pk),
                                                                   Outcome.ALLOWED)


def test_listing_programs_writes_one_list_event_with_the_ids_shown(world):
    # given a coordinator of region A, whose region holds two programs
    ProgramFactory(network=world.network, region=world.region_a, name="Another Valley Program")
    client = client_for(world.people["regional_coordinator"])
    # when they list programs
    response = client.get(reverse("directory:program-list"))
    # then one list event holds exactly the ids on the page
    shown = [str(p.pk) for p in response.context["page"].items]
    events = AccessEvent.objects.filter(action=Action.LIST, object_type="directory.program")
    assert events.count() == 1
    assert sorted(events.get().object_ids) == sorted(shown)
    assert len(shown) == 2
    assert str(world.program_b.pk) not in events.get().object_ids


def test_searching_programs_is_recorded_as_a_search_without_the_search_text(world):
    # given a coordinator
    client = client_for(world.people["regional_coordinator"])
    # when they search for a name
    client.get(reverse("directory:program-list"), {"q": "Sunrise"})
    # then a search event lists what was found, and the words typed are not kept
    event = AccessEvent.objects.get(action=Action.SEARCH)
    assert event.object_ids == [str(world.program_a.pk)]
    assert "Sunrise" not in str(AccessEvent.objects.values().get(pk=event.pk))


def test_a_record_outside_the_scope_answers_404_and_writes_a_denied_event(world):
    # given a coordinator of region A
    coordinator = world.people["regional_coordinator"]
    client = client_for(coordinator)
    # when they try to open a program of region B
    response = client.get(reverse("directory:program-detail", args=[world.program_b.pk]))
    # then it does not exist for them, and the attempt is in the ledger
    assert response.status_code == 404
    event = AccessEvent.objects.get(outcome=Outcome.DENIED)
    assert (event.user_id, event.object_type, event.object_id, event.ip_address) == (
        coordinator.pk, "directory.program", str(world.program_b.pk), OFFICE,
    )
    assert not AccessEvent.objects.filter(outcome=Outcome.ALLOWED, action=Action.VIEW).exists()


def test_a_page_the_role_has_no_permission_for_writes_a_denied_event(world):
    # given program staff, who never browse consultants
    client = client_for(world.people["program_staff"])
    # when they try the consultant list
    response = client.get(reverse("directory:consultant-list"))
    # then it does not exist for them, and the refusal names the permission
    assert response.status_code == 404
    event = AccessEvent.objects.get(outcome=Outcome.DENIED)
    assert event.object_type == "consultant.view"
    assert event.role == "program_staff"


def test_events_written_outside_a_request_have_no_address_or_path(world):
    # given no request being served (a management command, a task)
    assert current_request.get() is None
    # when a service records a change
    event = audit.record_change(user=world.people["network_admin"], obj=world.program_a)
    # then the event is complete except for what only a request knows
    assert (event.ip_address, event.path) == (None, "")
    assert (event.action, event.object_type, event.role) == (Action.UPDATE, "directory.program", "network_admin")


def test_events_take_the_address_and_path_of_the_request_being_served(world):
    # given a request being served
    token = current_request.set(RequestContext(ip_address=OFFICE, path="/directory/programs/"))
    try:
        # when a selector records a list deep inside it
        event = audit.record_list(user=world.people["evaluator"], model=Program, ids=[world.program_a.pk])
    finally:
        current_request.reset(token)
    # then the request's address and path are on the event, and ids are kept as text
    assert (event.ip_address, event.path) == (OFFICE, "/directory/programs/")
    assert event.object_ids == [str(world.program_a.pk)]


def test_a_failed_sign_in_by_nobody_keeps_only_the_address_typed():
    # when someone fails to sign in as an unknown address
    event = audit.record(user=None, action=Action.LOGIN_FAILED, outcome=Outcome.DENIED, email="who@example.org")
    # then the event has no user id, no role, no network
    assert (event.user_id, event.user_email, event.role, event.network_id) == (None, "who@example.org", "", None)
