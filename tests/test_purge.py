"""The shared cache's headers and the purge a committed change sends (``chairmanship.purge``), without Varnish:
a small HTTP server on a local port stands in for the cache and records the purges it receives."""

import logging
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.http import HttpResponse

from chairmanship.models import Topic
from chairmanship.purge import purge_after_commit, shared_cache_headers
from tests.processes import free_port


class PurgeRecorder(BaseHTTPRequestHandler):
    def do_PURGE(self):
        self.server.purges.append(
            {"xkey-purge": self.headers["xkey-purge"], "Surrogate-Key": self.headers["Surrogate-Key"]}
        )
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def shared_cache(settings):
    """A stand-in cache at CACHE_PURGE_URL; ``.purges`` lists what it received, ``.status`` is what it answers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    server.purges = []
    server.status = HTTPStatus.OK
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CACHE_PURGE_URL = f"http://127.0.0.1:{server.server_address[1]}/"
    yield server
    server.shutdown()
    server.server_close()


def purged_tags(server) -> list[set[str]]:
    return [set(purge["xkey-purge"].split()) for purge in server.purges]


# --- Headers -----------------------------------------------------------------------------------------


def test_an_anonymous_page_may_be_kept_by_shared_caches_under_its_tags(settings):
    settings.SHARED_CACHE_MAX_AGE = 600
    settings.SHARED_CACHE_STALE = 30
    response = HttpResponse("page")

    shared_cache_headers(response, {"document-42", "documents", "home"})

    directives = {directive.strip() for directive in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=0", "s-maxage=600", "stale-while-revalidate=30"}
    assert response["Surrogate-Key"] == "document-42 documents home"
    assert response["xkey"] == response["Surrogate-Key"]


def test_a_shorter_lifetime_the_view_chose_is_kept(settings):
    settings.SHARED_CACHE_MAX_AGE = 600
    response = HttpResponse("page")
    response["Cache-Control"] = "max-age=30, s-maxage=20"

    shared_cache_headers(response, {"documents"})

    assert "s-maxage=20" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"].replace("s-maxage", "")


def test_a_page_is_fetched_afresh_by_the_moment_a_scheduled_record_goes_live(settings):
    settings.SHARED_CACHE_MAX_AGE = 3600
    settings.SHARED_CACHE_STALE = 30
    response = HttpResponse("page")

    shared_cache_headers(response, {"documents"}, fresh_until=time.time() + 120)

    lifetime = int(response["Cache-Control"].split("s-maxage=")[1].split(",")[0])
    assert 115 <= lifetime <= 120
    assert "stale-while-revalidate=0" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("prepare", "why"),
    [
        (lambda response: response.set_cookie("csrftoken", "x"), "sets a cookie"),
        (lambda response: response.__setitem__("Cache-Control", "private"), "private"),
        (lambda response: response.__setitem__("Cache-Control", "no-store"), "no-store"),
        (lambda response: response.__setitem__("Cache-Control", "no-cache"), "no-cache"),
        (lambda response: setattr(response, "status_code", HTTPStatus.NOT_FOUND), "not found"),
    ],
)
def test_an_answer_not_for_everyone_is_never_marked_for_shared_caches(prepare, why):
    response = HttpResponse("page")
    prepare(response)
    before = response.get("Cache-Control")

    shared_cache_headers(response, {"documents"})

    assert response.get("Cache-Control") == before, why
    assert "Surrogate-Key" not in response
    assert "xkey" not in response


@pytest.mark.parametrize("tag", ["two words", "line\r\nbreak", "", "comma,separated"])
def test_a_tag_that_would_break_the_header_is_refused_clearly(tag):
    with pytest.raises(ValueError, match="Not a cache tag"):
        shared_cache_headers(HttpResponse("page"), {tag})


def test_one_string_is_not_taken_for_a_list_of_one_letter_tags():
    with pytest.raises(TypeError, match="collection of strings"):
        purge_after_commit("documents")


# --- Purging -----------------------------------------------------------------------------------------


def test_a_committed_transaction_sends_one_purge_with_every_tag_it_changed(transactional_db, shared_cache):
    with transaction.atomic():
        topic = Topic.objects.create(name="Energy", slug="energy")  # its save adds its own tags
        purge_after_commit({"topic-1", "topics"})
        purge_after_commit({"home"})
        purge_after_commit(["topics"])
        assert shared_cache.purges == [], "nothing may be purged before the change is committed"

    assert purged_tags(shared_cache) == [
        {"topic-1", "topics", "home", f"topic-{topic.pk}", "topic", "topic-text", "topic-public"}
    ]
    assert shared_cache.purges[0]["Surrogate-Key"] == shared_cache.purges[0]["xkey-purge"]


def test_each_commit_sends_its_own_purge(transactional_db, shared_cache):
    with transaction.atomic():
        purge_after_commit({"document-1"})
    with transaction.atomic():
        purge_after_commit({"document-2"})

    assert purged_tags(shared_cache) == [{"document-1"}, {"document-2"}]


def test_a_rolled_back_transaction_sends_nothing(transactional_db, shared_cache):
    with transaction.atomic():
        Topic.objects.create(name="Energy", slug="energy")
        purge_after_commit({"topics"})
        transaction.set_rollback(True)

    assert shared_cache.purges == []


def test_tags_of_a_rolled_back_savepoint_do_not_lose_the_rest(transactional_db, shared_cache):
    with transaction.atomic():
        try:
            with transaction.atomic():
                purge_after_commit({"document-1"})
                raise RuntimeError("the editor's inner step fails")
        except RuntimeError:
            pass
        purge_after_commit({"document-2"})

    assert purged_tags(shared_cache) == [{"document-2"}]


def test_outside_a_transaction_the_purge_is_sent_at_once(transactional_db, shared_cache):
    purge_after_commit({"documents"})

    assert purged_tags(shared_cache) == [{"documents"}]


def test_without_a_purge_address_nothing_is_sent(transactional_db, shared_cache, settings):
    settings.CACHE_PURGE_URL = ""
    with transaction.atomic():
        purge_after_commit({"documents"})

    assert shared_cache.purges == []


def test_a_purge_address_nobody_answers_is_logged_and_the_save_stands(transactional_db, settings, caplog):
    settings.CACHE_PURGE_URL = f"http://127.0.0.1:{free_port()}/"
    with caplog.at_level(logging.WARNING, logger="chairmanship.purge"), transaction.atomic():
        Topic.objects.create(name="Energy", slug="energy")
        purge_after_commit({"topics"})

    assert Topic.objects.filter(slug="energy").exists()
    assert "Shared cache purge failed" in caplog.text


def test_a_purge_the_cache_refuses_is_logged(transactional_db, shared_cache, caplog):
    shared_cache.status = HTTPStatus.FORBIDDEN
    with caplog.at_level(logging.WARNING, logger="chairmanship.purge"):
        purge_after_commit({"topics"})

    assert "refused the purge" in caplog.text
    assert "403" in caplog.text


def test_every_cache_listed_is_purged(transactional_db, shared_cache, settings):
    settings.CACHE_PURGE_URL = f"{settings.CACHE_PURGE_URL}, {settings.CACHE_PURGE_URL}"
    with transaction.atomic():
        purge_after_commit({"documents"})

    assert purged_tags(shared_cache) == [{"documents"}, {"documents"}]


def test_a_commit_with_more_tags_than_one_header_holds_is_purged_in_parts(transactional_db, shared_cache):
    tags = {f"document-{number}" for number in range(2000)}
    with transaction.atomic():
        purge_after_commit(tags)

    assert len(shared_cache.purges) > 1
    assert all(len(purge["xkey-purge"]) <= 4000 for purge in shared_cache.purges)
    assert set().union(*purged_tags(shared_cache)) == tags
