"""The measures journey in a browser: a consultant schedules the satisfaction survey on an episode and sends a
survey link; a teacher with no account answers it in Spanish on a phone; the link then refuses a second use,
and the consultant sees the measure completed with its scores. axe-core checks every page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.measures import shipped
from abrazo.measures.models import Administration, AdministrationStatus, Instrument, Item, Scale
from tests.browser.conftest import Pages
from tests.browser.test_service_loop import sign_in_as

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
SATISFACTION = "abrazo_satisfaction"
AGREE = "4"  # "Agree" / "De acuerdo" on every rating: both scales' mean is 4, the "High" band


def satisfaction_survey() -> Instrument:
    """The shipped survey; a transactional test may have emptied the table the migration filled."""
    found = Instrument.objects.filter(key=SATISFACTION, network__isnull=True).first()
    if found is None:
        shipped.install(Instrument, Item, Scale)
        found = Instrument.objects.get(key=SATISFACTION, network__isnull=True)
    return found


def survey_link_in(outbox: list[Any]) -> str:
    assert len(outbox) == 1, [message.subject for message in outbox]
    match = re.search(r"https?://\S+/s/[A-Za-z0-9_-]+/", outbox[0].body)
    assert match, outbox[0].body
    return match.group(0)


def test_a_teacher_answers_the_satisfaction_survey_from_a_link_on_a_phone(live_server, browser, page, pages, world):
    consultant = world.people["consultant"]
    survey = satisfaction_survey()
    episode = EpisodeFactory(program=world.program_a,
                             consultant=ConsultantProfile.objects.get(user=consultant))

    # given the consultant on the episode's measures page
    sign_in_as(page, live_server, consultant)
    page.goto(live_server.url + reverse("measures:episode-measures", args=[episode.pk]))
    pages.visit_step("episode-measures")
    assert page.get_by_text("No measures scheduled yet.").is_visible()

    # when they schedule the satisfaction survey for a teacher, before consultation
    schedule = page.locator("main form[action$='/schedule/']")
    schedule.get_by_label("Instrument").select_option(str(survey.pk))
    schedule.get_by_label("Time point").select_option("pre")
    schedule.locator("[name=respondent_role]").select_option("teacher")
    schedule.get_by_role("button", name="Schedule").click()
    page.wait_for_load_state()
    administration = Administration.objects.get(episode=episode)
    assert (administration.instrument_id, administration.status) == (survey.pk, AdministrationStatus.SCHEDULED)

    # and they open it and send a Spanish survey link to the teacher
    page.goto(live_server.url + reverse("measures:administration-detail", args=[administration.pk]))
    pages.visit_step("administration-scheduled")
    page.get_by_role("link", name="Send a survey link").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("measures:link-new", args=[administration.pk]))
    pages.visit_step("link-new")
    mail.outbox.clear()
    form = page.locator("main form.form")
    form.locator("[name=email]").fill("maestra@example.org")
    form.locator("[name=language]").select_option("es")
    form.locator("[name=days_valid]").fill("7")
    form.get_by_role("button", name="Send the link").click()
    page.wait_for_load_state()
    links_table = page.get_by_role("table", name="Links sent for this measure")
    assert "maestra@example.org" in links_table.inner_text() and "Open" in links_table.inner_text()
    pages.visit_step("link-sent")

    # then the teacher got one email with a private link
    link = survey_link_in(mail.outbox)
    assert mail.outbox[0].to == ["maestra@example.org"]
    link = live_server.url + link[link.index("/", len("https://")):]  # the live server, whatever the email said

    # when the teacher opens it on their phone, with no account and a browser in English
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        phone_pages = Pages(phone, "test_teacher_survey_on_a_phone")
        phone.goto(link)
        # then the survey is in Spanish
        assert phone.locator("html").get_attribute("lang") == "es"
        assert phone.get_by_role("heading", level=1).inner_text() == "Encuesta de satisfacción con la consultoría"
        assert phone.get_by_text("El tiempo que pasé con mi consultor(a) valió la pena.").first.is_visible()
        phone_pages.visit_step("survey-es")

        # when they agree with every statement, give their agreement and send
        names = phone.eval_on_selector_all(
            "main form input[type=radio]", "inputs => [...new Set(inputs.map(input => input.name))]")
        ratings = [name for name in names if name != "answer__sat_share_comment"]
        assert len(ratings) == 10, names
        for name in ratings:
            phone.locator(f"main form input[type=radio][name='{name}'][value='{AGREE}']").check()
        # and let their comments be shared without their name (the survey's yes/no question)
        phone.locator("main form input[type=radio][name='answer__sat_share_comment'][value='1']").check()
        phone.locator("[name=respondent_consent]").check()
        phone.locator("main form button[type=submit]:not([name=decline])").click()
        phone.wait_for_load_state()

        # then they are thanked, and the answers are kept
        assert phone.get_by_role("heading", level=1).inner_text() == "Gracias. Recibimos sus respuestas."
        phone_pages.visit_step("thanks-es")
        administration.refresh_from_db()
        assert administration.status == AdministrationStatus.COMPLETED

        # and opening the link again says plainly it was already used
        phone.goto(link)
        heading = phone.get_by_role("heading", level=1).inner_text()
        assert phone.locator("html").get_attribute("lang") == "es"
        assert heading != "Encuesta de satisfacción con la consultoría"
        assert phone.locator("main form input[type=radio]").count() == 0
        phone_pages.visit_step("used-es")
    finally:
        context.close()

    # when the consultant looks at the measure again
    page.goto(live_server.url + reverse("measures:administration-detail", args=[administration.pk]))
    pages.visit_step("administration-completed")
    # then it is completed, with both scales at 4, in the "High" band
    assert "Completed" in page.locator("main .page-header__meta").inner_text()
    scores = page.get_by_role("table", name="Scores")
    for scale in ("Satisfaction with consultation", "Confidence with challenging behavior"):
        row = scores.get_by_role("row").filter(has=page.get_by_role("rowheader", name=scale))
        cells = row.get_by_role("cell").all_inner_texts()
        assert cells[:2] == ["4", "High"], (scale, cells)
    # and the link is shown as answered
    page.goto(live_server.url + reverse("measures:link-new", args=[administration.pk]))
    assert "Answered" in page.get_by_role("table", name="Links sent for this measure").inner_text()
