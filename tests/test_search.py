"""Site search: every content type, ranked, highlighted safely, never showing drafts."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from chairmanship.search import highlight, search
from tests.factories import ChairmanshipFactory, DocumentFactory, InitiativeFactory, StateFactory, SummitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _render_every_request(settings):
    settings.PAGE_CACHE = False


def test_search_finds_every_content_type():
    DocumentFactory(title="Energy declaration")
    InitiativeFactory(title="Energy club")
    SummitFactory(host_city="Energyville")
    StateFactory(short_name="Energia")
    ChairmanshipFactory(state__short_name="Chair", motto="Energy for all")

    kinds = {result.kind for result in search("energ")}

    assert kinds == {"Document", "Initiative", "Summit", "State", "Chairmanship"}


def test_title_matches_rank_above_summary_matches():
    DocumentFactory(title="A plan", summary="About water resources.")
    DocumentFactory(title="Water cooperation programme", summary="A programme.")

    titles = [result.title for result in search("water")]

    assert titles == ["Water cooperation programme", "A plan"]


def test_every_word_must_match():
    DocumentFactory(title="Water and energy")
    DocumentFactory(title="Water only")

    assert [result.title for result in search("water energy")] == ["Water and energy"]


def test_search_never_returns_drafts_or_scheduled_records():
    DocumentFactory(title="Secret water plan", draft=True)
    InitiativeFactory(title="Scheduled water idea", scheduled=True)

    assert search("water") == []


def test_highlight_escapes_markup_before_marking_the_words():
    html = highlight('<script>alert("x")</script> Water & <b>water</b>', ["water"])

    assert "<script>" not in html and "<b>" not in html
    assert html.count("<mark>") == 2
    assert "&lt;script&gt;" in html and "&amp;" in html


def test_search_page_highlights_matches_and_explains_an_empty_result(client):
    DocumentFactory(title="Astana Declaration")

    found = client.get(reverse("chairmanship:search"), {"q": "astana"}).content.decode()
    missing = client.get(reverse("chairmanship:search"), {"q": "zzzz"}).content.decode()

    assert "<mark>Astana</mark> Declaration" in found and "1 result for" in found
    assert "Nothing matches every word" in missing


def test_search_page_refuses_an_overlong_query_with_a_message(client):
    response = client.get(reverse("chairmanship:search"), {"q": "x" * 500})

    assert response.status_code == HTTPStatus.OK
    assert "at most 200 characters" in response.content.decode()


def test_search_page_shows_the_query_as_text_not_markup(client):
    html = client.get(reverse("chairmanship:search"), {"q": "<img src=x onerror=alert(1)>"}).content.decode()

    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
