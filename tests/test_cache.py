"""The shared response cache: fast for anonymous readers, never stale after a change, harmless when down."""

import datetime
import logging
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from chairmanship.cache import (
    SUMMARY_LATE_SECONDS,
    VERSION_COPY_SECONDS,
    VERSION_TABLE,
    bump_content_version,
    cache_generation,
    content_version,
    read_stored_version,
)
from chairmanship.models import PublicationStatus
from tests.factories import DocumentFactory, SummitFactory
from tests.page_support import clock_moved_on, facet_total

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def test_a_repeated_anonymous_page_view_is_served_from_the_cache_without_sql(client, django_assert_num_queries):
    """Guards the promise that a cached hit costs no database work at all."""
    summit = SummitFactory(host_city="Astana")
    first = client.get(summit.get_absolute_url())
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(summit.get_absolute_url())
    assert second.status_code == HTTPStatus.OK
    assert second["X-Cache"] == "hit"
    assert second.content == first.content


def test_an_edit_is_visible_at_once_to_anonymous_readers(client):
    summit = SummitFactory(host_city="Astana", summary="Before the edit.")
    client.get(summit.get_absolute_url())
    summit.summary = "After the edit."
    summit.save()
    response = client.get(summit.get_absolute_url())
    assert response["X-Cache"] == "miss"
    assert b"After the edit." in response.content


