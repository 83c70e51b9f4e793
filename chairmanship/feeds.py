"""Atom feeds of newly published documents and initiatives (public records only, newest first)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from chairmanship.models import Document, Initiative

FEED_LENGTH = 30


class PublicRecordFeed(Feed):
    feed_type = Atom1Feed
    model = None

    def items(self):
        return self.model.objects.published().order_by("-published_at", "-pk")[:FEED_LENGTH]

    def item_title(self, record):
        return record.title

    def item_description(self, record):
        return record.summary

    def item_pubdate(self, record):
        return record.published_at

    def item_updateddate(self, record):
        return record.updated_at


class LatestDocumentsFeed(PublicRecordFeed):
    model = Document
    title = "SCO Chairmanship Archive: new documents"
    subtitle = "Declarations, decisions, agreements and other documents newly added to the archive."
    link = reverse_lazy("chairmanship:document_list")

    def item_categories(self, document):
        return [document.get_document_type_display()]


class LatestInitiativesFeed(PublicRecordFeed):
    model = Initiative
    title = "SCO Chairmanship Archive: new initiatives"
    subtitle = "Initiatives newly added to the archive."
    link = reverse_lazy("chairmanship:initiative_list")

    def item_categories(self, initiative):
        return [initiative.get_category_display()]
