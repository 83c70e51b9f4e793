"""A full-text index per archive language for documents and initiatives, replacing 0006's single index.

Each index holds what a reader of its language sees: the title and summary in that language, or in English
where they are not yet translated, and the full text (English only). Weights and tiers are 0006's: title A,
summary B, full text C.

PostgreSQL: a tsvector column and a GIN index per language. English and Russian are generated columns in
the ``sco_english`` and ``sco_russian`` configurations made here: copies of PostgreSQL's ``english`` and
``russian`` with the same Snowball stemmers ("agreements" finds "agreement", "соглашения" finds
"соглашение") but without stop words, so that every word of a query must occur on PostgreSQL as on SQLite
("not water" must not find "water"). The russian configuration stems Latin words with the English stemmer,
which suits English text shown untranslated. Chinese cannot be cut into words by PostgreSQL: its vector
(``simple`` configuration over the words ``chairmanship.search_text`` prepares with rjieba) is a plain
column written from Python on save, on bulk_create and here.

SQLite: an FTS5 table per language. English is 0006's external-content table with the porter stemmer
added. Russian and Chinese store the words ``chairmanship.search_text`` prepares (Snowball's Russian
stemmer; jieba's words, so a two-character word such as 上海 is found, which a trigram tokenizer could not
do). Their triggers call that Python through a function registered on every connection
(``search_text.register_sqlite_function``), so every write keeps them current, a bulk ``update()`` too; a
write from a client without it (the sqlite3 shell) fails with "no such function" rather than leaving an
index behind. Chosen over the trigram tokenizer, measured on 5 000 synthetic Chinese records: trigram
cannot match a two-character word and needs a LIKE scan of the table for it (5-7 ms there, growing with
the archive, against about 1 ms through the index), indexes three times larger, and would find different
records than PostgreSQL; jieba's words are the same on both databases.

Later migrations that alter these tables: on PostgreSQL a column a generated vector is computed from cannot
change type while the vector exists; on SQLite a table rebuild drops the triggers. Such a migration must
drop and re-create these indexes around the change (``drop_sqlite_search_indexes`` and
``create_sqlite_search_indexes`` below; the search tests fail if it does not).
"""

# Every statement here is built from this file's own table, column and function names; none takes input.
# ruff: noqa: S608

import importlib

from django.db import migrations

from chairmanship import search_text

full_text_search = importlib.import_module("chairmanship.migrations.0006_full_text_search")

LANGUAGES = ("en", "ru", "zh-hans")
WEIGHTS = "ABC"
# table -> its indexed fields, most prominent first; the first two are kept in every language
INDEXED = {
    "chairmanship_document": ("title", "summary", "full_text"),
    "chairmanship_initiative": ("title", "summary"),
}
TRANSLATED = ("title", "summary")

POSTGRESQL_CONFIGS = {"en": "sco_english", "ru": "sco_russian"}
POSTGRESQL_SETUP = [
    # A Snowball dictionary without a StopWords file keeps every word.
    "CREATE TEXT SEARCH DICTIONARY sco_english_stem (TEMPLATE = snowball, LANGUAGE = english)",
    "CREATE TEXT SEARCH DICTIONARY sco_russian_stem (TEMPLATE = snowball, LANGUAGE = russian)",
    "CREATE TEXT SEARCH CONFIGURATION sco_english (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION sco_english ALTER MAPPING REPLACE english_stem WITH sco_english_stem",
    "CREATE TEXT SEARCH CONFIGURATION sco_russian (COPY = russian)",
    "ALTER TEXT SEARCH CONFIGURATION sco_russian ALTER MAPPING REPLACE russian_stem WITH sco_russian_stem",
    "ALTER TEXT SEARCH CONFIGURATION sco_russian ALTER MAPPING REPLACE english_stem WITH sco_english_stem",
]
POSTGRESQL_TEARDOWN = [
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS sco_english",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS sco_russian",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS sco_english_stem",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS sco_russian_stem",
]


def suffix(language):
    return language.replace("-", "_")


def column_in(field, language, prefix=""):
    """SQL for a field's text as a reader of ``language`` sees it (the plain column holds English)."""
    if language == "en" or field not in TRANSLATED:
        return f"coalesce({prefix}{field}, '')"
    return f"coalesce(nullif({prefix}{field}_{suffix(language)}, ''), {prefix}{field}, '')"


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def postgresql_create(schema_editor, table, fields):
    for language in LANGUAGES:
        column = f"search_vector_{suffix(language)}"
        if language in POSTGRESQL_CONFIGS:
            config = POSTGRESQL_CONFIGS[language]
            vector = " || ".join(
                f"setweight(to_tsvector('{config}'::regconfig, {column_in(field, language)}), '{weight}')"
                for field, weight in zip(fields, WEIGHTS, strict=False)
            )
            schema_editor.execute(
                f"ALTER TABLE {table} ADD COLUMN {column} tsvector GENERATED ALWAYS AS ({vector}) STORED"
            )
        else:
            schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN {column} tsvector NOT NULL DEFAULT ''")
            backfill_chinese(schema_editor, table, fields)
        # Without a pending list, as 0006: the archive is read far more than written.
        schema_editor.execute(f"CREATE INDEX {table}_{column} ON {table} USING gin ({column}) WITH (fastupdate = off)")


