"""Production security headers: HTTPS only, HSTS, secure cookies and a Content Security Policy without inline scripts."""

import os
import re
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.conf import settings as django_settings
from django.core.management.utils import get_random_secret_key
from django.urls import reverse

from chairmanship.security import ADMIN_EXPORT_HANDLERS, source_hash
from tests.processes import manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def https(settings):
    """What HTTPS=1 switches on in sco_site/settings.py."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


def policy(response) -> dict[str, list[str]]:
    directives = (part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: values for name, *values in directives}


class ScriptReader(HTMLParser):
    """Collects each <script>: its attributes and its inline text."""

    def __init__(self):
        super().__init__()
        self.scripts, self._current = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._current = {"attrs": dict(attrs), "text": ""}

    def handle_data(self, data):
        if self._current is not None:
            self._current["text"] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._current is not None:
            self.scripts.append(self._current)
            self._current = None


def scripts_of(html: str) -> list[dict]:
    reader = ScriptReader()
    reader.feed(html)
    return reader.scripts


def test_a_public_page_over_https_carries_hsts_and_the_content_security_policy(archive_for_module, client, https):
    response = client.get(reverse("chairmanship:home"), secure=True)

    assert response.status_code == HTTPStatus.OK
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] + csp["default-src"]


def test_plain_http_is_redirected_to_https(archive_for_module, client, https):
    response = client.get(reverse("chairmanship:home"))

    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"].startswith("https://")


def test_a_page_served_from_the_cache_still_carries_the_policy(archive_for_module, client, https):
    first = client.get(reverse("chairmanship:document_list"), secure=True)
    again = client.get(reverse("chairmanship:document_list"), secure=True)

    assert (first["X-Cache"], again["X-Cache"]) == ("miss", "hit")
    assert policy(again)["script-src"] == ["'self'"]


def test_session_and_csrf_cookies_are_secure_over_https(client, https, django_user_model):
    django_user_model.objects.create_user(username="editor", password="correct horse battery", is_staff=True)
    login = reverse("admin:login")

    page = client.get(login, secure=True)
    signed_in = client.post(login, {"username": "editor", "password": "correct horse battery"}, secure=True)

    assert page.cookies["csrftoken"]["secure"]
    assert signed_in.status_code == HTTPStatus.FOUND
    assert signed_in.cookies["sessionid"]["secure"]
    assert signed_in.cookies["sessionid"]["httponly"]


@pytest.mark.parametrize(
    "url_name",
    ["chairmanship:home", "chairmanship:document_list", "chairmanship:summit_list", "chairmanship:search"],
)
def test_public_pages_hold_no_inline_script_only_json_ld_data(archive_for_module, client, url_name):
    """JSON-LD blocks are data a browser never executes, so the policy need not (and does not) allow them."""
    scripts = scripts_of(client.get(reverse(url_name)).text)

    inline = [script for script in scripts if "src" not in script["attrs"]]
    assert all(script["attrs"].get("type") == "application/ld+json" for script in inline)


def test_a_detail_page_with_json_ld_keeps_the_strict_policy(archive_for_module, client):
    from chairmanship.models import Document

    response = client.get(Document.objects.published().first().get_absolute_url())

    assert any(script["attrs"].get("type") == "application/ld+json" for script in scripts_of(response.text))
    assert policy(response)["script-src"] == ["'self'"]


@pytest.mark.parametrize("url_name", ["api:docs", "api:redoc"])
def test_the_api_documentation_runs_no_inline_script_and_may_start_its_search_worker(client, url_name):
    response = client.get(reverse(url_name))

    csp = policy(response)
    assert [script for script in scripts_of(response.text) if "src" not in script["attrs"]] == []
    assert csp["script-src"] == ["'self'"]
    assert csp["worker-src"] == ["'self'", "blob:"]


@pytest.mark.parametrize("url_name", ["api:docs", "api:redoc"])
def test_the_api_documentation_pages_say_their_language(client, url_name):
    """axe's html-has-lang (serious): a screen reader otherwise guesses the language of the page."""
    response = client.get(reverse(url_name))

    assert re.search(r"<html lang=\"en\">", response.text)


def test_swagger_ui_starts_from_a_script_this_site_serves(client):
    response = client.get(reverse("api:docs"))

    starter = next(script["attrs"]["src"] for script in scripts_of(response.text) if "script" in script["attrs"]["src"])
    served = client.get(starter)
    assert served.status_code == HTTPStatus.OK
    assert served["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in served.text


def test_the_policy_exceptions_are_declared_on_their_views_not_found_in_the_markup():
    """No middleware reads pages to find what to allow: the exceptions are Django's ``csp_override``."""
    assert not any("Policy" in name for name in django_settings.MIDDLEWARE if name.startswith("chairmanship."))


def test_the_admin_export_page_may_run_only_its_select_all_handler(admin_client):
    response = admin_client.get(reverse("admin:chairmanship_document_export"))

    assert response.status_code == HTTPStatus.OK
    handlers = re.findall(r'\son[a-z]+="([^"]*)"', response.text)
    assert handlers, "the export page is expected to carry its select-all handler"
    assert set(handlers) <= set(ADMIN_EXPORT_HANDLERS)
    assert policy(response)["script-src"] == [
        "'self'",
        "'unsafe-hashes'",
        *(source_hash(handler) for handler in ADMIN_EXPORT_HANDLERS),
    ]


def test_the_admin_keeps_the_strict_policy(admin_client):
    response = admin_client.get(reverse("admin:chairmanship_document_add"))

    assert policy(response)["script-src"] == ["'self'"]
    assert all("src" in script["attrs"] for script in scripts_of(response.text))


def test_check_deploy_reports_nothing_for_the_production_environment(tmp_path):
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SECRET_KEY": get_random_secret_key(),
        "DEBUG": "0",
        "HTTPS": "1",
        "ALLOWED_HOSTS": "archive.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    result = manage(environment, "check", "--deploy", "--fail-level", "WARNING", check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # The one check silenced says SQLite builds the covering index without its INCLUDE columns: a fact about
    # the embedded database, never a deployment warning.
    assert django_settings.SILENCED_SYSTEM_CHECKS == ["models.W040"]
