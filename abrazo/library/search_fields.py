"""The full-text document of a resource as the ORM sees it: one field and one lookup over both databases.

`ResourceSearchEntry.document` stands for the database's own full-text structure:

- on SQLite, the FTS5 table's hidden column that has the table's name (what `MATCH` takes);
- on PostgreSQL, a tsvector column (GIN-indexed) given the same name, so one model serves both.

Going through a field (rather than raw SQL naming tables) lets Django write the join from a resource queryset,
alias the table as it likes (subqueries, repeated joins) and compose the search with any other filter.
The structures themselves are created by the migration, vendor by vendor; `search.py` fills them.
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler

from abrazo.library.search_text import Query

SqlParams = tuple[str, tuple[Any, ...]]


class SearchDocumentField(models.Field):
    """A resource's full-text document (never read or written through the ORM: queries only)."""

    description = "A full-text search document (FTS5 on SQLite, tsvector on PostgreSQL)"

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        # The migration creates the column (or the FTS5 table) itself; nothing for Django to create.
        return None


def _unsupported(connection: BaseDatabaseWrapper) -> NotSupportedError:
    return NotSupportedError(f"Resource search runs on SQLite and PostgreSQL, not {connection.vendor}.")


@SearchDocumentField.register_lookup
class Matches(models.Lookup):
    """`document__matches=Query(...)`: the index rows the query matches (at most one per resource)."""

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlParams:
        raise _unsupported(connection)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlParams:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} MATCH %s", (*params, self._query().fts5())

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlParams:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} @@ %s::tsquery", (*params, self._query().tsquery())

    def _query(self) -> Query:
        if not isinstance(self.rhs, Query):
            raise TypeError("document__matches takes a search_text.Query")
        return self.rhs
