"""The archive in Russian and Chinese in headless Chromium: every page type speaks the language of its
address, names its other languages, leads to the same page in them, and has no serious accessibility
violation. The README's Russian and Chinese summit screenshots come from here."""

import pytest

from tests import factories
from tests.browser.test_public_pages import ASTANA_DECLARATION, serious_violations

pytestmark = pytest.mark.browser

LANGUAGES = ("ru", "zh-hans")
NOT_FOUND = "/no-such-page/"
PAGES = (
    "/",
    "/summits/",
    "/summits/astana-2024/",
    "/states/",
    "/states/kazakhstan/",
    "/chairmanships/",
    "/chairmanships/kazakhstan-2023-2024/",
    "/documents/",
    "/documents/?type=decision",
    ASTANA_DECLARATION,
    "/initiatives/",
    "/coverage/",
    "/on/2024-07-04/",
    "/search/?q=astana",
    "/data/",
    NOT_FOUND,
)


@pytest.fixture(autouse=True)
def _fresh_pages(settings):
    settings.PAGE_CACHE = False


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_type_speaks_its_language_and_names_the_others(live_server, archive, page, language, path):
    page.goto(f"{live_server.url}/{language}{path}")

    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1
    alternates = {
        link.get_attribute("hreflang"): link.get_attribute("href")
        for link in page.locator('head link[rel="alternate"][hreflang]').all()
    }
    # An error page has no address of its own to name in other languages.
    assert alternates == (
        {}
        if path == NOT_FOUND
        else {
            "en": live_server.url + path,
            "x-default": live_server.url + path,
            "ru": f"{live_server.url}/ru{path}",
            "zh-hans": f"{live_server.url}/zh-hans{path}",
        }
    )
    assert serious_violations(page) == []


def test_the_switcher_leads_to_the_same_summit_in_each_language(live_server, archive, page, screenshot):
    page.goto(live_server.url + "/summits/astana-2024/")
    switcher = page.get_by_role("navigation", name="Language")

    switcher.get_by_role("link", name="Русский").click()
    assert page.url == live_server.url + "/ru/summits/astana-2024/"
    assert page.locator("html").get_attribute("lang") == "ru"
    screenshot("summit-ru")

    page.get_by_role("navigation", name="Язык").get_by_role("link", name="简体中文").click()
    assert page.url == live_server.url + "/zh-hans/summits/astana-2024/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    screenshot("summit-zh-hans")

    page.get_by_role("navigation", name="语言").get_by_role("link", name="English").click()
    assert page.url == live_server.url + "/summits/astana-2024/"
    assert page.locator("html").get_attribute("lang") == "en"


def test_english_left_on_a_translated_page_is_marked_for_screen_readers(live_server, archive, page):
    document = factories.DocumentFactory(title="Decision kept in English", summary="A summary in English only.")
    page.goto(f"{live_server.url}/ru{document.get_absolute_url()}")

    title = page.locator("h1 [lang=en]")
    assert title.inner_text() == "Decision kept in English"
    assert page.locator("h1 .untranslated").is_visible()
    assert page.locator(".untranslated-note + [lang=en]").inner_text().strip() == "A summary in English only."
    assert serious_violations(page) == []
