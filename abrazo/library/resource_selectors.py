"""Reads for the public resource library: browsing a network's published resources with facets and search, one
resource with its other language versions and related resources, and its uploaded file.

Everything here is public (no sign-in, and signed-in staff see the same pages), so nothing is scoped by a user:
what scopes it is the status (published only) and the network. Fields about a suggestion's sender
(suggested_by_*, suggestion_note) and curation notes (decline_reason, link checks) are never read for these pages.

Facets follow the usual faceted-search rule: within a facet the choices are alternatives (a video *or* a tip
sheet), across facets they all apply (a video for families). Each facet's counts are computed over the current
results with every other facet's selection applied but not its own, so a count always says how many resources a
visitor would see after ticking that box too.

When no language is chosen, a resource available in the page's language is shown once, in that language, with
links to its other versions ("Also in Español"); a version in another language is shown on its own only when
the page's language version does not match (a Spanish search word finds the Spanish version).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Protocol
from uuid import UUID

from django.db import connections
from django.db.models import Count, F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThan
from django.shortcuts import get_object_or_404
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language_info, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from abrazo.core.listing import attach_detail_urls
from abrazo.core.pagination import Page
from abrazo.directory.models import Network
from abrazo.library import browse_cache, search, search_text
from abrazo.library.models import (
    AGE_BAND_MONTHS,
    AgeBand,
    Audience,
    LinkStatus,
    Resource,
    ResourceKind,
    ResourceStatus,
    Topic,
    audience_bit,
    audience_bits_of,
)

PER_PAGE = 20
MAX_PAGE = 500  # deeper than anyone reads; keeps OFFSET small
MAX_TEXT = 200  # characters of a search kept
SUMMARY_WORDS = 45  # words of a summary on a result card
RELATED_COUNT = 6

# The names of the GET parameters, which are also the facets' names.
TYPE, AUDIENCE, TOPIC, LANGUAGE, AGE = "type", "audience", "topic", "language", "age"
FACETS = (TYPE, AUDIENCE, TOPIC, LANGUAGE, AGE)
RELEVANCE, NEWEST, TITLE = "relevance", "newest", "title"
SORTS = (RELEVANCE, NEWEST, TITLE)

# Short names of the age bands for result cards (the facet uses the models' longer labels, with the ages).
AGE_SHORT: dict[str, Any] = {
    AgeBand.INFANTS: gettext_lazy("Infants"),
    AgeBand.TODDLERS: gettext_lazy("Toddlers"),
    AgeBand.PRESCHOOL: gettext_lazy("Preschoolers"),
}
# A language code as people write it (en, es, pt-br); anything else in the address is not a language.
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


class QueryParams(Protocol):
    """What is read from request.GET (a QueryDict), so that tests and other callers may pass their own."""

    def get(self, key: str, default: Any = ...) -> Any: ...

    def getlist(self, key: str) -> list[str]: ...


# Names Django does not know of languages that families in our networks speak (Django knows zh-hans, not zh).
_LOCAL_NAMES = {"zh": "中文", "tl": "Tagalog", "hmn": "Hmoob"}


def language_name(code: str) -> str:
    """A language's name in that language ("English", "Español"): how people look for their own language."""
    if code in _LOCAL_NAMES:
        return _LOCAL_NAMES[code]
    try:
        name = str(get_language_info(code)["name_local"])
    except KeyError:
        return code
    return name[:1].upper() + name[1:]


def age_bands_of(age_from_months: int, age_to_months: int) -> list[str]:
    """The age bands a month range overlaps (the range's end is not included)."""
    return [band for band, (start, end) in AGE_BAND_MONTHS.items()
            if age_from_months < end and age_to_months > start]


def _age_point(months: int) -> str:
    if months == 0:
        return _("birth")
    if months % 12 == 0 and months >= 24:
        years = months // 12
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d month", "%(count)d months", months) % {"count": months}


