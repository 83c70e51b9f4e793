"""Helpers for the API tests: clients with a token, and the shape of an error answer."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def token_client(user) -> APIClient:
    """An API client that authenticates as ``user`` with a token and asks for JSON."""
    client = APIClient()
    key = Token.objects.create(user=user).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT="application/json")
    return client


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["detail"]
    return body
