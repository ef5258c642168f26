"""Resources in an episode's work over HTTP: who reaches the attach, remove and send pages (the episode's
consultant only; everyone else 404), searching and attaching, forms that keep what was typed, double submits, and
what the episode page shows each reader (emails only to those who work the episode or see its contacts)."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from abrazo.audit.models import AccessEvent, Action
from abrazo.directory.models import Language
from abrazo.library.models import Audience, PlanResource, ResourceShare
from abrazo.library.tests.factories_plan import PlanResourceFactory, ResourceShareFactory, plan_world
from abrazo.library.tests.factories_resource import ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(world):
    return plan_world(world)


@pytest.fixture
def link(plans):
    return PlanResourceFactory(plan=plans.episode.action_plan, resource=plans.english, note="For the goodbyes.")


def signed_in(client, user):
    client.force_login(user)
    return client


def attach_url(episode):
    return reverse("library:plan-resources", args=[episode.pk])


def remove_url(link):
    return reverse("library:plan-resource-remove", args=[link.pk])


def send_url(link):
    return reverse("library:plan-resource-send", args=[link.pk])


def section_url(episode):
    return reverse("library:plan-episode-section", args=[episode.pk])


def section(client, episode):
    """The episode page's resources section, as the page fetches it (HTMX)."""
    return client.get(section_url(episode), headers={"HX-Request": "true"})


def share_data(**overrides):
    data = {"recipient_name": "Rosa Martínez", "recipient_email": "rosa@example.org", "language": "es",
            "message": "Lo que hablamos.", "submission_key": str(uuid.uuid4())}
    data.update(overrides)
    return data


class TestWhoReachesThePages:
    def test_the_episodes_consultant_opens_all_three(self, client, plans, link):
        signed_in(client, plans.person("consultant"))
        for url in (attach_url(plans.episode), remove_url(link), send_url(link)):
            assert client.get(url).status_code == 200

    @pytest.mark.parametrize("role", ["program_staff", "evaluator", "supervisor", "regional_coordinator",
                                      "network_admin"])
    def test_every_other_role_gets_404_and_changes_nothing(self, client, plans, link, role):
        signed_in(client, plans.person(role))
        for url in (attach_url(plans.episode), remove_url(link), send_url(link)):
            assert client.get(url).status_code == 404
        assert client.post(attach_url(plans.episode), {"resource": plans.english_only.pk}).status_code == 404
        assert client.post(remove_url(link), {"submission_key": str(uuid.uuid4())}).status_code == 404
        assert client.post(send_url(link), share_data()).status_code == 404
        assert PlanResource.objects.count() == 1 and not ResourceShare.objects.exists()
        assert mail.outbox == []

    def test_a_consultant_of_another_episode_gets_404(self, client, plans, link):
        signed_in(client, plans.other_consultant.user)
        for url in (attach_url(plans.episode), remove_url(link), send_url(link)):
            assert client.get(url).status_code == 404
        assert client.post(send_url(link), share_data()).status_code == 404
        assert not ResourceShare.objects.exists()
        # while their own episode's page opens
        assert client.get(attach_url(plans.outside_episode)).status_code == 200

    def test_another_networks_episode_and_link_are_404(self, client, plans):
        elsewhere = PlanResourceFactory(plan=plans.other_network_episode.action_plan)
        signed_in(client, plans.person("consultant"))
        assert client.get(attach_url(plans.other_network_episode)).status_code == 404
        assert client.get(send_url(elsewhere)).status_code == 404
        assert client.get(remove_url(elsewhere)).status_code == 404


