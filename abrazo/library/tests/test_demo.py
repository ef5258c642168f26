"""The demo's library: about 150 published resources in English and Spanish linked as translations (and a few
in other languages), every type, audience, topic and age band, Spanish resources about "berrinches" for the
browser test's search, suggestions waiting for review and declined ones with a reason, curation and link-check
dates that look lived-in, the same rows on every load, and nothing left behind when the network is wiped."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Q

from abrazo.consultations.models import ActionPlan
from abrazo.directory import demo
from abrazo.directory.models import Network
from abrazo.library import demo_content as content
from abrazo.library.default_topics import DEFAULT_TOPICS
from abrazo.library.models import (
    AgeBand,
    Audience,
    LinkStatus,
    Page,
    PageStatus,
    PlanResource,
    Resource,
    ResourceKind,
    ResourceQuerySet,
    ResourceStatus,
    ResourceWork,
    Topic,
)
from abrazo.library.search import apply_search
from abrazo.library.site_defaults import DEFAULT_PAGES


def load(*args: str) -> Network:
    call_command("demo", "--scale", "tiny", *args, stdout=StringIO())
    return Network.objects.get(slug=demo.SCALES["tiny"].slug)


def published(network: Network) -> ResourceQuerySet:
    return Resource.objects.filter(network=network).published()


# --- The content itself (no database) -----------------------------------------------------------------

def test_the_content_only_names_known_kinds_audiences_topics_and_sources() -> None:
    # given the demo's written content
    topic_keys = {key for key, _en, _es in (*DEFAULT_TOPICS, *content.DEMO_TOPICS)}
    works = (*content.WORKS, *content.WITHDRAWN_WORKS)
    # then every work is well formed
    for work in works:
        assert work.kind in ResourceKind.values, work.key
        assert work.audiences and set(work.audiences) <= set(content.AUDIENCE_LETTERS), work.key
        assert set(work.topics) <= topic_keys and work.topics, work.key
        assert 0 <= work.ages[0] < work.ages[1] <= 72, work.key
        assert work.source in content.SOURCES, work.key
        languages = [version.language for version in work.versions]
        assert len(languages) == len(set(languages)), work.key
    assert set(content.AUDIENCE_LETTERS.values()) == set(Audience.values)
    # and keys (the demo's ids) and titles are never repeated
    keys = [work.key for work in works] + [suggestion.key for suggestion in content.SUGGESTIONS]
    assert len(keys) == len(set(keys))
    titles = [version.title for work in works for version in work.versions]
    assert len(titles) == len(set(titles))
    # and links go to public home pages over https; suggesters have fictional addresses
    assert all(url.startswith("https://") for _name, url in content.SOURCES.values())
    assert all(s.email.endswith("@example.org") for s in content.SUGGESTIONS)


# --- The loaded demo ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_about_150_published_resources_in_both_languages_linked_as_translations() -> None:
    # given the tiny demo
    network = load()
    resources = list(published(network))
    # then about 150 resources are published, mostly in English and Spanish
    assert 140 <= len(resources) <= 160
    languages = Counter(resource.language for resource in resources)
    assert languages["en"] >= 60 and languages["es"] >= 60
    assert {"vi", "zh"} <= set(languages)
    # and most works have an English and a Spanish version that are translations of each other
    by_work: dict[object, set[str]] = {}
    for resource in resources:
        by_work.setdefault(resource.work_id, set()).add(resource.language)
    bilingual = [langs for langs in by_work.values() if {"en", "es"} <= langs]
    assert len(bilingual) >= 55
    assert any(langs == {"en"} for langs in by_work.values())
    assert any(langs == {"es"} for langs in by_work.values())
    tantrums = Resource.objects.get(network=network, title__startswith="Cuando su pequeño hace berrinches")
    assert sorted(tantrums.work.versions.values_list("language", flat=True)) == ["en", "es", "vi", "zh"]


@pytest.mark.django_db
def test_every_kind_audience_topic_and_age_band_has_resources() -> None:
    network = load()
    resources = published(network)
    assert set(resources.values_list("kind", flat=True)) == set(ResourceKind.values)
    for audience in Audience.values:
        assert resources.for_audience(audience).count() >= 8, audience
    for band in AgeBand.values:
        assert resources.for_age_band(band).count() >= 30, band
    # (the network's topics: the defaults every network starts with, and two the demo's administrators added)
    topics = Topic.objects.filter(network=network)
    assert set(topics.values_list("key", flat=True)) == {key for key, _en, _es in (*DEFAULT_TOPICS,
                                                                                   *content.DEMO_TOPICS)}
    for topic in topics:
        assert topic.resources.filter(status=ResourceStatus.PUBLISHED).count() >= 6, topic.key
    assert all(resource.source_organisation and resource.url.startswith("https://") for resource in resources)


@pytest.mark.django_db
def test_the_site_has_its_default_pages_published() -> None:
    network = load()
    pages = Page.objects.filter(network=network, status=PageStatus.PUBLISHED)
    assert sorted(pages.values_list("slug", flat=True)) == sorted(page.slug for page in DEFAULT_PAGES)
    assert all(page.title_en and page.title_es and page.body_es for page in pages)


@pytest.mark.django_db
def test_spanish_visitors_find_resources_about_berrinches() -> None:
    # given the demo, in which the browser test searches Spanish resources for "berrinches"
    network = load()
    spanish = published(network).filter(language="es")
    mentioning = spanish.filter(Q(title__icontains="berrinches") | Q(summary__icontains="berrinches"))
    # then several Spanish resources mention it, in their title or their summary
    assert mentioning.count() >= 4
    assert mentioning.filter(title__icontains="berrinches").count() >= 3
    # and the search finds them all
    found = set(apply_search(spanish, "berrinches").values_list("pk", flat=True))
    assert set(mentioning.values_list("pk", flat=True)) <= found


@pytest.mark.django_db
def test_suggestions_wait_for_review_and_declined_ones_say_why() -> None:
    network = load()
    waiting = Resource.objects.filter(network=network, status=ResourceStatus.SUGGESTED)
    assert 6 <= waiting.count() <= 10
    for suggestion in waiting:
        assert suggestion.suggested_by_name and suggestion.suggested_by_email.endswith("@example.org")
        assert suggestion.curated_by_id is None and suggestion.published_at is None
        assert suggestion.link_status == LinkStatus.UNCHECKED
    # the queue reads in the order they came in, not the moment of loading
    received = sorted(waiting.values_list("created_at", flat=True))
    assert received[0] < received[-1] - timedelta(days=10)
    declined = Resource.objects.filter(network=network, status=ResourceStatus.DECLINED)
    assert 2 <= declined.count() <= 3
    assert all(resource.decline_reason and resource.curated_at for resource in declined)
    assert Resource.objects.filter(network=network, status=ResourceStatus.WITHDRAWN).exists()


@pytest.mark.django_db
def test_published_resources_were_curated_and_checked_like_a_real_library() -> None:
    network = load()
    today = datetime.now(ZoneInfo(settings.TIME_ZONE)).date()
    resources = list(published(network))
    admin_email = f"admin@{demo.SCALES['tiny'].email_domain}"
    # curated by the demo administrator over the past two years
    assert {resource.curated_by.email for resource in resources} == {admin_email}
    published_on = [resource.published_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date() for resource in resources]
    assert min(published_on) >= today - timedelta(days=731) and max(published_on) < today
    assert max(published_on) - min(published_on) > timedelta(days=500)
    # a handful past their review date
    overdue = [resource for resource in resources if resource.review_on < today]
    assert 4 <= len(overdue) <= 16
    # links: most checked and working, a few broken with the reason, the newest not checked yet
    links = Counter(resource.link_status for resource in resources)
    assert links[LinkStatus.OK] > 0.8 * len(resources)
    assert 3 <= links[LinkStatus.BROKEN] <= 8 and 3 <= links[LinkStatus.UNCHECKED] <= 15
    for resource in resources:
        if resource.link_status == LinkStatus.BROKEN:
            assert resource.link_error and resource.link_checked_at
        if resource.link_status == LinkStatus.UNCHECKED:
            assert resource.link_checked_at is None


@pytest.mark.django_db
def test_reset_reloads_the_same_library() -> None:
    def snapshot(network: Network) -> list[str]:
        rows = Resource.objects.filter(network=network).values_list(
            "id", "work_id", "language", "title", "kind", "audience_bits", "age_from_months", "age_to_months",
            "status", "url", "review_on", "link_status", "link_error", "published_at",
        )
        topics = Resource.topics.through.objects.filter(resource__network=network).values_list(
            "resource_id", "topic__key")
        return sorted(map(str, rows)) + sorted(map(str, topics))

    before = snapshot(load())
    after = snapshot(load("--reset"))
    assert len(before) > 300
    assert before == after


@pytest.mark.django_db
def test_wiping_the_network_removes_the_library_even_with_resources_on_plans() -> None:
    # given the demo, and a consultant who attached a library resource to an action plan
    network = load()
    plan = ActionPlan.objects.filter(episode__network=network).first()
    assert plan is not None
    PlanResource.objects.create(plan=plan, resource=published(network).first(), added_by=plan.created_by)
    # when the network is wiped
    demo.wipe_network(network)
    # then nothing of the library is left
    assert not Network.objects.filter(pk=network.pk).exists()
    assert not Resource.objects.filter(network_id=network.pk).exists()
    assert not ResourceWork.objects.filter(network_id=network.pk).exists()
    assert not Topic.objects.filter(network_id=network.pk).exists()
    assert not Page.objects.filter(network_id=network.pk).exists()
    assert not PlanResource.objects.exists()
