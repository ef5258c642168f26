"""The audit review screen: network admins only, their own network only, filterable, paginated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from abrazo.audit.models import AccessEvent, Action, Outcome

URL = reverse("audit:event-list")


def event(network: Any, **fields: Any) -> AccessEvent:
    values = {
        "occurred_at": datetime(2026, 3, 10, 15, 30, tzinfo=UTC),
        "network_id": network.pk,
        "user_email": "someone@example.org",
        "role": "consultant",
        "action": Action.VIEW,
        "object_type": "directory.program",
        "object_id": "a-program",
        "outcome": Outcome.ALLOWED,
        "ip_address": "192.0.2.10",
    }
    values.update(fields)
    return AccessEvent.objects.create(**values)


def shown_ids(response) -> set[int]:
    return {row.event.pk for row in response.context["rows"]}


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.people["network_admin"])
    return client


def test_admin_sees_own_network_events_and_not_another_networks(admin_client, world):
    # given an event in the admin's network and one in another network
    mine = event(world.network, user_email="reader@example.org")
    theirs = event(world.other_network, user_email="elsewhere@example.org")
    # when the admin opens the audit log
    response = admin_client.get(URL)
    # then only their own network's event is listed
    assert response.status_code == 200
    assert mine.pk in shown_ids(response)
    assert theirs.pk not in shown_ids(response)
    assert "elsewhere@example.org" not in response.content.decode()


def test_rows_show_when_in_utc_who_role_address_action_object_count_and_outcome(admin_client, world):
    # given a list event that returned three ids, at 15:30 UTC
    event(
        world.network, user_email="lister@example.org", role="regional_coordinator", action=Action.LIST,
        object_id="", object_ids=["1", "2", "3"], ip_address="198.51.100.7",
    )
    # when the admin opens the audit log (the site's own time zone is Pacific)
    html = admin_client.get(URL).content.decode()
    # then the row reads in UTC with every column filled
    assert "2026-03-10 15:30:00" in html
    assert "lister@example.org" in html
    assert "Regional coordinator" in html
    assert "198.51.100.7" in html
    assert "Listed" in html
    assert "directory.program" in html
    assert '<td class="num">3</td>' in html
    assert "Allowed" in html


@pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant", "program_staff", "evaluator"])
def test_other_roles_get_not_found(client, world, role):
    # given an event, and a person who is not a network admin
    event(world.network)
    client.force_login(world.people[role])
    # when they open the audit log
    response = client.get(URL)
    # then it does not exist for them
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ({"email": "Match@Example.org"}, {"user_email": "match@example.org"}),
        ({"object_type": "directory.consultantprofile"}, {"object_type": "directory.consultantprofile"}),
        ({"object_id": "wanted-id"}, {"object_id": "wanted-id"}),
        ({"action": "update"}, {"action": Action.UPDATE}),
        ({"outcome": "denied"}, {"outcome": Outcome.DENIED}),
    ],
)
def test_each_filter_narrows_the_list(admin_client, world, query, wanted):
    # given an event that matches the filter and one that does not
    match = event(world.network, **wanted)
    other = event(world.network)
    # when the admin filters
    response = admin_client.get(URL, query)
    # then only the matching event is listed
    assert shown_ids(response) == {match.pk}
    assert other.pk not in shown_ids(response)


def test_date_range_is_inclusive_and_in_utc(admin_client, world):
    # given events just before, on the first and last day of, and just after a range (UTC)
    before = event(world.network, occurred_at=datetime(2026, 3, 9, 23, 59, 59, tzinfo=UTC))
    first = event(world.network, occurred_at=datetime(2026, 3, 10, 0, 0, tzinfo=UTC))
    last = event(world.network, occurred_at=datetime(2026, 3, 11, 23, 59, 59, tzinfo=UTC))
    after = event(world.network, occurred_at=datetime(2026, 3, 12, 0, 0, tzinfo=UTC))
    # when the admin asks for 10 to 11 March
    response = admin_client.get(URL, {"date_from": "2026-03-10", "date_to": "2026-03-11"})
    # then both days are included, whole, and nothing outside them
    assert shown_ids(response) == {first.pk, last.pk}
    assert not shown_ids(response) & {before.pk, after.pk}


def test_filters_combine(admin_client, world):
    # given events of two people, one of them refused
    wanted = event(world.network, user_email="a@example.org", outcome=Outcome.DENIED)
    event(world.network, user_email="a@example.org", outcome=Outcome.ALLOWED)
    event(world.network, user_email="b@example.org", outcome=Outcome.DENIED)
    # when the admin filters by person and outcome
    response = admin_client.get(URL, {"email": "a@example.org", "outcome": "denied"})
    # then only that person's refusals are listed, and the form keeps what was typed
    assert shown_ids(response) == {wanted.pk}
    assert 'value="a@example.org"' in response.content.decode()


def test_bad_filters_are_explained_and_show_nothing(admin_client, world):
    # given an event
    event(world.network)
    # when the admin types an end date before the start date
    response = admin_client.get(URL, {"date_from": "2026-03-12", "date_to": "2026-03-10"})
    # then the form says why, keeps the input, and lists nothing rather than everything
    html = response.content.decode()
    assert "The end date must be on or after the start date." in html
    assert 'value="2026-03-12"' in html
    assert response.context["rows"] == []


def test_pages_follow_the_page_size_and_keep_the_filters(admin_client, world, settings):
    # given more denied events than fit on a page
    settings.ABRAZO_PAGE_SIZE = 5
    start = datetime(2026, 3, 10, tzinfo=UTC)
    for minute in range(7):
        event(world.network, outcome=Outcome.DENIED, occurred_at=start + timedelta(minutes=minute))
    # when the admin filters and reads the first and then the second page
    first = admin_client.get(URL, {"outcome": "denied"})
    second = admin_client.get(URL, {"outcome": "denied", "page": 2})
    # then the pages split the events newest first, and the next link keeps the filter
    assert len(first.context["rows"]) == 5
    assert len(second.context["rows"]) == 2
    assert "outcome=denied&amp;page=2" in first.content.decode()
    newest = [row.event.occurred_at for row in first.context["rows"]]
    assert newest == sorted(newest, reverse=True)


def test_htmx_request_gets_only_the_results(admin_client, world):
    # given an event
    event(world.network, user_email="partial@example.org")
    # when the filter form asks through HTMX
    response = admin_client.get(URL, {"email": "partial@example.org"}, headers={"HX-Request": "true"})
    # then only the results fragment comes back
    html = response.content.decode()
    assert 'id="results"' in html
    assert "partial@example.org" in html
    assert "<html" not in html


def test_query_count_does_not_grow_with_events(admin_client, world, django_assert_max_num_queries):
    # given a page's worth of events, and the session already set up
    for _ in range(10):
        event(world.network)
    admin_client.get(URL)
    # when the admin opens the audit log, then a small fixed number of queries is used
    with CaptureQueriesContext(connection) as few, django_assert_max_num_queries(15):
        assert admin_client.get(URL).status_code == 200
    # and sixty more events do not add any
    for _ in range(60):
        event(world.network)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_reading_the_audit_log_writes_no_event(admin_client, world):
    # given the ledger as it stands
    before = AccessEvent.objects.count()
    # when the admin reads it
    admin_client.get(URL)
    # then reading did not add to it
    assert AccessEvent.objects.count() == before
