"""The API in three languages: reads negotiate (``?lang=``, Accept-Language, English), writes are unambiguous.

A read shows translated fields in the negotiated language, English where they are not translated yet, says
which language it is in (Content-Language, Vary: Accept-Language) and has an ETag of its own per language. A
write's plain field names always write English; ``translations`` writes Russian and Chinese.
"""

import json
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chairmanship.cache import cache_generation
from chairmanship.models import Document, Topic
from tests import factories
from tests.test_api_queries import BUILDERS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_api_rates")]

DETAIL = "/api/v1/documents/astana-declaration/"


@pytest.fixture
def _no_page_cache(settings):
    settings.PAGE_CACHE = False


@pytest.fixture
def document():
    document = factories.DocumentFactory(
        slug="astana-declaration",
        title="Astana Declaration",
        title_ru="Астанинская декларация",
        title_zh_hans="阿斯塔纳宣言",
        summary="Leaders met in Astana.",
        summary_ru="Лидеры встретились в Астане.",
    )
    document.topics.add(factories.TopicFactory(slug="energy", name="Energy", name_ru="Энергетика"))
    return document


def vary(response) -> set[str]:
    return {value.strip().lower() for value in response.get("Vary", "").split(",")}


# --- Reading ----------------------------------------------------------------------------------------------


