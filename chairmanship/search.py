"""Site search across every public content type, ranked and highlighted.

``search(query)`` is the search page's entry point; ``matching(queryset, query)`` narrows any queryset
to the records holding every word of a query, and is what the archive's and the API's ``search`` filter
call. Both read the full-text index of the large tables (documents and initiatives, built by migration
0006): a stored ``tsvector`` column with a GIN index on PostgreSQL, an FTS5 table on SQLite. The small
tables (summits, states, chairmanships) are matched with ``icontains``.

The rules are the same on every database:

- A query is cut into words (letters and digits; punctuation only separates), so no input can break the
  query syntax of either database. A query without a word matches nothing.
- Every word must occur in the record; the last word typed also matches the start of a longer word
  ("corr" finds "corridor").
- A record ranks by the most prominent fields that hold every word: all in the title (rank 3); else all
  in the title or the summary, or another descriptive field (rank 2); else with some word only in the
  full text (rank 1). So a title hit ranks above a summary-only hit, which ranks above a full-text-only
  hit. Within a rank, records keep the model's usual order (newest documents first).

Ranking by tiers keeps the search cheap when many records match: the database reads the tiers in turn
and stops once a page of results is found, so the lower tiers are never read, and no match is scored.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import Lexeme, SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connections
from django.db.models import Case, Expression, F, IntegerField, Q, Value, When
from django.db.models.expressions import OrderBy, RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from chairmanship.models import Chairmanship, Document, Initiative, State, Summit

MAX_WORDS = 8  # the words of a query the search page looks for
RESULTS_PER_TYPE = 25
SNIPPET_LENGTH = 240
# The last word matches as the start of a word only from this length on: a one- or two-letter prefix
# would match most of the archive and only make the query slow.
PREFIX_MIN_LENGTH = 3
# A record's rank by how many field groups (title first) it takes to hold every word of the query.
TIER_RANKS = (3, 2, 1)

WORD = re.compile(r"[^\W_]+")
# The index's text search configuration on PostgreSQL (see migration 0006 for why "simple").
POSTGRESQL_CONFIG = "simple"
POSTGRESQL_WEIGHTS = "ABC"  # title, summary, full text (migration 0006)


@dataclass(frozen=True)
class SearchResult:
    kind: str
    title: str
    url: str
    snippet: str
    rank: int
    title_html: SafeString
    snippet_html: SafeString


@dataclass(frozen=True)
class Term:
    """One word of a query; ``prefix`` also matches longer words starting with it."""

    word: str
    prefix: bool = False


def query_words(query: str) -> list[str]:
    """The distinct words of a query in the order typed, lower-cased; punctuation only separates words."""
    return list(dict.fromkeys(word.lower() for word in WORD.findall(query)))


def query_terms(words: list[str]) -> list[Term]:
    terms = [Term(word) for word in words]
    if terms and len(terms[-1].word) >= PREFIX_MIN_LENGTH:
        terms[-1] = Term(terms[-1].word, prefix=True)
    return terms


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


class ContainsMatcher:
    """``icontains`` on each field: for the small tables, and for a database without a full-text index."""

    def __init__(self, *groups: tuple[str, ...]):
        self.groups = groups  # groups of fields, most prominent first

    def within(self, terms: list[Term], depth: int) -> Q:
        """Every word occurs in a field of the first ``depth`` groups."""
        fields = sum(self.groups[:depth], ())
        condition = Q()
        for term in terms:
            any_field = Q()
            for field_name in fields:
                any_field |= Q(**{f"{field_name}__icontains": term.word})
            condition &= any_field
        return condition


class PostgresqlMatcher:
    """The stored, weighted ``search_vector`` column and its GIN index."""

    def __init__(self, column_count: int):
        self.column_count = column_count

    def within(self, terms: list[Term], depth: int) -> Q:
        """Every word occurs in the first ``depth`` columns (a weight per column: title A, summary B...)."""
        weights = POSTGRESQL_WEIGHTS[:depth] if depth < self.column_count else ""
        words = []
        for term in terms:
            if not weights:
                words.append(Lexeme(term.word, prefix=term.prefix))
            else:
                words.append(any_of([Lexeme(term.word, prefix=term.prefix, weight=weight) for weight in weights]))
        vector = StoredColumn("search_vector", SearchVectorField())
        return Q(SearchVectorExact(vector, SearchQuery(all_of(words), config=POSTGRESQL_CONFIG)))


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
    """The FTS5 table ``<table>_search`` over the model's table (its rowid is the record's id)."""

    def __init__(self, table: str, columns: tuple[str, ...]):
        self.index, self.columns = f"{table}_search", columns

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


@dataclass(frozen=True)
class FullTextIndex:
    """The full-text index of one model: its columns, most prominent first (title, summary, full text)."""

    columns: tuple[str, ...]

    def matcher(self, model, vendor: str):
        if vendor == "postgresql":
            return PostgresqlMatcher(len(self.columns))
        if vendor == "sqlite":
            return SqliteMatcher(model._meta.db_table, self.columns)
        return ContainsMatcher(*((column,) for column in self.columns))


INDEXES = {
    Document: FullTextIndex(("title", "summary", "full_text")),
    Initiative: FullTextIndex(("title", "summary")),
}


# --- The interface ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """How one content type is searched and shown: the field groups it matches, most prominent first."""

    kind: str
    model: type
    fields: tuple[tuple[str, ...], ...]
    related: tuple[str, ...] = ()

    def matcher(self, queryset):
        index = INDEXES.get(self.model)
        if index is None:
            return ContainsMatcher(*self.fields)
        return index.matcher(self.model, connections[queryset.db].vendor)

    def title_of(self, record) -> str:
        return str(record)

    def snippet_of(self, record) -> str:
        return getattr(record, "summary", "") or ""


class SummitScope(Scope):
    def title_of(self, summit) -> str:
        # As the summit page's heading reads.
        return summit.heading

    def snippet_of(self, summit) -> str:
        return " — ".join(part for part in (summit.theme, summit.summary) if part)


class StateScope(Scope):
    def snippet_of(self, state) -> str:
        return " — ".join(part for part in (state.official_name, state.summary) if part)


class ChairmanshipScope(Scope):
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


def matching(queryset, query: str):
    """The records of ``queryset`` holding every word of ``query``; none when it holds no word.

    The archive's and the API's ``search`` filter. The order is left to the caller.
    """
    terms = query_terms(query_words(query))
    if not terms:
        return queryset.none()
    scope = _scope(queryset)
    return queryset.filter(scope.matcher(queryset).within(terms, len(scope.fields)))


def _nulls_last(name: str) -> OrderBy:
    # The same order on both databases (PostgreSQL puts NULL first when descending, SQLite last). On
    # PostgreSQL it also keeps the planner on the full-text index: walking the archive's date index
    # instead is quick for a common word but reads the whole table for a rare one.
    field = F(name.removeprefix("-"))
    return field.desc(nulls_last=True) if name.startswith("-") else field.asc(nulls_last=True)


def ranked(queryset, query: str, *, limit: int = RESULTS_PER_TYPE) -> list:
    """The best ``limit`` records of ``queryset`` matching ``query``, best first, each with ``search_rank``.

    One query. For an indexed model it reads the tiers one after the other (a UNION ALL of one
    ordered, limited SELECT per tier) and the database stops as soon as ``limit`` records are found;
    each tier leaves out the records of the tiers above it.
    """
    terms = query_terms(query_words(query))
    if not terms:
        return []
    scope = _scope(queryset)
    matcher = scope.matcher(queryset)
    ordering = [*(_nulls_last(name) for name in queryset.model._meta.ordering), "pk"]
    tiers = [matcher.within(terms, depth) for depth in range(1, len(scope.fields) + 1)]
    if isinstance(matcher, ContainsMatcher):
        # A small table: rank every match in one ordinary query (it keeps select_related()).
        rank = Case(
            *(When(tier, then=Value(rank)) for tier, rank in zip(tiers, TIER_RANKS, strict=False)),
            output_field=IntegerField(),
        )
        return list(queryset.filter(tiers[-1]).annotate(search_rank=rank).order_by("-search_rank", *ordering)[:limit])
    selects, params = [], []
    for depth, tier in enumerate(tiers):
        part = queryset.filter(tier)
        if depth:
            part = part.exclude(tiers[depth - 1])
        part = part.annotate(search_rank=Value(TIER_RANKS[depth])).order_by(*ordering)[:limit]
        sql, part_params = part.query.sql_with_params()
        selects.append(f"SELECT * FROM ({sql}) AS tier_{depth}")  # noqa: S608 (Django's own SQL; values are parameters)
        params.extend(part_params)
    # Without an outer ORDER BY both databases read the tiers in turn and stop at the limit.
    statement = " UNION ALL ".join(selects) + f" LIMIT {int(limit)}"
    records = list(queryset.model._default_manager.db_manager(queryset.db).raw(statement, params))
    records.sort(key=lambda record: -record.search_rank)
    return records


def highlight(text: str, words: list[str]) -> SafeString:
    """``text`` as safe HTML with every occurrence of ``words`` wrapped in <mark>.

    The text is cut at the matches and every piece is escaped before any tag is added, so a record
    containing markup is shown as text and never run, and a word like "amp" cannot split an entity.
    """
    if not words:
        return escape(text)
    # Longest first, so the longer of two overlapping words is the one marked.
    alternatives = sorted(words, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(word) for word in alternatives), re.IGNORECASE)
    pieces, position = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece escaped; the only markup is <mark>)


def excerpt(text: str, words: list[str], length: int = SNIPPET_LENGTH) -> str:
    """A stretch of ``text`` around the first matched word, so the reader sees why it matched."""
    text = " ".join(text.split())
    lowered = text.casefold()
    positions = [lowered.find(word) for word in words if lowered.find(word) >= 0]
    if not positions or min(positions) < length // 2:
        return Truncator(text).chars(length)
    start = text.rfind(" ", 0, min(positions) - length // 3) + 1
    return "…" + Truncator(text[start:]).chars(length - 1)


def search(query: str, *, per_type: int = RESULTS_PER_TYPE) -> list[SearchResult]:
    """Public records matching every word of ``query``, best first. One query per content type."""
    words = query_words(query)[:MAX_WORDS]
    if not words:
        return []
    query = " ".join(words)
    results = []
    for scope in SCOPES:
        records = scope.model.objects.published()
        if scope.related:
            records = records.select_related(*scope.related)
        for record in ranked(records, query, limit=per_type):
            title = scope.title_of(record)
            snippet = excerpt(scope.snippet_of(record), words)
            results.append(
                SearchResult(
                    kind=scope.kind,
                    title=title,
                    url=record.get_absolute_url(),
                    snippet=snippet,
                    rank=record.search_rank,
                    title_html=highlight(title, words),
                    snippet_html=highlight(snippet, words),
                )
            )
    results.sort(key=lambda result: (-result.rank, result.title.casefold()))
    return results
