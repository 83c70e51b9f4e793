"""Site search: every content type, ranked, highlighted safely, never showing drafts.

Documents and initiatives are found through the database's full-text index (PostgreSQL's search vector,
SQLite's FTS5 table); the suite runs on both, so every test here holds on both.
"""

import datetime
import re
from http import HTTPStatus

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from chairmanship import search as search_module
from chairmanship.models import Document, Initiative
from chairmanship.search import highlight, learn_ordered_indexes, matching, ranked, search
from tests.factories import ChairmanshipFactory, DocumentFactory, InitiativeFactory, StateFactory, SummitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_api_rates")]

# Queries that are syntax in FTS5 or tsquery, or odd input, and whether each finds "Water and energy".
HOSTILE_QUERIES = [
    ('"', False),
    ("'", False),
    ("\\", False),
    ("AND OR NOT", False),
    ("water AND", True),
    ("NOT water", False),
    ("*", False),
    ("water*", True),
    (":", False),
    ("title:water", False),
    ("{title}: water", False),
    ("(", False),
    ("(water) OR (energy", False),
    ("NEAR(water energy, 2)", False),
    ("^water", True),
    ("-water +energy", True),
    ("water & | ! <-> energy", True),
    ("'water':*A", False),
    ("water\x00energy", True),
    ("%_%", False),
    ("🌊 ∞ ²", False),
    (" ".join(f"word{n}" for n in range(1000)), False),
]
QUERY_IDS = [f"hostile-{n}" for n in range(len(HOSTILE_QUERIES))]


@pytest.fixture(autouse=True)
def _render_every_request(settings):
    settings.PAGE_CACHE = False


def titles(records) -> list[str]:
    return [record.title for record in records]


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

    titles_found = [result.title for result in search("water")]

    assert titles_found == ["Water cooperation programme", "A plan"]


def test_a_title_hit_ranks_above_a_summary_hit_above_a_full_text_hit():
    # Created worst first, and the full-text hit says the word most often: only the field decides.
    DocumentFactory(title="Full text", summary="Nothing here.", full_text="Water, water and more water.")
    DocumentFactory(title="Summary", summary="On water.")
    DocumentFactory(title="Water in the title", summary="Nothing here.")

    assert titles(ranked(Document.objects.published(), "water")) == ["Water in the title", "Summary", "Full text"]
    assert [result.title for result in search("water")] == ["Water in the title", "Summary", "Full text"]


def test_an_initiative_with_the_word_in_its_title_ranks_above_one_with_it_in_its_summary():
    InitiativeFactory(title="Green belt", summary="Planting water-saving forests.")
    InitiativeFactory(title="Water council", summary="Meets yearly.")

    assert titles(ranked(Initiative.objects.published(), "water")) == ["Water council", "Green belt"]


def test_a_record_ranks_by_the_most_prominent_fields_holding_every_word():
    DocumentFactory(title="Water plan", summary="Nothing.", full_text="Energy too.")
    DocumentFactory(title="Both in the summary", summary="Water and energy.")
    DocumentFactory(title="Water and energy", summary="Nothing.")

    ranks = {document.title: document.search_rank for document in ranked(Document.objects.all(), "water energy")}

    assert ranks == {"Water and energy": 3, "Both in the summary": 2, "Water plan": 1}


def test_records_of_one_rank_come_newest_first_and_only_a_page_of_them():
    for year in range(2001, 2031):
        DocumentFactory(title=f"Water report {year}", date=datetime.date(year, 1, 1))
    DocumentFactory(title="Old summary", summary="On water.", date=datetime.date(1990, 1, 1))

    found = ranked(Document.objects.all(), "water", limit=25)

    assert titles(found) == [f"Water report {year}" for year in range(2030, 2005, -1)]


def test_every_word_must_match():
    DocumentFactory(title="Water and energy")
    DocumentFactory(title="Water only")

    assert [result.title for result in search("water energy")] == ["Water and energy"]


def test_the_words_may_match_in_different_fields():
    DocumentFactory(title="Water agreement", summary="Signed in Astana.", full_text="On shared rivers.")

    assert titles(matching(Document.objects.all(), "water astana rivers")) == ["Water agreement"]


