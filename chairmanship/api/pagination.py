"""Page-number pagination that refuses malformed page numbers and sizes instead of guessing.

Pages are found as the archive's HTML pages find theirs (``ArchivePaginator``): ids first, with the total
and the id blocks remembered until the list changes, under the list's ``list_cache_name``.
"""

import re

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from chairmanship import tags
from chairmanship.pagination import ArchivePaginator, list_cache_name

WHOLE_NUMBER = re.compile(r"^[0-9]{1,12}$")


class ArchivePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()
    django_paginator_class = ArchivePaginator  # deep pages as fast as the first (ids first, then rows)

    def _whole_number(self, request, name: str, default: int, *, maximum: int | None = None) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        limit = f" from 1 to {maximum}" if maximum else " of 1 or more"
        message = f"Give {name} as a whole number{limit}; got {raw!r}."
        if not WHOLE_NUMBER.match(raw):
            raise ValidationError({name: [message]})
        number = int(raw)
        if number < 1 or (maximum is not None and number > maximum):
            raise ValidationError({name: [message]})
        return number

    def get_page_size(self, request):
        return self._whole_number(request, self.page_size_query_param, self.page_size, maximum=self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        number = self._whole_number(request, self.page_query_param, 1)
        name = list_cache_name(queryset.model, request.query_params, reader=view.reader) if view else None
        shows = tags.list_tags(queryset.model, request.query_params)
        tags.show(*shows)
        paginator = self.django_paginator_class(queryset, page_size, list_cache_name=name, shows=shows)
        try:
            self.page = paginator.page(number)
        except InvalidPage as error:
            raise NotFound(
                f"Page {number} does not exist; the last page is {paginator.num_pages} "
                f"({paginator.count} results, {page_size} per page)."
            ) from error
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        self.request = request
        # The page's records, read when something reads them: a list whose representations are all kept reads
        # none (``ArchiveViewSet.represent_page``).
        return self.page.object_list

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1. A page past the last one answers 404.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999_999},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, from 1 to {self.max_page_size} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
