"""The public site in English, Russian and Chinese: complete catalogues, compiled catalogues that match them,
every page type in each language with its alternates, the same queries whatever the language, summit names in
each language's own form, and English shown as such where a record is not yet translated."""

import datetime
import re
from http import HTTPStatus
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from chairmanship import languages
from chairmanship.models import MembershipStatus, summit_title
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

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
PLURAL_FORMS = {"ru": 3, "zh_Hans": 1}
PYTHON_FORMAT = re.compile(r"%\((\w+)\)[sd]|%%")
BRACE_FORMAT = re.compile(r"\{(\w+)\}")

# Interface strings a Russian or Chinese page must not show in English (the language names in the switcher
# and the archive's English record fields aside).
ENGLISH_INTERFACE = (
    "Skip to content",
    "Search the archive",
    "SCO Chairmanship Archive",
    ">Summits<",
    ">States<",
    ">Chairmanships<",
    ">Documents<",
    ">Initiatives<",
    "Open data",
    "(Atom feed)",
    "An independent, cited archive",
    'aria-label="Language"',
    'aria-label="Breadcrumb"',
    "Cite this",
    "Sources<",
    "Key figures",
    "Apply filters",
    "Sort by",
    "No documents",
    "We could not find that page",
    "(not yet translated)",
)
OTHER_LANGUAGES = ("ru", "zh-hans")
# What a page shows in English on purpose: English marked as such (citations, untranslated record fields), and
# the machine-readable descriptions (JSON-LD, citation meta tags and COinS name the archive as it is cited).
MARKED_ENGLISH = re.compile(
    r'<(blockquote|span|div|td) lang="en">.*?</\1>|<script type="application/ld\+json">.*?</script>'
    r'|<meta name="citation_\w+" content="[^"]*">|<span class="Z3988" title="[^"]*">',
    re.DOTALL,
)


def entries(catalogue):
    return [entry for entry in catalogue if not entry.obsolete]


def placeholders(text: str) -> list[str]:
    return sorted(PYTHON_FORMAT.findall(text) + BRACE_FORMAT.findall(text))


def test_there_is_a_catalogue_for_russian_and_for_chinese():
    assert {path.parent.parent.name for path in CATALOGUES} == {"ru", "zh_Hans"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_every_interface_string_is_translated_with_the_same_placeholders(path):
    catalogue = polib.pofile(str(path))
    language = path.parent.parent.name
    assert f"nplurals={PLURAL_FORMS[language]};" in catalogue.metadata["Plural-Forms"].replace(" ", "")
    assert not catalogue.metadata_is_fuzzy, "the header is marked fuzzy"
    problems = []
    for entry in entries(catalogue):
        name = f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid}"
        if entry.fuzzy:
            problems.append(f"fuzzy: {name}")
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(index, "") for index in range(PLURAL_FORMS[language])]
            expected = placeholders(entry.msgid_plural)
        else:
            forms = [entry.msgstr]
            expected = placeholders(entry.msgid)
        if not all(form.strip() for form in forms):
            problems.append(f"untranslated: {name}")
        for form in forms:
            if form and placeholders(form) != expected:
                problems.append(f"placeholders differ: {name} -> {form}")
    assert not problems, "\n".join(problems)


