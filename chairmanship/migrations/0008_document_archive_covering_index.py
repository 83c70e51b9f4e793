"""Once built the archive's covering index on PostgreSQL with SQL; migration 0009 now builds it from its
declaration on the model (``Document.Meta.indexes``, ``Index(include=...)``).

This migration does nothing any more. A database that ran its SQL has the covering index, which 0009
drops and builds again from the declaration; a new database goes from the plain index of 0005 straight to
the declared one. Either way every step matches the models' state, backwards too.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0007_initiative_latest_index"),
    ]

    operations = []