def age_range_text(age_from_months: int, age_to_months: int) -> str:
    """"From birth up to 3 years": the range's end is not included, as in the model."""
    return _("From %(start)s up to %(end)s") % {"start": _age_point(age_from_months),
                                                 "end": _age_point(age_to_months)}


# --- the network -------------------------------------------------------------------------------------------


def networks_with_resources() -> QuerySet[Network]:
    published = Resource.objects.filter(status=ResourceStatus.PUBLISHED).values("network_id")
    return Network.objects.filter(pk__in=published).order_by("name")


def active_topics(network: Network) -> list[Topic]:
    return list(Topic.objects.filter(network=network, is_active=True).order_by("position", "name_en"))


# --- what the visitor asked for ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    text: str = ""
    kinds: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # topic keys of the network
    languages: tuple[str, ...] = ()
    ages: tuple[str, ...] = ()
    sort: str = ""  # as asked; see `ordering`
    page: int = 1

    def selected(self, facet: str) -> tuple[str, ...]:
        return {TYPE: self.kinds, AUDIENCE: self.audiences, TOPIC: self.topics, LANGUAGE: self.languages,
                AGE: self.ages}[facet]

    @property
    def ordering(self) -> str:
        """Relevance when searching (unless another order was asked for), newest first otherwise."""
        if self.sort in (NEWEST, TITLE):
            return self.sort
        return RELEVANCE if self.text else NEWEST

    @property
    def any_facet(self) -> bool:
        return any(self.selected(facet) for facet in FACETS)

    def params(self, *, without: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        """The filters as GET parameters (page left out): for links that keep them, or drop one value."""
        pairs: list[tuple[str, str]] = [("q", self.text)] if self.text else []
        for facet in FACETS:
            pairs.extend((facet, value) for value in self.selected(facet) if (facet, value) != without)
        if self.sort in (NEWEST, TITLE) or (self.sort == RELEVANCE and self.text):
            pairs.append(("sort", self.sort))
        return pairs


@dataclass
class ParsedFilters:
    filters: Filters
    ignored: list[str] = field(default_factory=list)  # parameter names with values that were left out
    shortened: bool = False  # the search was longer than MAX_TEXT
    page_asked: str = ""


def _chosen(raw_values: list[str], name: str, allowed: Iterable[str], ignored: list[str]) -> tuple[str, ...]:
    allowed = set(allowed)
    values: list[str] = []
    for raw in raw_values:
        value = raw.strip()
        if not value:
            continue  # an empty <select> choice means "any"
        if value not in allowed:
            if name not in ignored:
                ignored.append(name)
            continue
        if value not in values:
            values.append(value)
    return tuple(values)


def parse_filters(params: QueryParams, *, topics: list[Topic]) -> ParsedFilters:
    """Read the filters from the address. A value that names nothing (an unknown type, a topic of another network,
    a page that is not a number) is left out and named in `ignored`, never an error page."""
    ignored: list[str] = []
    text = " ".join(str(params.get("q", "") or "").split())
    shortened = len(text) > MAX_TEXT
    text = text[:MAX_TEXT]
    languages = [value.strip().lower() for value in params.getlist(LANGUAGE)]
    sort = str(params.get("sort", "") or "").strip()
    if sort and sort not in SORTS:
        ignored.append("sort")
        sort = ""
    page_asked = str(params.get("page", "") or "").strip()
    try:
        page = int(page_asked) if page_asked else 1
    except ValueError:
        ignored.append("page")
        page = 1
    if page < 1 or page > MAX_PAGE:
        if "page" not in ignored:
            ignored.append("page")
        page = 1
    filters = Filters(
        text=text,
        kinds=_chosen(params.getlist(TYPE), TYPE, ResourceKind.values, ignored),
        audiences=_chosen(params.getlist(AUDIENCE), AUDIENCE, Audience.values, ignored),
        topics=_chosen(params.getlist(TOPIC), TOPIC, (topic.key for topic in topics), ignored),
        languages=_chosen(languages, LANGUAGE, (code for code in languages if _LANGUAGE_CODE.match(code)), ignored),
        ages=_chosen(params.getlist(AGE), AGE, AgeBand.values, ignored),
        sort=sort,
        page=page,
    )
    return ParsedFilters(filters=filters, ignored=ignored, shortened=shortened, page_asked=page_asked)


# --- browsing ----------------------------------------------------------------------------------------------


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    lang: str = ""  # the label's language when it is not the page's (a language's own name)


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption]
    selected: int  # how many of its options are ticked

    @property
    def shown(self) -> bool:
        return bool(self.options)


