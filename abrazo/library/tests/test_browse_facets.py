"""Browsing the public library (resource_selectors.browse): facet counts on a worked example, filters together,
languages, age bands, audiences, and what is never listed."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.library import resource_selectors as selectors
from abrazo.library.models import Audience, ResourceKind
from abrazo.library.tests.factories_resource import ResourceFactory, TopicFactory, translation_of

pytestmark = pytest.mark.django_db


def counts(result: selectors.Browse, facet: str) -> dict[str, int]:
    return {option.value: option.count for option in next(f for f in result.facets if f.name == facet).options}


def titles(result: selectors.Browse) -> list[str]:
    return sorted(card.resource.title for card in result.page.items)


def run(network: Any, query: str = "", language: str = "en") -> selectors.Browse:
    topics = selectors.active_topics(network)
    parsed = selectors.parse_filters(QueryDict(query), topics=topics)
    return selectors.browse(network=network, filters=parsed.filters, topics=topics, page_language=language)


@pytest.fixture
def library() -> Any:
    """The worked example (each line: type, audiences, ages in months, topics, language):
    A video, families, 0-12, feelings, en        B video, providers, 12-36, feelings+equity, en
    C tip sheet, families+providers, 36-72, equity, en   D tip sheet, families, 0-72, feelings, es (no English)
    E PDF, consultants, 12-72, equity, en
    and, never listed: a suggestion, a declined and a withdrawn video for families, another network's video."""
    network = NetworkFactory(slug="golden")
    feelings = TopicFactory(network=network, key="big-feelings", name_en="Big feelings", name_es="Emociones fuertes")
    equity = TopicFactory(network=network, key="equity", name_en="Equity and bias", name_es="Equidad y sesgo")
    video, tip, pdf = ResourceKind.VIDEO, ResourceKind.TIP_SHEET, ResourceKind.PDF
    families, providers = Audience.FAMILIES, Audience.PROVIDERS
    made = {
        "A": ResourceFactory(network=network, title="A", kind=video, audiences=[families], age_from_months=0,
                             age_to_months=12, topics=[feelings]),
        "B": ResourceFactory(network=network, title="B", kind=video, audiences=[providers], age_from_months=12,
                             age_to_months=36, topics=[feelings, equity]),
        "C": ResourceFactory(network=network, title="C", kind=tip, audiences=[families, providers],
                             age_from_months=36, age_to_months=72, topics=[equity]),
        "D": ResourceFactory(network=network, title="D", kind=tip, audiences=[families], age_from_months=0,
                             age_to_months=72, topics=[feelings], language="es"),
        "E": ResourceFactory(network=network, title="E", kind=pdf, audiences=[Audience.CONSULTANTS],
                             age_from_months=12, age_to_months=72, topics=[equity]),
    }
    for trait in ("suggested", "declined", "withdrawn"):
        ResourceFactory(network=network, title=f"hidden {trait}", kind=video, topics=[feelings], **{trait: True})
    other = NetworkFactory(slug="elsewhere")
    ResourceFactory(network=other, title="other network", kind=video,
                    topics=[TopicFactory(network=other, key="big-feelings")])
    return network, made


def test_facet_counts_without_choices_count_every_published_resource(library):
    # given the worked example
    network, _ = library
    # when the library is opened with no choice
    result = run(network)
    # then the five published resources are listed (the Spanish-only one too) and counted in every facet
    assert result.total == 5
    assert titles(result) == ["A", "B", "C", "D", "E"]
    assert counts(result, "type") == {"video": 2, "tip_sheet": 2, "pdf": 1}
    assert counts(result, "audience") == {"families": 3, "providers": 2, "consultants": 1}
    assert counts(result, "age") == {"infants": 2, "toddlers": 3, "preschool": 3}
    assert counts(result, "topic") == {"big-feelings": 3, "equity": 3}
    assert counts(result, "language") == {"en": 4, "es": 1}


def test_a_facet_counts_ignore_its_own_choice_but_apply_the_others(library):
    # given the worked example
    network, _ = library
    # when videos are chosen
    result = run(network, "type=video")
    # then A and B are listed; the type facet still offers tip sheets and PDFs with what they would give
    assert titles(result) == ["A", "B"]
    assert counts(result, "type") == {"video": 2, "tip_sheet": 2, "pdf": 1}
    # and the other facets count within the videos only (an audience no video is for is not offered)
    assert counts(result, "audience") == {"families": 1, "providers": 1}
    assert counts(result, "topic") == {"big-feelings": 2, "equity": 1}
    assert counts(result, "age") == {"infants": 1, "toddlers": 1}
    assert counts(result, "language") == {"en": 2}


def test_choices_within_a_facet_are_alternatives_and_facets_combine(library):
    # given the worked example
    network, _ = library
    # when videos or tip sheets, for families, are chosen
    result = run(network, "type=video&type=tip_sheet&audience=families")
    # then A, C and D are listed
    assert titles(result) == ["A", "C", "D"]
    assert result.total == 3
    # and each facet counts with the other's choice applied
    assert counts(result, "type") == {"video": 1, "tip_sheet": 2}
    assert counts(result, "audience") == {"families": 3, "providers": 2}
    chosen = {option.value for facet in result.facets for option in facet.options if option.selected}
    assert chosen == {"video", "tip_sheet", "families"}


def test_a_chosen_option_that_gives_nothing_stays_offered_so_it_can_be_unticked(library):
    # given the worked example
    network, _ = library
    # when infants and the equity topic are chosen (no resource for infants is about equity)
    result = run(network, "age=infants&topic=equity")
    # then nothing is listed, and equity is still offered (with 0) beside big feelings
    assert result.total == 0 and result.page.items == []
    assert counts(result, "topic") == {"big-feelings": 2, "equity": 0}


