"""Two app servers sharing one database and one Redis: a change made through one shows through the other at once.

The servers are real gunicorn processes on their own ports, with a scratch database of their own: a
PostgreSQL database when the suite runs on PostgreSQL, else an SQLite file.
"""

import json
import os
import secrets
import sys
import urllib.error
import urllib.request
from http import HTTPStatus
from pathlib import Path

import pytest

from tests.processes import free_port, manage, serving

GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS_URL = os.environ.get("SCALE_OUT_REDIS_URL", "redis://127.0.0.1:6379/15")
SUMMIT = "/summits/astana-2024/"
# Behind a load balancer every app server sees the site's one public host name; pages are cached per host.
PUBLIC_HOST = {"Host": "localhost"}


@pytest.fixture
def scratch_database(tmp_path):
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'scale-out.sqlite3'}"
        return
    import psycopg

    server, _, _ = configured.rpartition("/")
    name = f"sco_scale_out_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def environment(scratch_database, tmp_path):
    return {
        "STATIC_ROOT": str(tmp_path / "static"),
        **os.environ,
        "DATABASE_URL": scratch_database,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"scale-out-{secrets.token_hex(4)}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "CONN_MAX_AGE": "0",
    }


def app_server(environment):
    port = free_port()
    command = [str(GUNICORN), "-c", "sco_site/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    return serving(command, environment, port, boot_seconds=60, poll=0.2)


def get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={**PUBLIC_HOST, **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read().decode()


def test_an_edit_through_one_app_server_is_visible_through_the_other_at_once(environment):
    manage(environment, "migrate", "--no-input", "-v0")
    manage(environment, "load_archive", "-v0")
    manage(environment, "collectstatic", "--no-input", "-v0")
    token = manage(
        environment,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; from rest_framework.authtoken.models import Token; "
        "user = User.objects.create_superuser('publisher', 'p@example.org', 'unused-password-0'); "
        "print(Token.objects.create(user=user).key)",
    ).stdout.split()[-1]

    with app_server(environment) as first, app_server(environment) as second:
        get(first + SUMMIT)
        status, headers, _ = get(second + SUMMIT)
        assert status == HTTPStatus.OK
        assert headers["X-Cache"] == "hit", "the second server should answer from the shared cache"

        edit = urllib.request.Request(
            f"{first}/api/v1/summits/astana-2024/",
            data=json.dumps({"summary": "Edited through the first app server."}).encode(),
            method="PATCH",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json", **PUBLIC_HOST},
        )
        with urllib.request.urlopen(edit, timeout=10) as response:
            assert response.status == HTTPStatus.OK

        status, headers, body = get(second + SUMMIT)
        assert "Edited through the first app server." in body
        assert headers["X-Cache"] == "miss"
        _, _, api_body = get(f"{second}/api/v1/summits/astana-2024/", {"Accept": "application/json"})
        assert json.loads(api_body)["summary"] == "Edited through the first app server."
