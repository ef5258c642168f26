"""Matching from the database: who is suggested for a request, why (in words), the network's weights,
several requests at once, and who may ask."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from abrazo.accounts.models import Role
from abrazo.accounts.tests.factories import MembershipFactory
from abrazo.audit.models import AccessEvent
from abrazo.consultations.models import Phase
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.core.concurrency import StaleEditError
from abrazo.directory.models import ConsultantProfile, SettingType
from abrazo.directory.tests.factories import ConsultantProfileFactory, county
from abrazo.intake.models import Priority
from abrazo.intake.tests.factories import RequestFactory, language
from abrazo.matching import services
from abrazo.matching.engine import Reason, Weights
from abrazo.matching.models import MatchingSettings

pytestmark = pytest.mark.django_db


def make_consultant(world: Any, *, languages: tuple[str, ...] = ("es",), region: Any = None, capacity: int = 12,
                    counties: tuple[str, ...] = ("06019",), expertise: tuple[str, ...] = ("preschool",),
                    **kwargs: Any) -> ConsultantProfile:
    consultant = ConsultantProfileFactory(
        network=world.network, region=region or world.region_a, counties=[county(c) for c in counties],
        caseload_capacity=capacity, setting_expertise=list(expertise), **kwargs,
    )
    consultant.languages.set([language(code) for code in languages])
    return consultant


@pytest.fixture
def scene(world: Any) -> dict[str, Any]:
    """A Spanish request from program A (Fresno, region A) and the network's consultants around it."""
    ana = make_consultant(world, capacity=12)
    # Ana has worked with program A (closed in 2025) and has two open episodes elsewhere.
    EpisodeFactory(program=world.program_a, consultant=ana, phase=Phase.CLOSED,
                   opened_at=dt.datetime(2025, 2, 1, tzinfo=dt.UTC), closed_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
    EpisodeFactory(program=world.program_b, consultant=ana)
    EpisodeFactory(program=world.program_b, consultant=ana)
    people = {
        "ana": ana,
        "bea": make_consultant(world, region=world.region_b, capacity=6),  # no history, other region
        "english_only": make_consultant(world, languages=("en",)),
        "elsewhere": make_consultant(world, counties=("06037",)),
        "fcc_only": make_consultant(world, expertise=("fcc",)),
        "inactive": make_consultant(world, is_active=False),
        "full": make_consultant(world, capacity=1),
    }
    EpisodeFactory(program=world.program_b, consultant=people["full"])
    request = RequestFactory(network=world.network, region=world.region_a, county=county("06019"),
                             program=world.program_a, preferred_language=language("es"))
    return {"world": world, "request": request, **people}


def test_suggestions_rank_eligible_consultants_with_reasons_in_words(scene: dict[str, Any]) -> None:
    # given a coordinator of region A
    coordinator = scene["world"].people["regional_coordinator"]
    # when they ask for suggestions for the Spanish request
    suggestions = services.suggestions_for(user=coordinator, request=scene["request"])
    # then only consultants meeting every hard constraint come back, the one who knows the program first
    assert [s.consultant_id for s in suggestions] == [scene["ana"].pk, scene["bea"].pk]
    # and the reasons read as sentences, with the open slots left after her open episodes
    assert suggestions[0].reasons == [
        "speaks Spanish", "serves Fresno County", "works in preschool", "10 open slots",
        "worked with this program in 2025", "based in the same region (Central Valley)",
    ]
    assert suggestions[0].reason_codes[4] == Reason("worked_with_program", {"program": str(scene["world"].program_a.pk),
                                                                           "year": 2025})
    assert suggestions[1].reasons == ["speaks Spanish", "serves Fresno County", "works in preschool", "6 open slots"]
    # costs: Ana 2·3/12 = 0.5 points; Bea continuity 3 + balance 2·1/6 + region 1
    assert (suggestions[0].cost, suggestions[1].cost) == (0.5, 4.333)


def test_suggestion_names_follow_the_reader_s_language(scene: dict[str, Any]) -> None:
    # given a coordinator reading in Spanish
    coordinator = scene["world"].people["regional_coordinator"]
    # when suggestions are asked for
    with translation.override("es"):
        suggestions = services.suggestions_for(user=coordinator, request=scene["request"], limit=1)
    # then the language is named in Spanish
    assert "Español" in suggestions[0].reasons[0]


def test_an_open_episode_with_the_program_counts_as_this_year(scene: dict[str, Any]) -> None:
    # given Bea is working with program A right now
    EpisodeFactory(program=scene["world"].program_a, consultant=scene["bea"])
    # when suggestions are asked for
    suggestions = services.suggestions_for(user=scene["world"].people["network_admin"], request=scene["request"])
    # then her continuity is dated this year
    bea = next(s for s in suggestions if s.consultant_id == scene["bea"].pk)
    assert f"worked with this program in {timezone.localdate().year}" in bea.reasons


def test_the_network_s_weights_change_the_ranking(scene: dict[str, Any]) -> None:
    # given an administrator who cares only about balanced caseloads
    MatchingSettings.objects.create(network=scene["world"].network, continuity=0, balance=10, region=0, specialism=0)
    # when suggestions are asked for
    suggestions = services.suggestions_for(user=scene["world"].people["network_admin"], request=scene["request"])
    # then Bea (1 of 6 places once assigned, 1.667 points) beats Ana (3 of 12, 2.5 points)
    assert [s.consultant_id for s in suggestions] == [scene["bea"].pk, scene["ana"].pk]
    assert services.weights_for(scene["world"].network) == Weights(continuity=0, balance=10, region=0, specialism=0)


@pytest.mark.parametrize("role", ["supervisor", "consultant", "program_staff", "evaluator"])
def test_only_triage_roles_may_ask_for_suggestions(scene: dict[str, Any], role: str) -> None:
    # given someone who cannot triage requests, when they ask, then they are refused
    with pytest.raises(PermissionDenied):
        services.suggestions_for(user=scene["world"].people[role], request=scene["request"])


def test_a_coordinator_of_another_region_may_not_ask(scene: dict[str, Any]) -> None:
    # given a coordinator of region B
    world = scene["world"]
    outsider = MembershipFactory(network=world.network, role=Role.REGIONAL_COORDINATOR, region=world.region_b).user
    # when / then the region A request is out of their scope
    with pytest.raises(PermissionDenied):
        services.suggestions_for(user=outsider, request=scene["request"])


def test_suggestions_take_a_fixed_number_of_queries(scene: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    # given many more consultants
    world = scene["world"]
    for _ in range(15):
        make_consultant(world)
    coordinator = world.people["regional_coordinator"]
    coordinator.active_memberships  # noqa: B018 - load the memberships before counting
    # when suggestions are asked for, then the query count does not grow with them
    with django_assert_max_num_queries(10):
        suggestions = services.suggestions_for(user=coordinator, request=scene["request"], limit=20)
    assert len(suggestions) == 17


def test_why_nobody_is_suggested(scene: dict[str, Any]) -> None:
    # given a Vietnamese request, and one from Los Angeles in Spanish for family child care
    world = scene["world"]
    vietnamese = RequestFactory(network=world.network, region=world.region_a, preferred_language=language("vi"))
    fcc = RequestFactory(network=world.network, region=world.region_a, preferred_language=language("es"),
                         setting_type=SettingType.FCC_SMALL, county=county("06037"))
    admin = world.people["network_admin"]
    # when the reason is asked for
    # then it names the first requirement nobody meets, in words
    assert services.unmatched_reason_for(user=admin, request=vietnamese) == "no consultant speaks Vietnamese"
    assert services.unmatched_reason_for(user=admin, request=fcc) == (
        "no consultant who speaks Spanish in Los Angeles County works in family child care"
    )
    assert services.unmatched_reason_for(user=admin, request=scene["request"]) is None


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"setting_type": SettingType.CENTER}, "preschool"),
        ({"setting_type": SettingType.CENTER, "serves_infants": True, "serves_toddlers": True}, "infant_toddler"),
        ({"setting_type": SettingType.CENTER, "serves_toddlers": True, "serves_preschoolers": True}, "preschool"),
        ({"setting_type": SettingType.CENTER, "child_age_months": 20}, "infant_toddler"),
        ({"setting_type": SettingType.CENTER, "child_age_months": 48}, "preschool"),
        ({"setting_type": SettingType.HEAD_START}, "preschool"),
        ({"setting_type": SettingType.STATE_PRESCHOOL}, "preschool"),
        ({"setting_type": SettingType.PRIVATE_PRESCHOOL}, "preschool"),
        ({"setting_type": SettingType.EARLY_HEAD_START}, "infant_toddler"),
        ({"setting_type": SettingType.FCC_SMALL}, "fcc"),
        ({"setting_type": SettingType.FCC_LARGE}, "fcc"),
        ({"setting_type": SettingType.FFN}, "ffn"),
        ({"setting_type": SettingType.HOME_VISITING}, "home_visiting"),
    ],
)
def test_setting_types_need_the_documented_expertise(kwargs: dict[str, Any], expected: str) -> None:
    # given a setting type (and ages), when mapped, then the expertise is the documented one
    assert services.expertise_for(**kwargs) == expected


