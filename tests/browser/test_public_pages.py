"""Every public page type in headless Chromium: no serious accessibility violations, keyboard first.

Uses the curated archive. Screenshots (home, summit, filtered document archive, state, states,
chairmanships, coverage, the SCO on a date, "Cite this", open data) are the ones the README shows.
"""

import io
import pathlib

import bibtexparser
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from chairmanship.models import Document

pytestmark = pytest.mark.browser

BLOCKING_IMPACTS = {"serious", "critical"}
DECLARATION = "astana-declaration-of-the-council-of-heads-of-state-of-the-shanghai-cooperation-organisation"


@pytest.fixture(autouse=True)
def _fresh_pages(settings):
    settings.PAGE_CACHE = False


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} elements)"
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING_IMPACTS
    ]


def test_home_page_is_accessible_and_the_skip_link_comes_first(live_server, archive, page, screenshot):
    page.goto(live_server.url + "/")

    assert page.title().startswith("SCO Chairmanship Archive")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert serious_violations(page) == []
    page.keyboard.press("Shift+Tab")  # leave the skip link visible state out of the picture
    page.goto(live_server.url + "/")
    screenshot("home")


@pytest.mark.parametrize(
    ("path", "shot"),
    [
        ("/summits/astana-2024/", "summit"),
        ("/states/kazakhstan/", "state"),
        ("/states/", "states"),
        ("/chairmanships/", "chairmanships"),
        ("/coverage/", "coverage"),
        ("/documents/?type=decision&adoption=signed&ordering=title", "document-archive-filtered"),
        ("/on/2024-07-04/", "on-a-date"),
    ],
)
def test_key_pages_are_accessible_and_saved_for_the_readme(live_server, archive, page, screenshot, path, shot):
    response = page.goto(live_server.url + path)

    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert serious_violations(page) == []
    screenshot(shot)


def test_the_open_data_page_is_accessible_and_its_files_download(live_server, archive, page, screenshot):
    call_command("build_release", stdout=io.StringIO())
    document = Document.objects.published().get(slug=DECLARATION)
    document.summary += "\n"  # an edit the second release's changelog counts
    document.save()
    call_command("build_release", stdout=io.StringIO())
    response = page.goto(live_server.url + "/data/")

    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert "Up to date" in page.locator(".release-status").inner_text()
    assert page.get_by_role("table", name="Records added, changed and removed since release").is_visible()
    assert page.get_by_role("table", name="Earlier releases, newest first").is_visible()
    assert serious_violations(page) == []
    screenshot("open-data")
    for name in ("datapackage.json", "SHA256SUMS"):
        address = page.get_by_role("link", name=name, exact=True).first.get_attribute("href")
        download = page.request.get(live_server.url + address)
        assert download.status == 200, name
    package = page.request.get(live_server.url + "/data/latest/datapackage.json")
    assert package.json()["name"] == "sco-chairmanship-archive"


@pytest.mark.parametrize(
    "path",
    [
        "/data/",
        "/summits/",
        "/chairmanships/kazakhstan-2023-2024/",
        "/initiatives/",
        "/search/?q=astana",
        "/documents/?year_from=abc",
        "/on/2005-01-01/",
        "/on/1996-04-26/",
        "/no-such-page/",
    ],
)
def test_every_other_page_type_has_no_serious_accessibility_violation(live_server, archive, page, path):
    page.goto(live_server.url + path)

    assert page.locator("h1").count() == 1
    assert serious_violations(page) == []


def test_document_and_initiative_pages_are_accessible(live_server, archive, page):
    page.goto(live_server.url + "/documents/")
    page.locator(".records .record__title").first.click()
    assert serious_violations(page) == []

    page.goto(live_server.url + "/initiatives/")
    page.locator(".records .record__title").first.click()
    assert serious_violations(page) == []


ASTANA_DECLARATION = (
    "/documents/astana-declaration-of-the-council-of-heads-of-state-of-the-shanghai-cooperation-organisation/"
)


def test_a_reader_cites_a_document_and_downloads_its_bibtex(live_server, archive, page, screenshot):
    page.goto(live_server.url + ASTANA_DECLARATION)
    block = page.locator("section.citation")
    block.scroll_into_view_if_needed()

    assert block.get_by_role("heading", name="Cite this document").is_visible()
    assert "SCO Chairmanship Archive. (20" in block.inner_text()  # the APA reference
    assert serious_violations(page) == []
    screenshot("cite-this", element=block)
    with page.expect_download() as download:
        block.get_by_role("link", name="BibTeX").click()
    assert download.value.suggested_filename.endswith(".bib")
    (entry,) = bibtexparser.parse_string(pathlib.Path(download.value.path()).read_text()).entries
    assert entry["url"] == live_server.url + ASTANA_DECLARATION


def test_a_reader_filters_the_archive_by_keyboard_and_the_address_can_be_shared(live_server, archive, page):
    page.goto(live_server.url + "/documents/")
    page.get_by_label("Decision").first.check()
    page.get_by_role("button", name="Apply filters").press("Enter")

    page.wait_for_url("**/documents/?**type=decision**")
    assert "match your filters" in page.locator("#results-heading").inner_text()
    shared = page.url
    page.goto(shared)
    assert page.get_by_label("Decision").first.is_checked()


def test_a_reader_picks_a_date_by_keyboard_and_lands_on_its_own_address(live_server, archive, page):
    page.goto(live_server.url + "/on/2024-07-04/")
    page.get_by_label("Another date").fill("2025-09-01")
    page.get_by_role("button", name="Show").press("Enter")

    page.wait_for_url("**/on/2025-09-01/")
    assert page.locator("h1").inner_text() == "The SCO on 1 September 2025"
    assert "SCO partners (17)" in page.locator("#group-partner").inner_text()

    response = page.goto(live_server.url + "/on/2024-02-30/")
    assert response.status == 404
    assert "There is no day 2024-02-30" in page.locator("#on-date-error").inner_text()
    assert serious_violations(page) == []


def test_pages_fit_a_320_pixel_phone_without_sideways_scrolling(live_server, archive, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    phone = context.new_page()
    try:
        for path in ("/", "/summits/astana-2024/", "/documents/", "/states/kazakhstan/", "/on/2024-07-04/"):
            phone.goto(live_server.url + path)
            overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, path
    finally:
        context.close()


def test_no_page_requests_anything_from_another_host(live_server, archive, page):
    foreign = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url))

    for path in ("/", "/summits/", "/documents/", "/states/kazakhstan/"):
        page.goto(live_server.url + path)

    assert foreign == []
