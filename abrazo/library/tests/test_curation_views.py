"""The curators' pages through HTTP: who may open them, the queue and its counts, the list's filters, adding,
editing (stale edits caught), approving, declining, withdrawing, translating, the uploaded file, and topics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from abrazo.library.models import LinkStatus, Resource, ResourceStatus, Topic
from abrazo.library.tests.factories_curation import form_key, index_spy, pdf_upload, signed_in
from abrazo.library.tests.factories_resource import ResourceFactory, TopicFactory, translation_of

pytestmark = pytest.mark.django_db

QUEUE = reverse("library:curation-queue")
RESOURCES = reverse("library:curation-resources")
NEW = reverse("library:curation-resource-new")
TOPICS = reverse("library:curation-topics")


def url(name: str, obj) -> str:
    return reverse(f"library:curation-{name}", args=[obj.pk])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def resource_values(**overrides):
    values = {
        "title": "Calming corners that work", "summary": "How to set up a calm place in a classroom.",
        "kind": "tip_sheet", "language": "en", "audiences": ["providers"], "topics": [],
        "age_from_months": "24", "age_to_months": "72", "source_organisation": "Example Center",
        "url": "https://example.org/calm", "review_on": "2030-01-31", "publish": "yes",
    }
    values.update(overrides)
    return values


# --- who may open the pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["network_admin", "regional_coordinator"])
def test_administrators_and_coordinators_curate(world, role):
    suggestion = ResourceFactory(network=world.network, suggested=True)
    client = signed_in(world.people[role])
    for page in (QUEUE, RESOURCES, NEW, url("resource-edit", suggestion), url("resource-approve", suggestion),
                 url("resource-decline", suggestion), url("resource-translate", suggestion)):
        assert client.get(page).status_code == 200, page


@pytest.mark.parametrize("role", ["supervisor", "consultant", "program_staff", "evaluator"])
def test_other_roles_find_no_curation_pages(world, role):
    suggestion = ResourceFactory(network=world.network, suggested=True)
    client = signed_in(world.people[role])
    for page in (QUEUE, RESOURCES, NEW, TOPICS, url("resource-edit", suggestion), url("resource-approve", suggestion)):
        assert client.get(page).status_code == 404, page
    # and a POST changes nothing
    assert client.post(url("resource-decline", suggestion), {"reason": "No", "version": 1}).status_code == 404
    assert Resource.objects.get(pk=suggestion.pk).status == ResourceStatus.SUGGESTED


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = Client().get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_network_s_resources_do_not_exist_for_a_curator(world):
    # given a suggestion and a published resource of the other network
    foreign = ResourceFactory(network=world.other_network, suggested=True)
    published = ResourceFactory(network=world.other_network)
    client = signed_in(world.people["network_admin"])
    # then none of their pages exists, and they are in no list
    for page in (url("resource-edit", foreign), url("resource-approve", foreign), url("resource-decline", foreign),
                 url("resource-withdraw", published), url("resource-translate", published)):
        assert client.get(page).status_code == 404, page
    assert client.post(url("resource-approve", foreign), {"summary": "x", "version": 1}).status_code == 404
    assert foreign.title not in client.get(QUEUE).content.decode()
    assert published.title not in client.get(RESOURCES).content.decode()


def test_the_navigation_offers_curation_to_curators_only(world):
    assert "Library curation" in signed_in(world.people["regional_coordinator"]).get("/").content.decode()
    assert "Library curation" not in signed_in(world.people["consultant"]).get("/").content.decode()


# --- the queue ---------------------------------------------------------------------------------------------


def test_the_queue_lists_suggestions_oldest_first_with_counts(world, django_assert_max_num_queries):
    # given three suggestions received on different days, a published resource with a broken link and one past its
    # review date, and a suggestion of the other network
    now = timezone.now()
    for days, title in ((2, "Middle"), (9, "Oldest"), (0, "Newest")):
        suggestion = ResourceFactory(network=world.network, suggested=True, title=title)
        Resource.objects.filter(pk=suggestion.pk).update(created_at=now - timedelta(days=days))
    ResourceFactory(network=world.network, link_status=LinkStatus.BROKEN, link_error="HTTP 404 Not Found")
    ResourceFactory(network=world.network, review_on=timezone.localdate() - timedelta(days=1))
    ResourceFactory(network=world.other_network, suggested=True, title="Elsewhere")
    client = signed_in(world.people["regional_coordinator"])
    client.get(QUEUE)  # warm the session and the topics
    # when the coordinator opens the queue
    with django_assert_max_num_queries(20):
        response = client.get(QUEUE)
    # then the suggestions come oldest first, and the counts say what needs attention
    titles = [resource.title for resource in response.context["page"].items]
    assert titles == ["Oldest", "Middle", "Newest"]
    counts = response.context["counts"]
    assert (counts.waiting, counts.published, counts.broken_links, counts.review_overdue) == (3, 2, 1, 1)
    assert counts.oldest_waiting_days == 9
    html = response.content.decode()
    assert "3</span> <span class=\"tile__label\">suggestions waiting" in html and "the oldest for 9 days" in html
    assert "Elsewhere" not in html


def test_the_list_filters_broken_links_and_overdue_reviews(world):
    # given a working resource, a broken one and one past its review date
    ResourceFactory(network=world.network, title="Fine", link_status=LinkStatus.OK)
    ResourceFactory(network=world.network, title="Gone", link_status=LinkStatus.BROKEN,
                    link_error="HTTP 404 Not Found")
    ResourceFactory(network=world.network, title="Stale", review_on=timezone.localdate() - timedelta(days=3))
    client = signed_in(world.people["network_admin"])
    # when the curator filters by broken links, then by overdue reviews
    broken = client.get(RESOURCES, {"link": "broken"})
    overdue = client.get(RESOURCES, {"review": "overdue"})
    # then each shows only those, with the problem in words
    assert [r.title for r in broken.context["page"].items] == ["Gone"]
    assert "Broken link" in broken.content.decode() and "HTTP 404 Not Found" in broken.content.decode()
    assert [r.title for r in overdue.context["page"].items] == ["Stale"]
    assert "Review overdue" in overdue.content.decode()
    # and the search box narrows by words
    assert [r.title for r in client.get(RESOURCES, {"q": "fine"}).context["page"].items] == ["Fine"]


# --- adding, editing, translating ------------------------------------------------------------------------------


def test_a_curator_adds_a_published_resource_with_topics_and_ages(world, django_capture_on_commit_callbacks):
    client = signed_in(world.people["regional_coordinator"])
    key = form_key(client, NEW)
    topic = Topic.objects.get(network=world.network, key="big-feelings")
    # when they add a resource
    with index_spy() as indexed, django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, resource_values(topics=[str(topic.pk)], audiences=["providers", "families"],
                                                    submission_key=key))
    # then it is published, curated by them, in their network, with what they typed
    resource = Resource.objects.get()
    assert response.status_code == 302 and response["Location"] == url("resource-edit", resource)
    assert resource.status == ResourceStatus.PUBLISHED and resource.network == world.network
    assert resource.curated_by == world.people["regional_coordinator"] and resource.published_at is not None
    assert (resource.age_from_months, resource.age_to_months) == (24, 72)
    assert sorted(resource.audiences) == ["families", "providers"]
    assert list(resource.topics.all()) == [topic]
    assert str(resource.review_on) == "2030-01-31"
    assert indexed == [[resource.pk]]
    # and the same form sent again adds nothing
    again = client.post(NEW, resource_values(submission_key=key))
    assert again.status_code == 302 and Resource.objects.count() == 1


def test_a_resource_needs_a_link_or_a_file_and_sensible_ages(world):
    client = signed_in(world.people["network_admin"])
    response = client.post(NEW, resource_values(url="", age_from_months="36", age_to_months="24", audiences=[],
                                                submission_key=form_key(client, NEW)))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"audiences", "age_to_months"}
    # the link-or-file rule comes from the service once the form itself is valid
    response = client.post(NEW, resource_values(url="", submission_key=form_key(client, NEW)))
    assert response.context["form"].errors["url"] == ["Give a link or upload a PDF."]
    assert not Resource.objects.exists()


def test_a_curator_may_keep_a_new_resource_in_the_queue(world):
    client = signed_in(world.people["network_admin"])
    client.post(NEW, resource_values(publish="no", submission_key=form_key(client, NEW)))
    resource = Resource.objects.get()
    assert resource.status == ResourceStatus.SUGGESTED and resource.curated_by is None
    assert resource in client.get(QUEUE).context["page"].items


def test_a_stale_edit_is_caught_and_the_typing_kept(world):
    # given two curators who open the same resource
    resource = ResourceFactory(network=world.network, title="Original title")
    first, second = signed_in(world.people["network_admin"]), signed_in(world.people["regional_coordinator"])
    edit = url("resource-edit", resource)
    loaded = ResourceFactory._meta.model.objects.get(pk=resource.pk).version
    # when the first saves, and the second saves what they loaded before
    assert first.post(edit, resource_values(title="First's title", version=loaded)).status_code == 302
    response = second.post(edit, resource_values(title="Second's title", version=loaded))
    # then the second is told, keeps what they typed, and the first's change stands
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert response.context["form"]["title"].value() == "Second's title"
    assert Resource.objects.get(pk=resource.pk).title == "First's title"
    # and saving again (with the version the page now carries) goes through
    again = second.post(edit, resource_values(title="Second's title",
                                              version=response.context["form"]["version"].value()))
    assert again.status_code == 302 and Resource.objects.get(pk=resource.pk).title == "Second's title"


def test_a_new_link_is_checked_again(world):
    resource = ResourceFactory(network=world.network, link_status=LinkStatus.BROKEN, link_error="HTTP 404")
    client = signed_in(world.people["network_admin"])
    client.post(url("resource-edit", resource), resource_values(url="https://example.org/moved", version=1))
    resource.refresh_from_db()
    assert (resource.url, resource.link_status, resource.link_error) == (
        "https://example.org/moved", LinkStatus.UNCHECKED, "")


def test_a_curator_adds_the_spanish_version_of_a_resource(world):
    # given an English resource with a topic
    topic = TopicFactory(network=world.network)
    english = ResourceFactory(network=world.network, title="Big feelings", topics=[topic])
    client = signed_in(world.people["regional_coordinator"])
    page = client.get(url("resource-translate", english))
    # then the form starts from the original's type, audiences and topics, in the missing language
    initial = page.context["form"].initial
    assert initial["language"] == "es" and initial["topics"] == [str(topic.pk)] and initial["title"] == ""
    # when they add the Spanish version
    response = client.post(url("resource-translate", english), resource_values(
        title="Emociones intensas", summary="Cómo nombrar lo que sienten.", language="es", topics=[str(topic.pk)],
        submission_key=form_key(client, url("resource-translate", english))))
    # then it is another version of the same work
    spanish = Resource.objects.get(language="es")
    assert response.status_code == 302
    assert spanish.work_id == english.work_id and spanish.status == ResourceStatus.PUBLISHED
    # and a second Spanish version is refused
    again = client.post(url("resource-translate", english), resource_values(
        title="Otra", language="es", submission_key=form_key(client, url("resource-translate", english))))
    assert again.status_code == 200
    assert "already has a version in that language" in again.context["form"].errors["language"][0]


def test_a_curator_downloads_a_suggestion_s_pdf_as_an_attachment(world):
    suggestion = ResourceFactory(network=world.network, suggested=True, url="")
    suggestion.file.save("x.pdf", pdf_upload(), save=True)
    response = signed_in(world.people["regional_coordinator"]).get(url("resource-file", suggestion))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # and a resource without a file has no such page
    assert signed_in(world.people["network_admin"]).get(
        url("resource-file", ResourceFactory(network=world.network))).status_code == 404


# --- decisions --------------------------------------------------------------------------------------------


def test_approving_a_suggestion_publishes_it_and_tells_the_suggester(world, django_capture_on_commit_callbacks):
    # given a suggestion sent from the Spanish site
    suggestion = ResourceFactory(network=world.network, suggested=True, summary="", suggester_language="es",
                                 language="es", title="Berrinches")
    client = signed_in(world.people["regional_coordinator"])
    page = client.get(url("resource-approve", suggestion))
    assert suggestion.suggestion_note in page.content.decode()  # the curator sees why it was suggested
    # when the coordinator writes a summary and publishes it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("resource-approve", suggestion), {
            "summary": "Qué hacer cuando un niño pequeño tiene un berrinche.", "review_on": "2031-06-30",
            "notify": "on", "version": suggestion.version,
        })
    # then it is published, curated by them now, and they are back at the queue
    assert response.status_code == 302 and response["Location"] == QUEUE
    suggestion.refresh_from_db()
    assert suggestion.status == ResourceStatus.PUBLISHED and suggestion.published_at is not None
    assert suggestion.curated_by == world.people["regional_coordinator"]
    assert suggestion.summary == "Qué hacer cuando un niño pequeño tiene un berrinche."
    # and the person who suggested it hears, in Spanish
    assert [message.extra_headers["Content-Language"] for message in mail.outbox] == ["es"]
    assert mail.outbox[0].to == [suggestion.suggested_by_email] and "Berrinches" in mail.outbox[0].subject


def test_approving_needs_a_summary(world):
    suggestion = ResourceFactory(network=world.network, suggested=True, summary="")
    response = signed_in(world.people["network_admin"]).post(url("resource-approve", suggestion),
                                                             {"summary": "  ", "version": suggestion.version})
    assert response.status_code == 200 and "summary" in response.context["form"].errors
    assert Resource.objects.get(pk=suggestion.pk).status == ResourceStatus.SUGGESTED


def test_declining_needs_a_reason_and_may_tell_the_suggester(world, django_capture_on_commit_callbacks):
    suggestion = ResourceFactory(network=world.network, suggested=True, suggester_language="en")
    client = signed_in(world.people["network_admin"])
    # when the reason is left out, nothing happens
    empty = client.post(url("resource-decline", suggestion), {"reason": "", "version": suggestion.version})
    assert empty.status_code == 200 and "reason" in empty.context["form"].errors
    # when it is given and the suggester is to be told
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("resource-decline", suggestion), {
            "reason": "It is about school-age children.", "notify": "on", "version": suggestion.version})
    # then it is declined with the reason, and the email carries the reason
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == ResourceStatus.DECLINED and suggestion.decline_reason == \
        "It is about school-age children."
    assert len(mail.outbox) == 1 and "It is about school-age children." in mail.outbox[0].body


def test_two_curators_deciding_at_once_the_second_is_told(world):
    suggestion = ResourceFactory(network=world.network, suggested=True)
    first, second = signed_in(world.people["network_admin"]), signed_in(world.people["regional_coordinator"])
    version = suggestion.version
    assert first.post(url("resource-approve", suggestion), {"summary": "Good.", "version": version}).status_code == 302
    response = second.post(url("resource-decline", suggestion), {"reason": "Not for us.", "version": version})
    assert response.status_code == 200
    assert "is published now; nothing was changed" in response.content.decode()
    assert Resource.objects.get(pk=suggestion.pk).status == ResourceStatus.PUBLISHED


def test_withdrawing_takes_a_resource_off_the_library(world):
    resource = ResourceFactory(network=world.network)
    client = signed_in(world.people["regional_coordinator"])
    assert client.get(url("resource-withdraw", resource)).status_code == 200
    with index_spy() as indexed:
        response = client.post(url("resource-withdraw", resource), {"version": resource.version})
    assert response.status_code == 302
    assert Resource.objects.get(pk=resource.pk).status == ResourceStatus.WITHDRAWN
    assert indexed == []  # on commit, which the test's transaction never reaches


def test_the_edit_page_shows_the_other_language_versions(world):
    english = ResourceFactory(network=world.network, title="Big feelings")
    translation_of(english, title="Emociones intensas")
    html = signed_in(world.people["network_admin"]).get(url("resource-edit", english)).content.decode()
    assert "Emociones intensas" in html


# --- topics (administrators) ----------------------------------------------------------------------------------


def test_administrators_manage_topics_and_coordinators_do_not(world):
    admin = signed_in(world.people["network_admin"])
    page = admin.get(TOPICS)
    assert page.status_code == 200 and "Relationships and attachment" in page.content.decode()
    assert signed_in(world.people["regional_coordinator"]).get(TOPICS).status_code == 404
    # when the administrator adds a topic
    response = admin.post(TOPICS, {"name_en": "Screen time", "name_es": "Tiempo frente a pantallas",
                                   "submission_key": form_key(admin, TOPICS)})
    assert response.status_code == 302
    topic = Topic.objects.get(network=world.network, key="screen-time")
    assert topic.name_es == "Tiempo frente a pantallas" and topic.position == 13
    # and renames it, then retires it
    assert admin.post(url("topic-edit", topic), {"action": "save", "name_en": "Screens", "name_es": "Pantallas",
                                                 "position": "2", "version": "1"}).status_code == 302
    assert admin.post(url("topic-edit", topic), {"action": "retire"}).status_code == 302
    topic.refresh_from_db()
    assert (topic.name_en, topic.position, topic.is_active, topic.key) == ("Screens", 2, False, "screen-time")
    # and another network's topic does not exist for them
    assert admin.get(url("topic-edit", TopicFactory(network=world.other_network))).status_code == 404


def test_a_topic_needs_both_names(world):
    admin = signed_in(world.people["network_admin"])
    response = admin.post(TOPICS, {"name_en": "Screen time", "name_es": "", "submission_key": form_key(admin, TOPICS)})
    assert response.status_code == 200 and "name_es" in response.context["form"].errors
