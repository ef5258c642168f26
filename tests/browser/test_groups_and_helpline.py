"""A consultant on a phone: logs a helpline call in a few taps, turns it into a request, then logs a group
session by ticking who came. Every page is checked with axe-core."""

from __future__ import annotations

import pytest
from django.urls import reverse

from abrazo.accounts.tests.factories import TOTP_SECRET, give_totp
from abrazo.consultations.models import BriefContact, BriefOutcome, GroupSession
from abrazo.consultations.tests.group_factories import GroupFactory, GroupMemberFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.intake.models import Request
from tests.browser.test_coordinator_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_consultant_logs_a_call_turns_it_into_a_request_and_logs_a_group_session(live_server, page, pages, world):
    # given the world's consultant, with an authenticator app, on a phone-sized screen
    consultant = world.people["consultant"]
    consultant.authenticator_set.all().delete()
    give_totp(consultant, TOTP_SECRET)
    profile = ConsultantProfile.objects.get(user=consultant)
    group = GroupFactory(facilitator=profile, name="Fresno toddler teachers")
    for name in ("Ana Ruiz", "Beto Lara", "Carla Soto"):
        GroupMemberFactory(group=group, name=name)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, consultant.email, TOTP_SECRET)
    page.wait_for_url(live_server.url + "/")

    # when they open the quick log and tap who called, the topic and the outcome, then save
    page.goto(live_server.url + reverse("consultations:brief-new"))
    pages.visit_step("quick-log")
    page.get_by_label("Parent or family member").check()
    page.get_by_label("Separation, attachment or adjusting to care").check()
    page.get_by_label("Follow-up needed").check()
    page.get_by_role("button", name="Save").first.click()

    # then the call is logged with the defaults, and its page offers to turn it into a request
    page.get_by_role("link", name="Turn into a request").wait_for()
    contact = BriefContact.objects.get()
    assert (contact.minutes, contact.outcome, contact.county_id) == (15, BriefOutcome.FOLLOW_UP_NEEDED, "06019")
    pages.visit_step("call-logged")

    # when they turn it into a request, completing what the call did not record
    page.get_by_role("link", name="Turn into a request").click()
    pages.visit_step("turn-into-request")
    page.get_by_label("Caller's name").fill("Lupe Márquez")
    page.get_by_label("Email").fill("lupe@example.org")
    page.get_by_label("Program name").fill("Little Stars")
    page.get_by_label("Street address").fill("12 Olive Avenue")
    page.get_by_label("City").fill("Fresno")
    page.get_by_label("ZIP code").fill("93701")
    page.get_by_label("Setting type").select_option("fcc_small")
    page.get_by_role("button", name="Create the request").click()

    # then one request exists and the call's page names it
    page.get_by_text("it is in the triage queue").wait_for()
    request = Request.objects.get()
    assert page.get_by_text(request.reference).first.is_visible()
    pages.visit_step("request-created")

    # when they log the group's session, ticking the two members who came
    page.goto(live_server.url + reverse("consultations:group-session-new", args=[group.pk]))
    pages.visit_step("session-form")
    page.get_by_label("Ana Ruiz").check()
    page.get_by_label("Carla Soto").check()
    page.get_by_role("button", name="Save session").first.click()

    # then the group's page shows the session and its attendance
    page.get_by_text("2 of 3 members came").wait_for()
    assert GroupSession.objects.get(group=group).attendance.filter(present=True).count() == 2
    pages.visit_step("group-page")
