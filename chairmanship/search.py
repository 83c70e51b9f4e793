"""Site search across every public content type, ranked and highlighted, in the reader's language.

``search(query)`` is the search page's entry point; ``matching(queryset, query)`` narrows any queryset
to the records holding every word of a query, and is what the archive's and the API's ``search`` filter
call. Both read the full-text index of the large tables (documents and initiatives, built by migration
0012), one per language: a ``tsvector`` column with a GIN index on PostgreSQL, an FTS5 table on SQLite. The
small tables (summits, states, chairmanships) are matched with ``icontains``.

The reader's language (``get_language()``: the page's address, or the API's ``?lang=``/Accept-Language)
chooses the index. Each index holds the text as that language's reader sees it: the title and summary in
that language, or in English where they are not yet translated, and the full text (English only). Words
are stemmed (English and Russian: "agreements" finds "agreement", "соглашения" finds "соглашение") and
Chinese is cut into words (``chairmanship.search_text``), so "上海" and "峰会" are found inside a title
written without spaces. A query in one language only meets text in it and the English shown beside it.

The rules are the same on every database:

- A query is cut into words (letters and digits; punctuation only separates), so no input can break the
  query syntax of either database. A query without a word matches nothing.
- Every word must occur in the record; the last word typed also matches the start of a longer word
  ("corr" finds "corridor").
- A record ranks by the most prominent fields that hold every word: all in the title (rank 3); else all
  in the title or the summary, or another descriptive field (rank 2); else with some word only in the
  full text (rank 1). So a title hit ranks above a summary-only hit, which ranks above a full-text-only
  hit. Within a rank, records keep the model's usual order (newest documents first); on a Russian or
  Chinese page, records with a title in that language come before those still shown in English.

Ranking by tiers keeps the search cheap when many records match: the database reads the tiers in turn
and stops once a page of results is found, so the lower tiers are never read, and no match is scored.
Within a tier, a common word still matches tens of thousands of documents, and migration 0014 spares the
database from reading each of them to sort them: on PostgreSQL with the RUM extension, an index per
language that returns the matches in the page's order, so only the page (and the records sharing its last
date) is read from the table; on SQLite, a narrow index the page is chosen from before its rows are read.
Where those indexes are missing (PostgreSQL without the extension) the plan of 0012 finds the same records.
"""

import datetime
import functools
import re
from dataclasses import dataclass
from typing import ClassVar

from django.contrib.postgres.search import Lexeme, SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connections
from django.db.models import Case, Expression, F, FloatField, Func, IntegerField, Q, TextField, Value, When
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.functions import Coalesce, NullIf
from django.db.models.lookups import IContains
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language

from chairmanship import search_text
from chairmanship.languages import DEFAULT_LANGUAGE, TRANSLATED_FIELDS, fallback_language, field_suffix, supported
from chairmanship.models import Chairmanship, Document, Initiative, State, Summit

MAX_WORDS = 8  # the words of a query the search page looks for
RESULTS_PER_TYPE = 25
SNIPPET_LENGTH = 240
# The last word matches as the start of a word only from this length on: a one- or two-letter prefix
# would match most of the archive and only make the query slow.
PREFIX_MIN_LENGTH = 3
# The rest of a word after a matched start: letters, except the ideographs of a language without spaces.
WORD_REST = r"[^\W\d_\u2e80-\u9fff\uf900-\ufaff]*"
# A record's rank by how many field groups (title first) it takes to hold every word of the query.
TIER_RANKS = (3, 2, 1)

# Each language's text search configuration on PostgreSQL (migration 0012): Chinese words come cut and
# stemmed by chairmanship.search_text, so "simple" only lower-cases them.
POSTGRESQL_CONFIGS = {"en": "sco_english", "ru": "sco_russian", "zh-hans": "simple"}
POSTGRESQL_WEIGHTS = "ABC"  # title, summary, full text (migration 0012)
# The indexes whose words chairmanship.search_text prepares, by database: a query's words are prepared alike.
PREPARED_IN_PYTHON = {"postgresql": {"zh-hans"}, "sqlite": {"ru", "zh-hans"}}


