"""Resource search in two rows per resource (a title row and a full row, `search_text.IndexRow`), read in rowid
order: a page of results no longer scores every match. The structures are rebuilt empty here (they hold
derived data only); the next migration fills them again.

- SQLite: the FTS5 table gets a `title_only` column (title rows) beside `title` and `summary` (full rows), and
  keeps word positions (detail=full), which FTS5 needs for column filters to be cheap.
- PostgreSQL: `resource_id` is no longer unique (two rows), but indexed (deleting a resource's rows, joining from
  a resource).
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE = [
    "DROP TABLE IF EXISTS library_resource_search",
    # "ascii tokenchars '_'" keeps our tokens ("es_berrinch", any letters) whole.
    """CREATE VIRTUAL TABLE library_resource_search USING fts5(
        resource_id UNINDEXED, title_only, title, summary, tokenize = "ascii tokenchars '_'")""",
]
POSTGRESQL = [
    "DROP TABLE IF EXISTS library_resource_search",
    """CREATE TABLE library_resource_search (
        rowid bigint NOT NULL PRIMARY KEY,
        resource_id uuid NOT NULL,
        library_resource_search tsvector NOT NULL)""",
    "CREATE INDEX library_resource_search_resource ON library_resource_search (resource_id)",
    # fastupdate off: every write goes straight into the index, so searches never scan a pending list.
    """CREATE INDEX library_resource_search_document ON library_resource_search
        USING gin (library_resource_search) WITH (fastupdate = off)""",
]
# Back to 0003's structures (empty: a reindex fills them).
SQLITE_BACK = [
    "DROP TABLE IF EXISTS library_resource_search",
    """CREATE VIRTUAL TABLE library_resource_search USING fts5(
        resource_id UNINDEXED, title, summary, tokenize = "ascii tokenchars '_'", detail = column)""",
]
POSTGRESQL_BACK = [
    "DROP TABLE IF EXISTS library_resource_search",
    """CREATE TABLE library_resource_search (
        rowid bigint NOT NULL PRIMARY KEY,
        resource_id uuid NOT NULL UNIQUE,
        library_resource_search tsvector NOT NULL)""",
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
        ("library", "0003_resource_search_structures"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterModelOptions(name="resourcesearchentry", options={"ordering": ["-rowid"]}),
                migrations.AlterField(
                    model_name="resourcesearchentry",
                    name="resource",
                    field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                                            related_name="search_entries", to="library.resource"),
                ),
            ],
            database_operations=[
                migrations.RunPython(run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
                                     run({"sqlite": SQLITE_BACK, "postgresql": POSTGRESQL_BACK})),
            ],
        ),
    ]
