"""Being found and shared: sitemap, robots.txt, feeds, canonical links, social meta and JSON-LD."""

import datetime
import json
import re
from http import HTTPStatus
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chairmanship.languages import LANGUAGE_CODES, prefixed_path
from chairmanship.models import Document
from chairmanship.sitemaps import PublicRecordSitemap
from tests.factories import DocumentFactory, InitiativeFactory, StateFactory, SummitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _render_every_request(settings):
    settings.PAGE_CACHE = False


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def sitemap_pages(client) -> dict[str, str]:
    """Every page the sitemap index lists (address: XML), fetched as a search engine follows them."""
    index = client.get(reverse("chairmanship:sitemap"))
    assert index.status_code == HTTPStatus.OK
    ElementTree.fromstring(index.content)  # noqa: S314 (our own output, read to check it is well-formed)
    pages = {}
    for address in re.findall(r"<loc>(.*?)</loc>", index.content.decode()):
        response = client.get(address.replace("http://testserver", "").replace("&amp;", "&"))
        assert response.status_code == HTTPStatus.OK, address
        ElementTree.fromstring(response.content)  # noqa: S314 (our own output, read to check it is well-formed)
        pages[address] = response.content.decode()
    return pages


def sitemap_addresses(client) -> list[str]:
    return [loc for xml in sitemap_pages(client).values() for loc in re.findall(r"<loc>(.*?)</loc>", xml)]


def test_sitemap_lists_published_records_and_list_pages_only(client):
    public = DocumentFactory(slug="public-document")
    DocumentFactory(slug="draft-document", draft=True)
    SummitFactory(slug="scheduled-summit", scheduled=True)
    StateFactory(slug="public-state")

    addresses = sitemap_addresses(client)

    assert f"http://testserver{public.get_absolute_url()}" in addresses
    assert "http://testserver/states/public-state/" in addresses and "http://testserver/documents/" in addresses
    assert not [address for address in addresses if "draft-document" in address or "scheduled-summit" in address]


def test_sitemap_index_pages_a_section_past_its_limit_and_every_record_appears_once_per_language(client, monkeypatch):
    monkeypatch.setattr(PublicRecordSitemap, "limit", 5)
    documents = DocumentFactory.create_batch(12)

    pages = sitemap_pages(client)
    addresses = sitemap_addresses(client)

    # 12 documents in 3 languages are 36 entries: 8 pages of at most 5.
    document_pages = [address for address in pages if "/sitemap-documents.xml" in address]
    assert document_pages == [
        "http://testserver/sitemap-documents.xml",
        *(f"http://testserver/sitemap-documents.xml?p={number}" for number in range(2, 9)),
    ]
    document_addresses = [address for address in addresses if re.search(r"/documents/[^/]+/$", address)]
    assert sorted(document_addresses) == sorted(
        f"http://testserver{prefixed_path(d.get_absolute_url(), code)}" for d in documents for code in LANGUAGE_CODES
    )
    assert client.get("/sitemap-documents.xml?p=9").status_code == HTTPStatus.NOT_FOUND


def test_each_sitemap_entry_names_its_other_languages(client):
    document = DocumentFactory()

    xml = client.get("/sitemap-documents.xml").content.decode()

    for code in LANGUAGE_CODES:
        address = f"http://testserver{prefixed_path(document.get_absolute_url(), code)}"
        assert f'<xhtml:link rel="alternate" hreflang="{code}" href="{address}"/>' in xml
    english = f"http://testserver{document.get_absolute_url()}"
    assert f'<xhtml:link rel="alternate" hreflang="x-default" href="{english}"/>' in xml


def test_a_sitemap_page_reads_only_the_columns_an_address_needs(client):
    DocumentFactory(summary="A summary no sitemap needs.", full_text="Nor this.")

    with CaptureQueriesContext(connection) as queries:
        xml = client.get("/sitemap-documents.xml").content.decode()

    assert "<lastmod>" in xml
    selects = " ".join(query["sql"] for query in queries.captured_queries)
    assert "full_text" not in selects and "summary" not in selects


def test_a_control_character_stored_in_a_title_leaves_the_feed_valid_for_every_reader(client):
    document = DocumentFactory(title="Declaration")
    neighbour = DocumentFactory(title="Neighbour")
    # Written around validation, as rows stored before the model refused control characters were.
    Document.objects.filter(pk=document.pk).update(title="Tab\x0bform\x0cescape\x1b[31m declaration")
    Document.objects.filter(pk=neighbour.pk).update(summary="Bell\x07 in a summary")

    response = client.get(reverse("chairmanship:document_feed"))

    assert response.status_code == HTTPStatus.OK
    feed = ElementTree.fromstring(response.content)  # noqa: S314 (our own output, read to check it)
    titles = [entry.findtext("{http://www.w3.org/2005/Atom}title") for entry in feed]
    assert "Tab form escape[31m declaration" in titles and "Neighbour" in titles


def test_a_stored_slug_no_address_can_take_leaves_the_feed_and_sitemap_working(client):
    good = DocumentFactory(title="Good")
    broken = DocumentFactory(title="Broken")
    Document.objects.filter(pk=broken.pk).update(slug="not a slug")

    feed = client.get(reverse("chairmanship:document_feed"))
    addresses = sitemap_addresses(client)

    assert feed.status_code == HTTPStatus.OK and b"Good" in feed.content and b"Broken" not in feed.content
    assert f"http://testserver{good.get_absolute_url()}" in addresses


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


@pytest.mark.parametrize(
    ("number", "name"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st"),
     (22, "22nd"), (23, "23rd"), (24, "24th"), (101, "101st"), (111, "111th")],
)  # fmt: skip
def test_a_summit_is_named_with_the_right_ordinal_in_json_ld_and_on_its_pages(client, number, name):
    summit = SummitFactory(number=number, host_city="Astana", start_date=datetime.date(2024, 7, 3))
    document = DocumentFactory(summit=summit)

    html = client.get(summit.get_absolute_url()).content.decode()
    recorded_at = json_ld(client.get(document.get_absolute_url()).content.decode())["recordedAt"]

    assert json_ld(html)["name"] == f"{name} SCO summit, Astana 2024" == recorded_at["name"]
    assert f"<h1>{name} summit: Astana 2024</h1>" in html
    assert f"<title>{name} summit, Astana 2024 · SCO Chairmanship Archive</title>" in html
    assert f'<meta property="og:title" content="{name} SCO summit, Astana 2024">' in html
    assert f"{name} summit: Astana 2024" in client.get(reverse("chairmanship:summit_list")).content.decode()
    assert f"{name} summit, Astana 2024" in client.get(reverse("chairmanship:document_list")).content.decode()
