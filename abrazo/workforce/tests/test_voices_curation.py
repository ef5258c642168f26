"""Comments and curation: curators read every comment (never the author's name), only comments whose authors
agreed become voices, a voice may shorten but not add to the comment and never holds contact details, publishing
re-checks the agreement, edits are versioned, creation is double-submit safe, reordering, and only network
administrators curate."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from abrazo.audit.models import AccessEvent, Action
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.core.concurrency import StaleEditError
from abrazo.core.submissions import AlreadySubmitted
from abrazo.measures.models import Administration, Respondent
from abrazo.workforce import voice_services as services
from abrazo.workforce.models import FeedbackContext, Voice, VoiceStatus
from abrazo.workforce.tests.factories_feedback import (
    FeedbackCohortFactory,
    FeedbackParticipantFactory,
    SatisfactionFactory,
    VoiceFactory,
    satisfaction_answers,
    training_answers,
    training_feedback,
)

pytestmark = pytest.mark.django_db

COMMENT = ("Every week Rosa came and helped me see what the children were telling us. Now I stay calm, and the "
           "whole class feels it.")
COMMENTS = reverse("workforce:feedback-comments")
VOICES = reverse("workforce:voice-list")


@pytest.fixture
def trainee_comment(world):
    """A participant of a region A cohort who wrote COMMENT and agreed to share it."""
    cohort = FeedbackCohortFactory(network=world.network, region=world.region_a, name="Cohort Three")
    participant = FeedbackParticipantFactory(cohort=cohort, full_name="Marisol Quintero")
    return training_feedback(cohort=cohort, participant=participant,
                             answers=training_answers(trn_most_useful=COMMENT, trn_suggestions="More role play."))


@pytest.fixture
def declined_comment(world):
    """A Spanish satisfaction survey whose author said no to sharing."""
    return SatisfactionFactory(episode=EpisodeFactory(program=world.program_a),
                               answers=satisfaction_answers(sat_most_helpful="Me ayudó mucho.",
                                                            sat_share_comment="0"))


def admin(world):
    return world.people["network_admin"]


def make(world, administration, text="Now I stay calm, and the whole class feels it.",
         attribution="a participant in a consultant training in the Central Valley", **kwargs):
    return services.voice_create(
        actor=admin(world), administration=administration, item_key=kwargs.pop("item_key", "trn_most_useful"),
        data=services.VoiceData(text=text, attribution=attribution), **kwargs)


class TestComments:
    def test_curators_read_every_comment_marked_by_agreement_without_names(
        self, client, world, trainee_comment, declined_comment
    ):
        other = SatisfactionFactory(episode=EpisodeFactory(program=world.other_program),
                                    answers=satisfaction_answers(sat_most_helpful="Elsewhere entirely."))
        client.force_login(admin(world))
        response = client.get(COMMENTS)
        html = response.content.decode()
        # both comments of the trainee and the declined one, not the other network's
        assert "Now I stay calm" in html and "More role play." in html and "Me ayudó mucho." in html
        assert "Elsewhere entirely." not in html
        assert "Agreed to publication" in html and "Did not agree to publication" in html
        # what the survey was about, never who wrote it
        assert "Cohort Three" in html and "Marisol" not in html
        # each quote is marked with its language
        assert '<blockquote lang="es">Me ayudó mucho.</blockquote>' in html
        # only the consenting one offers a voice
        assert reverse("workforce:voice-new", args=[trainee_comment.pk]) in html
        assert reverse("workforce:voice-new", args=[declined_comment.pk]) not in html
        # and the list is in the ledger with the surveys it showed
        listed = AccessEvent.objects.get(action=Action.LIST, object_type="measures.administration")
        assert set(listed.object_ids) == {str(trainee_comment.pk), str(declined_comment.pk)}
        assert str(other.pk) not in listed.object_ids

    def test_filters_consent_context_and_language(self, client, world, trainee_comment, declined_comment):
        client.force_login(admin(world))
        rows = client.get(COMMENTS, {"consenting_only": "on"}).context["rows"]
        assert [row.administration for row in rows] == [trainee_comment]
        rows = client.get(COMMENTS, {"context": FeedbackContext.EPISODE}).context["rows"]
        assert [row.administration for row in rows] == [declined_comment]
        rows = client.get(COMMENTS, {"language": "es"}).context["rows"]
        assert [row.administration for row in rows] == [declined_comment]

    def test_a_survey_without_comments_is_not_listed(self, client, world):
        SatisfactionFactory(episode=EpisodeFactory(program=world.program_a),
                            answers=satisfaction_answers(sat_most_helpful=None))
        client.force_login(admin(world))
        assert client.get(COMMENTS).context["rows"] == []

    @pytest.mark.parametrize("role", ["regional_coordinator", "supervisor", "consultant", "evaluator",
                                      "program_staff"])
    def test_only_network_administrators_curate(self, client, world, trainee_comment, role):
        client.force_login(world.people[role])
        assert client.get(COMMENTS).status_code == 404
        assert client.get(reverse("workforce:voice-new", args=[trainee_comment.pk])).status_code == 404
        with pytest.raises(PermissionDenied):
            services.voice_create(actor=world.people[role], administration=trainee_comment,
                                  item_key="trn_most_useful", data=services.VoiceData("Now I stay calm.", "a teacher"))


class TestMakingAVoice:
    def test_a_shortened_consenting_comment_becomes_a_draft_in_the_surveys_language(self, world, trainee_comment):
        voice = make(world, trainee_comment)
        assert voice.status == VoiceStatus.DRAFT and voice.published_at is None
        assert (voice.language, voice.context, voice.item_key) == ("en", FeedbackContext.TRAINING, "trn_most_useful")
        assert voice.network == world.network and voice.curated_by == admin(world)
        assert AccessEvent.objects.filter(action=Action.CREATE, object_type="workforce.voice",
                                          object_id=str(voice.pk)).exists()

    def test_a_comment_whose_author_said_no_cannot_become_a_voice(self, world, declined_comment):
        with pytest.raises(ValidationError) as refused:
            make(world, declined_comment, text="Me ayudó mucho.", attribution="una maestra",
                 item_key="sat_most_helpful")
        assert refused.value.code == "no_consent"
        assert not Voice.objects.exists()

    def test_a_comment_whose_author_did_not_answer_cannot_either(self, world):
        silent = SatisfactionFactory(episode=EpisodeFactory(program=world.program_a),
                                     answers=satisfaction_answers(sat_share_comment=None))
        with pytest.raises(ValidationError):
            make(world, silent, text="Ella me escuchó sin juzgarme.", item_key="sat_most_helpful")

    def test_added_words_are_refused_but_the_editors_brackets_are_not(self, world, trainee_comment):
        with pytest.raises(ValidationError) as refused:
            make(world, trainee_comment, text="Maria says: now I stay calm.")
        assert "“Maria”, “says”" in refused.value.message_dict["text"][0]
        voice = make(world, trainee_comment, text="Every week [my consultant] came and helped me see what the "
                                                  "children were telling us.")
        assert voice.text.startswith("Every week [my consultant]")

    def test_contact_details_are_refused_in_the_quote_and_the_attribution(self, world):
        cohort = FeedbackCohortFactory(network=world.network)
        survey = training_feedback(cohort=cohort, answers=training_answers(
            trn_most_useful="Call me at 559-555-0134 or write to me@example.org, it changed my work."))
        with pytest.raises(ValidationError) as refused:
            make(world, survey, text="Call me at 559-555-0134 or write to me@example.org, it changed my work.",
                 attribution="write to me@example.org")
        errors = refused.value.message_dict
        assert "559-555-0134" in errors["text"][0] and "me@example.org" in errors["text"][0]
        assert "me@example.org" in errors["attribution"][0]
        assert make(world, survey, text="it changed my work.").text == "it changed my work."

    def test_the_comment_must_be_one_of_the_surveys_comments(self, world, trainee_comment):
        with pytest.raises(ValidationError):
            make(world, trainee_comment, item_key="trn_worth_time", text="5")

    def test_a_double_submit_makes_one_voice(self, world, trainee_comment):
        key = uuid.uuid4()
        first = make(world, trainee_comment, submission_key=key)
        with pytest.raises(AlreadySubmitted) as again:
            make(world, trainee_comment, submission_key=key)
        assert again.value.existing == first and Voice.objects.count() == 1

    def test_new_voices_go_to_the_end_of_the_collection(self, world, trainee_comment):
        VoiceFactory(network=world.network, position=7)
        assert make(world, trainee_comment).position == 8


class TestMakingAVoiceOverHttp:
    def url(self, administration):
        return reverse("workforce:voice-new", args=[administration.pk])

    def test_the_form_starts_from_the_comment_and_a_suggested_attribution_and_warns_of_names(
        self, client, world, trainee_comment
    ):
        client.force_login(admin(world))
        response = client.get(self.url(trainee_comment))
        form = response.context["form"]
        assert form["text"].value() == COMMENT
        assert form["attribution"].value() == "a participant in a consultant training in Central Valley"
        html = response.content.decode()
        assert "Check that these are not names" in html and "Rosa" in html
        assert 'lang="en"' in html
        assert "Marisol" not in html

    def test_the_suggestion_is_in_the_language_of_a_spanish_comment(self, client, world):
        survey = SatisfactionFactory(episode=EpisodeFactory(program=world.program_a))
        client.force_login(admin(world))
        form = client.get(self.url(survey)).context["form"]
        assert form["text"].value() == "Ella me escuchó sin juzgarme."
        # the respondent's role as the Spanish reader names it, and the region
        with translation.override("es"):
            role = str(Respondent.TEACHER.label).lower()
        assert role in form["attribution"].value() and "Central Valley" in form["attribution"].value()

    def test_posting_publishes_and_goes_to_the_list(self, client, world, trainee_comment):
        client.force_login(admin(world))
        key = client.get(self.url(trainee_comment)).context["form"].initial["submission_key"]
        response = client.post(self.url(trainee_comment), {
            "item_key": "trn_most_useful", "text": "Now I stay calm, and the whole class feels it.",
            "attribution": "a new consultant in the Central Valley", "publish": "on", "submission_key": key,
        })
        assert response.status_code == 302 and response["Location"] == VOICES
        voice = Voice.objects.get()
        assert voice.status == VoiceStatus.PUBLISHED and voice.published_at is not None

    def test_a_refused_quote_keeps_what_was_typed(self, client, world, trainee_comment):
        client.force_login(admin(world))
        response = client.post(self.url(trainee_comment), {
            "item_key": "trn_most_useful", "text": "Maria says I stay calm", "attribution": "a teacher",
        })
        assert response.status_code == 200 and response.context["form"]["text"].value() == "Maria says I stay calm"
        assert response.context["form"].errors["text"] and not Voice.objects.exists()

    def test_a_declined_comment_shows_why_and_refuses_a_post(self, client, world, declined_comment):
        client.force_login(admin(world))
        response = client.get(self.url(declined_comment))
        assert "said no when asked whether it may be shared" in response.content.decode()
        response = client.post(self.url(declined_comment), {
            "item_key": "sat_most_helpful", "text": "Me ayudó mucho.", "attribution": "una maestra"}, follow=True)
        assert "did not agree to its publication" in response.content.decode()
        assert not Voice.objects.exists()

    def test_another_networks_survey_does_not_exist_for_the_admin(self, client, world):
        other = training_feedback(cohort=FeedbackCohortFactory(network=world.other_network))
        client.force_login(admin(world))
        assert client.get(self.url(other)).status_code == 404


class TestEditingPublishingAndOrdering:
    def test_an_edit_may_trim_further_but_not_add_and_is_versioned(self, world, trainee_comment):
        voice = make(world, trainee_comment)
        edited = services.voice_update(actor=admin(world), voice=voice, expected_version=voice.version,
                                       data=services.VoiceData("Now I stay calm.", "a new consultant"))
        assert (edited.text, edited.version) == ("Now I stay calm.", voice.version + 1)
        with pytest.raises(ValidationError):
            services.voice_update(actor=admin(world), voice=edited, expected_version=edited.version,
                                  data=services.VoiceData("Now I stay very calm.", "a new consultant"))
        with pytest.raises(StaleEditError):
            services.voice_update(actor=admin(world), voice=edited, expected_version=voice.version,
                                  data=services.VoiceData("I stay calm.", "a new consultant"))

    def test_without_its_survey_an_edit_can_still_only_take_words_away(self, world, trainee_comment):
        voice = make(world, trainee_comment)
        Administration.objects.filter(pk=trainee_comment.pk).delete()
        voice.refresh_from_db()
        assert voice.administration is None
        services.voice_update(actor=admin(world), voice=voice, expected_version=voice.version,
                              data=services.VoiceData("I stay calm.", "a new consultant"))
        voice.refresh_from_db()
        with pytest.raises(ValidationError):
            services.voice_update(actor=admin(world), voice=voice, expected_version=voice.version,
                                  data=services.VoiceData("I stay calm, says Ana.", "a new consultant"))

    def test_the_edit_page_keeps_the_text_on_a_stale_save(self, client, world, trainee_comment):
        voice = make(world, trainee_comment)
        client.force_login(admin(world))
        url = reverse("workforce:voice-edit", args=[voice.pk])
        assert COMMENT in client.get(url).content.decode()  # the author's words beside the quote
        Voice.objects.filter(pk=voice.pk).update(version=voice.version + 1)
        response = client.post(url, {"text": "I stay calm.", "attribution": "a consultant", "version": voice.version})
        assert response.status_code == 200 and "Someone else changed this record" in response.content.decode()
        assert response.context["form"]["text"].value() == "I stay calm."
        assert response.context["form"]["version"].value() == str(voice.version + 1)

    def test_publish_withdraw_and_back_to_draft(self, client, world, trainee_comment):
        voice = make(world, trainee_comment)
        client.force_login(admin(world))
        url = reverse("workforce:voice-publish", args=[voice.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {"status": "published", "version": voice.version}).status_code == 302
        voice.refresh_from_db()
        assert voice.status == VoiceStatus.PUBLISHED and voice.published_at is not None
        client.post(url, {"status": "retired", "version": voice.version})
        voice.refresh_from_db()
        assert voice.status == VoiceStatus.RETIRED
        client.post(url, {"status": "draft", "version": voice.version})
        voice.refresh_from_db()
        assert voice.status == VoiceStatus.DRAFT

    def test_publishing_checks_the_agreement_again(self, world, trainee_comment):
        voice = make(world, trainee_comment)
        # the survey was corrected: the author did not agree after all
        Administration.objects.filter(pk=trainee_comment.pk).update(
            answers=training_answers(trn_most_useful=COMMENT, trn_share_comment="0"))
        with pytest.raises(ValidationError):
            services.voice_set_status(actor=admin(world), voice=voice, status=VoiceStatus.PUBLISHED,
                                      expected_version=voice.version)
        voice.refresh_from_db()
        assert voice.status == VoiceStatus.DRAFT

    def test_moving_a_voice_up_renumbers_the_collection(self, client, world):
        first, second, third = (VoiceFactory(network=world.network, position=position) for position in (3, 5, 9))
        client.force_login(admin(world))
        client.post(VOICES, {"voice": str(third.pk), "step": "-1"})
        order = list(Voice.objects.filter(network=world.network).order_by("position").values_list("pk", "position"))
        assert order == [(first.pk, 1), (third.pk, 2), (second.pk, 3)]
        html = client.get(VOICES).content.decode()
        assert html.index(third.text) < html.index(second.text)

    def test_another_networks_voice_cannot_be_moved_or_opened(self, client, world):
        other = VoiceFactory(network=world.other_network)
        client.force_login(admin(world))
        assert client.post(VOICES, {"voice": str(other.pk), "step": "1"}).status_code == 404
        assert client.get(reverse("workforce:voice-edit", args=[other.pk])).status_code == 404
        assert client.get(reverse("workforce:voice-publish", args=[other.pk])).status_code == 404
