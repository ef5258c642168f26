"""Resource search: an FTS5 table on SQLite, a table with a GIN-indexed tsvector on PostgreSQL.

Django's state knows one model (`ResourceSearchEntry`); the database gets each vendor's own structure, created
here by hand because Django cannot create either. Entries are written by `search.index_resources`: run
`abrazo reindex_library` after migrating a database that already has resources.
"""

import django.db.models.deletion
from django.db import migrations, models

import abrazo.library.search_fields

SQLITE = [
    # detail=column: the index keeps which column a word is in (the title weighs more) but not its positions,
    # which no query needs; "ascii tokenchars '_'" keeps our tokens ("es_berrinch", any letters) whole.
    """CREATE VIRTUAL TABLE library_resource_search USING fts5(
        resource_id UNINDEXED, title, summary, tokenize = "ascii tokenchars '_'", detail = column)""",
]
POSTGRESQL = [
    """CREATE TABLE library_resource_search (
        rowid bigint NOT NULL PRIMARY KEY,
        resource_id uuid NOT NULL UNIQUE,
        library_resource_search tsvector NOT NULL)""",
    # fastupdate off: every write goes straight into the index, so searches never scan a pending list.
    """CREATE INDEX library_resource_search_document ON library_resource_search
        USING gin (library_resource_search) WITH (fastupdate = off)""",
]


def create_structures(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor)
    if statements is None:
        raise NotImplementedError("Resource search needs SQLite or PostgreSQL.")
    for statement in statements:
        schema_editor.execute(statement)


def drop_structures(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS library_resource_search")


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0002_resource_suggester_language"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ResourceSearchEntry",
                    fields=[
                        ("rowid", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("document", abrazo.library.search_fields.SearchDocumentField(
                            db_column="library_resource_search", editable=False)),
                        ("resource", models.OneToOneField(
                            db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                            related_name="search_entry", to="library.resource")),
                    ],
                    options={"db_table": "library_resource_search", "ordering": ["rowid"]},
                ),
            ],
            database_operations=[migrations.RunPython(create_structures, drop_structures)],
        ),
    ]
