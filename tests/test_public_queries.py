"""Query budgets of the public pages: the same number of queries with 1x and 20x the data."""

import datetime

import pytest
from django.urls import reverse

from chairmanship.cache import bump_content_version
from chairmanship.models import Membership, MembershipStatus, State, Topic
from tests.factories import (
    ChairmanshipFactory,
    DocumentFactory,
    InitiativeFactory,
    KeyFigureFactory,
    MembershipFactory,
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


def queries_at_1x_and_20x(client, django_assert_num_queries, url, expected):
    """``url`` is an address, or a function giving one once the data exists."""
    url_for = url if callable(url) else lambda: url
    build_archive(1)
    client.get(url_for())  # warms the content-type cache the corrections log looks up once per process
    # Measured cold, as after any edit: derived values (the archive's facet counts) are computed afresh.
    bump_content_version()
    with django_assert_num_queries(expected):
        assert client.get(url_for()).status_code == 200
    build_archive(19, first_year=1950)
    bump_content_version()
    with django_assert_num_queries(expected):
        assert client.get(url_for()).status_code == 200
    assert expected <= PAGE_BUDGET


def test_home_page_query_count_is_constant(client, django_assert_num_queries):
    """Guards against an N+1 over the current chairmanship's key figures and the latest documents' summits."""
    queries_at_1x_and_20x(client, django_assert_num_queries, reverse("chairmanship:home"), 7)


def test_summit_list_query_count_is_constant(client, django_assert_num_queries):
    """Guards against an N+1 over each summit's host state and closing chairmanship (and its state)."""
    queries_at_1x_and_20x(client, django_assert_num_queries, reverse("chairmanship:summit_list"), 1)


def test_summit_page_query_count_is_constant(client, django_assert_num_queries):
    """Guards against N+1s over the summit's documents, initiatives, admitted states, figures' sources."""
    queries_at_1x_and_20x(
        client,
        django_assert_num_queries,
        lambda: SummitFactory._meta.model.objects.order_by("number").last().get_absolute_url(),
        8,
    )


def test_state_list_query_count_is_constant(client, django_assert_num_queries):
    """Guards against an N+1 over each state's membership periods (grouping and growth chart)."""
    queries_at_1x_and_20x(client, django_assert_num_queries, reverse("chairmanship:state_list"), 2)


def test_state_page_query_count_is_constant(client, django_assert_num_queries):
    """Guards against N+1s over the signed documents, proposed initiatives, hosted summits and admitting summits."""
    url = reverse("chairmanship:state_detail", kwargs={"slug": "host"})
    queries_at_1x_and_20x(client, django_assert_num_queries, url, 8)


def test_chairmanship_list_query_count_is_constant(client, django_assert_num_queries):
    """Guards against an N+1 over each chairmanship's state and closing summit."""
    queries_at_1x_and_20x(client, django_assert_num_queries, reverse("chairmanship:chairmanship_list"), 1)


def test_chairmanship_page_query_count_is_constant(client, django_assert_num_queries):
    """Guards against N+1s over the chairmanship's figures (and their sources), documents and initiatives."""
    model = ChairmanshipFactory._meta.model
    queries_at_1x_and_20x(
        client, django_assert_num_queries, lambda: model.objects.order_by("start_date").last().get_absolute_url(), 7
    )


def test_document_archive_query_count_is_constant(client, django_assert_num_queries):
    """Guards against an N+1 over each listed document's summit, and one query per facet option."""
    queries_at_1x_and_20x(client, django_assert_num_queries, reverse("chairmanship:document_list"), 4)


def test_filtered_document_archive_query_count_is_constant(client, django_assert_num_queries):
    """Guards against per-option queries when several filters (two of related records) are in use.

    The four queries of the unfiltered archive, and the lookup of a topic that exists to filter by.
    """

    def url():
        topic = Topic.objects.order_by("pk").values_list("slug", flat=True).first()
        return reverse("chairmanship:document_list") + f"?type=declaration&signatory=host&topic={topic}&year_from=1900"

    queries_at_1x_and_20x(client, django_assert_num_queries, url, 5)


def test_document_page_query_count_is_constant(client, django_assert_num_queries):
    """Guards against N+1s over the document's signatories, topics and related initiatives."""
    model = DocumentFactory._meta.model
    queries_at_1x_and_20x(
        client, django_assert_num_queries, lambda: model.objects.published().order_by("pk").last().get_absolute_url(), 7
    )


def test_initiative_archive_query_count_is_constant(client, django_assert_num_queries):
    """Guards against an N+1 over each listed initiative's chairmanship and its state."""
    queries_at_1x_and_20x(client, django_assert_num_queries, reverse("chairmanship:initiative_list"), 4)


def test_initiative_page_query_count_is_constant(client, django_assert_num_queries):
    """Guards against N+1s over the initiative's proposers, topics and related documents."""
    model = InitiativeFactory._meta.model
    queries_at_1x_and_20x(
        client, django_assert_num_queries, lambda: model.objects.order_by("pk").last().get_absolute_url(), 7
    )


def test_search_query_count_is_constant(client, django_assert_num_queries):
    """Guards against a query per result: one ranked query per content type."""
    url = reverse("chairmanship:search") + "?q=declaration"
    queries_at_1x_and_20x(client, django_assert_num_queries, url, 5)


def test_sitemap_query_count_is_constant(client, django_assert_num_queries):
    """Guards against a query per listed record when building the sitemap."""
    queries_at_1x_and_20x(client, django_assert_num_queries, reverse("chairmanship:sitemap"), 5)


def test_document_feed_query_count_is_constant(client, django_assert_num_queries):
    """Guards against a query per feed entry."""
    queries_at_1x_and_20x(client, django_assert_num_queries, reverse("chairmanship:document_feed"), 1)
