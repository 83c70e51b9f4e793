"""Conditional requests: a client revalidating what it holds is told 304 only when nothing it shows has changed.

A read's ETag comes from the whole answer, related records included, for API answers, HTML pages and
answers replayed from the page cache alike; If-Match on writes compares the record's own version only.
"""

import datetime
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from chairmanship.models import Document, PublicationStatus
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_api_rates")]


@pytest.fixture
def _no_page_cache(settings):
    settings.PAGE_CACHE = False


@pytest.fixture
def document():
    summit = factories.SummitFactory(host_city="Astana")
    document = factories.DocumentFactory(slug="astana-declaration", summit=summit)
    document.topics.add(factories.TopicFactory(slug="energy", name="Energy"))
    document.signatories.add(factories.StateFactory(slug="kazakhstan", short_name="Kazakhstan"))
    return document


DETAIL = "/api/v1/documents/astana-declaration/"


def revalidate(client, url, etag, **headers):
    return client.get(url, HTTP_IF_NONE_MATCH=etag, **headers)


# --- API answers ------------------------------------------------------------------------------------------------


# A related record of the document, renamed: (the document's relation, the record's field, its new name).
RENAMES = {
    "one of its topics": ("topics", "name", "Energy security"),
    "a signatory state": ("signatories", "short_name", "Republic of Kazakhstan"),
}


@pytest.mark.usefixtures("_no_page_cache")
@pytest.mark.parametrize("renamed", RENAMES)
def test_a_client_holding_a_document_is_sent_it_again_after_a_related_record_is_renamed(api_client, document, renamed):
    relation, field, name = RENAMES[renamed]
    etag = api_client.get(DETAIL)["ETag"]
    record = getattr(document, relation).get()
    setattr(record, field, name)
    record.save()

    response = revalidate(api_client, DETAIL, etag)

    assert response.status_code == HTTPStatus.OK
    assert [related["name"] for related in response.json()[relation]] == [name]
    assert revalidate(api_client, DETAIL, response["ETag"]).status_code == HTTPStatus.NOT_MODIFIED


@pytest.mark.usefixtures("_no_page_cache")
def test_a_client_holding_a_document_is_sent_it_again_after_its_summit_is_unpublished(api_client, document):
    etag = api_client.get(DETAIL)["ETag"]
    document.summit.status = PublicationStatus.DRAFT
    document.summit.save()

    response = revalidate(api_client, DETAIL, etag)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["summit"] is None


@pytest.mark.usefixtures("_no_page_cache")
def test_a_client_holding_a_list_is_sent_it_again_after_a_listed_documents_topic_is_renamed(api_client, document):
    url = "/api/v1/documents/?topic=energy"
    etag = api_client.get(url)["ETag"]
    assert revalidate(api_client, url, etag).status_code == HTTPStatus.NOT_MODIFIED
    topic = document.topics.get()
    topic.name = "Energy security"
    topic.save()

    response = revalidate(api_client, url, etag)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"][0]["topics"][0]["name"] == "Energy security"


@pytest.mark.usefixtures("_no_page_cache")
def test_one_page_of_a_list_is_never_answered_304_with_another_pages_etag(api_client):
    factories.DocumentFactory.create_batch(3)
    first_page = api_client.get("/api/v1/documents/?page_size=2")

    response = revalidate(api_client, "/api/v1/documents/?page_size=2&page=2", first_page["ETag"])

    assert response.status_code == HTTPStatus.OK
    assert len(response.json()["results"]) == 1


@pytest.mark.usefixtures("_no_page_cache")
def test_if_modified_since_never_keeps_a_client_on_an_old_document(api_client, document):
    """Reads send no Last-Modified: no date at hand changes whenever the answer does."""
    first = api_client.get(DETAIL)
    topic = document.topics.get()
    topic.name = "Energy security"
    topic.save()

    response = api_client.get(DETAIL, HTTP_IF_MODIFIED_SINCE=http_date(timezone.now().timestamp()))

    assert response.status_code == HTTPStatus.OK
    assert response.json()["topics"][0]["name"] == "Energy security"
    assert "Last-Modified" not in first


