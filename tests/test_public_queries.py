"""Query budgets of the public pages: the same number of queries with 1x and 20x the data."""

import datetime
import re

import pytest
from django.core.exceptions import FieldFetchBlocked
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chairmanship import models
from chairmanship.cache import bump_content_version
from chairmanship.models import Membership, MembershipStatus, State, Topic
from tests.factories import (
    ChairmanshipFactory,
    DocumentFactory,
    InitiativeFactory,
    KeyFigureFactory,
    MembershipFactory,
    SourceFactory,
    StateFactory,
    SummitFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db
PAGE_BUDGET = 8


@pytest.fixture(autouse=True)
def _measure_the_views_not_the_page_cache(settings):
    settings.PAGE_CACHE = False


def build_archive(scale: int, *, first_year: int = 1900):
    """``scale`` chairmanships, each with a summit, states, documents, initiatives, figures and topics."""
    host = State.objects.filter(slug="host").first()
    if host is None:
        host = StateFactory(slug="host")
        MembershipFactory(state=host)
    for n in range(first_year - 1900, first_year - 1900 + scale):
        state = StateFactory()
        MembershipFactory(state=state, status=MembershipStatus.OBSERVER, start_date=datetime.date(2005, 7, 5))
        chair = ChairmanshipFactory(
            state=host, start_date=datetime.date(1900 + n, 7, 1), end_date=datetime.date(1901 + n, 6, 30)
        )
        summit = SummitFactory(
            host_state=host,
            chairmanship=chair,
            start_date=datetime.date(1901 + n, 6, 1),
            end_date=datetime.date(1901 + n, 6, 2),
        )
        Membership.objects.filter(state=state).update(summit=summit)
        KeyFigureFactory(chairmanship=chair)
        KeyFigureFactory(chairmanship=None, summit=summit)
        topic = TopicFactory()
        for _ in range(2):
            document = DocumentFactory(summit=summit, chairmanship=chair)
            document.topics.add(topic)
            document.signatories.add(host, state)
            initiative = InitiativeFactory(summit=summit, chairmanship=chair)
            initiative.topics.add(topic)
            initiative.proposers.add(host, state)
            initiative.documents.add(document)
        DocumentFactory(summit=summit, draft=True)


def last_page_of(queryset, order: str):
    """The address of the last record of ``queryset`` in ``order``, looked up each time the test asks (the data
    grows between the two measurements)."""
    return lambda: queryset.order_by(order).last().get_absolute_url()


def queries_at_1x_and_20x(client, django_assert_num_queries, url, expected):
    """``url`` is an address, or a function giving one once the data exists."""
    url_for = url if callable(url) else lambda: url
    build_archive(1)
    client.get(url_for())  # warms the content-type cache the corrections log looks up once per process
    # Measured cold, as after any edit: derived values (the archive's facet counts) are computed afresh. The
    # address is looked up first: that query is the test's, not the page's.
    address = url_for()
    bump_content_version()
    with django_assert_num_queries(expected):
        assert client.get(address).status_code == 200
    build_archive(19, first_year=1950)
    address = url_for()
    bump_content_version()
    with django_assert_num_queries(expected):
        assert client.get(address).status_code == 200
    assert expected <= PAGE_BUDGET


def page(name: str, query: str = "", **kwargs):
    """The address of the page named ``name`` (with ``query``), looked up when the test asks."""
    return lambda: reverse(f"chairmanship:{name}", kwargs=kwargs or None) + query


# A public page: its address, the queries it costs at 1x and at 20x the data, and the N+1 that budget guards against.
PAGE_BUDGETS = {
    # Made cold (as here), its latest documents and initiatives cost two queries each: their ids, then the rows
    # not kept rendered; made again after a publish, the rows query reads the new record alone.
    "home": (page("home"), 8, "over the latest chairmanship's key figures and the latest documents' summits"),
    "summit list": (page("summit_list"), 1, "over each summit's host state and closing chairmanship (and its state)"),
    "summit page": (
        last_page_of(models.Summit.objects.all(), "number"),
        # Made cold: its kept parts (figures, admissions, neighbours) read what they show; made again after
        # another change, they are read from the cache and the page costs 5.
        8,
        "over the summit's documents, initiatives, admitted states, figures' sources",
    ),
    "state list": (page("state_list"), 2, "over each state's membership periods (grouping and growth chart)"),
    "state page": (
        page("state_detail", slug="host"),
        8,
        "over the signed documents, proposed initiatives, hosted summits and admitting summits",
    ),
    "chairmanship list": (page("chairmanship_list"), 1, "over each chairmanship's state and closing summit"),
    "chairmanship page": (
        last_page_of(models.Chairmanship.objects.all(), "start_date"),
        6,
        "over the chairmanship's figures (and their sources), documents and initiatives",
    ),
    # A list within one block of ids (``ArchivePaginator.block_size``) is counted by its ids: no count query.
    "document archive": (
        page("document_list"),
        3,
        "over each listed document's summit, and one query per facet option",
    ),
    "document page": (
        last_page_of(models.Document.objects.published(), "pk"),
        6,
        "over the document's signatories, topics and related initiatives",
    ),
    # A citation file: the record, its sources, its corrections.
    "document citation file": (
        lambda: last_page_of(models.Document.objects.published(), "pk")() + "cite.ris",
        3,
        "over the document's sources and corrections",
    ),
    "chairmanship citation file": (
        lambda: last_page_of(models.Chairmanship.objects.all(), "start_date")() + "cite.bib",
        3,
        "over the chairmanship's state, sources and corrections",
    ),
    "initiative archive": (page("initiative_list"), 3, "over each listed initiative's chairmanship and its state"),
    "initiative page": (
        last_page_of(models.Initiative.objects.all(), "pk"),
        6,
        "over the initiative's proposers, topics and related documents",
    ),
    "on a date": (
        page("on_date", day="2030-01-01"),
        6,
        "over each state's status, each listed document's summit, and each status (one query for all four)",
    ),
    "search": (page("search", "?q=declaration"), 5, "a query per result: one ranked query per content type"),
    "sitemap": (page("sitemap"), 5, "a query per listed record when building the sitemap"),
    "document feed": (page("document_feed"), 1, "a query per feed entry"),
    "sitemap section": (
        "/sitemap-documents.xml",
        2,
        "a query per listed record (or per deferred column) on a page of a sitemap section",
    ),
}


@pytest.mark.parametrize("name", PAGE_BUDGETS)
def test_a_public_page_costs_the_same_queries_at_1x_and_20x_the_data(client, django_assert_num_queries, name):
    """Guards against the N+1 named beside each page in ``PAGE_BUDGETS``."""
    address, expected, _guarded_n_plus_one = PAGE_BUDGETS[name]
    queries_at_1x_and_20x(client, django_assert_num_queries, address, expected)


def test_filtered_document_archive_query_count_is_constant(client, django_assert_num_queries):
    """Guards against per-option queries when several filters (two of related records) are in use.

    The three queries of the unfiltered archive.
    """

    def url():
        topic = Topic.objects.order_by("pk").values_list("slug", flat=True).first()
        return reverse("chairmanship:document_list") + f"?type=declaration&signatory=host&topic={topic}&year_from=1900"

    queries_at_1x_and_20x(client, django_assert_num_queries, url, 3)


LIST_LIMIT = 3  # lowered so that 20 times the limit is quick to build


@pytest.mark.parametrize(
    ("record", "documents_link", "initiatives_link"),
    [
        pytest.param(
            "state",
            '/documents/?signatory=kazakhstan">All {n} documents signed by Kazakhstan, in the archive',
            '/initiatives/?proposer=kazakhstan">All {n} initiatives proposed by Kazakhstan, in the archive',
            id="state",
        ),
        pytest.param(
            "chairmanship",
            '/documents/?chairmanship=kazakhstan-2023-2024">All {n} documents of this chairmanship, in the archive',
            '/initiatives/?chairmanship=kazakhstan-2023-2024">All {n} initiatives of this chairmanship, in the archive',
            id="chairmanship",
        ),
        pytest.param(
            "summit",
            '/documents/?summit=astana-2024">All {n} documents of this summit, in the archive',
            '/initiatives/?summit=astana-2024">All {n} initiatives of this summit, in the archive',
            id="summit",
        ),
    ],
)
def test_a_record_page_renders_the_same_rows_and_queries_at_20x_its_list_limit(
    client, django_assert_num_queries, monkeypatch, record, documents_link, initiatives_link
):
    """Guards against a page that grows with its records: a state that signed thousands of documents lists
    the first few, in the same queries, and links to all of them in the filtered archive."""
    monkeypatch.setattr(models, "PAGE_LIST_LIMIT", LIST_LIMIT)
    state = StateFactory(slug="kazakhstan", short_name="Kazakhstan")
    chairmanship = ChairmanshipFactory(state=state, slug="kazakhstan-2023-2024")
    summit = SummitFactory(host_state=state, chairmanship=chairmanship, slug="astana-2024")
    source = SourceFactory()
    url = {"state": state, "chairmanship": chairmanship, "summit": summit}[record].get_absolute_url()

    def add(count):
        for _ in range(count):
            context = {"summit": summit, "chairmanship": chairmanship, "sources": [source]}
            DocumentFactory(**context).signatories.add(state)
            InitiativeFactory(**context).proposers.add(state)
        DocumentFactory(summit=summit, chairmanship=chairmanship, draft=True).signatories.add(state)

    add(LIST_LIMIT)
    client.get(url)  # warms the content-type cache the corrections log looks up once per process
    # Both measured cold: adding records makes the page's kept parts again, which the first would not.
    bump_content_version()
    with CaptureQueriesContext(connection) as at_1x:
        html = client.get(url).content.decode()
    assert len(re.findall(r'<li class="record"', html)) == 2 * LIST_LIMIT
    assert "in the archive</a>" not in html

    add(19 * LIST_LIMIT)
    bump_content_version()
    with django_assert_num_queries(len(at_1x)):
        html = client.get(url).content.decode()

    assert len(re.findall(r'<li class="record"', html)) == 2 * LIST_LIMIT
    total = 20 * LIST_LIMIT
    assert documents_link.format(n=total) in html and initiatives_link.format(n=total) in html
    assert len(at_1x) <= PAGE_BUDGET
    for link, kind in ((documents_link, "document"), (initiatives_link, "initiative")):
        archive = client.get(link.split('"')[0]).content.decode()
        assert f"{total} {kind}s match your filters" in archive


def test_a_page_whose_read_plan_misses_a_related_record_fails_loudly_in_tests(client, monkeypatch, settings):
    """Under the tests' fetch mode a plan that forgets a ``select_related`` makes its page fail, where
    production's default mode would quietly cost one more query per record."""
    settings.PAGE_CACHE = False
    ChairmanshipFactory(state=StateFactory(short_name="Kazakhstan"))
    # The home page's plan without its joined state.
    monkeypatch.setattr(models.ChairmanshipQuerySet, "for_home", models.read_plan(lambda chairmanships: chairmanships))

    with pytest.raises(FieldFetchBlocked, match=r"Chairmanship\.state"):
        client.get(reverse("chairmanship:home"))

    settings.ARCHIVE_FETCH_MODE = "FETCH_ONE"
    assert "Kazakhstan" in client.get(reverse("chairmanship:home")).text