@dataclass(frozen=True)
class SearchResult:
    kind: str
    title: str
    url: str
    snippet: str
    rank: int
    title_html: SafeString
    snippet_html: SafeString
    # "en" where the title or snippet shows English on a page in another language (marked lang="en").
    title_language: str | None = None
    snippet_language: str | None = None


@dataclass(frozen=True)
class Term:
    """One word of a query; ``prefix`` also matches longer words starting with it."""

    word: str
    prefix: bool = False


def reader_language() -> str:
    """The language of the page or API answer being made (English outside a request)."""
    return supported(get_language() or "") or DEFAULT_LANGUAGE


def query_words(query: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The distinct words of a query in the order typed, lower-cased; punctuation only separates words.

    Chinese is cut into words as the Chinese index is.
    """
    return list(dict.fromkeys(search_text.words(query, language)))


def query_terms(words: list[str], *, stemmed: bool = False) -> list[Term]:
    """The terms looked up for ``words``: stemmed here when the index's words were (``search_text``)."""
    if stemmed:
        words = list(dict.fromkeys(search_text.stem(word) for word in words))
    terms = [Term(word) for word in words]
    if terms and len(terms[-1].word) >= PREFIX_MIN_LENGTH:
        terms[-1] = Term(terms[-1].word, prefix=True)
    return terms


def in_language(model, path: str, language: str):
    """A field (``state__short_name`` too) as a reader of ``language`` sees it: its text in that language,
    else its English text."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    if language == DEFAULT_LANGUAGE or name not in TRANSLATED_FIELDS.get(model.__name__, ()):
        return F(path)  # the field's own column holds English (models.KeptInEnglish)
    translated = NullIf(F(f"{path}_{field_suffix(language)}"), Value(""), output_field=TextField())
    return Coalesce(translated, F(path), output_field=TextField())


# --- How each kind of index is queried ----------------------------------------------------------------


class StoredColumn(Expression):
    """A column the database maintains beside the model's fields (the generated search vector).

    Resolved against the query's base table, and relabelled with it, so it also works in subqueries.
    """

    contains_column_references = True

    def __init__(self, column: str, output_field, alias: str | None = None):
        super().__init__(output_field=output_field)
        self.column, self.alias = column, alias

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = self.copy()
        resolved.alias = query.get_initial_alias()
        return resolved

    def relabeled_clone(self, relabels):
        return StoredColumn(self.column, self.output_field, relabels.get(self.alias, self.alias))

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name(self.alias)}.{compiler.quote_name(self.column)}", ()

    def get_group_by_cols(self):
        return [self]


class Lowered(Func):
    """Lower-cased text, whatever its alphabet (SQLite's own lower() and LIKE fold only ASCII letters)."""

    function = "LOWER"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function=search_text.SQLITE_LOWER, **extra_context)


class ContainsMatcher:
    """``icontains`` on each field in the reader's language: for the small tables, and for a database without
    a full-text index."""

    stemmed = False

    def __init__(self, model, language: str, *groups: tuple[str, ...]):
        # groups of fields, most prominent first
        self.groups = tuple(tuple(in_language(model, path, language) for path in group) for group in groups)

    def within(self, terms: list[Term], depth: int) -> Q:
        """Every word occurs in a field of the first ``depth`` groups."""
        fields = sum(self.groups[:depth], ())
        condition = Q()
        for term in terms:
            any_field = Q()
            for field in fields:
                any_field |= Q(IContains(Lowered(field), term.word.lower()))
            condition &= any_field
        return condition


class PostgresqlMatcher:
    """A language's stored, weighted ``search_vector_<language>`` column and its GIN index, and the RUM index
    that returns its matches in order where there is one (``order_column``)."""

    def __init__(self, language: str, column_count: int, order_column: str | None = None):
        self.column = f"search_vector_{field_suffix(language)}"
        self.config = POSTGRESQL_CONFIGS[language]
        self.stemmed = language in PREPARED_IN_PYTHON["postgresql"]
        self.column_count = column_count
        self.order_column = order_column

    def within(self, terms: list[Term], depth: int) -> Q:
        """Every word occurs in the first ``depth`` columns (a weight per column: title A, summary B...)."""
        weights = POSTGRESQL_WEIGHTS[:depth] if depth < self.column_count else ""
        words = []
        for term in terms:
            if not weights:
                words.append(Lexeme(term.word, prefix=term.prefix))
            else:
                words.append(any_of([Lexeme(term.word, prefix=term.prefix, weight=weight) for weight in weights]))
        vector = StoredColumn(self.column, SearchVectorField())
        return Q(SearchVectorExact(vector, SearchQuery(all_of(words), config=self.config)))


def _balanced(lexemes: list, combine):
    # Paired up as a balanced tree: a long query would nest too deep to compile as a chain.
    while len(lexemes) > 1:
        pairs = [combine(left, right) for left, right in zip(lexemes[::2], lexemes[1::2], strict=False)]
        lexemes = pairs + lexemes[len(pairs) * 2 :]
    return lexemes[0]


def all_of(lexemes: list):
    return _balanced(lexemes, lambda left, right: left & right)


def any_of(lexemes: list):
    return _balanced(lexemes, lambda left, right: left | right)


class SqliteMatcher:
    """A language's FTS5 table ``<table>_search_<language>`` (its rowid is the record's id)."""

    def __init__(self, table: str, language: str, columns: tuple[str, ...], page_index: str | None = None):
        self.index, self.columns = f"{table}_search_{field_suffix(language)}", columns
        self.stemmed = language in PREPARED_IN_PYTHON["sqlite"]
        self.page_index = page_index

    def within(self, terms: list[Term], depth: int) -> Q:
        """Every word occurs in the first ``depth`` columns."""
        expression = " AND ".join(self._phrase(term) for term in terms)
        if depth < len(self.columns):
            expression = f"{{{' '.join(self.columns[:depth])}}} : ({expression})"
        # The index name is ours, never user input; the user's words travel as a parameter.
        sql = f"SELECT rowid FROM {self.index} WHERE {self.index} MATCH %s"  # noqa: S608
        return Q(pk__in=RawSQL(sql, (expression,)))  # noqa: S611

    @staticmethod
    def _phrase(term: Term) -> str:
        # A quoted FTS5 string is never read as an operator, column name or syntax; quotes are doubled.
        quoted = '"' + term.word.replace('"', '""') + '"'
        return quoted + "*" if term.prefix else quoted


class OrderDistance(Func):
    """How far a RUM order column's value lies below the largest integer: in ascending order of it, the
    column's values come highest first, and the RUM index returns them so (``col <=| value``)."""

    template = "(%(expressions)s <=| 2147483647)"
    output_field = FloatField()


@dataclass(frozen=True)
class FullTextIndex:
    """The full-text index of one model: its columns, most prominent first (title, summary, full text).

    ``ordered``: migration 0014 may add indexes that find a page of matches without reading every match from
    the table. On PostgreSQL, a RUM index per language returning the matches in the model's order (``-date``;
    on a Russian or Chinese page, a title in that language first), by the stored ``search_order_<language>``
    column. On SQLite, ``<table>_search_page``: the few columns a page is chosen by, read for each match
    instead of the record's whole row.
    """

    columns: tuple[str, ...]
    ordered: bool = False

    def matcher(self, model, connection, language: str):
        table = model._meta.db_table
        if connection.vendor == "postgresql":
            order_column = f"search_order_{field_suffix(language)}"
            if not self.ordered or f"{table}_{order_column}" not in ordered_indexes(connection):
                order_column = None
            return PostgresqlMatcher(language, len(self.columns), order_column)
        if connection.vendor == "sqlite":
            page_index = f"{table}_search_page"
            if not self.ordered or page_index not in ordered_indexes(connection):
                page_index = None
            return SqliteMatcher(table, language, self.columns, page_index)
        return ContainsMatcher(model, language, *((column,) for column in self.columns))


INDEXES = {
    Document: FullTextIndex(("title", "summary", "full_text"), ordered=True),
    Initiative: FullTextIndex(("title", "summary")),
}

# The RUM indexes of each database (by connection alias and database name): learnt when a process first
# connects to it and again after each migrate, so a search costs no query to find them.
_ORDERED_INDEXES: dict[tuple[str, str], frozenset[str]] = {}


ORDERED_INDEX_QUERIES = {
    "postgresql": ("SELECT indexname FROM pg_indexes WHERE indexdef LIKE %s", ["% USING rum %"]),
    "sqlite": ("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE %s", ["%search_page"]),
}


def learn_ordered_indexes(connection) -> None:
    names = frozenset()
    if connection.vendor in ORDERED_INDEX_QUERIES:
        with connection.cursor() as cursor:
            cursor.execute(*ORDERED_INDEX_QUERIES[connection.vendor])
            names = frozenset(name for (name,) in cursor.fetchall())
    _ORDERED_INDEXES[(connection.alias, connection.settings_dict["NAME"])] = names


def ordered_indexes(connection) -> frozenset[str]:
    key = (connection.alias, connection.settings_dict["NAME"])
    if key not in _ORDERED_INDEXES:
        learn_ordered_indexes(connection)
    return _ORDERED_INDEXES[key]


def _learn_on_connecting(sender, connection, **kwargs) -> None:
    key = (connection.alias, connection.settings_dict["NAME"])
    if connection.vendor in ORDERED_INDEX_QUERIES and key not in _ORDERED_INDEXES:
        learn_ordered_indexes(connection)


def _learn_after_migrating(sender, using, **kwargs) -> None:
    learn_ordered_indexes(connections[using])


def connect_signals(app_config) -> None:
    from django.db.backends.signals import connection_created
    from django.db.models.signals import post_migrate

    connection_created.connect(_learn_on_connecting, dispatch_uid="search.learn_on_connecting")
    post_migrate.connect(_learn_after_migrating, sender=app_config, dispatch_uid="search.learn_after_migrating")


# --- The interface ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """How one content type is searched and shown: the field groups it matches, most prominent first."""

    kind: str
    model: type
    fields: tuple[tuple[str, ...], ...]
    related: tuple[str, ...] = ()

    def matcher(self, queryset, language: str):
        index = INDEXES.get(self.model)
        if index is None:
            return ContainsMatcher(self.model, language, *self.fields)
        return index.matcher(self.model, connections[queryset.db], language)

    def own_language(self, language: str) -> Q | None:
        """The records with their own text in ``language`` (a title in it), ranked before those shown in
        English; None where every record is in its own language."""
        if language == DEFAULT_LANGUAGE or "title" not in TRANSLATED_FIELDS.get(self.model.__name__, ()):
            return None
        return Q(**{f"title_{field_suffix(language)}__gt": ""})

    # The translated fields the result's title and snippet mostly show, to mark an English fallback.
    title_field: ClassVar[str | None] = "title"
    snippet_field: ClassVar[str | None] = "summary"

    def title_of(self, record) -> str:
        return str(record)

    def snippet_of(self, record) -> str:
        return getattr(record, "summary", "") or ""


class SummitScope(Scope):
    title_field = "host_city"

    def title_of(self, summit) -> str:
        # As the summit page's heading reads.
        return summit.heading

    def snippet_of(self, summit) -> str:
        return " — ".join(part for part in (summit.theme, summit.summary) if part)


class StateScope(Scope):
    title_field = "short_name"

    def snippet_of(self, state) -> str:
        return " — ".join(part for part in (state.official_name, state.summary) if part)


class ChairmanshipScope(Scope):
    title_field = None

    def snippet_of(self, chairmanship) -> str:
        return " — ".join(part for part in (chairmanship.motto, chairmanship.summary) if part)


SCOPES = (
    Scope("Document", Document, (("title",), ("summary",), ("full_text",))),
    Scope("Initiative", Initiative, (("title",), ("summary",))),
    SummitScope("Summit", Summit, (("host_city", "theme"), ("summary",))),
    StateScope("State", State, (("short_name", "official_name"), ("summary", "capital"))),
    ChairmanshipScope(
        "Chairmanship", Chairmanship, (("state__short_name", "motto"), ("summary", "priorities")), ("state",)
    ),
)
SCOPE_OF = {scope.model: scope for scope in SCOPES}


def _scope(queryset) -> Scope:
    return SCOPE_OF[queryset.model]


def matching(queryset, query: str, *, language: str | None = None):
    """The records of ``queryset`` holding every word of ``query`` in ``language`` (the reader's by default);
    none when it holds no word.

    The archive's and the API's ``search`` filter. The order is left to the caller.
    """
    language = language or reader_language()
    scope = _scope(queryset)
    matcher = scope.matcher(queryset, language)
    terms = query_terms(query_words(query, language), stemmed=matcher.stemmed)
    if not terms:
        return queryset.none()
    return queryset.filter(matcher.within(terms, len(scope.fields)))


def _nulls_last(name: str) -> OrderBy:
    # The same order on both databases (PostgreSQL puts NULL first when descending, SQLite last). On
    # PostgreSQL it also keeps the planner on the full-text index: walking the archive's date index
    # instead is quick for a common word but reads the whole table for a rare one.
    field = F(name.removeprefix("-"))
    return field.desc(nulls_last=True) if name.startswith("-") else field.asc(nulls_last=True)


def ranked(queryset, query: str, *, limit: int = RESULTS_PER_TYPE, language: str | None = None) -> list:
    """The best ``limit`` records of ``queryset`` matching ``query`` in ``language`` (the reader's by
    default), best first, each with ``search_rank``.

    One query. For an indexed model it reads the tiers one after the other (a UNION ALL of one
    ordered, limited SELECT per tier; in Russian or Chinese, one for the records with a title in that
    language, then one for those shown in English) and the database stops as soon as ``limit`` records are
    found; each tier leaves out the records of the tiers above it.
    """
    language = language or reader_language()
    scope = _scope(queryset)
    matcher = scope.matcher(queryset, language)
    terms = query_terms(query_words(query, language), stemmed=matcher.stemmed)
    if not terms:
        return []
    if isinstance(matcher, ContainsMatcher):
        return list(_small_table_page(queryset, scope, matcher, terms, limit))
    return _run(queryset, *_tiers_statement(queryset, scope, matcher, terms, limit, language))


def _small_table_page(queryset, scope, matcher, terms: list[Term], limit: int):
    """A small table: every match ranked in one ordinary query (it keeps select_related())."""
    tiers = [matcher.within(terms, depth) for depth in range(1, len(scope.fields) + 1)]
    rank = Case(
        *(When(tier, then=Value(rank)) for tier, rank in zip(tiers, TIER_RANKS, strict=False)),
        output_field=IntegerField(),
    )
    ordering = [*(_nulls_last(name) for name in queryset.model._meta.ordering), "pk"]
    return queryset.filter(tiers[-1]).annotate(search_rank=rank).order_by("-search_rank", *ordering)[:limit]


def _tiers_statement(queryset, scope, matcher, terms: list[Term], limit: int, language: str) -> tuple[str, list]:
    """The SQL and parameters of ``ranked()`` for an indexed model."""
    ordering = [*(_nulls_last(name) for name in queryset.model._meta.ordering), "pk"]
    tiers = [matcher.within(terms, depth) for depth in range(1, len(scope.fields) + 1)]
    order_column = getattr(matcher, "order_column", None)
    page_index = getattr(matcher, "page_index", None)
    # A RUM index's order puts the reader's language first itself.
    own = None if order_column else scope.own_language(language)
    selects, params = [], []
    for depth, tier in enumerate(tiers):
        part = queryset.filter(tier)
        if depth:
            part = part.exclude(tiers[depth - 1])
        part = part.annotate(search_rank=Value(TIER_RANKS[depth]))
        for group, records in enumerate([part] if own is None else [part.filter(own), part.exclude(own)]):
            if order_column:
                sql, part_params = _first_in_index_order(records, order_column, limit)
            elif page_index:
                sql, part_params = _first_through_page_index(records, page_index, ordering, limit, TIER_RANKS[depth])
            else:
                sql, part_params = records.order_by(*ordering)[:limit].query.sql_with_params()
            # Django's own SQL; values are parameters.
            selects.append(f"SELECT * FROM ({sql}) AS tier_{depth}_{group}")  # noqa: S608
            params.extend(part_params)
    # Without an outer ORDER BY both databases read the tiers in turn and stop at the limit.
    return " UNION ALL ".join(selects) + f" LIMIT {int(limit)}", params


def _run(queryset, statement: str, params: list, related: tuple[str, ...] = ()) -> list:
    records = list(queryset.model._default_manager.db_manager(queryset.db).raw(statement, params))
    for name in related:
        _attach_related(records, queryset, name)
    records.sort(key=lambda record: -record.search_rank)
    return records


def _related_column(name: str, position: int) -> str:
    return f"search_{name}_{position}"


def _with_related_columns(queryset, related: tuple[str, ...]):
    """``queryset`` with every column of each of its ``related`` records (foreign keys) beside its own, as
    ``select_related()`` joins them, for ``_run`` to rebuild the related records from: a raw statement cannot
    select them related."""
    for name in related:
        model = queryset.model._meta.get_field(name).related_model
        columns = {
            _related_column(name, position): F(f"{name}__{field.attname}")
            for position, field in enumerate(model._meta.concrete_fields)
        }
        queryset = queryset.annotate(**columns)
    return queryset


def _attach_related(records: list, queryset, name: str) -> None:
    """Each record's ``name`` record, rebuilt from the columns ``_with_related_columns`` added, as if selected
    related."""
    field = queryset.model._meta.get_field(name)
    model = field.related_model
    attnames = [related.attname for related in model._meta.concrete_fields]
    for record in records:
        values = [record.__dict__.pop(_related_column(name, position)) for position in range(len(attnames))]
        related = None if values[0] is None else model.from_db(queryset.db, attnames, values)
        field.set_cached_value(record, related)


# The search page's statements, by model, database, language,
# plan and the query's shape (its number of terms, and which match as a prefix). Building one through the ORM
# costs far more than running it, so each is built once, with stand-in words and a stand-in publication time,
# and then run with the query's words and the time of the search. A word is letters and digits only (``query_words``), which
# every layer of quoting leaves as it is, so it takes its stand-in's place inside a parameter unchanged.
_STATEMENTS: dict[tuple, tuple[str, list]] = {}
STAND_IN_TIME = datetime.datetime(2000, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)


def _stand_in(position: int) -> str:
    return f"zzstandin{position}zz"


def _published_ranked(scope: "Scope", query: str, *, limit: int, language: str) -> list:
    """``ranked(scope.model.objects.published(), query)``, from a statement built once per shape of query."""
    # The statement holds the rule of publication (``published()``); this only names the model and database.
    records = scope.model.objects.all()
    matcher = scope.matcher(records, language)
    terms = query_terms(query_words(query, language), stemmed=matcher.stemmed)
    if not terms:
        return []
    plan = (getattr(matcher, "order_column", None), getattr(matcher, "page_index", None))
    key = (scope.model, records.db, language, plan, limit)
    key += tuple(term.prefix for term in terms)
    if key not in _STATEMENTS:
        stand_ins = [Term(_stand_in(position), term.prefix) for position, term in enumerate(terms)]
        template = scope.model.objects.published(at=STAND_IN_TIME)
        if isinstance(matcher, ContainsMatcher):
            template = _with_related_columns(template, scope.related)
            _STATEMENTS[key] = _small_table_page(template, scope, matcher, stand_ins, limit).query.sql_with_params()
        else:
            _STATEMENTS[key] = _tiers_statement(template, scope, matcher, stand_ins, limit, language)
    statement, template_params = _STATEMENTS[key]
    # As the database driver is given a time (SQLite: text).
    adapt = connections[records.db].ops.adapt_datetimefield_value
    stand_in_time, now = adapt(STAND_IN_TIME), adapt(timezone.now())
    params = []
    for param in template_params:
        if param == stand_in_time:
            param = now
        elif isinstance(param, str) and "zzstandin" in param:
            for position, term in enumerate(terms):
                param = param.replace(_stand_in(position), term.word)
        params.append(param)
    return _run(records, statement, params, scope.related)


def _first_in_index_order(records, order_column: str, limit: int) -> tuple[str, tuple]:
    """The SQL of the first ``limit`` of ``records`` in the model's order, read from a RUM index in the order of
    ``order_column`` (the model's first ordering key), then sorted by the model's other keys.

    Only the matches up to the page's last order value (WITH TIES: all of them that share it) are read from
    the table, however many there are.
    """
    model = records.model
    distance = OrderDistance(StoredColumn(order_column, IntegerField()))
    sql, params = records.annotate(search_distance=distance).order_by("search_distance").query.sql_with_params()
    quote = connections[records.db].ops.quote_name
    ties = []
    for name in (*model._meta.ordering[1:], "pk"):
        field = model._meta.pk if name == "pk" else model._meta.get_field(name.removeprefix("-"))
        ties.append(f"{quote(field.column)} {'DESC' if name.startswith('-') else 'ASC'} NULLS LAST")
    # Django's own SQL; values are parameters.
    statement = (
        f"SELECT * FROM ({sql} FETCH FIRST {int(limit)} ROWS WITH TIES) AS page "  # noqa: S608
        f"ORDER BY search_distance, {', '.join(ties)} LIMIT {int(limit)}"
    )
    return statement, params


def _first_through_page_index(records, page_index: str, ordering: list, limit: int, rank: int) -> tuple[str, tuple]:
    """The SQL of the first ``limit`` of ``records`` in ``ordering`` on SQLite: chosen by the columns of
    ``page_index`` alone (the model's order, its publication and language), then read whole.

    SQLite would otherwise read every match's whole row (summaries, full text) to sort the matches. It
    takes the primary key to look a match up by id even where this narrower index holds all it needs, so
    the statement names the index.
    """
    model = records.model
    table = connections[records.db].ops.quote_name(model._meta.db_table)
    sql, params = records.order_by(*ordering).values("pk")[:limit].query.sql_with_params()
    # Django's own SQL, whose first FROM is the model's table; the index name is ours.
    sql = sql.replace(f"FROM {table}", f'FROM {table} INDEXED BY "{page_index}"', 1)
    page = model._default_manager.db_manager(records.db).filter(pk__in=RawSQL(sql, params))  # noqa: S611
    page = page.annotate(search_rank=Value(rank)).order_by(*ordering)
    return page.query.sql_with_params()


@functools.lru_cache(maxsize=256)
def _marked_pattern(words: tuple[str, ...]) -> re.Pattern:
    # Longest first, so the longer of two overlapping words is the one marked.
    alternatives = sorted(words, key=len, reverse=True)
    return re.compile("(?:" + "|".join(re.escape(word) for word in alternatives) + ")" + WORD_REST, re.IGNORECASE)


def highlight(text: str, words: list[str]) -> SafeString:
    """``text`` as safe HTML with every occurrence of ``words`` wrapped in <mark>, to the end of the word
    it starts (a stem marks the word it was found in: "соглашен" marks "Соглашение"; Chinese, written
    without spaces, only the word itself).

    The text is cut at the matches and every piece is escaped before any tag is added, so a record
    containing markup is shown as text and never run, and a word like "amp" cannot split an entity.
    """
    if not words:
        return escape(text)
    pieces, position = [], 0
    for match in _marked_pattern(tuple(words)).finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece escaped; the only markup is <mark>)


