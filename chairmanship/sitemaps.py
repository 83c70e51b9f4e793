"""The sitemap lists public pages only: each section reads through ``published()``."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from chairmanship.models import Chairmanship, Document, Initiative, State, Summit


class PublicRecordSitemap(Sitemap):
    model = None
    changefreq = "monthly"

    def items(self):
        # A list, not a queryset: the sitemap paginator then counts without a second query.
        return list(self.model.objects.published().order_by("pk"))

    def lastmod(self, record):
        return record.updated_at


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


class SectionSitemap(Sitemap):
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