@dataclass
class Translation:
    language: str
    language_label: str
    title: str
    url: str


@dataclass
class Card:
    resource: Resource
    url: str
    title: SafeString
    summary: SafeString
    kind_label: str
    audience_labels: list[str]
    age_labels: list[str]
    language: str
    language_label: str
    foreign: bool  # in a language other than the page's: its text carries a lang attribute
    translations: list[Translation]


@dataclass
class Browse:
    network: Network
    filters: Filters
    page: Page[Card]
    total: int
    facets: list[Facet]
    one_per_work_in: str  # the page's language when other language versions are folded into its version, or ""
    topics_by_key: dict[str, Topic]

    @property
    def past_the_end(self) -> bool:
        return self.total > 0 and not self.page.items


def published_in(network: Network) -> QuerySet[Resource]:
    return Resource.objects.filter(network=network, status=ResourceStatus.PUBLISHED)


def _narrowed(queryset: QuerySet[Resource], filters: Filters, topic_ids: list[Any], *,
              skip: str | None = None) -> QuerySet[Resource]:
    """Apply every facet's selection except `skip`'s (alternatives within a facet, all facets together)."""
    if filters.kinds and skip != TYPE:
        queryset = queryset.filter(kind__in=filters.kinds)
    if filters.audiences and skip != AUDIENCE:
        # Any of the chosen audiences: one bitwise AND with all their bits.
        queryset = queryset.filter(GreaterThan(F("audience_bits").bitand(audience_bits_of(filters.audiences)), 0))
    if topic_ids and skip != TOPIC:
        # A subquery rather than a join, so that a resource with two chosen topics is listed once.
        queryset = queryset.filter(pk__in=Resource.topics.through.objects.filter(topic_id__in=topic_ids)
                                   .values("resource_id"))
    if filters.languages and skip != LANGUAGE:
        queryset = queryset.filter(language__in=filters.languages)
    if filters.ages and skip != AGE:
        overlaps = Q()
        for band in filters.ages:
            start, end = AGE_BAND_MONTHS[band]
            overlaps |= Q(age_from_months__lt=end, age_to_months__gt=start)
        queryset = queryset.filter(overlaps)
    return queryset


def _one_per_work(queryset: QuerySet[Resource], language: str) -> QuerySet[Resource]:
    """Leave out other language versions of works whose version in `language` is in `queryset` too."""
    shown_in_language = queryset.filter(language=language).order_by().values("work_id")
    return queryset.exclude(Q(work_id__in=shown_in_language) & ~Q(language=language))


def _folding_language(filters: Filters, page_language: str) -> str:
    """The language versions are folded into when no single language was chosen and the page's is allowed."""
    if not filters.languages or (len(filters.languages) > 1 and page_language in filters.languages):
        return page_language
    return ""


def _matching(network: Network, filters: Filters, topic_ids: list[Any], page_language: str, *,
              skip: str | None = None) -> QuerySet[Resource]:
    queryset = _narrowed(published_in(network), filters, topic_ids, skip=skip)
    if filters.text:
        queryset = search.apply_search(queryset, filters.text)
    folding = "" if skip == LANGUAGE else _folding_language(filters, page_language)
    if folding:
        queryset = _one_per_work(queryset, folding)
    return queryset


@dataclass(frozen=True)
class Counts:
    """How many resources match (`total`) and, for each facet, how many each of its choices would give: counted
    over the matches with every other facet's selection applied but not its own. Topics by id (as text)."""

    total: int
    kinds: dict[str, int]
    audiences: dict[str, int]
    topics: dict[str, int]
    languages: dict[str, int]
    ages: dict[str, int]
    read: int = 0  # resources the counting read (every match of the search, before the facets' selections)


