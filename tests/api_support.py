"""Clients and accounts shared by the API tests (tests/test_api*.py)."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

PROBLEM_KEYS = {"type", "title", "status", "detail"}


@pytest.fixture
def generous_api_rates(settings):
    """Rates no test reaches, and a fresh throttle history (the local-memory cache outlives a test)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    client = APIClient()
    client.credentials(HTTP_ACCEPT="application/json")
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    key = Token.objects.create(user=user).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT="application/json")
    return client


def staff_member(django_user_model, username: str, role: str | None):
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "password", is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor(db, django_user_model):
    """Staff in the Editor group: writes drafts, may not publish."""
    return staff_member(django_user_model, "editor", "Editor")


@pytest.fixture
def publisher(db, django_user_model):
    return staff_member(django_user_model, "publisher", "Publisher")


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "password")


@pytest.fixture
def editor_client(editor):
    return token_client(editor)


@pytest.fixture
def publisher_client(publisher):
    return token_client(publisher)


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["detail"]
    return body
