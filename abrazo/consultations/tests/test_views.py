"""The episode screens over HTTP, for each role inside and outside its scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from abrazo.audit.models import AccessEvent, Outcome
from abrazo.consultations import services
from abrazo.consultations.models import Consent, Contact, Episode, FollowUp, Goal, Phase, Referral
from abrazo.consultations.tests.factories import (
    ConsentFactory,
    ContactFactory,
    EpisodeFactory,
    GoalFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a signed consent form\n%%EOF\n"
SECRET_NOTE = "Grandmother raising him since the eviction"


@pytest.fixture
def filled(episodes):
    """The child episode with consent (and its signed form), an agreement, a goal, a referral and a noted
    contact: everything the episode page can show."""
    consultant = episodes.person("consultant")
    episode = episodes.child_episode
    consent = services.consent_record(
        actor=consultant, episode=episode, given_by_name="Ana Pérez", relationship="parent",
        given_on=timezone.localdate(), scope="Observation and teacher meetings",
        form=SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
    )
    services.agreement_record(actor=consultant, episode=episode, scope="Calmer transitions for the child",
                              expected_duration_weeks=8, schedule="Mondays 10:00", agreed_on=timezone.localdate())
    services.goal_add(actor=consultant, episode=episode, description="Stays with the group at clean-up",
                      for_child=True)
    services.referral_add(actor=consultant, episode=episode, service_type="early_intervention")
    ContactFactory(episode=episode, notes=SECRET_NOTE)
    return {"episode": episode, "consent": consent}


def login(client, user):
    client.force_login(user)
    return client


class TestEpisodePage:
    def test_program_staff_see_status_agreement_and_plan_but_never_notes(self, client, episodes, filled):
        # given the director of the episode's program
        login(client, episodes.person("program_staff"))
        # when they open the episode
        response = client.get(filled["episode"].get_absolute_url())
        # then they see the phase, the agreement and the goals
        body = response.content.decode()
        assert response.status_code == 200
        assert "Calmer transitions for the child" in body
        assert "Stays with the group at clean-up" in body
        # and never the notes, the contacts, the consent or its form
        assert SECRET_NOTE not in body
        assert "Ana Pérez" not in body
        assert reverse("consultations:consent-form", args=[filled["consent"].pk]) not in body
        assert "Early intervention" not in body
        assert "Contact logged" not in body

    @pytest.mark.parametrize("role", ["consultant", "supervisor"])
    def test_consultant_and_supervisor_see_the_notes(self, client, episodes, filled, role):
        login(client, episodes.person(role))
        body = client.get(filled["episode"].get_absolute_url()).content.decode()
        assert SECRET_NOTE in body
        assert reverse("consultations:consent-form", args=[filled["consent"].pk]) in body

    def test_coordinator_sees_the_contacts_but_not_the_notes(self, client, episodes, filled):
        login(client, episodes.person("regional_coordinator"))
        body = client.get(filled["episode"].get_absolute_url()).content.decode()
        assert "Meeting with teacher(s)" in body
        assert SECRET_NOTE not in body
        assert reverse("consultations:consent-form", args=[filled["consent"].pk]) not in body

    def test_outsiders_get_404_and_the_refusal_is_audited(self, client, episodes, coordinator_b):
        for outsider in (coordinator_b, episodes.other_consultant.user, episodes.person("evaluator")):
            login(client, outsider)
            assert client.get(episodes.child_episode.get_absolute_url()).status_code == 404
        assert AccessEvent.objects.filter(outcome=Outcome.DENIED).count() == 3

    def test_the_page_costs_a_bounded_number_of_queries(self, client, episodes, filled,
                                                        django_assert_max_num_queries):
        # given many contacts on the episode
        for _ in range(10):
            ContactFactory(episode=filled["episode"])
        login(client, episodes.person("consultant"))
        client.get(filled["episode"].get_absolute_url())
        # then the page does not issue a query per contact or event
        with django_assert_max_num_queries(30):
            assert client.get(filled["episode"].get_absolute_url()).status_code == 200

    def test_the_timeline_shows_what_happened(self, client, episodes, filled):
        login(client, episodes.person("consultant"))
        body = client.get(filled["episode"].get_absolute_url()).content.decode()
        for line in ("Consent recorded", "Agreement recorded", "Goal added", "Referral added"):
            assert line in body


class TestConsentForm:
    def url(self, consent):
        return reverse("consultations:consent-form", args=[consent.pk])

    @pytest.mark.parametrize("role", ["consultant", "supervisor"])
    def test_served_to_the_consultant_and_supervisor_and_audited(self, client, episodes, filled, role):
        # when an authorised person downloads the signed form
        login(client, episodes.person(role))
        response = client.get(self.url(filled["consent"]))
        # then they get the file as an attachment that no cache keeps, and the download is in the ledger
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        assert AccessEvent.objects.filter(action="export", object_id=str(filled["consent"].pk),
                                          user_id=episodes.person(role).pk).exists()

    @pytest.mark.parametrize("role", ["program_staff", "regional_coordinator", "network_admin", "evaluator"])
    def test_nobody_else_gets_it(self, client, episodes, filled, role):
        login(client, episodes.person(role))
        assert client.get(self.url(filled["consent"])).status_code == 404

    def test_another_consultant_gets_404_and_is_audited(self, client, episodes, filled):
        login(client, episodes.other_consultant.user)
        assert client.get(self.url(filled["consent"])).status_code == 404
        assert AccessEvent.objects.filter(outcome=Outcome.DENIED, object_id=str(filled["consent"].pk)).exists()

    def test_a_consent_without_a_form_has_nothing_to_download(self, client, episodes):
        consent = ConsentFactory(episode=episodes.child_episode)
        login(client, episodes.person("consultant"))
        assert client.get(self.url(consent)).status_code == 404

    def test_the_file_is_not_reachable_under_any_media_or_static_url(self, client, episodes, filled, settings):
        # given the stored name of the form
        name = filled["consent"].form.name
        login(client, episodes.person("consultant"))
        # then no URL pattern serves media, and the usual guesses answer 404
        assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
        for guess in (f"/media/consent/{name}", f"/media/{name}", f"/static/consent/{name}", f"/consent/{name}"):
            with pytest.raises(Resolver404):
                resolve(guess)
            assert client.get(guess).status_code == 404


class TestWorkForms:
    def test_quick_contact_form_has_sensible_defaults(self, client, episodes):
        login(client, episodes.person("consultant"))
        response = client.get(reverse("consultations:contact-new", args=[episodes.classroom_episode.pk]))
        form = response.context["form"]
        assert form["contact_date"].value() == timezone.localdate()
        assert form["minutes"].value() == 60
        assert form["modality"].value() == "on_site"
        assert form["activity_type"].value() == "observation"  # a classroom episode
        assert form["language"].value() == "en"  # the episode's language
        assert b'name="viewport"' in response.content

    def test_logging_a_contact_with_the_defaults(self, client, episodes):
        # given the consultant on their phone, submitting the short form as it comes
        login(client, episodes.person("consultant"))
        url = reverse("consultations:contact-new", args=[episodes.classroom_episode.pk])
        response = client.post(url, {"contact_date": timezone.localdate().isoformat(), "minutes": "60",
                                     "modality": "on_site", "activity_type": "observation", "language": "en"})
        # then the contact is logged, counted as classroom time, and they are back on the episode
        assert response.status_code == 302
        contact = Contact.objects.get(episode=episodes.classroom_episode)
        assert (contact.minutes, contact.minutes_in_classroom) == (60, 60)

    def test_a_refused_contact_keeps_the_input(self, client, episodes):
        login(client, episodes.person("consultant"))
        url = reverse("consultations:contact-new", args=[episodes.child_episode.pk])
        response = client.post(url, {"contact_date": timezone.localdate().isoformat(), "minutes": "45",
                                     "modality": "video", "activity_type": "observation", "language": "en",
                                     "notes": "draft"})
        assert response.status_code == 200
        assert "consent" in response.content.decode()
        assert response.context["form"]["notes"].value() == "draft"
        assert not Contact.objects.exists()

    def test_program_staff_cannot_open_the_contact_form(self, client, episodes):
        login(client, episodes.person("program_staff"))
        assert client.get(reverse("consultations:contact-new", args=[episodes.classroom_episode.pk])).status_code == 404

    def test_recording_consent_with_an_upload(self, client, episodes):
        login(client, episodes.person("consultant"))
        url = reverse("consultations:consent-new", args=[episodes.child_episode.pk])
        response = client.post(url, {
            "given_by_name": "Luis Ortega", "relationship": "guardian", "given_on": timezone.localdate().isoformat(),
            "scope": "Observation", "form": SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32),
        })
        assert response.status_code == 302
        consent = Consent.objects.get(episode=episodes.child_episode)
        assert consent.form.name.endswith(".png") and consent.form_content_type == "image/png"

    def test_supervisor_records_an_exception_through_the_page(self, client, episodes):
        login(client, episodes.person("supervisor"))
        url = reverse("consultations:consent-exception", args=[episodes.child_episode.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, {"reason": "Imminent expulsion; parent agreed by phone, form to follow."})
        assert response.status_code == 302
        assert episodes.child_episode.consent_exceptions.count() == 1

    def test_the_whole_episode_through_the_pages(self, client, episodes):
        # given the consultant's classroom episode
        login(client, episodes.person("consultant"))
        episode = episodes.classroom_episode
        # when they record the agreement, move on, add and rate a goal, add and update a referral, close it
        # and record the follow-up
        today = timezone.localdate().isoformat()
        steps = [
            ("consultations:agreement", episode.pk, {"scope": "Transitions", "expected_duration_weeks": "12",
                                                     "schedule": "Tuesdays", "agreed_on": today}),
            ("consultations:episode-advance", episode.pk, {"version": "1", "to_phase": ""}),
            ("consultations:goal-new", episode.pk, {"description": "Visual schedule used daily"}),
            ("consultations:referral-new", episode.pk, {"service_type": "family_support", "status": "made"}),
        ]
        for name, pk, data in steps:
            response = client.post(reverse(name, args=[pk]), data)
            assert response.status_code == 302, (name, response.context and response.context["form"].errors)
        goal = Goal.objects.get(plan__episode=episode)
        assert client.post(reverse("consultations:goal-rate", args=[goal.pk]),
                           {"attainment": "3", "version": str(goal.version)}).status_code == 302
        referral = Referral.objects.get(episode=episode)
        assert client.post(reverse("consultations:referral-edit", args=[referral.pk]),
                           {"status": "completed", "outcome": "Family joined a parenting group",
                            "version": str(referral.version)}).status_code == 302
        version = Episode.objects.get(pk=episode.pk).version
        assert client.post(reverse("consultations:episode-close", args=[episode.pk]),
                           {"reason": "goals_met", "closed_successfully": "yes", "maintained_in_setting": "",
                            "version": str(version)}).status_code == 302
        assert client.post(reverse("consultations:followup", args=[episode.pk]),
                           {"gains_maintained": "yes", "maintained_in_setting": ""}).status_code == 302
        # then the episode went all the way, and the page shows it
        episode.refresh_from_db()
        assert episode.phase == Phase.FOLLOWED_UP
        assert FollowUp.objects.get(episode=episode).gains_maintained is True
        body = client.get(episode.get_absolute_url()).content.decode()
        assert "Follow-up recorded" in body and "Episode closed" in body

    def test_a_stale_phase_move_is_explained(self, client, episodes):
        login(client, episodes.person("consultant"))
        url = reverse("consultations:episode-advance", args=[episodes.classroom_episode.pk])
        client.post(url, {"version": "1"})
        response = client.post(url, {"version": "1"})
        assert response.status_code == 200
        assert "Someone else changed this record" in response.content.decode()

    def test_goal_and_referral_pages_404_outside_scope(self, client, episodes):
        goal = GoalFactory(plan__episode=episodes.outside_episode)
        referral = ReferralFactory(episode=episodes.outside_episode)
        login(client, episodes.person("consultant"))
        assert client.get(reverse("consultations:goal-rate", args=[goal.pk])).status_code == 404
        assert client.get(reverse("consultations:referral-edit", args=[referral.pk])).status_code == 404


class TestLists:
    def test_caseload_page_queries_do_not_grow_with_the_caseload(self, client, episodes, django_assert_max_num_queries):
        # given a consultant's caseload, measured small and then five times larger
        login(client, episodes.person("consultant"))
        url = reverse("consultations:caseload")

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            return len(captured)

        queries()  # the first request of a session does some one-off work
        small = queries()
        for _ in range(8):
            episode = EpisodeFactory(program=episodes.world.program_a, consultant=episodes.consultant)
            ContactFactory(episode=episode, contact_date=timezone.localdate() - dt.timedelta(days=20))
            GoalFactory(plan__episode=episode, target_date=timezone.localdate() - dt.timedelta(days=2))
        # then the page costs the same number of queries, and few
        assert queries() == small
        with django_assert_max_num_queries(20):
            body = client.get(url).content.decode()
        assert body.count("No contact in 14 days") >= 8

    def test_team_page_for_the_supervisor(self, client, episodes, django_assert_max_num_queries):
        login(client, episodes.person("supervisor"))
        with django_assert_max_num_queries(20):
            response = client.get(reverse("consultations:team"))
        assert response.status_code == 200
        assert episodes.consultant.user.full_name in response.content.decode()
        assert episodes.other_consultant.user.full_name not in response.content.decode()

    def test_program_staff_list_their_programs_episodes(self, client, episodes, django_assert_max_num_queries):
        login(client, episodes.person("program_staff"))
        with django_assert_max_num_queries(20):
            response = client.get(reverse("consultations:episode-list"))
        shown = {episode.pk for episode in response.context["page"].items}
        assert shown == {episodes.child_episode.pk, episodes.classroom_episode.pk}