def _ids(queryset: QuerySet[Resource]) -> QuerySet[Resource]:
    """The matching resources as a plain `pk IN (...)` query: counting over it needs nothing of how the search
    narrows or ranks."""
    return Resource.objects.filter(pk__in=queryset.order_by().values("pk"))


def _counts_by(queryset: QuerySet[Resource], column: str) -> dict[str, int]:
    return {row[column]: row["n"] for row in _ids(queryset).values(column).annotate(n=Count("pk")).order_by()}


def counts_by_queries(network: Network, filters: Filters, topic_ids: list[Any], page_language: str) -> Counts:
    """The counts the first way: one query for the total and one per facet, each over its own matches. Exact and
    plain, but each query reads every match again (2.3 s on SQLite for 100,000 resources): kept as the
    reference the tests check `counts_in_one_pass` against, and that the benchmark compares it with."""
    def over(facet: str) -> QuerySet[Resource]:
        return _matching(network, filters, topic_ids, page_language, skip=facet)

    total = _matching(network, filters, topic_ids, page_language).order_by().count()
    audiences = _ids(over(AUDIENCE)).aggregate(**{
        value: Count("pk", filter=GreaterThan(F("audience_bits").bitand(audience_bit(value)), 0))
        for value in Audience.values
    })
    ages = _ids(over(AGE)).aggregate(**{
        band: Count("pk", filter=Q(age_from_months__lt=end, age_to_months__gt=start))
        for band, (start, end) in AGE_BAND_MONTHS.items()
    })
    topics = {
        str(row["topic_id"]): row["n"]
        for row in Resource.topics.through.objects.filter(resource_id__in=over(TOPIC).order_by().values("pk"))
        .values("topic_id").annotate(n=Count("pk")).order_by()
    }
    return Counts(total=total, kinds=_counts_by(over(TYPE), "kind"), audiences=audiences, topics=topics,
                  languages=_counts_by(over(LANGUAGE), "language"), ages=ages)


_WORK, _KIND, _LANGUAGE, _BITS, _FROM, _TO = range(6)