def translations(catalogue) -> dict:
    return {
        (entry.msgctxt, entry.msgid): (
            tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        )
        for entry in entries(catalogue)
        if entry.msgid
    }


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_the_committed_compiled_catalogue_matches_its_source(path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run `make messages`"
    assert translations(polib.mofile(str(compiled))) == translations(polib.pofile(str(path))), (
        f"{compiled} is stale: run `make messages`"
    )


# --- Pages ------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _measure_the_views_not_the_page_cache(settings):
    settings.PAGE_CACHE = False


@pytest.fixture
def world(db):
    """One of each public record, named in English and (mostly) in Russian and Chinese."""
    kazakhstan = StateFactory(
        slug="kazakhstan", short_name="Kazakhstan", short_name_ru="Казахстан", short_name_zh_hans="哈萨克斯坦"
    )
    MembershipFactory(state=kazakhstan)
    chairmanship = ChairmanshipFactory(
        state=kazakhstan, slug="kazakhstan-2023-2024", start_date=datetime.date(2023, 7, 4), end_date=None
    )
    summit = SummitFactory(
        number=24,
        slug="astana-2024",
        host_state=kazakhstan,
        host_city="Astana",
        host_city_ru="Астана",
        host_city_zh_hans="阿斯塔纳",
        chairmanship=chairmanship,
        start_date=datetime.date(2024, 7, 3),
        end_date=datetime.date(2024, 7, 4),
    )
    topic = TopicFactory(slug="security", name="Security", name_ru="Безопасность", name_zh_hans="安全")
    document = DocumentFactory(
        slug="astana-declaration",
        title="Astana Declaration",
        title_ru="Астанинская декларация",
        title_zh_hans="阿斯塔纳宣言",
        summit=summit,
        chairmanship=chairmanship,
    )
    document.topics.add(topic)
    document.signatories.add(kazakhstan)
    initiative = InitiativeFactory(
        slug="unity-for-peace",
        title="Unity for peace",
        title_ru="Единство во имя мира",
        title_zh_hans="团结促和平",
        summit=summit,
        chairmanship=chairmanship,
    )
    initiative.proposers.add(kazakhstan)
    initiative.documents.add(document)
    KeyFigureFactory(chairmanship=chairmanship, label="Events held", label_ru="Мероприятия", label_zh_hans="活动")
    return {
        "state": kazakhstan,
        "chairmanship": chairmanship,
        "summit": summit,
        "document": document,
        "initiative": initiative,
    }


def page_addresses(world) -> dict[str, tuple[str, HTTPStatus]]:
    """Every public page type, by name: its English address and the status it answers with."""
    ok = HTTPStatus.OK
    return {
        "home": (reverse("chairmanship:home"), ok),
        "summit list": (reverse("chairmanship:summit_list"), ok),
        "summit": (world["summit"].get_absolute_url(), ok),
        "state list": (reverse("chairmanship:state_list"), ok),
        "state": (world["state"].get_absolute_url(), ok),
        "chairmanship list": (reverse("chairmanship:chairmanship_list"), ok),
        "chairmanship": (world["chairmanship"].get_absolute_url(), ok),
        "document list": (reverse("chairmanship:document_list"), ok),
        "document": (world["document"].get_absolute_url(), ok),
        "initiative list": (reverse("chairmanship:initiative_list"), ok),
        "initiative": (world["initiative"].get_absolute_url(), ok),
        "search": (reverse("chairmanship:search") + "?q=Astana", ok),
        "on a date": (reverse("chairmanship:on_date", kwargs={"day": "2024-07-04"}), ok),
        "coverage": (reverse("chairmanship:coverage"), ok),
        "open data": (reverse("chairmanship:open_data"), ok),
        "not found": ("/no-such-page/", HTTPStatus.NOT_FOUND),
    }


PAGE_TYPES = (
    "home",
    "summit list",
    "summit",
    "state list",
    "state",
    "chairmanship list",
    "chairmanship",
    "document list",
    "document",
    "initiative list",
    "initiative",
    "search",
    "on a date",
    "coverage",
    "open data",
    "not found",
)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
@pytest.mark.parametrize("page", PAGE_TYPES)
def test_every_page_type_speaks_the_language_of_its_address(client, world, page, language):
    english, status = page_addresses(world)[page]
    response = client.get(languages.prefixed_path(english, language))
    html = response.content.decode()

    assert response.status_code == status
    assert f'<html lang="{language}">' in html
    assert response["Content-Language"] == language
    if status == HTTPStatus.NOT_FOUND:
        # An error page has no address of its own to offer: its switcher leads to each home page.
        assert 'hreflang="x-default"' not in html
        for code in ("en", *OTHER_LANGUAGES):
            assert re.search(rf'<a href="{re.escape(languages.prefixed_path("/", code))}" hreflang="{code}"', html)
    else:
        # The head names the page in every language, English as the default for other languages.
        for code in ("en", *OTHER_LANGUAGES):
            path = languages.prefixed_path(english, code)
            assert f'<link rel="alternate" hreflang="{code}" href="http://testserver{path}">' in html
            # The switcher links the same page, named in its own language.
            assert re.search(rf'<a href="{re.escape(path)}" hreflang="{code}" lang="{code}"', html)
        assert f'<link rel="alternate" hreflang="x-default" href="http://testserver{english}">' in html
    shown = MARKED_ENGLISH.sub("", html)
    left_in_english = [text for text in ENGLISH_INTERFACE if text in shown]
    assert not left_in_english, f"English interface text on the {language} {page} page: {left_in_english}"


@pytest.mark.parametrize("page", PAGE_TYPES)
def test_a_page_costs_the_same_queries_in_every_language(client, world, page):
    """Guards against a per-language lookup that queries (a translated label read from the database per row,
    a facet cache that only English shares)."""
    english, _status = page_addresses(world)[page]
    addresses = {code: languages.prefixed_path(english, code) for code in ("en", *OTHER_LANGUAGES)}
    for address in addresses.values():  # counts and id blocks are remembered per content version
        client.get(address)
    counts = {}
    for code, address in addresses.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(address)
        counts[code] = len(queries)
    assert counts["ru"] == counts["en"] == counts["zh-hans"], counts


# --- Summit names, dates, untranslated records ------------------------------------------------------------


def test_a_summit_is_named_in_each_languages_own_form():
    with translation.override("en"):
        assert summit_title(24, "Astana", 2024, of_the_sco=True) == "24th SCO summit, Astana 2024"
    with translation.override("ru"):
        assert summit_title(24, "Астана", 2024, of_the_sco=True).startswith("24-й саммит ШОС")
        assert summit_title(24, "Астана", 2024, heading=True) == "24-й саммит: Астана, 2024"
    with translation.override("zh-hans"):
        assert summit_title(24, "阿斯塔纳", 2024, of_the_sco=True).startswith("上海合作组织第二十四次峰会")
        assert summit_title(11, "杜尚别", 2011).startswith("第十一次峰会")


def test_the_summit_page_names_the_summit_in_russian_and_chinese(client, world):
    address = world["summit"].get_absolute_url()
    russian = client.get(languages.prefixed_path(address, "ru")).content.decode()
    chinese = client.get(languages.prefixed_path(address, "zh-hans")).content.decode()
    assert '<meta property="og:title" content="24-й саммит ШОС, Астана, 2024">' in russian
    assert "<h1>24-й саммит: Астана, 2024</h1>" in russian
    assert "上海合作组织第二十四次峰会" in chinese
    assert "<h1>第二十四次峰会：阿斯塔纳，2024年</h1>" in chinese


def test_dates_are_written_in_each_languages_own_form(client, world):
    address = world["document"].get_absolute_url()
    assert "4 July 2024" in client.get(address).content.decode()
    assert "4 июля 2024" in client.get(languages.prefixed_path(address, "ru")).content.decode()
    assert "2024年7月4日" in client.get(languages.prefixed_path(address, "zh-hans")).content.decode()


def test_plural_forms_follow_russian_grammar(client, db):
    for _ in range(2):
        DocumentFactory()
    html = client.get(languages.prefixed_path(reverse("chairmanship:document_list"), "ru")).content.decode()
    assert "2 документа" in html
    for _ in range(3):
        DocumentFactory()
    html = client.get(languages.prefixed_path(reverse("chairmanship:document_list"), "ru")).content.decode()
    assert "5 документов" in html


def test_a_record_without_a_russian_title_shows_its_english_title_marked_as_english(client, world):
    untranslated = DocumentFactory(slug="tashkent-declaration", title="Tashkent Declaration", summit=world["summit"])
    page = client.get(languages.prefixed_path(untranslated.get_absolute_url(), "ru")).content.decode()
    assert (
        '<h1><span lang="en">Tashkent Declaration</span> <span class="untranslated">(ещё не переведено)</span></h1>'
        in page
    )
    listing = client.get(languages.prefixed_path(reverse("chairmanship:document_list"), "ru")).content.decode()
    assert '<span lang="en">Tashkent Declaration</span>' in listing
    assert "Астанинская декларация" in listing and '<span lang="en">Astana Declaration</span>' not in listing


def test_membership_headings_are_translated_rather_than_given_an_english_plural():
    with translation.override("ru"):
        assert MembershipStatus.MEMBER.plural == "Государства-члены"
    with translation.override("en"):
        assert MembershipStatus.PARTNER.plural == "SCO partners"
