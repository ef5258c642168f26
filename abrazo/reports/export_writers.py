"""Writing an export's rows as CSV (two paths) or XLSX, with flat memory.

CSV, identified rows:

- on PostgreSQL, `copy_csv_chunks`: PostgreSQL writes the CSV itself with `COPY (SELECT ...) TO STDOUT WITH
  (FORMAT csv)` over the scoped queryset's own SQL (compiled with its parameters, so the scoping is the
  queryset's), every text column neutralised inside the SELECT (`neutralised_sql`: a leading = + - @ tab or
  CR gets an apostrophe, exactly as tabular.formula_safe), and Python only adds the BOM and the header and
  regroups COPY's blocks into ~64 KB chunks. About three times as fast as a Python writer over a cursor
  (bench/export_csv.py);
- elsewhere (SQLite), `python_csv_chunks`: tabular.csv_stream over the queryset's iterator.

Both write the same bytes for the same rows: a BOM, CRLF line ends as every CSV Abrazo writes (RFC 4180;
COPY writes LF and cannot be told otherwise, so its record ends are turned into CRLF on the way out by
tabular.CrlfRecordEnds, leaving line breaks inside quoted cells as they are), an empty string and NULL both
as an empty unquoted cell, ISO dates, UTC times as 2025-03-01T14:05:00Z, booleans as true/false.
tests/test_export_writers.py compares them on PostgreSQL.

De-identified rows are made in Python (HMAC pseudonyms, months, ages, suppression), so they always take the
Python path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import F, QuerySet

from abrazo.core.tabular import CSV_CHUNK_CHARS, CrlfRecordEnds, csv_stream
from abrazo.reports.export_kinds import Column, Kind

BOM = b"\xef\xbb\xbf"
ITERATOR_CHUNK = 5000


# --- values the same way on both paths -------------------------------------------------------------


def utc_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bool_text(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _text(value: Any) -> Any:
    return None if value is None else str(value)


_CSV_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    Kind.DATETIME: utc_text, Kind.BOOL: _bool_text, Kind.UUID: _text, Kind.DECIMAL: _text,
}


def _xlsx_datetime(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def _xlsx_decimal(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


_XLSX_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    Kind.DATETIME: _xlsx_datetime, Kind.UUID: _text, Kind.DECIMAL: _xlsx_decimal, Kind.TIME: _text,
}


def converted_rows(
    rows: Iterable[Sequence[Any]], columns: Sequence[Column], converters: dict[str, Callable[[Any], Any]]
) -> Iterator[Sequence[Any]]:
    """Rows with the columns that need it converted (the others pass untouched: most of a row)."""
    plan = [(index, converters[column.kind]) for index, column in enumerate(columns) if column.kind in converters]
    if not plan:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for index, convert in plan:
            values[index] = convert(values[index])
        yield values


def identified_rows(queryset: QuerySet[Any], columns: Sequence[Column]) -> Iterator[tuple[Any, ...]]:
    return queryset.values_list(*(column.path for column in columns)).iterator(chunk_size=ITERATOR_CHUNK)


# --- CSV, Python path ------------------------------------------------------------------------------


def python_csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    return csv_stream(header, rows)


def identified_python_csv(queryset: QuerySet[Any], columns: Sequence[Column]) -> Iterator[bytes]:
    rows = converted_rows(identified_rows(queryset, columns), columns, _CSV_CONVERTERS)
    return python_csv_chunks([column.header for column in columns], rows)


# --- CSV, PostgreSQL COPY path ---------------------------------------------------------------------

# The first characters a spreadsheet runs as a formula (tabular._FORMULA_STARTS), as SQL literals.
_SQL_FORMULA_STARTS = "'=', '+', '-', '@', E'\\t', E'\\r'"


def neutralised_sql(expression: str, kind: str) -> str:
    """The SQL writing one column as both paths agree (see the module docstring)."""
    if kind == Kind.TEXT:
        text = f"({expression})::text"
        # NULLIF: COPY quotes an empty string ("") but writes NULL as nothing; csv.writer writes both as nothing.
        return (f"CASE WHEN left({text}, 1) IN ({_SQL_FORMULA_STARTS}) THEN '''' || {text} "
                f"ELSE NULLIF({text}, '') END")
    if kind == Kind.DATETIME:
        return f"to_char(({expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    if kind == Kind.BOOL:
        return f"CASE WHEN {expression} THEN 'true' WHEN NOT {expression} THEN 'false' END"
    if kind in (Kind.UUID, Kind.DECIMAL, Kind.TIME):
        return f"({expression})::text"
    return expression


def copy_statement(queryset: QuerySet[Any], columns: Sequence[Column]) -> tuple[str, tuple[Any, ...]]:
    """`COPY (SELECT <neutralised columns> FROM (<the queryset's SQL>) ...) TO STDOUT` and its parameters.

    The queryset is compiled as it stands (scope filters, date filters and all) with each column under an
    alias c0, c1...; the ordering moves to the outer SELECT (`ORDER BY` inside a subquery is not promised
    to survive)."""
    aliases = {f"c{index}": F(column.path) for index, column in enumerate(columns)}
    names = [field for field in queryset.query.order_by if isinstance(field, str)]
    if len(names) != len(queryset.query.order_by):
        # An expression in order_by has no alias to carry to the outer SELECT; say so rather than mis-order.
        raise ValueError("COPY exports are ordered by field names only")
    order = [field.lstrip("-") for field in names] or ["pk"]
    ordering_aliases = {f"o{index}": F(name) for index, name in enumerate(order)}
    inner = queryset.order_by().values(**aliases, **ordering_aliases)
    sql, params = inner.query.sql_with_params()
    select = ", ".join(neutralised_sql(f"export_rows.c{index}", column.kind) for index, column in enumerate(columns))
    descending = [field.startswith("-") for field in names] or [False]
    order_sql = ", ".join(
        f"export_rows.o{index}{' DESC' if down else ''}" for index, down in enumerate(descending)
    )
    # The only text put into the SQL is Django's compiled query (parameters kept apart) and fixed fragments.
    statement = (f"COPY (SELECT {select} FROM ({sql}) AS export_rows ORDER BY {order_sql}) "  # noqa: S608
                 "TO STDOUT WITH (FORMAT csv)")
    return statement, tuple(params)


def copy_csv_chunks(
    statement: str, params: Sequence[Any], header: Sequence[str], *, using: str = "default",
    chunk_bytes: int = CSV_CHUNK_CHARS,
) -> Iterator[bytes]:
    """The BOM and header, then COPY's output regrouped into chunks of about `chunk_bytes`."""
    connection = connections[using]
    connection.ensure_connection()
    return copy_csv_chunks_on(connection.connection, statement, params, header, chunk_bytes=chunk_bytes)


