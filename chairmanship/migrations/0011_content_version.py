import datetime

from django.db import migrations
from django.utils import timezone

NOTHING_SCHEDULED = datetime.datetime.max.replace(tzinfo=datetime.UTC).timestamp()

# Operational state rather than archive content (no model: backups, exports and the admin leave it out). The
# one row holds the content version of chairmanship.cache and when the earliest scheduled record goes live.
CREATE = """
CREATE TABLE chairmanship_content_version (
    id integer NOT NULL PRIMARY KEY,
    version bigint NOT NULL,
    next_go_live double precision NULL
)
"""


def create_the_row(apps, schema_editor):
    now = timezone.now()
    upcoming = [
        apps.get_model("chairmanship", name)
        .objects.using(schema_editor.connection.alias)
        .filter(status="published", published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
        for name in ("State", "Chairmanship", "Summit", "Document", "Initiative")
    ]
    upcoming = [moment.timestamp() for moment in upcoming if moment is not None]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO chairmanship_content_version (id, version, next_go_live) VALUES (1, 0, %s)",
            [min(upcoming, default=NOTHING_SCHEDULED)],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0010_stored_rendered_markdown"),
    ]

    operations = [
        migrations.RunSQL(CREATE, "DROP TABLE chairmanship_content_version"),
        migrations.RunPython(create_the_row, migrations.RunPython.noop),
    ]
