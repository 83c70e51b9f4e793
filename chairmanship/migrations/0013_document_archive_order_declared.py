"""The archive's covering order index, declared on the model instead of written as SQL (migration 0008).

The same index as before: on PostgreSQL its key columns with id, status, published_at and document_type
INCLUDEd; SQLite, which has no INCLUDE, keeps the plain one. Rebuilt once, from the model's declaration.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0012_text_fields_printable_and_bounded"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="document",
            name="document_archive_order",
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                fields=["-date", "title"],
                include=("id", "status", "published_at", "document_type"),
                name="document_archive_order",
            ),
        ),
    ]
