"""Resource search: one interface over PostgreSQL full-text search and SQLite FTS5.

- `apply_search(queryset, text)` narrows any resource queryset (already filtered by network, status, language,
  kind, audience, topics, ages... or filtered afterwards) to the resources matching `text`, annotated with
  `search_rank` (higher is better) and ordered by it, best first. It stays a lazy queryset: count it, slice it,
  paginate it like any other.
- `highlight(text, query, language)` marks the words of a text that the query matched.
- `index_resources(ids)` keeps the search structures in step with the resources (the services call it after
  every create, edit, status change or delete); `reindex_all()` rebuilds everything (`abrazo reindex_library`).

What a word means (folding, stemming per language, function words) is decided in `search_text.py`, the same
for both databases; each database only stores the terms and looks them up in its own index:

- SQLite: an FTS5 table; PostgreSQL: a table of tsvectors written as literals of our own terms, GIN-indexed,
  queried with a tsquery literal. We do not use PostgreSQL's `english`/`spanish` configurations (nor
  `unaccent`): their stems and stop words differ from what SQLite would find (PostgreSQL folds accents after
  stemming, if at all), so the same query would find different resources on the two databases, and the
  highlighter could not know which words PostgreSQL matched. With our own terms the two databases find the same
  resources, in the same order, and the highlighter marks exactly those words.
- Ranking is the index rows' order (`search_text.IndexRow`): title matches first, then newer resources, read
  in rowid order. We tried bm25() and ts_rank() first: they score every match, so a common word ("niños",
  "families": tens of thousands of resources) took 0.3 to 1.5 s for a page; in rowid order a page reads about
  one row per result (docs/benchmarks.md, "Resource search"). On PostgreSQL the table is partitioned by tier
  (title rows, full rows), so the planner reads the title rows first and chooses, for each part, between
  reading it in order and checking rows, or collecting its few matches from the GIN index and sorting them.

Every resource is indexed whatever its status: public pages filter published ones, staff queues search all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import Cast
from django.utils.safestring import SafeString, mark_safe

from abrazo.library import browse_cache, search_text

if TYPE_CHECKING:
    from abrazo.library.models import Resource

BATCH = 500  # ids per statement: well under SQLite's limit on parameters


def apply_search(queryset: QuerySet[Resource], text: str) -> QuerySet[Resource]:
    """Narrow `queryset` to the resources matching `text` (in each resource's own language: stemming and accents
    understood), annotated with `search_rank` (higher is better) and ordered by it, best first. A query with no
    word in it (empty, or only punctuation) filters nothing and keeps the queryset's order, ranked 0."""
    query = search_text.parse_query(text or "")
    if query is None:
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
    # One index row per resource matches (its title row or its full row), so the join adds no duplicates.
    # Ordered by the row's rowid itself, not by search_rank: the databases then read the index in that order
    # and stop after a page (search_rank is the same order, as a number for templates and tests).
    rank = Cast(F("search_entries__rowid"), FloatField()) / Value(float(search_text.TITLE_TIER))
    return (queryset.filter(search_entries__document__matches=query)
            .annotate(search_rank=rank)
            .order_by("-search_entries__rowid"))


def highlight(text: str, query: str, language: str) -> SafeString:
    """`text` escaped, with the words that match `query` (as the search understands them in `language`) wrapped
    in <mark>."""
    # Safe: highlight_html escapes every character of the text and adds only the <mark> tags.
    return mark_safe(search_text.highlight_html(text or "", query or "", language or ""))


def index_resources(resource_ids: Iterable[UUID | str]) -> None:
    """Bring the search structures up to date for these resources (after a create, edit or delete): the rows of
    each resource that exists are written again, the rows of each one that no longer exists are removed."""
    from abrazo.library.models import Resource

    ids = sorted({_as_uuid(resource_id) for resource_id in resource_ids if resource_id})
    if not ids:
        return
    browse_cache.library_changed(ids)  # the browse page's kept counts are read again (browse_cache)
    connection = _connection()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for chunk in _batches(iter(ids), BATCH):
            _delete(connection, cursor, Resource, chunk)
            rows = Resource.objects.using(connection.alias).filter(pk__in=chunk).values_list(*ROW_FIELDS)
            _insert(connection, cursor, Resource, list(rows))


def reindex_all(*, using: str | None = None) -> int:
    """Rebuild the search structures from every resource; return how many were indexed."""
    from abrazo.library.models import Resource

    connection = connections[using] if using else _connection()
    indexed = 0
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("DELETE FROM library_resource_search")
        rows = Resource.objects.using(connection.alias).order_by().values_list(*ROW_FIELDS).iterator(chunk_size=2000)
        for batch in _batches(rows, 2000):
            _insert(connection, cursor, Resource, batch)
            indexed += len(batch)
        if connection.vendor == "sqlite":
            # Merge FTS5's segments into one b-tree: after a bulk load, searches read one structure, not many.
            cursor.execute("INSERT INTO library_resource_search (library_resource_search) VALUES ('optimize')")
        else:
            cursor.execute("ANALYZE library_resource_search")
    transaction.on_commit(browse_cache.every_library_changed, using=connection.alias)
    return indexed


ROW_FIELDS = ("pk", "created_at", "language", "title", "summary")


def _delete(connection: BaseDatabaseWrapper, cursor: Any, model: Any, ids: list[UUID]) -> None:
    """Remove every row of these resources (their rowids depend on when they were created, which a deleted
    resource no longer tells: rows are found by resource id)."""
    stored = [model._meta.pk.get_db_prep_value(resource_id, connection) for resource_id in ids]
    if connection.vendor == "sqlite":
        # FTS5 indexes the resource_id column too (one token, the id's hex digits), so this is an index lookup;
        # search expressions never look at that column.
        either = " OR ".join(f'"{value}"' for value in stored)
        cursor.execute("DELETE FROM library_resource_search WHERE rowid IN (SELECT rowid FROM "
                       "library_resource_search WHERE library_resource_search MATCH %s)",
                       [f"{{resource_id}} : ({either})"])
    else:
        cursor.execute("DELETE FROM library_resource_search WHERE resource_id = ANY(%s)", [stored])


def _insert(connection: BaseDatabaseWrapper, cursor: Any, model: Any, rows: list[tuple[Any, ...]]) -> None:
    pk_field = model._meta.pk
    values: list[tuple[Any, ...]] = []
    for pk, created_at, language, title, summary in rows:
        stored_id = pk_field.get_db_prep_value(pk, connection)
        for row in search_text.index_rows(_as_uuid(pk).bytes, created_at.date(), title, summary, language):
            if connection.vendor == "sqlite":
                values.append((row.rowid, stored_id, " ".join(row.title_only), " ".join(row.title),
                               " ".join(row.summary)))
            else:
                values.append((row.rowid, stored_id, row.tsvector()))
    if not values:
        return
    if connection.vendor == "sqlite":
        cursor.executemany("INSERT INTO library_resource_search (rowid, resource_id, title_only, title, summary) "
                           "VALUES (%s, %s, %s, %s, %s)", values)
    else:
        cursor.executemany("INSERT INTO library_resource_search (rowid, resource_id, library_resource_search) "
                           "VALUES (%s, %s, %s::tsvector)", values)


def _connection() -> BaseDatabaseWrapper:
    from abrazo.library.models import ResourceSearchEntry

    return connections[router.db_for_write(ResourceSearchEntry)]


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, size)):
        yield batch
