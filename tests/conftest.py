import os

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from rest_framework.test import APIClient

from tests.admin_support import editorial_user
from tests.api_support import token_client
from tests.varnish_support import varnish_missing


@pytest.fixture(autouse=True)
def _fast_and_isolated_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # The local-memory cache outlives a test (its store is the process's); each test starts from an empty one,
    # as a test's database does.
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RELEASES_DIR = tmp_path / "releases"
    # Production hashes static file names from a collectstatic manifest; tests serve the source files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    # A read plan that forgets a related record fails the test instead of costing a query per row.
    settings.ARCHIVE_FETCH_MODE = "FETCH_RAISE"


# --- Accounts and clients ----------------------------------------------------------------------------


@pytest.fixture
def editor(db, django_user_model):
    """Staff in the Editor group: writes drafts, may not publish."""
    return editorial_user(django_user_model, "Editor")


@pytest.fixture
def publisher(db, django_user_model):
    """Staff in the Publisher group: publishes, schedules, unpublishes."""
    return editorial_user(django_user_model, "Publisher")


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "password")


@pytest.fixture
def api_client():
    """An anonymous API client asking for JSON."""
    client = APIClient()
    client.credentials(HTTP_ACCEPT="application/json")
    return client


@pytest.fixture
def editor_client(editor):
    """An API client with the Editor's token."""
    return token_client(editor)


@pytest.fixture
def publisher_client(publisher):
    """An API client with the Publisher's token."""
    return token_client(publisher)


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


# --- Data --------------------------------------------------------------------------------------------


@pytest.fixture
def archive(db):
    """The curated fixtures, loaded as ``make run`` loads them."""
    call_command("load_archive", verbosity=0)


CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing_tools() -> dict[str, str]:
    """The marked groups of tests that cannot run here, each with what to install: {marker: reason}."""
    missing = {}
    if not os.path.exists(CHROMIUM_PATH):
        missing["browser"] = (
            f"browser tests (tests/browser): {CHROMIUM_PATH} is not installed (apt-get install chromium, or run .ci/run)"
        )
    varnish = varnish_missing()
    if varnish:
        missing["varnish"] = (
            f"Varnish tests (tests/test_varnish.py): {varnish} (apt-get install varnish varnish-modules, or run .ci/run)"
        )
    return missing


def pytest_collection_modifyitems(config, items):
    """Leave out, in one visible line each, the groups of tests whose tools (Chromium, Varnish) are not installed."""
    config._tests_left_out = []
    for marker, reason in _missing_tools().items():
        left_out = [item for item in items if item.get_closest_marker(marker)]
        if not left_out:
            continue
        items[:] = [item for item in items if not item.get_closest_marker(marker)]
        config.hook.pytest_deselected(items=left_out)
        config._tests_left_out.append(f"Left out {len(left_out)} {reason}.")


def pytest_terminal_summary(terminalreporter, config):
    for line in getattr(config, "_tests_left_out", []):
        terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def archive_for_module(django_db_setup, django_db_blocker):
    """The curated fixtures loaded once for a module of read-only tests, rolled back afterwards.

    Each test still runs in its own transaction nested inside this one, so what a test writes is undone.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_archive", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """An SQLite test database in a file rather than in memory.

    A live server's threads then each open their own connection and wait for each other's writes as the
    production server's do (with an in-memory database they would all share the test's one connection).
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")
