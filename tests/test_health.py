"""``/healthz`` and the site's one 503 while its database is down, refuses or hangs."""

import contextlib
import json
import os
import socket
import threading
import time
from http import HTTPStatus
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from chairmanship import health
from tests.factories import SummitFactory
from tests.processes import manage

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_cache_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["cache"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_and_names_the_database_when_it_is_down(client):
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == {"ok": False, "vendor": mock.ANY, "error": "OperationalError"}


def test_healthz_says_degraded_when_only_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "chairmanship.cache_backends.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"]["ok"] is False


def test_a_page_answers_503_with_a_maintenance_page_while_the_database_is_down(client):
    summit = SummitFactory()
    with mock.patch("django.db.models.sql.compiler.SQLCompiler.execute_sql", side_effect=OperationalError("gone")):
        response = client.get(summit.get_absolute_url())
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert b"briefly unavailable" in response.content
    assert response["Retry-After"] == "60"


# --- a database that hangs instead of refusing ------------------------------------------------------------


class HangingServer:
    """A TCP server on a free local port that accepts connections and never answers: a frozen database."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):  # the listener closed
            while True:
                self.accepted.append(self.listener.accept()[0])

    def close(self):
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def hanging_database():
    server = HangingServer()
    yield server
    server.close()
    # The probe that hung gets its answer (a closed connection) now; later health checks must not queue behind it.
    health._probes.submit(lambda: None).result(timeout=10)


def test_healthz_answers_503_within_a_second_when_the_database_hangs(client, hanging_database):
    hanging = {
        **connections.settings[DEFAULT_DB_ALIAS],
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": hanging_database.port,
        "NAME": "sco",
        "USER": "postgres",
        "OPTIONS": {"connect_timeout": 30},  # far longer than /healthz may take
    }
    started = time.monotonic()
    with mock.patch.dict(connections.settings, {DEFAULT_DB_ALIAS: hanging}):
        response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert elapsed < 1
    assert response.json()["database"]["error"] == "Timeout"
    assert hanging_database.accepted, "the health check should have tried the hanging server"


def test_pages_answer_503_within_the_connect_timeout_when_the_database_hangs(hanging_database, tmp_path):
    """DATABASE_CONNECT_TIMEOUT reaches PostgreSQL's driver: a hung connect ends, and the reader gets a 503."""
    code = (
        "import time; from django.test import Client; started = time.monotonic(); "
        "response = Client().get('/states/', HTTP_HOST='localhost'); "
        "print(response.status_code, response['Retry-After'], round(time.monotonic() - started, 1))"
    )
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{hanging_database.port}/sco",
        "DATABASE_CONNECT_TIMEOUT": "2",
        "REDIS_URL": "",
        "CACHE_DIR": str(tmp_path / "cache"),
    }
    done = manage(environment, "shell", "--no-imports", "-c", code, timeout=60)

    status, retry_after, seconds = done.stdout.split()
    assert (int(status), retry_after) == (HTTPStatus.SERVICE_UNAVAILABLE, "60")
    assert float(seconds) < 2 + 1.5  # one wait: the page cache answers the 503 itself when the version is unreadable


def test_postgresql_connections_get_the_configured_connect_and_statement_timeouts():
    code = (
        "import json; from django.conf import settings; "
        "options = settings.DATABASES['default']['OPTIONS']; "
        "print(json.dumps([options['connect_timeout'], options['options']]))"
    )
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@db.internal:5432/sco",
        "DATABASE_CONNECT_TIMEOUT": "3",
        "DATABASE_STATEMENT_TIMEOUT": "7",
    }
    done = manage(environment, "shell", "--no-imports", "-c", code, timeout=60)

    assert json.loads(done.stdout) == [3, "-c statement_timeout=7000"]


# --- one 503 for pages, the API and /healthz --------------------------------------------------------------


def test_pages_the_api_and_healthz_give_one_503_while_the_database_is_down(client):
    cache.clear()  # nothing cached to answer instead
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=OperationalError("connection refused")):
        page = client.get("/states/")
        api = client.get("/api/v1/states/")
        healthz = client.get("/healthz")

    assert page.status_code == api.status_code == healthz.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert page["Retry-After"] == api["Retry-After"] == healthz["Retry-After"] == "60"
    assert b"briefly unavailable" in page.content
    assert api["Content-Type"] == "application/problem+json"
    assert "database cannot be reached" in api.json()["detail"]
    assert healthz.json()["status"] == "unavailable"
