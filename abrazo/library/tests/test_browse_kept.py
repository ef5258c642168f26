"""The browse page's counts from one read (resource_selectors.counts_in_one_pass) and kept between requests
(browse_cache): the same numbers as one query per facet, a repeated browse counts nothing again, and a change to
the library shows at once."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.http import QueryDict

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.library import browse_cache, search
from abrazo.library import resource_selectors as selectors
from abrazo.library import resource_services as services
from abrazo.library.models import AgeBand, Audience, Resource, ResourceKind
from abrazo.library.tests.factories_resource import ResourceFactory, TopicFactory, translation_of

pytestmark = pytest.mark.django_db


def filters_of(network: Any, query: str) -> tuple[selectors.Filters, list[Any], list[Any]]:
    topics = selectors.active_topics(network)
    filters = selectors.parse_filters(QueryDict(query), topics=topics).filters
    by_key = {topic.key: topic for topic in topics}
    return filters, topics, [by_key[key].pk for key in filters.topics]


def run(network: Any, query: str = "", language: str = "en") -> selectors.Browse:
    filters, topics, _ids = filters_of(network, query)
    return selectors.browse(network=network, filters=filters, topics=topics, page_language=language)


def counts(result: selectors.Browse, facet: str) -> dict[str, int]:
    return {option.value: option.count for option in next(f for f in result.facets if f.name == facet).options}


@pytest.fixture
def keep_everything(monkeypatch: Any) -> None:
    """Keep the counts of any library, however small (the page keeps them from 2,000 resources read)."""
    monkeypatch.setattr(selectors, "REMEMBER_FROM", 0)
    browse_cache.forget_everything()


@pytest.fixture
def counted(monkeypatch: Any) -> list[str]:
    """The searches counted afresh (each call of counts_in_one_pass), in order."""
    calls: list[str] = []
    real = selectors.counts_in_one_pass

    def spy(network: Any, filters: selectors.Filters, topic_ids: list[Any], page_language: str) -> Any:
        calls.append(filters.text)
        return real(network, filters, topic_ids, page_language)

    monkeypatch.setattr(selectors, "counts_in_one_pass", spy)
    return calls


def test_one_read_counts_exactly_what_a_query_per_facet_counts():
    # given a library of 60 resources with random types, audiences, ages, topics and languages, translations of
    # one another in part (the folding into the page's language), and some not published
    rng = random.Random(7)
    network = NetworkFactory(slug="random")
    topics = [TopicFactory(network=network, key=f"t{n}") for n in range(4)]
    words = ["tantrums", "sleep", "biting", "feelings"]
    for number in range(40):
        resource = ResourceFactory(
            network=network, title=f"{rng.choice(words)} {rng.choice(words)} {number}",
            kind=rng.choice(ResourceKind.values), language=rng.choice(["en", "en", "es", "vi"]),
            audiences=rng.sample(Audience.values, rng.randint(1, 3)),
            age_from_months=rng.choice([0, 12, 36]), age_to_months=rng.choice([48, 60, 72]),
            topics=rng.sample(topics, rng.randint(0, 2)),
            **({"withdrawn": True} if number % 13 == 0 else {}),
        )
        if rng.random() < 0.5:
            translation_of(resource, language="es" if resource.language != "es" else "en",
                           title=f"{rng.choice(words)} {number}", kind=rng.choice(ResourceKind.values),
                           topics=rng.sample(topics, rng.randint(0, 2)))
    # when both ways count 60 random combinations of a search, facet selections and the page's language
    for _ in range(60):
        pairs = []
        if rng.random() < 0.4:
            pairs.append(("q", rng.choice(words)))
        for name, values in (("type", ResourceKind.values), ("audience", Audience.values),
                             ("topic", [topic.key for topic in topics]), ("language", ["en", "es", "vi"]),
                             ("age", AgeBand.values)):
            if rng.random() < 0.35:
                pairs += [(name, value) for value in rng.sample(values, rng.randint(1, 2))]
        query = "&".join(f"{name}={value}" for name, value in pairs)
        filters, _topics, topic_ids = filters_of(network, query)
        language = rng.choice(["en", "es"])
        one_read = selectors.counts_in_one_pass(network, filters, topic_ids, language)
        reference = selectors.counts_by_queries(network, filters, topic_ids, language)
        # then they agree on the total and on every choice of every facet
        assert (one_read.total, one_read.kinds, one_read.languages, one_read.topics) == (
            reference.total, reference.kinds, reference.languages, reference.topics), (query, language)
        assert (one_read.audiences, one_read.ages) == (reference.audiences, reference.ages), (query, language)


def test_a_worked_example_of_one_read():
    # given A (English video for families, with its Spanish version A'), B (Spanish-only tip sheet for
    # providers) and C (English PDF for families and providers)
    network = NetworkFactory(slug="worked")
    a = ResourceFactory(network=network, title="A", kind=ResourceKind.VIDEO, audiences=[Audience.FAMILIES])
    translation_of(a, title="A prime")
    ResourceFactory(network=network, title="B", kind=ResourceKind.TIP_SHEET, language="es",
                    audiences=[Audience.PROVIDERS])
    ResourceFactory(network=network, title="C", kind=ResourceKind.PDF,
                    audiences=[Audience.FAMILIES, Audience.PROVIDERS])
    # when an English page asks for videos and tip sheets
    filters, _topics, topic_ids = filters_of(network, "type=video&type=tip_sheet")
    found = selectors.counts_in_one_pass(network, filters, topic_ids, "en")
    # then A (A' folded into it) and B match; the types count with every other choice (none): A, B and C once
    assert found.total == 2
    assert found.kinds == {"video": 1, "tip_sheet": 1, "pdf": 1}
    # the language facet is never folded: A and A' both count, each in its language
    assert found.languages == {"en": 1, "es": 2}
    # the audiences count the two chosen types' resources: A for families, B for providers
    assert found.audiences["families"] == 1 and found.audiences["providers"] == 1
    # and four resources were read (every published one: no search)
    assert found.read == 4


def test_a_repeated_browse_is_answered_from_what_was_kept(keep_everything, counted):
    # given a library browsed once
    network = NetworkFactory(slug="kept")
    for number in range(3):
        ResourceFactory(network=network, title=f"Tantrums {number}", kind=ResourceKind.VIDEO)
    first = run(network, "q=tantrums")
    # when the same search is browsed again, with the same choices in another order and spelled otherwise
    again = run(network, "q=Tantrums")
    # then it was counted once, and the same numbers and page were shown
    assert counted == ["tantrums"]
    assert (again.total, counts(again, "type")) == (first.total, counts(first, "type")) == (3, {"video": 3})
    assert [card.resource.pk for card in again.page.items] == [card.resource.pk for card in first.page.items]
    # and another page language (other folding) or other choices are counted for themselves
    run(network, "q=tantrums", language="es")
    run(network, "q=tantrums&type=video")
    assert counted == ["tantrums", "tantrums", "tantrums"]


def test_small_libraries_are_counted_afresh_every_time(counted):
    # given a library far under REMEMBER_FROM resources
    network = NetworkFactory(slug="small")
    ResourceFactory(network=network, title="Tantrums")
    # when it is browsed twice
    run(network)
    run(network)
    # then it was counted twice: nothing was kept
    assert counted == ["", ""]


def test_a_change_shows_at_once_despite_what_was_kept(world, keep_everything, counted,
                                                     django_capture_on_commit_callbacks):
    # given a network's library of two videos, browsed (and kept)
    admin = world.people["network_admin"]
    first = ResourceFactory(network=world.network, title="Tantrums", kind=ResourceKind.VIDEO)
    ResourceFactory(network=world.network, title="Sleep", kind=ResourceKind.VIDEO)
    before = run(world.network)
    assert (before.total, counts(before, "type")) == (2, {"video": 2})
    # when a curator makes one a tip sheet (the service re-indexes it once the change commits)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_edit(actor=admin, resource=first, expected_version=first.version, data=services.ResourceData(
            title="Tantrums", summary=first.summary, kind=ResourceKind.TIP_SHEET, language="en",
            audiences=("families",), url=first.url, age_from_months=12, age_to_months=36))
    after = run(world.network)
    # then the next browse counted again and shows it
    assert counted == ["", ""]
    assert counts(after, "type") == {"video": 1, "tip_sheet": 1}
    # and when it is withdrawn, it is gone from the total and the page at once
    first.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_withdraw(actor=admin, resource=first, expected_version=first.version)
    withdrawn = run(world.network)
    assert withdrawn.total == 1
    assert [card.resource.title for card in withdrawn.page.items] == ["Sleep"]


def test_a_change_in_one_network_keeps_the_others_counts(keep_everything, counted):
    # given two networks' libraries, each browsed once
    golden, other = NetworkFactory(slug="golden"), NetworkFactory(slug="other")
    ResourceFactory(network=golden, title="Golden")
    elsewhere = ResourceFactory(network=other, title="Elsewhere")
    run(golden)
    run(other)
    # when a resource of the other network changes
    Resource.objects.filter(pk=elsewhere.pk).update(kind=ResourceKind.PDF)
    search.index_resources([elsewhere.pk])
    run(golden)
    shown = run(other)
    # then only the other network was counted again
    assert len(counted) == 3
    assert counts(shown, "type") == {"pdf": 1}


def test_a_deleted_resource_replaces_every_networks_version():
    # given two networks' library versions
    golden, other = NetworkFactory(slug="golden"), NetworkFactory(slug="other")
    gone = ResourceFactory(network=golden)
    versions = (browse_cache.library_version(golden.pk), browse_cache.library_version(other.pk))
    # when a resource is deleted (its network is not known any more when the search is told)
    gone_id = gone.pk
    gone.delete()
    search.index_resources([gone_id])
    # then both networks' versions changed, and each reads the same new one until the next change
    now = (browse_cache.library_version(golden.pk), browse_cache.library_version(other.pk))
    assert now[0] != versions[0] and now[1] != versions[1]
    assert now == (browse_cache.library_version(golden.pk), browse_cache.library_version(other.pk))


def test_rebuilding_the_index_replaces_every_networks_version(django_capture_on_commit_callbacks):
    # given two networks' library versions
    golden, other = NetworkFactory(slug="golden"), NetworkFactory(slug="other")
    ResourceFactory(network=golden)
    versions = (browse_cache.library_version(golden.pk), browse_cache.library_version(other.pk))
    # when the whole index is rebuilt (`abrazo reindex_library`), which does not go through index_resources
    with django_capture_on_commit_callbacks(execute=True):
        search.reindex_all()
    # then no kept count survives it
    now = (browse_cache.library_version(golden.pk), browse_cache.library_version(other.pk))
    assert now[0] != versions[0] and now[1] != versions[1]
