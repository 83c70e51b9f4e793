"""Being found and shared: sitemap, robots.txt, feeds, canonical links, social meta and JSON-LD."""

import json
import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import DocumentFactory, InitiativeFactory, StateFactory, SummitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _render_every_request(settings):
    settings.PAGE_CACHE = False


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def test_sitemap_lists_published_records_and_list_pages_only(client):
    public = DocumentFactory(slug="public-document")
    DocumentFactory(slug="draft-document", draft=True)
    SummitFactory(slug="scheduled-summit", scheduled=True)
    StateFactory(slug="public-state")

    response = client.get("/sitemap.xml")

    assert response.status_code == HTTPStatus.OK
    xml = response.content.decode()
    assert f"http://testserver{public.get_absolute_url()}" in xml
    assert "/states/public-state/" in xml and "<loc>http://testserver/documents/</loc>" in xml
    assert "draft-document" not in xml and "scheduled-summit" not in xml


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /admin/" in text and "Sitemap: http://testserver/sitemap.xml" in text


@pytest.mark.parametrize(
    ("feed", "factory"),
    [("chairmanship:document_feed", DocumentFactory), ("chairmanship:initiative_feed", InitiativeFactory)],
)
def test_atom_feeds_list_new_public_records_and_never_drafts(client, feed, factory):
    factory(title="Published record")
    factory(title="Draft record", draft=True)
    factory(title="Scheduled record", scheduled=True)

    response = client.get(reverse(feed))

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/atom+xml")
    xml = response.content.decode()
    assert "Published record" in xml and "Draft record" not in xml and "Scheduled record" not in xml


def test_pages_link_to_the_feeds(client):
    html = client.get(reverse("chairmanship:home")).content.decode()

    assert 'type="application/atom+xml"' in html and reverse("chairmanship:document_feed") in html


def test_a_document_page_has_canonical_open_graph_twitter_and_legislation_json_ld(client):
    document = DocumentFactory(title="Astana Declaration", summary="The summit's main political declaration.")

    html = client.get(document.get_absolute_url() + "?utm_source=x").content.decode()

    assert f'<link rel="canonical" href="http://testserver{document.get_absolute_url()}">' in html
    assert '<meta property="og:title" content="Astana Declaration">' in html
    assert '<meta property="og:description" content="The summit&#x27;s main political declaration.">' in html
    assert '<meta name="twitter:card" content="summary">' in html
    data = json_ld(html)
    assert data["@type"] == "Legislation" and data["name"] == "Astana Declaration"


def test_summit_state_and_home_pages_describe_an_event_a_country_and_the_organisation(client):
    summit = SummitFactory(host_city="Astana")
    state = StateFactory(short_name="Kazakhstan")

    assert json_ld(client.get(summit.get_absolute_url()).content.decode())["@type"] == "Event"
    assert json_ld(client.get(state.get_absolute_url()).content.decode())["@type"] == "Country"
    home = json_ld(client.get(reverse("chairmanship:home")).content.decode())
    assert home["@type"] == "Organization" and home["alternateName"] == "SCO"


def test_json_ld_cannot_be_broken_out_of_by_content(client):
    document = DocumentFactory(title="</script><script>alert(1)</script>", summary="a & b")

    html = client.get(document.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in html
    data = json_ld(html)
    assert data["name"] == "</script><script>alert(1)</script>"
