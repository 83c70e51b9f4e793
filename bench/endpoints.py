"""Reference endpoints the benchmark compares the archive against; mounted only with BENCHMARK_ENDPOINTS=1."""

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import path
from rest_framework.utils.urls import remove_query_param, replace_query_param

from chairmanship.languages import OTHER_LANGUAGES, field_suffix
from chairmanship.links import slug_path
from chairmanship.models import Document, State, Summit, Topic, published_condition, summit_title
from chairmanship.pagination import ArchivePaginator, list_cache_name

PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]
# The filters written out here, as ``chairmanship.filters.DocumentFilterSet`` applies them; the API's other
# filters (dates, search, ordering) are not needed by the benchmark, and are refused rather than ignored.
FILTERS = ("type", "topic", "summit", "signatory", "adoption")
# Columns of a row, as the API's document list shows them.
COLUMNS = (
    "pk",
    "slug",
    "title",
    "document_type",
    "date",
    "adoption",
    "entered_into_force",
    "official_text_url",
    "summary",
    "full_text",
    "pdf",
    "status",
    "published_at",
    "updated_at",
    "version",
    "public_summit__slug",
    "public_summit__number",
    "public_summit__host_city",
    "public_summit__start_date",
    "public_chairmanship__slug",
    "public_chairmanship__state__short_name",
    "public_chairmanship__start_date",
    "public_chairmanship__end_date",
)
TRANSLATED = Document.written_translated_fields()


def bare(request):
    """The cheapest response this Django stack can give: the ceiling every page is measured against."""
    return HttpResponse(b"ok", content_type="text/plain")


def filtered_documents(query):
    """The published documents ``query`` selects, filtered as ``DocumentFilterSet`` filters them, in its order:
    one condition per value joined by OR for a column, and for a related record a subquery of those a reader
    may see (through the link table as a correlated EXISTS), so no join repeats a document and no DISTINCT
    is needed."""
    documents = Document.objects.published()
    for name, kind, field_name, related in (
        ("type", "column", "document_type", None),
        ("topic", "many", "topics", Topic.objects.all()),
        ("summit", "one", "summit", Summit.objects.published()),
        ("signatory", "many", "signatories", State.objects.published()),
        ("adoption", "column", "adoption", None),
    ):
        values = [value for value in query.getlist(name) if value]
        if not values:
            continue
        if kind == "column":
            condition = Q()
            for value in values:
                condition |= Q(**{field_name: value})
            documents = documents.filter(condition)
            continue
        chosen = related.filter(slug__in=values).values("pk")
        if kind == "one":
            documents = documents.filter(**{f"{field_name}__in": chosen})
            continue
        field = Document._meta.get_field(field_name)
        links = field.remote_field.through.objects.filter(
            **{field.m2m_field_name(): OuterRef("pk"), f"{field.m2m_reverse_field_name()}__in": chosen}
        )
        documents = documents.filter(Exists(links))
    return documents


def refusal(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=400)


