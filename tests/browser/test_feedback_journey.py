"""Feedback from the field in a browser: the network admin asks a cohort for feedback on a session; a participant
with no account answers on her phone in Spanish, writes a comment and agrees to share it without her name; the
admin sees the percentages by question, turns the comment into a shortened voice and publishes it; a visitor
reads it on the public page, in Spanish, with no name. axe-core checks every page.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from abrazo.measures import shipped
from abrazo.measures.models import AdministrationStatus, Instrument, Item, Scale
from abrazo.workforce.models import Attendance, AttendanceStatus, FeedbackRequest, Voice, VoiceStatus
from abrazo.workforce.tests.factories_feedback import (
    FeedbackCohortFactory,
    FeedbackParticipantFactory,
    FeedbackSessionFactory,
)
from tests.browser.conftest import Pages
from tests.browser.test_service_loop import sign_in_as
from tests.browser.workforce_pages import messages_to, phone_context

pytestmark = pytest.mark.django_db(transaction=True)

COMMENT = "Aprendí a mirar la conducta como un mensaje. Mi colega Rosa y yo lo practicamos cada semana."
QUOTE = "Aprendí a mirar la conducta como un mensaje."


def test_a_participant_answers_on_her_phone_and_her_words_become_a_public_voice(
    live_server, browser, page, pages: Pages, world
):
    if not Instrument.objects.filter(network__isnull=True, key="abrazo_training_feedback").exists():
        shipped.install(Instrument, Item, Scale)  # a transactional test may have emptied the table
    admin = world.people["network_admin"]
    cohort = FeedbackCohortFactory(network=world.network, region=world.region_a, name="Central Valley Cohort 5")
    session = FeedbackSessionFactory(cohort=cohort, number=1, title="Reflective practice")
    ana = FeedbackParticipantFactory(cohort=cohort, full_name="Ana Lucía Gómez", email="ana@example.org",
                                     preferred_language="es")
    Attendance.objects.create(session=session, participant=ana, status=AttendanceStatus.PRESENT, hours=Decimal(3))
    mail.outbox.clear()

    # --- the admin asks for feedback on session 1 -------------------------------------------------------
    sign_in_as(page, live_server, admin)
    page.goto(live_server.url + reverse("workforce:feedback-send-cohort", args=[cohort.pk]))
    pages.visit_step("ask-cohort")
    form = page.locator("main form.form")
    form.get_by_label("Ask about").select_option(str(session.pk))
    form.get_by_role("button", name="Send the survey links").click()
    page.wait_for_load_state()
    assert page.get_by_text("1 survey link was sent by email.").is_visible()
    assert "1. Reflective practice" in page.get_by_role("table", name="Feedback asked for so far").inner_text()
    pages.visit_step("asked")

    # --- Ana answers on her phone, in Spanish -------------------------------------------------------------
    [message] = messages_to(mail.outbox, "ana@example.org")
    found = re.search(r"https?://\S+", message.body)
    assert found
    link = live_server.url + found.group(0)[found.group(0).index("/", len("https://")):]
    phone = phone_context(browser)
    try:
        survey = phone.new_page()
        survey.set_default_timeout(15_000)
        survey_pages = Pages(survey, "test_feedback_journey_phone")
        survey.goto(link)
        assert survey.locator("html").get_attribute("lang") == "es"
        heading = survey.get_by_role("heading", level=1).inner_text()
        assert heading == "Encuesta de opinión sobre la capacitación o el grupo"
        survey_pages.visit_step("survey-es")
        for key in shipped.TRAINING_RATED_ITEMS:
            survey.locator(f"main form input[type=radio][name='answer__{key}'][value='5']").check()
        survey.locator("[name=answer__trn_most_useful]").fill(COMMENT)
        survey.locator("main form input[type=radio][name='answer__trn_share_comment'][value='1']").check()
        survey.locator("[name=respondent_consent]").check()
        survey.locator("main form button[type=submit]:not([name=decline])").click()
        survey.wait_for_load_state()
        assert survey.get_by_role("heading", level=1).inner_text() == "Gracias. Recibimos sus respuestas."
        survey_pages.visit_step("thanks-es")
    finally:
        phone.close()
    request = FeedbackRequest.objects.select_related("administration").get(participant=ana)
    assert request.administration.status == AdministrationStatus.COMPLETED

    # --- the admin reads the percentages ---------------------------------------------------------------------
    page.goto(live_server.url + reverse("workforce:feedback-overview") + f"?context=training&cohort={cohort.pk}")
    table = page.get_by_role("table", name="Answers by question")
    assert "This session was worth my time." in table.inner_text()
    assert "100%" in table.inner_text()
    assert page.locator("svg.chart[role=img]").is_visible()
    pages.visit_step("results")

    # --- ...turns Ana's comment into a shortened voice and publishes it ------------------------------------
    page.goto(live_server.url + reverse("workforce:feedback-comments") + "?consenting_only=on")
    assert page.get_by_text("Agreed to publication", exact=True).is_visible()
    assert "Ana Lucía" not in page.locator("main").inner_text()
    pages.visit_step("comments")
    page.get_by_role("link", name="Make a voice from it").click()
    page.wait_for_load_state()
    assert page.get_by_text("Check that these are not names").is_visible()  # "Rosa"
    pages.visit_step("voice-new")
    page.get_by_label("Quote").fill(QUOTE + " Lo practicamos con Ana.")  # an added name: refused
    page.get_by_label("Publish it now on the public page").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_text("may leave words out but not add them").is_visible()
    assert not Voice.objects.exists()
    page.get_by_label("Quote").fill(QUOTE)
    page.get_by_label("Attribution").fill("una participante de la formación, Valle Central")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_text("The voice was published.").is_visible()
    pages.visit_step("voices")
    voice = Voice.objects.get()
    assert (voice.status, voice.language, voice.text) == (VoiceStatus.PUBLISHED, "es", QUOTE)

    # --- a visitor reads it, with no account -------------------------------------------------------------------
    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="es-ES", is_mobile=True)
    try:
        public = visitor.new_page()
        public.set_default_timeout(15_000)
        public_pages = Pages(public, "test_feedback_journey_public")
        public.goto(live_server.url + reverse("workforce:voices-network", args=[world.network.slug]))
        quote = public.locator("blockquote[lang=es]")
        assert quote.inner_text() == QUOTE
        assert public.get_by_text("una participante de la formación, Valle Central").is_visible()
        assert "Ana" not in public.locator("main").inner_text()
        public_pages.visit_step("public-voices")
    finally:
        visitor.close()