def test_the_last_word_also_matches_the_start_of_a_longer_word_and_the_others_only_whole_words():
    DocumentFactory(title="Energy corridor")

    assert titles(matching(Document.objects.all(), "energy corr")) == ["Energy corridor"]
    assert titles(matching(Document.objects.all(), "corridor energ")) == ["Energy corridor"]
    assert titles(matching(Document.objects.all(), "energ corridor")) == []
    assert titles(matching(Document.objects.all(), "nergy")) == []


def test_search_ignores_case_and_punctuation_between_words():
    DocumentFactory(title="Counter-terrorism convention")

    assert titles(matching(Document.objects.all(), "COUNTER terrorism,")) == ["Counter-terrorism convention"]
    assert titles(matching(Document.objects.all(), "(counter-terrorism)")) == ["Counter-terrorism convention"]


def test_search_never_returns_drafts_or_scheduled_records():
    DocumentFactory(title="Secret water plan", draft=True)
    InitiativeFactory(title="Scheduled water idea", scheduled=True)

    assert search("water") == []


def test_results_follow_an_edit_at_once():
    document = DocumentFactory(title="Water plan")
    initiative = InitiativeFactory(title="Water club")

    document.title = "Energy plan"
    document.save()
    initiative.summary = "About energy."
    initiative.save()

    assert titles(matching(Document.objects.all(), "water")) == []
    assert titles(matching(Document.objects.all(), "energy")) == ["Energy plan"]
    assert titles(matching(Initiative.objects.all(), "energy")) == ["Water club"]


def test_results_follow_a_bulk_update_and_a_publication():
    DocumentFactory(title="Plan", summary="On water.", draft=True)

    Document.objects.update(summary="On energy.")
    assert search("energy") == []

    Document.objects.update(status="published", published_at=Document.objects.get().updated_at)
    assert [result.title for result in search("energy")] == ["Plan"]
    assert search("water") == []


def test_a_scheduled_record_is_found_once_its_time_has_come(monkeypatch):
    later = timezone.now() + datetime.timedelta(days=1)
    DocumentFactory(title="Water plan")
    DocumentFactory(title="Water club", published_at=later - datetime.timedelta(hours=1))
    assert [result.title for result in search("water")] == ["Water plan"]

    monkeypatch.setattr(timezone, "now", lambda: later)

    assert [result.title for result in search("water")] == ["Water club", "Water plan"]
    assert [result.title for result in search("club")] == ["Water club"]


def test_a_deleted_record_is_no_longer_found():
    DocumentFactory(title="Water plan").delete()
    InitiativeFactory(title="Water club").delete()

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


@pytest.mark.parametrize("query", ["!!!", "* : ( ) \" ' -", "&&"])
def test_a_query_of_punctuation_only_finds_nothing(client, api_client, query):
    DocumentFactory(title="Water plan", summary="!!! * : ( ) \" ' - &&")

    page = client.get(reverse("chairmanship:search"), {"q": query})
    archive = client.get(reverse("chairmanship:document_list"), {"search": query})
    api = api_client.get("/api/v1/documents/", {"search": query})

    assert "Nothing matches every word" in page.content.decode()
    assert "No documents match these filters." in archive.content.decode()
    assert api.json()["results"] == []


@pytest.mark.parametrize(("query", "finds"), HOSTILE_QUERIES, ids=QUERY_IDS)
def test_no_query_breaks_the_search_page_the_archives_or_the_api(client, api_client, query, finds):
    DocumentFactory(title="Water and energy", summary="Water.")
    InitiativeFactory(title="Water and energy")

    responses = [
        client.get(reverse("chairmanship:search"), {"q": query}),
        client.get(reverse("chairmanship:document_list"), {"search": query}),
        client.get(reverse("chairmanship:initiative_list"), {"search": query}),
    ]
    api_responses = [
        api_client.get("/api/v1/documents/", {"search": query}),
        api_client.get("/api/v1/initiatives/", {"search": query}),
    ]

    assert [response.status_code for response in responses] == [HTTPStatus.OK] * 3
    # The API refuses a NUL character as a bad parameter; anything else is a search.
    expected = HTTPStatus.BAD_REQUEST if "\x00" in query else HTTPStatus.OK
    assert [response.status_code for response in api_responses] == [expected] * 2


