"""Words for the search indexes, prepared in Python where the database cannot prepare them itself.

PostgreSQL stems English and Russian itself (migration 0012's ``sco_english`` and ``sco_russian``
configurations) but cannot cut Chinese, which is written without spaces, into words. SQLite's FTS5 stems
English (its porter tokenizer) but has no Russian stemmer and no Chinese segmenter. For those indexes the
text is prepared here and stored as space-separated words, and a query is prepared the same way, so the two
meet on equal terms:

- Chinese is cut by rjieba (jieba's dictionary and algorithm, in Rust). The index takes jieba's search
  mode, which also lists the shorter words inside a long one (上海合作组织: 上海, 合作, 组织 and the whole);
  a query takes the precise mode, whose words are always among those. So "上海" finds a title holding
  上海合作组织峰会, and "峰会" a two-character word that a trigram index could not find.
- Cyrillic words are stemmed by Snowball's Russian stemmer, the algorithm of PostgreSQL's ``russian_stem``,
  so "соглашения" and "соглашение" are one word.
- Latin words (English text shown where no translation exists yet, names such as SCO) are stemmed by
  Snowball's English stemmer, as PostgreSQL's russian configuration does with them.

``chairmanship.search`` queries the indexes; migration 0012 builds them.
"""

import re
import threading
from functools import lru_cache

import rjieba
import snowballstemmer

from chairmanship.languages import DEFAULT_LANGUAGE, field_suffix

CHINESE = "zh-hans"
# The SQLite function the Russian and Chinese FTS5 triggers call (registered on every connection).
SQLITE_FUNCTION = "sco_search_words"
# SQLite's lower() and LIKE fold ASCII letters only: "казахстан" would not find "Казахстан".
SQLITE_LOWER = "sco_lower"

WORD = re.compile(r"[^\W_]+")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")

_STEMMERS = {"english": snowballstemmer.stemmer("english"), "russian": snowballstemmer.stemmer("russian")}
# A Snowball stemmer keeps its word in its own state: one thread at a time.
_STEMMER_LOCK = threading.Lock()


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """A lower-case word's stem: English for Latin words, Russian for Cyrillic ones, else the word itself."""
    if word.isascii():
        language = "english"
    elif CYRILLIC.search(word):
        language = "russian"
    else:
        return word
    with _STEMMER_LOCK:
        return _STEMMERS[language].stemWord(word)


def words(text: str, language: str, *, for_index: bool = False) -> list[str]:
    """The lower-case words of ``text`` in the order written; punctuation and spaces only separate.

    Chinese text is cut into words first (with the shorter words inside long ones too, ``for_index``).
    """
    if not text:
        return []
    if language != CHINESE:
        return [word.lower() for word in WORD.findall(text)]
    pieces = rjieba.cut_for_search(text) if for_index else rjieba.cut(text)
    return [word.lower() for piece in pieces for word in WORD.findall(piece)]


def index_words(text: str | None, language: str) -> str:
    """What an index prepared in Python stores for ``text``: its stemmed words, space-separated."""
    return " ".join(stem(word) for word in words(text or "", language, for_index=True))


def register_sqlite_function(sender=None, connection=None, **kwargs) -> None:
    """Lets SQLite's triggers call ``index_words`` (a ``connection_created`` receiver; also called directly).

    Without it, writing a document or initiative fails with "no such function" rather than leaving the
    index behind the text.
    """
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 2, _sqlite_index_words, deterministic=True)
        connection.connection.create_function(SQLITE_LOWER, 1, _sqlite_lower, deterministic=True)


def _sqlite_index_words(language, text):
    return index_words(text, language)


def _sqlite_lower(text):
    return text.lower() if isinstance(text, str) else text


# --- The indexed text ---------------------------------------------------------------------------------------

# Each indexed table's fields, most prominent first (title, summary, full text: weights A, B, C). Title and
# summary have a column per language; the full text is kept in English only.
INDEXED_FIELDS = {
    "chairmanship_document": ("title", "summary", "full_text"),
    "chairmanship_initiative": ("title", "summary"),
}
TRANSLATED = ("title", "summary")
WEIGHTS = "ABC"
# PostgreSQL's Chinese vector: the one index no generated column can compute.
CHINESE_VECTOR = "search_vector_zh_hans"


def text_in(row, field: str, language: str) -> str:
    """A field's text as a reader of ``language`` sees it: in that language, else in English.

    ``row`` is a record or a mapping of column names to values.
    """
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name, None)
    if field not in TRANSLATED:
        return get(field) or ""
    # The English column by name: a record's ``title`` reads the active language's.
    return get(f"{field}_{field_suffix(language)}") or get(f"{field}_{field_suffix(DEFAULT_LANGUAGE)}") or ""


def chinese_vector_update(table: str) -> str:
    """The statement writing one row's Chinese vector: its prepared words per field, then its id."""
    vector = " || ".join(
        f"setweight(to_tsvector('simple', %s), '{weight}')" for weight in WEIGHTS[: len(INDEXED_FIELDS[table])]
    )
    # The table and column names are ours, never input; the words travel as parameters.
    return f"UPDATE {table} SET {CHINESE_VECTOR} = {vector} WHERE id = %s"  # noqa: S608


def write_chinese_vectors(connection, table: str, rows) -> None:
    """Writes the Chinese vector of each row (records, or mappings of columns to values) on PostgreSQL."""
    if connection.vendor != "postgresql":
        return  # SQLite's triggers prepare the words themselves (register_sqlite_function)
    parameters = [
        [*(index_words(text_in(row, field, CHINESE), CHINESE) for field in INDEXED_FIELDS[table]), _id(row)]
        for row in rows
    ]
    if parameters:
        with connection.cursor() as cursor:
            cursor.executemany(chinese_vector_update(table), parameters)


def _id(row):
    return row["id"] if isinstance(row, dict) else row.pk


def index_records(model, records, using: str) -> None:
    """Brings the indexes prepared in Python up to date with ``records`` just saved or created in bulk.

    The other indexes follow every write in the database itself: PostgreSQL's generated columns, SQLite's
    triggers. A bulk ``update()`` of Chinese text skips this: call it with the updated records afterwards.
    """
    from django.db import connections

    table = model._meta.db_table
    if table in INDEXED_FIELDS:
        write_chinese_vectors(connections[using], table, [record for record in records if record.pk is not None])


def index_saved_record(sender, instance, using, update_fields=None, **kwargs) -> None:
    """``post_save``: a save that changed no indexed text (publishing, scheduling) leaves the index alone."""
    if update_fields is not None:
        indexed = {
            name
            for field in INDEXED_FIELDS.get(sender._meta.db_table, ())
            for name in (field, f"{field}_{field_suffix(CHINESE)}")
        }
        if not indexed & set(update_fields):
            return
    index_records(sender, [instance], using)


def connect_signals(models) -> None:
    from django.db.backends.signals import connection_created
    from django.db.models.signals import post_save

    connection_created.connect(register_sqlite_function, dispatch_uid="search_text.register_sqlite_function")
    for model in models:
        if model._meta.db_table in INDEXED_FIELDS:
            post_save.connect(index_saved_record, sender=model, dispatch_uid=f"search_text.index.{model.__name__}")
