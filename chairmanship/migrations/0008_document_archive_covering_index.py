"""On PostgreSQL, the archive's order index also carries the columns an archive page is filtered on.

``chairmanship.pagination`` reads a page's ids first; with id, status, published_at and document_type in
the index (INCLUDE), PostgreSQL answers that from the index alone, so ``?page=2500`` no longer reads
50 000 rows of the table. The index keeps its name and key columns, so the models' state is unchanged;
SQLite, which has no covering indexes, keeps the plain one.
"""

from django.db import migrations

PLAIN = 'CREATE INDEX "document_archive_order" ON "chairmanship_document" ("date" DESC, "title")'
COVERING = PLAIN + ' INCLUDE ("id", "status", "published_at", "document_type")'
DROP = 'DROP INDEX IF EXISTS "document_archive_order"'


def replace_with(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(DROP)
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0007_initiative_latest_index"),
    ]

    operations = [
        migrations.RunPython(replace_with(COVERING), replace_with(PLAIN), elidable=False),
    ]
