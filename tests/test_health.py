from http import HTTPStatus
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from tests.factories import SummitFactory

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
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
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
