"""Links by slug come from a pattern reversed once: they must be exactly what the URL resolver gives."""

import pytest
from django.urls import reverse, set_script_prefix

from chairmanship.links import slug_path
from tests.factories import DocumentFactory

DETAIL_VIEWS = [
    "chairmanship:state_detail",
    "chairmanship:chairmanship_detail",
    "chairmanship:summit_detail",
    "chairmanship:document_detail",
    "chairmanship:initiative_detail",
    "api:document-detail",
    "api:topic-detail",
]


@pytest.mark.parametrize("view_name", DETAIL_VIEWS)
@pytest.mark.parametrize("slug", ["astana-2024", "kazakhstan-2023-2024", "a_b", "x"])
def test_a_link_by_slug_is_what_reverse_gives(view_name, slug):
    assert slug_path(view_name, slug) == reverse(view_name, kwargs={"slug": slug})


def test_a_site_served_under_a_path_prefix_links_under_it():
    try:
        set_script_prefix("/archive/")
        assert slug_path("chairmanship:document_detail", "astana-declaration") == (
            "/archive/documents/astana-declaration/"
        )
    finally:
        set_script_prefix("/")
    assert slug_path("chairmanship:document_detail", "astana-declaration") == "/documents/astana-declaration/"


@pytest.mark.django_db
def test_a_record_links_to_its_page(client):
    document = DocumentFactory(slug="linked")

    assert document.get_absolute_url() == "/documents/linked/"
    assert client.get(document.get_absolute_url()).status_code == 200
