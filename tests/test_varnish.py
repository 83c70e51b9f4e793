"""The archive behind Varnish with ``deploy/varnish/archive.vcl``: pages kept under their cache tags, evicted by
the purge a committed change sends (``chairmanship.purge``), and nothing purged by a change rolled back.

The pages here are a small URLconf of this module (pointed to with ROOT_URLCONF), each answering with the tags
its path names, so the tests depend on no particular page's tags. Left out, in one line, where varnishd or
the xkey vmod is missing (tests/conftest.py).
"""

import http.client
import logging
import urllib.error
import urllib.request
from collections import Counter
from http import HTTPStatus

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from chairmanship.models import Topic
from chairmanship.purge import purge_after_commit, shared_cache_headers
from tests.varnish_support import running_varnish

pytestmark = pytest.mark.varnish

# How often the app was asked for each address: a hit through Varnish leaves it unchanged.
served = Counter()


def tagged_page(request, tags: str):
    served[request.get_full_path()] += 1
    response = HttpResponse(f"served {served[request.get_full_path()]} times")
    shared_cache_headers(response, tags.split("+"))
    return response


def untagged_page(request):
    served[request.get_full_path()] += 1
    return HttpResponse("no lifetime for shared caches")


urlpatterns = [
    path("tagged/<str:tags>/", tagged_page),
    path("untagged/", untagged_page),
    path("admin/tagged/<str:tags>/", tagged_page),
]


@pytest.fixture(scope="module")
def varnish_server(live_server, tmp_path_factory):
    """One Varnish in front of the live server for the module (its VCL takes seconds to compile)."""
    with running_varnish(
        tmp_path_factory.mktemp("varnish"), live_server.thread.host, live_server.thread.port
    ) as varnish:
        yield varnish


class Through:
    """Requests through Varnish for one test, at addresses no other test asked for (``?test=<name>``)."""

    def __init__(self, varnish, test_name: str):
        self.base = varnish.base
        self.varnish = varnish
        self.query = f"?test={test_name}"

    def fetch(self, path: str, **headers) -> tuple[str, str]:
        """The body and Varnish's X-Cache of a GET."""
        request = urllib.request.Request(f"{self.base}{path}{self.query}", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.read().decode(), answer.headers["X-Cache"]

    def served(self, path: str) -> int:
        """How many times the app itself answered ``path``."""
        return served[f"{path}{self.query}"]

    def purge(self, *, source: str = "127.0.0.1", **headers) -> tuple[int, str]:
        connection = http.client.HTTPConnection(
            self.base.removeprefix("http://"), timeout=10, source_address=(source, 0)
        )
        try:
            connection.request("PURGE", "/", headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.read().decode()
        finally:
            connection.close()


@pytest.fixture
def varnish(varnish_server, live_server, settings, request):
    """Varnish in front of the live server, the app's purges pointed at it."""
    settings.ROOT_URLCONF = __name__
    # The app's own page cache would answer the refetches after a purge; only Varnish is under test here.
    settings.PAGE_CACHE = False
    settings.SHARED_CACHE_MAX_AGE = 600
    settings.CACHE_PURGE_URL = f"{varnish_server.base}/"
    return Through(varnish_server, request.node.name)


def test_a_page_fetched_twice_is_served_by_varnish_the_second_time(varnish):
    first, first_cache = varnish.fetch("/tagged/tag-a/")
    second, second_cache = varnish.fetch("/tagged/tag-a/")

    assert (first_cache, second_cache) == ("MISS", "HIT")
    assert second == first
    assert varnish.served("/tagged/tag-a/") == 1


def test_a_committed_change_evicts_exactly_the_pages_carrying_its_tag(varnish):
    for page in ("/tagged/tag-a/", "/tagged/tag-a+documents/", "/tagged/tag-b/"):
        varnish.fetch(page)

    with transaction.atomic():
        Topic.objects.create(name="Energy", slug="energy")
        purge_after_commit({"tag-a"})

    assert varnish.fetch("/tagged/tag-a/") == ("served 2 times", "MISS")
    assert varnish.fetch("/tagged/tag-a+documents/") == ("served 2 times", "MISS")
    assert varnish.fetch("/tagged/tag-b/") == ("served 1 times", "HIT")


def test_a_rolled_back_change_evicts_nothing(varnish):
    varnish.fetch("/tagged/tag-a/")

    with transaction.atomic():
        Topic.objects.create(name="Energy", slug="energy")
        purge_after_commit({"tag-a"})
        transaction.set_rollback(True)

    assert varnish.fetch("/tagged/tag-a/") == ("served 1 times", "HIT")


def test_a_save_while_varnish_is_down_succeeds_and_logs_the_failed_purge(live_server, settings, tmp_path, caplog):
    with running_varnish(tmp_path / "varnish", live_server.thread.host, live_server.thread.port) as varnish:
        settings.CACHE_PURGE_URL = f"{varnish.base}/"
        varnish.stop()

        with caplog.at_level(logging.WARNING, logger="chairmanship.purge"), transaction.atomic():
            Topic.objects.create(name="Energy", slug="energy")
            purge_after_commit({"topics"})

    assert Topic.objects.filter(slug="energy").exists()
    assert "Shared cache purge failed" in caplog.text


def test_a_purge_reports_how_many_pages_it_evicted(varnish):
    # A tag no other test's pages carry, so the count is this test's alone.
    varnish.fetch("/tagged/counted/")
    varnish.fetch("/tagged/counted+tag-b/")
    varnish.fetch("/tagged/tag-b/")

    assert varnish.purge(**{"xkey-purge": "counted"}) == (HTTPStatus.OK, "Purged 2\n")


def test_a_purge_from_an_address_not_allowed_is_refused(varnish):
    varnish.fetch("/tagged/tag-a/")

    # Another loopback address than the ones archive-site.vcl allows.
    status, _ = varnish.purge(source="127.0.0.2", **{"xkey-purge": "tag-a"})

    assert status == HTTPStatus.FORBIDDEN
    assert varnish.fetch("/tagged/tag-a/")[1] == "HIT"


def test_a_purge_without_tags_is_refused(varnish):
    assert varnish.purge()[0] == HTTPStatus.BAD_REQUEST


def test_signed_in_editors_and_answers_without_a_shared_lifetime_are_never_kept(varnish):
    varnish.fetch("/tagged/tag-a/")

    assert varnish.fetch("/tagged/tag-a/", Cookie="sessionid=abc")[1] == "PASS"
    assert varnish.fetch("/tagged/tag-a/", Authorization="Token abc")[1] == "PASS"
    assert varnish.fetch("/admin/tagged/tag-a/")[1] == "PASS"
    varnish.fetch("/untagged/")
    assert varnish.fetch("/untagged/")[1] != "HIT"
    assert varnish.served("/untagged/") == 2
    # Another cookie means nothing to an anonymous read: the shared copy is served.
    assert varnish.fetch("/tagged/tag-a/", Cookie="csrftoken=abc")[1] == "HIT"


def test_tags_are_not_shown_to_readers(varnish):
    with urllib.request.urlopen(f"{varnish.base}/tagged/tag-a/{varnish.query}", timeout=10) as answer:
        assert answer.headers["xkey"] is None
        assert answer.headers["Surrogate-Key"] is None
        assert "s-maxage=600" in answer.headers["Cache-Control"]


def test_a_write_goes_to_the_app(varnish):
    request = urllib.request.Request(f"{varnish.base}/tagged/tag-a/{varnish.query}", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)

    assert refused.value.headers["X-Cache"] == "PASS"
