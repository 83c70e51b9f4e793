import os

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(autouse=True)
def _fast_and_isolated_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    # Production hashes static file names from a collectstatic manifest; tests serve the source files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def archive(db):
    """The curated fixtures, loaded as ``make run`` loads them."""
    call_command("load_archive", verbosity=0)


CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    """Leave the browser tests out, in one visible line, where Chromium is not installed."""
    if os.path.exists(CHROMIUM_PATH):
        return
    browser_tests = [item for item in items if item.get_closest_marker("browser")]
    if not browser_tests:
        return
    items[:] = [item for item in items if not item.get_closest_marker("browser")]
    config.hook.pytest_deselected(items=browser_tests)
    config._browser_tests_left_out = len(browser_tests)


def pytest_terminal_summary(terminalreporter, config):
    left_out = getattr(config, "_browser_tests_left_out", 0)
    if left_out:
        terminalreporter.write_line(
            f"Left out {left_out} browser tests (tests/browser): {CHROMIUM_PATH} is not installed "
            "(apt-get install chromium, or run .ci/run)."
        )


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