def excerpt(text: str, words: list[str], length: int = SNIPPET_LENGTH) -> str:
    """A stretch of ``text`` around the first matched word, so the reader sees why it matched."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text  # shown whole
    lowered = text.casefold()
    positions = [position for word in words if (position := lowered.find(word)) >= 0]
    if not positions or min(positions) < length // 2:
        return Truncator(text).chars(length)
    start = text.rfind(" ", 0, min(positions) - length // 3) + 1
    return "…" + Truncator(text[start:]).chars(length - 1)


def search(query: str, *, per_type: int = RESULTS_PER_TYPE) -> list[SearchResult]:
    """Public records matching every word of ``query`` in the reader's language, best first. One query per
    content type."""
    language = reader_language()
    words = query_words(query, language)[:MAX_WORDS]
    if not words:
        return []
    query = " ".join(words)
    # A stemmed index also finds other forms of a word ("соглашение" for "соглашения"): mark them too.
    marked = list(dict.fromkeys([*words, *(stem for word in words if len(stem := search_text.stem(word)) >= 3)]))
    results = []
    for scope in SCOPES:
        for record in _published_ranked(scope, query, limit=per_type, language=language):
            title = scope.title_of(record)
            snippet = excerpt(scope.snippet_of(record), marked)
            results.append(
                SearchResult(
                    kind=scope.kind,
                    title=title,
                    url=record.get_absolute_url(),
                    snippet=snippet,
                    rank=record.search_rank,
                    title_html=highlight(title, marked),
                    snippet_html=highlight(snippet, marked),
                    title_language=fallback_language(record, scope.title_field),
                    snippet_language=fallback_language(record, scope.snippet_field),
                )
            )
    results.sort(key=lambda result: (-result.rank, result.title.casefold()))
    return results
