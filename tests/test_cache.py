"""The shared response cache: fast for anonymous readers, never stale after a change, harmless when down."""

import datetime
import logging
import os
import subprocess
import sys
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.utils import timezone

from chairmanship.cache import NEXT_GO_LIVE_KEY, VERSION_KEY, bump_content_version, content_version
from chairmanship.models import PublicationStatus
from tests.factories import DocumentFactory, SummitFactory

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


def test_a_scheduled_record_appears_when_its_time_comes_without_anyone_saving(client):
    document = DocumentFactory(scheduled=True)
    assert client.get(document.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert cache.get(NEXT_GO_LIVE_KEY) == pytest.approx(document.published_at.timestamp())

    # Time passes: the record's publication time is now in the past, but nothing was saved since.
    type(document).objects.filter(pk=document.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    cache.set(NEXT_GO_LIVE_KEY, (timezone.now() - datetime.timedelta(seconds=1)).timestamp(), timeout=None)

    assert client.get(document.get_absolute_url()).status_code == HTTPStatus.OK


def test_signed_in_users_are_never_served_a_cached_page(client, admin_user):
    summit = SummitFactory()
    client.get(summit.get_absolute_url())
    client.force_login(admin_user)
    response = client.get(summit.get_absolute_url())
    assert "X-Cache" not in response


def test_a_content_change_raises_the_shared_version():
    before = content_version()
    DocumentFactory()
    assert content_version() > before


def test_when_the_cache_server_is_down_the_site_serves_uncached_and_logs_it(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
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
    with django_assert_num_queries(1):  # the rows of the page; its total and ids are remembered as well
        client.get("/documents/?page=1")
    DocumentFactory(title="A newer declaration")
    response = client.get("/documents/")
    assert sum(option.count for option in response.context["facet_counts"]["type"]) == 2


def test_loading_the_curated_fixtures_invalidates_cached_pages(client):
    from django.core.management import call_command

    client.get("/summits/")
    before = content_version()
    call_command("load_archive", verbosity=0)
    assert content_version() > before
    assert b"Astana" in client.get("/summits/").content


def test_saving_a_record_costs_no_extra_queries_for_the_cache(django_assert_num_queries):
    """Guards against the content-version bookkeeping querying the database on every save."""
    document = DocumentFactory()
    document.title = "Renamed"
    with django_assert_num_queries(1):  # the UPDATE itself
        document.save()


def test_a_lost_version_key_never_brings_back_pages_cached_before(client):
    """A restarted cache, or one that culled the version key, must not count again from numbers it used."""
    summit = SummitFactory(host_city="Astana")
    assert "Astana" in client.get(summit.get_absolute_url()).content.decode()  # cached now
    used = content_version()

    type(summit).objects.filter(pk=summit.pk).update(host_city="Astana (renamed)")  # no save signal
    cache.delete(VERSION_KEY)
    for _ in range(min(used, 50)):  # the saves that follow: none may land on a number used before
        bump_content_version()
        assert content_version() > used
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
