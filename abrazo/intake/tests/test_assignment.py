"""Assignment: the coordinator confirms the top matching suggestion or overrides it with a reason, the
episode opens, the program joins the directory if it was new, and of two coordinators assigning one
request at the same moment exactly one succeeds while the other is told who did."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from abrazo.accounts.models import Role, User
from abrazo.accounts.tests.factories import MembershipFactory
from abrazo.consultations.models import Episode, EpisodeType
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.directory.models import ConsultantProfile, Program
from abrazo.directory.tests.factories import ConsultantProfileFactory, county
from abrazo.intake import selectors, services
from abrazo.intake.models import Request, RequestStatus
from abrazo.intake.tests.factories import RequestFactory, language

pytestmark = pytest.mark.django_db


@pytest.fixture
def matchable(world):
    """Two consultants who could take a Fresno centre request in English: the world's (12 free places) and a
    second one; plus a request from a program not yet in the directory."""
    first = ConsultantProfile.objects.get(user=world.people["consultant"])
    first.languages.set([language("en")])
    second = ConsultantProfileFactory(network=world.network, region=world.region_a, counties=[county("06019")])
    second.languages.set([language("en"), language("es")])
    request = RequestFactory(network=world.network, region=world.region_a, program_name="Bright Start Center",
                             license_number="LIC-777", address_line1="9 Cedar Avenue", postal_code="93704")
    return world, request


def top_and_other(user: User, request: Request) -> tuple[ConsultantProfile, ConsultantProfile]:
    suggestions = selectors.suggestions_for_request(user=user, request=request)
    assert len(suggestions) >= 2, "both consultants meet the hard constraints"
    assert all(s.reasons for s in suggestions), "every suggestion explains itself"
    return suggestions[0].consultant, suggestions[1].consultant


def test_confirming_the_top_suggestion_opens_the_episode_and_adds_the_program(matchable):
    # given a coordinator and an open request from a program the directory does not know
    world, request = matchable
    coordinator = world.people["regional_coordinator"]
    top, _other = top_and_other(coordinator, request)
    # when they confirm the top suggestion
    episode = services.request_assign(actor=coordinator, request=request, consultant=top,
                                      episode_type=EpisodeType.CLASSROOM)
    # then the request is assigned, timed, and linked to a new directory program in its region
    stored = Request.objects.get(pk=request.pk)
    assert (stored.status, stored.consultant, stored.assigned_by) == (RequestStatus.ASSIGNED, top, coordinator)
    assert stored.assigned_at is not None and stored.assignment_override_reason == ""
    program = Program.objects.get(license_number="LIC-777")
    assert (program.name, program.region, program.network) == ("Bright Start Center", world.region_a, world.network)
    assert stored.program == program
    # and the episode belongs to that program and consultant, and points back to the request
    assert (episode.program, episode.consultant, episode.request) == (program, top, stored)


def test_a_recognised_program_is_reused_not_duplicated(matchable):
    world, _request = matchable
    request = RequestFactory(network=world.network, region=world.region_a, program=world.program_a)
    coordinator = world.people["regional_coordinator"]
    top, _other = top_and_other(coordinator, request)
    services.request_assign(actor=coordinator, request=request, consultant=top, episode_type=EpisodeType.CLASSROOM)
    assert Program.objects.filter(network=world.network).count() == 2
    assert Episode.objects.get(request=request).program == world.program_a


def test_choosing_someone_else_needs_a_reason_which_is_kept(matchable):
    world, request = matchable
    coordinator = world.people["regional_coordinator"]
    _top, other = top_and_other(coordinator, request)
    # when the coordinator picks the second suggestion without a reason
    with pytest.raises(ValidationError) as refused:
        services.request_assign(actor=coordinator, request=request, consultant=other,
                                episode_type=EpisodeType.CLASSROOM)
    # then nothing happens, and the reason is asked for
    assert "override_reason" in refused.value.message_dict
    assert Request.objects.get(pk=request.pk).status == RequestStatus.NEW
    assert not Episode.objects.exists()
    # when they give one
    services.request_assign(actor=coordinator, request=request, consultant=other,
                            episode_type=EpisodeType.CLASSROOM, override_reason="Worked with this director before.")
    # then it is kept with the request
    assert Request.objects.get(pk=request.pk).assignment_override_reason == "Worked with this director before."


def test_a_second_assignment_is_refused_and_says_who_assigned_it(matchable):
    world, request = matchable
    coordinator = world.people["regional_coordinator"]
    top, other = top_and_other(coordinator, request)
    services.request_assign(actor=coordinator, request=request, consultant=top, episode_type=EpisodeType.CLASSROOM)
    with pytest.raises(services.RequestNotOpen) as closed:
        services.request_assign(actor=world.people["network_admin"], request=request, consultant=other,
                                episode_type=EpisodeType.CLASSROOM, override_reason="closer")
    assert f"was assigned to {top} by {coordinator.full_name}" in closed.value.message
    assert Episode.objects.count() == 1


@needs_postgresql  # the sequential case above covers SQLite
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_assigning_at_once_make_one_assignment(matchable):
    # given two coordinators of region A about to assign the same request, on two connections
    world, request = matchable
    second_coordinator = MembershipFactory(network=world.network, role=Role.REGIONAL_COORDINATOR,
                                           region=world.region_a).user
    actors = [world.people["regional_coordinator"].pk, second_coordinator.pk]
    top, _other = top_and_other(world.people["regional_coordinator"], request)
    def load(index: int) -> tuple[User, Request, ConsultantProfile]:
        return (User.objects.get(pk=actors[index]), Request.objects.get(pk=request.pk),
                ConsultantProfile.objects.get(pk=top.pk))

    # when both press "assign" at the same moment
    outcomes = at_once(2, lambda loaded: services.request_assign(
        actor=loaded[0], request=loaded[1], consultant=loaded[2], episode_type=EpisodeType.CLASSROOM,
    ), prepare=load)
    # then exactly one episode exists, and the other coordinator was told clearly
    episodes = [o for o in outcomes if isinstance(o, Episode)]
    refused = [o for o in outcomes if isinstance(o, services.RequestNotOpen)]
    assert len(episodes) == 1 and len(refused) == 1, outcomes
    assert Episode.objects.filter(request_id=request.pk).count() == 1
    assert "was assigned to" in refused[0].message and "nothing was changed" in refused[0].message
    assert Program.objects.filter(license_number="LIC-777").count() == 1


# --- the assign page -------------------------------------------------------------------------------------


def test_the_assign_page_shows_ranked_suggestions_with_plain_reasons(matchable):
    world, request = matchable
    client = Client()
    client.force_login(world.people["regional_coordinator"])
    response = client.get(reverse("intake:request-assign", args=[request.pk]))
    assert response.status_code == 200
    suggestions = response.context["suggestions"]
    page = response.content.decode()
    assert "Top suggestion" in page
    assert all(reason in page for reason in suggestions[0].reasons)
    assert response.context["form"].initial["choice"] == str(suggestions[0].consultant.pk)


def test_assigning_through_the_page_and_the_second_coordinator_s_message(matchable):
    world, request = matchable
    first, second = Client(), Client()
    first.force_login(world.people["regional_coordinator"])
    second.force_login(world.people["network_admin"])
    url = reverse("intake:request-assign", args=[request.pk])
    second_form = second.get(url).context["form"]  # the admin has the page open too
    top = first.get(url).context["suggestions"][0].consultant
    # when the coordinator confirms the top suggestion
    response = first.post(url, {"choice": str(top.pk), "episode_type": "classroom"})
    assert response.status_code == 302
    # and the admin then submits the page they had open
    late = second.post(url, {"choice": second_form.initial["choice"], "episode_type": "classroom"}, follow=True)
    # then the admin reads who assigned it, and one episode exists
    assert "was assigned to" in late.content.decode()
    assert Episode.objects.count() == 1


def test_overriding_on_the_page_without_a_reason_keeps_the_choice_and_asks_why(matchable):
    world, request = matchable
    client = Client()
    client.force_login(world.people["regional_coordinator"])
    url = reverse("intake:request-assign", args=[request.pk])
    other = client.get(url).context["suggestions"][1].consultant
    response = client.post(url, {"choice": str(other.pk), "episode_type": "classroom"})
    assert response.status_code == 200
    assert response.context["form"]["choice"].value() == str(other.pk)
    assert "say why" in response.content.decode()


def test_child_focused_consultation_needs_the_child_s_code(matchable):
    world, request = matchable
    client = Client()
    client.force_login(world.people["regional_coordinator"])
    url = reverse("intake:request-assign", args=[request.pk])
    top = client.get(url).context["suggestions"][0].consultant
    response = client.post(url, {"choice": str(top.pk), "episode_type": "child_family"})
    assert response.status_code == 200 and "child_code" in response.context["form"].errors
    done = client.post(url, {"choice": str(top.pk), "episode_type": "child_family", "child_code": "K-12"})
    assert done.status_code == 302
    assert Episode.objects.get().child_code == "K-12"


def test_when_nobody_fits_the_page_says_why_and_any_choice_needs_a_reason(matchable):
    # given a request in Vietnamese, which no consultant speaks
    world, _request = matchable
    request = RequestFactory(network=world.network, region=world.region_a, preferred_language=language("vi"))
    coordinator = world.people["regional_coordinator"]
    client = Client()
    client.force_login(coordinator)
    url = reverse("intake:request-assign", args=[request.pk])
    # when the coordinator opens the assign page
    response = client.get(url)
    # then no one is suggested, the page says which requirement nobody meets, and "someone else" is preselected
    assert response.context["suggestions"] == []
    assert response.context["unmatched_reason"]
    assert response.context["unmatched_reason"] in response.content.decode()
    assert response.context["form"].initial["choice"] == "other"
    # and assigning anyone needs a reason
    chosen = ConsultantProfile.objects.get(user=world.people["consultant"])
    with pytest.raises(ValidationError):
        services.request_assign(actor=coordinator, request=request, consultant=chosen,
                                episode_type=EpisodeType.CLASSROOM)
    response = client.post(url, {"choice": "other", "other_consultant": str(chosen.pk), "episode_type": "classroom",
                                 "override_reason": "An interpreter will join the visits."})
    assert response.status_code == 302
    assert Request.objects.get(pk=request.pk).consultant == chosen
