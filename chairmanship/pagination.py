"""Pagination that stays fast at any depth of a large archive."""

import hashlib
from collections.abc import Sequence

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from chairmanship import cache as archive_cache


class ArchivePaginator(Paginator):
    """Pages found in two steps, with the total and the order remembered until the content changes.

    A deep page (``?page=2500``) with ``OFFSET`` over whole rows makes the database read and throw away
    every row before it. Here the database first finds the page's ids, walking the ordering index (on
    PostgreSQL ``document_archive_order`` covers them, so the table is not read), then reads only those
    rows with their joins. Given a ``list_cache_name`` (``list_cache_name()``: the filtered list's name),
    the total is counted once per change of the list, and the ids are read a block of ``pages_per_block`` pages
    at a time and remembered with it: the walk to a deep page is paid once per block and change of the list,
    and every other page of that block costs what the first page costs. The archive's pages and the API's
    lists both page this way.
    """

    pages_per_block = 50

    def __init__(
        self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, list_cache_name=None, shows=()
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.list_cache_name = list_cache_name
        self.shows = shows  # the list's tags (``chairmanship.tags.list_tags``)
        self._blocks = {}  # read once: the total and the page both read the first block

    @cached_property
    def count(self):
        if self.list_cache_name is None:
            return super().count
        # A list that fits in its first block of ids is counted by it: no count query, and never late (a filtered
        # list made again after a publish reads its ids anyway).
        first = self.block(0)
        if len(first) < self.block_size:
            return len(first)
        # A total may be a few seconds late while one worker counts it afresh, after its own answer is sent; the
        # page's records never are.
        return archive_cache.cached_for_content(
            f"{self.list_cache_name}:count",
            lambda: Paginator.count.func(self),
            shows=self.shows,
            stale_ok=True,
            deferrable=True,
        )

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        # Without orphans the ids themselves end the last page: the total may be a few seconds late (a record just
        # published at the end of the list is on it all the same).
        if self.orphans and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(PageRecords(self.ids_between(bottom, top), self.object_list), number, self)

    @property
    def block_size(self) -> int:
        return self.per_page * self.pages_per_block

    def block(self, number: int) -> list:
        """The ids of the list's ``number``th block, in its order, remembered until the list changes."""
        if number in self._blocks:
            return self._blocks[number]
        size = self.block_size
        # The order is part of the name: the same filters sorted another way list other ids.
        order = hashlib.sha256(repr((self.object_list.query.order_by, size)).encode()).hexdigest()[:16]
        ordered_ids = self.object_list.values_list("pk", flat=True)
        self._blocks[number] = archive_cache.cached_for_content(
            f"{self.list_cache_name}:ids:{order}:{number}",
            lambda: list(ordered_ids[number * size : (number + 1) * size]),
            shows=self.shows,
        )
        return self._blocks[number]

    def ids_between(self, bottom: int, top: int) -> list:
        if self.list_cache_name is None:
            return list(self.object_list.values_list("pk", flat=True)[bottom:top])
        if top <= bottom:
            return []
        size, ids = self.block_size, []
        for number in range(bottom // size, (top - 1) // size + 1):
            start = number * size
            ids += self.block(number)[max(bottom - start, 0) : max(top - start, 0)]
        return ids


class PageRecords(Sequence):
    """A page's records in the list's order, read (one query by id) only when something reads them: a page whose
    rows are all kept rendered (``{% record_rows %}``) reads none."""

    def __init__(self, ids: list, queryset):
        self.ids = ids
        self.queryset = queryset

    @classmethod
    def of(cls, queryset) -> "PageRecords":
        """The records of a (sliced) queryset: their ids read now, the records when something reads them."""
        ids = list(queryset.values_list("pk", flat=True))
        records = queryset.all()  # a copy: its limits are cleared for the read by id
        records.query.clear_limits()
        return cls(ids, records)

    def fetch(self, ids) -> list:
        """The records of ``ids`` (some of the page's), in the page's order."""
        found = {record.pk: record for record in self.queryset.filter(pk__in=ids)} if ids else {}
        return [found[pk] for pk in ids if pk in found]

    @cached_property
    def records(self) -> list:
        return self.fetch(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        return self.records[index]

    def __iter__(self):
        return iter(self.records)


# Query parameters that choose a page of a list or its order, not its records.
NOT_FILTERS = ("page", "page_size", "ordering")


def list_cache_name(model, query, *, reader: str = "public") -> str:
    """The name a filtered list's total and id blocks are remembered under.

    It names the records, not a page of them: the model, who reads (``"public"``, or ``"editor"`` for the
    API's editors, who also see drafts) and the filters; the archive's pages and the public API share it.
    """
    filters = sorted((name, value) for name, value in query.lists() if name not in NOT_FILTERS)
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()[:32]
    return f"list:{reader}:{model._meta.label_lower}:{digest}"
