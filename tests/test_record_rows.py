"""The archive's rows and filter form are kept rendered (``{% record_rows %}``, ``cache.cached_per_record``): a
list made again after a change reads and renders only the rows that changed, and a row always shows what its
record and the records it names show now."""

import datetime
import logging
import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chairmanship import cache as archive_cache
from tests.factories import (
    ChairmanshipFactory,
    DocumentFactory,
    InitiativeFactory,
    KeyFigureFactory,
    MembershipFactory,
    StateFactory,
    SummitFactory,
    TopicFactory,
)
from tests.page_support import clock_moved_on, facet_total

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Whole pages are not kept here: every request makes the page, from its kept rows where they are fresh.
    settings.PAGE_CACHE = False


def row_titles(response) -> list[str]:
    return re.findall(r'<a class="record__title" href="[^"]*">([^<]*)</a>', response.content.decode())


def test_a_page_made_again_reads_only_the_rows_that_changed(client, django_assert_num_queries):
    documents = [DocumentFactory(title=f"Decision {n}", date=f"2024-07-{n + 1:02d}") for n in range(5)]
    first = client.get("/documents/")
    with django_assert_num_queries(0):
        again = client.get("/documents/")
    assert row_titles(again) == row_titles(first) == [f"Decision {n}" for n in reversed(range(5))]

    documents[2].title = "Decision two, corrected"
    documents[2].save()
    # A title orders lists, so the list's total, ids and counts are made again; of its rows, only the one.
    with CaptureQueriesContext(connection) as queries:
        corrected = client.get("/documents/")
    assert row_titles(corrected) == ["Decision 4", "Decision 3", "Decision two, corrected", "Decision 1", "Decision 0"]
    rows_read = [query["sql"] for query in queries if '"chairmanship_document"."editor_note"' in query["sql"]]
    assert len(rows_read) == 1 and f'"chairmanship_document"."id" IN ({documents[2].pk})' in rows_read[0]


def test_a_row_shows_the_current_name_of_the_summit_it_names(client):
    summit = SummitFactory(host_city="Astana")
    DocumentFactory(title="Astana Declaration", summit=summit)
    assert "Astana" in client.get("/documents/").content.decode().split("Astana Declaration", 1)[1]

    summit.host_city = "Nur-Sultan"
    summit.save()
    row = client.get("/documents/").content.decode().split("Astana Declaration", 1)[1].split("</li>", 1)[0]
    assert "Nur-Sultan" in row and "Astana" not in row


def test_a_row_shows_the_current_name_of_a_record_named_through_another(client):
    """An initiative's row names its chairmanship by its state: renaming the state refreshes the row."""
    state = StateFactory(short_name="Kazakhstan")
    InitiativeFactory(title="Energy corridor", chairmanship=ChairmanshipFactory(state=state))
    assert "Kazakhstan 2023–2024 chairmanship" in client.get("/initiatives/").content.decode()

    state.short_name = "Qazaqstan"
    state.save()
    html = client.get("/initiatives/").content.decode()
    assert "Qazaqstan 2023–2024 chairmanship" in html and "Kazakhstan" not in html


def test_a_summit_published_later_appears_in_the_rows_of_its_documents(client):
    summit = SummitFactory(host_city="Tianjin", draft=True)
    DocumentFactory(title="Tianjin Declaration", summit=summit)
    assert "Tianjin" not in client.get("/documents/").content.decode().split("Tianjin Declaration", 1)[1]

    summit.status, summit.published_at = "published", timezone.now()
    summit.save()
    assert "Tianjin" in client.get("/documents/").content.decode().split("Tianjin Declaration", 1)[1]


def test_rows_are_kept_per_language(client):
    DocumentFactory(title="Astana Declaration", title_ru="Астанинская декларация", document_type="declaration")
    assert row_titles(client.get("/documents/")) == ["Astana Declaration"]
    russian = client.get("/ru/documents/")
    assert row_titles(russian) == ["Астанинская декларация"]
    assert "Декларация" in russian.content.decode().split("Астанинская декларация", 1)[1]  # its type, in Russian
    assert row_titles(client.get("/documents/")) == ["Astana Declaration"]