def test_every_setting_type_has_an_expertise() -> None:
    # given / when / then no setting type is left to the fallback
    assert set(services.EXPERTISE_FOR_SETTING) == set(SettingType.values)


def test_a_child_specific_request_about_a_toddler_needs_infant_toddler_expertise(scene: dict[str, Any]) -> None:
    # given a centre request about a two-year-old
    world = scene["world"]
    request = RequestFactory(network=world.network, region=world.region_a, preferred_language=language("es"),
                             child_specific=True, child_age_months=26)
    toddler_expert = make_consultant(world, expertise=("infant_toddler",))
    # when suggestions are asked for, then only the infant/toddler consultant fits
    suggestions = services.suggestions_for(user=world.people["network_admin"], request=request)
    assert [s.consultant_id for s in suggestions] == [toddler_expert.pk]
    assert "works in infant/toddler care" in suggestions[0].reasons


def test_batch_serves_the_urgent_request_first_and_says_why_the_other_waits(world: Any) -> None:
    # given one consultant with one free place and two Spanish requests, the later one urgent
    only = make_consultant(world, capacity=1)
    normal = RequestFactory(network=world.network, region=world.region_a, preferred_language=language("es"))
    urgent = RequestFactory(network=world.network, region=world.region_a, preferred_language=language("es"),
                            priority=Priority.URGENT)
    # when the coordinator asks for a batch proposal
    proposal = services.batch_suggestions_for(user=world.people["regional_coordinator"], requests=[normal, urgent])
    # then the urgent request gets the place and the other is told why it waits
    assert [(a.request, a.consultant_id) for a in proposal.assignments] == [(urgent, only.pk)]
    assert [(w.request, w.reason) for w in proposal.unassigned] == [
        (normal, "the open slots of its eligible consultant went to other requests (1 of them urgent)"),
    ]
    assert (proposal.objective.urgent_assigned, proposal.objective.assigned) == (1, 1)