def copy_csv_chunks_on(
    raw: Any, statement: str, params: Sequence[Any], header: Sequence[str], *, chunk_bytes: int = CSV_CHUNK_CHARS,
) -> Iterator[bytes]:
    """copy_csv_chunks on a psycopg connection (the benchmark calls it without Django)."""
    head = b"".join(python_csv_chunks(header, ()))  # the BOM and the header row, written as the Python path does
    crlf = CrlfRecordEnds()  # COPY's LF record ends to CRLF; a chunk at a time, so once per ~64 KB, not per row
    parts: list[bytes] = []
    size = len(head)
    with raw.cursor() as cursor, cursor.copy(statement, params or None) as copy:
        for block in copy:
            parts.append(bytes(block))
            size += len(block)
            if size >= chunk_bytes:
                yield head + crlf(b"".join(parts))
                head, parts, size = b"", [], 0
    if parts or head:
        yield head + crlf(b"".join(parts))


def identified_copy_csv(queryset: QuerySet[Any], columns: Sequence[Column]) -> Iterator[bytes]:
    statement, params = copy_statement(queryset, columns)
    return copy_csv_chunks(statement, params, [column.header for column in columns], using=queryset.db)


def uses_copy(queryset: QuerySet[Any]) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def identified_csv(queryset: QuerySet[Any], columns: Sequence[Column]) -> Iterator[bytes]:
    if uses_copy(queryset):
        return identified_copy_csv(queryset, columns)
    return identified_python_csv(queryset, columns)


def identified_xlsx_rows(queryset: QuerySet[Any], columns: Sequence[Column]) -> Iterator[Sequence[Any]]:
    return converted_rows(identified_rows(queryset, columns), columns, _XLSX_CONVERTERS)