def backfill_chinese(schema_editor, table, fields):
    columns = ["id", *(f"{field}_{suffix(language)}" for field in TRANSLATED for language in ("en", "zh-hans"))]
    columns += [field for field in fields if field not in TRANSLATED]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    search_text.write_chinese_vectors(schema_editor.connection, table, rows)


def postgresql_drop(schema_editor, table, fields):
    for language in LANGUAGES:
        column = f"search_vector_{suffix(language)}"
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}")


# --- SQLite -------------------------------------------------------------------------------------------------


def sqlite_index(table, language):
    return f"{table}_search_{suffix(language)}"


def sqlite_create(schema_editor, table, fields):
    search_text.register_sqlite_function(connection=schema_editor.connection)
    listed = ", ".join(fields)
    for language in LANGUAGES:
        index = sqlite_index(table, language)
        if language == "en":
            # 0006's index with the porter stemmer: FTS5 stems English itself.
            statements = full_text_search.sqlite_create(table, [(field, "") for field in fields])
            statements = [
                statement.replace(f"{table}_search", index).replace(
                    f"tokenize='{full_text_search.TOKENIZER}'", f"tokenize='porter {full_text_search.TOKENIZER}'"
                )
                for statement in statements
            ]
        else:
            prepared = ", ".join(
                f"{search_text.SQLITE_FUNCTION}('{language}', {column_in(field, language, 'new.')})" for field in fields
            )
            sources = list(fields) + [f"{field}_{suffix(language)}" for field in fields if field in TRANSLATED]
            filled = ", ".join(
                f"{search_text.SQLITE_FUNCTION}('{language}', {column_in(field, language)})" for field in fields
            )
            statements = [
                # Its own content (the prepared words): a row is removed by its id alone, whatever the words.
                f"CREATE VIRTUAL TABLE {index} USING fts5({listed}, tokenize='{full_text_search.TOKENIZER}')",
                f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN "
                f"INSERT INTO {index}(rowid, {listed}) VALUES (new.id, {prepared}); END",
                f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN "
                f"DELETE FROM {index} WHERE rowid = old.id; END",
                # Only a change to the indexed text re-indexes a row; publishing or scheduling it does not.
                f"CREATE TRIGGER {index}_update AFTER UPDATE OF {', '.join(sources)} ON {table} BEGIN "
                f"DELETE FROM {index} WHERE rowid = old.id; "
                f"INSERT INTO {index}(rowid, {listed}) VALUES (new.id, {prepared}); END",
                f"INSERT INTO {index}(rowid, {listed}) SELECT id, {filled} FROM {table}",
            ]
        for statement in statements:
            schema_editor.execute(statement)


def sqlite_drop(schema_editor, table, fields):
    for language in LANGUAGES:
        index = sqlite_index(table, language)
        for statement in (
            f"DROP TRIGGER IF EXISTS {index}_insert",
            f"DROP TRIGGER IF EXISTS {index}_delete",
            f"DROP TRIGGER IF EXISTS {index}_update",
            f"DROP TABLE IF EXISTS {index}",
        ):
            schema_editor.execute(statement)


BUILDERS = {"postgresql": (postgresql_create, postgresql_drop), "sqlite": (sqlite_create, sqlite_drop)}


def run(schema_editor, direction):
    builders = BUILDERS.get(schema_editor.connection.vendor)
    if builders is None:
        return  # other databases search with icontains (see chairmanship.search)
    for table, fields in INDEXED.items():
        builders[direction](schema_editor, table, fields)


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in BUILDERS:
        full_text_search.drop_index(apps, schema_editor)
    if vendor == "postgresql":
        for statement in POSTGRESQL_SETUP:
            schema_editor.execute(statement)
    run(schema_editor, 0)


def drop_indexes(apps, schema_editor):
    run(schema_editor, 1)
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_TEARDOWN:
            schema_editor.execute(statement)
    full_text_search.create_index(apps, schema_editor)


def drop_sqlite_search_indexes(apps, schema_editor):
    # SQLite rebuilds a table to alter most columns, which would drop these indexes' triggers.
    if schema_editor.connection.vendor == "sqlite":
        run(schema_editor, 1)


def create_sqlite_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        run(schema_editor, 0)


class Migration(migrations.Migration):
    dependencies = [
        ("chairmanship", "0011_translations"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
