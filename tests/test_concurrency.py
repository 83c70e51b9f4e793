"""Simultaneous writes through the API, sent at once to a live server: none is lost, none is a 5xx.

Each request runs in its own server thread with its own database connection, as in production, on
whichever database the suite runs on (SQLite in a file, or PostgreSQL).
"""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from http import HTTPStatus

import pytest
from rest_framework.authtoken.models import Token
from reversion.models import Version

from chairmanship.models import Document, Source, State, Summit
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def token(superuser):
    return Token.objects.create(user=superuser).key


@pytest.fixture
def send_at_once(live_server, token, settings):
    """Sends the requests together (released by one barrier) and returns their statuses and bodies."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }

    def send(requests: list[tuple[str, str, dict | None]], headers: dict | None = None) -> list[tuple[int, dict]]:
        """``requests`` are (method, path, JSON body) triples."""
        barrier = threading.Barrier(len(requests))
        answers: list[tuple[int, dict] | None] = [None] * len(requests)

        def one(index: int) -> None:
            method, path, body = requests[index]
            request = urllib.request.Request(
                f"{live_server.url}{path}",
                data=json.dumps(body).encode() if body is not None else None,
                method=method,
                headers={
                    "Authorization": f"Token {token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    **(headers or {}),
                },
            )
            barrier.wait()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    answers[index] = (response.status, json.loads(response.read() or b"{}"))
            except urllib.error.HTTPError as error:
                answers[index] = (error.code, json.loads(error.read() or b"{}"))

        threads = [threading.Thread(target=one, args=(index,)) for index in range(len(requests))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    return send


def etag_of(live_server, token, path: str) -> str:
    request = urllib.request.Request(
        f"{live_server.url}{path}", headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["ETag"]


def statuses(answers) -> Counter:
    return Counter(status for status, _ in answers)


# What each resource's record is made of, and a field every client changes in its own way.
RESOURCES = {
    "states": (
        lambda: factories.StateFactory(slug="contested", iso_alpha2="QQ", iso_alpha3="QQQ", summary="A state."),
        "capital",
    ),
    "memberships": (lambda: factories.MembershipFactory(), "note"),
    "chairmanships": (lambda: factories.ChairmanshipFactory(slug="contested"), "motto"),
    "summits": (lambda: factories.SummitFactory(slug="contested"), "theme"),
    "documents": (lambda: factories.DocumentFactory(slug="contested"), "summary"),
    "initiatives": (lambda: factories.InitiativeFactory(slug="contested"), "summary"),
    "topics": (lambda: factories.TopicFactory(slug="contested"), "description"),
    "key-figures": (lambda: factories.KeyFigureFactory(slug="contested"), "note"),
    "sources": (lambda: factories.SourceFactory(slug="contested"), "note"),
}


def test_of_ten_simultaneous_edits_with_the_same_if_match_exactly_one_wins_on_every_resource(
    live_server, token, send_at_once
):
    # One test for all resources: a live server's test empties the database afterwards, which is slow.
    outcomes, expected = {}, {}
    for resource, (make, field) in RESOURCES.items():
        record = make()
        path = f"/api/v1/{resource}/{record.pk if resource == 'memberships' else record.slug}/"
        etag = etag_of(live_server, token, path)
        revisions_before = Version.objects.get_for_object(record).count()

        answers = send_at_once([("PATCH", path, {field: f"Edit number {n}"}) for n in range(10)], {"If-Match": etag})

        winners = [body for status, body in answers if status == HTTPStatus.OK]
        record.refresh_from_db()
        outcomes[resource] = {
            "statuses": statuses(answers),
            # What the one accepted edit wrote is what the archive holds: no 200 was silently overwritten.
            "kept": [getattr(record, field)] == [winner[field] for winner in winners],
            "revisions": Version.objects.get_for_object(record).count() - revisions_before,
            "version": getattr(record, "version", 2),
        }
        expected[resource] = {
            "statuses": {HTTPStatus.OK: 1, HTTPStatus.PRECONDITION_FAILED: 9},
            "kept": True,
            "revisions": 1,
            "version": 2,
        }

    assert outcomes == expected


def test_of_twenty_simultaneous_edits_of_a_document_one_is_kept_and_nineteen_answer_412(
    live_server, token, send_at_once
):
    document = factories.DocumentFactory(slug="contested", summary="Original.")
    path = "/api/v1/documents/contested/"
    etag = etag_of(live_server, token, path)
    revisions_before = Version.objects.get_for_object(document).count()

    answers = send_at_once([("PATCH", path, {"summary": f"Edit number {n}"}) for n in range(20)], {"If-Match": etag})

    assert statuses(answers) == {HTTPStatus.OK: 1, HTTPStatus.PRECONDITION_FAILED: 19}, answers
    refused = [body for status, body in answers if status == HTTPStatus.PRECONDITION_FAILED]
    assert all("changed since you read it" in body["detail"] for body in refused)
    (winner,) = [body for status, body in answers if status == HTTPStatus.OK]
    document.refresh_from_db()
    assert (document.summary, document.version) == (winner["summary"], 2)
    assert Version.objects.get_for_object(document).count() == revisions_before + 1
    assert etag_of(live_server, token, path) != etag


def test_of_ten_simultaneous_creates_with_the_same_slug_one_is_created_and_the_rest_name_the_slug(send_at_once):
    bodies = [
        {"slug": "twin", "title": f"Declaration {n}", "type": "declaration", "date": "2025-09-01", "summary": "S."}
        for n in range(10)
    ]

    answers = send_at_once([("POST", "/api/v1/documents/", body) for body in bodies])

    assert statuses(answers) == {HTTPStatus.CREATED: 1, HTTPStatus.BAD_REQUEST: 9}, answers
    for status, body in answers:
        if status == HTTPStatus.BAD_REQUEST:
            assert "already exists" in body["errors"]["slug"][0]
    assert Document.objects.filter(slug="twin").count() == 1


def test_simultaneous_creates_of_unversioned_records_clash_cleanly_too(send_at_once):
    answers = send_at_once([("POST", "/api/v1/sources/", {"slug": "twin", "title": f"Report {n}"}) for n in range(10)])

    assert statuses(answers) == {HTTPStatus.CREATED: 1, HTTPStatus.BAD_REQUEST: 9}, answers
    assert all("slug" in body["errors"] for status, body in answers if status == HTTPStatus.BAD_REQUEST)
    assert Source.objects.filter(slug="twin").count() == 1


def test_of_ten_documents_renamed_to_the_same_slug_at_once_one_gets_it_and_the_rest_are_told_why(send_at_once):
    documents = [factories.DocumentFactory(slug=f"draft-{n}") for n in range(10)]

    answers = send_at_once([("PATCH", f"/api/v1/documents/{d.slug}/", {"slug": "final"}) for d in documents])

    assert statuses(answers) == {HTTPStatus.OK: 1, HTTPStatus.BAD_REQUEST: 9}, answers
    assert all("slug" in body["errors"] for status, body in answers if status == HTTPStatus.BAD_REQUEST)
    assert Document.objects.filter(slug="final").count() == 1


def test_a_state_deleted_while_summits_it_hosts_are_created_is_either_kept_with_them_or_gone_without(
    send_at_once,
):
    factories.StateFactory(slug="host", iso_alpha2="QQ", iso_alpha3="QQQ")
    summits = [
        {
            "slug": f"city-{n}",
            "number": 200 + n,
            "host_state": "host",
            "host_city": f"City {n}",
            "start_date": "2025-07-01",
            "end_date": "2025-07-02",
        }
        for n in range(5)
    ]

    answers = send_at_once(
        [("DELETE", "/api/v1/states/host/", None), *(("POST", "/api/v1/summits/", body) for body in summits)]
    )

    (deletion, _), *creations = answers
    assert all(status < HTTPStatus.INTERNAL_SERVER_ERROR for status, _ in answers), answers
    created = sum(status == HTTPStatus.CREATED for status, _ in creations)
    assert Summit.objects.count() == created
    if created:
        assert deletion == HTTPStatus.CONFLICT
        assert State.objects.filter(slug="host").exists()
    else:
        assert deletion == HTTPStatus.NO_CONTENT
        assert all("host_state" in body["errors"] for _, body in creations), creations
