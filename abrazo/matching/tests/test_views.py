"""The matching weights page: network administrators tune the weights; nobody else reaches it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from abrazo.matching.engine import Weights
from abrazo.matching.models import MatchingSettings

pytestmark = pytest.mark.django_db
URL = "/matching/settings/"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_url_is_the_documented_one() -> None:
    assert reverse("matching:settings") == URL


def test_admin_sees_the_defaults_and_saves_new_weights(world: Any) -> None:
    # given the network administrator
    client = signed_in(world.people["network_admin"])
    # when they open the page
    page = client.get(URL)
    # then the form shows the default weights
    assert page.status_code == 200
    form = page.context["form"]
    assert (form.initial["continuity"], form.initial["balance"], form.initial["version"]) == (3, 2, 1)
    # when they save other weights
    response = client.post(URL, {"continuity": "4.5", "balance": "0", "region": "2", "specialism": "1",
                                 "version": "1"}, follow=True)
    # then they are stored and confirmed
    assert response.redirect_chain == [(URL, 302)]
    assert "Matching weights saved" in response.content.decode()
    stored = MatchingSettings.objects.get(network=world.network)
    assert (stored.weights, stored.version) == (Weights(continuity=4.5, balance=0, region=2, specialism=1), 2)


def test_a_save_over_a_newer_one_keeps_the_input_and_asks_to_review(world: Any) -> None:
    # given weights someone saved after this administrator loaded the page (version 1)
    MatchingSettings.objects.create(network=world.network, continuity=1, version=2)
    client = signed_in(world.people["network_admin"])
    # when they save what they had
    response = client.post(URL, {"continuity": "9", "balance": "2", "region": "1", "specialism": "1",
                                 "version": "1"})
    # then nothing is overwritten, their input stays, and the next save can go through
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert response.context["form"]["continuity"].value() == "9"
    assert response.context["form"]["version"].value() == "2"
    assert MatchingSettings.objects.get(network=world.network).weights.continuity == 1


@pytest.mark.parametrize("value", ["-1", "100.5", "abc", ""])
def test_weights_outside_the_bounds_are_refused(world: Any, value: str) -> None:
    # given the administrator, when they enter an impossible weight
    response = signed_in(world.people["network_admin"]).post(
        URL, {"continuity": value, "balance": "2", "region": "1", "specialism": "1", "version": "1"}
    )
    # then the page says so and nothing is saved
    assert response.status_code == 200
    assert response.context["form"].errors["continuity"]
    assert not MatchingSettings.objects.exists()


@pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant", "program_staff", "evaluator"])
def test_other_roles_do_not_find_the_page(world: Any, role: str) -> None:
    # given someone who is not a network administrator, when they open or post the page, then it does not exist
    client = signed_in(world.people[role])
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"continuity": "0", "balance": "0", "region": "0", "specialism": "0",
                             "version": "1"}).status_code == 404
    assert not MatchingSettings.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in() -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_administrator_changes_only_their_own_network(world: Any) -> None:
    # given the administrator of the world's network, and settings of another network
    MatchingSettings.objects.create(network=world.other_network, continuity=7)
    # when they save
    signed_in(world.people["network_admin"]).post(
        URL, {"continuity": "1", "balance": "1", "region": "1", "specialism": "1", "version": "1"}
    )
    # then their network changed and the other did not
    assert MatchingSettings.objects.get(network=world.network).weights.continuity == 1
    assert MatchingSettings.objects.get(network=world.other_network).weights.continuity == 7
