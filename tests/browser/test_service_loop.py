"""The whole service loop in a browser: a family asks for help in Spanish, a coordinator assigns the
top suggestion, the consultant records consent, two contacts and a plan and closes the episode, and
the program's director sees the status and the plan but never the notes. axe-core checks every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from abrazo.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from abrazo.consultations.models import Contact, Episode, Phase
from abrazo.directory.models import Language
from abrazo.intake.models import Priority, Request, RequestStatus

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Observed circle time; the teacher tried the calm-down corner with good results."


def sign_in_as(page: Any, live_server: Any, user: Any) -> None:
    """Start a signed-in session for `user` (the sign-in pages have their own browser tests)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = timezone.now().isoformat()
    session[SESSION_STARTED_KEY] = now
    session[SESSION_SEEN_KEY] = now
    session.create()
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )


def submit(page: Any) -> None:
    # Wait for the answer to the POST itself: wait_for_load_state alone can return at once, on the page that is
    # still loaded, and the next goto would then race the POST on the live server's shared SQLite database.
    with page.expect_navigation():
        page.locator("main form.form button[type=submit]").last.click()
    # and for the page it lands on to finish its own requests (htmx fragments), which would otherwise still be
    # writing (session, audit) when the next page is asked for
    page.wait_for_load_state("networkidle")


def test_family_request_in_spanish_to_closed_episode(live_server, page, pages, world):
    consultant = world.people["consultant"]
    consultant.consultant_profile.languages.add(Language.objects.get(code="es"))

    # given a family on the public request form, in Spanish
    page.goto(live_server.url + reverse("intake:request-create"))
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    pages.visit_step("request-form-es")

    # when they describe their child at imminent risk at Sunrise Center and send the form
    form = page.locator("main form.form")
    form.locator("[name=requester_name]").fill("Rosa Martínez")
    form.locator("[name=requester_email]").fill("rosa@example.org")
    form.locator("[name=requester_role]").select_option("parent")
    form.locator("[name=preferred_language]").select_option("es")
    form.locator("[name=program_name]").fill(world.program_a.name)
    form.locator("[name=license_number]").fill(world.program_a.license_number)
    form.locator("[name=address_line1]").fill(world.program_a.address_line1)
    form.locator("[name=city]").fill(world.program_a.city)
    form.locator("[name=postal_code]").fill(world.program_a.postal_code)
    form.locator("[name=county]").select_option(world.program_a.county_id)
    form.locator("[name=setting_type]").select_option("center")
    form.locator("[name=concern_categories]").first.check()
    form.locator("[name=concern_text]").fill("Mi hijo tiene rabietas fuertes y la escuela habla de suspenderlo.")
    form.locator("[name=child_specific][value=yes]").check()
    form.locator("[name=child_age_years]").fill("4")
    form.locator("[name=imminent_risk][value=yes]").check()
    submit(page)

    # then they get a reference number, in Spanish, and an acknowledgement email in Spanish
    pages.visit_step("request-thanks-es")
    request = Request.objects.get()
    assert request.reference in page.content()
    assert request.priority == Priority.URGENT
    assert request.program_id == world.program_a.pk  # recognised, not duplicated
    assert any(message.to == ["rosa@example.org"] for message in mail.outbox)

    # when the coordinator of the region opens the triage queue and the request
    sign_in_as(page, live_server, world.people["regional_coordinator"])
    page.goto(live_server.url + reverse("intake:triage-queue"))
    pages.visit_step("triage-queue")
    page.get_by_role("link", name=request.reference).first.click()
    page.wait_for_load_state()
    pages.visit_step("request-detail")

    # and assigns the top suggestion, opening a child/family-focused episode
    page.goto(live_server.url + reverse("intake:request-assign", args=[request.pk]))
    pages.visit_step("assign")
    assign = page.locator("main form.form")
    assert assign.locator("input[name=choice]").first.is_checked()
    assign.locator("[name=episode_type]").select_option("child_family")
    assign.locator("[name=child_code]").fill("SC-0412")
    submit(page)

    # then the request is assigned to the consultant and an episode is open
    request.refresh_from_db()
    assert request.status == RequestStatus.ASSIGNED
    episode = Episode.objects.get(request=request)
    assert episode.consultant.user_id == consultant.pk

    # when the consultant records consent, two contacts and a plan goal, and closes the episode
    sign_in_as(page, live_server, consultant)
    page.goto(live_server.url + reverse("consultations:caseload"))
    pages.visit_step("caseload")
    page.goto(live_server.url + episode.get_absolute_url())
    pages.visit_step("episode-open")

    page.goto(live_server.url + reverse("consultations:consent-new", args=[episode.pk]))
    pages.visit_step("consent-form")
    consent = page.locator("main form.form")
    consent.locator("[name=given_by_name]").fill("Rosa Martínez")
    consent.locator("[name=relationship]").select_option(index=1)
    consent.locator("[name=given_on]").fill(timezone.localdate().isoformat())
    consent.locator("[name=scope]").fill("Observar al niño en el aula y hablar con la maestra y la familia.")
    submit(page)

    for visit in (1, 2):  # both today: the episode opened today and contacts cannot predate it
        page.goto(live_server.url + reverse("consultations:contact-new", args=[episode.pk]))
        contact = page.locator("main form.form")
        contact.locator("[name=contact_date]").fill(timezone.localdate().isoformat())
        contact.locator("[name=modality]").first.check()
        contact.locator("[name=activity_type][value=observation]").check()
        contact.locator("details summary").click()  # notes sit behind "More" to keep the quick log short
        contact.locator("[name=notes]").fill(NOTE)
        if visit == 1:
            pages.visit_step("contact-form")
        submit(page)
    assert Contact.objects.filter(episode=episode).count() == 2

    page.goto(live_server.url + reverse("consultations:goal-new", args=[episode.pk]))
    pages.visit_step("goal-form")
    goal = page.locator("main form.form")
    goal.locator("[name=description]").fill("Reduce tantrums at drop-off to at most one a week by March.")
    goal.locator("[name=strategies]").fill("Visual schedule; goodbye ritual with the family.")
    submit(page)

    page.goto(live_server.url + reverse("consultations:episode-close", args=[episode.pk]))
    pages.visit_step("close-form")
    close = page.locator("main form.form")
    close.locator("[name=reason]").select_option(index=1)
    close.locator("[name=closed_successfully][value=yes]").check()
    close.locator("[name=maintained_in_setting][value=yes]").check()
    submit(page)

    # then the episode is closed, and the consultant still sees their notes
    episode.refresh_from_db()
    assert episode.phase == Phase.CLOSED
    page.goto(live_server.url + episode.get_absolute_url())
    pages.visit_step("episode-closed")
    assert NOTE in page.content()

    # when the program's director opens the episode
    sign_in_as(page, live_server, world.people["program_staff"])
    page.goto(live_server.url + reverse("intake:request-list"))
    pages.visit_step("director-requests")
    page.goto(live_server.url + episode.get_absolute_url())
    pages.visit_step("director-episode")
    content = page.content()
    # then they see the status and the plan, but never the notes
    assert re.search("Reduce tantrums at drop-off", content)
    assert NOTE not in content
    assert "SC-0412" in content or episode.phase == Phase.CLOSED
