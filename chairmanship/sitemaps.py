"""The sitemap: an index at /sitemap.xml and one section per kind of page, each read through ``published()``.

A section holds at most ``limit`` addresses (the sitemap protocol's 50 000) and goes on over pages
(``?p=2``) that the index lists, so the archive can grow past that without a sitemap search engines refuse.
Each page reads only the columns an address needs (slug and time of change), never whole records.

Every page is listed in each archive language (English unprefixed, /ru/, /zh-hans/), each entry naming its
other languages as ``hreflang`` alternates and English as x-default.
"""

from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.urls import reverse

from chairmanship import tags
from chairmanship.feeds import addressable
from chairmanship.languages import LANGUAGE_CODES
from chairmanship.models import Chairmanship, Document, Initiative, State, Summit


class MultilingualSitemap(Sitemap):
    i18n = True
    languages = list(LANGUAGE_CODES)
    alternates = True
    x_default = True


class LanguagePairs:
    """The (record, language) entries of a section in the order Django's multilingual sitemap lists them, read
    from the database a page at a time (Django's own list would load every record for every page)."""

    def __init__(self, records, languages):
        self.records, self.languages = records, languages

    def count(self) -> int:
        return self.records.count() * len(self.languages)

    def __getitem__(self, entries: slice):
        per_record = len(self.languages)
        first = entries.start // per_record
        records = self.records[first : -(-entries.stop // per_record)]
        pairs = [(record, language) for record in records for language in self.languages]
        offset = entries.start - first * per_record
        return pairs[offset : offset + entries.stop - entries.start]


class PublicRecordSitemap(MultilingualSitemap):
    model = None
    changefreq = "monthly"

    def items(self):
        # Which records are listed, and (for the index's time of change) any save of any of them.
        tags.show(tags.list_tag(self.model), tags.text_tag(self.model))
        return addressable(self.model.objects.published()).only("pk", "slug", "updated_at").order_by("pk")

    def lastmod(self, record):
        return record.updated_at

    def _items(self):
        return LanguagePairs(self.items(), self._languages())

    @cached_property
    def paginator(self):
        # Django builds a new paginator on every access, and so counts the rows again each time.
        return Paginator(self._items(), self.limit)

    def get_latest_lastmod(self):
        """The index's time of change for this section, and its number of pages, from one aggregate query.

        (Django's default reads every item of the section to find the latest.)
        """
        totals = self.items().order_by().aggregate(count=Count("pk"), latest=Max("updated_at"))
        self.paginator.count = totals["count"] * len(self.languages)
        return totals["latest"]


class SummitSitemap(PublicRecordSitemap):
    model = Summit
    priority = 0.8


class DocumentSitemap(PublicRecordSitemap):
    model = Document
    priority = 0.8


class InitiativeSitemap(PublicRecordSitemap):
    model = Initiative


class StateSitemap(PublicRecordSitemap):
    model = State


class ChairmanshipSitemap(PublicRecordSitemap):
    model = Chairmanship
    priority = 0.7


class SectionSitemap(MultilingualSitemap):
    """The home page and the archive's list pages."""

    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return [
            "chairmanship:home",
            "chairmanship:summit_list",
            "chairmanship:state_list",
            "chairmanship:chairmanship_list",
            "chairmanship:document_list",
            "chairmanship:initiative_list",
        ]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "sections": SectionSitemap,
    "summits": SummitSitemap,
    "documents": DocumentSitemap,
    "initiatives": InitiativeSitemap,
    "states": StateSitemap,
    "chairmanships": ChairmanshipSitemap,
}
