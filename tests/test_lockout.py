"""Admin sign-in brute force: 5 failures for one username from one address lock that pair out for an hour."""

import datetime
from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.test_workflow import readable

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("admin:login")
PASSWORD = "correct horse battery"
OFFICE = "192.0.2.10"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user(username="editor", password=PASSWORD, is_staff=True)


def sign_in(client: Client, username: str, password: str, address: str = OFFICE):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def fail(client: Client, times: int, username: str = "editor", address: str = OFFICE):
    return [sign_in(client, username, "wrong password", address) for _ in range(times)]


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_four_failed_attempts_still_show_the_ordinary_login_error(client, editor):
    responses = fail(client, 4)

    assert [response.status_code for response in responses] == [HTTPStatus.OK] * 4
    assert "Please enter the correct username and password" in responses[-1].text
    assert sign_in(client, "editor", PASSWORD).status_code == HTTPStatus.FOUND
    assert signed_in(client)


def test_the_fifth_failure_locks_the_username_out_with_a_clear_page(client, editor):
    *_, fifth = fail(client, 5)

    assert fifth.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert fifth["Retry-After"] == "3600"
    page = readable(fifth.text)
    assert "Sign-in blocked for now" in page
    assert "There were 5 failed attempts to sign in as editor from your network address" in page
    assert "further attempts are refused for 1 hour" in page
    assert "ask an administrator of the archive to unlock your account" in page


def test_a_locked_out_username_cannot_sign_in_even_with_the_right_password(client, editor):
    fail(client, 5)

    response = sign_in(client, "editor", PASSWORD)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not signed_in(client)


def test_the_lockout_holds_only_for_that_username_from_that_address(editor, django_user_model):
    django_user_model.objects.create_user(username="publisher", password=PASSWORD, is_staff=True)
    fail(Client(), 5)

    from_elsewhere, colleague = Client(), Client()
    assert sign_in(from_elsewhere, "editor", PASSWORD, address=ELSEWHERE).status_code == HTTPStatus.FOUND
    assert signed_in(from_elsewhere)
    assert sign_in(colleague, "publisher", PASSWORD).status_code == HTTPStatus.FOUND
    assert signed_in(colleague)


def test_an_administrator_unlocks_a_username_with_axes_reset_username(client, editor):
    fail(client, 5)

    call_command("axes_reset_username", "editor", verbosity=0)

    assert sign_in(client, "editor", PASSWORD).status_code == HTTPStatus.FOUND
    assert signed_in(client)


def test_the_lockout_ends_by_itself_after_an_hour(client, editor):
    fail(client, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(hours=1, minutes=1))

    assert sign_in(client, "editor", PASSWORD).status_code == HTTPStatus.FOUND
    assert signed_in(client)


def test_signing_in_with_force_login_is_not_counted_or_blocked(admin_client):
    assert admin_client.get(reverse("admin:index")).status_code == HTTPStatus.OK
    assert not AccessAttempt.objects.exists()
