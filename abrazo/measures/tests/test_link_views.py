"""Survey links over HTTP: the public survey in the respondent's language (answers recorded once by the real
answers service, out-of-range answers refused in Spanish, consent and declining), plain pages for used,
expired and withdrawn links, private headers, and the staff page that sends and withdraws links."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.measures import links
from abrazo.measures.models import Administration, AdministrationStatus, AnswerSource, Respondent, SurveyLink
from abrazo.measures.tests.factories import ItemFactory
from abrazo.measures.tests.test_links import (
    issue,
    issue_feedback,
    make_administration,
    make_feedback_administration,
    move_clock,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def administration(world) -> Administration:
    # a teacher's survey: the answers service asks for the teacher's agreement
    return make_administration(world)


@pytest.fixture
def consultant_survey(world) -> Administration:
    # answered by the consultant: no agreement asked
    return make_administration(world, respondent_role=Respondent.CONSULTANT)


def url(token: str) -> str:
    return reverse("measures:survey", kwargs={"token": token})


def staff_page(administration: Administration) -> str:
    return reverse("measures:link-new", kwargs={"pk": administration.pk})


def signed_in(client, world, role):
    client.force_login(world.people[role])
    return client


AGREED = {"answer__stress_1": "3", "answer__stress_2": "1", "respondent_consent": "on"}


class TestTheSurvey:
    def test_the_page_is_in_the_links_language_and_shows_only_what_the_respondent_needs(self, world, administration):
        # given a Spanish link for a teacher at Sunrise Center, whose consultant is "Consultant Person"
        issued = issue(world, administration, language="es")
        # when the teacher opens it on a browser set to English, with no account
        response = Client().get(url(issued.token), HTTP_ACCEPT_LANGUAGE="en")
        # then the survey is in Spanish: its name, the items and the answers
        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="es"' in html and response["Content-Language"] == "es"
        assert "Estrés docente" in html
        assert "Me siento tranquila en el trabajo" in html and "Nunca" in html
        assert "I feel calm at work" not in html
        # and it names the program and the consultant's first name, nothing more of them
        assert "Sunrise Center" in html and "Consultant" in html
        assert "Consultant Person" not in html
        assert world.people["consultant"].email not in html
        assert str(administration.episode_id) not in html
        # and the teacher is asked to agree, with a way to decline
        assert 'name="respondent_consent"' in html and 'name="decline"' in html

    def test_the_pages_are_private(self, world, administration):
        issued = issue(world, administration)
        response = Client().get(url(issued.token))
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "same-origin"  # never to another site; our own POST keeps Origin
        assert "noindex" in response["X-Robots-Tag"]
        assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()

    def test_answers_are_recorded_once_and_the_browser_is_thanked(self, world, administration):
        issued = issue(world, administration)
        client = Client()
        # when the teacher agrees and sends the answers
        response = client.post(url(issued.token), AGREED)
        # then they are recorded by the answers service as a link's, in the link's language
        assert response.status_code == 302 and response["Location"] == url(issued.token)
        administration.refresh_from_db()
        assert administration.status == AdministrationStatus.COMPLETED
        assert administration.answers["stress_1"] == "3"
        assert (administration.source, administration.language, administration.respondent_consent) == (
            AnswerSource.LINK, "es", True)
        # and the same browser sees its thank-you page, private too
        thanks = client.get(url(issued.token))
        assert thanks.status_code == 200
        assert "gracias" in thanks.content.decode().lower() or "Thank you" in thanks.content.decode()
        assert "no-store" in thanks["Cache-Control"]

    def test_a_reused_link_says_plainly_it_was_used_and_records_nothing(self, world, administration):
        issued = issue(world, administration, language="en")
        Client().post(url(issued.token), AGREED)
        first_answers = Administration.objects.get(pk=administration.pk).answers
        # when the link is opened or sent again (another device)
        other = Client()
        opened = other.get(url(issued.token))
        sent_again = other.post(url(issued.token), {**AGREED, "answer__stress_1": "0"})
        # then both say plainly the link was already used, and the first answers stand
        for response in (opened, sent_again):
            assert response.status_code == 410
            assert "This survey link was already used" in response.content.decode()
            assert "no-store" in response["Cache-Control"]
        assert Administration.objects.get(pk=administration.pk).answers == first_answers

    def test_an_expired_link_says_so(self, world, administration, monkeypatch):
        issued = issue(world, administration, language="en", days_valid=1)
        move_clock(monkeypatch, dt.timedelta(days=1, minutes=1))
        response = Client().get(url(issued.token))
        assert response.status_code == 410
        html = response.content.decode()
        assert "This survey link has expired" in html
        assert "ask Consultant, your consultant, for a new link" in html
        assert response["Referrer-Policy"] == "same-origin"  # never to another site; our own POST keeps Origin

    def test_a_withdrawn_link_says_so(self, world, administration):
        issued = issue(world, administration, language="en")
        links.link_revoke(actor=world.people["consultant"], link=issued.link)
        response = Client().post(url(issued.token), AGREED)
        assert response.status_code == 410
        assert "This survey link was withdrawn" in response.content.decode()
        assert Administration.objects.get(pk=administration.pk).status == AdministrationStatus.SCHEDULED

    @pytest.mark.parametrize("token", ["unknown-token", "A" * 43])
    def test_an_unknown_token_is_not_found(self, world, administration, token):
        issue(world, administration)
        assert Client().get(url(token)).status_code == 404

    def test_out_of_range_answer_is_refused_in_spanish(self, world, administration):
        # given a Spanish link for a survey with a 0-4 choice and a number from 0 to 10
        ItemFactory(instrument=administration.instrument, key="days", position=3, field_type="text",
                    validation="integer", validation_min="0", validation_max="10", choices=[],
                    label_en="How many days this week?", label_es="¿Cuántos días esta semana?",
                    score_min=None, score_max=None)
        issued = issue(world, administration, language="es")
        # when the teacher sends 7 for the 0-4 item and 42 days
        response = Client().post(url(issued.token), {**AGREED, "answer__stress_1": "7", "answer__days": "42"})
        # then the page comes back in Spanish with what she typed and each refusal beside its item, naming the
        # item by its Spanish wording, the value and what is allowed
        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="es"' in html
        with translation.override("es"):
            errors = {name: " ".join(str(error) for error in found)
                      for name, found in response.context["form"].errors.items()}
        assert "Me siento tranquila en el trabajo" in errors["answer__stress_1"] and "7" in errors["answer__stress_1"]
        assert "¿Cuántos días esta semana?" in errors["answer__days"] and "10" in errors["answer__days"]
        assert "¿Cuántos días esta semana?" in html and 'value="42"' in html
        # and nothing was recorded, the link still open
        assert Administration.objects.get(pk=administration.pk).status == AdministrationStatus.SCHEDULED
        assert SurveyLink.objects.get().used_at is None

    def test_answers_without_agreement_are_not_recorded(self, world, administration):
        issued = issue(world, administration, language="en")
        response = Client().post(url(issued.token), {"answer__stress_1": "3", "answer__stress_2": "1"})
        assert response.status_code == 200
        assert "tick that you agree" in " ".join(response.context["form"].errors["respondent_consent"])
        assert Administration.objects.get(pk=administration.pk).status == AdministrationStatus.SCHEDULED

    def test_declining_closes_the_link_and_keeps_the_refusal(self, world, administration):
        issued = issue(world, administration, language="en")
        client = Client()
        response = client.post(url(issued.token), {"decline": "1", "answer__stress_1": "9"})
        assert response.status_code == 302
        administration.refresh_from_db()
        assert administration.respondent_consent is False
        assert administration.answers == {}
        assert "You chose not to answer" in client.get(url(issued.token)).content.decode()

    def test_a_consultants_own_survey_asks_no_agreement(self, world, consultant_survey):
        issued = issue(world, consultant_survey, language="en")
        client = Client()
        assert 'name="respondent_consent"' not in client.get(url(issued.token)).content.decode()
        response = client.post(url(issued.token), {"answer__stress_1": "2"})
        assert response.status_code == 302
        assert Administration.objects.get(pk=consultant_survey.pk).respondent_consent is None

    def test_each_open_and_use_is_audited_against_the_administration(self, world, administration):
        issued = issue(world, administration)
        client = Client()
        client.get(url(issued.token))
        client.post(url(issued.token), AGREED)
        events = AccessEvent.objects.filter(object_type="measures.administration", object_id=str(administration.pk),
                                            user_id=None, role="")
        # (the open, the open that posts, the answers service's own record of the answers, the link's use)
        assert list(events.order_by("occurred_at", "pk").values_list("action", "outcome")) == [
            (Action.VIEW, Outcome.ALLOWED), (Action.VIEW, Outcome.ALLOWED), (Action.CREATE, Outcome.ALLOWED),
            (Action.UPDATE, Outcome.ALLOWED),
        ]
        assert set(events.values_list("path", flat=True)) == {url(issued.token)}

    def test_too_many_requests_from_one_address_are_slowed(self, world, administration, monkeypatch):
        monkeypatch.setattr(links, "PUBLIC_HITS_PER_WINDOW", 2)
        issued = issue(world, administration, language="en")
        client = Client()
        assert [client.get(url(issued.token)).status_code for _ in range(3)] == [200, 200, 429]


CONSULTATION_HELP = "Your answers help your consultant and your program see how consultation is going."


class TestWhatThePageSaysItIsAbout:
    def test_a_consultants_survey_names_the_program_and_the_consultant(self, world, administration):
        issued = issue(world, administration, language="en")
        response = Client().get(url(issued.token))
        html = response.content.decode()
        assert "For Sunrise Center, asked by your consultant Consultant." in html
        assert response.context["form"].fields["respondent_consent"].help_text.startswith(CONSULTATION_HELP)
        assert CONSULTATION_HELP in html

    @pytest.mark.parametrize(("about", "intro", "help_text"), [
        ("session", "About “Reflective practice”, a session of Central Valley Cohort 3.",
         "Your answers help the people who run the training see what works and what to improve."),
        ("cohort", "About your training: Central Valley Cohort 3.",
         "Your answers help the people who run the training see what works and what to improve."),
        ("group", "About the group Círculo de maestras.",
         "Your answers help the people who run the group see what works and what to improve."),
    ])
    def test_training_and_group_feedback_names_what_it_is_about_and_asks_consent_without_a_consultant(
        self, world, about, intro, help_text
    ):
        # given a training or group feedback survey's link, in English
        issued = issue_feedback(world, make_feedback_administration(world, about))
        # when the participant opens it
        response = Client().get(url(issued.token))
        # then the page says which session, cohort or group it is about
        assert response.status_code == 200
        html = response.content.decode()
        assert intro in html
        # and the agreement is asked in words about the training or the group, never about a consultant
        consent = response.context["form"].fields["respondent_consent"]
        assert str(consent.help_text) == help_text + (
            " Taking part is your choice: if you prefer not to answer, use the button at the end.")
        assert help_text in html
        assert "consultant" not in str(consent.help_text).lower()
        assert "your consultant" not in html.lower() and CONSULTATION_HELP not in html

    def test_a_spanish_feedback_page_names_the_group(self, world):
        issued = issue_feedback(world, make_feedback_administration(world, "group", language="es"), language="es")
        html = Client().get(url(issued.token)).content.decode()
        assert '<html lang="es"' in html and "Círculo de maestras" in html
        # (the site's footer invites visitors to become consultants: only the page itself is judged)
        page = html.split("<footer", 1)[0]
        assert "consultor(a)" not in page and "su consultor" not in page

    @pytest.mark.parametrize(("about", "ask"), [
        ("cohort", "ask the people who run the training for a new link"),
        ("group", "ask the people who run the group for a new link"),
    ])
    def test_an_expired_feedback_link_says_whom_to_ask_not_a_consultant(self, world, monkeypatch, about, ask):
        issued = issue_feedback(world, make_feedback_administration(world, about))
        move_clock(monkeypatch, dt.timedelta(days=15))
        response = Client().get(url(issued.token))
        assert response.status_code == 410
        html = response.content.decode()
        assert ask in html and "your consultant" not in html


class TestTheStaffPage:
    def test_the_consultant_sends_a_link_and_sees_its_state(
        self, client, world, administration, django_capture_on_commit_callbacks
    ):
        signed_in(client, world, "consultant")
        assert client.get(staff_page(administration)).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(staff_page(administration),
                                   {"email": "maestra@example.org", "language": "es", "days_valid": "7"})
        assert response.status_code == 302
        link = SurveyLink.objects.get()
        assert (link.sent_to, link.language) == ("maestra@example.org", "es")
        assert [message.to for message in mail.outbox] == [["maestra@example.org"]]
        page = client.get(staff_page(administration)).content.decode()
        assert "maestra@example.org" in page and "Open" in page

    def test_sending_again_withdraws_the_first_and_a_link_can_be_withdrawn(self, client, world, administration):
        signed_in(client, world, "consultant")
        client.post(staff_page(administration), {"email": "a@example.org", "language": "en", "days_valid": "7"})
        client.post(staff_page(administration), {"email": "b@example.org", "language": "en", "days_valid": "7"})
        first, second = SurveyLink.objects.order_by("created_at")
        first.refresh_from_db()
        assert first.revoked_at is not None and second.revoked_at is None
        client.post(staff_page(administration), {"revoke": str(second.pk)})
        second.refresh_from_db()
        assert second.revoked_at is not None

    def test_a_bad_address_keeps_what_was_typed(self, client, world, administration):
        signed_in(client, world, "consultant")
        response = client.post(staff_page(administration), {"email": "not-an-address", "language": "en",
                                                            "days_valid": "99"})
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"email", "days_valid"}
        assert 'value="not-an-address"' in response.content.decode()
        assert not SurveyLink.objects.exists()

    @pytest.mark.parametrize("role", ["program_staff", "evaluator", "supervisor", "regional_coordinator"])
    def test_roles_without_the_permission_get_404(self, client, world, administration, role):
        signed_in(client, world, role)
        assert client.get(staff_page(administration)).status_code == 404
        assert client.post(staff_page(administration), {"email": "a@example.org", "language": "en",
                                                        "days_valid": "7"}).status_code == 404
        assert not SurveyLink.objects.exists()

    def test_another_consultants_administration_does_not_exist_for_the_consultant(self, client, world):
        from abrazo.directory.tests.factories import ConsultantProfileFactory

        other = ConsultantProfileFactory(network=world.network, region=world.region_b)
        theirs = make_administration(world, program=world.program_b, consultant=other)
        signed_in(client, world, "consultant")
        assert client.get(staff_page(theirs)).status_code == 404
        signed_in(client, world, "network_admin")
        assert client.get(staff_page(theirs)).status_code == 200
