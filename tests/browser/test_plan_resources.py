"""A consultant on a phone puts a library resource in an episode's action plan and sends it to a parent in
Spanish: the episode page loads its resources section, the search narrows as they type, the email goes once in
the parent's language. Every page is checked with axe-core."""

from __future__ import annotations

import pytest
from django.core import mail

from abrazo.accounts.tests.factories import TOTP_SECRET, give_totp
from abrazo.library.models import PlanResource, ResourceShare
from abrazo.library.tests.factories_plan import plan_world
from tests.browser.test_coordinator_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_consultant_attaches_a_resource_and_sends_it_to_a_parent_in_spanish(live_server, page, pages, world):
    # given the world's consultant with an episode whose plan has a goal, and a tip sheet in English and Spanish
    plans = plan_world(world)
    consultant = plans.person("consultant")
    consultant.authenticator_set.all().delete()
    give_totp(consultant, TOTP_SECRET)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, consultant.email, TOTP_SECRET)
    page.wait_for_url(live_server.url + "/")

    # when they open the episode, the resources section arrives on its own
    page.goto(live_server.url + plans.episode.get_absolute_url())
    page.get_by_text("No resources in the plan yet.").wait_for()
    pages.visit_step("episode")

    # and they look for the tip sheet by typing in the search box
    page.get_by_role("link", name="Add resources from the library").click()
    pages.visit_step("library-search")
    page.get_by_label("Search the library").fill("goodbye")
    page.get_by_role("heading", name="Calm-down corner").wait_for(state="detached")
    card = page.locator("article.card", has=page.get_by_role("heading", name="Saying goodbye at drop-off"))
    card.get_by_label("Why it helps (optional)").fill("Ideas for the morning goodbyes.")
    card.get_by_role("button", name="Add to the plan").click()

    # then it is in the plan, marked as such in the results
    page.get_by_text("“Saying goodbye at drop-off” is in the action plan.").wait_for()
    link = PlanResource.objects.get()
    assert (link.resource, link.note) == (plans.english, "Ideas for the morning goodbyes.")
    pages.visit_step("attached")

    # when they go back to the episode and send it to a Spanish-speaking parent
    page.get_by_role("link", name="Back to the episode").click()
    page.get_by_role("link", name="Send to a family member or teacher").click()
    pages.visit_step("send-form")
    page.get_by_label("Their name").fill("Rosa Martínez")
    page.get_by_label("Their email").fill("rosa@example.org")
    page.get_by_label("Spanish").check()
    page.get_by_role("button", name="Send").click()

    # then one email went, with the Spanish version, and the episode lists what was sent
    page.get_by_text("is on its way to Rosa Martínez").wait_for()
    share = ResourceShare.objects.get()
    assert (share.resource, share.language) == (plans.spanish, "es")
    assert [message.to for message in mail.outbox] == [["rosa@example.org"]]
    page.get_by_role("cell", name="rosa@example.org").wait_for()
    pages.visit_step("sent")
