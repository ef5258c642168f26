"""Resource search on the database the suite runs on (CI runs it on SQLite and on PostgreSQL: both must pass)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString

from abrazo.directory.tests.factories import NetworkFactory
from abrazo.library import search
from abrazo.library.models import (
    AgeBand,
    Audience,
    Resource,
    ResourceKind,
    ResourceSearchEntry,
    ResourceStatus,
    Topic,
)
from abrazo.library.tests.factories_resource import ResourceFactory, TopicFactory, translation_of
from abrazo.library.tests.factories_search import library

pytestmark = pytest.mark.django_db


def titles(queryset: Any) -> list[str]:
    return [resource.title for resource in queryset]


def found(text: str, queryset: Any = None) -> list[str]:
    return titles(search.apply_search(Resource.objects.all() if queryset is None else queryset, text))


# --- what a word means ---------------------------------------------------------------------------------------


def test_spanish_stemming_finds_plural_and_singular() -> None:
    # given Spanish resources about tantrums and biting
    library(("es", "Los berrinches de los niños pequeños", "Qué hacer durante una rabieta."),
            ("es", "Cuando un niño muerde", "Las mordidas son comunes a los dos años."),
            ("es", "Rutinas de sueño", "La hora de dormir."))
    # when a visitor searches the singular, or the plural
    # then both find the resource
    assert found("berrinche") == ["Los berrinches de los niños pequeños"]
    assert found("rabietas") == ["Los berrinches de los niños pequeños"]
    assert found("mordida") == ["Cuando un niño muerde"]


def test_english_stemming_finds_other_forms() -> None:
    library(("en", "Tantrums in toddlers", "Staying calm when a toddler melts down."),
            ("en", "Bedtime routines", "Helping babies sleep through the night."))
    assert found("tantrum") == ["Tantrums in toddlers"]
    assert found("routine") == ["Bedtime routines"]
    assert found("sleeping babies") == ["Bedtime routines"]


def test_accents_are_understood_both_ways() -> None:
    # given one resource written with accents and one (carelessly) without
    library(("es", "Niños y emociones", "La educación emocional en casa."),
            ("es", "Canciones para el sueno", "Para ninos que no quieren dormir."))
    # then a query typed without accents finds the accented text, and an accented query the plain one
    assert found("ninos emocion") == ["Niños y emociones"]
    assert found("educacion") == ["Niños y emociones"]
    assert found("sueño") == ["Canciones para el sueno"]
    assert sorted(found("NIÑOS")) == ["Canciones para el sueno", "Niños y emociones"]


def test_each_resource_is_matched_in_its_own_language() -> None:
    # given the same word in an English resource and in a Vietnamese one (folded only, never stemmed)
    library(("en", "Sleep tips", "For families."), ("vi", "Giấc ngủ (sleep)", "Cho gia đình."))
    # then an English form of the word finds the English resource only; the word itself finds both
    assert found("sleeping") == ["Sleep tips"]
    assert sorted(found("sleep")) == ["Giấc ngủ (sleep)", "Sleep tips"]
    assert found("giac ngu") == ["Giấc ngủ (sleep)"]


def test_every_word_of_the_query_must_match_except_function_words() -> None:
    library(("en", "Tips for parents", "Small ideas for every day."), ("en", "Parents and sleep", "At night."))
    assert found("tips for parents") == ["Tips for parents"]
    assert sorted(found("the parents")) == ["Parents and sleep", "Tips for parents"]
    assert found("parents sleep") == ["Parents and sleep"]
    assert found("parents biting") == []


# --- ranking -------------------------------------------------------------------------------------------------


def test_a_title_match_ranks_above_a_summary_match() -> None:
    # given a resource with the word in its summary only, created first, and one with it in its title
    library(("en", "Helping toddlers through big feelings", "What to do when a tantrum starts at the store."),
            ("en", "Tantrums", "A short guide for families."))
    # when searching the word
    results = list(search.apply_search(Resource.objects.all(), "tantrum"))
    # then the title match comes first, with a higher rank (1 to 2 for title matches, below 1 otherwise)
    assert [resource.title for resource in results] == ["Tantrums", "Helping toddlers through big feelings"]
    assert results[0].search_rank >= 1 > results[1].search_rank > 0


def test_every_word_in_the_title_ranks_above_some_in_the_summary() -> None:
    library(("es", "Rutinas para dormir", "El sueño de los bebés."),
            ("es", "El sueño y las rutinas", "Ideas para la noche."))
    assert found("rutinas sueño") == ["El sueño y las rutinas", "Rutinas para dormir"]


def test_newer_resources_rank_first_among_equal_matches() -> None:
    # given three resources with the word in the title, created on different days
    resources = library(("en", "Sleep at home", "Night."), ("en", "Sleep in care", "Night."),
                        ("en", "Sleep and naps", "Night."))
    for days_ago, resource in zip((30, 1, 400), resources, strict=True):
        Resource.objects.filter(pk=resource.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    search.index_resources([resource.pk for resource in resources])
    # then the newest comes first
    assert found("sleep") == ["Sleep in care", "Sleep at home", "Sleep and naps"]


def test_a_resource_matches_once_even_when_title_and_summary_both_match() -> None:
    library(("en", "Biting", "Biting is common; biting passes."))
    results = search.apply_search(Resource.objects.all(), "biting")
    assert results.count() == 1
    assert titles(results) == ["Biting"]


# --- composing with the rest of a queryset ---------------------------------------------------------------------


def test_search_composes_with_every_filter_of_the_browse_page_before_and_after() -> None:
    # given resources that all match, differing in one facet each from the one we look for
    network = NetworkFactory()
    topic = TopicFactory(network=network, key="big-feelings")
    other_topic = TopicFactory(network=network, key="sleep")
    base = {"network": network, "language": "es", "kind": ResourceKind.VIDEO, "audiences": [Audience.FAMILIES],
            "age_from_months": 12, "age_to_months": 36, "topics": [topic], "summary": "Berrinches en casa."}
    wanted = ResourceFactory(title="El buscado", **base)
    ResourceFactory(title="Otra red", **{**base, "network": NetworkFactory(), "topics": []})
    ResourceFactory(title="Sugerido", suggested=True, **base)
    ResourceFactory(title="En inglés", **{**base, "language": "en", "summary": "Berrinches at home."})
    ResourceFactory(title="Hoja", **{**base, "kind": ResourceKind.TIP_SHEET})
    ResourceFactory(title="Para maestras", **{**base, "audiences": [Audience.PROVIDERS]})
    ResourceFactory(title="Para bebés", **{**base, "age_from_months": 0, "age_to_months": 12})
    ResourceFactory(title="Otro tema", **{**base, "topics": [other_topic]})
    ResourceFactory(title="Sin la palabra", **{**base, "summary": "Rutinas."})

    def narrowed(queryset: Any) -> Any:
        return (queryset.published().filter(network=network, language="es", kind=ResourceKind.VIDEO,
                                             topics=topic)
                .for_audience(Audience.FAMILIES).for_age_band(AgeBand.TODDLERS))

    # when the filters come before the search, or after it
    before = search.apply_search(narrowed(Resource.objects.all()), "berrinche")
    after = narrowed(search.apply_search(Resource.objects.all(), "berrinche"))
    # then only the resource with every facet is found, either way, and counted once
    assert [resource.pk for resource in before] == [wanted.pk] == [resource.pk for resource in after]
    assert before.count() == 1 == after.count()


def test_count_and_pages_cover_every_match_once(django_assert_num_queries: Any) -> None:
    # given 25 matching resources and some that do not match
    library(*[("en", f"Sleep idea {n}", "Naps.") for n in range(25)], ("en", "Biting", "Not this one."))
    results = search.apply_search(Resource.objects.all(), "sleep")
    # when a page is read (one query) and the matches counted
    with django_assert_num_queries(1):
        first = list(results[:10])
    pages = [first, list(results[10:20]), list(results[20:30])]
    # then the pages hold every match exactly once, best first
    assert results.count() == 25
    assert sorted(resource.title for page in pages for resource in page) == sorted(
        f"Sleep idea {n}" for n in range(25))
    ranks = [resource.search_rank for page in pages for resource in page]
    assert ranks == sorted(ranks, reverse=True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the plan of SQLite's FTS5 table")
def test_sqlite_reads_a_page_in_index_order_without_sorting() -> None:
    # given a search composed with the browse page's usual filters
    library(("es", "Berrinches", "En la tienda."))
    page = search.apply_search(Resource.objects.published().filter(language="es"), "berrinches")[:21]
    sql, params = page.query.sql_with_params()
    # when SQLite plans it
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
    # then the FTS5 index drives, in rowid order (no sort: a page stops after a page, however many match)
    assert plan.startswith("SCAN library_resource_search VIRTUAL TABLE INDEX"), plan
    assert "TEMP B-TREE" not in plan, plan


def test_a_searched_queryset_works_inside_another_query() -> None:
    # given a topic with a resource about biting, another without
    network = NetworkFactory()
    biting, sleep = TopicFactory(network=network, key="biting"), TopicFactory(network=network, key="sleep")
    ResourceFactory(network=network, title="Biting in the classroom", topics=[biting])
    ResourceFactory(network=network, title="Naps", topics=[sleep])
    # when the search is a subquery (as facet counts use it)
    matching = search.apply_search(Resource.objects.filter(network=network), "bites")
    topics = Topic.objects.filter(resources__in=matching.values("pk"))
    # then the database relabels it like any other queryset
    assert list(topics) == [biting]


def test_staff_may_search_every_status() -> None:
    library(("en", "Published sleep", "Night."))
    ResourceFactory(title="Suggested sleep", summary="Night.", suggested=True)
    ResourceFactory(title="Withdrawn sleep", summary="Night.", withdrawn=True)
    assert sorted(found("sleep")) == ["Published sleep", "Suggested sleep", "Withdrawn sleep"]
    assert found("sleep", Resource.objects.published()) == ["Published sleep"]
    assert found("sleep", Resource.objects.filter(status=ResourceStatus.SUGGESTED)) == ["Suggested sleep"]


def test_a_query_without_words_filters_nothing_and_keeps_the_order() -> None:
    library(("en", "B resource", "x"), ("en", "A resource", "y"))
    for text in ("", "   ", "?!", '"*"'):
        results = search.apply_search(Resource.objects.order_by("title"), text)
        assert titles(results) == ["A resource", "B resource"]
        assert {resource.search_rank for resource in results} == {0.0}


@pytest.mark.parametrize("text", [
    '"', "'", "*", "NEAR(sleep naps)", "sleep NOT naps", "(sleep", "title: sleep", "{title} : sleep", "sleep:*",
    "sleep & naps | !x", "a' OR '1'='1", "'; DROP TABLE library_resource; --", "\\", "%", "_", "sleep AND", "OR",
    "^sleep", "\x00sleep", "🙂", "s" * 5000, " ".join(["sleep"] * 300), "ñ" * 3000,
])
def test_special_characters_never_error(text: str) -> None:
    # given a resource, and a query made of characters that mean something to SQL, FTS5 or tsquery
    library(("en", "Sleep and naps", "Night."))
    # when it is searched, counted and read
    results = search.apply_search(Resource.objects.all(), text)
    # then nothing fails: they are ordinary characters (words must still all match)
    assert results.count() == len(titles(results)) <= 1


@pytest.mark.parametrize(("text", "expected"), [
    ('"sleep', ["Sleep and naps"]),
    ("sleep*", ["Sleep and naps"]),
    ("sleep -naps", ["Sleep and naps"]),  # "-" is not NOT: both words must be there
    ("(sleep) AND (naps)", ["Sleep and naps"]),  # "and" is an English function word, dropped
    ("NEAR(sleep naps)", []),  # "near" is a word like any other, and the resource does not have it
    ("sleep OR biting", []),  # "or" is dropped, "biting" is not there
    ("title: sleep", []),
])
def test_operators_typed_are_words(text: str, expected: list[str]) -> None:
    library(("en", "Sleep and naps", "Night."))
    assert found(text) == expected


# --- keeping the index in step -----------------------------------------------------------------------------


def test_an_edit_is_found_once_reindexed() -> None:
    # given a resource, edited behind the index's back (as a service does before calling index_resources)
    resource = ResourceFactory(title="Naps in child care", summary="Short sleeps.")
    Resource.objects.filter(pk=resource.pk).update(title="Biting in child care", summary="Toddlers bite.")
    assert found("naps") == ["Biting in child care"]  # the index still has the old words
    # when it is reindexed
    search.index_resources([resource.pk])
    # then the new words find it and the old ones no longer do
    assert found("naps") == []
    assert found("bites") == ["Biting in child care"]


def test_a_deleted_resource_leaves_nothing_once_reindexed() -> None:
    resource = ResourceFactory(title="Naps in child care", summary="Short sleeps.")
    kept = ResourceFactory(title="Naps at home", summary="Short sleeps.")
    resource_id = resource.pk
    resource.delete()
    # its index rows join nothing before the reindex (no error, not found) ...
    assert found("naps") == ["Naps at home"]
    # ... and are gone after it
    search.index_resources([str(resource_id)])
    assert not ResourceSearchEntry.objects.filter(resource_id=resource_id).exists()
    assert ResourceSearchEntry.objects.filter(resource_id=kept.pk).count() == 2  # its title row and full row


def test_a_new_translation_is_found_in_its_language() -> None:
    english = ResourceFactory(title="Big feelings", summary="Naming emotions.")
    spanish = translation_of(english, title="Emociones fuertes", summary="Ponerle nombre a lo que sentimos.")
    assert found("emocion") == ["Emociones fuertes"]
    assert found("emotions") == ["Big feelings"]
    assert found("fuertes", Resource.objects.filter(work=english.work)) == [spanish.title]


def test_reindex_library_rebuilds_the_index() -> None:
    # given resources whose index was lost
    library(("es", "Berrinches", "En la tienda."), ("en", "Tantrums", "At the store."))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM library_resource_search")
    assert found("berrinches") == []
    # when the command runs
    output = io.StringIO()
    call_command("reindex_library", stdout=output)
    assert output.getvalue().startswith("2 resource(s) indexed")
    # then everything is found again
    assert found("berrinches") == ["Berrinches"]
    assert found("tantrums") == ["Tantrums"]
    assert search.reindex_all() == 2


# --- highlighting --------------------------------------------------------------------------------------------


def test_highlight_is_safe_html_marking_what_the_search_matched() -> None:
    marked = search.highlight("Los niños & sus <berrinches>", "nino berrinche", "es")
    assert isinstance(marked, SafeString)
    assert marked == "Los <mark>niños</mark> &amp; sus &lt;<mark>berrinches</mark>&gt;"
    assert search.highlight("Tantrums", "", "en") == "Tantrums"
