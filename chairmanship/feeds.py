"""Atom feeds of newly published documents and initiatives (public records only, newest first)."""

import re

from django.contrib.syndication.views import Feed
from django.db.models import TextField
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from chairmanship import tags
from chairmanship.links import SLUG
from chairmanship.models import Document, Initiative

FEED_LENGTH = 30

# What XML 1.0 cannot carry: C0 controls other than tab, newline and carriage return, and U+FFFE/U+FFFF.
# Django refuses to write them, which would fail the whole feed for every reader over one stored title.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value):
    """``value`` with what XML cannot carry taken out (a line or page break becomes a space); lists element-wise."""
    if isinstance(value, str):
        return NOT_IN_XML.sub(lambda match: " " if match.group() in "\x0b\x0c" else "", value)
    if isinstance(value, list | tuple):
        return type(value)(xml_text(item) for item in value)
    return value


def addressable(queryset):
    """Records whose slug their page's address can take. One written around validation has no page to link
    to, and reversing its address would fail the whole feed or sitemap."""
    return queryset.filter(slug__regex=rf"^{SLUG.pattern}$")


class XmlSafeAtomFeed(Atom1Feed):
    """An Atom feed that writes whatever is stored, whichever field of the feed or an entry carries it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*xml_text(args), **{name: xml_text(value) for name, value in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*xml_text(args), **{name: xml_text(value) for name, value in kwargs.items()})


class PublicRecordFeed(Feed):
    feed_type = XmlSafeAtomFeed
    model = None
    category_field = ""  # the choice field whose label is each entry's category

    def items(self):
        tags.show(tags.list_tag(self.model))  # the newest records: any record joining or leaving moves them
        # An entry shows the stored excerpt: the long texts (and their HTML) are not read at all.
        long_texts = [field.name for field in self.model._meta.concrete_fields if isinstance(field, TextField)]
        records = addressable(self.model.objects.published()).defer(*long_texts)
        return records.order_by("-published_at", "-pk")[:FEED_LENGTH]

    def item_title(self, record):
        return record.title

    def item_description(self, record):
        # The plain excerpt stored on save: a feed entry neither carries a whole long text nor raw Markdown.
        return record.summary_excerpt

    def item_categories(self, record):
        return [getattr(record, f"get_{self.category_field}_display")()]

    def item_pubdate(self, record):
        return record.published_at

    def item_updateddate(self, record):
        return record.updated_at


class LatestDocumentsFeed(PublicRecordFeed):
    model = Document
    title = _("SCO Chairmanship Archive: new documents")
    subtitle = _("Declarations, decisions, agreements and other documents newly added to the archive.")
    link = reverse_lazy("chairmanship:document_list")
    category_field = "document_type"


class LatestInitiativesFeed(PublicRecordFeed):
    model = Initiative
    title = _("SCO Chairmanship Archive: new initiatives")
    subtitle = _("Initiatives newly added to the archive.")
    link = reverse_lazy("chairmanship:initiative_list")
    category_field = "category"