def test_a_russian_accept_language_reads_the_russian_text(api_client, document):
    response = api_client.get(DETAIL, HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")
    body = response.json()
    assert body["title"] == "Астанинская декларация"
    assert body["summary"] == "Лидеры встретились в Астане."
    # Related records' summaries speak the same language.
    assert body["topics"][0]["name"] == "Энергетика"
    assert response["Content-Language"] == "ru"
    assert "accept-language" in vary(response)
    # Links to pages lead to the same language's pages; API addresses stay the same in every language.
    assert body["html_url"] == "http://testserver/ru/documents/astana-declaration/"
    assert body["url"] == "http://testserver/api/v1/documents/astana-declaration/"


def test_lang_in_the_address_reads_chinese_and_wins_over_accept_language(api_client, document):
    response = api_client.get(DETAIL, {"lang": "zh-hans"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json()["title"] == "阿斯塔纳宣言"
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(
    ("query", "header"), [({}, "fr-FR,de;q=0.8"), ({"lang": "xx"}, ""), ({"lang": "klingon-tlh"}, "*")]
)
def test_a_language_the_archive_does_not_speak_reads_english(api_client, document, query, header):
    response = api_client.get(DETAIL, query, HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == HTTPStatus.OK
    assert response.json()["title"] == "Astana Declaration"
    assert response["Content-Language"] == "en"


def test_a_field_not_yet_translated_reads_in_english_and_translations_say_so(api_client, document):
    body = api_client.get(DETAIL, {"lang": "zh-hans"}).json()
    assert body["summary"] == "Leaders met in Astana."
    assert body["translations"] == {
        "ru": {"title": "Астанинская декларация", "summary": "Лидеры встретились в Астане."},
        "zh-hans": {"title": "阿斯塔纳宣言", "summary": None},
    }


def test_lists_read_in_the_asked_language_too(api_client, document):
    factories.DocumentFactory(title="Untranslated charter")
    titles = {row["title"] for row in api_client.get("/api/v1/documents/", HTTP_ACCEPT_LANGUAGE="ru").json()["results"]}
    assert titles == {"Астанинская декларация", "Untranslated charter"}


@pytest.mark.usefixtures("_no_page_cache")
def test_each_language_has_its_own_etag_even_where_the_text_is_not_translated(api_client):
    factories.DocumentFactory(slug="untranslated", title="Untranslated charter")
    url = "/api/v1/documents/untranslated/"
    english = api_client.get(url)
    russian = api_client.get(url, HTTP_ACCEPT_LANGUAGE="ru")
    chinese = api_client.get(url, {"lang": "zh-hans"})
    assert english.json()["title"] == russian.json()["title"] == chinese.json()["title"]
    assert len({english["ETag"], russian["ETag"], chinese["ETag"]}) == 3


@pytest.mark.parametrize("page_cache", [False, True], ids=["fresh", "cached"])
def test_an_etag_from_another_language_is_never_answered_304(api_client, document, settings, page_cache):
    settings.PAGE_CACHE = page_cache
    english = api_client.get(DETAIL)["ETag"]
    russian = api_client.get(DETAIL, HTTP_ACCEPT_LANGUAGE="ru")["ETag"]

    other = api_client.get(DETAIL, HTTP_ACCEPT_LANGUAGE="ru", HTTP_IF_NONE_MATCH=english)
    assert other.status_code == HTTPStatus.OK
    assert other.json()["title"] == "Астанинская декларация"
    same = api_client.get(DETAIL, HTTP_ACCEPT_LANGUAGE="ru", HTTP_IF_NONE_MATCH=russian)
    assert same.status_code == HTTPStatus.NOT_MODIFIED
    listed = api_client.get("/api/v1/documents/")["ETag"]
    assert api_client.get("/api/v1/documents/", {"lang": "ru"}, HTTP_IF_NONE_MATCH=listed).status_code == HTTPStatus.OK


def test_cached_answers_keep_their_language_and_say_what_they_vary_by(api_client, document, settings):
    settings.PAGE_CACHE = True
    api_client.get(DETAIL, HTTP_ACCEPT_LANGUAGE="ru")
    cached = api_client.get(DETAIL, HTTP_ACCEPT_LANGUAGE="ru")
    assert cached["X-Cache"] == "hit"
    assert cached.json()["title"] == "Астанинская декларация"
    assert cached["Content-Language"] == "ru"
    assert "accept-language" in vary(cached)

    english = api_client.get(DETAIL)
    assert english.json()["title"] == "Astana Declaration"
    assert english["Content-Language"] == "en"
    assert "accept-language" in vary(english)


def _queries(client, url, **headers) -> int:
    cache_generation()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == HTTPStatus.OK, response.content
    return len(captured)


@pytest.mark.usefixtures("_no_page_cache")
@pytest.mark.parametrize("resource", list(BUILDERS))
def test_a_list_costs_the_same_queries_in_every_language(api_client, resource):
    """Guards against a language's text (or its English fallback) being loaded row by row: every language's
    column is in the row the list reads anyway."""
    for n in range(3):
        BUILDERS[resource](n)
    url = f"/api/v1/{resource}/"
    english = _queries(api_client, url)
    assert _queries(api_client, url, HTTP_ACCEPT_LANGUAGE="ru") == english
    assert _queries(api_client, f"{url}?lang=zh-hans") == english


# --- Writing ----------------------------------------------------------------------------------------------


def _new_document(**fields) -> dict:
    return {
        "slug": "qingdao-declaration",
        "title": "Qingdao Declaration",
        "type": "declaration",
        "date": "2018-06-10",
        "summary": "Leaders met in Qingdao.",
        **fields,
    }


def test_a_write_in_a_russian_speaking_request_still_writes_english_through_the_plain_names(publisher_client):
    response = publisher_client.post(
        "/api/v1/documents/",
        _new_document(translations={"ru": {"title": "Циндаоская декларация"}}),
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == HTTPStatus.CREATED, response.content
    stored = Document.objects.values("title", "title_en", "title_ru", "title_zh_hans", "summary_ru").get()
    assert stored == {
        "title": "Qingdao Declaration",
        "title_en": "Qingdao Declaration",
        "title_ru": "Циндаоская декларация",
        "title_zh_hans": None,
        "summary_ru": None,
    }
    # The answer is in the language the write speaks: English, with the translations beside it.
    assert response["Content-Language"] == "en"
    assert response.json()["title"] == "Qingdao Declaration"
    assert response.json()["translations"]["ru"]["title"] == "Циндаоская декларация"
    assert response.json()["html_url"] == "http://testserver/documents/qingdao-declaration/"


def test_a_partial_update_changes_only_the_translations_it_sends(publisher_client, document):
    response = publisher_client.patch(
        DETAIL,
        {"title": "Astana Declaration of the Heads of State", "translations": {"zh-hans": {"summary": "领导人会晤。"}}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == HTTPStatus.OK, response.content
    document.refresh_from_db()
    assert (document.title_en, document.title_zh_hans) == ("Astana Declaration of the Heads of State", "阿斯塔纳宣言")
    assert (document.summary_ru, document.summary_zh_hans) == ("Лидеры встретились в Астане.", "领导人会晤。")
    assert "领导人会晤。" in document.summary_html_zh_hans


def test_a_translation_is_cleared_with_null(publisher_client, document):
    response = publisher_client.patch(DETAIL, {"translations": {"ru": {"title": None}}}, format="json")
    assert response.status_code == HTTPStatus.OK, response.content
    document.refresh_from_db()
    assert document.title_ru is None
    assert document.title_zh_hans == "阿斯塔纳宣言"


@pytest.mark.parametrize(
    ("translations", "said"),
    [
        ({"en": {"title": "English"}}, "English is written through the record's own fields"),
        ({"fr": {"title": "Déclaration"}}, "'fr' is not a language to translate into"),
        ({"ru": {"slug": "x"}}, "'slug' is not translated"),
        ({"ru": {"title": 7}}, "must be text"),
        ({"ru": "Декларация"}, "Send an object keyed by language"),
        (["ru"], "Send an object keyed by language"),
        ({"ru": {"title": "Д" * 401}}, "ru title: Ensure this value has at most 400 characters"),
    ],
)
def test_a_malformed_translation_is_refused_saying_what_is_wrong(publisher_client, document, translations, said):
    response = publisher_client.patch(DETAIL, {"translations": translations}, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
    assert said in str(response.json()["errors"]["translations"])
    document.refresh_from_db()
    assert document.title_ru == "Астанинская декларация"


def test_topics_may_all_lack_a_russian_name_though_names_are_unique(publisher_client):
    for slug in ("energy", "trade"):
        response = publisher_client.post("/api/v1/topics/", {"slug": slug, "name": slug.title()}, format="json")
        assert response.status_code == HTTPStatus.CREATED, response.content
    assert list(Topic.objects.values_list("name_ru", flat=True)) == [None, None]


def test_an_editors_proposed_translation_waits_for_a_publisher(editor_client, document):
    response = editor_client.patch(DETAIL, {"translations": {"ru": {"summary": "Новое резюме."}}}, format="json")
    assert response.status_code == HTTPStatus.ACCEPTED, response.content
    assert response.json()["proposed"] == {"translations": {"ru": {"summary": "Новое резюме."}}}
    document.refresh_from_db()
    assert document.summary_ru == "Лидеры встретились в Астане."


# --- The schema -------------------------------------------------------------------------------------------


def test_the_schema_documents_the_language_of_every_read_and_answer(tmp_path):
    path = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(path))
    schema = json.loads(path.read_text())
    reads = [operation for item in schema["paths"].values() for method, operation in item.items() if method == "get"]
    assert reads
    for operation in reads:
        names = {(parameter["in"], parameter["name"]) for parameter in operation.get("parameters", [])}
        assert {("query", "lang"), ("header", "Accept-Language")} <= names, operation["operationId"]
        assert "Content-Language" in operation["responses"]["200"]["headers"], operation["operationId"]
    translations = schema["components"]["schemas"]["Document"]["properties"]["translations"]
    assert set(translations["properties"]) == {"ru", "zh-hans"}
    assert set(translations["properties"]["ru"]["properties"]) == {"title", "summary"}


def test_a_parameter_taking_one_value_given_twice_is_refused(api_client):
    response = api_client.get("/api/v1/summits/", {"search": ["Astana", "Qingdao"]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"] == {"search": ["Give this parameter once."]}
    assert api_client.get("/api/v1/documents/", {"lang": ["ru", "en"]}).status_code == HTTPStatus.BAD_REQUEST
    # A filter taking several values still takes them.
    assert api_client.get("/api/v1/documents/", {"topic": ["energy", "trade"]}).status_code == HTTPStatus.OK
