"""Operations in headless Chromium: a PDF uploaded in the admin is downloaded from the public page of the
production stack (the real ``make serve``), and the API documentation runs under the site's Content
Security Policy with no serious accessibility violation of its own.
"""

import os
import secrets
from http import HTTPStatus

import pytest
from playwright.sync_api import expect

from tests.browser.test_public_pages import serious_violations
from tests.processes import free_port, manage, serving

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DECLARATION = "Astana Declaration of the Council of Heads of State of the Shanghai Cooperation Organisation"


def make_serve(tmp_path):
    """``make serve`` on a free port, with a scratch SQLite database, media and static folders of its own.

    Django's test server serves MEDIA_URL by itself, so only the real stack shows whether uploads are served.
    """
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "CACHE_DIR": str(tmp_path / "cache"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    for name in ("DEBUG", "SERVE_MEDIA", "REDIS_URL"):
        environment.pop(name, None)
    for command in (
        ["migrate", "--no-input", "-v0"],
        ["createsuperuser", "--no-input", "--username", "root", "--email", "root@example.org"],
    ):
        manage({**environment, "DEBUG": "0"}, *command, timeout=180)
    # Refused a while: make migrates, loads, collects static files and boots gunicorn first.
    return serving(["make", "--no-print-directory", "serve"], environment, port, boot_seconds=240, poll=0.5)


def test_a_pdf_uploaded_in_the_admin_is_downloaded_from_the_public_page_of_make_serve(
    browser, page, screenshot, tmp_path
):
    upload = tmp_path / "Astana Declaration (signed copy).pdf"
    upload.write_bytes(PDF_BYTES)

    with make_serve(tmp_path) as site:
        page.goto(f"{site}/admin/login/")
        page.fill("#id_username", "root")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(f"{site}/admin/chairmanship/document/?q=Astana+Declaration")
        page.get_by_role("link", name=DECLARATION).first.click()
        page.set_input_files("input[name=pdf]", str(upload))
        page.click("input[name=_save]")
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

        reader = browser.new_context().new_page()
        reader.goto(f"{site}/documents/")
        reader.get_by_role("link", name=DECLARATION).first.click()
        link = reader.get_by_role("link", name="Download the official text (PDF)")
        expect(link).to_be_visible()
        screenshot("document-with-pdf", reader)
        downloaded = reader.request.get(f"{site}{link.get_attribute('href')}")

        assert downloaded.status == HTTPStatus.OK
        assert downloaded.headers["content-type"] == "application/pdf"
        assert downloaded.body() == PDF_BYTES
        reader.context.close()


# Swagger UI's own colours and its operation rows (a button inside a button), which the site does not restyle.
SWAGGER_UI_OWN = {"color-contrast", "nested-interactive"}


@pytest.mark.parametrize(
    ("path", "ready", "known"),
    [("/api/docs/", ".swagger-ui .info .title", SWAGGER_UI_OWN), ("/api/redoc/", "h1", set())],
)
def test_the_api_documentation_runs_under_the_policy_and_says_its_language(live_server, db, page, path, ready, known):
    blocked_scripts = []
    page.on(
        "console",
        lambda message: blocked_scripts.append(message.text) if "script-src" in message.text else None,
    )

    page.goto(live_server.url + path)

    expect(page.locator(ready).first).to_contain_text("SCO Chairmanship Archive API", timeout=20_000)
    assert blocked_scripts == []
    assert page.evaluate("document.documentElement.lang") == "en"
    violations = serious_violations(page)
    assert not [violation for violation in violations if violation.split(":")[0] not in known], violations
