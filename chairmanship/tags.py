"""What each cached answer shows, and what each change touches: the cache tags.

A cached answer (a page, an API answer, a remembered total or facet count) carries the tags of what it was
made from; a change invalidates its own tags and nothing else (``chairmanship.cache``). The same tags go out
in ``Surrogate-Key``/``xkey``, so that a CDN or Varnish in front is purged by them too.

The tags:

- ``archive``: every answer (a fixture load or restore invalidates it).
- ``<model>-<pk>``: one record's own content. Every record loaded while an answer is made adds its tag
  (``ShownInPages.from_db``), with the tags of the records its foreign keys point at, shown or not: a summit
  hidden from a document's page because it is a draft shows there once it is published.
- ``<model>``: the model's lists: which records are public, their order, and what they are filtered and
  counted by. Raised by a change that can move a record in or out of a list (``list_relevant``).
- ``<model>-text``: the words of the model's records, which text searches match (archive ``?search=``,
  ``/search/``). Raised by every change of a record's text.
- ``<model>-<pk>-related``: the lists on a record's own page of the records pointing at it (a summit's
  documents, a state's memberships). Raised when a record pointing at it joins, leaves or moves.
- ``<model>-public``: which of the model's records are public, for pages that show related records only when
  they are (a document's signatory states, an initiative's documents).
- ``<model>-<parameter>-<value>``: the lists filtered by one choice (``document-type-treaty``) or by one linked
  record (``document-topic-energy``), instead of ``<model>``: raised by a change of a record with that value.
- ``<model>-links``: which records are linked to which (a document's topics), for the counts by linked record.
"""

import contextlib
import contextvars
from dataclasses import dataclass, field

from chairmanship.links import SLUG

ARCHIVE = "archive"
# The models with large lists (100 000 documents): a change of their text alone leaves lists where they are.
# Every change to any other model counts as moving it in its lists; they are small and rarely edited.
TEXT_ONLY_FIELDS = {
    "document": (
        "summary",
        "summary_html",
        "summary_excerpt",
        "full_text",
        "full_text_html",
        "official_text_url",
        "pdf",
    ),
    "initiative": ("summary", "summary_html", "summary_excerpt"),
}
# Columns that change on every save without changing what a reader sees in a list.
BOOKKEEPING_FIELDS = ("version", "updated_at", "editor_note")
VISIBILITY_FIELDS = ("status", "published_at")


def record_tag(model_or_record, pk=None) -> str:
    name = model_or_record._meta.model_name
    return f"{name}-{model_or_record.pk if pk is None else pk}"


def list_tag(model) -> str:
    return model._meta.model_name


def text_tag(model) -> str:
    return f"{model._meta.model_name}-text"


def related_tag(model, pk) -> str:
    return f"{model._meta.model_name}-{pk}-related"


def public_tag(model) -> str:
    return f"{model._meta.model_name}-public"


# Query parameters that search a list's words: a list found by them changes with its records' text.
TEXT_PARAMETERS = ("search", "q")


# The small, rarely edited lists nearly every list shows a part of or is filtered by: names in facets,
# related records shown only while they are public.
RELATED_LISTS = ("topic", "summit", "chairmanship", "state", "membership")


# A list filtered by one of these choice fields changes only when a record with that value (before or after
# the change) moves: it is tagged ``<model>-<parameter>-<value>`` rather than with the whole list's tag. Any
# one of a list's filters will do: a record joining or leaving it has the value of each.
CHOICE_FILTERS = {
    "document": {"type": "document_type", "adoption": "adoption"},
    "initiative": {"category": "category", "status": "implementation_status"},
}


# Likewise a list filtered by the slugs of records linked to its own (many-to-many): tagged
# ``<model>-<parameter>-<slug>``. A record's links change only through the link itself, so a topic's list stays
# cached while documents of other topics are published; what counts records by their links shows
# ``<model>-links``.
LINK_FILTERS = {
    "document": {"topic": "topics"},
    "initiative": {"topic": "topics"},
}


def choice_tag(model, parameter: str, value) -> str:
    return f"{model._meta.model_name}-{parameter}-{value}"


