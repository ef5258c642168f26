"""Was: fill the search index rebuilt by 0004. Now nothing: 0006 rebuilds the structures again and 0007 fills
them, so filling 0004's here would be thrown away (and its code no longer matches the text module)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0004_resource_search_tiers"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
