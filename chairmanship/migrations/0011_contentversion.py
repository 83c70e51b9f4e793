import datetime

from django.db import migrations, models
from django.utils import timezone

NOTHING_SCHEDULED = datetime.datetime.max.replace(tzinfo=datetime.UTC).timestamp()


def create_the_row(apps, schema_editor):
    """One row, knowing when the earliest scheduled record goes live."""
    alias = schema_editor.connection.alias
    now = timezone.now()
    upcoming = [
        apps.get_model("chairmanship", name)
        .objects.using(alias)
        .filter(status="published", published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
        for name in ("State", "Chairmanship", "Summit", "Document", "Initiative")
    ]
    upcoming = [moment.timestamp() for moment in upcoming if moment is not None]
    apps.get_model("chairmanship", "ContentVersion").objects.using(alias).get_or_create(
        pk=1, defaults={"next_go_live": min(upcoming, default=NOTHING_SCHEDULED)}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0008_document_archive_covering_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.BigIntegerField(default=0)),
                ("next_go_live", models.FloatField(blank=True, null=True)),
            ],
        ),
        migrations.RunPython(create_the_row, migrations.RunPython.noop),
    ]