class TestAttachPage:
    def test_search_finds_published_resources_of_the_network_only(self, client, plans):
        signed_in(client, plans.person("consultant"))
        page = client.get(attach_url(plans.episode)).content.decode()
        assert "Saying goodbye at drop-off" in page and "Decir adiós en la entrada" in page
        assert "Calm-down corner" in page
        assert "A suggested video" not in page and "Another network&#x27;s tip sheet" not in page

    def test_words_language_and_audience_narrow_the_results(self, client, plans):
        ResourceFactory(network=plans.world.network, title="Goodbye songs for teachers",
                        audiences=[Audience.PROVIDERS])
        signed_in(client, plans.person("consultant"))
        page = client.get(attach_url(plans.episode), {"q": "goodbye"}).content.decode()
        assert "Saying goodbye at drop-off" in page and "Goodbye songs for teachers" in page
        assert "Calm-down corner" not in page
        page = client.get(attach_url(plans.episode), {"q": "goodbye", "audience": "providers"}).content.decode()
        assert "Goodbye songs for teachers" in page and "Saying goodbye at drop-off" not in page
        page = client.get(attach_url(plans.episode), {"language": "es"}).content.decode()
        assert "Decir adiós en la entrada" in page and "Calm-down corner" not in page

    def test_search_understands_each_resources_language(self, client, plans):
        # a singular Spanish word without its accent finds the Spanish version by its summary ("despedidas")
        signed_in(client, plans.person("consultant"))
        page = client.get(attach_url(plans.episode), {"q": "despedida"}).content.decode()
        assert "Decir adiós en la entrada" in page and "Calm-down corner" not in page

    def test_htmx_gets_only_the_results(self, client, plans):
        signed_in(client, plans.person("consultant"))
        response = client.get(attach_url(plans.episode), {"q": "calm"}, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="results">') and "Calm-down corner" in body
        assert "<html" not in body and response["Vary"] and "HX-Request" in response["Vary"]

    def test_attaching_puts_the_resource_on_the_plan_and_marks_it(self, client, plans):
        signed_in(client, plans.person("consultant"))
        url = attach_url(plans.episode) + "?q=calm"
        response = client.post(url, {"resource": plans.english_only.pk, "note": "Breathing ideas."})
        assert response.status_code == 302 and response["Location"] == url
        link = PlanResource.objects.get()
        assert (link.resource, link.note, link.added_by) == (plans.english_only, "Breathing ideas.",
                                                             plans.person("consultant"))
        page = client.get(url).content.decode()
        assert "In the plan" in page

    def test_an_unpublished_resource_is_refused_with_a_message(self, client, plans):
        signed_in(client, plans.person("consultant"))
        for resource in (plans.suggested, plans.elsewhere):
            response = client.post(attach_url(plans.episode), {"resource": resource.pk, "note": "x"})
            assert response.status_code == 200
            assert "Only published resources of the library can be added to the plan." in response.content.decode()
        assert not PlanResource.objects.exists()

    def test_a_too_long_note_comes_back_as_typed_beside_its_resource(self, client, plans):
        signed_in(client, plans.person("consultant"))
        note = "Why " * 130
        response = client.post(attach_url(plans.episode), {"resource": plans.english_only.pk, "note": note})
        page = response.content.decode()
        assert response.status_code == 200 and not PlanResource.objects.exists()
        assert f'id="note-{plans.english_only.pk}-errors"' in page
        assert note.strip() in page

    def test_an_episode_without_a_plan_asks_for_a_goal(self, client, plans):
        from abrazo.consultations.tests.factories import EpisodeFactory

        bare = EpisodeFactory(program=plans.world.program_a, consultant=plans.consultant)
        signed_in(client, plans.person("consultant"))
        page = client.get(attach_url(bare)).content.decode()
        assert "add a goal, then attach resources" in page
        assert reverse("consultations:goal-new", args=[bare.pk]) in page


    def test_a_closed_episodes_pages_say_so_and_offer_nothing(self, client, plans, link):
        from abrazo.consultations.models import Phase

        plans.episode.phase = Phase.CLOSED
        plans.episode.save(update_fields=["phase"])
        signed_in(client, plans.person("consultant"))
        for url in (attach_url(plans.episode), send_url(link), remove_url(link)):
            page = client.get(url).content.decode()
            assert "This episode is closed." in page and 'method="post"' not in page.split("</header>")[1]
        assert client.post(attach_url(plans.episode), {"resource": plans.english_only.pk}).status_code == 200
        assert PlanResource.objects.count() == 1
        section_page = section(client, plans.episode).content.decode()
        assert send_url(link) not in section_page and attach_url(plans.episode) not in section_page


class TestRemovePage:
    def test_the_consultant_removes_after_confirming(self, client, plans, link):
        signed_in(client, plans.person("consultant"))
        assert "Remove from the plan" in client.get(remove_url(link)).content.decode()
        response = client.post(remove_url(link), {"submission_key": str(uuid.uuid4())})
        assert response.status_code == 302
        assert response["Location"].startswith(plans.episode.get_absolute_url())
        assert not PlanResource.objects.exists()

    def test_a_second_click_goes_back_to_the_episode(self, client, plans, link):
        signed_in(client, plans.person("consultant"))
        data = {"submission_key": str(uuid.uuid4())}
        client.post(remove_url(link), data)
        again = client.post(remove_url(link), data)
        assert again.status_code == 302 and again["Location"].startswith(plans.episode.get_absolute_url())
        # and without the key of a finished removal, the link simply does not exist any more
        assert client.post(remove_url(link), {"submission_key": str(uuid.uuid4())}).status_code == 404


class TestSendPage:
    def test_the_language_defaults_to_the_episodes(self, client, plans, link):
        plans.episode.language = Language.objects.get(code="es")
        plans.episode.save(update_fields=["language"])
        signed_in(client, plans.person("consultant"))
        form = client.get(send_url(link)).context["form"]
        assert form.initial["language"] == "es"

    def test_else_the_language_of_the_page(self, client, plans, link):
        # given an episode held in Vietnamese (the library writes in English and Spanish only)
        plans.episode.language = Language.objects.get(code="vi")
        plans.episode.save(update_fields=["language"])
        consultant = plans.person("consultant")
        for page_language in ("es", "en"):
            # when the consultant, reading Abrazo in this language, opens the send page
            consultant.preferred_language = page_language
            consultant.save(update_fields=["preferred_language"])
            form = signed_in(client, consultant).get(send_url(link)).context["form"]
            # then the recipient's language starts as the page's
            assert form.initial["language"] == page_language

    def test_sending_mails_once_and_shows_on_the_episode(self, client, plans, link,
                                                         django_capture_on_commit_callbacks):
        signed_in(client, plans.person("consultant"))
        data = share_data()
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(send_url(link), data)
            again = client.post(send_url(link), data)
        assert first.status_code == 302 and again.status_code == 302
        assert ResourceShare.objects.count() == 1
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rosa@example.org"]
        page = section(client, plans.episode).content.decode()
        assert "Rosa Martínez" in page and "rosa@example.org" in page and "Decir adiós en la entrada" in page

    def test_bad_input_keeps_what_was_typed(self, client, plans, link):
        signed_in(client, plans.person("consultant"))
        response = client.post(send_url(link), share_data(recipient_email="rosa(at)example", message="Hasta pronto"))
        page = response.content.decode()
        assert response.status_code == 200 and not ResourceShare.objects.exists()
        assert "Rosa Martínez" in page and "Hasta pronto" in page and "rosa(at)example" in page
        assert 'aria-invalid="true"' in page


class TestEpisodePage:
    @pytest.fixture
    def shared(self, plans, link):
        return ResourceShareFactory(episode=plans.episode, resource=plans.spanish, recipient_name="Rosa Martínez",
                                    recipient_email="rosa@example.org", language="es", message="Nota privada",
                                    sent_by=plans.person("consultant"))

    def test_the_episode_page_fetches_the_section_and_links_to_it_without_javascript(self, client, plans):
        page = signed_in(client, plans.person("program_staff")).get(plans.episode.get_absolute_url())
        body = page.content.decode()
        assert page.status_code == 200
        assert f'hx-get="{section_url(plans.episode)}"' in body and f'href="{section_url(plans.episode)}"' in body
        # and without JavaScript the link opens the section as a page of its own, with the way back
        whole = client.get(section_url(plans.episode)).content.decode()
        assert "<html" in whole and plans.episode.get_absolute_url() in whole

    def test_the_consultant_sees_resources_shares_and_the_actions(self, client, plans, link, shared):
        page = section(signed_in(client, plans.person("consultant")), plans.episode).content.decode()
        assert "<html" not in page
        assert "Saying goodbye at drop-off" in page and "For the goodbyes." in page
        assert plans.english.get_absolute_url() in page
        assert send_url(link) in page and remove_url(link) in page and attach_url(plans.episode) in page
        assert "rosa@example.org" in page and "Nota privada" in page

    @pytest.mark.parametrize("role", ["supervisor", "regional_coordinator", "network_admin"])
    def test_those_who_see_contacts_see_the_email_but_no_actions(self, client, plans, link, shared, role):
        page = section(signed_in(client, plans.person(role)), plans.episode).content.decode()
        assert "Saying goodbye at drop-off" in page and "rosa@example.org" in page and "Rosa Martínez" in page
        assert send_url(link) not in page and remove_url(link) not in page

    def test_showing_emails_is_audited_as_a_view_of_the_shares(self, client, plans, shared):
        section(signed_in(client, plans.person("supervisor")), plans.episode)
        event = AccessEvent.objects.get(object_type="library.resourceshare")
        assert (event.action, event.object_ids) == (Action.VIEW, [str(shared.pk)])

    def test_program_staff_see_the_plans_resources_and_what_was_sent_but_no_email(self, client, plans, link,
                                                                                   shared):
        response = section(signed_in(client, plans.person("program_staff")), plans.episode)
        page = response.content.decode()
        assert response.status_code == 200
        assert "Saying goodbye at drop-off" in page and "For the goodbyes." in page
        assert "Rosa Martínez" in page and "Decir adiós en la entrada" in page
        assert "rosa@example.org" not in page and "Nota privada" not in page
        assert send_url(link) not in page and attach_url(plans.episode) not in page
        assert not AccessEvent.objects.filter(object_type="library.resourceshare").exists()

    def test_who_may_not_see_the_episode_gets_404(self, client, plans, link):
        assert section(signed_in(client, plans.person("evaluator")), plans.episode).status_code == 404
        assert section(signed_in(client, plans.other_consultant.user), plans.episode).status_code == 404
        assert section(signed_in(client, plans.person("program_staff")), plans.outside_episode).status_code == 404
        assert section(signed_in(client, plans.person("consultant")),
                       plans.other_network_episode).status_code == 404

    def test_queries_do_not_grow_with_resources_and_shares(self, client, plans, link, shared,
                                                           django_assert_max_num_queries):
        signed_in(client, plans.person("consultant"))
        urls = (plans.episode.get_absolute_url(), section_url(plans.episode))
        for url in urls:
            client.get(url, headers={"HX-Request": "true"})
        few = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                client.get(url, headers={"HX-Request": "true"})
            few[url] = len(queries)
        for _ in range(6):
            resource = ResourceFactory(network=plans.world.network)
            PlanResourceFactory(plan=plans.episode.action_plan, resource=resource)
            ResourceShareFactory(episode=plans.episode, resource=resource, sent_by=plans.person("consultant"))
        for url, bound in zip(urls, (30, 15), strict=True):
            with CaptureQueriesContext(connection) as many, django_assert_max_num_queries(bound):
                assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
            assert len(many) == few[url], url