@pytest.mark.parametrize(("query", "finds"), HOSTILE_QUERIES, ids=QUERY_IDS)
def test_a_hostile_query_is_searched_for_its_words_only(query, finds):
    DocumentFactory(title="Water and energy", summary="Water.")

    expected = ["Water and energy"] if finds else []
    assert titles(matching(Document.objects.all(), query)) == expected
    assert titles(ranked(Document.objects.all(), query)) == expected


def test_the_document_archive_and_api_search_full_text_through_the_index(client, api_client):
    DocumentFactory(title="Treaty", slug="treaty", summary="", full_text="Long-term good-neighbourliness.")
    DocumentFactory(title="Other", slug="other", summary="", full_text="Friendship.")

    archive = client.get(reverse("chairmanship:document_list"), {"search": "neighbourl"}).content.decode()
    api = api_client.get("/api/v1/documents/", {"search": "long term neighbourliness"}).json()

    assert "Treaty" in archive and "Other" not in archive
    assert [item["slug"] for item in api["results"]] == ["treaty"]


# --- In the reader's language ---------------------------------------------------------------------------------


def test_an_english_plural_finds_the_singular_and_the_singular_the_plural(api_client):
    DocumentFactory(title="Agreement on cooperation", slug="agreement")
    InitiativeFactory(title="Energy agreements")

    assert titles(matching(Document.objects.all(), "agreements")) == ["Agreement on cooperation"]
    assert titles(matching(Initiative.objects.all(), "agreement")) == ["Energy agreements"]
    api = api_client.get("/api/v1/documents/", {"search": "agreements"}).json()
    assert [item["slug"] for item in api["results"]] == ["agreement"]


def test_a_russian_word_finds_its_other_forms_on_the_russian_page(client):
    DocumentFactory(title="Agreement on trade", title_ru="Соглашение о торговле")
    InitiativeFactory(title="Trade agreements", title_ru="Торговые соглашения")

    with translation.override("ru"):
        assert titles(matching(Document.objects.all(), "соглашения")) == ["Соглашение о торговле"]
        assert titles(matching(Initiative.objects.all(), "соглашение")) == ["Торговые соглашения"]
        assert titles(ranked(Document.objects.all(), "торговли")) == ["Соглашение о торговле"]
    page = client.get("/ru/search/", {"q": "соглашения"}).content.decode()
    assert "<mark>Соглашение</mark> о торговле" in page and "Торговые <mark>соглашения</mark>" in page


def test_a_two_character_chinese_word_finds_the_chinese_title_or_summary(client):
    DocumentFactory(title="Shanghai communique", title_zh_hans="上海合作组织成立宣言")
    InitiativeFactory(title="Summit club", summary="Meets.", summary_zh_hans="每年在峰会期间举行")
    SummitFactory(host_city="Shanghai", host_city_zh_hans="上海", theme="Founding", theme_zh_hans="成立峰会")
    DocumentFactory(title="Other declaration", title_zh_hans="其他宣言")

    with translation.override("zh-hans"):
        assert titles(matching(Document.objects.all(), "上海")) == ["上海合作组织成立宣言"]
        assert titles(matching(Initiative.objects.all(), "峰会")) == ["Summit club"]
        assert {result.kind for result in search("上海")} == {"Document", "Summit"}
        assert {result.kind for result in search("峰会")} == {"Initiative", "Summit"}
        # A query written without spaces is cut into its words: every one must occur.
        assert [result.kind for result in search("上海峰会")] == ["Summit"]
    page = client.get("/zh-hans/search/", {"q": "峰会"}).content.decode()
    assert "成立<mark>峰会</mark>" in page and "<mark>峰会</mark>期间" in page


def test_a_russian_query_does_not_return_english_only_records_that_share_a_latin_token():
    DocumentFactory(title="SCO Charter", title_ru="Хартия SCO")
    DocumentFactory(title="SCO Charter commentary")  # not translated: shown in English

    with translation.override("ru"):
        assert titles(matching(Document.objects.all(), "хартия sco")) == ["Хартия SCO"]
        assert titles(ranked(Document.objects.all(), "хартия sco")) == ["Хартия SCO"]


