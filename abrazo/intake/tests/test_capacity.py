"""Capacity by county and language: requests waiting against consultants' free places, a visible shortage
marker, and the waiting times (to assignment, to first contact, on the waitlist)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abrazo.consultations.models import Phase
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ConsultantProfileFactory, county
from abrazo.intake import selectors
from abrazo.intake.models import RequestStatus
from abrazo.intake.tests.factories import RequestFactory, language

pytestmark = pytest.mark.django_db

CAPACITY = reverse("intake:capacity")


@pytest.fixture
def staffed(world):
    """Fresno County (region A): the world's consultant speaks English (12 places); one Spanish speaker with
    two places, one taken by an open episode and none by a closed one; a Spanish speaker in Los Angeles."""
    english_consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    english_consultant.languages.set([language("en")])
    spanish = ConsultantProfileFactory(network=world.network, region=world.region_a, caseload_capacity=2,
                                       counties=[county("06019")])
    spanish.languages.set([language("es"), language("en")])
    EpisodeFactory(program=world.program_a, consultant=spanish)
    EpisodeFactory(program=world.program_a, consultant=spanish, phase=Phase.CLOSED)
    la = ConsultantProfileFactory(network=world.network, region=world.region_b, counties=[county("06037")])
    la.languages.set([language("es")])
    return world


def waiting(world, code: str, *, status: str = RequestStatus.NEW, **fields):
    return RequestFactory(network=world.network, region=world.region_a, preferred_language=language(code),
                          status=status, **fields)


def test_a_shortage_of_spanish_speaking_consultants_shows(staffed):
    # given three Spanish requests waiting in Fresno (one on the waitlist) and one English request
    world = staffed
    waiting(world, "es")
    waiting(world, "es")
    waiting(world, "es", status=RequestStatus.WAITLISTED, waitlisted_at=timezone.now())
    waiting(world, "en")
    # when the coordinator of region A looks at capacity
    capacity = selectors.capacity_for(user=world.people["regional_coordinator"])
    # then Spanish in Fresno is short by two (three waiting, one free place: the LA consultant does not count)
    rows = {(row.county, row.language): row for row in capacity.rows}
    spanish = rows[("Fresno", "Spanish")]
    assert (spanish.open_requests, spanish.waitlisted, spanish.consultants, spanish.open_slots) == (2, 1, 1, 1)
    assert spanish.short and spanish.shortfall == 2
    # and English has room: twelve places with the world's consultant and one with the Spanish speaker
    english = rows[("Fresno", "English")]
    assert (english.consultants, english.open_slots, english.short) == (2, 13, False)
    assert [row.language for row in capacity.short_languages] == ["Spanish"]


def test_the_page_marks_the_shortage_in_words_not_only_colour(staffed):
    world = staffed
    for _ in range(3):
        waiting(world, "es")
    client = Client()
    client.force_login(world.people["regional_coordinator"])
    page = client.get(CAPACITY).content.decode()
    assert "Short of consultants:" in page
    assert "Short by 2" in page


def test_a_coordinator_sees_only_their_region_and_an_admin_the_network(staffed):
    world = staffed
    waiting(world, "es")
    RequestFactory(network=world.network, region=world.region_b, county=county("06037"),
                   preferred_language=language("es"))
    coordinator = selectors.capacity_for(user=world.people["regional_coordinator"])
    admin = selectors.capacity_for(user=world.people["network_admin"])
    assert {row.county for row in coordinator.rows} == {"Fresno"}
    assert {row.county for row in admin.rows} == {"Fresno", "Los Angeles"}
    los_angeles = next(row for row in admin.rows if row.county == "Los Angeles")
    assert (los_angeles.consultants, los_angeles.short) == (1, False)


def test_waiting_times_to_assignment_first_contact_and_on_the_waitlist(staffed):
    world = staffed
    now = timezone.now()
    consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
    for days_to_assign, days_to_contact in ((2, 4), (4, 5), (9, None)):
        submitted = now - timedelta(days=20)
        waiting(world, "en", status=RequestStatus.ASSIGNED, consultant=consultant, submitted_at=submitted,
                assigned_at=submitted + timedelta(days=days_to_assign),
                first_contact_at=submitted + timedelta(days=days_to_contact) if days_to_contact else None)
    waiting(world, "es", status=RequestStatus.WAITLISTED, waitlisted_at=now - timedelta(days=30))
    waiting(world, "es", status=RequestStatus.WAITLISTED, waitlisted_at=now - timedelta(days=10))
    timing = selectors.capacity_for(user=world.people["regional_coordinator"], now=now).timing
    assert (timing.assigned, timing.median_days_to_assignment) == (3, 4.0)
    assert (timing.contacted, timing.median_days_to_first_contact) == (2, 4.5)
    assert (timing.waitlisted, timing.oldest_waitlist_days, timing.median_waitlist_days) == (2, 30, 20.0)


@pytest.mark.parametrize("role", ["supervisor", "consultant", "program_staff", "evaluator"])
def test_capacity_does_not_exist_for_roles_without_triage(world, role):
    client = Client()
    client.force_login(world.people[role])
    assert client.get(CAPACITY).status_code == 404
