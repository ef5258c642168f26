"""Fill the search index (rebuilt empty by 0006) from the resources already in the database, if any.

It runs today's `search.reindex_all()`; a later migration that changes the structures again makes this one do
nothing (as 0005 now does) and fills them itself.
"""

from django.db import migrations


def reindex(apps, schema_editor):
    if not apps.get_model("library", "Resource").objects.exists():
        return
    from abrazo.library import search

    search.reindex_all(using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0006_resource_search_by_recency"),
    ]

    operations = [
        migrations.RunPython(reindex, migrations.RunPython.noop),
    ]
