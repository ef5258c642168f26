"""Asking for feedback: a cohort's participants and a group's attendees each get their own training feedback
survey and a private link by email in their language; asking again skips who answered or still holds a link and
re-sends expired ones; double submits send once; only the people who run the cohort or the group may ask; and a
participant answers through the public survey page like any survey link."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.consultations.tests.group_factories import GroupFactory
from abrazo.core.submissions import AlreadySubmitted
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ConsultantProfileFactory
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    AnswerSource,
    Instrument,
    Item,
    Respondent,
    Scale,
    SurveyLink,
)
from abrazo.measures.shipped import install
from abrazo.workforce import feedback_services as services
from abrazo.workforce.models import (
    Attendance,
    AttendanceStatus,
    FeedbackContext,
    FeedbackRequest,
    ParticipantStatus,
)
from abrazo.workforce.tests.factories_feedback import (
    FeedbackCohortFactory,
    FeedbackParticipantFactory,
    FeedbackSessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(world):
    # a cohort of region A with three participants: Ana (Spanish), Ben (English) and Cy (withdrawn)
    cohort = FeedbackCohortFactory(network=world.network, region=world.region_a, name="Central Valley Cohort 3")
    FeedbackParticipantFactory(cohort=cohort, full_name="Ana Ruiz", email="ana@example.org", preferred_language="es")
    FeedbackParticipantFactory(cohort=cohort, full_name="Ben Lee", email="ben@example.org", preferred_language="en")
    FeedbackParticipantFactory(cohort=cohort, full_name="Cy Park", email="cy@example.org",
                               status=ParticipantStatus.WITHDRAWN)
    return cohort


@pytest.fixture
def group(world):
    # a group led by the world's consultant, in Spanish
    from abrazo.directory.models import Language

    profile = ConsultantProfile.objects.get(user=world.people["consultant"])
    return GroupFactory(facilitator=profile, name="Círculo de maestras", language=Language.objects.get(code="es"))


def send(world, cohort, role="regional_coordinator", **kwargs):
    return services.feedback_send_cohort(actor=world.people[role], cohort=cohort, **kwargs)


def survey_url(message) -> str:
    """The path of the private link in an email."""
    found = re.search(r"https?://\S+", message.body)
    assert found, message.body
    return urlsplit(found.group(0)).path


class TestAskingACohort:
    def test_each_participant_who_has_not_withdrawn_gets_a_survey_and_a_link_in_their_language(
        self, world, cohort, django_capture_on_commit_callbacks
    ):
        # when the region's coordinator asks about the whole cohort
        with django_capture_on_commit_callbacks(execute=True):
            report = send(world, cohort)
        # then Ana and Ben are asked, not Cy
        assert len(report.sent) == 2 and report.emailed == 2
        requests = FeedbackRequest.objects.filter(cohort=cohort).select_related("administration", "participant")
        assert sorted(r.participant.full_name for r in requests) == ["Ana Ruiz", "Ben Lee"]
        for request in requests:
            administration = request.administration
            # an administration of the training survey about no episode and no program, answered by the participant
            assert request.context == FeedbackContext.TRAINING and request.session is None
            assert administration.instrument.key == "abrazo_training_feedback"
            assert (administration.episode_id, administration.program_id) == (None, None)
            assert administration.respondent_role == Respondent.OTHER
            assert administration.status == AdministrationStatus.SCHEDULED
            assert administration.language == request.participant.preferred_language
            link = SurveyLink.objects.get(administration=administration)
            assert link.sent_to == request.participant.email and link.language == administration.language
        # and each email went to its participant, in their language
        by_address = {message.to[0]: message for message in mail.outbox}
        assert set(by_address) == {"ana@example.org", "ben@example.org"}
        assert by_address["ana@example.org"].extra_headers["Content-Language"] == "es"
        assert "Encuesta de opinión sobre la capacitación o el grupo" in by_address["ana@example.org"].subject
        assert "Training and group feedback survey" in by_address["ben@example.org"].subject
        # and every write is in the ledger
        created = AccessEvent.objects.filter(action=Action.CREATE)
        assert created.filter(object_type="measures.administration").count() == 2
        assert created.filter(object_type="workforce.feedbackrequest").count() == 2
        assert created.filter(object_type="measures.surveylink").count() == 2

    def test_after_a_session_with_attendance_only_those_who_came_are_asked(self, world, cohort):
        # given session 1, where Ana was present and Ben absent
        session = FeedbackSessionFactory(cohort=cohort, number=1)
        ana, ben = cohort.participants.get(full_name="Ana Ruiz"), cohort.participants.get(full_name="Ben Lee")
        Attendance.objects.create(session=session, participant=ana, status=AttendanceStatus.PRESENT, hours=Decimal(3))
        Attendance.objects.create(session=session, participant=ben, status=AttendanceStatus.ABSENT)
        # when feedback is asked about that session
        report = send(world, cohort, session=session)
        # then only Ana is asked, and her request names the session
        assert [request.participant for request in report.sent] == [ana]
        assert report.sent[0].session == session
        assert report.sent[0].administration.due_on == session.held_on

    def test_asking_again_skips_who_answered_or_holds_a_link_and_re_sends_an_expired_one(
        self, world, cohort, monkeypatch
    ):
        # given everyone asked once; Ana answered; Ben's link expired unanswered; a third participant joined later
        first = send(world, cohort)
        ana = next(r for r in first.sent if r.participant.full_name == "Ana Ruiz")
        ben = next(r for r in first.sent if r.participant.full_name == "Ben Lee")
        Administration.objects.filter(pk=ana.administration_id).update(status=AdministrationStatus.COMPLETED)
        SurveyLink.objects.filter(administration_id=ben.administration_id).update(
            expires_at=timezone.now() - dt.timedelta(days=1))
        FeedbackParticipantFactory(cohort=cohort, full_name="Dee Fox", email="dee@example.org")
        # when the coordinator asks again
        second = send(world, cohort)
        # then Ana is skipped as answered, Ben gets a new link on the same survey, Dee a new survey
        assert (second.answered, second.resent, second.waiting) == (1, 1, 0)
        assert [r.participant.full_name for r in second.sent] == ["Dee Fox"]
        assert FeedbackRequest.objects.filter(cohort=cohort).count() == 3
        assert SurveyLink.objects.filter(administration_id=ben.administration_id).count() == 2
        # and asking a third time right away asks nobody: Ben and Dee hold open links
        third = send(world, cohort)
        assert (third.emailed, third.answered, third.waiting) == (0, 1, 2)

    def test_a_double_submit_asks_once(self, world, cohort):
        key = uuid.uuid4()
        send(world, cohort, submission_key=key)
        with pytest.raises(AlreadySubmitted):
            send(world, cohort, submission_key=key)
        assert FeedbackRequest.objects.filter(cohort=cohort).count() == 2

    @pytest.mark.parametrize("role", ["consultant", "supervisor", "evaluator", "program_staff"])
    def test_people_who_do_not_run_cohorts_may_not_ask(self, world, cohort, role):
        with pytest.raises(PermissionDenied):
            send(world, cohort, role=role)
        assert not FeedbackRequest.objects.exists()

    def test_the_coordinator_of_another_region_may_not_ask(self, world):
        cohort_b = FeedbackCohortFactory(network=world.network, region=world.region_b)
        with pytest.raises(PermissionDenied):
            send(world, cohort_b)

    def test_a_session_of_another_cohort_and_days_out_of_range_are_refused(self, world, cohort):
        with pytest.raises(ValidationError):
            send(world, cohort, session=FeedbackSessionFactory())
        with pytest.raises(ValidationError):
            send(world, cohort, days_valid=61)


class TestAskingACohortOverHttp:
    def url(self, cohort):
        return reverse("workforce:feedback-send-cohort", kwargs={"pk": cohort.pk})

    def test_the_coordinator_sends_from_the_page_and_sees_counts_not_names(self, client, world, cohort):
        client.force_login(world.people["regional_coordinator"])
        page = client.get(self.url(cohort))
        assert page.status_code == 200
        key = page.context["form"].initial["submission_key"]
        response = client.post(self.url(cohort), {"session": "", "days_valid": "10", "submission_key": key},
                               follow=True)
        assert response.redirect_chain[-1][0] == self.url(cohort)
        html = response.content.decode()
        assert "2 survey links were sent by email." in html
        assert "The whole cohort" in html and "Ana Ruiz" not in html
        link = SurveyLink.objects.first()
        assert round((link.expires_at - link.created_at).total_seconds() / 86400) == 10
        # a second click of the same form sends nothing more
        response = client.post(self.url(cohort), {"session": "", "days_valid": "10", "submission_key": key},
                               follow=True)
        assert "nobody was emailed twice" in response.content.decode()
        assert SurveyLink.objects.count() == 2

    def test_the_form_keeps_what_was_typed_when_refused(self, client, world, cohort):
        client.force_login(world.people["network_admin"])
        response = client.post(self.url(cohort), {"session": "", "days_valid": "99"})
        assert response.status_code == 200 and response.context["form"]["days_valid"].value() == "99"
        assert not SurveyLink.objects.exists()

    def test_a_cohort_of_another_region_does_not_exist_for_the_coordinator(self, client, world):
        cohort_b = FeedbackCohortFactory(network=world.network, region=world.region_b)
        client.force_login(world.people["regional_coordinator"])
        assert client.get(self.url(cohort_b)).status_code == 404

    def test_a_participant_answers_in_spanish_and_the_survey_is_recorded(
        self, world, cohort, django_capture_on_commit_callbacks
    ):
        # given Ana's link, emailed in Spanish
        with django_capture_on_commit_callbacks(execute=True):
            send(world, cohort)
        message = next(message for message in mail.outbox if message.to == ["ana@example.org"])
        path = survey_url(message)
        # when she opens it with no account and answers, agreeing to share her comment
        visitor = Client()
        page = visitor.get(path)
        assert page.status_code == 200 and "Esta sesión valió el tiempo que le dediqué." in page.content.decode()
        answers = {f"answer__{key}": "5" for key in ("trn_worth_time", "trn_facilitator", "trn_can_use",
                                                     "trn_respected", "trn_recommend")}
        answers.update({"answer__trn_materials": "9", "answer__trn_most_useful": "Todo me sirvió.",
                        "answer__trn_share_comment": "1", "respondent_consent": "on"})
        assert visitor.post(path, answers).status_code == 302
        # then her survey is complete, in Spanish, through the link, with her agreement to share
        administration = Administration.objects.get(feedback_request__participant__email="ana@example.org")
        assert administration.status == AdministrationStatus.COMPLETED
        assert (administration.language, administration.source) == ("es", AnswerSource.LINK)
        assert administration.answers["trn_share_comment"] == "1"
        assert administration.scores["training_rating"]["raw"] == 5.0


class TestAskingAGroup:
    def test_the_facilitator_sends_one_survey_per_address_and_keeps_no_names(
        self, world, group, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            report = services.feedback_send_group(
                actor=world.people["consultant"], group=group, language="es",
                emails=["lupe@example.org", "mar@example.org"],
            )
        assert len(report.sent) == 2
        for request in report.sent:
            assert request.context == FeedbackContext.GROUP and request.group == group
            assert request.participant is None and request.cohort is None
            assert request.administration.language == "es"
        assert sorted(message.to[0] for message in mail.outbox) == ["lupe@example.org", "mar@example.org"]
        assert all(message.extra_headers["Content-Language"] == "es" for message in mail.outbox)

    def test_an_address_still_holding_an_open_link_for_the_group_is_not_sent_another(self, world, group):
        services.feedback_send_group(actor=world.people["consultant"], group=group, language="en",
                                     emails=["lupe@example.org"])
        report = services.feedback_send_group(actor=world.people["consultant"], group=group, language="en",
                                              emails=["LUPE@example.org", "new@example.org"])
        assert (len(report.sent), report.waiting) == (1, 1)
        assert FeedbackRequest.objects.filter(group=group).count() == 2

    def test_pasted_addresses_are_split_deduplicated_and_checked(self):
        found, wrong = services.parse_emails("a@example.org\n A@example.org ; b@example.org,\n\nnot-an-email\n")
        assert found == ["a@example.org", "b@example.org"] and wrong == ["not-an-email"]

    def test_the_region_coordinator_may_ask_but_not_another_consultant_or_a_supervisor(self, world, group):
        services.feedback_send_group(actor=world.people["regional_coordinator"], group=group, language="en",
                                     emails=["x@example.org"])
        for role in ("supervisor", "evaluator", "program_staff"):
            with pytest.raises(PermissionDenied):
                services.feedback_send_group(actor=world.people[role], group=group, language="en",
                                             emails=["y@example.org"])
        other = GroupFactory(facilitator=ConsultantProfileFactory(network=world.network, region=world.region_b))
        with pytest.raises(PermissionDenied):
            services.feedback_send_group(actor=world.people["consultant"], group=other, language="en",
                                         emails=["z@example.org"])

    def test_over_http_a_wrong_address_is_refused_with_the_text_kept(self, client, world, group):
        client.force_login(world.people["consultant"])
        url = reverse("workforce:feedback-send-group", kwargs={"pk": group.pk})
        page = client.get(url)
        assert page.status_code == 200 and page.context["form"]["language"].value() == "es"
        response = client.post(url, {"emails": "ok@example.org\nnope", "language": "es", "days_valid": "14"})
        assert response.status_code == 200
        assert "nope" in response.context["form"].errors["emails"][0]
        assert "ok@example.org\nnope" in response.content.decode()
        assert not SurveyLink.objects.exists()
        response = client.post(url, {"emails": "ok@example.org", "language": "es", "days_valid": "14"}, follow=True)
        assert "1 survey link was sent by email." in response.content.decode()

    def test_another_consultants_group_does_not_exist_for_the_consultant(self, client, world):
        other = GroupFactory(facilitator=ConsultantProfileFactory(network=world.network, region=world.region_b))
        client.force_login(world.people["consultant"])
        assert client.get(reverse("workforce:feedback-send-group", kwargs={"pk": other.pk})).status_code == 404


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_people_asking_a_cohort_at_once_ask_each_participant_once(world, cohort):
    # given the shipped instruments (a transactional test may run after another one emptied the tables)
    install(Instrument, Item, Scale)

    # when the coordinator and the admin ask about the whole cohort at the same moment
    def ask(role: str) -> Any:
        return services.feedback_send_cohort(actor=world.people[role], cohort=cohort)

    outcomes = at_once(2, ask, prepare=lambda index: ("regional_coordinator", "network_admin")[index])
    # then one sent the two links and the other found both waiting
    assert connection.vendor == "postgresql"
    reports = sorted(outcomes, key=lambda report: report.emailed)
    assert [(report.emailed, report.waiting) for report in reports] == [(0, 2), (2, 0)], outcomes
    assert FeedbackRequest.objects.filter(cohort=cohort).count() == 2
