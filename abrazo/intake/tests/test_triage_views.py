"""Triage screens: the queue (order, checks, duplicates, ages, filters, query count), the request page and
its actions for each role, inside and outside the scope, the requests list, capacity and the intake rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.directory.models import SettingType
from abrazo.directory.tests.factories import county
from abrazo.intake.models import IntakeSettings, Priority, Request, RequestStatus
from abrazo.intake.tests.factories import RequestFactory, language

pytestmark = pytest.mark.django_db

QUEUE = reverse("intake:triage-queue")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def in_region_a(world, **fields) -> Request:
    return RequestFactory(network=world.network, region=world.region_a, **fields)


# --- the queue ---------------------------------------------------------------------------------------


def test_the_queue_puts_urgent_first_then_the_oldest(world):
    # given requests of every priority and age in region A, one decided, and one in region B
    old_normal = in_region_a(world, submitted_at=days_ago(30))
    new_urgent = in_region_a(world, priority=Priority.URGENT, submitted_at=days_ago(1))
    old_urgent = in_region_a(world, priority=Priority.URGENT, submitted_at=days_ago(3))
    high = in_region_a(world, priority=Priority.HIGH, submitted_at=days_ago(2), status=RequestStatus.WAITLISTED,
                       waitlisted_at=days_ago(1))
    in_region_a(world, status=RequestStatus.DECLINED)
    RequestFactory(network=world.network, region=world.region_b, county=county("06037"), priority=Priority.URGENT)
    # when the region A coordinator opens the queue
    response = signed_in(world.people["regional_coordinator"]).get(QUEUE)
    # then they see their open requests, urgent first, each priority oldest first
    rows = response.context["rows"]
    assert [row.request for row in rows] == [old_urgent, new_urgent, high, old_normal]
    assert [row.days_waiting for row in rows] == [3, 1, 2, 30]
    assert rows[2].days_on_waitlist == 1


def test_the_queue_shows_eligibility_problems(world):
    # given a network that serves centres only, and requests about a six-year-old and from a home
    IntakeSettings.objects.create(network=world.network, supported_setting_types=[SettingType.CENTER])
    too_old = in_region_a(world, child_specific=True, child_age_months=74)
    home = in_region_a(world, setting_type=SettingType.FFN)
    fine = in_region_a(world, child_specific=True, child_age_months=30)
    # when the coordinator opens the queue
    rows = {row.request: row for row in signed_in(world.people["regional_coordinator"]).get(QUEUE).context["rows"]}
    # then each problem is named, and the eligible request has none
    assert rows[too_old].problems == ["The child is older than the network serves (birth to five)."]
    assert rows[home].problems == ["The network does not serve this setting type (Family, friend and neighbor care)."]
    assert rows[fine].eligible


def test_the_queue_flags_possible_duplicates_within_sixty_days(world):
    # given two requests from one email 20 days apart, one from the same license 90 days before, and others
    first = in_region_a(world, requester_email="dup@example.org", submitted_at=days_ago(25))
    second = in_region_a(world, requester_email="dup@example.org", submitted_at=days_ago(5))
    same_program = in_region_a(world, program=world.program_a, submitted_at=days_ago(2))
    earlier_same_program = in_region_a(world, program=world.program_a, submitted_at=days_ago(40),
                                       status=RequestStatus.DECLINED)
    long_ago = in_region_a(world, license_number="LIC-1", submitted_at=days_ago(100), status=RequestStatus.DECLINED)
    recent_license = in_region_a(world, license_number="LIC-1", submitted_at=days_ago(1))
    # when the coordinator opens the queue
    rows = {row.request: row for row in signed_in(world.people["regional_coordinator"]).get(QUEUE).context["rows"]}
    # then each sees the others within 60 days, decided ones included, and nothing older
    assert rows[first].duplicates == [second]
    assert rows[second].duplicates == [first]
    assert rows[same_program].duplicates == [earlier_same_program]
    assert rows[recent_license].duplicates == []
    assert long_ago not in rows


def test_the_queue_filters(world):
    spanish = in_region_a(world, preferred_language=language("es"), priority=Priority.HIGH)
    in_region_a(world)
    waiting = in_region_a(world, status=RequestStatus.WAITLISTED, waitlisted_at=days_ago(4))
    client = signed_in(world.people["regional_coordinator"])
    assert [r.request for r in client.get(QUEUE, {"language": "es"}).context["rows"]] == [spanish]
    assert [r.request for r in client.get(QUEUE, {"status": "waitlisted"}).context["rows"]] == [waiting]
    assert [r.request for r in client.get(QUEUE, {"priority": "high"}).context["rows"]] == [spanish]
    assert [r.request for r in client.get(QUEUE, {"q": spanish.reference}).context["rows"]] == [spanish]


def test_the_queue_costs_the_same_number_of_queries_for_many_requests(world, django_assert_max_num_queries):
    # given a coordinator with one request in the queue
    client = signed_in(world.people["regional_coordinator"])
    in_region_a(world, program=world.program_a)
    client.get(QUEUE)  # warm the session and the per-process caches
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    # when the queue fills a whole page, with duplicates and eligibility problems among the requests
    for index in range(39):
        in_region_a(world, requester_email=f"p{index % 7}@example.org", program=world.program_a if index % 3 else None,
                    child_specific=bool(index % 2), child_age_months=index * 2, submitted_at=days_ago(index))
    with django_assert_max_num_queries(20):
        response = client.get(QUEUE)
    # then every request is on the page, for the same number of queries as one request cost
    assert len(response.context["rows"]) == 40
    with CaptureQueriesContext(connection) as forty:
        client.get(QUEUE)
    assert len(forty) == len(one)


def test_the_queue_is_audited_with_the_ids_shown(world):
    request = in_region_a(world)
    signed_in(world.people["regional_coordinator"]).get(QUEUE)
    event = AccessEvent.objects.filter(object_type="intake.request", action=Action.LIST).latest("id")
    assert event.object_ids == [str(request.pk)]


@pytest.mark.parametrize("role", ["supervisor", "consultant", "program_staff", "evaluator"])
def test_the_queue_does_not_exist_for_roles_without_triage(world, role):
    assert signed_in(world.people[role]).get(QUEUE).status_code == 404


# --- the request page and its actions ------------------------------------------------------------------


ACTIONS = ["intake:request-ask-info", "intake:request-decline", "intake:request-waitlist", "intake:request-priority",
           "intake:request-assign"]


@pytest.mark.parametrize("url_name", ["intake:request-detail", *ACTIONS])
def test_a_request_of_another_region_does_not_exist_for_the_coordinator(world, url_name):
    other = RequestFactory(network=world.network, region=world.region_b, county=county("06037"))
    response = signed_in(world.people["regional_coordinator"]).get(reverse(url_name, args=[other.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("url_name", ACTIONS)
def test_program_staff_see_their_request_but_not_its_triage(world, url_name):
    # given a request of program A
    request = in_region_a(world, program=world.program_a)
    client = signed_in(world.people["program_staff"])
    # then its page opens, without actions, and no action page exists for them
    page = client.get(request.get_absolute_url())
    assert page.status_code == 200 and not page.context["may_triage"]
    assert client.get(reverse(url_name, args=[request.pk])).status_code == 404


def test_program_staff_do_not_see_other_programs_requests(world):
    mine = in_region_a(world, program=world.program_a)
    theirs = in_region_a(world, program=world.program_b)
    unlinked = in_region_a(world)
    client = signed_in(world.people["program_staff"])
    listed = client.get(reverse("intake:request-list")).context["page"].items
    assert listed == [mine]
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(unlinked.get_absolute_url()).status_code == 404


def test_the_coordinator_asks_for_more_information(world, django_capture_on_commit_callbacks):
    # given an open request in region A
    request = in_region_a(world, requester_email="ask@example.org")
    client = signed_in(world.people["regional_coordinator"])
    url = reverse("intake:request-ask-info", args=[request.pk])
    assert client.get(url).status_code == 200
    # when they send a question
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "Which days is the child in care?"})
    # then the request waits for the answer and the requester has the question
    assert response.status_code == 302
    assert Request.objects.get(pk=request.pk).status == RequestStatus.NEEDS_INFO
    assert mail.outbox[0].to == ["ask@example.org"]


def test_declining_without_a_reason_is_refused_on_the_field(world):
    request = in_region_a(world)
    response = signed_in(world.people["regional_coordinator"]).post(
        reverse("intake:request-decline", args=[request.pk]), {"reason": ""}
    )
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    assert Request.objects.get(pk=request.pk).status == RequestStatus.NEW


def test_the_coordinator_waitlists_and_changes_priority(world):
    request = in_region_a(world)
    client = signed_in(world.people["network_admin"])
    client.post(reverse("intake:request-waitlist", args=[request.pk]))
    response = client.post(reverse("intake:request-priority", args=[request.pk]),
                           {"priority": "urgent", "reason": "Expulsion letter sent"})
    assert response.status_code == 302
    stored = Request.objects.get(pk=request.pk)
    assert (stored.status, stored.priority, stored.computed_priority) == ("waitlisted", "urgent", "normal")
    assert stored.waitlisted_at is not None


def test_acting_on_a_decided_request_says_so(world):
    request = in_region_a(world, status=RequestStatus.DECLINED, decline_reason="Out of area")
    client = signed_in(world.people["regional_coordinator"])
    response = client.post(reverse("intake:request-waitlist", args=[request.pk]), follow=True)
    assert "is already declined; nothing was changed" in response.content.decode()
    assert Request.objects.get(pk=request.pk).status == RequestStatus.DECLINED


def test_viewing_a_request_is_audited(world):
    request = in_region_a(world, program=world.program_a)
    signed_in(world.people["program_staff"]).get(request.get_absolute_url())
    assert AccessEvent.objects.filter(object_id=str(request.pk), action=Action.VIEW).exists()


# --- intake rules --------------------------------------------------------------------------------------


def test_the_network_admin_edits_the_intake_rules(world):
    client = signed_in(world.people["network_admin"])
    url = reverse("intake:settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "imminent_risk_priority": "urgent", "underserved_county_priority": "urgent",
        "rural_program_priority": "high", "supported_setting_types": ["center", "fcc_small"],
        "max_child_age_months": "71", "duplicate_window_days": "45", "version": "1",  # the defaults' version
    })
    assert response.status_code == 302
    rules = IntakeSettings.objects.get(network=world.network)
    assert (rules.underserved_county_priority, rules.duplicate_window_days) == ("urgent", 45)
    assert signed_in(world.people["regional_coordinator"]).get(url).status_code == 404
