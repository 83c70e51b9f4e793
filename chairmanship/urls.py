from django.contrib.sitemaps import views as sitemap_views
from django.urls import URLPattern, path, register_converter

from chairmanship import citation, views
from chairmanship.feeds import LatestDocumentsFeed, LatestInitiativesFeed
from chairmanship.models import Chairmanship, Document, Initiative, State, Summit
from chairmanship.sitemaps import SITEMAPS

app_name = "chairmanship"


class CitationExtensionConverter:
    """The file a record's citation downloads as: ``bib``, ``ris`` or ``json`` (any other is no address)."""

    regex = "|".join(citation.BY_EXTENSION)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CitationExtensionConverter, "citation_extension")


def cite(prefix: str, model) -> URLPattern:
    """The address of a record's citation files, beside its page: ``<prefix>/<slug>/cite.<extension>``."""
    return path(
        f"{prefix}/<slug:slug>/cite.<citation_extension:extension>",
        views.CitationDownloadView.as_view(model=model),
        name=f"{model._meta.model_name}_cite",
    )


urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("states/", views.StateListView.as_view(), name="state_list"),
    path("states/<slug:slug>/", views.StateDetailView.as_view(), name="state_detail"),
    path("chairmanships/", views.ChairmanshipListView.as_view(), name="chairmanship_list"),
    path("chairmanships/<slug:slug>/", views.ChairmanshipDetailView.as_view(), name="chairmanship_detail"),
    path("summits/", views.SummitListView.as_view(), name="summit_list"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("summits/<slug:slug>/", views.SummitDetailView.as_view(), name="summit_detail"),
    path("documents/", views.DocumentListView.as_view(), name="document_list"),
    path("documents/<slug:slug>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("initiatives/", views.InitiativeListView.as_view(), name="initiative_list"),
    path("initiatives/<slug:slug>/", views.InitiativeDetailView.as_view(), name="initiative_detail"),
    path("on/", views.OnDateView.as_view(), name="on_today"),
    path("on/<str:day>/", views.OnDateView.as_view(), name="on_date"),
    cite("states", State),
    cite("chairmanships", Chairmanship),
    cite("summits", Summit),
    cite("documents", Document),
    cite("initiatives", Initiative),
    path("search/", views.SearchView.as_view(), name="search"),
    path("data/", views.OpenDataView.as_view(), name="open_data"),
    path("data/latest/<path:name>", views.latest_release_file, name="latest_release_file"),
    path("data/<str:version>/<path:name>", views.release_file, name="release_file"),
    path("feeds/documents/", LatestDocumentsFeed(), name="document_feed"),
    path("feeds/initiatives/", LatestInitiativesFeed(), name="initiative_feed"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "chairmanship:sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
