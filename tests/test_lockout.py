"""Admin sign-in brute force: 5 failures for one username from one address lock that pair out for an hour."""

import datetime
from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.admin_support import readable

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("admin:login")
PASSWORD = "correct horse battery"
OFFICE = "192.0.2.10"
ELSEWHERE = "198.51.100.20"


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


# --- Behind a reverse proxy --------------------------------------------------------------------------

PROXY = "10.0.0.1"
ATTACKER = "203.0.113.66"


@pytest.fixture
def behind_one_proxy(settings):
    """What TRUSTED_PROXY_COUNT=1 sets: one proxy appends the client's address to X-Forwarded-For."""
    settings.TRUSTED_PROXY_COUNT = 1


def sign_in_through_proxy(client: Client, password: str, forwarded_for: str):
    return client.post(
        LOGIN_URL,
        {"username": "editor", "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.mark.usefixtures("behind_one_proxy")
def test_behind_a_proxy_two_clients_are_locked_out_separately(editor):
    attacker, office = Client(), Client()
    for _ in range(5):
        sign_in_through_proxy(attacker, "wrong password", ATTACKER)

    locked = sign_in_through_proxy(attacker, PASSWORD, ATTACKER)
    response = sign_in_through_proxy(office, PASSWORD, OFFICE)

    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in(office)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


@pytest.mark.usefixtures("behind_one_proxy")
def test_an_address_forged_in_x_forwarded_for_locks_out_only_the_forger(editor):
    """The proxy appends the address it saw; what the client wrote to the left of it is not believed."""
    attacker, office = Client(), Client()
    for _ in range(5):
        sign_in_through_proxy(attacker, "wrong password", f"{OFFICE}, {ATTACKER}")

    response = sign_in_through_proxy(office, PASSWORD, OFFICE)

    assert response.status_code == HTTPStatus.FOUND
    assert signed_in(office)


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, editor):
    """A client that names a new address on every try is still one client (TRUSTED_PROXY_COUNT unset)."""
    for attempt in range(5):
        client.post(
            LOGIN_URL,
            {"username": "editor", "password": "wrong password"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )

    response = sign_in(client, "editor", PASSWORD, address=ATTACKER)

    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.usefixtures("behind_one_proxy")
def test_a_garbled_forwarded_address_falls_back_to_the_connection_without_an_error(editor):
    response = sign_in_through_proxy(Client(), "wrong password", "not-an-address")

    assert response.status_code == HTTPStatus.OK
    assert AccessAttempt.objects.get().ip_address == PROXY
