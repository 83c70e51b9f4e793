"""The content-version row gains a generation: raised only when every cached answer must go (a fixture load,
a restore, a change the cache could not be told about), while ``version`` goes on counting every change."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0014_search_newest_first"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE chairmanship_content_version ADD COLUMN generation bigint NOT NULL DEFAULT 0",
            "ALTER TABLE chairmanship_content_version DROP COLUMN generation",
        ),
    ]