def test_a_chinese_query_returns_the_chinese_matches_not_the_english_records():
    DocumentFactory(title="Charter", title_zh_hans="上海合作组织宪章")
    for number in range(5):
        DocumentFactory(title=f"Shanghai declaration {number}", summary="Shanghai.", full_text="Shanghai")

    with translation.override("zh-hans"):
        assert titles(matching(Document.objects.all(), "宪章")) == ["上海合作组织宪章"]
        assert [result.title for result in search("上海 宪章")] == ["上海合作组织宪章"]


def test_an_untranslated_record_is_found_through_its_english_text_after_the_translated_ones():
    DocumentFactory(title="Water plan", date=datetime.date(2030, 1, 1))  # newest, not translated
    DocumentFactory(title="Water agreement", title_ru="Водное соглашение water", date=datetime.date(2001, 1, 1))
    DocumentFactory(title="Energy", title_ru="Энергия", summary_ru="Water", date=datetime.date(2031, 1, 1))

    with translation.override("ru"):
        found = [(document.title, document.search_rank) for document in ranked(Document.objects.all(), "water")]

    assert found == [
        ("Водное соглашение water", 3),
        ("Water plan", 3),
        ("Энергия", 2),
    ]


@pytest.mark.parametrize(
    ("language", "title", "summary", "full_text", "query"),
    [
        ("en", "Water agreements", "On waters.", "Waters and more waters.", "water"),
        ("ru", "Соглашение о воде", "О водах.", "", "воды"),
        ("zh-hans", "水资源协定", "关于水资源。", "", "水资源"),
    ],
)
def test_the_ranking_tiers_hold_in_each_language(language, title, summary, full_text, query):
    # Created worst first: only the field decides.
    suffix = language.replace("-", "_")
    if full_text:
        DocumentFactory(title="Full text", summary="Nothing here.", full_text=full_text)
    if language == "en":
        summary_title = "Summary"
        DocumentFactory(title=summary_title, summary=summary)
        DocumentFactory(title=title)
    else:
        summary_title = "Сводка 摘要"
        DocumentFactory(title="Summary", **{f"title_{suffix}": summary_title, f"summary_{suffix}": summary})
        DocumentFactory(title="Title", **{f"title_{suffix}": title})

    with translation.override(language):
        found = [(document.title, document.search_rank) for document in ranked(Document.objects.all(), query)]
        results = [result.title for result in search(query)]

    expected = [(title, 3), (summary_title, 2)]
    if full_text:
        expected.append(("Full text", 1))
    assert found == expected
    assert results == [name for name, _rank in expected]


def test_small_tables_match_the_readers_language_and_fall_back_to_english():
    StateFactory(short_name="Kazakhstan", short_name_ru="Казахстан")
    StateFactory(short_name="Pakistan")
    ChairmanshipFactory(state__short_name="India", motto="Secure", motto_ru="Безопасная ШОС")

    with translation.override("ru"):
        assert [result.kind for result in search("казахстан")] == ["State"]
        assert [result.title for result in search("pakistan")] == ["Pakistan"]
        assert [result.kind for result in search("безопасная")] == ["Chairmanship"]
    assert search("казахстан") == []


def test_the_api_searches_the_language_it_answers_in(api_client):
    DocumentFactory(title="Agreement", slug="agreement", title_ru="Соглашение")

    russian = api_client.get("/api/v1/documents/", {"search": "соглашение"}, HTTP_ACCEPT_LANGUAGE="ru")
    english = api_client.get("/api/v1/documents/", {"search": "соглашение"})

    assert [item["slug"] for item in russian.json()["results"]] == ["agreement"]
    assert english.json()["results"] == []


