"""Pagination that stays fast at any depth of a large archive."""

import hashlib

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from chairmanship import cache as archive_cache


class ArchivePaginator(Paginator):
    """Pages found in two steps, and a total remembered until the content changes.

    A deep page (``?page=2500``) with ``OFFSET`` over whole rows makes the database read and throw away
    every row before it. Here the database first finds the page's ids, walking the ordering index (on
    PostgreSQL ``document_archive_order`` covers them, so the table is not read), then reads only those
    rows with their joins. The total is the same for every page of a filtered list, so it is counted once
    per content version (``count_key``) rather than on every request; a caller that has counted the
    records already passes ``count``.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, count_key=None, count=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.count_key, self.known_count = count_key, count

    @cached_property
    def count(self):
        if self.known_count is not None:
            return self.known_count
        if self.count_key is None:
            return super().count
        return archive_cache.remember(self.count_key, lambda: Paginator.count.func(self))

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        records = {record.pk: record for record in self.object_list.filter(pk__in=ids)}
        return self._get_page([records[pk] for pk in ids if pk in records], number, self)


def count_key(model, query) -> str:
    """The cache name of a filtered list's total: the model and its filters (not the page or the order)."""
    filters = sorted((name, value) for name, value in query.lists() if name not in ("page", "ordering"))
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()[:32]
    return f"count:{model._meta.label_lower}:{digest}"
