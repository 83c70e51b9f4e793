"""Indexes that find a page of documents matching a common word without reading every match from the table.

A common word matches tens of thousands of documents. Through 0012's indexes the database reads every one
of them from the table (their dates, and on PostgreSQL their weights: which field holds the word) before it
can cut the first page.

PostgreSQL, with the RUM extension: a RUM index keeps, beside each word's list of documents, a value of each
document that it returns them in: here ``search_order_<language>``, a stored generated column, newest first
and, on a Russian or Chinese page, the documents with a title in that language before those shown in
English (``chairmanship.search``). So only the documents of the page, and those sharing its last date, are
read from the table. The extension is optional: where ``pg_available_extensions`` lists rum it is created
with one index per language; elsewhere (a host without the Debian package ``postgresql-<version>-rum``) this
migration does nothing on PostgreSQL and search keeps 0012's plan, with the same results. Running it again
once the package is installed (migrate to 0012 and back) adds the indexes.

SQLite: ``chairmanship_document_search_page``, the few columns a page is chosen by, which search reads for
each match instead of the document's whole row. A later migration that rebuilds the table drops it (search
then keeps 0012's plan until it is created again).

As 0012's vectors, the order columns are computed from ``date`` and the translated titles: a later migration
changing those columns' type must drop these indexes and columns first.
"""

# Every statement here is built from this file's own table, column and index names; none takes input.
# ruff: noqa: S608

from django.db import migrations

TABLE = "chairmanship_document"
LANGUAGES = ("en", "ru", "zh_hans")
# Above any date's day number (9999-12-31 is day 3 652 058): a title in the reader's language outranks any date.
OWN_TITLE = 4_000_000


# SQLite: what a page of matches is chosen by (the id a match comes as, publication, the model's order, and the
# titles that say whether a record is in the reader's language), so that the matches' whole rows are not read.
SQLITE_INDEX = f"{TABLE}_search_page"
SQLITE_CREATE = (
    f"CREATE INDEX {SQLITE_INDEX} ON {TABLE} (id, status, published_at, date, title_en, title_ru, title_zh_hans)"
)


def order_column(language):
    return f"search_order_{language}"


def order_expression(language):
    """The document's place in a reader's results, higher first; no date after every date."""
    newest = "coalesce(date - DATE '0001-01-01', -1)"
    if language == "en":
        return newest
    return f"CASE WHEN title_{language} <> '' THEN {OWN_TITLE} ELSE 0 END + {newest}"


def rum_available(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
        return
    if schema_editor.connection.vendor != "postgresql" or not rum_available(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS rum")
    columns = ", ".join(
        f"ADD COLUMN {order_column(language)} integer GENERATED ALWAYS AS ({order_expression(language)}) STORED"
        for language in LANGUAGES
    )
    schema_editor.execute(f"ALTER TABLE {TABLE} {columns}")  # one rewrite of the table for the three
    for language in LANGUAGES:
        vector, order = f"search_vector_{language}", order_column(language)
        schema_editor.execute(
            f"CREATE INDEX {TABLE}_{order} ON {TABLE} USING rum ({vector} rum_tsvector_addon_ops, {order}) "
            f"WITH (attach = '{order}', to = '{vector}')"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SQLITE_INDEX}")
        return
    if schema_editor.connection.vendor != "postgresql":
        return
    for language in LANGUAGES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {TABLE}_{order_column(language)}")
    columns = ", ".join(f"DROP COLUMN IF EXISTS {order_column(language)}" for language in LANGUAGES)
    schema_editor.execute(f"ALTER TABLE {TABLE} {columns}")
    schema_editor.execute("DROP EXTENSION IF EXISTS rum")


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0012_search_per_language"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