def test_every_language_follows_an_edit_a_bulk_update_and_a_bulk_create():
    document = DocumentFactory(title="Plan", title_ru="План", title_zh_hans="计划")
    document.title_ru, document.title_zh_hans = "Договор", "条约"
    document.save()
    Document.objects.bulk_create([Document(title="Bulk", slug="bulk", title_ru="Устав", title_zh_hans="宪章")])

    with translation.override("ru"):
        assert titles(matching(Document.objects.all(), "договор")) == ["Договор"]
        assert titles(matching(Document.objects.all(), "план")) == []
        assert titles(matching(Document.objects.all(), "устав")) == ["Устав"]
    with translation.override("zh-hans"):
        assert titles(matching(Document.objects.all(), "条约")) == ["条约"]
        assert titles(matching(Document.objects.all(), "计划")) == []
        assert titles(matching(Document.objects.all(), "宪章")) == ["宪章"]
    Document.objects.filter(slug="bulk").update(title_ru="Хартия")
    with translation.override("ru"):
        assert titles(matching(Document.objects.all(), "хартия")) == ["Хартия"]


def test_a_deleted_record_leaves_every_language_index():
    DocumentFactory(title="Water", title_ru="Вода", title_zh_hans="水").delete()

    for language, query in (("en", "water"), ("ru", "вода"), ("zh-hans", "水")):
        with translation.override(language):
            assert titles(matching(Document.objects.all(), query)) == []


@pytest.mark.parametrize(("address", "query"), [("/ru/search/", "соглашение"), ("/zh-hans/search/", "协定")])
def test_a_search_page_in_another_language_costs_one_query_per_content_type_however_many_match(
    client, django_assert_num_queries, address, query
):
    """Guards against a query per result (or per language) on the Russian and Chinese search pages, and a
    query per chairmanship for the state its title names."""

    def add(count):
        for _ in range(count):
            DocumentFactory(title="Agreement", title_ru="Соглашение", title_zh_hans="协定")
            DocumentFactory(title="Agreement")  # found through its English text in neither language
            InitiativeFactory(title="Agreement", summary_ru="Соглашение", summary_zh_hans="协定")
            SummitFactory(theme="Agreement", theme_ru="Соглашение", theme_zh_hans="协定")
            state = StateFactory(short_name="Agreement", short_name_ru="Соглашение", short_name_zh_hans="协定")
            ChairmanshipFactory(state=state)  # its title names its state

    for count in (1, 19):
        add(count)
        with django_assert_num_queries(5):
            response = client.get(address, {"q": query})
        assert response.content.decode().count("<mark>") >= 4


# --- The indexes ----------------------------------------------------------------------------------------------


def index_definition(sql: str) -> str:
    """An index's CREATE statement without what the database adds or Django quotes."""
    for noise in ('"', "public.", "USING btree "):
        sql = sql.replace(noise, "")
    return " ".join(sql.split())


@pytest.mark.parametrize(
    "index",
    [index for model in apps.get_app_config("chairmanship").get_models() for index in model._meta.indexes],
    ids=lambda index: index.name,
)
def test_the_database_holds_each_index_as_the_models_declare_it(index):
    """Migrations build what ``Meta.indexes`` says (the archive's covering index included), on either database."""
    model = next(model for model in apps.get_app_config("chairmanship").get_models() if index in model._meta.indexes)
    # Only for its SQL: entered, SQLite's schema editor would refuse to run inside the test's transaction.
    declared = str(index.create_sql(model, connection.schema_editor()))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index.name])
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [index.name])
        (stored,) = cursor.fetchone()

    assert index_definition(stored) == index_definition(declared)


