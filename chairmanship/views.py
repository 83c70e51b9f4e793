"""Public pages. Every view reads through ``published()``; the visibility rule lives in one mixin.

Detail views apply their query plan (``for_detail()``) on top of ``get_queryset()``, so a staff preview
can subclass a detail view, override ``get_queryset()`` alone, and keep the same page and query budget.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import quote_etag
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_safe
from django.views.generic import DetailView, ListView, TemplateView

from chairmanship import cache as archive_cache
from chairmanship import charts, citation, on_date, releases, tags
from chairmanship.facets import facet_counts
from chairmanship.filters import DocumentFilterSet, InitiativeFilterSet, RelatedSlugFilter
from chairmanship.models import (
    FOUNDING_DAY,
    Chairmanship,
    Document,
    DocumentType,
    Initiative,
    Membership,
    MembershipStatus,
    State,
    Summit,
)
from chairmanship.pagination import ArchivePaginator, PageRecords, list_cache_name
from chairmanship.search import search

SITE_NAME = citation.ARCHIVE_NAME
ORGANISATION = {
    "@type": "Organization",
    "name": "Shanghai Cooperation Organisation",
    "alternateName": "SCO",
    "foundingDate": FOUNDING_DAY.isoformat(),
    "url": "https://eng.sectsco.org/",
}


class ShowsListsMixin:
    """Declares the lists a page shows (``chairmanship.tags``): a change that moves a record in or out of one of
    them makes the cached page stale. The records a page shows tag it by themselves as they are loaded."""

    shows: tuple[str, ...] = ()

    def get(self, request, *args, **kwargs):
        tags.show(*self.shows)
        return super().get(request, *args, **kwargs)


class PublishedMixin:
    """Restricts a generic view to the public subset of its model."""

    model = None

    def get_queryset(self):
        return self.model.objects.published()


@dataclass(frozen=True)
class PageList:
    """A bounded list on a record's page: the first records, how many there are in all, and the filtered
    archive page that lists every one of them."""

    items: list
    total: int
    archive_url: str

    @property
    def has_more(self) -> bool:
        return self.total > len(self.items)


@dataclass(frozen=True)
class ArchiveLink:
    """Where a page list's records continue: the archive view and the filter that selects this record's."""

    prefetched: str  # the ``with_page_list()`` name in the model's ``for_detail()``
    archive: str
    filter: str


class DetailPageMixin(ShowsListsMixin):
    """Fetches the object with the model's ``for_detail()`` plan and adds its schema.org description.

    ``page_lists`` names the page's bounded lists (context name: where they continue in the archive); each
    becomes a ``PageList`` in the context.
    """

    page_lists: dict[str, ArchiveLink] = {}
    # Parts of the page made from the records related to this one (context name: template), read with the
    # model's ``read_page_parts()`` only when they must be made: kept rendered until what they show changes, so a
    # page made again after another change reads none of those records.
    kept_parts: dict[str, str] = {}

    def get_object(self, queryset=None):
        if queryset is None:
            queryset = self.get_queryset()
        record = super().get_object(queryset.for_detail())
        # Its page lists the records pointing at it (a summit's documents, a state's memberships), and more.
        tags.show(*tags.detail_tags(record))
        return record

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["structured_data"] = self.get_structured_data()
        # The "Cite this" block, the page's citation meta tags and its COinS span.
        context["citation"] = citation.for_record(self.object, absolute=self.request.build_absolute_uri)
        for name, link in self.page_lists.items():
            context[name] = PageList(
                items=getattr(self.object, link.prefetched),
                total=getattr(self.object, f"{link.prefetched}_total"),
                archive_url=f"{reverse(link.archive)}?{urlencode({link.filter: self.object.slug})}",
            )
        if self.kept_parts:
            context["parts"] = self.record_parts(self.object)
        return context

    def record_parts(self, record) -> dict:
        def make(_ids):
            lists = self.model.objects.read_page_parts(record)
            made = {
                name: get_template(template).render({"object": record}) for name, template in self.kept_parts.items()
            }
            # A change of the record itself (its relations are its own fields) or of a record shown makes them
            # again, and so does a related record going public or private (``detail_tags``).
            return {record.pk: (made, tags.loaded_with(record) | {*tags.detail_tags(record), *lists})}

        # The parts' names are in the key: a release that adds a part never reads a kept set without it.
        kept_as = f"parts:{self.model._meta.model_name}:{','.join(self.kept_parts)}"
        made = archive_cache.cached_per_record(kept_as, [record.pk], make)[record.pk]
        return {name: mark_safe(html) for name, html in made.items()}  # noqa: S308 (rendered by the templates)

    def get_structured_data(self) -> dict:
        return {}

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)


def _summit_facts(summit) -> dict:
    return {
        "@type": "Event",
        "name": summit.title(of_the_sco=True),
        "startDate": summit.start_date.isoformat(),
        "endDate": summit.end_date.isoformat(),
    }


class HomeView(ShowsListsMixin, TemplateView):
    """The latest of everything. Each section is kept rendered under the tags of what it shows, so a document
    published makes the page again from the chairmanship, summit and chart it already had, and one new row."""

    template_name = "chairmanship/home.html"
    shows = ("document", "initiative", *tags.RELATED_LISTS)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()  # the chairmanship's term and the chart's last year follow the date
        context.update(
            chairmanship_panel=archive_cache.cached_for_content(
                f"home:chairmanship:{today}", self.chairmanship_panel, shows=tags.RELATED_LISTS
            ),
            latest_summit_panel=archive_cache.cached_for_content(
                "home:summit", self.latest_summit_panel, shows=tags.RELATED_LISTS
            ),
            # Their ids first: only the rows not kept rendered are read (``{% record_rows %}``).
            latest_documents=PageRecords.of(Document.objects.published().latest(5)),
            latest_initiatives=PageRecords.of(Initiative.objects.published().latest(5)),
            growth_chart=archive_cache.cached_for_content(
                f"home:growth-chart:{today}", self.growth_chart, shows=tags.RELATED_LISTS
            ),
            structured_data={
                "@context": "https://schema.org",
                **ORGANISATION,
                "subjectOf": {
                    "@type": "WebSite",
                    "name": gettext(SITE_NAME),  # the msgid the templates translate
                    "url": self.request.build_absolute_uri("/"),
                },
            },
        )
        return context

    def chairmanship_panel(self) -> str:
        chairmanship = Chairmanship.objects.published().for_home().latest_begun()
        if chairmanship is not None:
            tags.show(*tags.detail_tags(chairmanship))  # its key figures
        return render_to_string("chairmanship/partials/home_chairmanship.html", {"chairmanship": chairmanship})

    def latest_summit_panel(self) -> str:
        latest_summit = Summit.objects.published().for_list().first()
        return render_to_string("chairmanship/partials/home_summit.html", {"latest_summit": latest_summit})

    def growth_chart(self) -> str:
        members = Membership.objects.published().filter(status=MembershipStatus.MEMBER)
        chart = charts.membership_growth(members.values_list("start_date", "end_date"))
        return render_to_string("chairmanship/partials/chart.html", {"chart": chart})


@dataclass
class StatusGroup:
    status: str
    label: str
    entries: list = field(default_factory=list)


def group_by_current_status(states, day: datetime.date) -> list[StatusGroup]:
    """Members, observers and dialogue partners on ``day``, each with the date its current status began."""
    groups = {status: StatusGroup(status, status.plural) for status in MembershipStatus}
    former = StatusGroup("former", gettext("Former participants"))
    for state in states:
        current = next(
            (p for p in state.periods if p.start_date <= day and (p.end_date is None or p.end_date > day)), None
        )
        if current is not None:
            groups[current.status].entries.append((state, current.start_date))
        elif state.periods:
            former.entries.append((state, state.periods[-1].end_date))
    return [group for group in (*groups.values(), former) if group.entries]


class StateListView(ShowsListsMixin, PublishedMixin, ListView):
    model = State
    shows = ("state", "membership")

    def get_queryset(self):
        return super().get_queryset().for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        states = context["object_list"]
        context["groups"] = group_by_current_status(states, timezone.localdate())
        member_periods = [
            (period.start_date, period.end_date)
            for state in states
            for period in state.periods
            if period.status == MembershipStatus.MEMBER
        ]
        context["growth_chart"] = charts.membership_growth(member_periods)
        return context


class StateDetailView(DetailPageMixin, PublishedMixin, DetailView):
    model = State
    page_lists = {
        "documents": ArchiveLink("listed_documents", "chairmanship:document_list", "signatory"),
        "initiatives": ArchiveLink("listed_initiatives", "chairmanship:initiative_list", "proposer"),
    }

    def get_structured_data(self):
        state = self.object
        return {
            "@context": "https://schema.org",
            "@type": "Country",
            "name": state.short_name,
            "alternateName": state.official_name,
            "identifier": state.iso_alpha3,
            "url": self.absolute(state.get_absolute_url()),
            "memberOf": ORGANISATION if state.periods else None,
        }


def unrecorded_terms(chairmanships) -> list[tuple[datetime.date, datetime.date]]:
    """The stretches since the founding that no recorded chairmanship covers, oldest first."""
    gaps, covered_until = [], FOUNDING_DAY
    for term in sorted(chairmanships, key=lambda term: term.start_date):
        if term.start_date > covered_until:
            gaps.append((covered_until, term.start_date))
        if term.end_date is None:
            return gaps
        covered_until = max(covered_until, term.end_date)
    return gaps


class ChairmanshipListView(ShowsListsMixin, PublishedMixin, ListView):
    model = Chairmanship
    shows = ("chairmanship", "state")

    def get_queryset(self):
        return super().get_queryset().for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["unrecorded_terms"] = unrecorded_terms(context["object_list"])
        return context


class ChairmanshipDetailView(DetailPageMixin, PublishedMixin, DetailView):
    model = Chairmanship
    page_lists = {
        "documents": ArchiveLink("listed_documents", "chairmanship:document_list", "chairmanship"),
        "initiatives": ArchiveLink("listed_initiatives", "chairmanship:initiative_list", "chairmanship"),
    }

    def get_structured_data(self):
        chairmanship = self.object
        return {
            "@context": "https://schema.org",
            "@type": "Role",
            "roleName": gettext("Chair of the Shanghai Cooperation Organisation"),
            "startDate": chairmanship.start_date.isoformat(),
            "endDate": chairmanship.end_date.isoformat() if chairmanship.end_date else None,
            "name": str(chairmanship),
            "url": self.absolute(chairmanship.get_absolute_url()),
        }


class SummitListView(ShowsListsMixin, PublishedMixin, ListView):
    model = Summit
    shows = ("summit", "state")

    def get_queryset(self):
        return super().get_queryset().for_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timeline_chart"] = charts.summit_timeline(context["object_list"])
        return context


class CoverageView(ShowsListsMixin, PublishedMixin, ListView):
    """For every summit, how many documents it is reported to have adopted and how many the archive records."""

    model = Summit
    template_name = "chairmanship/coverage.html"
    shows = ("summit", "document")

    def get_queryset(self):
        return super().get_queryset().for_coverage()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summits = context["object_list"]
        counted = [summit for summit in summits if summit.documents_reported]
        context.update(
            documents_recorded=sum(summit.documents_recorded for summit in summits),
            counted_reported=sum(summit.documents_reported for summit in counted),
            counted_recorded=sum(min(summit.documents_recorded, summit.documents_reported) for summit in counted),
            uncounted=len(summits) - len(counted),
        )
        return context


class SummitDetailView(DetailPageMixin, PublishedMixin, DetailView):
    model = Summit
    kept_parts = {
        "figures": "chairmanship/partials/summit_figures.html",
        "admissions": "chairmanship/partials/summit_admissions.html",
        "neighbours": "chairmanship/partials/summit_neighbours.html",
    }
    page_lists = {
        "documents": ArchiveLink("listed_documents", "chairmanship:document_list", "summit"),
        "initiatives": ArchiveLink("listed_initiatives", "chairmanship:initiative_list", "summit"),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups: dict[str, list] = {}
        for document in context["documents"].items:
            groups.setdefault(document.document_type, []).append(document)
        context["documents_by_type"] = [
            (label, groups[value]) for value, label in DocumentType.choices if value in groups
        ]
        return context

    def get_structured_data(self):
        summit = self.object
        data = {
            "@context": "https://schema.org",
            **_summit_facts(summit),
            "url": self.absolute(summit.get_absolute_url()),
            "eventAttendanceMode": {
                "in_person": "https://schema.org/OfflineEventAttendanceMode",
                "virtual": "https://schema.org/OnlineEventAttendanceMode",
                "hybrid": "https://schema.org/MixedEventAttendanceMode",
            }[summit.format],
            "location": {"@type": "Place", "name": summit.host_city},
            "organizer": ORGANISATION,
        }
        if summit.theme:
            data["description"] = summit.theme
        if summit.host_state_is_public:
            data["location"]["address"] = {"@type": "PostalAddress", "addressCountry": summit.host_state.iso_alpha2}
        return data


class FacetedListMixin(ShowsListsMixin):
    """A public archive list narrowed by the shared FilterSet, with option counts for its filters.

    Counts come from ``facets.facet_counts()`` on the public subset, so they never include a draft.
    """

    filterset_class = None
    paginate_by = 20
    facet_titles: dict[str, str] = {}
    show_years = False
    default_ordering_label = ""

    paginator_class = ArchivePaginator

    def get(self, request, *args, **kwargs):
        tags.show(*tags.list_tags(self.model, request.GET))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.archive = super().get_queryset().for_archive()
        # An unfiltered list (any of its pages) is the archive as it is: no FilterSet is built and validated for it.
        return self.filterset.qs if self.is_filtered() else self.archive

    @cached_property
    def filterset(self):
        return self.filterset_class(self.request.GET or None, queryset=self.archive)

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return super().get_paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            list_cache_name=list_cache_name(self.model, self.request.GET),
            shows=tags.list_tags(self.model, self.request.GET),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = self.request.GET
        # The filter form is the same for every page of one filtered list: rendered once per list, language and
        # change of the counts, and kept with them (the rows are kept on their own: ``{% record_rows %}``).
        filters = sorted((name, value) for name, value in chosen.lists() if name != "page")
        digest = hashlib.sha256(repr((self.request.path, filters)).encode()).hexdigest()[:32]
        context.update(
            filter_form=archive_cache.cached_for_content(
                f"filter-form:{self.model._meta.model_name}:{digest}",
                self.render_filter_form,
                shows=self.facet_shows(),
                stale_ok=True,
                late_ok=tags.counted_tags(self.model),
            ),
            is_filtered=self.is_filtered(),
        )
        return context

    def is_filtered(self) -> bool:
        return any(key != "page" for key in self.request.GET)

    def facet_shows(self) -> tuple[str, ...]:
        return (*tags.counted_tags(self.model), *tags.RELATED_LISTS)

    def facet_counts(self) -> dict:
        """The counts cover the whole public archive, whatever is chosen: one computation per content change
        and language (the options are labelled in the reader's language)."""
        return archive_cache.cached_for_content(
            f"facets:{self.model._meta.model_name}:{get_language()}",
            lambda: facet_counts(self.model.objects.published()),
            shows=self.facet_shows(),
            stale_ok=True,
            late_ok=tags.counted_tags(self.model),
        )

    def render_filter_form(self) -> str:
        facets = self.facet_counts()
        chosen = self.request.GET
        form = self.filterset.form
        return render_to_string(
            "chairmanship/partials/filter_form.html",
            {
                "request": self.request,
                "filter_errors": [
                    (form[name].label if name in form.fields else name, error)
                    for name, errors in form.errors.items()
                    for error in errors
                ],
                "filter_notes": self.unknown_choices(facets),
                "facets": [
                    {
                        "name": name,
                        "title": title,
                        "options": [(option, option.value in chosen.getlist(name)) for option in facets[name]],
                    }
                    for name, title in self.facet_titles.items()
                    if facets[name]
                ],
                "is_filtered": self.is_filtered(),
                "show_years": self.show_years,
                "default_ordering_label": self.default_ordering_label,
                "ordering_choices": [choice for choice in form.fields["ordering"].choices if choice[0] != ""],
            },
        )

    def unknown_choices(self, facets) -> list[tuple[str, str]]:
        """(filter title, value) for each chosen related record that is not among the filter's options.

        Such a value matches nothing (``RelatedSlugFilter``); the form says so, as it cannot show it checked.
        """
        chosen = getattr(self.filterset.form, "cleaned_data", {})
        return [
            (title, value)
            for name, title in self.facet_titles.items()
            if isinstance(self.filterset.filters.get(name), RelatedSlugFilter)
            for value in chosen.get(name) or ()
            if value not in {option.value for option in facets[name]}
        ]


class DocumentListView(FacetedListMixin, PublishedMixin, ListView):
    model = Document
    filterset_class = DocumentFilterSet
    show_years = True
    default_ordering_label = _("Newest first")
    facet_titles = {
        "type": _("Type"),
        "topic": _("Topic"),
        "summit": _("Summit"),
        "chairmanship": _("Chairmanship"),
        "signatory": _("Signatory state"),
        "adoption": _("Adoption"),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["topic_chart"] = archive_cache.cached_for_content(
            "topic-chart",
            lambda: render_to_string(
                "chairmanship/partials/chart.html", {"chart": charts.documents_by_topic(self.facet_counts()["topic"])}
            ),
            shows=self.facet_shows(),
            stale_ok=True,
            late_ok=tags.counted_tags(self.model),
        )
        return context


class DocumentDetailView(DetailPageMixin, PublishedMixin, DetailView):
    model = Document
    kept_parts = {
        "topics": "chairmanship/partials/document_topics.html",
        "signatories": "chairmanship/partials/document_signatories.html",
        "initiatives": "chairmanship/partials/document_initiatives.html",
    }

    def get_structured_data(self):
        document = self.object
        data = {
            "@context": "https://schema.org",
            "@type": "Legislation",
            "name": document.title,
            "legislationType": document.get_document_type_display(),
            "url": self.absolute(document.get_absolute_url()),
            "legislationPassedBy": ORGANISATION,
            "inLanguage": "en",
        }
        if document.date:
            data["legislationDate"] = document.date.isoformat()
        if document.entered_into_force:
            data["legislationDateOfApplicability"] = document.entered_into_force.isoformat()
        if document.summary_excerpt:
            data["abstract"] = document.summary_excerpt
        # ``with_public()`` leaves the summit None unless it is public.
        if summit := document.summit:
            data["recordedAt"] = _summit_facts(summit)
        return data


class InitiativeListView(FacetedListMixin, PublishedMixin, ListView):
    model = Initiative
    filterset_class = InitiativeFilterSet
    default_ordering_label = _("Title (A–Z)")
    facet_titles = {
        "category": _("Category"),
        "status": pgettext_lazy("initiative", "Status"),
        "proposer": _("Proposed by"),
        "chairmanship": _("Chairmanship"),
        "summit": _("Summit"),
        "topic": _("Topic"),
    }


class InitiativeDetailView(DetailPageMixin, PublishedMixin, DetailView):
    model = Initiative

    def get_structured_data(self):
        initiative = self.object
        return {
            "@context": "https://schema.org",
            "@type": "CreativeWork",
            "name": initiative.title,
            "about": initiative.get_category_display(),
            "abstract": initiative.summary_excerpt or None,
            "url": self.absolute(initiative.get_absolute_url()),
        }


class OnDateView(ShowsListsMixin, TemplateView):
    """The SCO on a date (``on_date.sco_on``). ``/on/`` is today; ``/on/?date=`` is the date picker's answer,
    sent on to the date's own address so that it can be shared. A date that is not one answers with the
    picker and what is wrong: 404 in the address, 400 from the picker."""

    template_name = "chairmanship/on_date.html"
    shows = tags.ON_DATE_LISTS

    def get(self, request, *args, day: str | None = None, **kwargs):
        today = timezone.localdate()
        if day is None:
            picked = request.GET.get("date", "").strip()
            if not picked:
                return self.show(today, today)
            try:
                return redirect(on_date.page_url(on_date.parse_day(picked)))
            except ValueError as error:
                return self.refuse(picked, error, HTTPStatus.BAD_REQUEST)
        try:
            chosen = on_date.parse_day(day)
        except ValueError as error:
            return self.refuse(day, error, HTTPStatus.NOT_FOUND)
        return self.show(chosen, today)

    def show(self, day: datetime.date, today: datetime.date):
        context = self.get_context_data(
            day=day,
            snapshot=on_date.sco_on(day),
            is_today=day == today,
            in_future=day > today,
            founding_day=FOUNDING_DAY,
        )
        return self.render_to_response(context)

    def refuse(self, value: str, error: ValueError, status: HTTPStatus):
        context = self.get_context_data(error=str(error), picked=value, founding_day=FOUNDING_DAY)
        return self.render_to_response(context, status=status)


class CitationDownloadView(PublishedMixin, DetailView):
    """A published record's citation as a file for a reference manager: ``cite.bib``, ``cite.ris`` or
    ``cite.json`` beside its page (``chairmanship.citation``)."""

    def get_queryset(self):
        return super().get_queryset().for_citation()

    def render_to_response(self, context, **response_kwargs):
        form = citation.BY_EXTENSION[self.kwargs["extension"]]
        cited = citation.for_record(self.object, absolute=self.request.build_absolute_uri)
        response = HttpResponse(form.write(cited), content_type=f"{form.media_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.object.slug}.{form.extension}"'
        return response


# The kinds of record ``search()`` names, as a reader of each language says them.
SEARCH_KINDS = {
    "Document": pgettext_lazy("search result", "Document"),
    "Initiative": pgettext_lazy("search result", "Initiative"),
    "Summit": pgettext_lazy("search result", "Summit"),
    "State": pgettext_lazy("search result", "State"),
    "Chairmanship": pgettext_lazy("search result", "Chairmanship"),
}


class SearchView(ShowsListsMixin, TemplateView):
    template_name = "chairmanship/search.html"
    shows = tuple(
        f"{kind}{suffix}"
        for kind in ("document", "initiative", "summit", "state", "chairmanship")
        for suffix in ("", "-text")
    )
    max_query_length = 200

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        too_long = len(query) > self.max_query_length
        context.update(
            query=query,
            too_long=too_long,
            max_query_length=self.max_query_length,
            # Each result with what kind of record it is, in the reader's language.
            results=[(SEARCH_KINDS[result.kind], result) for result in search(query)]
            if query and not too_long
            else None,
        )
        return context


class OpenDataView(TemplateView):
    """The current open data release (``chairmanship.releases``), whether published content changed since it
    was built, and the earlier releases.

    The releases are read from their folder; the comparison with published content is one query
    (``releases.published_state``), whatever the archive's size. Not cached whole (``cache.UNCACHED_PREFIXES``):
    a new release changes the page without changing any record.
    """

    template_name = "chairmanship/open_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        index = releases.release_index()
        release = releases.get_release(index[0]["version"]) if index else None
        earlier = [
            {**entry, "built_at": datetime.datetime.fromisoformat(entry["built_at"])}
            for entry in index
            if release is None or entry["version"] != release.version
        ]
        context.update(
            release=release,
            changed_since=release is not None and releases.has_changed_since(release),
            earlier=earlier,
            licence=releases.licence(),
        )
        return context


# A release's files never change once written.
RELEASE_FILE_MAX_AGE = 24 * 60 * 60


@require_safe
def release_file(request, version: str, name: str):
    """One file of a release, streamed from disk; only the files its manifest lists are served."""
    release = releases.get_release(version)
    path = release.file(name) if release is not None else None
    if path is None:
        raise Http404("No such file in this release.")
    response = FileResponse(
        path.open("rb"),
        content_type=releases.content_type(name),
        as_attachment=name.endswith(".zip"),
        filename=path.name,
    )
    response["ETag"] = quote_etag(release.facts(name)["sha256"])
    response["Cache-Control"] = f"public, max-age={RELEASE_FILE_MAX_AGE}"
    return response


@require_safe
def latest_release_file(request, name: str):
    """A stable address for scripts: the same file of the current release (a temporary redirect)."""
    release = releases.current_release()
    if release is None or release.file(name) is None:
        raise Http404("No release offers this file.")
    return redirect("chairmanship:release_file", version=release.version, name=name)


@require_GET
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("chairmanship:sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /api/", "Disallow: /search/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