def test_the_rows_of_a_summit_page_do_not_take_the_archives(client):
    """The same document is listed on its summit's page without the summit's name, in the archive with it."""
    summit = SummitFactory(host_city="Astana")
    DocumentFactory(title="Astana Declaration", summit=summit)
    archive_row = client.get("/documents/").content.decode().split("Astana Declaration", 1)[1].split("</li>")[0]
    summit_row = client.get(summit.get_absolute_url()).content.decode().split("Astana Declaration", 1)[1]
    assert "Astana" in archive_row
    assert "Astana" not in summit_row.split("</li>")[0]


def test_the_filter_form_is_kept_per_filtered_list_and_follows_the_counts(client):
    DocumentFactory(document_type="decision")
    page = client.get("/documents/?type=decision&search=energy")
    html = page.content.decode()
    assert 'value="decision" checked' in html and 'name="search" value="energy"' in html
    unfiltered = client.get("/documents/").content.decode()
    assert "checked" not in unfiltered.split('<form class="filters"', 1)[1].split("</form>", 1)[0]
    assert 'name="search" value=""' in unfiltered

    DocumentFactory(document_type="decision")
    assert facet_total(client.get("/documents/"), "type") == 1  # a few seconds late
    with clock_moved_on(archive_cache.SUMMARY_LATE_SECONDS):
        assert facet_total(client.get("/documents/"), "type") == 1  # counted afresh once this is answered
        assert facet_total(client.get("/documents/"), "type") == 2


