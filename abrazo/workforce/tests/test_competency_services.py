"""The competency framework and ratings through their services: defaults installed once, versioned edits,
retiring without losing history, order, and who may rate whom."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import make_person
from abrazo.audit.models import AccessEvent, Action
from abrazo.core.concurrency import StaleEditError
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ConsultantProfileFactory
from abrazo.workforce import competency_services as services
from abrazo.workforce.competency_defaults import DEFAULT_DOMAINS
from abrazo.workforce.competency_selectors import competency_framework_for
from abrazo.workforce.models import CompetencyAssessment, CompetencyDomain, CompetencyRating, RaterKind
from abrazo.workforce.tests.factories_competency import rate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def every_domain(level: int, network) -> dict[str, int]:
    return {domain.key: level for domain in competency_framework_for(network)}


class TestTheDefaultFramework:
    def test_the_eight_domains_of_domain_md_are_installed_on_first_use_only(self, world):
        # given a network without a framework
        assert not CompetencyDomain.objects.filter(network=world.network).exists()
        # when the framework is read twice
        first = competency_framework_for(world.network)
        second = competency_framework_for(world.network.pk)
        # then the eight default domains exist once, in DOMAIN.md §9's order, in both languages
        assert [d.name_en for d in first] == [
            "Role of the consultant", "Foundational knowledge", "Equity and cultural sensitivity",
            "Reflective practice", "Child- and family-focused consultation", "Classroom consultation",
            "Programmatic consultation", "Systems collaboration",
        ]
        assert [d.pk for d in second] == [d.pk for d in first]
        assert CompetencyDomain.objects.filter(network=world.network).count() == 8
        assert [d.position for d in first] == list(range(1, 9))
        assert first[3].name_es == "Práctica reflexiva"
        # and the other network has none until it reads its own
        assert not CompetencyDomain.objects.filter(network=world.other_network).exists()

    def test_each_default_has_both_names_and_a_one_sentence_description_in_each_language(self):
        for default in DEFAULT_DOMAINS:
            assert default.name_en and default.name_es
            for text in (default.description_en, default.description_es):
                assert text.endswith(".") and text.count(". ") == 0, text

    def test_a_network_whose_domains_are_all_retired_does_not_get_the_defaults_again(self, world):
        domains = competency_framework_for(world.network)
        CompetencyDomain.objects.filter(pk__in=[d.pk for d in domains]).update(is_active=False)
        assert competency_framework_for(world.network) == []
        assert len(competency_framework_for(world.network, include_retired=True)) == 8

    def test_labels_follow_the_language(self, world):
        from django.utils import translation

        with translation.override("es"):
            domain = competency_framework_for(world.network)[0]
        assert (domain.label, domain.about) == (domain.name_es, domain.description_es)


class TestChangingTheFramework:
    def test_the_admin_adds_a_domain_at_the_end_once_even_if_sent_twice(self, world):
        admin = world.people["network_admin"]
        data = services.DomainData(name_en="Infant mental health", name_es="Salud mental infantil",
                                   description_en="Babies.", description_es="Bebés.")
        key = __import__("uuid").uuid4()
        # when the form is sent, then sent again with the same key
        domain = services.competency_domain_create(actor=admin, network=world.network, data=data,
                                                   submission_key=key)
        with pytest.raises(services.AlreadySubmitted) as again:
            services.competency_domain_create(actor=admin, network=world.network, data=data, submission_key=key)
        # then one domain was added after the eight defaults, with a key made from its English name
        assert again.value.existing == domain
        assert (domain.key, domain.position) == ("infant_mental_health", 9)
        assert [d.key for d in competency_framework_for(world.network)][-1] == "infant_mental_health"
        assert AccessEvent.objects.filter(action=Action.CREATE, object_id=str(domain.pk)).exists()
        # and the same name again gets its own key
        twin = services.competency_domain_create(actor=admin, network=world.network, data=data)
        assert twin.key == "infant_mental_health_2"

    def test_names_are_required_in_both_languages(self, world):
        with pytest.raises(ValidationError) as problem:
            services.competency_domain_create(actor=world.people["network_admin"], network=world.network,
                                              data=services.DomainData(name_en=" ", name_es=""))
        assert set(problem.value.message_dict) == {"name_en", "name_es"}

    @pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant", "evaluator"])
    def test_only_the_network_admin_changes_the_framework(self, world, role):
        domain = competency_framework_for(world.network)[0]
        with pytest.raises(PermissionDenied):
            services.competency_domain_create(actor=world.people[role], network=world.network,
                                              data=services.DomainData(name_en="X", name_es="X"))
        with pytest.raises(PermissionDenied):
            services.competency_domain_update(actor=world.people[role], domain=domain, expected_version=1,
                                              data=services.DomainData(name_en="X", name_es="X"))

    def test_the_admin_of_another_network_cannot_touch_this_framework(self, world):
        outsider = make_person(world.other_network, Role.NETWORK_ADMIN)
        with pytest.raises(PermissionDenied):
            services.competency_domain_create(actor=outsider, network=world.network,
                                              data=services.DomainData(name_en="X", name_es="X"))

    def test_an_edit_is_versioned_and_retiring_keeps_past_ratings(self, world):
        admin = world.people["network_admin"]
        consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
        domain = competency_framework_for(world.network)[1]
        assessment = rate(consultant, rater=world.people["consultant"], on=TODAY(), levels=2)
        # when the admin retires the domain, renaming it on the way
        services.competency_domain_update(
            actor=admin, domain=domain, expected_version=1,
            data=services.DomainData(name_en="Core knowledge", name_es="Conocimientos básicos", is_active=False))
        # then it is no longer in use, and the rating given on it is still there
        domain.refresh_from_db()
        assert (domain.name_en, domain.is_active, domain.version) == ("Core knowledge", False, 2)
        assert domain not in competency_framework_for(world.network)
        assert CompetencyRating.objects.filter(assessment=assessment, domain=domain, level=2).exists()
        # and a second editor who loaded version 1 is stopped
        with pytest.raises(StaleEditError):
            services.competency_domain_update(actor=admin, domain=domain, expected_version=1,
                                              data=services.DomainData(name_en="Y", name_es="Y"))

    def test_the_last_domain_in_use_cannot_be_retired(self, world):
        domains = competency_framework_for(world.network)
        CompetencyDomain.objects.filter(pk__in=[d.pk for d in domains[1:]]).update(is_active=False)
        with pytest.raises(ValidationError) as problem:
            services.competency_domain_update(
                actor=world.people["network_admin"], domain=domains[0], expected_version=1,
                data=services.DomainData(name_en="A", name_es="A", is_active=False))
        assert "is_active" in problem.value.message_dict

    def test_moving_swaps_neighbours_and_stops_at_the_ends(self, world):
        admin = world.people["network_admin"]
        first, second, third = competency_framework_for(world.network)[:3]
        assert services.competency_domain_move(actor=admin, domain=second, direction="up") is True
        assert [d.key for d in competency_framework_for(world.network)][:3] == [second.key, first.key, third.key]
        assert services.competency_domain_move(actor=admin, domain=second, direction="up") is False
        last = competency_framework_for(world.network)[-1]
        assert services.competency_domain_move(actor=admin, domain=last, direction="down") is False
        assert services.competency_domain_move(actor=admin, domain=first, direction="down") is True
        assert [d.key for d in competency_framework_for(world.network)][:3] == [second.key, third.key, first.key]


class TestRating:
    def test_a_consultant_rating_themselves_makes_a_self_assessment(self, world):
        person = world.people["consultant"]
        consultant = ConsultantProfile.objects.get(user=person)
        levels = every_domain(2, world.network)
        levels["reflective_practice"] = 3
        assessment = services.competency_assessment_create(
            actor=person, consultant=consultant,
            data=services.AssessmentData(assessed_on=TODAY(), levels=levels, notes=" Growing. "))
        assert (assessment.rater_kind, assessment.rater, assessment.notes) == (RaterKind.SELF, person, "Growing.")
        stored = dict(assessment.ratings.values_list("domain__key", "level"))
        assert len(stored) == 8 and stored["reflective_practice"] == 3 and stored["classroom_consultation"] == 2
        assert AccessEvent.objects.filter(action=Action.CREATE, object_type="workforce.competencyassessment").exists()

    def test_their_supervisor_rating_them_makes_a_supervisor_rating(self, world):
        consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
        assessment = services.competency_assessment_create(
            actor=world.people["supervisor"], consultant=consultant,
            data=services.AssessmentData(assessed_on=TODAY(), levels=every_domain(3, world.network)))
        assert assessment.rater_kind == RaterKind.SUPERVISOR

    def test_nobody_else_rates_a_consultant(self, world):
        consultant = ConsultantProfile.objects.get(user=world.people["consultant"])
        stranger = ConsultantProfileFactory(network=world.network, region=world.region_a)
        data = services.AssessmentData(assessed_on=TODAY(), levels=every_domain(3, world.network))
        for actor in (world.people["network_admin"], world.people["regional_coordinator"], stranger.user):
            with pytest.raises(PermissionDenied):
                services.competency_assessment_create(actor=actor, consultant=consultant, data=data)
        # and a supervisor does not rate a consultant they do not supervise
        with pytest.raises(PermissionDenied):
            services.competency_assessment_create(actor=world.people["supervisor"], consultant=stranger, data=data)
        assert not CompetencyAssessment.objects.exists()

    def test_every_domain_in_use_needs_a_level_and_the_date_cannot_be_in_the_future(self, world):
        person = world.people["consultant"]
        consultant = ConsultantProfile.objects.get(user=person)
        levels = every_domain(2, world.network)
        del levels["systems_collaboration"]
        levels["classroom_consultation"] = 7
        with pytest.raises(ValidationError) as problem:
            services.competency_assessment_create(
                actor=person, consultant=consultant,
                data=services.AssessmentData(assessed_on=TODAY() + dt.timedelta(days=1), levels=levels))
        assert set(problem.value.message_dict) == {
            "assessed_on", "level_systems_collaboration", "level_classroom_consultation"}
        assert not CompetencyAssessment.objects.exists()

    def test_a_retired_domain_is_not_rated_and_a_level_for_it_is_refused(self, world):
        person = world.people["consultant"]
        consultant = ConsultantProfile.objects.get(user=person)
        levels = every_domain(2, world.network)
        CompetencyDomain.objects.filter(network=world.network, key="systems_collaboration").update(is_active=False)
        with pytest.raises(ValidationError) as problem:
            services.competency_assessment_create(actor=person, consultant=consultant,
                                                  data=services.AssessmentData(assessed_on=TODAY(), levels=levels))
        assert "__all__" in problem.value.message_dict
        del levels["systems_collaboration"]
        assessment = services.competency_assessment_create(
            actor=person, consultant=consultant, data=services.AssessmentData(assessed_on=TODAY(), levels=levels))
        assert assessment.ratings.count() == 7

    def test_a_double_submit_records_one_rating(self, world):
        import uuid

        person = world.people["consultant"]
        consultant = ConsultantProfile.objects.get(user=person)
        data = services.AssessmentData(assessed_on=TODAY(), levels=every_domain(1, world.network))
        key = uuid.uuid4()
        first = services.competency_assessment_create(actor=person, consultant=consultant, data=data,
                                                      submission_key=key)
        with pytest.raises(services.AlreadySubmitted) as again:
            services.competency_assessment_create(actor=person, consultant=consultant, data=data, submission_key=key)
        assert again.value.existing == first
        assert CompetencyAssessment.objects.count() == 1
