"""Site search across every public content type, ranked and highlighted.

``search(query)`` is the one entry point (the search page uses it; so can the API or a command).
Every word of the query must occur somewhere in a record. A record whose title holds a word ranks
above one where the word only appears in the summary or body; the ranking runs in the database, so
each content type costs one query however large the archive grows.
"""

import re
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from chairmanship.filters import text_search
from chairmanship.models import Chairmanship, Document, Initiative, State, Summit

MAX_WORDS = 8
RESULTS_PER_TYPE = 25
SNIPPET_LENGTH = 240
TITLE_WEIGHT = 10
BODY_WEIGHT = 1


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
class Scope:
    """How one content type is searched: which fields count as its title and which as its body."""

    kind: str
    model: type
    title_fields: tuple[str, ...]
    body_fields: tuple[str, ...]
    related: tuple[str, ...] = ()

    def title_of(self, record) -> str:
        return str(record)

    def snippet_of(self, record) -> str:
        return getattr(record, "summary", "") or ""


class SummitScope(Scope):
    def title_of(self, summit) -> str:
        return f"{summit.number}. summit: {summit.host_city} {summit.start_date.year}"

    def snippet_of(self, summit) -> str:
        return " — ".join(part for part in (summit.theme, summit.summary) if part)


class StateScope(Scope):
    def snippet_of(self, state) -> str:
        return " — ".join(part for part in (state.official_name, state.summary) if part)


class ChairmanshipScope(Scope):
    def snippet_of(self, chairmanship) -> str:
        return " — ".join(part for part in (chairmanship.motto, chairmanship.summary) if part)


SCOPES = (
    Scope("Document", Document, ("title",), ("summary", "full_text")),
    Scope("Initiative", Initiative, ("title",), ("summary",)),
    SummitScope("Summit", Summit, ("host_city", "theme"), ("summary",)),
    StateScope("State", State, ("short_name", "official_name"), ("summary", "capital")),
    ChairmanshipScope(
        "Chairmanship", Chairmanship, ("state__short_name", "motto"), ("summary", "priorities"), ("state",)
    ),
)


def query_words(query: str) -> list[str]:
    """The distinct words of a query, longest first (so highlighting prefers the longer match)."""
    words = dict.fromkeys(word.casefold() for word in query.split() if word.strip())
    return sorted(list(words)[:MAX_WORDS], key=len, reverse=True)


def highlight(text: str, words: list[str]) -> SafeString:
    """``text`` as safe HTML with every occurrence of ``words`` wrapped in <mark>.

    The text is cut at the matches and every piece is escaped before any tag is added, so a record
    containing markup is shown as text and never run, and a word like "amp" cannot split an entity.
    """
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
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


def _rank(words: list[str], title_fields, body_fields):
    def weight(fields, amount):
        terms = []
        for word in words:
            condition = Q()
            for field_name in fields:
                condition |= Q(**{f"{field_name}__icontains": word})
            terms.append(Case(When(condition, then=Value(amount)), default=Value(0), output_field=IntegerField()))
        return terms

    terms = weight(title_fields, TITLE_WEIGHT) + weight(body_fields, BODY_WEIGHT)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return Coalesce(total, Value(0))


def search(query: str, *, per_type: int = RESULTS_PER_TYPE) -> list[SearchResult]:
    """Public records matching every word of ``query``, best first. One query per content type."""
    words = query_words(query)
    if not words:
        return []
    results = []
    for scope in SCOPES:
        records = text_search(scope.model.objects.published(), scope.title_fields + scope.body_fields, " ".join(words))
        if scope.related:
            records = records.select_related(*scope.related)
        records = records.annotate(search_rank=_rank(words, scope.title_fields, scope.body_fields)).order_by(
            "-search_rank", "pk"
        )[:per_type]
        for record in records:
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
