"""Resource search rows ordered by tier then recency (`search_text.IndexRow`), found by resource id for deletes.
The structures are rebuilt empty here (derived data only); 0007 fills them again.

- SQLite: the FTS5 table indexes `resource_id` too (one token per resource: deleting a resource's rows is an
  index lookup, whatever its rows' ids); search expressions never look at that column.
- PostgreSQL: the table is partitioned by tier (title rows, full rows: rowid ranges), so a search reads title
  rows first and the planner picks, for each part with its own statistics, an ordered read of the part or a
  GIN lookup and a sort. Statistics on the documents are finer (1,000 most common words instead of 100), so
  rare words are estimated as rare.
"""

from django.db import migrations

TITLE_TIER = 1 << 62  # search_text.TITLE_TIER, written out: migrations do not follow later code

SQLITE = [
    "DROP TABLE IF EXISTS library_resource_search",
    # "ascii tokenchars '_'" keeps our tokens ("es_berrinch", any letters, an id's hex digits) whole.
    """CREATE VIRTUAL TABLE library_resource_search USING fts5(
        resource_id, title_only, title, summary, tokenize = "ascii tokenchars '_'")""",
]
POSTGRESQL = [
    "DROP TABLE IF EXISTS library_resource_search",
    """CREATE TABLE library_resource_search (
        rowid bigint NOT NULL PRIMARY KEY,
        resource_id uuid NOT NULL,
        library_resource_search tsvector NOT NULL) PARTITION BY RANGE (rowid)""",
    f"""CREATE TABLE library_resource_search_full PARTITION OF library_resource_search
        FOR VALUES FROM (MINVALUE) TO ({TITLE_TIER})""",
    f"""CREATE TABLE library_resource_search_title PARTITION OF library_resource_search
        FOR VALUES FROM ({TITLE_TIER}) TO (MAXVALUE)""",
    "CREATE INDEX library_resource_search_resource ON library_resource_search (resource_id)",
    # fastupdate off: every write goes straight into the index, so searches never scan a pending list.
    """CREATE INDEX library_resource_search_document ON library_resource_search
        USING gin (library_resource_search) WITH (fastupdate = off)""",
    "ALTER TABLE library_resource_search ALTER COLUMN library_resource_search SET STATISTICS 1000",
]
# Back to 0004's structures (empty: a reindex fills them).
SQLITE_BACK = [
    "DROP TABLE IF EXISTS library_resource_search",
    """CREATE VIRTUAL TABLE library_resource_search USING fts5(
        resource_id UNINDEXED, title_only, title, summary, tokenize = "ascii tokenchars '_'")""",
]
POSTGRESQL_BACK = [
    "DROP TABLE IF EXISTS library_resource_search",
    """CREATE TABLE library_resource_search (
        rowid bigint NOT NULL PRIMARY KEY,
        resource_id uuid NOT NULL,
        library_resource_search tsvector NOT NULL)""",
    "CREATE INDEX library_resource_search_resource ON library_resource_search (resource_id)",
    """CREATE INDEX library_resource_search_document ON library_resource_search
        USING gin (library_resource_search) WITH (fastupdate = off)""",
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError("Resource search needs SQLite or PostgreSQL.")
        for statement in statements:
            schema_editor.execute(statement)
    return operation


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0005_resource_search_reindex"),
    ]

    operations = [
        migrations.RunPython(run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
                             run({"sqlite": SQLITE_BACK, "postgresql": POSTGRESQL_BACK})),
    ]