def test_batch_refuses_requests_outside_the_scope_and_mixed_networks(world: Any) -> None:
    # given a request of region B and one of another network
    inside = RequestFactory(network=world.network, region=world.region_a)
    region_b = RequestFactory(network=world.network, region=world.region_b, county=county("06037"))
    other_network = RequestFactory(region=world.other_program.region)
    coordinator = world.people["regional_coordinator"]
    # when / then
    with pytest.raises(PermissionDenied):
        services.batch_suggestions_for(user=coordinator, requests=[inside, region_b])
    with pytest.raises(ValueError, match="one network"):
        services.batch_suggestions_for(user=world.people["network_admin"], requests=[inside, other_network])
    empty = services.batch_suggestions_for(user=coordinator, requests=[])
    assert (empty.assignments, empty.unassigned) == ([], [])


def test_settings_update_is_audited_and_refuses_a_stale_version(world: Any) -> None:
    # given the defaults, loaded by two administrators
    admin = world.people["network_admin"]
    stored = services.matching_settings_for(world.network)
    assert (MatchingSettings.objects.exists(), stored.weights, stored.version) == (False, Weights(), 1)
    # when the first saves new weights
    saved = services.matching_settings_update(actor=admin, network=world.network,
                                              weights=Weights(continuity=5), expected_version=stored.version)
    # then they are stored, versioned and audited
    assert (saved.weights, saved.version) == (Weights(continuity=5), 2)
    assert AccessEvent.objects.filter(user_id=admin.pk, object_type="matching.matchingsettings",
                                      object_id=str(saved.pk)).exists()
    # and the second, saving over the version they loaded, is told someone else changed it
    with pytest.raises(StaleEditError):
        services.matching_settings_update(actor=admin, network=world.network,
                                          weights=Weights(region=7), expected_version=1)
    assert services.weights_for(world.network) == Weights(continuity=5)


def test_only_a_network_admin_may_change_the_weights(world: Any) -> None:
    # given a coordinator, when they try to change the weights, then they are refused
    with pytest.raises(PermissionDenied):
        services.matching_settings_update(actor=world.people["regional_coordinator"], network=world.network,
                                          weights=Weights(), expected_version=1)
    assert not MatchingSettings.objects.exists()
