import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _fast_and_isolated_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def archive(db):
    """The curated fixtures, loaded as ``make run`` loads them."""
    call_command("load_archive", verbosity=0)