def counts_in_one_pass(network: Network, filters: Filters, topic_ids: list[Any], page_language: str) -> Counts:
    """The same counts as `counts_by_queries` from one read of the search's matches (no facet selection applied):
    each match's work, type, language, audiences, ages and topics, then counted here.

    A match counts for facet F's choices when it passes every other facet's selection, and towards the total when
    it passes them all: the matches failing each ticked facet are collected once, and each facet's matches are
    every match but those failing another facet. The other language versions of a work are then folded into the
    page's language (as `_one_per_work` does), separately for each facet's matches, since they may hold a
    version the total's do not.

    Why: each query of the reference reads every match again, with the folding's subquery (0.25 to 0.45 s each
    on SQLite at 100,000 resources, six of them); this reads them once (docs/benchmarks.md, "Resource search
    (issue 7)"). Ids are read as text: compared and hashed a few hundred thousand times here, Python's UUIDs
    (which PostgreSQL's driver makes) took half the time."""
    matches = published_in(network)
    if filters.text:
        matches = search.apply_search(matches, filters.text)
    # One row per (resource, topic): a LEFT JOIN, so a resource without a topic comes once, with None.
    columns = matches.order_by().annotate(
        pk_text=Cast("pk", TextField()), work_text=Cast("work_id", TextField()),
        topic_text=Cast("topics", TextField()),
    ).values_list("pk_text", "work_text", "kind", "language", "audience_bits", "age_from_months", "age_to_months",
                  "topic_text")
    sql, params = columns.query.sql_with_params()
    # The database's own values, without Django's converters (which read each row in Python again).
    with connections[columns.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Built with itemgetter and map (loops in C): a Python loop over 100,000 rows costs tens of milliseconds each.
    resources: dict[str, tuple[Any, ...]] = dict(zip(map(itemgetter(0), rows), map(itemgetter(slice(1, 7)), rows),
                                                     strict=True))
    topic_rows = [(row[0], row[7]) for row in rows if row[7] is not None]
    # A topic's id as the database wrote it (SQLite: 32 hex digits) and as Django writes a UUID (with hyphens).
    topic_text = {raw: str(UUID(raw)) for raw in {topic for _pk, topic in topic_rows}}

    # The matches failing each ticked facet.
    failing: dict[str, set[str]] = {}
    if filters.kinds:
        kinds = set(filters.kinds)
        failing[TYPE] = {pk for pk, row in resources.items() if row[_KIND] not in kinds}
    if filters.audiences:
        wanted = audience_bits_of(filters.audiences)
        failing[AUDIENCE] = {pk for pk, row in resources.items() if not row[_BITS] & wanted}
    if topic_ids:
        chosen = {str(topic_id) for topic_id in topic_ids}
        failing[TOPIC] = resources.keys() - {pk for pk, topic in topic_rows if topic_text[topic] in chosen}
    if filters.languages:
        languages = set(filters.languages)
        failing[LANGUAGE] = {pk for pk, row in resources.items() if row[_LANGUAGE] not in languages}
    if filters.ages:
        bands = [AGE_BAND_MONTHS[band] for band in filters.ages]
        failing[AGE] = {pk for pk, row in resources.items()
                        if not any(row[_FROM] < end and row[_TO] > start for start, end in bands)}
    folding = _folding_language(filters, page_language)

    def matching(skip: str | None) -> set[str]:
        found = set(resources)
        for facet, fails in failing.items():
            if facet != skip:
                found -= fails
        fold = "" if skip == LANGUAGE else folding
        if fold:
            shown_in_language = {resources[pk][_WORK] for pk in found if resources[pk][_LANGUAGE] == fold}
            found = {pk for pk in found
                     if resources[pk][_LANGUAGE] == fold or resources[pk][_WORK] not in shown_in_language}
        return found

    everything = matching(None)

    def over(facet: str) -> set[str]:
        # A facet with nothing ticked fails no match: its matches are the total's (but for the language facet's,
        # which are never folded).
        return matching(facet) if facet in failing or facet == LANGUAGE else everything

    def column(facet: str, picked: itemgetter[Any]) -> Counter[Any]:
        return Counter(map(picked, map(resources.__getitem__, over(facet))))

    by_bits = column(AUDIENCE, itemgetter(_BITS))
    by_range = column(AGE, itemgetter(_FROM, _TO))
    topic_matches = over(TOPIC)
    return Counts(
        total=len(everything),
        kinds=dict(column(TYPE, itemgetter(_KIND))),
        audiences={value: sum(n for bits, n in by_bits.items() if bits & audience_bit(value))
                   for value in Audience.values},
        topics=dict(Counter(topic_text[topic] for pk, topic in topic_rows if pk in topic_matches)),
        languages=dict(column(LANGUAGE, itemgetter(_LANGUAGE))),
        ages={band: sum(n for (low, high), n in by_range.items() if low < end and high > start)
              for band, (start, end) in AGE_BAND_MONTHS.items()},
        read=len(resources),
    )


def _facets(filters: Filters, topics: list[Topic], counts: Counts, page_language: str) -> list[Facet]:
    def facet(name: str, label: str, options: list[tuple[str, str, int, str]]) -> Facet:
        chosen = filters.selected(name)
        # A choice that would give nothing is left out, unless it is ticked (so it can be unticked).
        shown = [FacetOption(value, choice_label, count, value in chosen, lang)
                 for value, choice_label, count, lang in options if count or value in chosen]
        return Facet(name=name, label=label, options=shown, selected=len(chosen))

    languages = counts.languages
    language_order = sorted(set(languages) | set(filters.languages),
                            key=lambda code: (code != page_language, language_name(code).lower()))
    return [
        facet(TYPE, _("Type"), [(value, str(label), counts.kinds.get(value, 0), "") for value, label in
                                ResourceKind.choices]),
        facet(AUDIENCE, _("For"), [(value, str(label), counts.audiences.get(value, 0), "")
                                   for value, label in Audience.choices]),
        facet(TOPIC, _("Topic"), [(topic.key, topic.name, counts.topics.get(str(topic.pk), 0), "")
                                  for topic in topics]),
        facet(LANGUAGE, _("Language"), [
            (code, language_name(code), languages.get(code, 0), "" if code == page_language else code)
            for code in language_order
        ]),
        facet(AGE, _("Ages"), [(value, str(label), counts.ages.get(value, 0), "") for value, label in
                               AgeBand.choices]),
    ]


def _ordered(queryset: QuerySet[Resource], filters: Filters) -> QuerySet[Resource]:
    if filters.ordering == RELEVANCE:
        return queryset  # apply_search ordered it, best first
    if filters.ordering == TITLE:
        return queryset.order_by("title", "pk")
    return queryset.order_by(F("published_at").desc(nulls_last=True), "title", "pk")


def _translations_of(network: Network, resources: list[Resource]) -> dict[Any, list[Resource]]:
    """Every published version of the works of `resources`, by work, in one query."""
    versions: dict[Any, list[Resource]] = {}
    if not resources:
        return versions
    # By work only, the network and status checked here: given them too, SQLite (without statistics) read the
    # network's published resources by their index and checked each one's work (35 ms for a page of 100,000).
    rows = (Resource.objects.filter(work_id__in={resource.work_id for resource in resources})
            .only("pk", "work_id", "language", "title", "status", "network_id").order_by("language", "pk"))
    for version in rows:
        if version.status == ResourceStatus.PUBLISHED and version.network_id == network.pk:
            versions.setdefault(version.work_id, []).append(version)
    return versions


def _translation_links(resource: Resource, versions: list[Resource], detail_url: str) -> list[Translation]:
    head, _pk, tail = detail_url.partition(str(resource.pk))
    return [Translation(language=version.language, language_label=language_name(version.language),
                        title=version.title, url=f"{head}{version.pk}{tail}")
            for version in versions if version.pk != resource.pk and version.language != resource.language]


def cards_for(resources: list[Resource], *, network: Network, text: str, page_language: str) -> list[Card]:
    """Result cards: labels translated once per page, the search words marked, the other versions linked."""
    attach_detail_urls(resources, "library:resource-detail")
    versions = _translations_of(network, resources)
    kinds = {value: str(label) for value, label in ResourceKind.choices}
    audiences = {value: str(label) for value, label in Audience.choices}
    ages = {str(band): str(label) for band, label in AGE_SHORT.items()}
    cards = []
    for resource in resources:
        summary = Truncator(resource.summary).words(SUMMARY_WORDS)
        cards.append(Card(
            resource=resource,
            url=resource.detail_url,  # type: ignore[attr-defined]
            title=search.highlight(resource.title, text, resource.language) if text else escape(resource.title),
            summary=search.highlight(summary, text, resource.language) if text else escape(summary),
            kind_label=kinds.get(resource.kind, resource.kind),
            audience_labels=[audiences[value] for value in resource.audiences],
            age_labels=[ages[band] for band in age_bands_of(resource.age_from_months, resource.age_to_months)],
            language=resource.language,
            language_label=language_name(resource.language),
            foreign=not _same_language(resource.language, page_language),
            translations=_translation_links(resource, versions.get(resource.work_id, []),
                                            resource.detail_url),  # type: ignore[attr-defined]
        ))
    return cards


def _same_language(code: str, page_language: str) -> bool:
    return code.split("-")[0] == page_language.split("-")[0]


# Counts (and a page's ids) are kept between requests (browse_cache) when counting read at least this many
# resources. Below that it takes a few milliseconds: keeping it would only fill the table, and small libraries
# (every test's) are always counted afresh.
REMEMBER_FROM = 2000
Counting = Callable[[Network, Filters, list[Any], str], Counts]


def _filters_key(network: Network, filters: Filters, topic_ids: list[Any], page_language: str) -> tuple[Any, ...]:
    """What the counts depend on, normalised: the search as the search understands it (so "Sueño" and "sueno"
    share their counts), each facet's selection in any order, and the language versions are folded into."""
    query = search_text.parse_query(filters.text) if filters.text else None
    return (str(network.pk), repr(query), tuple(sorted(filters.kinds)), tuple(sorted(filters.audiences)),
            tuple(sorted(str(topic_id) for topic_id in topic_ids)), tuple(sorted(filters.languages)),
            tuple(sorted(filters.ages)), _folding_language(filters, page_language))


def browse(*, network: Network, filters: Filters, topics: list[Topic], page_language: str) -> Browse:
    """One page of the network's published resources matching `filters`, with every facet's counts.

    `topics` are the network's active topics (read once by the caller, which checked the topic keys against
    them). The counts come from one read of the matches (`counts_in_one_pass`), kept for the network's library
    version when that read was large (browse_cache: any change to the library replaces the version, so it shows
    at once); a page's resource ids are kept with them. A handful of queries whatever the size of the library."""
    return _browse(network=network, filters=filters, topics=topics, page_language=page_language,
                   counting=counts_in_one_pass, keep=True)


def browse_by_queries(*, network: Network, filters: Filters, topics: list[Topic], page_language: str) -> Browse:
    """The browse page the first way, for the benchmark to compare with: a query per count, nothing kept."""
    return _browse(network=network, filters=filters, topics=topics, page_language=page_language,
                   counting=counts_by_queries, keep=False)


def _browse(*, network: Network, filters: Filters, topics: list[Topic], page_language: str, counting: Counting,
            keep: bool) -> Browse:
    page_language = page_language.split("-")[0]
    topics_by_key = {topic.key: topic for topic in topics}
    topic_ids = [topics_by_key[key].pk for key in filters.topics if key in topics_by_key]
    key: tuple[Any, ...] = ()
    counts = None
    if keep:
        key = (browse_cache.library_version(network.pk), *_filters_key(network, filters, topic_ids, page_language))
        counts = browse_cache.remembered(("counts", *key))
    keeping = keep and counts is not None
    if counts is None:
        counts = counting(network, filters, topic_ids, page_language)
        keeping = keep and counts.read >= REMEMBER_FROM
        if keeping:
            browse_cache.remember(("counts", *key), counts)
    total = counts.total
    offset = (filters.page - 1) * PER_PAGE
    rows: list[Resource] = []
    if offset < total:
        page_key = ("page", *key, filters.ordering, filters.page)
        kept_ids = browse_cache.remembered(page_key) if keeping else None
        # Never needed on a card, and some must never be shown publicly.
        private = ("suggested_by_name", "suggested_by_email", "suggestion_note", "decline_reason", "link_error")
        if kept_ids is not None:
            # Read by id (still published ones only), in the order kept: the ordered read of a large library
            # costs 0.2 s on SQLite (it sorts every match), reading twenty rows by id a millisecond.
            # By id only, for the same reason as in _translations_of (SQLite read the network's index instead).
            found = {row.pk: row for row in Resource.objects.filter(pk__in=kept_ids).defer(*private)
                     if row.status == ResourceStatus.PUBLISHED and row.network_id == network.pk}
            rows = [found[pk] for pk in kept_ids if pk in found]
        else:
            results = _matching(network, filters, topic_ids, page_language)
            rows = list(_ordered(results, filters).defer(*private)[offset:offset + PER_PAGE])
            if keeping:
                browse_cache.remember(page_key, [row.pk for row in rows])
    cards = cards_for(rows, network=network, text=filters.text, page_language=page_language)
    page = Page(items=cards, number=filters.page, has_next=offset + PER_PAGE < total,
                has_previous=filters.page > 1, querystring_base="")
    return Browse(
        network=network, filters=filters, page=page, total=total,
        facets=_facets(filters, topics, counts, page_language),
        one_per_work_in=_folding_language(filters, page_language), topics_by_key=topics_by_key,
    )


# --- one resource ------------------------------------------------------------------------------------------


@dataclass
class Related:
    resource: Resource
    url: str
    foreign: bool
    language_label: str
    kind_label: str


@dataclass
class Detail:
    resource: Resource
    kind_label: str
    audience_labels: list[str]
    age_labels: list[str]
    age_text: str
    language_label: str
    foreign: bool
    topics: list[Topic]
    translations: list[Translation]
    related: list[Related]
    curator_name: str
    external_url: str  # the link, when it is a web address (never a javascript: or data: one)
    link_broken: bool
    file_url: str = ""


def resource_get(*, resource_id: UUID) -> Resource:
    """A published resource (of any network: published resources are public), else 404."""
    return get_object_or_404(
        Resource.objects.filter(status=ResourceStatus.PUBLISHED).select_related("network", "curated_by").defer(
            "suggested_by_name", "suggested_by_email", "suggestion_note", "decline_reason", "link_error",
        ),
        pk=resource_id,
    )


def related_to(resource: Resource, topic_ids: list[Any], *, page_language: str,
               limit: int = RELATED_COUNT) -> list[Resource]:
    """Other published resources of the network sharing the most topics with `resource`, one version per work
    (in the page's language where there is one), newest first among equals."""
    if not topic_ids:
        return []
    candidates = (published_in(resource.network).exclude(work_id=resource.work_id)
                  .filter(topics__in=topic_ids).annotate(shared=Count("topics"))
                  .only("pk", "work_id", "language", "title", "kind", "published_at")
                  .order_by("-shared", F("published_at").desc(nulls_last=True), "pk")[:limit * 4])
    by_work: dict[Any, list[Resource]] = {}
    for candidate in candidates:
        by_work.setdefault(candidate.work_id, []).append(candidate)
    chosen = []
    for versions in list(by_work.values())[:limit]:
        in_language = [version for version in versions if _same_language(version.language, page_language)]
        chosen.append(in_language[0] if in_language else versions[0])
    return chosen


def detail(*, resource: Resource, page_language: str) -> Detail:
    """What the resource's page shows: its labels, topics, other language versions and related resources."""
    page_language = page_language.split("-")[0]
    topics = [topic for topic in resource.topics.all() if topic.is_active]
    versions = _translations_of(resource.network, [resource]).get(resource.work_id, [])
    related = related_to(resource, [topic.pk for topic in topics], page_language=page_language)
    attach_detail_urls([resource, *related], "library:resource-detail")
    kinds = {value: str(label) for value, label in ResourceKind.choices}
    audiences = {value: str(label) for value, label in Audience.choices}
    curator = resource.curated_by
    return Detail(
        resource=resource,
        kind_label=kinds.get(resource.kind, resource.kind),
        audience_labels=[audiences[value] for value in resource.audiences],
        age_labels=[str(AGE_SHORT[band]) for band in age_bands_of(resource.age_from_months,
                                                                   resource.age_to_months)],
        age_text=age_range_text(resource.age_from_months, resource.age_to_months),
        language_label=language_name(resource.language),
        foreign=not _same_language(resource.language, page_language),
        topics=topics,
        translations=_translation_links(resource, versions, resource.detail_url),  # type: ignore[attr-defined]
        related=[Related(resource=other, url=other.detail_url,  # type: ignore[attr-defined]
                         foreign=not _same_language(other.language, page_language),
                         language_label=language_name(other.language),
                         kind_label=kinds.get(other.kind, other.kind)) for other in related],
        curator_name=curator.full_name if curator is not None else "",
        external_url=resource.url if resource.url.lower().startswith(("https://", "http://")) else "",
        link_broken=resource.link_status == LinkStatus.BROKEN,
    )


def resource_file_get(*, resource_id: UUID) -> Resource:
    """A published resource that has an uploaded file, else 404."""
    resource = get_object_or_404(
        Resource.objects.filter(status=ResourceStatus.PUBLISHED).exclude(file="")
        .only("pk", "title", "file", "language", "status", "updated_at"), pk=resource_id,
    )
    return resource