def test_audiences_are_matched_on_their_bits(library):
    # given the worked example (C is for families and providers)
    network, _ = library
    # when providers, or consultants, are chosen
    providers = run(network, "audience=providers")
    either = run(network, "audience=providers&audience=consultants")
    # then every resource with that bit is listed, a resource with several audiences included
    assert titles(providers) == ["B", "C"]
    assert titles(either) == ["B", "C", "E"]


@pytest.mark.parametrize(("band", "expected"), [
    ("infants", ["A", "D"]),  # 0-12 months: A (0-12) and D (0-72); B starts at 12, so not for infants
    ("toddlers", ["B", "D", "E"]),  # 12-36: A ends at 12 (not included), C starts at 36
    ("preschool", ["C", "D", "E"]),
])
def test_an_age_band_lists_the_resources_whose_ages_overlap_it(library, band, expected):
    # given the worked example
    network, _ = library
    # when an age band is chosen
    result = run(network, f"age={band}")
    # then the resources whose month range overlaps it are listed
    assert titles(result) == expected


def test_two_age_bands_are_alternatives(library):
    network, _ = library
    assert titles(run(network, "age=infants&age=preschool")) == ["A", "C", "D", "E"]


def test_topics_filter_lists_a_resource_with_two_chosen_topics_once(library):
    # given B has both topics
    network, _ = library
    # when both topics are chosen
    result = run(network, "topic=big-feelings&topic=equity")
    # then each resource is listed once
    assert titles(result) == ["A", "B", "C", "D", "E"]
    assert result.total == 5


def test_a_language_lists_only_its_versions(library):
    network, _ = library
    assert titles(run(network, "language=es")) == ["D"]
    assert titles(run(network, "language=en&type=pdf")) == ["E"]


def test_never_listed_suggested_declined_withdrawn_or_other_networks(library):
    # given hidden resources of every kind, some matching the search
    network, _ = library
    # when everything, then a search for them, is listed
    everything = run(network)
    searched = run(network, "q=hidden")
    other = run(NetworkFactory(slug="third"))
    # then none of them appears, and another network's library does not show this one's
    assert "hidden suggested" not in titles(everything) and "other network" not in titles(everything)
    assert searched.total == 0
    assert other.total == 0


def test_a_resource_with_an_english_version_is_shown_once_in_the_page_language():
    # given a work in English and Spanish, and a Spanish-only resource
    network = NetworkFactory()
    english = ResourceFactory(network=network, title="Big feelings, small bodies")
    spanish = translation_of(english, title="Emociones grandes, cuerpos pequeños")
    only_spanish = ResourceFactory(network=network, title="Solo en español", language="es")
    # when the library is read on an English page, then on a Spanish page
    on_english = run(network, language="en")
    on_spanish = run(network, language="es")
    # then the work is one card in the page's language, linking the other version; the Spanish-only one is shown
    assert titles(on_english) == ["Big feelings, small bodies", "Solo en español"]
    card = next(card for card in on_english.page.items if card.resource == english)
    assert [(t.language, t.language_label, t.url) for t in card.translations] == [
        ("es", "Español", spanish.get_absolute_url())]
    assert card.foreign is False
    assert next(card for card in on_english.page.items if card.resource == only_spanish).foreign is True
    assert titles(on_spanish) == ["Emociones grandes, cuerpos pequeños", "Solo en español"]
    assert on_english.total == 2 and on_english.one_per_work_in == "en"
    # and the language facet counts versions, as choosing a language would show them
    assert counts(on_english, "language") == {"en": 1, "es": 2}


def test_choosing_a_language_shows_its_versions_even_of_translated_works():
    network = NetworkFactory()
    english = ResourceFactory(network=network, title="Big feelings")
    translation_of(english, title="Emociones grandes")
    result = run(network, "language=es", language="en")
    assert titles(result) == ["Emociones grandes"]
    assert result.one_per_work_in == ""
    assert [t.language for t in result.page.items[0].translations] == ["en"]


def test_a_search_in_the_other_language_finds_that_version():
    # given a work in English and Spanish
    network = NetworkFactory()
    english = ResourceFactory(network=network, title="When tantrums happen")
    translation_of(english, title="Cuando llegan los berrinches")
    # when a Spanish word is searched on an English page
    result = run(network, "q=berrinches", language="en")
    # then the Spanish version is listed (the English one does not match)
    assert titles(result) == ["Cuando llegan los berrinches"]
    assert result.page.items[0].foreign is True


def test_newest_first_without_a_search_title_order_when_asked():
    network = NetworkFactory()
    older = ResourceFactory(network=network, title="Zebra")
    newer = ResourceFactory(network=network, title="Apple")
    older.published_at = newer.published_at.replace(year=newer.published_at.year - 1)
    older.save(update_fields=["published_at"])
    assert [card.resource.title for card in run(network).page.items] == ["Apple", "Zebra"]
    older.published_at, newer.published_at = newer.published_at, older.published_at
    older.save(update_fields=["published_at"])
    newer.save(update_fields=["published_at"])
    assert [card.resource.title for card in run(network).page.items] == ["Zebra", "Apple"]
    assert [card.resource.title for card in run(network, "sort=title").page.items] == ["Apple", "Zebra"]


def test_pages_of_twenty():
    # given 45 resources
    network = NetworkFactory()
    ResourceFactory.create_batch(45, network=network)
    # when the third page is read
    result = run(network, "page=3")
    # then it holds the last five, and knows there is no next page
    assert result.total == 45
    assert len(result.page.items) == 5
    assert result.page.has_previous and not result.page.has_next
    assert run(network, "page=2").page.has_next
    assert run(network, "page=4").past_the_end
