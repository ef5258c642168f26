"""Writes to episodes through services: who may, what is refused, what is recorded on the timeline and
in the audit ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Action, Outcome
from abrazo.consultations import services
from abrazo.consultations.models import (
    ActivityType,
    Closure,
    ClosureReason,
    Consent,
    ConsentException,
    ConsentRelationship,
    Contact,
    Episode,
    EpisodeEvent,
    EpisodeType,
    EventKind,
    FollowUp,
    Modality,
    Phase,
    ReferralStatus,
    ServiceType,
)
from abrazo.consultations.tests.factories import ConsentFactory, EpisodeFactory, GoalFactory, english
from abrazo.core.concurrency import StaleEditError
from abrazo.directory.tests.factories import ClassroomFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def log(actor, episode, **overrides):
    values = {
        "actor": actor, "episode": episode, "contact_date": timezone.localdate(), "minutes": 60,
        "modality": Modality.ON_SITE, "activity_type": ActivityType.TEACHER_MEETING, "language": english(),
    }
    values.update(overrides)
    return services.contact_log(**values)


def record_consent(actor, episode, **overrides):
    values = {
        "actor": actor, "episode": episode, "given_by_name": "Ana Pérez", "relationship": ConsentRelationship.PARENT,
        "given_on": timezone.localdate(), "scope": "Observation in class and talks with the teachers.",
    }
    values.update(overrides)
    return services.consent_record(**values)


def audited(action, obj, outcome=Outcome.ALLOWED):
    label = f"{obj._meta.app_label}.{obj._meta.model_name}"
    return AccessEvent.objects.filter(action=action, object_type=label, object_id=str(obj.pk), outcome=outcome)


# --- Opening ----------------------------------------------------------------------------------------


class TestEpisodeOpen:
    def test_coordinator_of_the_region_opens_an_episode(self, episodes, django_capture_on_commit_callbacks):
        # given the coordinator of region A and the world's consultant
        coordinator = episodes.person("regional_coordinator")
        # when they open a classroom episode at program A
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            episode = services.episode_open(
                actor=coordinator, consultant=episodes.consultant, program=episodes.world.program_a,
                episode_type=EpisodeType.CLASSROOM,
            )
        # then it starts at intake, in the program's network, with an "opened" event and an audit entry,
        # and the assignment email waits for the commit
        assert episode.phase == Phase.INTAKE
        assert episode.network_id == episodes.world.network.pk
        assert list(episode.events.values_list("kind", flat=True)) == [EventKind.OPENED]
        assert audited(Action.CREATE, episode).exists()
        assert len(callbacks) == 1

    def test_admin_opens_anywhere_in_the_network(self, episodes):
        # given the network administrator and the consultant of region B
        admin = episodes.person("network_admin")
        # when they open an episode at program B
        episode = services.episode_open(
            actor=admin, consultant=episodes.other_consultant, program=episodes.world.program_b,
            episode_type=EpisodeType.PROGRAMMATIC,
        )
        # then it exists
        assert Episode.objects.filter(pk=episode.pk).exists()

    @pytest.mark.parametrize("role", ["consultant", "supervisor", "program_staff", "evaluator"])
    def test_other_roles_cannot_open(self, episodes, role):
        # given someone who does not manage episodes
        before = Episode.objects.count()
        # when they try to open one, then they are refused and nothing is left behind
        with pytest.raises(PermissionDenied):
            services.episode_open(
                actor=episodes.person(role), consultant=episodes.consultant, program=episodes.world.program_a,
                episode_type=EpisodeType.CLASSROOM,
            )
        assert Episode.objects.count() == before

    def test_coordinator_of_another_region_cannot_open(self, episodes, coordinator_b):
        # given the coordinator of region B, when they open an episode at program A (region A)
        with pytest.raises(PermissionDenied):
            services.episode_open(
                actor=coordinator_b, consultant=episodes.consultant, program=episodes.world.program_a,
                episode_type=EpisodeType.CLASSROOM,
            )
        # then no episode and no event was kept
        assert not EpisodeEvent.objects.filter(kind=EventKind.OPENED).exists()

    def test_child_code_is_needed_for_child_work_and_refused_otherwise(self, episodes):
        coordinator = episodes.person("regional_coordinator")
        common = {"actor": coordinator, "consultant": episodes.consultant, "program": episodes.world.program_a}
        # when a child-focused episode has no code, then it is refused
        with pytest.raises(ValidationError):
            services.episode_open(episode_type=EpisodeType.CHILD_FAMILY, **common)
        # when a classroom episode names a child, then it is refused too
        with pytest.raises(ValidationError):
            services.episode_open(episode_type=EpisodeType.CLASSROOM, child_code="C-1", **common)
        # and a child-focused one with a code opens
        episode = services.episode_open(episode_type=EpisodeType.CHILD_FAMILY, child_code=" C-77 ", **common)
        assert episode.child_code == "C-77"

    def test_classroom_and_consultant_must_belong(self, episodes):
        coordinator = episodes.person("regional_coordinator")
        # given a classroom of program B
        foreign_classroom = ClassroomFactory(program=episodes.world.program_b)
        # then it cannot be the classroom of an episode at program A
        with pytest.raises(ValidationError):
            services.episode_open(
                actor=coordinator, consultant=episodes.consultant, program=episodes.world.program_a,
                episode_type=EpisodeType.CLASSROOM, classroom=foreign_classroom,
            )
        # and an inactive consultant cannot be assigned
        episodes.consultant.is_active = False
        episodes.consultant.save()
        with pytest.raises(ValidationError):
            services.episode_open(
                actor=coordinator, consultant=episodes.consultant, program=episodes.world.program_a,
                episode_type=EpisodeType.CLASSROOM,
            )


# --- Consent and the consent rule --------------------------------------------------------------------


class TestConsent:
    def test_consultant_records_consent_with_a_signed_form(self, episodes):
        # given the consultant's child-specific episode and a scanned PDF named after the child
        upload = SimpleUploadedFile("Maria Lopez consent.pdf", PDF, content_type="application/pdf")
        # when they record consent with it
        consent = record_consent(episodes.person("consultant"), episodes.child_episode, form=upload,
                                 expires_on=timezone.localdate() + dt.timedelta(days=365))
        # then the form is stored under a random name in MEDIA_ROOT/consent, its type read from the content
        assert consent.form.name.endswith(".pdf")
        assert "Maria" not in consent.form.name
        assert consent.form.storage.location.endswith("/consent")
        assert consent.form_content_type == "application/pdf"
        assert consent.form_original_name == "Maria Lopez consent.pdf"
        assert consent.is_valid
        assert audited(Action.CREATE, consent).exists()
        assert episodes.child_episode.events.filter(kind=EventKind.CONSENT).exists()

    def test_a_form_that_is_not_a_pdf_or_image_is_refused(self, episodes):
        # given an HTML file pretending to be a PDF
        upload = SimpleUploadedFile("form.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf")
        # when it is uploaded, then it is refused and no consent is recorded
        with pytest.raises(ValidationError):
            record_consent(episodes.person("consultant"), episodes.child_episode, form=upload)
        assert not Consent.objects.exists()

    def test_consent_form_has_no_public_url(self, episodes):
        # given a consent with a form
        consent = record_consent(episodes.person("consultant"), episodes.child_episode,
                                 form=SimpleUploadedFile("f.pdf", PDF))
        # then asking for its URL fails instead of producing a link
        with pytest.raises(ValueError):
            _ = consent.form.url

    @pytest.mark.parametrize("role", ["program_staff", "supervisor", "evaluator"])
    def test_people_who_do_not_work_the_episode_cannot_record_consent(self, episodes, role):
        with pytest.raises(PermissionDenied):
            record_consent(episodes.person(role), episodes.child_episode)
        assert AccessEvent.objects.filter(outcome=Outcome.DENIED, object_id=str(episodes.child_episode.pk)).exists()

    def test_another_consultant_cannot_record_consent(self, episodes):
        with pytest.raises(PermissionDenied):
            record_consent(episodes.other_consultant.user, episodes.child_episode)

    def test_consent_dated_in_the_future_or_expiring_before_it_starts_is_refused(self, episodes):
        consultant = episodes.person("consultant")
        with pytest.raises(ValidationError):
            record_consent(consultant, episodes.child_episode, given_on=timezone.localdate() + dt.timedelta(days=1))
        with pytest.raises(ValidationError):
            record_consent(consultant, episodes.child_episode,
                           expires_on=timezone.localdate() - dt.timedelta(days=1))

    def test_revoking_consent(self, episodes):
        # given valid consent
        consultant = episodes.person("consultant")
        consent = record_consent(consultant, episodes.child_episode)
        # when it is revoked
        services.consent_revoke(actor=consultant, consent=consent, reason="The family withdrew it by phone.")
        consent.refresh_from_db()
        # then it no longer counts, and a second revocation is refused
        assert not consent.is_valid
        assert consent.revoked_by == consultant
        assert not services.consent_cleared(episodes.child_episode)
        with pytest.raises(ValidationError):
            services.consent_revoke(actor=consultant, consent=consent, reason="again")


class TestConsentRule:
    def advance(self, episodes, to_phase):
        episode = Episode.objects.get(pk=episodes.child_episode.pk)
        return services.episode_advance(actor=episodes.person("consultant"), episode=episode,
                                        expected_version=episode.version, to_phase=to_phase)

    def test_child_work_cannot_go_past_consent_without_it(self, episodes):
        # given a child-specific episode moved to CONSENT
        self.advance(episodes, Phase.CONSENT)
        # when the consultant tries to move on without consent, then it is refused
        with pytest.raises(ValidationError):
            self.advance(episodes, Phase.AGREEMENT)
        assert Episode.objects.get(pk=episodes.child_episode.pk).phase == Phase.CONSENT

    def test_with_valid_consent_it_moves_on(self, episodes):
        # given consent on file
        record_consent(episodes.person("consultant"), episodes.child_episode)
        # when the consultant moves past consent, then it works
        assert self.advance(episodes, Phase.AGREEMENT).phase == Phase.AGREEMENT

    def test_expired_consent_does_not_count(self, episodes):
        # given consent that expired yesterday
        ConsentFactory(episode=episodes.child_episode, given_on=timezone.localdate() - dt.timedelta(days=400),
                       expires_on=timezone.localdate() - dt.timedelta(days=1))
        # then the episode cannot skip past consent
        with pytest.raises(ValidationError):
            self.advance(episodes, Phase.OBSERVATION)

    def test_the_child_cannot_be_observed_before_consent(self, episodes):
        # given no consent, when the consultant logs a classroom observation, then it is refused
        with pytest.raises(ValidationError):
            log(episodes.person("consultant"), episodes.child_episode, activity_type=ActivityType.OBSERVATION)
        # but the intake conversation with the teacher can be logged
        assert log(episodes.person("consultant"), episodes.child_episode).minutes_in_classroom == 0

    def test_supervisor_exception_lets_the_work_proceed_and_is_audited(self, episodes):
        # given the supervisor of the episode's consultant
        supervisor = episodes.person("supervisor")
        # when they record an exception
        exception = services.consent_exception_record(
            actor=supervisor, episode=episodes.child_episode,
            reason="Child at imminent risk of expulsion; the parent is travelling and agreed by phone.",
        )
        # then it is on file with their name, audited, on the timeline, and the episode may move on
        assert exception.supervisor == supervisor
        assert audited(Action.CREATE, exception).filter(user_id=supervisor.pk).exists()
        assert episodes.child_episode.events.filter(kind=EventKind.CONSENT_EXCEPTION, actor=supervisor).exists()
        assert self.advance(episodes, Phase.OBSERVATION).phase == Phase.OBSERVATION

    @pytest.mark.parametrize("role", ["consultant", "regional_coordinator", "network_admin", "program_staff"])
    def test_only_a_supervisor_records_an_exception(self, episodes, role):
        # when anyone else tries, then they are refused and the refusal is audited
        with pytest.raises(PermissionDenied):
            services.consent_exception_record(actor=episodes.person(role), episode=episodes.child_episode,
                                              reason="We cannot wait for the form to come back.")
        assert not ConsentException.objects.exists()
        assert AccessEvent.objects.filter(outcome=Outcome.DENIED, object_id=str(episodes.child_episode.pk)).exists()

    def test_a_supervisor_of_other_consultants_cannot_grant_one(self, episodes):
        # given an episode of a consultant the world's supervisor does not supervise
        outside = EpisodeFactory(program=episodes.world.program_b, consultant=episodes.other_consultant, child=True)
        # then the supervisor is refused
        with pytest.raises(PermissionDenied):
            services.consent_exception_record(actor=episodes.person("supervisor"), episode=outside,
                                              reason="We cannot wait for the form to come back.")

    def test_an_exception_needs_a_reason_and_a_child(self, episodes):
        supervisor = episodes.person("supervisor")
        with pytest.raises(ValidationError):
            services.consent_exception_record(actor=supervisor, episode=episodes.child_episode, reason="urgent")
        with pytest.raises(ValidationError):
            services.consent_exception_record(actor=supervisor, episode=episodes.classroom_episode,
                                              reason="This is not child-specific work at all.")


# --- Phases --------------------------------------------------------------------------------------------


class TestPhases:
    def test_classroom_work_skips_consent_and_moves_forward_one_phase_at_a_time(self, episodes):
        # given a classroom episode at intake
        episode = episodes.classroom_episode
        consultant = episodes.person("consultant")
        # when it is advanced twice without naming a phase
        episode = services.episode_advance(actor=consultant, episode=episode, expected_version=episode.version)
        episode = services.episode_advance(actor=consultant, episode=episode, expected_version=episode.version)
        # then it went intake → agreement → observation, each move on the timeline
        assert episode.phase == Phase.OBSERVATION
        moves = [(e.data["previous"], e.data["phase"]) for e in episode.events.filter(kind=EventKind.PHASE)]
        assert moves == [(Phase.INTAKE, Phase.AGREEMENT), (Phase.AGREEMENT, Phase.OBSERVATION)]

    def test_phases_never_move_back_nor_into_closure(self, episodes):
        consultant = episodes.person("consultant")
        episode = services.episode_advance(actor=consultant, episode=episodes.classroom_episode,
                                           expected_version=1, to_phase=Phase.ACTION_PLAN)
        with pytest.raises(ValidationError):
            services.episode_advance(actor=consultant, episode=episode, expected_version=episode.version,
                                     to_phase=Phase.OBSERVATION)
        with pytest.raises(ValidationError):
            services.episode_advance(actor=consultant, episode=episode, expected_version=episode.version,
                                     to_phase=Phase.CLOSED)

    def test_a_stale_move_is_refused(self, episodes):
        # given two people who loaded the episode at version 1
        consultant = episodes.person("consultant")
        services.episode_advance(actor=consultant, episode=episodes.classroom_episode, expected_version=1)
        # when the second one moves it too, then the stale move is refused
        with pytest.raises(StaleEditError):
            services.episode_advance(actor=consultant, episode=episodes.classroom_episode, expected_version=1)
        assert Episode.objects.get(pk=episodes.classroom_episode.pk).phase == Phase.AGREEMENT

    def test_coordinator_may_correct_but_program_staff_may_not(self, episodes, coordinator_b):
        episode = episodes.classroom_episode
        # a coordinator of the region holds "episode.manage"
        services.episode_advance(actor=episodes.person("regional_coordinator"), episode=episode, expected_version=1)
        # program staff and a coordinator of another region do not
        for outsider in (episodes.person("program_staff"), coordinator_b):
            with pytest.raises(PermissionDenied):
                services.episode_advance(actor=outsider, episode=episode, expected_version=2)


# --- Agreement, contacts, plan, referrals ---------------------------------------------------------------


class TestWork:
    def test_agreement_recorded_then_revised(self, episodes):
        consultant = episodes.person("consultant")
        agreement = services.agreement_record(
            actor=consultant, episode=episodes.classroom_episode, scope="Transitions in the toddler room",
            expected_duration_weeks=12, schedule="Tuesdays 9-10:30", agreed_on=timezone.localdate(),
        )
        # when revised with the version that was read, then it changes; with a stale one it is refused
        services.agreement_record(actor=consultant, episode=episodes.classroom_episode, scope="Transitions",
                                  expected_duration_weeks=14, schedule="Tuesdays", agreed_on=timezone.localdate(),
                                  expected_version=agreement.version)
        with pytest.raises(StaleEditError):
            services.agreement_record(actor=consultant, episode=episodes.classroom_episode, scope="x",
                                      expected_duration_weeks=10, schedule="y", agreed_on=timezone.localdate(),
                                      expected_version=agreement.version)
        agreement.refresh_from_db()
        assert agreement.expected_duration_weeks == 14

    def test_contact_keeps_classroom_time_apart_and_notes_encrypted(self, episodes):
        # given the consultant's classroom episode
        consultant = episodes.person("consultant")
        # when they log an observation and a teacher meeting, and one visit that mixed both
        observation = log(consultant, episodes.classroom_episode, activity_type=ActivityType.OBSERVATION,
                          minutes=90, notes="Circle time: three children left the rug.")
        meeting = log(consultant, episodes.classroom_episode, minutes=45)
        mixed = log(consultant, episodes.classroom_episode, minutes=120, minutes_in_classroom=70,
                    participants=["teacher", "director"], topics=["routines_transitions"])
        # then classroom and meeting minutes are apart
        assert (observation.minutes_in_classroom, observation.minutes_meeting) == (90, 0)
        assert (meeting.minutes_in_classroom, meeting.minutes_meeting) == (0, 45)
        assert (mixed.minutes_in_classroom, mixed.minutes_meeting) == (70, 50)
        # and the note is not stored as plain text
        with connection.cursor() as cursor:
            cursor.execute("SELECT notes FROM consultations_contact WHERE id = %s", [observation.pk.hex])
            raw = cursor.fetchone()
        if raw is None:  # PostgreSQL stores UUIDs natively
            with connection.cursor() as cursor:
                cursor.execute("SELECT notes FROM consultations_contact WHERE id = %s", [observation.pk])
                raw = cursor.fetchone()
        assert "Circle time" not in raw[0]
        assert Contact.objects.get(pk=observation.pk).notes == "Circle time: three children left the rug."
        # and the timeline says what happened without the note
        event = episodes.classroom_episode.events.filter(kind=EventKind.CONTACT).first()
        assert "Circle" not in str(event.data)

    @pytest.mark.parametrize("overrides", [
        {"contact_date": timezone.localdate() + dt.timedelta(days=1)},
        {"contact_date": timezone.localdate() - dt.timedelta(days=30)},  # before the episode opened
        {"minutes": 0},
        {"minutes": 30, "minutes_in_classroom": 45},
        {"participants": ["the child's name"]},
        {"topics": ["unknown"]},
        {"modality": "carrier pigeon"},
    ])
    def test_contact_input_is_checked(self, episodes, overrides):
        with pytest.raises(ValidationError):
            log(episodes.person("consultant"), episodes.classroom_episode, **overrides)
        assert not Contact.objects.exists()

    @pytest.mark.parametrize("role", ["program_staff", "supervisor", "evaluator"])
    def test_contacts_are_logged_by_the_consultant_only(self, episodes, role):
        with pytest.raises(PermissionDenied):
            log(episodes.person(role), episodes.classroom_episode)

    def test_another_consultant_cannot_log_on_my_episode(self, episodes):
        with pytest.raises(PermissionDenied):
            log(episodes.other_consultant.user, episodes.classroom_episode)

    def test_goals_added_rated_and_signed_off(self, episodes):
        consultant = episodes.person("consultant")
        # given a goal for the child in a child-specific episode
        goal = services.goal_add(actor=consultant, episode=episodes.child_episode,
                                 description="Joins circle time for 10 minutes", for_child=True,
                                 target_date=timezone.localdate() + dt.timedelta(days=42))
        assert goal.needs_family_signoff
        # when the family signs off and the goal is rated "partially met"
        services.goal_family_signoff(actor=consultant, goal=goal, family_member_name="Ana Pérez",
                                     signed_on=timezone.localdate())
        services.goal_rate(actor=consultant, goal=goal, attainment=2, expected_version=goal.version)
        goal.refresh_from_db()
        # then both are recorded
        assert not goal.needs_family_signoff
        assert goal.attainment == 2
        # and a rating outside 1-3 is refused
        with pytest.raises(ValidationError):
            services.goal_rate(actor=consultant, goal=goal, attainment=4, expected_version=goal.version)

    def test_child_goals_belong_to_child_work(self, episodes):
        consultant = episodes.person("consultant")
        with pytest.raises(ValidationError):
            services.goal_add(actor=consultant, episode=episodes.classroom_episode, description="x", for_child=True)
        classroom_goal = GoalFactory(plan__episode=episodes.classroom_episode)
        with pytest.raises(ValidationError):
            services.goal_family_signoff(actor=consultant, goal=classroom_goal, family_member_name="A",
                                         signed_on=timezone.localdate())

    def test_referrals_are_added_and_followed(self, episodes):
        consultant = episodes.person("consultant")
        referral = services.referral_add(actor=consultant, episode=episodes.child_episode,
                                         service_type=ServiceType.EARLY_INTERVENTION, status=ReferralStatus.MADE)
        services.referral_update(actor=consultant, referral=referral, status=ReferralStatus.ACCEPTED,
                                 outcome="Evaluation booked", expected_version=referral.version)
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.ACCEPTED
        updated = episodes.child_episode.events.get(kind=EventKind.REFERRAL_UPDATED)
        assert updated.data["previous"] == ReferralStatus.MADE
        # an "other" service must be named
        with pytest.raises(ValidationError):
            services.referral_add(actor=consultant, episode=episodes.child_episode, service_type=ServiceType.OTHER)


# --- Closure and follow-up -----------------------------------------------------------------------------


class TestClosure:
    def test_closing_schedules_the_follow_up_a_month_later(self, episodes):
        # given an episode in implementation
        consultant = episodes.person("consultant")
        episode = episodes.classroom_episode
        # when it closes successfully
        closure = services.episode_close(actor=consultant, episode=episode, reason=ClosureReason.GOALS_MET,
                                         closed_successfully=True, maintained_in_setting=None, expected_version=1)
        episode.refresh_from_db()
        # then it is closed, a follow-up is due in 30 days, and both are on the timeline
        assert episode.phase == Phase.CLOSED and episode.closed_at is not None
        assert closure.closed_successfully
        assert episode.followup.due_on == timezone.localdate() + dt.timedelta(days=30)
        closed_event = episode.events.get(kind=EventKind.CLOSED)
        assert closed_event.data["followup_due"] == episode.followup.due_on.isoformat()
        assert audited(Action.CREATE, closure).exists()

    def test_a_closed_episode_takes_no_more_work_and_closes_once(self, episodes):
        consultant = episodes.person("consultant")
        services.episode_close(actor=consultant, episode=episodes.classroom_episode, reason=ClosureReason.OTHER,
                               closed_successfully=False, maintained_in_setting=None, expected_version=1)
        with pytest.raises(ValidationError):
            log(consultant, episodes.classroom_episode)
        with pytest.raises(ValidationError):
            services.episode_close(actor=consultant, episode=episodes.classroom_episode, reason=ClosureReason.OTHER,
                                   closed_successfully=False, maintained_in_setting=None, expected_version=2)
        assert Closure.objects.count() == 1

    def test_child_work_says_whether_the_child_stayed(self, episodes):
        with pytest.raises(ValidationError):
            services.episode_close(actor=episodes.person("consultant"), episode=episodes.child_episode,
                                   reason=ClosureReason.GOALS_MET, closed_successfully=True,
                                   maintained_in_setting=None, expected_version=1)

    def test_follow_up_recorded_once(self, episodes):
        # given a closed child-specific episode
        consultant = episodes.person("consultant")
        services.episode_close(actor=consultant, episode=episodes.child_episode, reason=ClosureReason.GOALS_MET,
                               closed_successfully=True, maintained_in_setting=True, expected_version=1)
        followup = FollowUp.objects.get(episode=episodes.child_episode)
        # when the follow-up is recorded
        services.followup_record(actor=consultant, followup=followup, gains_maintained=True,
                                 maintained_in_setting=True, notes="Still enrolled, teacher confident.")
        episode = Episode.objects.get(pk=episodes.child_episode.pk)
        followup.refresh_from_db()
        # then the episode is followed up, and a second record is refused
        assert episode.phase == Phase.FOLLOWED_UP
        assert followup.completed_by == consultant and followup.notes == "Still enrolled, teacher confident."
        with pytest.raises(ValidationError):
            services.followup_record(actor=consultant, followup=followup, gains_maintained=False,
                                     maintained_in_setting=False)

    def test_program_staff_cannot_close(self, episodes):
        with pytest.raises(PermissionDenied):
            services.episode_close(actor=episodes.person("program_staff"), episode=episodes.classroom_episode,
                                   reason=ClosureReason.GOALS_MET, closed_successfully=True,
                                   maintained_in_setting=None, expected_version=1)


def test_the_first_contact_is_stamped_on_the_request_it_came_from(world):
    # given an episode opened from a request
    from abrazo.intake.tests.factories import RequestFactory

    request = RequestFactory(network=world.network, program=world.program_a, region=world.region_a)
    episode = services.episode_open(
        actor=world.people["regional_coordinator"], consultant=world.people["consultant"].consultant_profile,
        program=world.program_a, episode_type=EpisodeType.CLASSROOM, request=request,
    )
    assert request.first_contact_at is None
    # when the consultant logs a contact today
    services.contact_log(
        actor=world.people["consultant"], episode=episode, contact_date=timezone.localdate(), minutes=60,
        modality=Modality.ON_SITE, activity_type=ActivityType.TEACHER_MEETING, language=english(),
    )
    # then the request knows when it was first answered
    request.refresh_from_db()
    assert request.first_contact_at is not None
    assert request.first_contact_at >= request.submitted_at
    assert Contact.objects.filter(episode=episode).count() == 1
