"""The competency pages over HTTP: the framework for the administrator, rating, and the growth page with its
hand-checked figures, for each role and outside the scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ConsultantProfileFactory, county
from abrazo.workforce.competency_selectors import competency_framework_for
from abrazo.workforce.models import CompetencyAssessment, CompetencyDomain, RaterKind
from abrazo.workforce.tests.factories_competency import rate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
FRAMEWORK = reverse("workforce:competency-framework")


@pytest.fixture
def consultant(world):
    return ConsultantProfile.objects.get(user=world.people["consultant"])


def signed_in(client, person):
    client.force_login(person)
    return client


def rating_post(network, level="2", **changes):
    data = {f"level_{domain.key}": level for domain in competency_framework_for(network)}
    data.update({"assessed_on": TODAY().isoformat(), "notes": ""})
    data.update(changes)
    return data


class TestTheFrameworkPage:
    def test_the_admin_sees_the_default_domains_in_both_languages(self, client, world):
        body = signed_in(client, world.people["network_admin"]).get(FRAMEWORK).content.decode()
        assert "Role of the consultant" in body and "El rol de la persona consultora" in body
        assert "Systems collaboration" in body and "Colaboración entre sistemas" in body
        # the first has no "Move up", the last no "Move down": 7 of each
        assert body.count('name="direction" value="up"') == 7
        assert body.count('name="direction" value="down"') == 7

    @pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant", "evaluator",
                                      "program_staff"])
    def test_nobody_else_opens_it(self, client, world, role):
        assert signed_in(client, world.people[role]).get(FRAMEWORK).status_code == 404

    def test_adding_editing_retiring_and_reordering(self, client, world):
        signed_in(client, world.people["network_admin"])
        # when the admin adds a domain
        form = client.get(reverse("workforce:competency-domain-new")).content.decode()
        key = re.search(r'name="submission_key" value="([^"]+)"', form).group(1)
        response = client.post(reverse("workforce:competency-domain-new"), {
            "name_en": "Infant mental health", "name_es": "Salud mental infantil", "description_en": "",
            "description_es": "", "submission_key": key, "network": str(world.network.pk)})
        assert response.status_code == 302 and response["Location"] == FRAMEWORK
        # and sends the same form again
        again = client.post(reverse("workforce:competency-domain-new"), {
            "name_en": "Infant mental health", "name_es": "Salud mental infantil", "submission_key": key})
        assert again.status_code == 302
        added = CompetencyDomain.objects.get(network=world.network, key="infant_mental_health")
        assert CompetencyDomain.objects.filter(network=world.network).count() == 9
        # when it moves it up once
        client.post(FRAMEWORK, {"domain": str(added.pk), "direction": "up"})
        assert [d.key for d in competency_framework_for(world.network)][-2:] == [
            "infant_mental_health", "systems_collaboration"]
        # and retires it
        edit = reverse("workforce:competency-domain-edit", args=[added.pk])
        response = client.post(edit, {"name_en": "Infant mental health", "name_es": "Salud mental infantil",
                                      "description_en": "", "description_es": "", "version": "1"})
        assert response.status_code == 302
        added.refresh_from_db()
        assert added.is_active is False
        body = client.get(FRAMEWORK).content.decode()
        assert "Retired domains" in body and "Edit or bring back" in body

    def test_a_stale_edit_keeps_what_was_typed(self, client, world):
        signed_in(client, world.people["network_admin"])
        domain = competency_framework_for(world.network)[0]
        CompetencyDomain.objects.filter(pk=domain.pk).update(version=2)
        response = client.post(reverse("workforce:competency-domain-edit", args=[domain.pk]), {
            "name_en": "My new name", "name_es": "Mi nombre", "is_active": "on", "version": "1"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "Someone else changed this record" in body and 'value="My new name"' in body
        assert 'name="version" value="2"' in body
        domain.refresh_from_db()
        assert domain.name_en == "Role of the consultant"

    def test_a_missing_spanish_name_is_shown_beside_the_field(self, client, world):
        signed_in(client, world.people["network_admin"])
        response = client.post(reverse("workforce:competency-domain-new"), {"name_en": "Leadership", "name_es": ""})
        assert response.status_code == 200
        assert 'value="Leadership"' in response.content.decode()
        assert "name_es" in response.context["form"].errors

    def test_another_networks_domain_does_not_exist_for_the_admin(self, client, world):
        other = competency_framework_for(world.other_network)[0]
        response = signed_in(client, world.people["network_admin"]).get(
            reverse("workforce:competency-domain-edit", args=[other.pk]))
        assert response.status_code == 404
        response = client.post(FRAMEWORK, {"domain": str(other.pk), "direction": "down"})
        assert response.status_code == 404


class TestRatingPages:
    def test_a_consultant_rates_themselves(self, client, world, consultant):
        signed_in(client, world.people["consultant"])
        url = reverse("workforce:competency-assessment-new", args=[consultant.pk])
        body = client.get(url).content.decode()
        assert "Your self-assessment" in body
        assert body.count('type="radio"') == 8 * 4
        assert "1 · Emerging" in body and "4 · Able to teach others" in body
        response = client.post(url, rating_post(world.network, notes="Working on endings."))
        assert response.status_code == 302
        assert response["Location"] == reverse("workforce:competency-growth", args=[consultant.pk])
        assessment = CompetencyAssessment.objects.get()
        assert (assessment.rater_kind, assessment.notes) == (RaterKind.SELF, "Working on endings.")

    def test_a_missing_level_is_asked_for_and_the_rest_is_kept(self, client, world, consultant):
        signed_in(client, world.people["consultant"])
        data = rating_post(world.network, level="3")
        del data["level_reflective_practice"]
        response = client.post(reverse("workforce:competency-assessment-new", args=[consultant.pk]), data)
        body = response.content.decode()
        assert response.status_code == 200 and "Choose a level." in body
        assert response.context["form"]["level_classroom_consultation"].value() == "3"
        assert not CompetencyAssessment.objects.exists()

    def test_the_supervisor_rates_their_consultant_and_not_another(self, client, world, consultant):
        signed_in(client, world.people["supervisor"])
        url = reverse("workforce:competency-assessment-new", args=[consultant.pk])
        assert "Supervisor rating of" in client.get(url).content.decode()
        assert client.post(url, rating_post(world.network, level="3")).status_code == 302
        assert CompetencyAssessment.objects.get().rater_kind == RaterKind.SUPERVISOR
        stranger = ConsultantProfileFactory(network=world.network, region=world.region_b, counties=[county("06037")])
        assert client.get(reverse("workforce:competency-assessment-new", args=[stranger.pk])).status_code == 404

    @pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "evaluator", "program_staff"])
    def test_other_roles_do_not_rate(self, client, world, consultant, role):
        response = signed_in(client, world.people[role]).get(
            reverse("workforce:competency-assessment-new", args=[consultant.pk]))
        assert response.status_code == 404


class TestTheGrowthPage:
    @pytest.fixture
    def rated(self, world, consultant):
        person, supervisor = world.people["consultant"], world.people["supervisor"]
        start = TODAY() - dt.timedelta(days=365)
        rate(consultant, rater=person, on=start, levels=1, notes="Just starting.")
        rate(consultant, rater=supervisor, on=start + dt.timedelta(days=10), levels=1)
        later = dict.fromkeys((d.key for d in competency_framework_for(world.network)), 2)
        later["reflective_practice"] = 3
        rate(consultant, rater=person, on=start + dt.timedelta(days=180), levels=later)
        rate(consultant, rater=supervisor, on=start + dt.timedelta(days=190), levels=2)
        return consultant

    def test_it_shows_latest_against_first_the_tables_and_the_chart(self, client, world, rated):
        response = signed_in(client, world.people["consultant"]).get(
            reverse("workforce:competency-growth", args=[rated.pk]))
        body = response.content.decode()
        assert response.status_code == 200
        # reflective practice: self 1 -> 3 (+2), supervisor 1 -> 2 (+1), gap 3 - 2 = +1
        reflective = response.context["growth"].rows[3]
        assert reflective.domain.key == "reflective_practice"
        assert (reflective.growth.self_rated.change, reflective.growth.supervisor.change, reflective.growth.gap) == (
            2, 1, 1)
        assert "1 → 3 <span class=\"change change--up\">(+2, up)</span>" in body
        # every domain went up on both kinds: 8 up, nothing else
        assert "Self-assessments: up in 8 domains, the same in 0, down in 0; 0 not compared yet." in body
        assert "+1 <span class=\"muted\">(rates themselves higher)</span>" in body
        assert body.count("0 <span class=\"muted\">(the same)</span>") == 7
        # the chart: 8 panels, 2 self points and 2 supervisor points in each, every level written out
        assert 'role="img"' in body and body.count('class="panel"') == 8
        assert body.count("point point--self") == 16 and body.count("point point--supervisor") == 16
        # the tables have one column per rating date, and the notes are listed
        assert "Self-assessments by date" in body and "Supervisor ratings by date" in body
        assert "Just starting." in body
        assert "Rate yourself" in body

    def test_reading_it_is_in_the_ledger(self, client, world, rated):
        signed_in(client, world.people["supervisor"]).get(reverse("workforce:competency-growth", args=[rated.pk]))
        # one event for the page (the ledger writes one line per page seen): the consultant it is about, with the
        # four ratings it showed among the returned ids
        event = AccessEvent.objects.filter(user_id=world.people["supervisor"].pk, action=Action.VIEW).get()
        assert event.object_id == str(rated.pk)
        assert event.object_type == "directory.consultantprofile"
        assert len(event.object_ids) == 4

    def test_in_spanish_the_domains_have_their_spanish_names(self, client, world, rated):
        from django.conf import settings

        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        body = signed_in(client, world.people["consultant"]).get(
            reverse("workforce:competency-growth", args=[rated.pk])).content.decode()
        assert "Práctica reflexiva" in body and "Consulta en el aula" in body

    def test_a_consultant_without_ratings_gets_the_starting_point_message(self, client, world, consultant):
        body = signed_in(client, world.people["consultant"]).get(
            reverse("workforce:competency-growth", args=[consultant.pk])).content.decode()
        assert "No ratings yet." in body and "competency-growth-title" not in body

    @pytest.mark.parametrize("role", ["network_admin", "regional_coordinator", "supervisor", "consultant"])
    def test_each_role_in_scope_sees_it(self, client, world, rated, role):
        response = signed_in(client, world.people[role]).get(reverse("workforce:competency-growth", args=[rated.pk]))
        assert response.status_code == 200

    @pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant"])
    def test_a_consultant_of_the_other_region_does_not_exist_for_them(self, client, world, role):
        other = ConsultantProfileFactory(network=world.network, region=world.region_b, counties=[county("06037")])
        rate(other, rater=other.user, on=TODAY(), levels=2)
        response = signed_in(client, world.people[role]).get(reverse("workforce:competency-growth", args=[other.pk]))
        assert response.status_code == 404

    @pytest.mark.parametrize("role", ["evaluator", "program_staff"])
    def test_evaluators_and_program_staff_never_see_ratings(self, client, world, rated, role):
        response = signed_in(client, world.people[role]).get(reverse("workforce:competency-growth", args=[rated.pk]))
        assert response.status_code == 404

    def test_its_queries_do_not_grow_with_the_ratings(self, client, world, rated, django_assert_max_num_queries):
        signed_in(client, world.people["supervisor"])
        url = reverse("workforce:competency-growth", args=[rated.pk])
        client.get(url)
        with django_assert_max_num_queries(17):
            client.get(url)
        for month in range(6):
            rate(rated, rater=world.people["supervisor"], on=TODAY() - dt.timedelta(days=30 * month), levels=3)
        with django_assert_max_num_queries(17):
            client.get(url)


class TestTheConsultantsList:
    def test_the_supervisor_sees_their_consultant_with_latest_dates(self, client, world, consultant):
        rate(consultant, rater=world.people["consultant"], on=dt.date(2025, 3, 4), levels=2)
        ConsultantProfileFactory(network=world.network, region=world.region_b, counties=[county("06037")])
        response = signed_in(client, world.people["supervisor"]).get(reverse("workforce:competency-consultants"))
        page = response.context["page"]
        assert [c.pk for c in page.items] == [consultant.pk]
        assert page.items[0].last_self == dt.date(2025, 3, 4) and page.items[0].last_supervisor is None
        assert "Rate Consultant Person" in response.content.decode()
        assert AccessEvent.objects.filter(action=Action.LIST, object_type="directory.consultantprofile",
                                          object_ids=[str(consultant.pk)]).exists()

    def test_the_supervisors_list_does_not_grow_with_the_team(self, client, world, consultant,
                                                              django_assert_max_num_queries):
        signed_in(client, world.people["supervisor"])
        client.get(reverse("workforce:competency-consultants"))
        with django_assert_max_num_queries(12):
            client.get(reverse("workforce:competency-consultants"))
        for _ in range(6):
            ConsultantProfileFactory(network=world.network, region=world.region_a,
                                     supervisor=world.people["supervisor"])
        with django_assert_max_num_queries(12):
            response = client.get(reverse("workforce:competency-consultants"))
        assert [c.may_assess for c in response.context["page"].items] == [True] * 7

    def test_the_admin_sees_every_consultant_in_a_bounded_number_of_queries(
        self, client, world, consultant, django_assert_max_num_queries
    ):
        for _ in range(5):
            ConsultantProfileFactory(network=world.network, region=world.region_b, counties=[county("06037")])
        signed_in(client, world.people["network_admin"])
        client.get(reverse("workforce:competency-consultants"))
        with django_assert_max_num_queries(12):
            response = client.get(reverse("workforce:competency-consultants"))
        assert len(response.context["page"].items) == 6