def test_the_full_text_indexes_are_in_place_on_either_database():
    """What Django cannot declare (migration 0012) is there, one per language: PostgreSQL's GIN indexes, SQLite's
    FTS5 tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%search_vector%"])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE %s", ["%_search_%"])
        names = {name for (name,) in cursor.fetchall()}

    prefix = "search_vector" if connection.vendor == "postgresql" else "search"
    expected = {
        f"chairmanship_{model}_{prefix}_{language}"
        for model in ("document", "initiative")
        for language in ("en", "ru", "zh_hans")
    }
    # FTS5 keeps shadow tables beside each index (its _data, _idx, _content... tables).
    assert {
        name for name in names if name.rsplit("_", 1)[-1] not in {"data", "idx", "content", "docsize", "config"}
    } == expected


def test_a_result_still_in_english_on_a_russian_search_page_is_marked_for_screen_readers(client):
    DocumentFactory(title="Energy corridor memorandum", summary="Energy links.", slug="english-only")
    DocumentFactory(
        title="Energy charter", title_ru="Энергетическая хартия", summary="Energy.", summary_ru="Энергия.", slug="both"
    )

    english_only = client.get("/ru/search/?q=energy").content.decode()
    translated = client.get("/ru/search/?q=хартия").content.decode()

    assert re.search(r'<a class="record__title" href="/ru/documents/english-only/" lang="en">', english_only)
    assert re.search(r'<a class="record__title" href="/ru/documents/both/">Энергетическая <mark>хартия', translated)


# --- The plans --------------------------------------------------------------------------------------------------

# Migration 0014's indexes that let a page of matches be found without reading every match's row, and what
# the statement says when it reads through them.
PAGE_INDEXES = {
    "postgresql": ([f"chairmanship_document_search_order_{language}" for language in ("en", "ru", "zh_hans")], "<=|"),
    "sqlite": (["chairmanship_document_search_page"], "INDEXED BY"),
}


@pytest.fixture
def page_indexes(monkeypatch):
    """Migration 0014's indexes, which this database has; the test may drop them (its transaction is rolled
    back) and the plans learnt meanwhile are forgotten after it."""
    monkeypatch.setattr(search_module, "_ORDERED_INDEXES", {})
    learn_ordered_indexes(connection)
    names, _mark = PAGE_INDEXES[connection.vendor]
    if not set(names) <= search_module.ordered_indexes(connection):
        pytest.skip("this PostgreSQL has no RUM extension (Debian: postgresql-<version>-rum)")
    return names


def drop_indexes(names):
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP INDEX {name}")
    learn_ordered_indexes(connection)


def found_in(language: str, query: str, limit: int) -> tuple[list, list, bool]:
    """A page of documents, the search page's results, and whether the documents were read through 0014's
    indexes."""
    with translation.override(language), CaptureQueriesContext(connection) as queries:
        documents = [
            (document.title, document.search_rank)
            for document in ranked(Document.objects.published(), query, limit=limit)
        ]
        through_page_index = PAGE_INDEXES[connection.vendor][1] in queries[-1]["sql"]
        results = [(result.kind, result.title) for result in search(query, per_type=limit)]
    return documents, results, through_page_index


def test_with_or_without_the_page_indexes_search_finds_the_same_records_in_the_same_order(page_indexes):
    """0014's indexes (PostgreSQL's RUM extension, SQLite's narrow index) only make a common word's first page
    cheaper: the plan a database without them takes finds the same records, ranked alike, in every language."""
    dates = [datetime.date(2024, 7, 4), None, datetime.date(2019, 6, 15), datetime.date(2024, 7, 4)]
    for n in range(24):
        place = n % 3  # the word in the title, the summary or the full text only
        letter = "kdpagmbqhenclrfjosiwtuvx"[n]  # titles sort apart from the order they were made in
        DocumentFactory(
            title=f"{'Water ' if place == 0 else ''}{letter} record",
            title_ru=f"Вода water {letter}" if n % 4 == 0 else ("Запись" if n % 5 == 0 else ""),
            title_zh_hans=f"水 water {letter}" if n % 6 == 0 else "",
            summary="On water." if place == 1 else "Nothing here.",
            full_text="Water again." if place == 2 else "",
            date=dates[n % len(dates)],
        )
    DocumentFactory(title="Water draft", status="draft")
    cases = [
        (language, query, limit)
        for language in ("en", "ru", "zh-hans")
        for query in ("water", "wat")
        for limit in (4, 25)
    ]

    with_indexes = {case: found_in(*case) for case in cases}
    drop_indexes(page_indexes)
    without_indexes = {case: found_in(*case) for case in cases}

    assert all(through for _documents, _results, through in with_indexes.values())
    assert not any(through for _documents, _results, through in without_indexes.values())
    for case in cases:
        assert with_indexes[case][:2] == without_indexes[case][:2], case
    assert len(with_indexes[("en", "water", 25)][0]) == 24
    assert [rank for _title, rank in with_indexes[("en", "water", 25)][0]] == [3] * 8 + [2] * 8 + [1] * 8