def links_tag(model) -> str:
    return f"{model._meta.model_name}-links"


def counted_tags(model) -> tuple[str, ...]:
    """What the counts over a model's whole list move with (facet counts, charts): the list, and the links it is
    counted by."""
    return (list_tag(model), links_tag(model))


def _narrowest(model, query) -> tuple[str, ...] | None:
    """The value tags of the first choice filter in ``query`` whose values are all real choices, else of the first
    link filter whose values are all slugs."""
    name = model._meta.model_name
    for parameter, field_name in CHOICE_FILTERS.get(name, {}).items():
        values = [value for value in query.getlist(parameter) if value]
        choices = {str(choice) for choice, _label in model._meta.get_field(field_name).choices}
        if values and set(values) <= choices:
            return tuple(choice_tag(model, parameter, value) for value in sorted(set(values)))
    for parameter in LINK_FILTERS.get(name, {}):
        values = [value for value in query.getlist(parameter) if value]
        if values and all(SLUG.fullmatch(value) for value in values):
            return tuple(choice_tag(model, parameter, value) for value in sorted(set(values)))
    return None


def _link_parameter(model, related_model) -> str | None:
    """The parameter of ``model``'s link filter through its many-to-many field to ``related_model``, if any."""
    for parameter, field_name in LINK_FILTERS.get(model._meta.model_name, {}).items():
        if model._meta.get_field(field_name).related_model is related_model:
            return parameter
    return None


def _link_tags(record, *, deleted: bool) -> set[str]:
    """The tags of the link-filtered lists ``record`` is in. A deleted record's links are gone with it: every
    linked record's list may have held it."""
    model = type(record)
    found = set()
    for parameter, field_name in LINK_FILTERS.get(model._meta.model_name, {}).items():
        field_ = model._meta.get_field(field_name)
        if deleted:
            slugs = field_.related_model._default_manager.values_list("slug", flat=True)
        else:
            through = field_.remote_field.through
            slugs = through.objects.filter(**{field_.m2m_field_name(): record.pk}).values_list(
                f"{field_.m2m_reverse_field_name()}__slug", flat=True
            )
        found |= {choice_tag(model, parameter, slug) for slug in slugs}
    return found


def list_tags(model, query) -> tuple[str, ...]:
    """The tags of a list of ``model`` filtered by ``query`` (an archive page, an API list)."""
    found = (*(_narrowest(model, query) or (list_tag(model),)), *RELATED_LISTS)
    # Words change with any edit of a record's text, and so does the time it was last updated.
    by_words = any(query.get(name) for name in TEXT_PARAMETERS) or "updated" in query.get("ordering", "")
    return (*found, text_tag(model)) if by_words else found


# Related records a record's page shows only while they are public (signatory states, its summit...).
PUBLIC_RELATIONS = ("state-public", "summit-public", "chairmanship-public", "initiative-public")
# What a record's page lists besides the records pointing at it: a state's signed documents follow from its
# membership periods and the documents' dates; an initiative shows its documents while they are public.
DETAIL_LISTS = {"state": ("document", "membership"), "initiative": ("document-public",)}
ON_DATE_LISTS = ("membership", "state", "chairmanship", "summit")


def detail_tags(record) -> tuple[str, ...]:
    """The lists a record's own page or API answer shows, besides the records it loads."""
    name = record._meta.model_name
    return (related_tag(type(record), record.pk), *PUBLIC_RELATIONS, *DETAIL_LISTS.get(name, ()))


# --- What an answer shows --------------------------------------------------------------------------------


@dataclass
class Shown:
    """The tags of what the answer being made has read so far: ``tags`` must never be shown stale; ``summaries``
    (facet counts, totals) may be, a few seconds (``cache.SUMMARY_LATE_SECONDS``)."""

    tags: set = field(default_factory=set)
    summaries: set = field(default_factory=set)
    # Set when a summary went in as it was before a change (another worker is making it afresh): the answer's
    # summaries count as made at that summary's tick.
    summaries_made_at: int | None = None

    # The cache clock's tick when the request making the answer began (``cache.begun_at``).
    started: int | None = None

    def summaries_older_than(self, tick: int) -> None:
        self.summaries_made_at = tick if self.summaries_made_at is None else min(self.summaries_made_at, tick)


