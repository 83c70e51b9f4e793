"""The full-text search index of documents and initiatives, in the form each database offers.

PostgreSQL: a stored generated ``search_vector`` column (title weighted A, summary B, full text C) with a
GIN index. SQLite: an FTS5 table over the model's table (external content), kept in step by triggers on
insert, update and delete, and filled from the rows already there. The models do not declare either:
``chairmanship.search`` is the one place that queries them.

Both use the same tokenisation: PostgreSQL's ``simple`` configuration and SQLite's ``unicode61``
tokenizer split on punctuation and lower-case, with no stemming, no stop words and no accent folding, so
a word matches the same records on both databases. (English stemming would also mangle the
transliterated names the archive is full of, and its stop words would make "the" match nothing on
PostgreSQL while it matches everything on SQLite.)

Later migrations that alter these tables: on PostgreSQL a column the vector is computed from cannot
change type while the vector exists; on SQLite Django rebuilds a table for most field changes, which
drops its triggers. Such a migration must drop and re-create this index around the change (the search
tests fail if it does not).
"""

from django.db import migrations

CONFIG = "simple"
TOKENIZER = "unicode61 remove_diacritics 0"

# table -> the indexed columns with their PostgreSQL weight, most important first
INDEXED = {
    "chairmanship_document": (("title", "A"), ("summary", "B"), ("full_text", "C")),
    "chairmanship_initiative": (("title", "A"), ("summary", "B")),
}


def postgresql_create(table, columns):
    vector = " || ".join(
        f"setweight(to_tsvector('{CONFIG}', coalesce({column}, '')), '{weight}')" for column, weight in columns
    )
    return [
        # Not a GeneratedField: a model field would exist on SQLite too, and be read with every row of every list.
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector}) STORED",
        # Not a GinIndex in Meta.indexes: it indexes the column above, which is no model field. Without a
        # pending list: the archive is read far more than written, and a pending list (until autovacuum
        # merges it) is scanned by every search.
        f"CREATE INDEX {table}_search_vector ON {table} USING gin (search_vector) WITH (fastupdate = off)",
    ]


def postgresql_drop(table, columns):
    return [f"DROP INDEX IF EXISTS {table}_search_vector", f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector"]


def sqlite_create(table, columns):
    names = [column for column, _weight in columns]
    listed = ", ".join(names)
    new = ", ".join(f"new.{name}" for name in names)
    old = ", ".join(f"old.{name}" for name in names)
    index = f"{table}_search"
    # Django has no API for SQLite's FTS5 virtual tables or for triggers.
    return [
        f"CREATE VIRTUAL TABLE {index} USING fts5({listed}, content='{table}', content_rowid='id', "
        f"tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {index}(rowid, {listed}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {index}({index}, rowid, {listed}) VALUES ('delete', old.id, {old}); END",
        # Only a change to the indexed text re-indexes a row; publishing or scheduling it does not.
        f"CREATE TRIGGER {index}_update AFTER UPDATE OF {listed} ON {table} BEGIN "
        f"INSERT INTO {index}({index}, rowid, {listed}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {index}(rowid, {listed}) VALUES (new.id, {new}); END",
        f"INSERT INTO {index}({index}) VALUES ('rebuild')",
    ]


def sqlite_drop(table, columns):
    index = f"{table}_search"
    return [
        f"DROP TRIGGER IF EXISTS {index}_insert",
        f"DROP TRIGGER IF EXISTS {index}_delete",
        f"DROP TRIGGER IF EXISTS {index}_update",
        f"DROP TABLE IF EXISTS {index}",
    ]


STATEMENTS = {
    "postgresql": (postgresql_create, postgresql_drop),
    "sqlite": (sqlite_create, sqlite_drop),
}


def run(schema_editor, direction: int) -> None:
    builders = STATEMENTS.get(schema_editor.connection.vendor)
    if builders is None:
        return  # other databases search with icontains (see chairmanship.search)
    for table, columns in INDEXED.items():
        for statement in builders[direction](table, columns):
            schema_editor.execute(statement)


def create_index(apps, schema_editor):
    run(schema_editor, 0)


def drop_index(apps, schema_editor):
    run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0005_document_order_indexes"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
