"""The public "voices from the field" page: no account, published voices only, each quote in its own language
(marked with lang), the attribution and no name, the page chrome in the visitor's language, a choice of network
when there are several, and conditional requests answered with 304."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from abrazo.directory.models import Network
from abrazo.directory.tests.factories import NetworkFactory
from abrazo.workforce.models import VoiceStatus
from abrazo.workforce.tests.factories_feedback import (
    FeedbackCohortFactory,
    FeedbackParticipantFactory,
    VoiceFactory,
    training_feedback,
)

pytestmark = pytest.mark.django_db


def page(network) -> str:
    return reverse("workforce:voices-network", kwargs={"network_slug": network.slug})


@pytest.fixture
def voices(world):
    participant = FeedbackParticipantFactory(
        cohort=FeedbackCohortFactory(network=world.network), full_name="Marisol Quintero")
    survey = training_feedback(cohort=participant.cohort, participant=participant)
    return {
        "english": VoiceFactory(network=world.network, administration=survey, item_key="trn_most_useful",
                                text="Practising the reflective questions made it real for me.", position=2,
                                attribution="a new consultant in the Central Valley"),
        "spanish": VoiceFactory(network=world.network, text="Ahora entiendo lo que los niños me quieren decir.",
                                language="es", position=1, attribution="una maestra de preescolar en Fresno"),
        "draft": VoiceFactory(network=world.network, text="Not yet reviewed.", status=VoiceStatus.DRAFT),
        "retired": VoiceFactory(network=world.network, text="Taken down.", status=VoiceStatus.RETIRED),
        "other": VoiceFactory(network=world.other_network, text="From another network."),
    }


def test_anyone_reads_the_published_voices_in_their_own_languages_in_order(world, voices):
    # when someone with no account opens the network's page
    response = Client().get(page(world.network))
    # then it is there, with the published voices in the curators' order, each marked with its language
    assert response.status_code == 200
    html = response.content.decode()
    spanish = '<blockquote lang="es">Ahora entiendo lo que los niños me quieren decir.</blockquote>'
    english = '<blockquote lang="en">Practising the reflective questions made it real for me.</blockquote>'
    assert spanish in html and english in html and html.index(spanish) < html.index(english)
    assert '<span lang="es">una maestra de preescolar en Fresno</span>' in html
    # and nothing else: no draft, no withdrawn voice, no other network's, no name
    for text in ("Not yet reviewed.", "Taken down.", "From another network.", "Marisol", "Quintero"):
        assert text not in html


def test_the_page_chrome_follows_the_visitor_and_the_quotes_stay_as_written(world, voices, settings):
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = visitor.get(page(world.network)).content.decode()
    assert '<html lang="es">' in html
    assert "Practising the reflective questions made it real for me." in html  # not translated


def test_the_page_can_be_revalidated_cheaply_and_changes_when_a_voice_does(world, voices):
    visitor = Client()
    first = visitor.get(page(world.network))
    assert first["ETag"] and first["Last-Modified"]
    assert "max-age=300" in first["Cache-Control"]
    assert visitor.get(page(world.network), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # a voice withdrawn: the page is new
    voice = voices["spanish"]
    voice.status = VoiceStatus.RETIRED
    voice.save()
    again = visitor.get(page(world.network), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "Ahora entiendo" not in again.content.decode()


def test_without_a_network_in_the_address_visitors_choose_among_networks_with_voices(world, voices):
    NetworkFactory(name="Quiet Network", slug="quiet")
    html = Client().get(reverse("workforce:voices")).content.decode()
    assert page(world.network) in html and page(world.other_network) in html
    assert "Quiet Network" not in html


def test_a_single_network_deployment_shows_its_page_directly():
    # given a deployment with one network (no `world`: it has two)
    network = NetworkFactory(name="Only Network", slug="only")
    VoiceFactory(network=network, text="Ahora entiendo lo que los niños me quieren decir.", language="es")
    assert Network.objects.count() == 1
    html = Client().get(reverse("workforce:voices")).content.decode()
    assert "Ahora entiendo lo que los niños me quieren decir." in html and "Only Network" in html


def test_with_several_networks_and_one_speaking_its_page_is_shown(world):
    VoiceFactory(network=world.network, text="Only this network has spoken.")
    html = Client().get(reverse("workforce:voices")).content.decode()
    assert "Only this network has spoken." in html


def test_a_network_without_voices_says_so_and_an_unknown_one_is_not_found(world):
    response = Client().get(page(world.network))
    assert response.status_code == 200 and "No voices have been published yet" in response.content.decode()
    assert Client().get(reverse("workforce:voices-network", kwargs={"network_slug": "nowhere"})).status_code == 404


def test_the_page_reads_a_fixed_number_of_queries(world, voices, django_assert_max_num_queries):
    for _ in range(20):
        VoiceFactory(network=world.network)
    with django_assert_max_num_queries(8):
        assert Client().get(page(world.network)).status_code == 200
