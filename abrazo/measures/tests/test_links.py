"""Survey link services: only a hash of the token is kept, one open link per administration, expiry, one
use (also when two submissions race on PostgreSQL), withdrawal, the audit trail, and the email sent after
commit in the respondent's language.

The answers service (`administrations.administration_record_answers`) is replaced here by a stand-in
that keeps what it was given, so these tests are about the links, not about scoring.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.core.tests.concurrency import at_once, needs_postgresql
from abrazo.directory.models import ConsultantProfile
from abrazo.measures import administrations, links
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    AnswerSource,
    Instrument,
    Level,
    Respondent,
    Source,
    SurveyLink,
    Timepoint,
)
from abrazo.measures.tests.factories import InstrumentFactory, ItemFactory, ScaleFactory

pytestmark = pytest.mark.django_db


# --- shared by the view tests ---------------------------------------------------------------------


def make_administration(world: Any, *, program: Any = None, consultant: Any = None, level: str = Level.TEACHER,
                        source: str = Source.CUSTOM, **fields: Any) -> Administration:
    """A scheduled two-item teacher survey (0-4 radio items "stress_1", "stress_2") on a classroom episode
    at program A held by the world's consultant, unless told otherwise."""
    program = program or world.program_a
    consultant = consultant or ConsultantProfile.objects.get(user=world.people["consultant"])
    instrument = InstrumentFactory(network=program.network, name_en="Teacher Stress Check",
                                   name_es="Estrés docente", level=level, source=source, minutes=5)
    ItemFactory(instrument=instrument, key="stress_1", position=1, label_en="I feel calm at work",
                label_es="Me siento tranquila en el trabajo", section_header="How you feel")
    ItemFactory(instrument=instrument, key="stress_2", position=2, label_en="I sleep well",
                label_es="Duermo bien")
    ScaleFactory(instrument=instrument, key="total", name_en="Total", items=["stress_1", "stress_2"])
    episode = EpisodeFactory(program=program, consultant=consultant)
    values = {
        "network": program.network, "instrument": instrument, "episode": episode, "program": program,
        "respondent_role": Respondent.TEACHER, "timepoint": Timepoint.PRE, "language": "es",
        **fields,
    }
    return Administration.objects.create(**values)


def make_feedback_administration(world: Any, about: str, *, language: str = "en") -> Administration:
    """A scheduled training feedback survey (the shipped one) that workforce asked for: "session" about session
    1, "Reflective practice", of the cohort "Central Valley Cohort 3"; "cohort" about that whole cohort;
    "group" about the group "Círculo de maestras" led by the world's consultant."""
    from abrazo.consultations.tests.group_factories import GroupFactory
    from abrazo.workforce.models import FeedbackRequest
    from abrazo.workforce.tests.factories_feedback import FeedbackCohortFactory, FeedbackSessionFactory

    administration = Administration.objects.create(
        network=world.network, instrument=Instrument.objects.get(network__isnull=True, key="abrazo_training_feedback"),
        respondent_role=Respondent.OTHER, timepoint=Timepoint.POST, language=language,
    )
    about_what: dict[str, Any] = {}
    if about in ("session", "cohort"):
        cohort = FeedbackCohortFactory(network=world.network, region=world.region_a, name="Central Valley Cohort 3")
        about_what["cohort"] = cohort
        if about == "session":
            about_what["session"] = FeedbackSessionFactory(cohort=cohort, number=1, title="Reflective practice")
    else:
        profile = ConsultantProfile.objects.get(user=world.people["consultant"])
        about_what["group"] = GroupFactory(facilitator=profile, name="Círculo de maestras")
    FeedbackRequest.objects.create(network=world.network, administration=administration,
                                   context="group" if about == "group" else "training", **about_what)
    return administration


def issue_feedback(world: Any, administration: Administration, *, language: str = "en") -> links.IssuedLink:
    # As workforce does: it checks who runs the cohort or the group, then issues the link.
    return links.link_issue(actor=world.people["regional_coordinator"], administration=administration,
                            email="participante@example.org", language=language, days_valid=14)