_shown: contextvars.ContextVar[Shown | None] = contextvars.ContextVar("archive_shown", default=None)


@contextlib.contextmanager
def collecting(*, summary: bool = False):
    """Collects the tags of what is read inside; an enclosing collection receives them as well (as the tags of
    a summary, with ``summary``)."""
    outer = _shown.get()
    inner = Shown(started=outer.started if outer is not None else None)
    token = _shown.set(inner)
    try:
        yield inner
    finally:
        _shown.reset(token)
        if outer is not None:
            outer.summaries |= inner.summaries
            (outer.summaries if summary else outer.tags).update(inner.tags)
            if inner.summaries_made_at is not None:
                outer.summaries_older_than(inner.summaries_made_at)


def show(*tags: str, summary: bool = False) -> None:
    """Declares that the answer being made shows what ``tags`` name (no-op outside a collection); with
    ``summary``, only in a summary that may be a few seconds late."""
    shown = _shown.get()
    if shown is not None:
        (shown.summaries if summary else shown.tags).update(tags)


def current() -> Shown | None:
    return _shown.get()


def _foreign_keys(model) -> list[tuple[str, str]]:
    cached = model.__dict__.get("_tag_foreign_keys")
    if cached is None:
        cached = [
            (f.attname, f.related_model._meta.model_name)
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None and f.related_model._meta.app_label == "chairmanship"
        ]
        model._tag_foreign_keys = cached
    return cached


def record_tags(record) -> set[str]:
    """A loaded record's own tag and the tags of the records its foreign keys point at, shown or not."""
    model = type(record)
    found = {f"{model._meta.model_name}-{record.pk}"}
    for attname, target in _foreign_keys(model):
        value = record.__dict__.get(attname)
        if value is not None:
            found.add(f"{target}-{value}")
    return found


def loaded_with(record) -> set[str]:
    """The tags of ``record`` and of the related records loaded with it (``select_related``, ``with_public``,
    ``prefetch_related``): what a piece made from it alone shows (``cache.cached_per_record``)."""
    found, visited, waiting = set(), set(), [record]
    while waiting:
        current = waiting.pop()
        if id(current) in visited:  # a related record's cache points back at the record
            continue
        visited.add(id(current))
        found |= record_tags(current)
        waiting += [related for related in current._state.fields_cache.values() if isinstance(related, ShownInPages)]
        for prefetched in getattr(current, "_prefetched_objects_cache", {}).values():
            waiting += [related for related in prefetched._result_cache or () if isinstance(related, ShownInPages)]
    return found


class ShownInPages:
    """A model whose loaded records tag the answer being made (``<model>-<pk>`` and the records it points at)."""

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        record = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        shown = _shown.get()
        if shown is not None:
            shown.tags |= record_tags(record)
        return record


# --- What a change touches --------------------------------------------------------------------------------


def _changed_fields(record) -> set[str] | None:
    """The columns a save changed, compared with the row it was loaded from; None when that is unknown."""
    loaded = getattr(record, "_loaded_values", None)
    if loaded is None:
        return None
    return {name for name, value in loaded.items() if record.__dict__.get(name, value) != value}


def _is_text_only(model, changed: set[str]) -> bool:
    allowed = TEXT_ONLY_FIELDS.get(model._meta.model_name)
    if allowed is None:
        return False
    return all(name in BOOKKEEPING_FIELDS or name.startswith(allowed) or name.endswith("_search") for name in changed)


def _targets(record, loaded: dict | None) -> set[str]:
    """The ``-related`` tags of the records ``record`` points at, now and before the change."""
    found = set()
    for field_ in type(record)._meta.concrete_fields:
        if not (field_.is_relation and field_.related_model is not None):
            continue
        values = {record.__dict__.get(field_.attname)}
        if loaded is not None:
            values.add(loaded.get(field_.attname))
        found |= {related_tag(field_.related_model, value) for value in values if value is not None}
    return found