def test_a_replayed_cached_answer_is_revalidated_by_what_it_now_shows(api_client, document):
    etag = api_client.get(DETAIL)["ETag"]
    topic = document.topics.get()
    topic.name = "Energy security"
    topic.save()
    assert api_client.get(DETAIL)["X-Cache"] == "miss"  # cached afresh, with the new name

    response = revalidate(api_client, DETAIL, etag)

    assert response.status_code == HTTPStatus.OK
    assert response["X-Cache"] == "hit"
    assert response.json()["topics"][0]["name"] == "Energy security"


def test_a_replayed_cached_answer_still_answers_304_to_a_client_holding_it(api_client, document):
    cache.clear()
    etag = api_client.get(DETAIL)["ETag"]

    assert revalidate(api_client, DETAIL, etag).status_code == HTTPStatus.NOT_MODIFIED


# --- HTML pages -------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("_no_page_cache")
def test_a_page_answers_304_to_a_reader_holding_it_and_the_page_again_once_it_changes(client, document):
    url = reverse("chairmanship:document_detail", args=[document.slug])
    first = client.get(url)
    assert "Last-Modified" not in first
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == HTTPStatus.NOT_MODIFIED

    topic = document.topics.get()
    topic.name = "Energy security"
    topic.save()
    response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == HTTPStatus.OK
    assert "Energy security" in response.content.decode()


def test_a_cached_page_answers_304_without_a_query(client, document, django_assert_num_queries):
    cache.clear()
    url = reverse("chairmanship:document_detail", args=[document.slug])
    etag = client.get(url)["ETag"]

    with django_assert_num_queries(0):
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == HTTPStatus.NOT_MODIFIED


def test_a_feed_with_an_entry_unpublished_is_sent_again_to_a_reader_asking_if_modified_since(client):
    now = timezone.now()
    factories.DocumentFactory(title="The newest declaration", published_at=now - datetime.timedelta(hours=1))
    older = factories.DocumentFactory(title="An older declaration", published_at=now - datetime.timedelta(days=3))
    url = reverse("chairmanship:document_feed")
    client.get(url)
    older.status = PublicationStatus.DRAFT
    older.save()
    assert client.get(url)["X-Cache"] == "miss"

    response = client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(now.timestamp()))

    assert response.status_code == HTTPStatus.OK
    assert "An older declaration" not in response.content.decode()


# --- Writes: If-Match guards the record's own version -------------------------------------------------------------


def test_an_edit_of_a_related_record_does_not_refuse_a_write_holding_the_current_version(publisher_client, document):
    read_tag = publisher_client.get(DETAIL)["ETag"]
    topic = document.topics.get()
    topic.name = "Energy security"
    topic.save()

    response = publisher_client.patch(DETAIL, {"summary": "Edited."}, format="json", HTTP_IF_MATCH=read_tag)

    assert response.status_code == HTTPStatus.OK, response.content
    assert Document.objects.get(pk=document.pk).summary == "Edited."


def test_a_write_may_name_the_bare_id_and_version_in_if_match(publisher_client, document):
    response = publisher_client.patch(
        DETAIL, {"summary": "Edited."}, format="json", HTTP_IF_MATCH=f'"{document.pk}-{document.version}"'
    )

    assert response.status_code == HTTPStatus.OK, response.content
    stale = publisher_client.patch(
        DETAIL, {"summary": "Again."}, format="json", HTTP_IF_MATCH=f'"{document.pk}-{document.version}"'
    )
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED


def test_a_weak_etag_never_matches_if_match(publisher_client, document):
    read_tag = publisher_client.get(DETAIL)["ETag"]

    response = publisher_client.patch(DETAIL, {"summary": "Edited."}, format="json", HTTP_IF_MATCH=f"W/{read_tag}")

    assert response.status_code == HTTPStatus.PRECONDITION_FAILED
    assert Document.objects.get(pk=document.pk).summary == "A declaration."


@pytest.mark.parametrize("value", ["12.5", "7"])
def test_the_etag_a_write_answers_is_accepted_by_the_next_write_to_a_record_without_a_version(publisher_client, value):
    factories.KeyFigureFactory(slug="events")
    url = "/api/v1/key-figures/events/"
    edited = publisher_client.patch(
        url, {"value": value}, format="json", HTTP_IF_MATCH=publisher_client.get(url)["ETag"]
    )
    assert edited.status_code == HTTPStatus.OK, edited.content

    response = publisher_client.patch(url, {"label": "Meetings held"}, format="json", HTTP_IF_MATCH=edited["ETag"])

    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["label"] == "Meetings held"
