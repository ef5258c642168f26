"""Administrations and their scores over /api/v1/: the episode page's scope ("measure.view"), 404 outside it,
no rows for program staff or evaluators, audit events, filters and constant query counts."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from abrazo.api.tests.factories import api_auth
from abrazo.audit.models import AccessEvent, Outcome
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ConsultantProfileFactory
from abrazo.measures.models import Administration, AdministrationStatus, Respondent, Timepoint
from abrazo.measures.tests.factories import AdministrationFactory, InstrumentFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:measures-administration-list")

# A worked example: three items answered 2, 3 and 4 sum to 9, in the "high" band (7-12); stored as the
# scoring module stores it.
SCORES = {"climate": {"raw": 9, "band": "high", "prorated": False, "answered": 3, "missing": 0},
          "unscored": {"raw": None, "reason": "too_many_missing", "answered": 1, "missing": 2}}


def detail_url(administration):
    return reverse("api:measures-administration-detail", args=[administration.pk])


def ids(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def instrument(world):
    return InstrumentFactory(network=world.network, key="climate", name_en="Classroom climate")


@pytest.fixture
def mine(world, instrument):
    """A completed post administration on the world's consultant's episode at program A."""
    episode = EpisodeFactory(program=world.program_a,
                             consultant=ConsultantProfile.objects.get(user=world.people["consultant"]))
    return AdministrationFactory(episode=episode, instrument=instrument, timepoint=Timepoint.POST,
                                 status=AdministrationStatus.COMPLETED, completed_on=timezone.localdate(),
                                 scores=SCORES, answers={"climate_0": "2"})


@pytest.fixture
def theirs(world, instrument):
    """A scheduled pre administration on another consultant's episode in region B."""
    other = ConsultantProfileFactory(network=world.network, region=world.region_b)
    return AdministrationFactory(episode=EpisodeFactory(program=world.program_b, consultant=other),
                                 instrument=instrument, respondent_role=Respondent.TEACHER)


class TestAdministrationList:
    def test_the_consultant_lists_her_administrations_with_scores_and_the_ids_are_audited(
            self, client, world, mine, theirs):
        consultant = world.people["consultant"]
        response = client.get(LIST, **api_auth(consultant, "measures:read"))
        assert response.status_code == 200
        [row] = response.json()["results"]
        assert row["id"] == str(mine.pk) and row["instrument_key"] == "climate" and row["timepoint"] == "post"
        assert row["scores"] == [
            {"key": "climate", "raw": 9.0, "band": "high", "standard_score": None, "percentile": None,
             "prorated": False, "answered": 3, "missing": 0, "reason": None},
            {"key": "unscored", "raw": None, "band": None, "standard_score": None, "percentile": None,
             "prorated": False, "answered": 1, "missing": 2, "reason": "too_many_missing"},
        ]
        assert "answers" not in row
        event = AccessEvent.objects.get(user_id=consultant.pk, action="list", object_type="measures.administration")
        assert event.object_ids == [str(mine.pk)]

    @pytest.mark.parametrize("role, sees_mine, sees_theirs", [
        ("network_admin", True, True), ("regional_coordinator", True, False), ("supervisor", True, False),
    ])
    def test_each_role_sees_its_scope(self, client, world, mine, theirs, role, sees_mine, sees_theirs):
        response = client.get(LIST, **api_auth(world.people[role], "measures:read"))
        assert response.status_code == 200
        assert (str(mine.pk) in ids(response)) is sees_mine
        assert (str(theirs.pk) in ids(response)) is sees_theirs

    @pytest.mark.parametrize("role", ["program_staff", "evaluator"])
    def test_program_staff_and_evaluators_get_no_rows(self, client, world, mine, role):
        # neither may hold the scope; signed in on the web they are refused, as on the episode page
        client.force_login(world.people[role])
        response = client.get(LIST)
        assert response.status_code == 403 and "results" not in response.json()
        assert client.get(detail_url(mine)).status_code == 403

    def test_without_a_token_401_and_without_the_scope_403(self, client, world, mine):
        assert client.get(LIST).status_code == 401
        assert client.get(detail_url(mine)).status_code == 401
        response = client.get(LIST, **api_auth(world.people["consultant"], "episodes:read"))
        assert response.status_code == 403 and response.json()["error"]["code"] == "scope_missing"

    def test_filters(self, client, world, mine, theirs):
        admin = api_auth(world.people["network_admin"], "measures:read")
        assert ids(client.get(LIST, {"episode": str(mine.episode_id)}, **admin)) == {str(mine.pk)}
        assert ids(client.get(LIST, {"timepoint": "pre"}, **admin)) == {str(theirs.pk)}
        assert ids(client.get(LIST, {"status": "completed"}, **admin)) == {str(mine.pk)}
        assert ids(client.get(LIST, {"instrument": "climate"}, **admin)) == {str(mine.pk), str(theirs.pk)}
        assert ids(client.get(LIST, {"instrument": "other"}, **admin)) == set()
        today = timezone.localdate().isoformat()
        assert ids(client.get(LIST, {"completed_after": today}, **admin)) == {str(mine.pk)}
        assert client.get(LIST, {"timepoint": "someday"}, **admin).status_code == 400

    def test_a_page_of_500_in_constant_queries(self, client, world, mine, django_assert_max_num_queries):
        Administration.objects.bulk_create([
            Administration(network=world.network, instrument=mine.instrument, episode=mine.episode,
                           program=world.program_a, respondent_role=Respondent.TEACHER, timepoint=Timepoint.PRE,
                           scores=SCORES)
            for _ in range(500)
        ])
        auth = api_auth(world.people["consultant"], "measures:read")
        with CaptureQueriesContext(connection) as one_row:
            assert client.get(LIST, {"page_size": 1}, **auth).status_code == 200
        assert len(one_row) <= 16
        with django_assert_max_num_queries(len(one_row)):
            response = client.get(LIST, {"page_size": 500}, **auth)
        assert len(response.json()["results"]) == 500


class TestAdministrationDetail:
    def test_inside_the_scope_200_and_audited(self, client, world, mine):
        supervisor = world.people["supervisor"]
        response = client.get(detail_url(mine), **api_auth(supervisor, "measures:read"))
        assert response.status_code == 200
        assert response.json()["scores"][0]["raw"] == 9.0
        assert AccessEvent.objects.filter(user_id=supervisor.pk, action="view",
                                          object_type="measures.administration", object_id=str(mine.pk)).exists()

    @pytest.mark.parametrize("role", ["consultant", "regional_coordinator", "supervisor"])
    def test_outside_the_scope_404_and_audited_as_denied(self, client, world, theirs, role):
        person = world.people[role]
        response = client.get(detail_url(theirs), **api_auth(person, "measures:read"))
        assert response.status_code == 404
        assert AccessEvent.objects.filter(user_id=person.pk, outcome=Outcome.DENIED).exists()
        unknown = client.get(reverse("api:measures-administration-detail", args=[uuid.uuid4()]),
                             **api_auth(person, "measures:read"))
        assert unknown.status_code == 404