def tags_for_change(record, *, created: bool = False, deleted: bool = False, linked: bool | None = None) -> set[str]:
    """The tags a save or delete of ``record`` invalidates. ``linked``: whether it may have many-to-many links
    already (by default, unless just created: they are added after it is saved)."""
    model = type(record)
    tags = {record_tag(record), text_tag(model)}
    attached = getattr(record, "content_type_id", None) and getattr(record, "object_id", None)
    if attached:  # a correction (or another attachment) shows on its record's page
        tags.add(f"{record.content_type.model}-{record.object_id}")
    changed = None if created or deleted else _changed_fields(record)
    if changed is not None and _is_text_only(model, changed):
        return tags
    loaded = getattr(record, "_loaded_values", None)
    tags |= {list_tag(model), *_targets(record, loaded)}
    if (not created) if linked is None else linked:
        tags |= _link_tags(record, deleted=deleted)
    for parameter, field_name in CHOICE_FILTERS.get(model._meta.model_name, {}).items():
        values = {record.__dict__.get(field_name), (loaded or {}).get(field_name)}
        tags |= {choice_tag(model, parameter, value) for value in values if value is not None}
    if changed is None or changed & set(VISIBILITY_FIELDS):
        tags.add(public_tag(model))
    return tags


def tags_for_relation_change(instance, model, pk_set, *, reverse: bool = False) -> set[str]:
    """The tags a many-to-many change invalidates: both sides' lists and their pages' lists, and the records of
    the side holding the field (``reverse`` is Django's: True when ``instance`` is on the other side).

    The side holding the field shows the relation as part of each record (a document its topics, sources and
    signatories, in its API answers too); the other side shows it only in its own page's lists of the records
    linked to it (``-related``). So a new document citing a source leaves every page showing that source alone.
    """
    # A link filter's lists move only by the linked records named (``LINK_FILTERS``); other lists stay.
    link = _link_parameter(model, type(instance)) if reverse else _link_parameter(type(instance), model)
    tags = {related_tag(type(instance), instance.pk)}
    if link is None:
        tags.add(list_tag(type(instance)))
    elif reverse:  # a topic's documents: the lists of this topic
        tags |= {choice_tag(model, link, instance.slug), links_tag(model)}
    else:  # a document's topics: the lists of the topics it gained or lost (cleared: of any topic)
        linked = model._default_manager.all() if pk_set is None else model._default_manager.filter(pk__in=pk_set)
        slugs = linked.values_list("slug", flat=True)
        tags |= {*(choice_tag(type(instance), link, slug) for slug in slugs), links_tag(type(instance))}
    if not reverse or pk_set is None:  # cleared from the other side: the linked records are not named
        tags.add(record_tag(instance))
    # Lists filtered by a choice: the instance's own values, and every value of the records on the other side.
    for parameter, field_name in CHOICE_FILTERS.get(instance._meta.model_name, {}).items():
        tags.add(choice_tag(type(instance), parameter, getattr(instance, field_name)))
    for parameter, field_name in CHOICE_FILTERS.get(model._meta.model_name, {}).items():
        tags |= {choice_tag(model, parameter, value) for value, _label in model._meta.get_field(field_name).choices}
    for pk in pk_set or ():
        tags.add(related_tag(model, pk))
        if reverse:
            tags.add(record_tag(model, pk))
    if pk_set is None:  # cleared: every record of the other side may have lost a link
        tags |= {list_tag(model), public_tag(model)}
    elif (
        link is None
        and not CHOICE_FILTERS.get(instance._meta.model_name)
        and CHOICE_FILTERS.get(model._meta.model_name)
    ):
        # Linked from the small side (a topic's documents): the large side's lists filtered by the link move.
        tags.add(list_tag(model))
    return tags


def remember_loaded(record, field_names, values) -> None:
    """Keeps the loaded columns, so a later save can tell what it changed (``tags_for_change``)."""
    record._loaded_values = dict(zip(field_names, values, strict=True))


def forget_loaded(record) -> None:
    """After a save the record's columns are what the database holds: the next save compares with them."""
    if isinstance(record, ShownInPages):
        record._loaded_values = {
            f.attname: record.__dict__.get(f.attname)
            for f in record._meta.concrete_fields
            if f.attname in record.__dict__
        }
