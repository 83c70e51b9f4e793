"""The record's schema:

- The "SCO partner" status that replaced observers and dialogue partners on 1 September 2025.
- A summit's reported document count says what it counts and which source states it (renamed from
  ``documents_signed_reported``: the figure may count adopted statements too).
- A document links to where its official text is published; a source says which language it is in, and
  its title has room for the long formal titles of official pages (reversing this migration shortens a
  title longer than 300 characters to 299 and an ellipsis).
- Every editorial record, and every source, has an editor's note that readers and the API never see.
- Convention, concept and protocol as document types.

SQLite adds a column with a default by rebuilding the table, which would drop the search index's triggers
(0006): they are dropped first and made again after, as in 0009.
"""

import importlib

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models
from django.db.models.functions import Length

import chairmanship.validators

editorial_integrity = importlib.import_module("chairmanship.migrations.0009_editorial_integrity")

OLD_TITLE_LENGTH = 300


def shorten_long_source_titles(apps, schema_editor):
    """Going back to 300-character titles: a longer one keeps its first 299 characters and an ellipsis."""
    source_model = apps.get_model("chairmanship", "Source")
    long_titles = source_model.objects.annotate(length=Length("title")).filter(length__gt=OLD_TITLE_LENGTH)
    for source in long_titles:
        source.title = source.title[: OLD_TITLE_LENGTH - 1] + "…"
        source.save(update_fields=["title"])


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0009_editorial_integrity"),
    ]

    operations = [
        migrations.RunPython(
            editorial_integrity.drop_sqlite_search_index,
            editorial_integrity.create_sqlite_search_index,
            elidable=False,
        ),
        migrations.RenameField(
            model_name="summit",
            old_name="documents_signed_reported",
            new_name="documents_reported",
        ),
        migrations.AddField(
            model_name="chairmanship",
            name="editor_note",
            field=models.TextField(
                blank=True,
                help_text="For editors only: never shown to readers or API consumers.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="editor_note",
            field=models.TextField(
                blank=True,
                help_text="For editors only: never shown to readers or API consumers.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="official_text_url",
            field=models.URLField(
                blank=True,
                help_text="Where the official text is published.",
                max_length=500,
                verbose_name="official text",
            ),
        ),
        migrations.AddField(
            model_name="initiative",
            name="editor_note",
            field=models.TextField(
                blank=True,
                help_text="For editors only: never shown to readers or API consumers.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="title",
            field=models.CharField(max_length=500, validators=[chairmanship.validators.ControlCharacterValidator()]),
        ),
        # Reversed before the field above is: the old column cannot hold the longer titles.
        migrations.RunPython(migrations.RunPython.noop, shorten_long_source_titles),
        migrations.AddField(
            model_name="source",
            name="editor_note",
            field=models.TextField(
                blank=True,
                help_text="For editors only: never shown to readers or API consumers.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.AddField(
            model_name="source",
            name="language",
            field=models.CharField(
                default="en",
                help_text="The language the source is written in, as a language tag: en, ru, zh-hans, kk…",
                max_length=16,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[a-z]{2,3}(-[a-z0-9]{2,8})*$",
                        "Enter a lowercase language tag such as en, ru, zh-hans or kk.",
                        code="language_tag",
                    )
                ],
            ),
        ),
        migrations.AddField(
            model_name="state",
            name="editor_note",
            field=models.TextField(
                blank=True,
                help_text="For editors only: never shown to readers or API consumers.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="summit",
            name="documents_reported",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="How many documents the summit is reported to have signed or adopted (may exceed those recorded).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="summit",
            name="documents_reported_note",
            field=models.CharField(
                blank=True,
                help_text="What the reported figure counts.",
                max_length=300,
                validators=[chairmanship.validators.ControlCharacterValidator()],
            ),
        ),
        migrations.AddField(
            model_name="summit",
            name="documents_reported_source",
            field=models.ForeignKey(
                blank=True,
                help_text="The source that states the reported figure.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="summit_counts",
                to="chairmanship.source",
            ),
        ),
        migrations.AddField(
            model_name="summit",
            name="editor_note",
            field=models.TextField(
                blank=True,
                help_text="For editors only: never shown to readers or API consumers.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="document_type",
            field=models.CharField(
                choices=[
                    ("declaration", "Declaration"),
                    ("decision", "Decision"),
                    ("strategy", "Strategy"),
                    ("programme", "Programme"),
                    ("action_plan", "Action plan"),
                    ("agreement", "Agreement"),
                    ("memorandum", "Memorandum"),
                    ("statement", "Statement"),
                    ("road_map", "Road map"),
                    ("charter", "Charter"),
                    ("treaty", "Treaty"),
                    ("convention", "Convention"),
                    ("concept", "Concept"),
                    ("protocol", "Protocol"),
                    ("other", "Other"),
                ],
                db_index=True,
                max_length=20,
                verbose_name="type",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="status",
            field=models.CharField(
                choices=[
                    ("member", "Member state"),
                    ("partner", "SCO partner"),
                    ("observer", "Observer state"),
                    ("dialogue_partner", "Dialogue partner"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="note",
            field=models.TextField(
                blank=True,
                help_text="What this source supports, and any caveat; without an address, why it has none.",
                validators=[
                    chairmanship.validators.ControlCharacterValidator(long_text=True),
                    django.core.validators.MaxLengthValidator(2000),
                ],
            ),
        ),
        migrations.RunPython(
            editorial_integrity.create_sqlite_search_index,
            editorial_integrity.drop_sqlite_search_index,
            elidable=False,
        ),
    ]
