"""The benchmark's hand-written reference list (``bench/endpoints.py``) answers what the API's document list
answers, from the same queries: only then does the benchmark's ratio between them measure the framework's
cost and nothing else."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from sco_site import urls as site_urls
from tests.factories import DocumentFactory, StateFactory, SummitFactory, TopicFactory

# This module is the URL configuration of its tests: the site's addresses and the benchmark's reference ones.
urlpatterns = [path("", include("bench.endpoints")), *site_urls.urlpatterns]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]

API = "/api/v1/documents/"
VALUES = "/bench/documents-values/"


@pytest.fixture
def documents():
    """Thirty documents on two topics, over three dates, signed by a published and a draft state, some of
    them adopted at a summit that is not published yet."""
    energy, trade = TopicFactory(slug="energy"), TopicFactory(slug="trade")
    signer, draft_signer = StateFactory(slug="signer"), StateFactory(slug="draft-signer", draft=True)
    summit, draft_summit = SummitFactory(slug="astana"), SummitFactory(slug="draft-summit", draft=True)
    for n in range(30):
        document = DocumentFactory(
            title=f"Document {n:02}",
            document_type="decision" if n % 3 else "declaration",
            date=datetime.date(2020 + n % 3, 7, 4),
            summit=summit if n % 2 else draft_summit,
        )
        document.topics.set([energy] if n % 4 else [energy, trade])
        document.signatories.set([signer, draft_signer] if n % 5 else [draft_signer])
    DocumentFactory(title="Draft decision", document_type="decision", draft=True).topics.set([energy])


QUERIES = [
    "type=decision&topic=energy",
    "topic=energy&topic=trade",
    "topic=energy&page=2",
    "signatory=signer&type=decision",
    "signatory=draft-signer",
    "summit=astana",
    "summit=draft-summit",
    "",
]


def as_api_addresses(answer: dict) -> dict:
    """The reference list's own next and previous links, written as the API's."""
    for link in ("next", "previous"):
        if answer[link]:
            answer[link] = answer[link].replace(VALUES, API)
    return answer


@pytest.mark.parametrize("query", QUERIES)
def test_the_reference_list_shows_what_the_api_list_shows(client, api_client, documents, query):
    api = api_client.get(f"{API}?{query}")
    reference = client.get(f"{VALUES}?{query}")

    assert api.status_code == reference.status_code == HTTPStatus.OK
    assert as_api_addresses(reference.json()) == api.json()


def test_a_page_past_the_last_is_not_found_in_either_list(client, api_client, documents):
    assert api_client.get(f"{API}?type=decision&page=2").status_code == HTTPStatus.NOT_FOUND
    assert client.get(f"{VALUES}?type=decision&page=2").status_code == HTTPStatus.NOT_FOUND


def test_the_reference_list_refuses_what_it_does_not_handle(client, documents):
    assert client.get(f"{VALUES}?search=energy").status_code == HTTPStatus.BAD_REQUEST
    assert client.get(f"{VALUES}?topic=not%20a%20slug").status_code == HTTPStatus.BAD_REQUEST
    assert client.get(f"{VALUES}?page=0").status_code == HTTPStatus.BAD_REQUEST


TIMESTAMP = re.compile(r"'\d{4}-\d\d-\d\d[ T][0-9:.]+(\+00:00)?'(::timestamptz)?")


def document_conditions(queries) -> list[str]:
    """What each query on the documents table selects: its conditions, the moment of "now" left out."""
    conditions = []
    for query in queries:
        sql = query["sql"]
        outer = re.split(r" FROM ", sql, maxsplit=1)[1]
        if not outer.startswith('"chairmanship_document" ') and not outer.startswith('"chairmanship_document"\n'):
            continue
        where = outer.split(" WHERE ", 1)[1] if " WHERE " in outer else ""
        conditions.append(TIMESTAMP.sub("NOW", where.split(" ORDER BY ")[0]))
    return conditions


@pytest.mark.parametrize(
    "query", ["type=decision&topic=energy", "signatory=signer&summit=astana", "topic=energy&page=2"]
)
def test_the_reference_list_selects_its_documents_with_the_api_lists_queries(client, api_client, documents, query):
    """The page's ids (the first block of ids, which also gives the total of a list that ends inside it) and the
    page's rows: one query each, with the same conditions (EXISTS on the link tables, no DISTINCT), whoever asks
    first."""
    cache.clear()
    with CaptureQueriesContext(connection) as api:
        api_client.get(f"{API}?{query}")
    cache.clear()
    with CaptureQueriesContext(connection) as reference:
        client.get(f"{VALUES}?{query}")

    api_conditions = document_conditions(api.captured_queries)
    assert len(api_conditions) == 2  # the ids, the rows
    assert document_conditions(reference.captured_queries) == api_conditions
    assert not any("DISTINCT" in q["sql"] for q in reference.captured_queries)
