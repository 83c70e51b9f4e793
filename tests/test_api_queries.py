"""Query budgets of the API lists: the same number of queries for one record as for twenty.

Each list shows related records as summaries; without the ``for_api()`` queryset methods every row
would load its summit, chairmanship (and its state), topics, signatories, proposers, documents and
sources one by one: the N+1 these tests guard against.
"""

import datetime
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chairmanship.cache import bump_content_version, cache_generation
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_api_rates")]


def add_state(n):
    state = factories.StateFactory()
    factories.MembershipFactory(state=state, start_date=datetime.date(2001, 6, 15))
    return state


def add_membership(n):
    return factories.MembershipFactory(summit=factories.SummitFactory())


def add_chairmanship(n):
    chairmanship = factories.ChairmanshipFactory()
    factories.SummitFactory(chairmanship=chairmanship)
    return chairmanship


def add_summit(n):
    return factories.SummitFactory(chairmanship=factories.ChairmanshipFactory())


def add_document(n):
    summit = factories.SummitFactory()
    document = factories.DocumentFactory(summit=summit, chairmanship=factories.ChairmanshipFactory())
    document.topics.add(factories.TopicFactory(), factories.TopicFactory())
    document.signatories.add(summit.host_state, factories.StateFactory(draft=True))
    return document


def add_initiative(n):
    initiative = factories.InitiativeFactory(
        summit=factories.SummitFactory(), chairmanship=factories.ChairmanshipFactory()
    )
    initiative.proposers.add(factories.StateFactory())
    initiative.topics.add(factories.TopicFactory())
    initiative.documents.add(factories.DocumentFactory(), factories.DocumentFactory(draft=True))
    return initiative


def add_key_figure(n):
    figure = factories.KeyFigureFactory(summit=factories.SummitFactory())
    figure.topics.add(factories.TopicFactory())
    return figure


BUILDERS = {
    "states": add_state,
    "memberships": add_membership,
    "chairmanships": add_chairmanship,
    "summits": add_summit,
    "documents": add_document,
    "initiatives": add_initiative,
    "topics": lambda n: factories.TopicFactory(),
    "key-figures": add_key_figure,
    "sources": lambda n: factories.SourceFactory(),
}


def queries_for(client, url) -> int:
    # A running site's cache has learnt once when the next scheduled record goes live; so has this one
    # before anything is counted.
    cache_generation()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK, response.content
    return len(captured)


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Anonymous answers may come whole from the page cache; these tests count what the API itself costs.
    settings.PAGE_CACHE = False


# Who reads, and what: the public every resource; editors, who also see drafts, the ones with related summaries.
SCALING_READS = [
    *(("api_client", resource) for resource in BUILDERS),
    *(("editor_client", resource) for resource in ("documents", "initiatives", "summits")),
]


@pytest.mark.parametrize(("reader", "resource"), SCALING_READS)
def test_a_list_costs_the_same_queries_for_twenty_records_as_for_one(
    request, django_assert_num_queries, reader, resource
):
    """Guards against one query per row for each related summary (the N+1 of nested serializers), for the
    public and for editors, whose related summaries must be prefetched just the same."""
    client = request.getfixturevalue(reader)
    build = BUILDERS[resource]
    url = f"/api/v1/{resource}/?page_size=100"
    build(0)
    budget = queries_for(client, url)

    for n in range(1, 20):
        build(n)

    cache_generation()  # however long the building took, a running site knows the generation
    with django_assert_num_queries(budget):
        response = client.get(url)
    assert response.json()["count"] >= 20


# (list, detail) for the public: the list's validators aggregate, the rows (with the related records the
# public may see joined in the same query), one query per prefetched to-many relation; the list's total is the
# length of its first block of ids (``ArchivePaginator.count``), counted only for a longer list.
PUBLIC_BUDGETS = {
    "states": (4, 3),
    "memberships": (3, 2),
    "chairmanships": (3, 2),
    "summits": (3, 2),
    "documents": (5, 4),
    "initiatives": (6, 5),
    "topics": (2, 1),
    "key-figures": (3, 2),
    "sources": (2, 1),
}


@pytest.mark.parametrize("resource", list(BUILDERS))
def test_leaving_out_unpublished_related_records_costs_the_public_no_extra_query(api_client, resource):
    """The public's plan hides drafts in the joins and prefetches it makes anyway, not in queries of its own."""
    record = BUILDERS[resource](0)
    BUILDERS[resource](1)
    key = record.pk if resource == "memberships" else record.slug

    listing = queries_for(api_client, f"/api/v1/{resource}/")
    detail = queries_for(api_client, f"/api/v1/{resource}/{key}/")

    assert (listing, detail) == PUBLIC_BUDGETS[resource]


def test_a_document_list_answers_304_without_a_query_until_the_content_changes(api_client, django_assert_num_queries):
    """A client holding the current ETag costs no query: a list's tag is remembered until the content
    changes. After any change (a related record's too) the page is read once more to learn its tag, at the
    cost of a full answer, never more."""
    for n in range(3):
        add_document(n)
    url = "/api/v1/documents/"
    full = queries_for(api_client, url)
    etag = api_client.get(url)["ETag"]

    with django_assert_num_queries(0):
        response = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == HTTPStatus.NOT_MODIFIED
    bump_content_version()
    with django_assert_num_queries(full):
        response = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == HTTPStatus.NOT_MODIFIED


def test_a_document_answers_304_without_a_query(api_client, django_assert_num_queries):
    """A client holding the current answer is not sent the document's row and relations again."""
    document = add_document(0)
    url = f"/api/v1/documents/{document.slug}/"
    etag = api_client.get(url)["ETag"]

    with django_assert_num_queries(0):
        response = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == HTTPStatus.NOT_MODIFIED
    # A stale version still gets the whole document, relations included.
    full = api_client.get(url, HTTP_IF_NONE_MATCH=f'"{document.pk}-0-0"')
    assert full.status_code == HTTPStatus.OK and len(full.json()["topics"]) == 2
