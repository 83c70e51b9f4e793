"""Reference endpoints the benchmark compares the archive against; mounted only with BENCHMARK_ENDPOINTS=1."""

from collections import defaultdict

from django.http import HttpResponse, JsonResponse
from django.urls import path

from chairmanship.models import Document

PAGE_SIZE = 20


def bare(request):
    """The cheapest response this Django stack can give: the ceiling every page is measured against."""
    return HttpResponse(b"ok", content_type="text/plain")


def documents_values(request):
    """The API's filtered document list, written by hand with values() and JsonResponse.

    It returns the same JSON as ``/api/v1/documents/?type=…&topic=…`` (first page), so the benchmark can
    tell what the framework layers cost.
    """
    absolute = request.build_absolute_uri
    documents = Document.objects.published()
    if types := request.GET.getlist("type"):
        documents = documents.filter(document_type__in=types)
    if topics := request.GET.getlist("topic"):
        documents = documents.filter(topics__slug__in=topics).distinct()
    count = documents.count()
    rows = list(
        documents.order_by("-date", "title").values(
            "pk",
            "slug",
            "title",
            "document_type",
            "date",
            "adoption",
            "entered_into_force",
            "summary",
            "full_text",
            "pdf",
            "status",
            "published_at",
            "updated_at",
            "version",
            "summit__slug",
            "summit__number",
            "summit__host_city",
            "summit__start_date",
            "chairmanship__slug",
            "chairmanship__state__short_name",
            "chairmanship__start_date",
            "chairmanship__end_date",
        )[:PAGE_SIZE]
    )
    ids = [row["pk"] for row in rows]
    related = {}
    for name, through, column, target in (
        ("topics", Document.topics.through, "topic", "name"),
        ("signatories", Document.signatories.through, "state", "short_name"),
        ("sources", Document.sources.through, "source", "title"),
    ):
        by_document = defaultdict(list)
        for link in through.objects.filter(document_id__in=ids).values(
            "document_id", f"{column}__slug", f"{column}__{target}"
        ):
            by_document[link["document_id"]].append((link[f"{column}__slug"], link[f"{column}__{target}"]))
        related[name] = by_document
    resource = {"topics": "topics", "signatories": "states", "sources": "sources"}
    label = {"topics": "name", "signatories": "name", "sources": "title"}

    def summaries(name, document_id):
        return [
            {"slug": slug, label[name]: text, "url": absolute(f"/api/v1/{resource[name]}/{slug}/")}
            for slug, text in related[name][document_id]
        ]

    results = []
    for row in rows:
        summit = row["summit__slug"] and {
            "slug": row["summit__slug"],
            "number": row["summit__number"],
            "title": f"{row['summit__number']}. {row['summit__host_city']} {row['summit__start_date'].year}",
            "url": absolute(f"/api/v1/summits/{row['summit__slug']}/"),
        }
        chairmanship = row["chairmanship__slug"] and {
            "slug": row["chairmanship__slug"],
            "title": f"{row['chairmanship__state__short_name']} {row['chairmanship__start_date'].year}–"
            f"{row['chairmanship__end_date'].year if row['chairmanship__end_date'] else '…'}",
            "url": absolute(f"/api/v1/chairmanships/{row['chairmanship__slug']}/"),
        }
        results.append(
            {
                "url": absolute(f"/api/v1/documents/{row['slug']}/"),
                "html_url": absolute(f"/documents/{row['slug']}/"),
                "slug": row["slug"],
                "title": row["title"],
                "type": row["document_type"],
                "topics": summaries("topics", row["pk"]),
                "summit": summit or None,
                "chairmanship": chairmanship or None,
                "date": row["date"],
                "signatories": summaries("signatories", row["pk"]),
                "adoption": row["adoption"],
                "entered_into_force": row["entered_into_force"],
                "summary": row["summary"],
                "full_text": row["full_text"],
                "pdf": absolute(f"/media/{row['pdf']}") if row["pdf"] else None,
                "sources": summaries("sources", row["pk"]),
                "status": row["status"],
                "published_at": row["published_at"],
                "updated_at": row["updated_at"],
                "version": row["version"],
            }
        )
    next_page = absolute(f"{request.path}?page=2") if count > PAGE_SIZE else None
    return JsonResponse({"count": count, "next": next_page, "previous": None, "results": results})


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/documents-values/", documents_values),
]
