"""The editorial-integrity release of the archive's schema, in one step:

- ``PendingChange``: an Editor's change to a published record, kept for a Publisher.
- Markdown stored beside its rendered, sanitised HTML and a plain excerpt, filled for existing rows. SQLite adds
  a column by rebuilding the table, which would drop the search index's triggers (0006): they are dropped
  first and made again after.
- ``chairmanship_content_version``: operational state rather than archive content (no model, so backups,
  exports and the admin leave it out); its one row holds the content version of ``chairmanship.cache`` and
  when the earliest scheduled record goes live.
- Printable, bounded text on every text field (validators only: no SQL).
- The archive's covering order index built from its declaration on the model (``Index(include=...)``).
"""

import datetime
import importlib

import django.core.serializers.json
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

import chairmanship.validators
from chairmanship import rich_text

full_text_search = importlib.import_module("chairmanship.migrations.0006_full_text_search")


MARKDOWN_FIELDS = {
    "State": ("summary",),
    "Chairmanship": ("summary", "priorities"),
    "Summit": ("summary",),
    "Document": ("summary", "full_text"),
    "Initiative": ("summary",),
}
BATCH = 1000


def render_stored_markdown(apps, schema_editor):
    """Fills the rendered HTML and excerpts of the records that were stored before they existed."""
    for model_name, sources in MARKDOWN_FIELDS.items():
        model = apps.get_model("chairmanship", model_name)
        rendered = [*(f"{name}_html" for name in sources), "summary_excerpt"]
        # Read in blocks of ids rather than through one open cursor: SQLite does not isolate a cursor from
        # the updates made beside it.
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            records = list(model.objects.filter(pk__in=ids[start : start + BATCH]).only("pk", *sources))
            for record in records:
                for name in sources:
                    setattr(record, f"{name}_html", rich_text.to_html(getattr(record, name)))
                record.summary_excerpt = rich_text.to_excerpt(record.summary)
            model.objects.bulk_update(records, rendered)


def drop_sqlite_search_index(apps, schema_editor):
    # SQLite adds a column by rebuilding the table, which would drop the search index's triggers (see 0006).
    if schema_editor.connection.vendor == "sqlite":
        full_text_search.drop_index(apps, schema_editor)


def create_sqlite_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        full_text_search.create_index(apps, schema_editor)


