"""Resources in an episode's work, through the services: attaching to the action plan, removing, and sending by
email in the recipient's language (which version, which words, once, after commit, audited)."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext

from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.consultations.models import ActionPlan, Phase
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.core.submissions import AlreadySubmitted
from abrazo.library import plan_services as services
from abrazo.library.models import PlanResource, Resource, ResourceShare, ResourceStatus
from abrazo.library.tests.factories_plan import PlanResourceFactory, plan_world
from abrazo.library.tests.factories_resource import ResourceFactory

pytestmark = pytest.mark.django_db

SITE = "https://abrazo.example.org"


@pytest.fixture
def plans(world):
    return plan_world(world)


@pytest.fixture
def link(plans):
    return PlanResourceFactory(plan=plans.episode.action_plan, resource=plans.english)


def attach(plans, resource, *, actor=None, episode=None, note="For the morning goodbyes."):
    return services.plan_resource_attach(actor=actor or plans.person("consultant"), episode=episode or plans.episode,
                                         resource=resource, note=note)


def send(plans, link, *, language="es", key=None, actor=None, **overrides):
    values = {"recipient_name": "Rosa Martínez", "recipient_email": "rosa@example.org", "language": language,
              "message": "Lo que hablamos el martes.", "submission_key": key}
    values.update(overrides)
    return services.resource_share_send(actor=actor or plans.person("consultant"), link=link, **values)


class TestAttach:
    def test_the_consultant_attaches_a_published_resource_with_why_it_helps(self, plans):
        # when the episode's consultant attaches the English tip sheet
        link = attach(plans, plans.english, note="  For the morning goodbyes.  ")
        # then it is on the plan, with the note trimmed and who added it, and the ledger has the creation
        assert link.plan == plans.episode.action_plan
        assert (link.resource, link.note, link.added_by) == (plans.english, "For the morning goodbyes.",
                                                             plans.person("consultant"))
        assert AccessEvent.objects.filter(action=Action.CREATE, object_type="library.planresource",
                                          object_id=str(link.pk)).count() == 1

    def test_attaching_twice_keeps_one_link_and_the_first_note(self, plans):
        # given the tip sheet already on the plan
        first = attach(plans, plans.english, note="First reason")
        # when it is attached again (a second click, another tab)
        second = attach(plans, plans.english, note="Second reason")
        # then there is still one link, unchanged
        assert second.pk == first.pk
        assert list(PlanResource.objects.values_list("note", flat=True)) == ["First reason"]

    def test_an_unpublished_resource_cannot_be_attached(self, plans):
        # given a suggestion waiting for review, and a resource withdrawn from the library
        withdrawn = plans.english_only
        withdrawn.status = ResourceStatus.WITHDRAWN
        withdrawn.save(update_fields=["status"])
        for resource in (plans.suggested, withdrawn):
            # when the consultant tries to attach it, then it is refused with a clear message
            with pytest.raises(ValidationError, match="Only published resources"):
                attach(plans, resource)
        assert not PlanResource.objects.exists()

    def test_a_resource_of_another_network_cannot_be_attached(self, plans):
        with pytest.raises(ValidationError, match="Only published resources"):
            attach(plans, plans.elsewhere)
        assert not PlanResource.objects.exists()

    def test_an_episode_without_a_plan_asks_for_a_goal_first(self, plans):
        # given an episode of the consultant with no goal yet (so no action plan)
        bare = EpisodeFactory(program=plans.world.program_a, consultant=plans.consultant)
        # when a resource is attached, then the consultant is told how the plan starts; no plan is invented
        with pytest.raises(ValidationError, match="add a goal"):
            attach(plans, plans.english, episode=bare)
        assert not ActionPlan.objects.filter(episode=bare).exists()
        assert not PlanResource.objects.exists()

    def test_a_closed_episode_takes_no_more_resources(self, plans):
        plans.episode.phase = Phase.CLOSED
        plans.episode.save(update_fields=["phase"])
        with pytest.raises(ValidationError, match="closed"):
            attach(plans, plans.english)

    @pytest.mark.parametrize("role", ["supervisor", "program_staff", "evaluator", "regional_coordinator"])
    def test_nobody_but_the_episodes_consultant_attaches_and_the_refusal_is_audited(self, plans, role):
        with pytest.raises(PermissionDenied):
            attach(plans, plans.english, actor=plans.person(role))
        assert not PlanResource.objects.exists()
        assert AccessEvent.objects.filter(outcome=Outcome.DENIED, object_id=str(plans.episode.pk)).count() == 1

    def test_a_consultant_of_another_episode_cannot_attach(self, plans):
        with pytest.raises(PermissionDenied):
            attach(plans, plans.english, actor=plans.other_consultant.user)


class TestRemove:
    def test_the_consultant_removes_a_resource_and_the_removal_is_audited(self, plans, link):
        # when the consultant removes it
        link_id = str(link.pk)
        episode = services.plan_resource_remove(actor=plans.person("consultant"), link=link)
        # then it is off the plan (the resource stays in the library) and the ledger names the link
        assert episode == plans.episode
        assert not PlanResource.objects.exists()
        assert Resource.objects.filter(pk=plans.english.pk).exists()
        assert AccessEvent.objects.filter(action=Action.DELETE, object_type="library.planresource",
                                          object_id=link_id).count() == 1

    def test_a_second_click_finds_the_episode_of_the_first(self, plans, link):
        key = uuid.uuid4()
        services.plan_resource_remove(actor=plans.person("consultant"), link=link, submission_key=key)
        # then the key leads back to the episode, for its consultant only
        assert services.episode_of_submission(actor=plans.person("consultant"), submission_key=key) == plans.episode
        assert services.episode_of_submission(actor=plans.other_consultant.user, submission_key=key) is None

    def test_someone_else_cannot_remove(self, plans, link):
        with pytest.raises(PermissionDenied):
            services.plan_resource_remove(actor=plans.other_consultant.user, link=link)
        assert PlanResource.objects.filter(pk=link.pk).exists()


class TestVersionToSend:
    def test_the_version_in_the_recipients_language_when_the_library_has_it(self, plans):
        assert services.version_to_send(plans.english, "es") == plans.spanish
        assert services.version_to_send(plans.spanish, "en") == plans.english
        assert services.version_to_send(plans.english, "en") == plans.english

    def test_the_original_when_there_is_no_translation(self, plans):
        assert services.version_to_send(plans.english_only, "es") == plans.english_only

    def test_an_unpublished_translation_is_not_sent(self, plans):
        plans.spanish.status = ResourceStatus.WITHDRAWN
        plans.spanish.save(update_fields=["status"])
        assert services.version_to_send(plans.english, "es") == plans.english

    def test_a_withdrawn_original_without_translation_cannot_be_sent(self, plans):
        plans.english_only.status = ResourceStatus.WITHDRAWN
        plans.english_only.save(update_fields=["status"])
        with pytest.raises(ValidationError, match="no longer published"):
            services.version_to_send(plans.english_only, "es")


class TestSend:
    def test_spanish_recipient_and_a_spanish_version_spanish_link_and_spanish_email(
        self, plans, link, settings, django_capture_on_commit_callbacks
    ):
        # given a tip sheet attached in English, which the library also has in Spanish
        settings.ABRAZO_SITE_URL = SITE + "/"
        # when the consultant sends it to a Spanish-speaking parent
        with django_capture_on_commit_callbacks(execute=True):
            share = send(plans, link, language="es")
        # then the Spanish version is recorded and sent, once, to the parent
        assert (share.resource, share.language, share.recipient_email) == (plans.spanish, "es", "rosa@example.org")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["rosa@example.org"]
        # and the email is written in Spanish: its subject, its language header, the Spanish title and link
        with translation.override("es"):
            subject = gettext("A resource for you: %(title)s") % {"title": "Decir adiós en la entrada"}
        assert message.subject == subject
        assert message.extra_headers["Content-Language"] == "es"
        assert "Decir adiós en la entrada" in message.body and "Ideas para las despedidas." in message.body
        assert f"{SITE}{plans.spanish.get_absolute_url()}?lang=es" in message.body
        assert plans.english.get_absolute_url() not in message.body
        # with the consultant's note, and no "only available in" line
        assert "Lo que hablamos el martes." in message.body
        assert "inglés" not in message.body

    def test_spanish_recipient_and_english_only_english_link_and_a_spanish_note_saying_so(
        self, plans, settings, django_capture_on_commit_callbacks
    ):
        # given a resource the library has only in English, on the plan
        settings.ABRAZO_SITE_URL = SITE
        link = PlanResourceFactory(plan=plans.episode.action_plan, resource=plans.english_only)
        # when it is sent to a Spanish-speaking teacher
        with django_capture_on_commit_callbacks(execute=True):
            share = send(plans, link, language="es", recipient_name="Marta")
        # then the English original goes, with a line in Spanish naming the language it is in
        assert (share.resource, share.language) == (plans.english_only, "es")
        message = mail.outbox[0]
        assert message.extra_headers["Content-Language"] == "es"
        assert f"{SITE}{plans.english_only.get_absolute_url()}?lang=es" in message.body
        with translation.override("es"):
            note = gettext("This resource is only available in %(language)s.") % {"language": "inglés"}
        assert note in message.body
        assert "inglés" in message.body  # the language's Spanish name, as Spanish writes it mid-sentence

    def test_english_recipient_gets_the_email_in_english(self, plans, link, settings,
                                                         django_capture_on_commit_callbacks):
        settings.ABRAZO_SITE_URL = SITE
        with django_capture_on_commit_callbacks(execute=True):
            send(plans, link, language="en", recipient_name="Sam", message="")
        message = mail.outbox[0]
        assert message.subject == "A resource for you: Saying goodbye at drop-off"
        assert message.body.startswith("Hello Sam,")
        assert "Consultant Person, of Golden State Network, thought this resource could help you:" in message.body
        assert "From: Zero to Three" in message.body
        assert f"{SITE}{plans.english.get_absolute_url()}?lang=en" in message.body
        assert "only available" not in message.body and "A note from" not in message.body

    def test_english_recipient_and_spanish_only_the_spanish_original_with_a_line_in_english(
        self, plans, django_capture_on_commit_callbacks
    ):
        # given a resource the library has only in Spanish, on the plan
        spanish_only = ResourceFactory(network=plans.world.network, language="es", title="Rutinas de la mañana")
        link = PlanResourceFactory(plan=plans.episode.action_plan, resource=spanish_only)
        # when it is sent to an English-speaking teacher
        with django_capture_on_commit_callbacks(execute=True):
            share = send(plans, link, language="en", recipient_name="Sam")
        # then the Spanish original goes, and the English email says which language it is in
        assert share.resource == spanish_only
        message = mail.outbox[0]
        assert message.extra_headers["Content-Language"] == "en"
        assert message.subject == "A resource for you: Rutinas de la mañana"
        assert "This resource is only available in Spanish." in message.body

    def test_nothing_is_sent_before_the_commit(self, plans, link, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            send(plans, link)
            assert mail.outbox == []
        assert len(callbacks) == 1

    def test_a_double_submit_sends_one_email_and_records_one_share(self, plans, link,
                                                                    django_capture_on_commit_callbacks):
        key = uuid.uuid4()
        with django_capture_on_commit_callbacks(execute=True):
            first = send(plans, link, key=key)
        # when the same form arrives again
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(AlreadySubmitted) as again:
            send(plans, link, key=key)
        # then it names the first share, and nothing more was recorded or sent
        assert again.value.existing == first
        assert ResourceShare.objects.count() == 1
        assert len(mail.outbox) == 1

    def test_the_send_is_audited_without_the_email_address(self, plans, link, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            share = send(plans, link)
        event = AccessEvent.objects.get(action=Action.CREATE, object_type="library.resourceshare")
        assert event.object_id == str(share.pk)
        assert event.user_id == plans.person("consultant").pk
        # the ledger's only email is the actor's own (its convention); the recipient's is nowhere in it
        assert not AccessEvent.objects.filter(user_email__icontains="rosa@").exists()
        assert not AccessEvent.objects.filter(object_id__icontains="rosa").exists()

    def test_bad_input_is_refused_field_by_field_and_nothing_is_sent(self, plans, link,
                                                                     django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as problem:
            send(plans, link, recipient_name=" ", recipient_email="rosa(at)example", language="fr")
        assert set(problem.value.error_dict) == {"recipient_name", "recipient_email", "language"}
        assert not ResourceShare.objects.exists()
        assert mail.outbox == []

    def test_a_corrected_form_can_reuse_its_key(self, plans, link, django_capture_on_commit_callbacks):
        # given a first submit refused for a typo (its claim on the key rolled back with it)
        key = uuid.uuid4()
        with pytest.raises(ValidationError):
            send(plans, link, key=key, recipient_email="rosa@")
        # when the corrected form is sent with the same key, then it goes
        with django_capture_on_commit_callbacks(execute=True):
            send(plans, link, key=key)
        assert len(mail.outbox) == 1

    def test_someone_else_cannot_send_and_the_refusal_is_audited(self, plans, link):
        for person in (plans.other_consultant.user, plans.person("supervisor"), plans.person("program_staff")):
            with pytest.raises(PermissionDenied):
                send(plans, link, actor=person)
        assert not ResourceShare.objects.exists()
        assert AccessEvent.objects.filter(outcome=Outcome.DENIED, action=Action.CREATE).count() == 3

    def test_a_closed_episode_sends_nothing(self, plans, link):
        plans.episode.phase = Phase.CLOSED
        plans.episode.save(update_fields=["phase"])
        with pytest.raises(ValidationError, match="closed"):
            send(plans, link)
        assert not ResourceShare.objects.exists()

