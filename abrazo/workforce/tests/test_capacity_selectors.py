"""What the capacity report reads (capacity_selectors): whose languages count, who works here, who is in scope."""

from __future__ import annotations

import pytest

from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ConsultantProfileFactory, county
from abrazo.workforce import capacity
from abrazo.workforce import capacity_selectors as selectors
from abrazo.workforce.models import ParticipantStatus
from abrazo.workforce.tests.factories_capacity import ApplicationFactory, CohortFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def report(user, **filters):
    network = selectors.network_from_key(user=user, key=None)
    return selectors.report_for(user=user, network=network, filters=selectors.Filters(**filters))


def test_a_participant_without_languages_of_their_own_takes_their_applications(world):
    # given a participant enrolled in cohort A from an application to cohort B, with no languages of their own
    cohort_a = CohortFactory(network=world.network, name="A")
    cohort_b = CohortFactory(network=world.network, name="B")
    application = ApplicationFactory(cohort=cohort_b, race_ethnicity="asian", languages=["en", "vi"])
    ParticipantFactory(cohort=cohort_a, application=application)
    # and one with their own languages, which win over their application's
    ParticipantFactory(cohort=cohort_a, languages=["en", "es"],
                       application=ApplicationFactory(cohort=cohort_a, languages=["en"]))
    # when the report shows cohort A only
    found = report(world.people["network_admin"], cohort_ids=(cohort_a.pk,))
    # then the first is other multilingual and Asian (read from the other cohort's application), the second
    # bilingual Spanish
    overall = found.figures.table(capacity.PARTICIPANTS, capacity.LANGUAGE).overall
    assert {group: count.value for group, count in overall.groups.items()} == {
        "english_only": 0, "bilingual_spanish": 1, "other_multilingual": 1, "not_reported": 0}
    race = found.figures.table(capacity.PARTICIPANTS, capacity.RACE).overall
    assert race.groups["asian"].value == 1 and race.groups["not_reported"].value == 1
    # and cohort B's applicant is counted among B's applicants only
    assert [cohort.name for cohort in found.figures.cohorts] == ["A"]
    assert found.figures.table(capacity.APPLICANTS, capacity.RACE).overall.everyone.value == 1


def test_working_here_needs_an_active_consultant_profile_of_the_network(world):
    # given three graduates: linked to the world's consultant, to an inactive profile, to nobody (works elsewhere)
    cohort = CohortFactory(network=world.network)
    active = ConsultantProfile.objects.get(user=world.people["consultant"])
    active.languages.set(["en", "es"])
    inactive = ConsultantProfileFactory(network=world.network, region=world.region_b, is_active=False,
                                        counties=[county("06037")])
    ParticipantFactory(cohort=cohort, status=ParticipantStatus.COMPLETED, consultant_profile=active)
    ParticipantFactory(cohort=cohort, status=ParticipantStatus.COMPLETED, consultant_profile=inactive)
    ParticipantFactory(cohort=cohort, status=ParticipantStatus.COMPLETED, works_in_iecmhc=True,
                       counties_served=["06037"], languages=["es"])
    # when the report is read
    found = report(world.people["network_admin"])
    # then one works here; the one linked to an inactive profile said nothing else, so it is not known
    places = {place: count.value for place, count in found.figures.work_overall.places.items()}
    assert places == {"consultant_here": 1, "iecmhc_elsewhere": 1, "other_work": 0, "unknown": 1}
    # and graduates in the field bring the profile's counties and languages (Fresno, Spanish) or their own (LA)
    regions = {region.label: region for region in found.coverage.regions}
    assert regions["Central Valley"].line("es").graduates.value == 1
    assert regions["Los Angeles"].line("es").graduates.value == 1
    # only the active consultant counts as a consultant
    assert found.coverage.consultants == 1


def test_another_networks_people_never_count(world):
    # given a cohort in another network, with applicants and participants
    other = CohortFactory(network=world.other_network)
    ParticipantFactory(cohort=other, application=ApplicationFactory(cohort=other, race_ethnicity="white"))
    # when this network's report is read, even naming the other cohort
    found = report(world.people["network_admin"], cohort_ids=(other.pk,))
    # then nothing of it is there
    assert found.figures.cohorts == []
    assert found.figures.table(capacity.APPLICANTS, capacity.RACE).overall.everyone.value == 0


def test_a_person_who_is_evaluator_and_coordinator_gets_the_published_version(world):
    # given the evaluator who is also a coordinator in the same network
    from abrazo.accounts.models import Membership, Role

    evaluator = world.people["evaluator"]
    Membership.objects.create(user=evaluator, network=world.network, role=Role.REGIONAL_COORDINATOR,
                              region=world.region_a)
    evaluator.refresh_from_db()
    # then the network is theirs in the published version only; the administrator's is exact
    assert [choice.exact for choice in selectors.networks_for(evaluator)] == [False]
    assert [choice.exact for choice in selectors.networks_for(world.people["network_admin"])] == [True]
    # and people without the report reach no network at all
    assert selectors.networks_for(world.people["consultant"]) == []