def test_unpublishing_removes_the_page_at_once(client):
    summit = SummitFactory()
    assert client.get(summit.get_absolute_url()).status_code == HTTPStatus.OK
    summit.status = PublicationStatus.DRAFT
    summit.save()
    assert client.get(summit.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_a_scheduled_record_appears_when_its_time_comes_without_anyone_saving(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # scheduled, and committed
        document = DocumentFactory(scheduled=True)
    assert client.get(document.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    go_live = document.published_at.timestamp()
    assert read_stored_version()[1] == pytest.approx(go_live)

    # Time passes: the record's publication time is now in the past, but nothing was saved since.
    type(document).objects.filter(pk=document.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    with clock_moved_on(go_live - time.time() + 0.001):
        assert client.get(document.get_absolute_url()).status_code == HTTPStatus.OK


def test_signed_in_users_are_never_served_a_cached_page(client, admin_user):
    summit = SummitFactory()
    client.get(summit.get_absolute_url())
    client.force_login(admin_user)
    response = client.get(summit.get_absolute_url())
    assert "X-Cache" not in response


def test_a_committed_change_is_counted_in_the_database(django_capture_on_commit_callbacks):
    """Open data releases compare this count to tell whether anything was saved since they last looked."""
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        DocumentFactory()
    assert content_version() > before


def test_when_the_cache_server_is_down_the_site_serves_uncached_and_logs_it(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "chairmanship.cache_backends.RedisCache",
            # Nothing listens on port 1: every cache call fails at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with caplog.at_level(logging.WARNING, logger="chairmanship.cache"):
        summit = SummitFactory(host_city="Astana")
        response = client.get(summit.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert b"Astana" in response.content
    assert "Cache unavailable" in caplog.text


def test_the_page_cache_can_be_switched_off(client, settings):
    settings.PAGE_CACHE = False
    summit = SummitFactory()
    client.get(summit.get_absolute_url())
    assert "X-Cache" not in client.get(summit.get_absolute_url())


def test_the_archives_filter_counts_are_computed_once_per_content_change(client, settings, django_assert_num_queries):
    """The facet counts cover the whole public archive, so a second page view reads them from the cache."""
    settings.PAGE_CACHE = False
    DocumentFactory()
    client.get("/documents/")
    with django_assert_num_queries(0):  # its total, ids and rendered rows are remembered as well
        client.get("/documents/?page=1")
    DocumentFactory(title="A newer declaration")
    # The list moved: its ids are read afresh (a list within one id block is counted by it) and the one new row is
    # read (not the others); the facet counts are a few seconds late, then counted once more.
    with django_assert_num_queries(2):
        response = client.get("/documents/")
    assert "A newer declaration" in response.content.decode()
    assert facet_total(response, "type") == 1
    with clock_moved_on(SUMMARY_LATE_SECONDS):
        # Due: the request finding them so is served them as they were, and its worker counts them once it answered.
        assert facet_total(client.get("/documents/"), "type") == 1
        assert facet_total(client.get("/documents/"), "type") == 2


def test_loading_the_curated_fixtures_invalidates_cached_pages(client):
    from django.core.management import call_command

    client.get("/summits/")
    assert client.get("/summits/")["X-Cache"] == "hit"
    call_command("load_archive", verbosity=0)
    response = client.get("/summits/")
    assert response["X-Cache"] == "miss"
    assert b"Astana" in response.content


def test_saving_a_record_costs_an_update_of_the_content_version_and_a_read_of_its_topics(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Guards the price of a durable invalidation: one UPDATE of the version row, once the change is committed, and
    for a change that moves a document in its lists, one read of its topics (only their filtered lists move)."""
    document = DocumentFactory()
    document.title = "Renamed"
    # PostgreSQL cannot cut Chinese into words, so its Chinese search vector is written from Python (search_text).
    chinese_index = 1 if connection.vendor == "postgresql" else 0
    with (
        django_assert_num_queries(3 + chinese_index),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        document.save()  # the record's UPDATE, then the version's after the commit
    assert len(callbacks) == 1


def test_a_recreated_version_row_never_brings_back_pages_cached_before(client, django_capture_on_commit_callbacks):
    """A flushed or restored database, and a restarted cache, must not count again from numbers they used."""
    summit = SummitFactory(host_city="Astana")
    assert "Astana" in client.get(summit.get_absolute_url()).content.decode()  # cached now
    used = cache_generation()

    type(summit).objects.filter(pk=summit.pk).update(host_city="Astana (renamed)")  # no save signal
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {VERSION_TABLE}")
    cache.clear()  # a restarted cache, and the page it held put back as it was
    cache_generation()
    for _ in range(20):  # the flushes that follow: none may land on a number used before
        with django_capture_on_commit_callbacks(execute=True):
            bump_content_version()
        assert cache_generation() > used
        assert "Astana (renamed)" in client.get(summit.get_absolute_url()).content.decode()


def test_without_redis_every_worker_process_shares_one_cache(tmp_path):
    """Without REDIS_URL, a change recorded by one process (a gunicorn worker) is seen by the others."""
    environment = {
        **os.environ,
        "DEBUG": "1",
        "REDIS_URL": "",
        "CACHE_DIR": str(tmp_path / "cache"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def in_a_process(code: str) -> str:
        command = [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            f"from django.core.cache import cache; {code}",
        ]
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=True)
        return done.stdout.strip()

    in_a_process("cache.set('archive:probe', 'seen', None)")
    assert in_a_process("print(cache.get('archive:probe'))") == "seen"


# --- the cache goes away and comes back ------------------------------------------------------------------

UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "chairmanship.cache_backends.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@contextmanager
def cache_unreachable(settings):
    """The shared cache out of reach (a network fault), keeping what it holds for when it comes back."""
    reachable = settings.CACHES
    settings.CACHES = UNREACHABLE_CACHE
    try:
        yield
    finally:
        settings.CACHES = reachable


def test_a_record_unpublished_while_the_cache_was_unreachable_is_gone_within_the_documented_bound(
    client, settings, caplog, django_capture_on_commit_callbacks
):
    summit = SummitFactory(host_city="Astana")
    client.get(summit.get_absolute_url())
    assert client.get(summit.get_absolute_url())["X-Cache"] == "hit"

    with (
        cache_unreachable(settings),
        caplog.at_level(logging.WARNING, logger="chairmanship.cache"),
        django_capture_on_commit_callbacks(execute=True),  # the change is committed
    ):
        summit.status = PublicationStatus.DRAFT
        summit.save()

    # The cache is back, still holding the old page: readers stop getting it once its copy of the version
    # is VERSION_COPY_SECONDS old (README), never an hour later.
    with clock_moved_on(VERSION_COPY_SECONDS):
        assert client.get(summit.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
        assert client.get(f"/api/v1/summits/{summit.slug}/").status_code == HTTPStatus.NOT_FOUND
    assert "content change recorded in the database only" in caplog.text


def test_an_edit_made_while_the_cache_was_unreachable_shows_within_the_documented_bound(
    client, settings, django_capture_on_commit_callbacks
):
    summit = SummitFactory(summary="Before the outage.")
    client.get(summit.get_absolute_url())

    with cache_unreachable(settings), django_capture_on_commit_callbacks(execute=True):
        summit.summary = "Edited during the outage."
        summit.save()

    with clock_moved_on(VERSION_COPY_SECONDS):
        response = client.get(summit.get_absolute_url())
    assert response["X-Cache"] == "miss"
    assert b"Edited during the outage." in response.content


def test_a_cached_hit_reads_the_database_at_most_once_per_version_copy_lifetime(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Guards the price of outage-proof invalidation: one small query per VERSION_COPY_SECONDS, not per hit."""
    with django_capture_on_commit_callbacks(execute=True):
        summit = SummitFactory()
    client.get(summit.get_absolute_url())
    with clock_moved_on(VERSION_COPY_SECONDS), django_assert_num_queries(1):  # the version, read afresh
        assert client.get(summit.get_absolute_url())["X-Cache"] == "hit"
        assert client.get(summit.get_absolute_url())["X-Cache"] == "hit"
        assert client.get(summit.get_absolute_url())["X-Cache"] == "hit"


# --- hosts ------------------------------------------------------------------------------------------------


def test_each_allowed_host_gets_absolute_links_to_itself_from_the_cache(client, settings):
    settings.ALLOWED_HOSTS = ["archive.example.org", "mirror.example.org"]
    summit = SummitFactory()
    client.get(summit.get_absolute_url(), HTTP_HOST="archive.example.org")
    assert client.get(summit.get_absolute_url(), HTTP_HOST="archive.example.org")["X-Cache"] == "hit"

    response = client.get(summit.get_absolute_url(), HTTP_HOST="mirror.example.org")

    page = response.content.decode()
    assert f'rel="canonical" href="http://mirror.example.org{summit.get_absolute_url()}"' in page
    assert f'property="og:url" content="http://mirror.example.org{summit.get_absolute_url()}"' in page
    assert "archive.example.org" not in page
    sitemap = client.get("/sitemap.xml", HTTP_HOST="mirror.example.org").content.decode()
    assert "archive.example.org" not in sitemap


def test_a_host_that_is_not_allowed_is_answered_400_even_when_the_page_is_cached(client, settings):
    settings.ALLOWED_HOSTS = ["archive.example.org"]
    summit = SummitFactory()
    client.get(summit.get_absolute_url(), HTTP_HOST="archive.example.org")
    assert client.get(summit.get_absolute_url(), HTTP_HOST="archive.example.org")["X-Cache"] == "hit"

    response = client.get(summit.get_absolute_url(), HTTP_HOST="attacker.example.net")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"Astana" not in response.content
    assert "X-Cache" not in response


# --- rate limits ------------------------------------------------------------------------------------------


def test_anonymous_api_answers_from_the_cache_are_not_counted_against_the_rate_limit(client, settings):
    """Deliberate (README): a cached answer costs no database work, so only computed answers are limited."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": None}}
    SummitFactory()

    cached = [client.get("/api/v1/summits/") for _ in range(5)]
    assert [response.status_code for response in cached] == [HTTPStatus.OK] * 5
    assert [response["X-Cache"] for response in cached] == ["miss"] + ["hit"] * 4

    assert client.get("/api/v1/states/").status_code == HTTPStatus.OK  # the second computed answer
    refused = client.get("/api/v1/documents/")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert client.get("/api/v1/documents/").status_code == HTTPStatus.TOO_MANY_REQUESTS  # a 429 is never cached


def test_rate_limits_skipped_while_the_cache_is_down_are_logged_under_the_throttling_module(client, settings, caplog):
    settings.CACHES = UNREACHABLE_CACHE
    with caplog.at_level(logging.WARNING):
        assert client.get("/api/v1/states/").status_code == HTTPStatus.OK
    skipped = [record for record in caplog.records if "rate limits not applied" in record.getMessage()]
    assert {record.name for record in skipped} == {"chairmanship.api.throttling"}
