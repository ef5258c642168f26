"""Which network a public page belongs to when the address names none: every public page decides the same way
(directory.selectors.public_network), so that with several networks the home's links lead to its own network's
library and forms."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from abrazo.directory.models import Network
from abrazo.directory.selectors import public_network, public_network_or_choice
from abrazo.directory.tests.factories import NetworkFactory
from abrazo.library.models import Resource
from abrazo.library.tests.factories_resource import ResourceFactory
from abrazo.workforce.tests.factories_feedback import VoiceFactory

pytestmark = pytest.mark.django_db

# Every public page that may be reached without a network in its address, and the context key naming its network.
PUBLIC_PAGES = ["core:home", "library:resource-list", "library:suggest", "intake:request-create",
                "workforce:apply-cohorts", "workforce:voices"]


CHOICE_PAGES = {"library/resources/choose_network.html", "workforce/voices/public_choose.html"}


def network_of(client: Client, name: str):
    """The page's network, or None when it asks the visitor to choose one."""
    response = client.get(reverse(name))
    assert response.status_code == 200, name
    if CHOICE_PAGES & {template.name for template in response.templates}:
        return None
    return response.context["network"]


@pytest.fixture
def both_networks_have_things_to_show(world):
    for network in (world.network, world.other_network):
        ResourceFactory(network=network)
        VoiceFactory(network=network)


def test_the_site_setting_decides_every_public_page(world, settings, both_networks_have_things_to_show):
    # given a deployment of several networks whose public site is the second by name
    settings.ABRAZO_SITE_NETWORK = world.other_network.slug
    client = Client()
    # when a visitor opens the home and each page it links to, without a network in the address
    networks = {name: network_of(client, name) for name in PUBLIC_PAGES}
    # then every one of them is that network's (none offers a choice, none falls back to the first by name)
    assert networks == dict.fromkeys(PUBLIC_PAGES, world.other_network)


def test_without_the_setting_pages_keep_their_own_ways(world, settings, both_networks_have_things_to_show):
    # given several networks and no site setting
    settings.ABRAZO_SITE_NETWORK = ""
    client = Client()
    # then the home and the forms take the first network by name, the library and voices offer a choice
    assert network_of(client, "core:home") == world.network
    assert network_of(client, "library:suggest") == world.network
    assert network_of(client, "intake:request-create") == world.network
    assert network_of(client, "library:resource-list") is None
    assert network_of(client, "workforce:voices") is None
    # and the library offers only the networks with published resources
    Resource.objects.filter(network=world.other_network).delete()
    assert network_of(client, "library:resource-list") == world.network


def test_a_network_in_the_address_wins_over_the_setting(world, settings):
    settings.ABRAZO_SITE_NETWORK = world.other_network.slug
    response = Client().get(reverse("library:resource-list-for-network", args=[world.network.slug]))
    assert response.context["network"] == world.network
    assert public_network(slug=world.network.slug) == world.network


def test_staff_entering_a_request_stay_in_their_own_network(world, settings):
    # given the public site is the other network, and a coordinator of this one signed in
    settings.ABRAZO_SITE_NETWORK = world.other_network.slug
    client = Client()
    client.force_login(world.people["regional_coordinator"])
    # when they use the request form from their pages, then it is their network's form
    assert network_of(client, "intake:request-create") == world.network
    # while the library, which does not ask who is signed in, stays the site's
    assert network_of(client, "library:resource-list") == world.other_network


def test_a_single_network_needs_no_setting(db, settings):
    # given a deployment with one network, which has nothing published yet
    settings.ABRAZO_SITE_NETWORK = ""
    only = NetworkFactory()
    # then every page is that network's, whether or not it has something to show
    assert public_network(slug=None) == only
    assert public_network_or_choice(slug=None, offered=Network.objects.none()) == only


def test_a_misspelt_setting_or_no_network_at_all_is_not_found(db, settings):
    # given no network at all
    settings.ABRAZO_SITE_NETWORK = ""
    with pytest.raises(Http404):
        public_network(slug=None)
    with pytest.raises(Http404):
        public_network_or_choice(slug=None, offered=Network.objects.all())
    # and a setting naming a network that does not exist (rather than silently showing another one)
    NetworkFactory()
    settings.ABRAZO_SITE_NETWORK = "no-such-network"
    with pytest.raises(Http404):
        public_network(slug=None)


def test_the_first_by_name_is_the_forms_fallback(db, settings):
    settings.ABRAZO_SITE_NETWORK = ""
    NetworkFactory(name="Zeta Network", slug="zeta")
    alpha = NetworkFactory(name="Alpha Network", slug="alpha")
    assert public_network(slug=None) == alpha
