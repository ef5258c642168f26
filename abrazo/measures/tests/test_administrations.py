"""Administrations through their services: validation per kind of problem, branching, scoring stored,
completion, consent, audit, scheduling defaults, closure, cancelling, and reminders sent once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action
from abrazo.consultations.models import Phase
from abrazo.consultations.tests.factories import EpisodeFactory
from abrazo.core.concurrency import StaleEditError
from abrazo.directory.models import ConsultantProfile
from abrazo.directory.tests.factories import ProgramStaffFactory
from abrazo.measures import administrations as services
from abrazo.measures.administrations import AnswersRejected, Problem
from abrazo.measures.models import (
    Administration,
    AdministrationStatus,
    AnswerSource,
    Respondent,
    ScaleKind,
    ScaleMethod,
    Timepoint,
)
from abrazo.measures.tests.factories import (
    AdministrationFactory,
    EnteredScaleFactory,
    InstrumentFactory,
    ItemFactory,
    LicensedInstrumentFactory,
    ScaleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultant(world):
    return world.people["consultant"]


@pytest.fixture
def episode(world, consultant):
    profile = ConsultantProfile.objects.get(user=consultant)
    return EpisodeFactory(program=world.program_a, consultant=profile)


@pytest.fixture
def instrument(world):
    """Three 0-4 stress items (the third reverse-scored) summed, an integer 0-10 'years' item, a yes/no
    'conflict' that shows a required 'conflict_detail' note, and a checkbox of supports."""
    instrument = InstrumentFactory(network=world.network, name_en="Teacher stress", languages=["en", "es"])
    for position, key in enumerate(["stress_1", "stress_2", "stress_3"]):
        ItemFactory(instrument=instrument, key=key, position=position, label_en=f"Stress {position + 1}",
                    label_es=f"Estrés {position + 1}", required=True, reverse_scored=key == "stress_3",
                    matrix_group="stress")
    ItemFactory(instrument=instrument, key="years", position=3, field_type="text", validation="integer",
                validation_min="0", validation_max="10", choices=[], score_min=None, score_max=None,
                label_en="Years teaching", label_es="Años de docencia")
    ItemFactory(instrument=instrument, key="conflict", position=4, field_type="yesno", choices=[],
                score_min=None, score_max=None, label_en="Any conflict?", label_es="¿Algún conflicto?")
    ItemFactory(instrument=instrument, key="conflict_detail", position=5, field_type="notes", choices=[],
                score_min=None, score_max=None, required=True, branching_logic="[conflict] = '1'",
                label_en="Describe the conflict", label_es="Describa el conflicto")
    ItemFactory(instrument=instrument, key="supports", position=6, field_type="checkbox", score_min=None,
                score_max=None, choices=[["1", "Coach", "Coach"], ["2", "Peer", "Colega"]], label_en="Supports")
    ScaleFactory(instrument=instrument, key="stress", name_en="Stress", items=["stress_1", "stress_2", "stress_3"],
                 method=ScaleMethod.SUM, max_missing_share=0.34,
                 bands=[{"key": "low", "label_en": "Low", "label_es": "Bajo", "low": 0, "high": 5},
                        {"key": "high", "label_en": "High", "label_es": "Alto", "low": 6, "high": 12}])
    return instrument


@pytest.fixture
def administration(episode, instrument):
    return AdministrationFactory(episode=episode, instrument=instrument, respondent_role=Respondent.TEACHER)


GOOD = {"stress_1": "3", "stress_2": "2", "stress_3": "0", "years": "4", "conflict": "0", "supports": ["2"]}


def record(consultant, administration, answers, **extra):
    extra.setdefault("respondent_consent", True)
    return services.administration_record_answers(actor=consultant, administration=administration, answers=answers,
                                                  language="en", source=AnswerSource.FORM, **extra)


class TestRecordingAnswers:
    def test_good_answers_are_scored_stored_completed_and_audited(self, consultant, administration):
        # given a scheduled administration and acceptable answers
        # when the consultant records them
        saved = record(consultant, administration, GOOD, completed_on=dt.date(2025, 3, 3))
        # then the stress sum reverses item 3 (0 -> 4): 3 + 2 + 4 = 9, in the "high" band
        assert saved.status == AdministrationStatus.COMPLETED
        assert saved.completed_on == dt.date(2025, 3, 3)
        assert saved.scores["stress"] == {"raw": 9.0, "band": "high", "standard_score": None, "percentile": None,
                                          "prorated": False, "answered": 3, "missing": 0, "reason": None}
        assert saved.answers == {"stress_1": "3", "stress_2": "2", "stress_3": "0", "years": "4", "conflict": "0",
                                 "supports": ["2"]}
        assert saved.respondent_consent is True and saved.entered_by == consultant and saved.version == 2
        assert AccessEvent.objects.filter(object_id=str(saved.pk), action=Action.CREATE,
                                          object_type="measures.administration").count() == 1

    def test_every_problem_is_reported_at_once_and_nothing_is_saved(self, consultant, administration):
        # given a choice not offered, an integer out of range, a missing required item and an unknown key
        answers = {"stress_1": "7", "stress_2": "2", "years": "12", "conflict": "0", "nonsense": "1"}
        # when they are recorded
        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, administration, answers)
        # then each problem names its item and kind, with the allowed values
        found = {(problem.item, problem.code) for problem in rejected.value.problems}
        assert found == {("stress_1", Problem.NOT_A_CHOICE), ("years", Problem.OUT_OF_RANGE),
                         ("stress_3", Problem.REQUIRED), ("nonsense", Problem.UNKNOWN_ITEM)}
        years = rejected.value.by_item()["years"][0]
        assert (years.minimum, years.maximum) == (0.0, 10.0)
        assert years.message() == "“Years teaching”: 12 is not allowed; give a whole number from 0 to 10."
        administration.refresh_from_db()
        assert administration.status == AdministrationStatus.SCHEDULED and administration.answers == {}

    def test_messages_are_in_the_readers_language(self, consultant, administration):
        # given an out-of-range answer, read by a Spanish speaker
        from django.utils import translation

        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, administration, {**GOOD, "years": "11"})
        # then the message names the item in Spanish (the wording is the instrument's own)
        with translation.override("es"):
            assert "Años de docencia" in rejected.value.problems[0].message()

    def test_not_a_number_and_decimal_for_an_integer(self, consultant, administration):
        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, administration, {**GOOD, "years": "four"})
        assert rejected.value.problems[0].code == Problem.NOT_A_NUMBER
        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, administration, {**GOOD, "years": "4.5"})
        assert rejected.value.problems[0].code == Problem.WHOLE_NUMBER

    def test_a_checkbox_code_not_offered_is_refused(self, consultant, administration):
        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, administration, {**GOOD, "supports": ["2", "9"]})
        assert [(p.item, p.code, p.value) for p in rejected.value.problems] == [("supports", Problem.NOT_A_CHOICE,
                                                                                 "9")]

    def test_an_item_shown_by_branching_is_required(self, consultant, administration):
        # given "conflict" answered yes, which shows the required description, left blank
        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, administration, {**GOOD, "conflict": "1"})
        # then the description is required
        assert [(p.item, p.code) for p in rejected.value.problems] == [("conflict_detail", Problem.REQUIRED)]

    def test_an_item_hidden_by_branching_is_not_required_and_its_answer_is_dropped(self, consultant, administration):
        # given "conflict" answered no and a description typed anyway
        saved = record(consultant, administration, {**GOOD, "conflict": "0", "conflict_detail": "Typed anyway"})
        # then the hidden item's answer is not kept
        assert "conflict_detail" not in saved.answers

    def test_prorating_is_stored(self, consultant, administration, instrument):
        # given one of three stress items left out, which the scale allows (34% of 3 = 1 item)
        from abrazo.measures.models import Item

        Item.objects.filter(instrument=instrument, key="stress_2").update(required=False)
        saved = record(consultant, administration, {**GOOD, "stress_2": ""})
        # then the sum is prorated: (3 + 4) x 3 / 2 = 10.5
        assert saved.scores["stress"]["raw"] == 10.5
        assert saved.scores["stress"]["prorated"] is True and saved.scores["stress"]["missing"] == 1

    def test_consent_is_required_from_anyone_but_the_consultant(self, consultant, administration):
        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, administration, GOOD, respondent_consent=None)
        assert [(p.item, p.code) for p in rejected.value.problems] == [("respondent_consent",
                                                                        Problem.CONSENT_REQUIRED)]

    def test_the_consultants_own_instrument_needs_no_consent(self, consultant, episode, instrument):
        own = AdministrationFactory(episode=episode, instrument=instrument, respondent_role=Respondent.CONSULTANT)
        saved = record(consultant, own, GOOD, respondent_consent=None)
        assert saved.status == AdministrationStatus.COMPLETED and saved.respondent_consent is None

    def test_a_consultant_of_another_episode_is_refused(self, world, instrument):
        # given an administration on an episode at program B (another consultant)
        other = AdministrationFactory(episode=EpisodeFactory(program=world.program_b), instrument=instrument)
        with pytest.raises(PermissionDenied):
            record(world.people["consultant"], other, GOOD)

    def test_a_stale_correction_is_caught(self, consultant, administration):
        # given answers recorded, then corrected by someone else
        record(consultant, administration, GOOD)
        record(consultant, administration, {**GOOD, "stress_1": "4"}, expected_version=2)
        # when a correction based on the first version arrives
        with pytest.raises(StaleEditError):
            record(consultant, administration, {**GOOD, "stress_1": "0"}, expected_version=2)
        administration.refresh_from_db()
        assert administration.answers["stress_1"] == "4"

    def test_a_double_submit_records_once(self, consultant, administration):
        import uuid

        key = uuid.uuid4()
        record(consultant, administration, GOOD, submission_key=key, expected_version=1)
        with pytest.raises(services.AlreadySubmitted) as again:
            record(consultant, administration, GOOD, submission_key=key, expected_version=1)
        assert again.value.existing == administration
        assert AccessEvent.objects.filter(object_id=str(administration.pk), action__in=[Action.CREATE,
                                                                                         Action.UPDATE]).count() == 1

    def test_a_survey_link_records_without_an_actor(self, administration):
        saved = services.administration_record_answers(
            actor=None, administration=administration, answers=GOOD, language="es", source=AnswerSource.LINK,
            respondent_consent=True)
        assert saved.language == "es" and saved.source == AnswerSource.LINK and saved.entered_by is None

    def test_scores_only_entry_is_range_checked(self, world, consultant, episode):
        # given a licensed instrument with one T-score 20-80 in whole numbers
        scale = EnteredScaleFactory(instrument__network=world.network, key="total", name_en="Total T-score",
                                    score_min=20, score_max=80, whole_numbers=True, kind=ScaleKind.ENTERED)
        own = AdministrationFactory(episode=episode, instrument=scale.instrument,
                                    respondent_role=Respondent.CONSULTANT)
        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, own, {"total": "85"})
        assert rejected.value.problems[0].message() == "“Total T-score”: 85 is not allowed; give a whole number " \
                                                       "from 20 to 80."
        saved = record(consultant, own, {"total": "55"})
        assert saved.scores["total"]["raw"] == 55.0

    def test_a_cancelled_administration_takes_no_answers(self, consultant, administration):
        services.administration_cancel(actor=consultant, administration=administration, expected_version=1)
        with pytest.raises(ValidationError):
            record(consultant, administration, GOOD)


@pytest.fixture
def rating(world, episode):
    """A licensed rating entered by scores only: two 0-40 subscales and a 0-80 total that is their sum."""
    instrument = LicensedInstrumentFactory(network=world.network, name_en="Protective factors")
    for position, (key, english, spanish) in enumerate([("social", "Social", "Relaciones"),
                                                         ("emotion", "Emotion", "Emociones")]):
        EnteredScaleFactory(instrument=instrument, key=key, name_en=english, name_es=spanish, position=position,
                            score_min=0, score_max=40)
    EnteredScaleFactory(instrument=instrument, key="total", name_en="Total", name_es="Total general", position=2,
                        score_min=0, score_max=80, sum_of=["social", "emotion"],
                        bands=[{"label_en": "Need", "low": 0, "high": 39},
                               {"label_en": "Typical", "low": 40, "high": 80}])
    return AdministrationFactory(episode=episode, instrument=instrument, respondent_role=Respondent.TEACHER)


def record_from(source, administration, answers):
    """Answers that arrive with no one signed in: a survey link (consent given) or a REDCap import."""
    consent = True if source == AnswerSource.LINK else None
    return services.administration_record_answers(actor=None, administration=administration, answers=answers,
                                                  language="en", source=source, respondent_consent=consent)


class TestScoresOnlyTotals:
    """A total that is the sum of its subscales, judged the same whichever way the scores arrive."""

    @pytest.mark.parametrize("source", [AnswerSource.LINK, AnswerSource.REDCAP])
    @pytest.mark.parametrize("blank", [{}, {"total": ""}, {"total": None}])
    def test_a_blank_or_missing_total_is_added_up(self, rating, source, blank):
        # given the subscales and no total (left out, or an empty cell)
        saved = record_from(source, rating, {"social": "22.5", "emotion": "19", **blank})
        # then the total is 22.5 + 19 = 41.5, stored as if typed, scored and banded Typical (40-80)
        assert saved.answers == {"social": "22.5", "emotion": "19", "total": "41.5"}
        assert (saved.scores["total"]["raw"], saved.scores["total"]["band"]) == (41.5, "Typical")
        assert saved.status == AdministrationStatus.COMPLETED

    def test_a_total_that_agrees_is_kept_despite_binary_noise(self, rating):
        # given 20.1 + 15.2, which a computer adds to 35.300000000000004, and a typed 35.3
        saved = record_from(AnswerSource.REDCAP, rating, {"social": "20.1", "emotion": "15.2", "total": "35.3"})
        # then it agrees
        assert saved.answers["total"] == "35.3" and saved.scores["total"]["raw"] == 35.3

    @pytest.mark.parametrize("source", [AnswerSource.LINK, AnswerSource.REDCAP])
    def test_a_total_that_disagrees_is_refused_naming_the_sum(self, rating, source):
        # given subscales of 20 and 15 and a total typed as 36
        with pytest.raises(AnswersRejected) as rejected:
            record_from(source, rating, {"social": "20", "emotion": "15", "total": "36"})
        # then the total is refused, with the sum the subscales come to (20 + 15 = 35), in the form's words
        [problem] = rejected.value.problems
        assert (problem.item, problem.code, problem.value, problem.expected) == ("total", Problem.TOTAL_MISMATCH,
                                                                                 "36", 35.0)
        assert problem.message() == ("“Total” is 36, but the scores it adds up (Social, Emotion) come to 35. Correct "
                                     "the total or those scores, or leave the total empty to have it added up.")
        rating.refresh_from_db()
        assert rating.status == AdministrationStatus.SCHEDULED and rating.answers == {} and rating.scores == {}

    def test_the_refusal_names_the_scores_in_the_readers_language(self, rating):
        from django.utils import translation

        with pytest.raises(AnswersRejected) as rejected:
            record_from(AnswerSource.REDCAP, rating, {"social": "20", "emotion": "15.5", "total": "30"})
        with translation.override("es"):
            message = rejected.value.problems[0].message()
        assert "Total general" in message and "Relaciones, Emociones" in message and "35.5" in message

    def test_a_disagreeing_total_is_reported_with_the_other_problems(self, rating):
        # given a subscale above its 40 and a total that is not 45 + 15 = 60
        with pytest.raises(AnswersRejected) as rejected:
            record_from(AnswerSource.LINK, rating, {"social": "45", "emotion": "15", "total": "50"})
        # then both are reported at once
        assert {(p.item, p.code) for p in rejected.value.problems} == {("social", Problem.OUT_OF_RANGE),
                                                                        ("total", Problem.TOTAL_MISMATCH)}

    def test_with_a_subscale_missing_the_total_is_neither_added_up_nor_checked(self, rating):
        # the licensee may prorate: nothing can be said about a total with a subscale missing
        saved = record_from(AnswerSource.REDCAP, rating, {"social": "20", "emotion": "", "total": "50"})
        assert saved.answers == {"social": "20", "total": "50"}
        assert saved.scores["total"]["raw"] == 50.0 and saved.scores["emotion"]["reason"] == "not_entered"
        blank = record_from(AnswerSource.REDCAP, rating, {"social": "20"})
        assert blank.answers == {"social": "20"} and blank.scores["total"]["reason"] == "not_entered"


@pytest.fixture
def unscored(world):
    """An instrument as a REDCap dictionary brings it: items, and no scale yet."""
    instrument = InstrumentFactory(network=world.network, name_en="Imported survey", redcap_form="imported_survey")
    ItemFactory(instrument=instrument, key="mood", position=1, label_en="Mood", required=True)
    ItemFactory(instrument=instrument, key="calm", position=2, field_type="slider", choices=[], score_min=None,
                score_max=None, label_en="Calm")
    ItemFactory(instrument=instrument, key="comment", position=3, field_type="notes", choices=[], score_min=None,
                score_max=None, label_en="Comment")
    return instrument


class TestInstrumentWithoutScales:
    def test_answers_are_recorded_with_no_scores(self, consultant, episode, unscored):
        # given an administration of an instrument with no scale
        administration = AdministrationFactory(episode=episode, instrument=unscored)
        # when the consultant records answers
        saved = record(consultant, administration, {"mood": "3", "calm": "70", "comment": "Settled in"})
        # then they are kept, completed and audited, with nothing to score
        assert saved.answers == {"mood": "3", "calm": "70", "comment": "Settled in"}
        assert saved.scores == {} and saved.status == AdministrationStatus.COMPLETED
        assert AccessEvent.objects.filter(object_id=str(saved.pk), action=Action.CREATE).count() == 1

    def test_answers_are_still_judged_by_their_items(self, consultant, episode, unscored):
        # given a choice not offered, a slider beyond REDCap's 0-100 and the required item left out
        administration = AdministrationFactory(episode=episode, instrument=unscored)
        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, administration, {"calm": "150", "other": "1"})
        assert {(p.item, p.code) for p in rejected.value.problems} == {
            ("calm", Problem.OUT_OF_RANGE), ("mood", Problem.REQUIRED), ("other", Problem.UNKNOWN_ITEM)}
        with pytest.raises(AnswersRejected) as rejected:
            record(consultant, administration, {"mood": "7"})
        assert [(p.item, p.code) for p in rejected.value.problems] == [("mood", Problem.NOT_A_CHOICE)]

    def test_a_redcap_record_file_imports_with_no_scores(self, world, unscored):
        # given two children's records of the instrument, as REDCap exports them
        from abrazo.measures import record_import

        for code in ("C-1", "C-2"):
            EpisodeFactory(program=world.program_a, child=True, child_code=code)
        dictionary, records = record_import.read_upload(unscored, (
            b"record_id,redcap_event_name,mood,calm,comment,imported_survey_complete\n"
            b"C-1,baseline_arm_1,3,70,fine,2\n"
            b"C-2,baseline_arm_1,1,,,2\n"))
        assert records.errors == []
        # when the network admin imports it
        chosen = record_import.Mapping(id_column="record_id", key_kind=record_import.KeyKind.CHILD_CODE,
                                       program=world.program_a, events={"baseline_arm_1": Timepoint.PRE})
        done = record_import.import_records(
            actor=world.people["network_admin"], network=world.network, instrument=unscored, dictionary=dictionary,
            records=records, mapping=chosen)
        # then both are recorded through the answers service, with their answers and no scores
        assert len(done) == 2
        stored = {a.episode.child_code: a for a in Administration.objects.filter(instrument=unscored)}
        assert stored["C-1"].answers == {"mood": "3", "calm": "70", "comment": "fine"}
        assert stored["C-2"].answers == {"mood": "1"}
        assert all(a.scores == {} and a.status == AdministrationStatus.COMPLETED and a.source == AnswerSource.REDCAP
                   for a in stored.values())


class TestScheduling:
    def test_defaults_pre_at_start_and_post_follow_up_dated_at_closure(self, consultant, episode, instrument):
        # given an open episode opened a week ago
        pre = services.administration_schedule(actor=consultant, episode=episode, instrument=instrument,
                                               timepoint=Timepoint.PRE)
        follow = services.administration_schedule(actor=consultant, episode=episode, instrument=instrument,
                                                  timepoint=Timepoint.FOLLOW_UP)
        # then the pre is due at the episode's start; the follow-up waits for closure
        assert pre.due_on == timezone.localdate(episode.opened_at)
        assert pre.program == episode.program and pre.network == episode.network
        assert pre.respondent_role == Respondent.TEACHER and follow.due_on is None
        # when the episode closes
        episode.phase, episode.closed_at = Phase.CLOSED, timezone.now()
        episode.save()
        changed = services.administrations_due_at_closure(actor=consultant, episode=episode)
        # then a post is created due today and the follow-up falls due 30 days later
        today = timezone.localdate()
        post = Administration.objects.get(episode=episode, timepoint=Timepoint.POST)
        assert post.due_on == today and post.instrument == instrument
        follow.refresh_from_db()
        assert follow.due_on == today + dt.timedelta(days=30)
        assert {a.pk for a in changed} == {post.pk, follow.pk}
        # and closing twice does not add a second post
        services.administrations_due_at_closure(actor=consultant, episode=episode)
        assert Administration.objects.filter(episode=episode, timepoint=Timepoint.POST).count() == 1

    def test_schedule_for_episode_makes_one_pre_per_instrument(self, world, consultant, episode, instrument):
        other = InstrumentFactory(network=world.network)
        made = services.schedule_for_episode(actor=consultant, episode=episode, instruments=[instrument, other])
        again = services.schedule_for_episode(actor=consultant, episode=episode, instruments=[instrument])
        assert {a.instrument for a in made} == {instrument, other} and again == []

    def test_a_duplicate_is_refused(self, consultant, episode, instrument):
        services.administration_schedule(actor=consultant, episode=episode, instrument=instrument,
                                         timepoint=Timepoint.PRE)
        with pytest.raises(ValidationError):
            services.administration_schedule(actor=consultant, episode=episode, instrument=instrument,
                                             timepoint=Timepoint.PRE)

    def test_the_respondent_must_work_at_the_program(self, world, consultant, episode, instrument):
        elsewhere = ProgramStaffFactory(program=world.program_b)
        with pytest.raises(ValidationError):
            services.administration_schedule(actor=consultant, episode=episode, instrument=instrument,
                                             timepoint=Timepoint.PRE, respondent_staff=elsewhere)

    def test_another_networks_instrument_is_refused(self, world, consultant, episode):
        with pytest.raises(ValidationError):
            services.administration_schedule(actor=consultant, episode=episode,
                                             instrument=InstrumentFactory(network=world.other_network),
                                             timepoint=Timepoint.PRE)

    def test_a_coordinator_may_not_schedule(self, world, episode, instrument):
        with pytest.raises(PermissionDenied):
            services.administration_schedule(actor=world.people["regional_coordinator"], episode=episode,
                                             instrument=instrument, timepoint=Timepoint.PRE)


class TestReminders:
    def test_due_soon_and_overdue_are_reminded_once(self, world, consultant, episode, instrument,
                                                    django_capture_on_commit_callbacks):
        # given one administration due in 2 days, one overdue, one due in 10 days and one completed
        today = timezone.localdate()
        soon = AdministrationFactory(episode=episode, instrument=instrument, due_on=today + dt.timedelta(days=2))
        late = AdministrationFactory(episode=episode, instrument=instrument, due_on=today - dt.timedelta(days=5),
                                     timepoint=Timepoint.POST)
        AdministrationFactory(episode=episode, instrument=instrument, due_on=today + dt.timedelta(days=10),
                              timepoint=Timepoint.FOLLOW_UP)
        AdministrationFactory(episode=episode, instrument=instrument, due_on=today,
                              status=AdministrationStatus.COMPLETED, timepoint=Timepoint.OTHER)
        # when the command runs twice
        outputs = [io.StringIO(), io.StringIO()]
        for output in outputs:
            with django_capture_on_commit_callbacks(execute=True):
                call_command("send_measure_reminders", stdout=output)
        # then the consultant got two mails, one per administration, naming the instrument but no answers
        assert [output.getvalue().strip() for output in outputs] == ["2 measure reminder(s) queued",
                                                                      "0 measure reminder(s) queued"]
        assert len(mail.outbox) == 2
        assert {message.to[0] for message in mail.outbox} == {consultant.email}
        assert all("Teacher stress" in message.subject for message in mail.outbox)
        soon.refresh_from_db()
        late.refresh_from_db()
        assert soon.reminded_at is not None and late.reminded_at is not None
