import pytest

pytestmark = pytest.mark.browser


def test_home_page_shows_the_archive_name_and_skip_link(live_server, page, screenshot):
    page.goto(live_server.url + "/")
    assert page.title().startswith("SCO Chairmanship Archive")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to content" in focused
    screenshot("home-smoke")