class RecordedAnswers:
    """Stands in for the answers service: keeps each call and completes the administration as it would."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, *, actor: Any, administration: Administration, answers: Any, language: str, source: str,
                 respondent_consent: bool | None = None, completed_on: Any = None) -> Administration:
        self.calls.append({"actor": actor, "administration": administration.pk, "answers": dict(answers),
                           "language": language, "source": source, "respondent_consent": respondent_consent})
        administration.answers = dict(answers)
        administration.status = AdministrationStatus.COMPLETED
        administration.source = source
        administration.respondent_consent = respondent_consent
        administration.completed_on = timezone.localdate()
        administration.save()
        return administration


@pytest.fixture
def recorded(monkeypatch) -> RecordedAnswers:
    stand_in = RecordedAnswers()
    monkeypatch.setattr(administrations, "administration_record_answers", stand_in)
    return stand_in


@pytest.fixture
def administration(world) -> Administration:
    return make_administration(world)


def issue(world: Any, administration: Administration, *, language: str = "es", days_valid: int = 14,
          email: str = "maestra@example.org") -> links.IssuedLink:
    return links.link_create(actor=world.people["consultant"], administration=administration, email=email,
                             language=language, days_valid=days_valid)


def move_clock(monkeypatch: Any, by: dt.timedelta) -> None:
    later = timezone.now() + by
    monkeypatch.setattr(timezone, "now", lambda: later)


def survey_events(administration: Administration) -> list[tuple[str, str, Any]]:
    return list(
        AccessEvent.objects.filter(object_type="measures.administration", object_id=str(administration.pk),
                                   user_id=None).order_by("occurred_at", "pk").values_list("action", "outcome",
                                                                                           "user_email")
    )


ANSWERS = {"stress_1": "3", "stress_2": "1"}


# --- creating -------------------------------------------------------------------------------------


class TestCreate:
    def test_the_database_keeps_only_the_hash_of_the_token(self, world, administration):
        # when the consultant sends a link
        issued = issue(world, administration)
        # then the token is long and random, and the stored row holds its SHA-256, never the token itself
        assert len(issued.token) >= 43
        link = SurveyLink.objects.get()
        assert link.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
        stored = [str(value) for value in SurveyLink.objects.values().get().values()]
        assert not any(issued.token in value for value in stored)
        # and the audit trail does not hold it either
        assert not any(issued.token in str(value) for row in AccessEvent.objects.values() for value in row.values())
        assert (link.sent_to, link.language, link.created_by) == ("maestra@example.org", "es",
                                                                  world.people["consultant"])

    def test_a_link_lasts_the_days_asked(self, world, administration):
        before = timezone.now()
        link = issue(world, administration, days_valid=3).link
        assert before + dt.timedelta(days=3) <= link.expires_at <= timezone.now() + dt.timedelta(days=3)

    def test_two_tokens_are_never_the_same(self, world, administration):
        first = issue(world, administration).token
        second = issue(world, administration).token
        assert first != second

    def test_a_new_link_withdraws_the_one_still_open(self, world, administration):
        # given a link already sent
        first = issue(world, administration)
        # when another is sent for the same administration
        second = issue(world, administration, email="otra@example.org")
        # then only the newest opens the survey
        first.link.refresh_from_db()
        assert first.link.revoked_at is not None
        assert links.link_state(first.link) == links.LinkState.REVOKED
        assert links.link_open(token=second.token).pk == second.link.pk
        with pytest.raises(links.LinkClosed) as closed:
            links.link_open(token=first.token)
        assert closed.value.state == links.LinkState.REVOKED

    @pytest.mark.parametrize("role", ["program_staff", "evaluator", "supervisor", "regional_coordinator"])
    def test_only_the_consultant_and_admins_may_send(self, world, administration, role):
        with pytest.raises(PermissionDenied):
            links.link_create(actor=world.people[role], administration=administration, email="t@example.org",
                              language="en")
        assert not SurveyLink.objects.exists()

    def test_a_consultant_may_not_send_for_another_consultants_episode(self, world):
        # given an administration on an episode at program B held by someone else
        other = ConsultantProfile.objects.exclude(user=world.people["consultant"]).first()
        from abrazo.directory.tests.factories import ConsultantProfileFactory

        other = other or ConsultantProfileFactory(network=world.network, region=world.region_b)
        administration = make_administration(world, program=world.program_b, consultant=other)
        # then the world's consultant cannot send a link for it, while the network admin can
        with pytest.raises(PermissionDenied):
            issue(world, administration)
        links.link_create(actor=world.people["network_admin"], administration=administration,
                          email="t@example.org", language="en")
        assert SurveyLink.objects.count() == 1

    def test_link_issue_leaves_the_permission_to_its_caller_and_keeps_the_rest(self, world, administration):
        # given a regional coordinator, who may not record measures (so link_create refuses them)
        coordinator = world.people["regional_coordinator"]
        first = issue(world, administration)
        # when a caller that decided they may (as workforce feedback does) issues a link through link_issue
        issued = links.link_issue(actor=coordinator, administration=administration, email=" otra@example.org ",
                                  language="en", days_valid=5)
        # then the link is made as link_create makes it: the open one withdrawn, the new one audited to them
        first.link.refresh_from_db()
        assert first.link.revoked_at is not None
        assert (issued.link.sent_to, issued.link.language, issued.link.created_by) == (
            "otra@example.org", "en", coordinator)
        assert AccessEvent.objects.filter(object_type="measures.surveylink", object_id=str(issued.link.pk),
                                          user_id=coordinator.pk, action=Action.CREATE).count() == 1
        # and its checks other than the permission still hold
        with pytest.raises(ValidationError) as refused:
            links.link_issue(actor=coordinator, administration=administration, email="t@example.org",
                             language="en", days_valid=links.MAX_DAYS_VALID + 1)
        assert refused.value.code == "days_valid"
        completed = make_administration(world, status=AdministrationStatus.COMPLETED)
        with pytest.raises(ValidationError) as refused:
            links.link_issue(actor=coordinator, administration=completed, email="t@example.org", language="en",
                             days_valid=5)
        assert refused.value.code == "not_scheduled"

    def test_no_link_for_a_completed_administration(self, world):
        administration = make_administration(world, status=AdministrationStatus.COMPLETED)
        with pytest.raises(ValidationError) as refused:
            issue(world, administration)
        assert refused.value.code == "not_scheduled"

    def test_days_out_of_range_are_refused(self, world, administration):
        with pytest.raises(ValidationError):
            issue(world, administration, days_valid=0)
        with pytest.raises(ValidationError):
            issue(world, administration, days_valid=links.MAX_DAYS_VALID + 1)

    def test_creating_and_withdrawing_are_audited(self, world, administration):
        first = issue(world, administration)
        issue(world, administration)
        events = AccessEvent.objects.filter(object_type="measures.surveylink",
                                            user_id=world.people["consultant"].pk)
        assert list(events.filter(object_id=str(first.link.pk)).order_by("occurred_at", "pk")
                    .values_list("action", flat=True)) == [Action.CREATE, Action.UPDATE]

    def test_revoke(self, world, administration):
        issued = issue(world, administration)
        links.link_revoke(actor=world.people["consultant"], link=issued.link)
        with pytest.raises(links.LinkClosed) as closed:
            links.link_open(token=issued.token)
        assert closed.value.state == links.LinkState.REVOKED

    def test_revoke_needs_the_permission(self, world, administration):
        issued = issue(world, administration)
        with pytest.raises(PermissionDenied):
            links.link_revoke(actor=world.people["program_staff"], link=issued.link)
        issued.link.refresh_from_db()
        assert issued.link.revoked_at is None


# --- the email ----------------------------------------------------------------------------------


class TestEmail:
    def test_sent_only_after_commit_in_the_respondents_language(
        self, world, administration, django_capture_on_commit_callbacks, settings
    ):
        # given a site at abrazo.example.org and a Spanish-speaking teacher
        settings.ABRAZO_SITE_URL = "https://abrazo.example.org/"
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            issued = issue(world, administration, language="es")
            # when the transaction has not committed, then nothing is sent
            assert mail.outbox == []
        # when it commits
        for callback in callbacks:
            callback()
        # then one email goes to the teacher, in Spanish, with the private link and the Spanish name
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["maestra@example.org"]
        assert message.extra_headers["Content-Language"] == "es"
        assert "Estrés docente" in message.subject
        assert f"https://abrazo.example.org/measures/s/{issued.token}/" in message.body
        assert "Consultant" in message.body and "Sunrise Center" in message.body
        # and nothing about the episode or a child
        assert str(administration.episode_id) not in message.body

    def test_english_link_gets_an_english_email(self, world, administration, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            issue(world, administration, language="en")
        assert mail.outbox[0].extra_headers["Content-Language"] == "en"
        assert "Teacher Stress Check" in mail.outbox[0].subject

    def test_an_unknown_language_falls_back_to_the_sites(self, world, administration):
        assert issue(world, administration, language="fr").link.language == "en"

    def test_no_email_when_the_transaction_rolls_back(self, world, administration, django_capture_on_commit_callbacks):
        from django.db import transaction

        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            issue(world, administration)
            raise RuntimeError("the caller failed")
        assert mail.outbox == []
        assert not SurveyLink.objects.exists()

    def test_a_link_withdrawn_before_the_queue_ran_is_not_sent(
        self, world, administration, django_capture_on_commit_callbacks
    ):
        # given two links sent in one transaction (the first withdrawn by the second before either is mailed)
        with django_capture_on_commit_callbacks(execute=True):
            from django.db import transaction

            with transaction.atomic():
                issue(world, administration, email="first@example.org")
                issue(world, administration, email="second@example.org")
        # then only the open one was mailed
        assert [message.to for message in mail.outbox] == [["second@example.org"]]


class TestWhatTheEmailSaysItIsAbout:
    def test_a_consultants_survey_names_the_consultant_and_the_program(
        self, world, administration, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            issue(world, administration, language="en")
        message = mail.outbox[0]
        assert message.subject == "A short survey for you: Teacher Stress Check"
        assert "Consultant, your consultant at Sunrise Center, asks you to answer a short survey: " \
               "Teacher Stress Check." in message.body
        assert "training" not in message.body and "group" not in message.body

    @pytest.mark.parametrize(("about", "subject", "sentence", "who"), [
        ("session", "Training and group feedback survey: “Reflective practice”, Central Valley Cohort 3",
         "You are asked what you thought of “Reflective practice”, a session of Central Valley Cohort 3, in a "
         "short survey: Training and group feedback survey.", "the people who run the training"),
        ("cohort", "Training and group feedback survey: your training, Central Valley Cohort 3",
         "You are asked what you thought of your training, Central Valley Cohort 3, in a short survey: "
         "Training and group feedback survey.", "the people who run the training"),
        ("group", "Training and group feedback survey: the group Círculo de maestras",
         "You are asked what you thought of the group Círculo de maestras, in a short survey: "
         "Training and group feedback survey.", "the people who run the group"),
    ])
    def test_training_and_group_feedback_names_what_it_is_about_and_no_consultant(
        self, world, django_capture_on_commit_callbacks, about, subject, sentence, who
    ):
        # given a training or group feedback survey that workforce asked for
        administration = make_feedback_administration(world, about)
        # when its link is emailed in English
        with django_capture_on_commit_callbacks(execute=True):
            issue_feedback(world, administration)
        # then the subject and the body say which session, cohort or group it is about, and who reads it
        message = mail.outbox[0]
        assert message.subject == subject
        assert sentence in message.body
        assert f"Your answers help {who} see what works and what to improve." in message.body
        assert "consultant" not in message.body.lower()

    def test_a_spanish_email_names_the_cohort_too(self, world, django_capture_on_commit_callbacks):
        administration = make_feedback_administration(world, "cohort", language="es")
        with django_capture_on_commit_callbacks(execute=True):
            issue_feedback(world, administration, language="es")
        message = mail.outbox[0]
        assert message.extra_headers["Content-Language"] == "es"
        assert "Central Valley Cohort 3" in message.subject
        assert "Central Valley Cohort 3" in message.body
        assert "Encuesta de opinión sobre la capacitación o el grupo" in message.body
        assert "consultor" not in message.body.lower()

    def test_the_context_says_what_the_survey_is_about(self, world, administration):
        # (the page and the email share it)
        session = links.respondent_context(issue_feedback(world, make_feedback_administration(world, "session")).link)
        assert (session["about"], session["cohort_name"], session["session_title"], session["group_name"]) == (
            links.ABOUT_TRAINING, "Central Valley Cohort 3", "Reflective practice", "")
        assert session["consultant_first_name"] == "" and session["program_name"] == ""
        group = links.respondent_context(issue_feedback(world, make_feedback_administration(world, "group")).link)
        assert (group["about"], group["cohort_name"], group["group_name"]) == (
            links.ABOUT_GROUP, "", "Círculo de maestras")
        episode = links.respondent_context(issue(world, administration).link)
        assert (episode["about"], episode["consultant_first_name"], episode["cohort_name"]) == (
            links.ABOUT_CONSULTATION, "Consultant", "")


# --- using --------------------------------------------------------------------------------------


class TestUse:
    def test_answers_go_through_the_service_and_close_the_link(self, world, administration, recorded):
        issued = issue(world, administration)
        links.link_use(token=issued.token, answers=ANSWERS, respondent_consent=True)
        # then the service got the answers as a link respondent's, in the link's language
        assert recorded.calls == [{"actor": None, "administration": administration.pk, "answers": ANSWERS,
                                   "language": "es", "source": AnswerSource.LINK, "respondent_consent": True}]
        issued.link.refresh_from_db()
        assert issued.link.used_at is not None

    def test_a_link_works_once(self, world, administration, recorded):
        issued = issue(world, administration)
        links.link_use(token=issued.token, answers=ANSWERS, respondent_consent=None)
        # when the same link is submitted again
        with pytest.raises(links.LinkClosed) as closed:
            links.link_use(token=issued.token, answers={"stress_1": "0", "stress_2": "0"}, respondent_consent=None)
        # then it says used, and nothing was recorded twice
        assert closed.value.state == links.LinkState.USED
        assert len(recorded.calls) == 1
        administration.refresh_from_db()
        assert administration.answers == ANSWERS

    def test_an_expired_link_is_refused(self, world, administration, recorded, monkeypatch):
        issued = issue(world, administration, days_valid=2)
        # when the clock moves past the expiry
        move_clock(monkeypatch, dt.timedelta(days=2, seconds=1))
        # then opening and answering both say expired, and nothing is recorded
        with pytest.raises(links.LinkClosed) as opened:
            links.link_open(token=issued.token)
        with pytest.raises(links.LinkClosed) as used:
            links.link_use(token=issued.token, answers=ANSWERS, respondent_consent=None)
        assert opened.value.state == used.value.state == links.LinkState.EXPIRED
        assert recorded.calls == []

    def test_a_link_still_works_just_before_it_expires(self, world, administration, recorded, monkeypatch):
        issued = issue(world, administration, days_valid=2)
        move_clock(monkeypatch, dt.timedelta(days=2) - dt.timedelta(minutes=1))
        links.link_use(token=issued.token, answers=ANSWERS, respondent_consent=None)
        assert len(recorded.calls) == 1

    def test_a_withdrawn_link_is_refused(self, world, administration, recorded):
        issued = issue(world, administration)
        links.link_revoke(actor=world.people["consultant"], link=issued.link)
        with pytest.raises(links.LinkClosed) as closed:
            links.link_use(token=issued.token, answers=ANSWERS, respondent_consent=None)
        assert closed.value.state == links.LinkState.REVOKED
        assert recorded.calls == []

    def test_a_cancelled_administration_closes_its_link(self, world, administration):
        issued = issue(world, administration)
        Administration.objects.filter(pk=administration.pk).update(status=AdministrationStatus.CANCELLED)
        with pytest.raises(links.LinkClosed) as closed:
            links.link_open(token=issued.token)
        assert closed.value.state == links.LinkState.REVOKED

    @pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500])
    def test_an_unknown_token_is_not_found(self, world, administration, token):
        issue(world, administration)
        with pytest.raises(Http404):
            links.link_open(token=token)

    def test_rejected_answers_leave_the_link_open(self, world, administration, monkeypatch):
        # given an answers service that refuses the answers
        class Rejected(Exception):
            pass

        def refuse(**kwargs):
            raise Rejected("out of range")

        monkeypatch.setattr(administrations, "administration_record_answers", refuse)
        issued = issue(world, administration)
        with pytest.raises(Rejected):
            links.link_use(token=issued.token, answers={"stress_1": "9"}, respondent_consent=None)
        # then the link can still be answered
        assert links.link_open(token=issued.token).used_at is None

    def test_declining_keeps_the_refusal_and_closes_the_link(self, world, administration, recorded):
        issued = issue(world, administration)
        links.link_decline(token=issued.token)
        administration.refresh_from_db()
        assert administration.respondent_consent is False
        assert administration.status == AdministrationStatus.SCHEDULED
        assert recorded.calls == []
        with pytest.raises(links.LinkClosed):
            links.link_open(token=issued.token)

    def test_each_open_and_use_is_audited_without_a_user(self, world, administration, recorded):
        issued = issue(world, administration)
        links.link_open(token=issued.token)
        links.link_use(token=issued.token, answers=ANSWERS, respondent_consent=None)
        with pytest.raises(links.LinkClosed):
            links.link_open(token=issued.token)
        with pytest.raises(links.LinkClosed):
            links.link_use(token=issued.token, answers=ANSWERS, respondent_consent=None)
        assert survey_events(administration) == [
            (Action.VIEW, Outcome.ALLOWED, ""), (Action.UPDATE, Outcome.ALLOWED, ""),
            (Action.VIEW, Outcome.DENIED, ""), (Action.UPDATE, Outcome.DENIED, ""),
        ]


class TestConsent:
    def test_asked_when_someone_other_than_the_consultant_answers(self, world):
        assert links.consent_needed(make_administration(world, respondent_role=Respondent.TEACHER))

    def test_not_asked_of_the_consultant(self, world):
        assert not links.consent_needed(make_administration(world, respondent_role=Respondent.CONSULTANT))


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_record_the_answers_once(world, recorded):
    # given an open link
    administration = make_administration(world)
    issued = issue(world, administration)

    # when two submissions of it arrive at the same moment
    def submit(answers: dict[str, str]) -> Any:
        return links.link_use(token=issued.token, answers=answers, respondent_consent=None)

    outcomes = at_once(2, submit, prepare=lambda index: {"stress_1": str(index), "stress_2": "2"})
    # then one is recorded and the other is told the link was used
    assert connection.vendor == "postgresql"
    closed = [outcome for outcome in outcomes if isinstance(outcome, links.LinkClosed)]
    recorded_links = [outcome for outcome in outcomes if isinstance(outcome, SurveyLink)]
    assert len(closed) == 1 and len(recorded_links) == 1, outcomes
    assert closed[0].state == links.LinkState.USED
    assert len(recorded.calls) == 1