def test_with_the_cache_down_rows_are_rendered_as_they_are_read(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "chairmanship.cache_backends.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with caplog.at_level(logging.WARNING, logger="chairmanship.cache"):
        DocumentFactory(title="Astana Declaration")
        response = client.get("/documents/")
    assert response.status_code == HTTPStatus.OK
    assert row_titles(response) == ["Astana Declaration"]


# --- The API's lists: each record's representation kept the same way ---------------------------------------


def api_titles(client, query="") -> list[str]:
    return [record["title"] for record in client.get(f"/api/v1/documents/{query}").json()["results"]]


def test_an_api_list_made_again_serializes_only_the_records_that_changed(client):
    documents = [DocumentFactory(title=f"Decision {n}", date=f"2024-07-{n + 1:02d}") for n in range(3)]
    assert api_titles(client) == ["Decision 2", "Decision 1", "Decision 0"]
    with CaptureQueriesContext(connection) as queries:
        assert api_titles(client) == ["Decision 2", "Decision 1", "Decision 0"]
    assert not [query for query in queries if '"chairmanship_document"."editor_note"' in query["sql"]]

    documents[1].title = "Decision one, corrected"
    documents[1].save()
    with CaptureQueriesContext(connection) as queries:
        assert api_titles(client) == ["Decision 2", "Decision one, corrected", "Decision 0"]
    rows_read = [query["sql"] for query in queries if '"chairmanship_document"."editor_note"' in query["sql"]]
    assert len(rows_read) == 1 and f'"chairmanship_document"."id" IN ({documents[1].pk})' in rows_read[0]


def test_an_api_list_shows_the_current_names_of_related_records(client):
    topic = TopicFactory(slug="energy", name="Energy")
    document = DocumentFactory(title="Astana Declaration")
    document.topics.add(topic)
    assert client.get("/api/v1/documents/").json()["results"][0]["topics"][0]["name"] == "Energy"

    topic.name = "Energy security"
    topic.save()
    assert client.get("/api/v1/documents/").json()["results"][0]["topics"][0]["name"] == "Energy security"


def test_an_api_list_shows_a_signatory_once_it_is_published(client):
    state = StateFactory(short_name="Laos", draft=True)
    DocumentFactory(title="Astana Declaration").signatories.add(state)
    assert client.get("/api/v1/documents/").json()["results"][0]["signatories"] == []

    state.status, state.published_at = "published", timezone.now()
    state.save()
    signatories = client.get("/api/v1/documents/").json()["results"][0]["signatories"]
    assert [signatory["name"] for signatory in signatories] == ["Laos"]


def test_an_api_list_keeps_each_language_apart(client):
    DocumentFactory(title="Astana Declaration", title_ru="Астанинская декларация")
    assert api_titles(client) == ["Astana Declaration"]
    assert api_titles(client, "?lang=ru") == ["Астанинская декларация"]
    assert api_titles(client) == ["Astana Declaration"]


# --- The home page's sections ------------------------------------------------------------------------------


def test_the_home_page_made_again_shows_each_sections_latest(client):
    chairmanship = ChairmanshipFactory(start_date="2024-07-04", end_date=None)
    SummitFactory(host_city="Astana", number=24, start_date="2024-07-03", end_date="2024-07-04")
    DocumentFactory(title="Astana Declaration", date="2024-07-04")
    home = client.get("/").content.decode()
    assert "Astana" in home and "Astana Declaration" in home and "Events held" not in home

    SummitFactory(host_city="Tianjin", number=25, start_date="2025-08-31", end_date="2025-09-01")
    KeyFigureFactory(chairmanship=chairmanship, label="Events held")
    DocumentFactory(title="Tianjin Declaration", date="2025-09-01")
    home = client.get("/").content.decode()
    latest_summit = home.split('id="summit-heading"', 1)[1].split("</section>", 1)[0]
    assert "Tianjin" in latest_summit and "Astana" not in latest_summit
    assert "Events held" in home
    assert home.index("Tianjin Declaration") < home.index("Astana Declaration")


# --- A document page's kept parts: its topics, signatories and initiatives ---------------------------------


def related_reads(queries) -> list[str]:
    """The queries that read a document's topics, signatories or initiatives."""
    through = ("chairmanship_document_topics", "chairmanship_document_signatories", "chairmanship_initiative_documents")
    return [query["sql"] for query in queries if any(table in query["sql"] for table in through)]


def test_a_document_page_made_again_reads_its_related_records_only_when_one_changed(client):
    kazakhstan = StateFactory(short_name="Kazakhstan")
    document = DocumentFactory(title="Astana Declaration")
    document.signatories.add(kazakhstan)
    document.topics.add(TopicFactory(name="Energy"))
    InitiativeFactory(title="Energy corridor").documents.add(document)
    first = client.get(document.get_absolute_url()).content.decode()
    assert "Kazakhstan" in first and "Energy" in first and "Energy corridor" in first

    other = DocumentFactory(title="Another decision")
    other.title = "Another decision, corrected"
    other.save()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(document.get_absolute_url()).content.decode()
    assert related_reads(queries) == []
    assert again == first

    document.title = "Astana Declaration, corrected"
    document.save()
    with CaptureQueriesContext(connection) as queries:
        corrected = client.get(document.get_absolute_url()).content.decode()
    assert len(related_reads(queries)) == 3
    assert "Astana Declaration, corrected" in corrected and "Kazakhstan" in corrected


def test_a_document_page_shows_the_current_names_of_its_topics_and_signatories(client):
    state = StateFactory(short_name="Kazakhstan")
    topic = TopicFactory(name="Energy")
    document = DocumentFactory()
    document.signatories.add(state)
    document.topics.add(topic)
    client.get(document.get_absolute_url())

    state.short_name = "Qazaqstan"
    state.save()
    topic.name = "Energy security"
    topic.save()
    html = client.get(document.get_absolute_url()).content.decode()
    assert "Qazaqstan" in html and "Kazakhstan" not in html
    assert "Energy security" in html


def test_a_document_page_shows_a_signatory_or_initiative_published_later(client):
    state = StateFactory(short_name="Turkmenistan", draft=True)
    document = DocumentFactory()
    document.signatories.add(state)
    initiative = InitiativeFactory(title="Green belt", draft=True)
    initiative.documents.add(document)
    html = client.get(document.get_absolute_url()).content.decode()
    assert "Turkmenistan" not in html and "Green belt" not in html

    state.status = initiative.status = "published"
    state.published_at = initiative.published_at = timezone.now()
    state.save()
    initiative.save()
    html = client.get(document.get_absolute_url()).content.decode()
    assert "Turkmenistan" in html and "Green belt" in html


def test_a_document_page_shows_an_initiative_linked_to_it_later_in_each_language(client):
    document = DocumentFactory(title="Astana Declaration")
    for prefix in ("", "/ru", "/zh-hans"):
        client.get(f"{prefix}{document.get_absolute_url()}")

    initiative = InitiativeFactory(title="Energy corridor", title_ru="Энергетический коридор")
    initiative.documents.add(document)
    assert "Energy corridor" in client.get(document.get_absolute_url()).content.decode()
    assert "Энергетический коридор" in client.get(f"/ru{document.get_absolute_url()}").content.decode()


# --- A summit page's kept parts: its figures, the statuses granted at it, its neighbours ---------------------


def summit_part_reads(queries) -> list[str]:
    tables = ('"chairmanship_keyfigure"', '"chairmanship_membership"', '"previous_slug"')
    return [query["sql"] for query in queries if any(table in query["sql"] for table in tables)]


def test_a_summit_page_made_again_reads_its_parts_only_when_one_changed(client):
    summit = SummitFactory(number=24, host_city="Astana")
    SummitFactory(number=25, host_city="Tianjin")
    KeyFigureFactory(summit=summit, chairmanship=None, label="Documents signed")
    first = client.get(summit.get_absolute_url()).content.decode()
    assert "Documents signed" in first and "Tianjin" in first

    DocumentFactory(title="A decision of another summit")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(summit.get_absolute_url()).content.decode()
    assert summit_part_reads(queries) == []
    assert again == first

    KeyFigureFactory(summit=summit, chairmanship=None, label="Events held")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(summit.get_absolute_url()).content.decode()
    assert len(summit_part_reads(queries)) == 3
    assert "Events held" in html and "Documents signed" in html


def test_a_summit_page_links_its_current_neighbours(client):
    astana = SummitFactory(number=24, host_city="Astana")
    tianjin = SummitFactory(number=25, host_city="Tianjin", draft=True)
    assert 'rel="next"' not in client.get(astana.get_absolute_url()).content.decode()

    tianjin.status, tianjin.published_at = "published", timezone.now()
    tianjin.save()
    assert "Next: 25th summit, Tianjin" in client.get(astana.get_absolute_url()).content.decode()

    tianjin.host_city = "Tianjin and Beijing"
    tianjin.save()
    assert "Next: 25th summit, Tianjin and Beijing" in client.get(astana.get_absolute_url()).content.decode()


def test_a_summit_page_shows_a_status_granted_at_it_later(client):
    summit = SummitFactory(number=24)
    client.get(summit.get_absolute_url())

    state = StateFactory(short_name="Laos")
    MembershipFactory(state=state, status="partner", start_date=datetime.date(2024, 7, 4), summit=summit)
    assert "Laos" in client.get(summit.get_absolute_url()).content.decode()


def test_a_page_reads_each_tag_it_checks_once(client, monkeypatch):
    """The archive's total, id block, filter form, chart and rows share their tags (the archive's, the documents
    list's, the records'): made again after a change, the page asks the cache for each tag once."""
    for n in range(3):
        DocumentFactory(title=f"Declaration {n}", summit=SummitFactory())
    client.get("/documents/?type=declaration")
    DocumentFactory(title="A new declaration")
    asked = []
    cache_call = archive_cache.cache_call

    def noting(method, *args, **kwargs):
        if method.__name__ == "get_many":
            asked.extend(args[0])
        return cache_call(method, *args, **kwargs)

    monkeypatch.setattr(archive_cache, "cache_call", noting)

    assert "A new declaration" in client.get("/documents/?type=declaration").content.decode()

    tags_asked = [key for key in asked if key.startswith(archive_cache.TAG_PREFIX)]
    assert tags_asked and len(tags_asked) == len(set(tags_asked))