def timestamp(value) -> str | None:
    """A date and time as the API writes it (ISO 8601, UTC as Z)."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def documents_values(request):
    """The API's filtered document list, written by hand with values() and JsonResponse.

    It returns the same JSON as ``/api/v1/documents/?type=…&topic=…`` (English), from the same queries: the
    same filters (``filtered_documents``), the same order and page size, and the same two-step pages with
    the total and the ids remembered until the content changes (``ArchivePaginator``), so the benchmark's
    ratio between the two is what the framework layers cost.
    """
    unknown = sorted(set(request.GET) - {*FILTERS, "page"})
    if unknown:
        return refusal(f"This reference list takes only {', '.join(FILTERS)} and page; got {', '.join(unknown)}.")
    try:
        for name in ("topic", "signatory", "summit"):
            for slug in request.GET.getlist(name):
                validate_slug(slug)
    except ValidationError:
        return refusal("A slug has letters, digits, hyphens and underscores only.")
    raw_page = request.GET.get("page", "1")
    if not raw_page.isascii() or not raw_page.isdigit() or int(raw_page) < 1 or len(raw_page) > 12:
        return refusal("Give page as a whole number of 1 or more.")
    number = int(raw_page)

    absolute = request.build_absolute_uri
    documents = filtered_documents(request.GET).order_by("-date", "title_en")
    paginator = ArchivePaginator(
        documents, PAGE_SIZE, list_cache_name=f"{list_cache_name(Document, request.GET)}:values"
    )
    count = paginator.count
    bottom = (number - 1) * PAGE_SIZE
    if bottom >= max(count, 1) and number > 1:
        raise Http404(f"Page {number} does not exist.")
    ids = paginator.ids_between(bottom, min(bottom + PAGE_SIZE, count))
    by_id = {
        row["pk"]: row
        for row in documents.filter(pk__in=ids)
        .annotate(
            # The summit and chairmanship only where a reader may see them, as ``for_archive()`` joins them.
            public_summit=FilteredRelation("summit", condition=published_condition("summit__")),
            public_chairmanship=FilteredRelation("chairmanship", condition=published_condition("chairmanship__")),
        )
        .values(*COLUMNS, *(f"{name}_{field_suffix(code)}" for code in OTHER_LANGUAGES for name in TRANSLATED))
    }
    rows = [by_id[pk] for pk in ids if pk in by_id]
    related = {}
    for name, through, column, target, visible in (
        ("topics", Document.topics.through, "topic", "name", Q()),
        ("signatories", Document.signatories.through, "state", "short_name", published_condition("state__")),
        ("sources", Document.sources.through, "source", "title", Q()),
    ):
        by_document = defaultdict(list)
        for link in (
            through.objects.filter(visible, document_id__in=ids)
            .order_by(f"{column}__{target}")
            .values("document_id", f"{column}__slug", f"{column}__{target}")
        ):
            by_document[link["document_id"]].append((link[f"{column}__slug"], link[f"{column}__{target}"]))
        related[name] = by_document
    resource = {"topics": "api:topic-detail", "signatories": "api:state-detail", "sources": "api:source-detail"}
    label = {"topics": "name", "signatories": "name", "sources": "title"}
    pdf_storage = Document._meta.get_field("pdf").storage

    def summaries(name, document_id):
        return [
            {"slug": slug, label[name]: text, "url": absolute(slug_path(resource[name], slug))}
            for slug, text in related[name][document_id]
        ]

    results = []
    for row in rows:
        summit = row["public_summit__slug"] and {
            "slug": row["public_summit__slug"],
            "number": row["public_summit__number"],
            "title": summit_title(
                row["public_summit__number"],
                row["public_summit__host_city"],
                row["public_summit__start_date"] and row["public_summit__start_date"].year,
            ),
            "url": absolute(slug_path("api:summit-detail", row["public_summit__slug"])),
        }
        end = row["public_chairmanship__end_date"]
        chairmanship = row["public_chairmanship__slug"] and {
            "slug": row["public_chairmanship__slug"],
            "title": f"{row['public_chairmanship__state__short_name']} {row['public_chairmanship__start_date'].year}–"
            f"{end.year if end else '…'}",
            "url": absolute(slug_path("api:chairmanship-detail", row["public_chairmanship__slug"])),
        }
        results.append(
            {
                "url": absolute(slug_path("api:document-detail", row["slug"])),
                "html_url": absolute(slug_path("chairmanship:document_detail", row["slug"])),
                "slug": row["slug"],
                "title": row["title"],
                "type": row["document_type"],
                "topics": summaries("topics", row["pk"]),
                "summit": summit or None,
                "chairmanship": chairmanship or None,
                "date": row["date"] and row["date"].isoformat(),
                "signatories": summaries("signatories", row["pk"]),
                "adoption": row["adoption"],
                "entered_into_force": row["entered_into_force"] and row["entered_into_force"].isoformat(),
                "official_text_url": row["official_text_url"],
                "summary": row["summary"],
                "translations": {
                    code: {name: row[f"{name}_{field_suffix(code)}"] or None for name in TRANSLATED}
                    for code in OTHER_LANGUAGES
                },
                "full_text": row["full_text"],
                "pdf": absolute(pdf_storage.url(row["pdf"])) if row["pdf"] else None,
                "sources": summaries("sources", row["pk"]),
                "status": row["status"],
                "published_at": timestamp(row["published_at"]),
                "updated_at": timestamp(row["updated_at"]),
                "version": row["version"],
            }
        )
    here = absolute()
    next_page = replace_query_param(here, "page", number + 1) if bottom + PAGE_SIZE < count else None
    previous_page = None
    if number > 1:
        previous_page = (
            remove_query_param(here, "page") if number == 2 else replace_query_param(here, "page", number - 1)
        )
    return JsonResponse({"count": count, "next": next_page, "previous": previous_page, "results": results})


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/documents-values/", documents_values),
]