NOTHING_SCHEDULED = datetime.datetime.max.replace(tzinfo=datetime.UTC).timestamp()

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
        ("chairmanship", "0008_document_archive_covering_index"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.PositiveBigIntegerField()),
                ("data", models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ("base_version", models.PositiveIntegerField()),
                (
                    "correction_note",
                    models.TextField(
                        blank=True,
                        help_text="The public correction note to log when published.",
                        validators=[
                            chairmanship.validators.ControlCharacterValidator(long_text=True),
                            django.core.validators.MaxLengthValidator(2000),
                        ],
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "content_type",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="contenttypes.contenttype"),
                ),
            ],
            options={
                "ordering": ("created_at", "pk"),
                "indexes": [models.Index(fields=["content_type", "object_id"], name="chairmanshi_content_abaec6_idx")],
            },
        ),
        migrations.RunPython(drop_sqlite_search_index, create_sqlite_search_index, elidable=False),
        migrations.AddField(
            model_name="chairmanship",
            name="priorities_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="chairmanship",
            name="summary_excerpt",
            field=models.CharField(blank=True, editable=False, help_text="The summary as plain words.", max_length=200),
        ),
        migrations.AddField(
            model_name="chairmanship",
            name="summary_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="document",
            name="full_text_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="document",
            name="summary_excerpt",
            field=models.CharField(blank=True, editable=False, help_text="The summary as plain words.", max_length=200),
        ),
        migrations.AddField(
            model_name="document",
            name="summary_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="initiative",
            name="summary_excerpt",
            field=models.CharField(blank=True, editable=False, help_text="The summary as plain words.", max_length=200),
        ),
        migrations.AddField(
            model_name="initiative",
            name="summary_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="state",
            name="summary_excerpt",
            field=models.CharField(blank=True, editable=False, help_text="The summary as plain words.", max_length=200),
        ),
        migrations.AddField(
            model_name="state",
            name="summary_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="summit",
            name="summary_excerpt",
            field=models.CharField(blank=True, editable=False, help_text="The summary as plain words.", max_length=200),
        ),
        migrations.AddField(
            model_name="summit",
            name="summary_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(create_sqlite_search_index, drop_sqlite_search_index, elidable=False),
        migrations.RunPython(render_stored_markdown, migrations.RunPython.noop, elidable=True),
        migrations.RunSQL(CREATE, "DROP TABLE chairmanship_content_version"),
        migrations.RunPython(create_the_row, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="chairmanship",
            name="motto",
            field=models.CharField(
                blank=True, max_length=300, validators=[chairmanship.validators.ControlCharacterValidator()]
            ),
        ),
        migrations.AlterField(
            model_name="chairmanship",
            name="priorities",
            field=models.TextField(
                blank=True,
                help_text="The chair's stated priorities, in your own words.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(5000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="chairmanship",
            name="summary",
            field=models.TextField(
                blank=True,
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(5000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="correction",
            name="note",
            field=models.TextField(
                help_text="Shown to readers: what was wrong and what is right now.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="full_text",
            field=models.TextField(
                blank=True,
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(200000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="summary",
            field=models.TextField(
                blank=True,
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(5000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="title",
            field=models.CharField(max_length=400, validators=[chairmanship.validators.ControlCharacterValidator()]),
        ),
        migrations.AlterField(
            model_name="initiative",
            name="summary",
            field=models.TextField(
                blank=True,
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(5000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="initiative",
            name="title",
            field=models.CharField(max_length=300, validators=[chairmanship.validators.ControlCharacterValidator()]),
        ),
        migrations.AlterField(
            model_name="keyfigure",
            name="label",
            field=models.CharField(
                help_text="What is counted, e.g. 'Share of world population'.",
                max_length=200,
                validators=[chairmanship.validators.ControlCharacterValidator()],
            ),
        ),
        migrations.AlterField(
            model_name="keyfigure",
            name="note",
            field=models.CharField(
                blank=True, max_length=300, validators=[chairmanship.validators.ControlCharacterValidator()]
            ),
        ),
        migrations.AlterField(
            model_name="keyfigure",
            name="period",
            field=models.CharField(
                blank=True,
                help_text="The period the figure covers, e.g. 2023.",
                max_length=40,
                validators=[chairmanship.validators.ControlCharacterValidator()],
            ),
        ),
        migrations.AlterField(
            model_name="keyfigure",
            name="unit",
            field=models.CharField(
                blank=True,
                help_text="e.g. %, USD trillion, events.",
                max_length=40,
                validators=[chairmanship.validators.ControlCharacterValidator()],
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="note",
            field=models.CharField(
                blank=True, max_length=300, validators=[chairmanship.validators.ControlCharacterValidator()]
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="author",
            field=models.CharField(
                blank=True, max_length=300, validators=[chairmanship.validators.ControlCharacterValidator()]
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="note",
            field=models.TextField(
                blank=True,
                help_text="What this source supports, and any caveat.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="publisher",
            field=models.CharField(
                blank=True,
                help_text="Organisation or outlet that published it.",
                max_length=200,
                validators=[chairmanship.validators.ControlCharacterValidator()],
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="title",
            field=models.CharField(max_length=300, validators=[chairmanship.validators.ControlCharacterValidator()]),
        ),
        migrations.AlterField(
            model_name="state",
            name="capital",
            field=models.CharField(
                blank=True, max_length=100, validators=[chairmanship.validators.ControlCharacterValidator()]
            ),
        ),
        migrations.AlterField(
            model_name="state",
            name="official_name",
            field=models.CharField(max_length=200, validators=[chairmanship.validators.ControlCharacterValidator()]),
        ),
        migrations.AlterField(
            model_name="state",
            name="short_name",
            field=models.CharField(max_length=100, validators=[chairmanship.validators.ControlCharacterValidator()]),
        ),
        migrations.AlterField(
            model_name="state",
            name="summary",
            field=models.TextField(
                blank=True,
                help_text="A few sentences in your own words.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(5000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="summit",
            name="host_city",
            field=models.CharField(max_length=100, validators=[chairmanship.validators.ControlCharacterValidator()]),
        ),
        migrations.AlterField(
            model_name="summit",
            name="summary",
            field=models.TextField(
                blank=True,
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(5000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="summit",
            name="theme",
            field=models.CharField(
                blank=True,
                help_text="The official theme, where one is known.",
                max_length=300,
                validators=[chairmanship.validators.ControlCharacterValidator()],
            ),
        ),
        migrations.AlterField(
            model_name="topic",
            name="description",
            field=models.TextField(
                blank=True,
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="topic",
            name="name",
            field=models.CharField(
                max_length=120, unique=True, validators=[chairmanship.validators.ControlCharacterValidator()]
            ),
        ),
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
