"""The administration pages over HTTP, per role inside and outside the scope: the episode's measures,
scheduling, the fast entry form (input kept, double submit, stale edit), answers and scores."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.directory.models import ConsultantProfile
from abrazo.measures.administration_selectors import episode_section_for
from abrazo.measures.models import Administration, AdministrationStatus, Respondent, ScaleMethod, Timepoint
from abrazo.measures.tests.factories import AdministrationFactory, InstrumentFactory, ItemFactory, ScaleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(world):
    profile = ConsultantProfile.objects.get(user=world.people["consultant"])
    return EpisodeFactory(program=world.program_a, consultant=profile)


@pytest.fixture
def instrument(world):
    instrument = InstrumentFactory(network=world.network, name_en="Classroom climate")
    for position in range(3):
        ItemFactory(instrument=instrument, key=f"climate_{position}", position=position, required=True,
                    label_en=f"Climate question {position}", matrix_group="climate")
    ScaleFactory(instrument=instrument, key="climate", name_en="Climate", method=ScaleMethod.SUM,
                 items=["climate_0", "climate_1", "climate_2"],
                 bands=[{"key": "low", "label_en": "Needs support", "label_es": "Necesita apoyo", "low": 0,
                         "high": 6}, {"key": "high", "label_en": "Strong", "label_es": "Fuerte", "low": 7,
                                      "high": 12}])
    return instrument


@pytest.fixture
def administration(episode, instrument):
    return AdministrationFactory(episode=episode, instrument=instrument, respondent_role=Respondent.TEACHER)


def signed_in(client, world, role):
    client.force_login(world.people[role])
    return client


def enter_url(administration):
    return reverse("measures:administration-enter", args=[administration.pk])


def posted(administration, **answers):
    data = {"completed_on": "2025-01-15", "language": "en", "version": str(administration.version),
            "respondent_consent": "on", "submission_key": str(uuid.uuid4())}
    data.update({f"answer__{key}": value for key, value in answers.items()})
    return data


class TestEpisodeMeasures:
    def test_the_consultant_sees_measures_by_time_point_and_may_schedule(self, client, world, administration):
        response = signed_in(client, world, "consultant").get(
            reverse("measures:episode-measures", args=[administration.episode_id]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Classroom climate" in page and "Before (at entry)" in page
        assert "Schedule a measure" in page and enter_url(administration) in page

    def test_the_supervisor_and_coordinator_see_but_may_not_schedule(self, client, world, administration):
        for role in ("supervisor", "regional_coordinator"):
            response = signed_in(client, world, role).get(
                reverse("measures:episode-measures", args=[administration.episode_id]))
            assert response.status_code == 200
            assert "Schedule a measure" not in response.content.decode()
            assert client.get(enter_url(administration)).status_code == 404

    def test_program_staff_and_other_consultants_get_404(self, client, world, administration, instrument):
        signed_in(client, world, "program_staff")
        assert client.get(reverse("measures:episode-measures", args=[administration.episode_id])).status_code == 404
        assert client.get(reverse("measures:administration-detail", args=[administration.pk])).status_code == 404
        # and an episode at program B (another consultant) does not exist for the world's consultant
        outside = AdministrationFactory(episode=EpisodeFactory(program=world.program_b), instrument=instrument)
        signed_in(client, world, "consultant")
        assert client.get(reverse("measures:administration-detail", args=[outside.pk])).status_code == 404
        assert client.get(enter_url(outside)).status_code == 404

    def test_scheduling_uses_the_defaults(self, client, world, episode, instrument):
        response = signed_in(client, world, "consultant").post(
            reverse("measures:administration-schedule", args=[episode.pk]),
            {"instrument": str(instrument.pk), "timepoint": Timepoint.PRE, "submission_key": str(uuid.uuid4())})
        assert response.status_code == 302
        scheduled = Administration.objects.get(episode=episode)
        assert scheduled.timepoint == Timepoint.PRE and scheduled.due_on == timezone.localdate(episode.opened_at)

    def test_the_episode_section_is_hidden_from_program_staff(self, world, administration):
        episode = administration.episode
        assert episode_section_for(user=world.people["program_staff"], episode=episode) is None
        section = episode_section_for(user=world.people["supervisor"], episode=episode)
        assert section is not None and section.total == 1 and not section.may_record


class TestEntryForm:
    def test_the_form_is_built_from_the_items_with_a_matrix_grid_and_consent(self, client, world, administration):
        page = signed_in(client, world, "consultant").get(enter_url(administration)).content.decode()
        assert page.count('name="answer__climate_') == 3 * 5  # three rows of five radio buttons
        assert "entry-matrix__table" in page and 'name="respondent_consent"' in page

    def test_good_answers_are_scored_and_shown_with_their_band(self, client, world, administration):
        signed_in(client, world, "consultant")
        response = client.post(enter_url(administration), posted(administration, climate_0="4", climate_1="3",
                                                                   climate_2="2"))
        assert response.status_code == 302
        administration.refresh_from_db()
        assert administration.status == AdministrationStatus.COMPLETED
        assert administration.scores["climate"]["raw"] == 9.0
        detail = client.get(response["Location"]).content.decode()
        assert "Strong" in detail and "Climate question 0" in detail

    def test_an_out_of_range_answer_is_refused_and_the_input_kept(self, client, world, administration):
        signed_in(client, world, "consultant")
        response = client.post(enter_url(administration), posted(administration, climate_0="4", climate_1="9",
                                                                   climate_2=""))
        assert response.status_code == 200
        page = response.content.decode()
        assert "“Climate question 1”: “9” is not one of the answers offered" in page
        assert "“Climate question 2” needs an answer." in page
        assert 'value="4" required' not in page  # answers are optional in HTML: the server judges them
        assert 'value="4" class="answer-choices" id="id_answer__climate_0_4" checked' in page  # kept
        administration.refresh_from_db()
        assert administration.status == AdministrationStatus.SCHEDULED

    def test_errors_are_in_spanish_for_a_spanish_reader(self, client, world, administration):
        consultant = world.people["consultant"]
        consultant.preferred_language = "es"
        consultant.save()
        signed_in(client, world, "consultant")
        response = client.post(enter_url(administration), posted(administration, climate_0="4", climate_1="3",
                                                                   climate_2="7"))
        assert response.status_code == 200
        assert "“Pregunta" in response.content.decode()  # the item's Spanish wording names it
        assert "“Climate question 1”" not in response.content.decode()

    def test_a_double_submit_records_once(self, client, world, administration):
        signed_in(client, world, "consultant")
        data = posted(administration, climate_0="1", climate_1="1", climate_2="1")
        first = client.post(enter_url(administration), data)
        second = client.post(enter_url(administration), data)
        assert first.status_code == 302 and second.status_code == 302
        administration.refresh_from_db()
        assert administration.version == 2  # saved once

    def test_a_stale_correction_keeps_the_input_and_says_so(self, client, world, administration):
        signed_in(client, world, "consultant")
        client.post(enter_url(administration), posted(administration, climate_0="1", climate_1="1", climate_2="1"))
        stale = posted(administration, climate_0="2", climate_1="2", climate_2="2")  # built from version 1
        response = client.post(enter_url(administration), stale)
        assert response.status_code == 200
        assert "Someone else changed this record" in response.content.decode()
        administration.refresh_from_db()
        assert administration.answers["climate_0"] == "1"

    def test_missing_consent_is_refused(self, client, world, administration):
        signed_in(client, world, "consultant")
        data = posted(administration, climate_0="1", climate_1="1", climate_2="1")
        del data["respondent_consent"]
        response = client.post(enter_url(administration), data)
        assert response.status_code == 200
        assert "Confirm that the respondent agreed to answer." in response.content.decode()

    def test_cancelling_a_scheduled_measure(self, client, world, administration):
        signed_in(client, world, "consultant")
        response = client.post(reverse("measures:administration-cancel", args=[administration.pk]),
                               {"version": str(administration.version)})
        assert response.status_code == 302
        administration.refresh_from_db()
        assert administration.status == AdministrationStatus.CANCELLED


@pytest.fixture
def rating(world, episode):
    """A licensed rating entered by scores only: two 0-40 subscales and a 0-80 total that is their sum."""
    from abrazo.measures.tests.factories import EnteredScaleFactory, LicensedInstrumentFactory

    instrument = LicensedInstrumentFactory(network=world.network, name_en="Protective factors")
    for position, (key, name) in enumerate([("social", "Social"), ("emotion", "Emotion")]):
        EnteredScaleFactory(instrument=instrument, key=key, name_en=name, position=position, score_min=0,
                            score_max=40)
    EnteredScaleFactory(instrument=instrument, key="total", name_en="Total", position=2, score_min=0, score_max=80,
                        sum_of=["social", "emotion"],
                        bands=[{"label_en": "Need", "low": 0, "high": 39}, {"label_en": "Typical", "low": 40,
                                                                           "high": 80}])
    return AdministrationFactory(episode=episode, instrument=instrument, respondent_role=Respondent.TEACHER)


class TestScoresOnlyTotals:
    def test_the_total_field_says_it_is_added_up(self, client, world, rating):
        page = signed_in(client, world, "consultant").get(enter_url(rating)).content.decode()
        assert "From 0 to 80. Leave it empty to have it added up from Social, Emotion." in page

    def test_a_blank_total_is_added_up_from_the_subscales(self, client, world, rating):
        signed_in(client, world, "consultant")
        response = client.post(enter_url(rating), posted(rating, social="22.5", emotion="19", total=""))
        assert response.status_code == 302
        rating.refresh_from_db()
        # 22.5 + 19 = 41.5, kept as typed would have been, scored and banded "Typical" (40-80)
        assert rating.answers == {"social": "22.5", "emotion": "19", "total": "41.5"}
        assert (rating.scores["total"]["raw"], rating.scores["total"]["band"]) == (41.5, "Typical")

    def test_a_typed_total_that_agrees_is_kept(self, client, world, rating):
        signed_in(client, world, "consultant")
        response = client.post(enter_url(rating), posted(rating, social="20", emotion="15", total="35"))
        assert response.status_code == 302
        rating.refresh_from_db()
        assert rating.scores["total"]["raw"] == 35.0

    def test_a_typed_total_that_disagrees_is_refused_naming_the_sum(self, client, world, rating):
        signed_in(client, world, "consultant")
        response = client.post(enter_url(rating), posted(rating, social="20", emotion="15", total="36"))
        assert response.status_code == 200
        page = response.content.decode()
        assert ("“Total” is 36, but the scores it adds up (Social, Emotion) come to 35. Correct the total or those "
                "scores, or leave the total empty to have it added up.") in page
        assert 'value="36"' in page  # the input is kept
        rating.refresh_from_db()
        assert rating.status == AdministrationStatus.SCHEDULED

    def test_with_a_subscale_missing_the_total_is_neither_added_up_nor_checked(self, client, world, rating):
        signed_in(client, world, "consultant")
        response = client.post(enter_url(rating), posted(rating, social="20", emotion="", total="50"))
        assert response.status_code == 302
        rating.refresh_from_db()
        assert rating.answers == {"social": "20", "total": "50"}
        assert rating.scores["emotion"]["reason"] == "not_entered"

    def test_a_disagreeing_total_is_reported_once(self, client, world, rating):
        # given the service now refuses a disagreeing total too, behind the form's own check
        signed_in(client, world, "consultant")
        response = client.post(enter_url(rating), posted(rating, social="20", emotion="15", total="36"))
        # then the total's field holds the refusal once, not once from each (the page's summary repeats it)
        assert response.status_code == 200
        assert [str(error) for error in response.context["form"].errors["answer__total"]] == [
            "“Total” is 36, but the scores it adds up (Social, Emotion) come to 35. Correct the total or those "
            "scores, or leave the total empty to have it added up."]
        assert response.content.decode().count("come to 35.") == 2  # the summary at the top, and by the field


class TestInstrumentWithoutScales:
    def test_the_entry_form_of_an_instrument_with_no_scale_saves(self, client, world, episode):
        # given an instrument brought in from REDCap with two items and no scale yet
        instrument = InstrumentFactory(network=world.network, name_en="Imported survey")
        for position in range(2):
            ItemFactory(instrument=instrument, key=f"mood_{position}", position=position,
                        label_en=f"Mood question {position}")
        administration = AdministrationFactory(episode=episode, instrument=instrument,
                                               respondent_role=Respondent.TEACHER)
        signed_in(client, world, "consultant")
        assert client.get(enter_url(administration)).content.decode().count('name="answer__mood_') == 2 * 5
        # when the consultant enters the answers
        response = client.post(enter_url(administration), posted(administration, mood_0="3", mood_1="1"))
        # then they are recorded with no scores, and the measure's page shows them
        assert response.status_code == 302
        administration.refresh_from_db()
        assert administration.status == AdministrationStatus.COMPLETED
        assert administration.answers == {"mood_0": "3", "mood_1": "1"} and administration.scores == {}
        detail = client.get(response["Location"])
        assert detail.status_code == 200 and "Mood question 1" in detail.content.decode()
