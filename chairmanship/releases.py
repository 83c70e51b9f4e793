"""Open data releases: the whole published archive as versioned files that anyone may download and reuse.

A release is a folder under ``settings.RELEASES_DIR`` named by its version, the UTC day it was built
(``2025-07-04``; a second release that day is ``2025-07-04-2``). It never changes once written:

    datapackage.json             a Frictionless Data package: every file, every column (type, description)
                                 and the foreign keys between the files
    csv/<table>.csv              one file per table: UTF-8, a header row, one row per record, keyed by slugs
    json/<table>.json            the same rows as a JSON list of objects
    changes.csv, CHANGELOG.md    the records added, changed and removed since the previous release
    LICENCE.md                   the licence, and how to credit the archive
    sco-archive-<version>.zip    all of the above
    SHA256SUMS                   the SHA-256 of every file (``sha256sum -c SHA256SUMS``)
    manifest.json                what the /data/ page reads (not offered for download)

What goes in is what a reader may see, decided by the one rule in models.py (``published()``), at one
moment for the whole release, read from one consistent snapshot of the database: drafts and scheduled
records never appear, and a relation to a record the public cannot see is left empty, as the pages and the
API leave it. Many-to-many relations are tables of their own (``document_topics``: one row per pair).

Tables stream from the database (``iterator(chunk_size=...)``) into the CSV and JSON files at once, and the
changelog is a merge of the previous and the new CSV files, both sorted by their keys in byte order: memory
stays flat however large the archive grows.

Translations are columns. The archive is written in English, and English text keeps the bare column name
(``title``). Each translation is a column of its own named after the language tag, in lower case with
``_`` for ``-``: ``title_ru``, ``title_zh_hans``, empty where the text is not yet translated. The package
marks each translatable column (``"translatable": true``), gives each translation column its ``language``,
and lists the languages present (``languages``).
"""

import contextlib
import csv
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring as encode_text  # json.dumps of a str, without building an encoder
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models.functions import Cast, Collate
from django.utils import timezone

from chairmanship import cache as archive_cache
from chairmanship.languages import LANGUAGE_CODES, OTHER_LANGUAGES, TRANSLATED_FIELDS, field_suffix
from chairmanship.models import (
    Adoption,
    Chairmanship,
    Correction,
    Document,
    DocumentType,
    FigureQualifier,
    Initiative,
    InitiativeCategory,
    InitiativeStatus,
    KeyFigure,
    Membership,
    MembershipStatus,
    Source,
    State,
    Summit,
    SummitFormat,
    Topic,
)

FORMAT_VERSION = 1
PACKAGE_NAME = "sco-chairmanship-archive"
ARCHIVE_NAME = "SCO Chairmanship Archive"

CHUNK_SIZE = 2000
RELEASE_STATEMENT_TIMEOUT = 600  # seconds one query of a build may take (PostgreSQL)
# How many keys per table and kind of change CHANGELOG.md names; changes.csv names every one.
CHANGELOG_NAMES = 50
VERSION_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:-[0-9]{1,4})?")
MANIFEST = "manifest.json"
INDEX = "index.json"
CHECKED = "checked.json"
CHECKSUMS = "SHA256SUMS"
LICENCE_FILE = "LICENCE.md"
CHANGELOG_FILE = "CHANGELOG.md"
CHANGES_FILE = "changes.csv"
DATAPACKAGE = "datapackage.json"

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".zip": "application/zip",
    ".md": "text/markdown; charset=utf-8",
    "": "text/plain; charset=utf-8",  # SHA256SUMS
}


# --- What a release holds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, Frictionless type and description, and where its value comes from.

    ``source`` is the field path read (default: the name). ``link`` names the table a column refers to by
    slug: the value is the related record's slug when that record is public, else empty.
    """

    name: str
    type: str
    description: str
    source: str | None = None
    link: str | None = None
    required: bool = False
    choices: type[models.TextChoices] | None = None
    format: str | None = None
    translatable: bool = False
    language: str | None = None

    def translations(self, model) -> tuple["Column", ...]:
        """This column followed by its Russian and Chinese columns, where the model keeps the field in them."""
        if not self.translatable or (self.source or self.name) not in TRANSLATED_FIELDS.get(model.__name__, ()):
            return (self,)
        names = dict(settings.LANGUAGES)
        return (
            self,
            *(
                Column(
                    f"{self.name}_{field_suffix(code)}",
                    "string",
                    f"{self.description} In {names[code]} ({code}); empty where not yet translated.",
                    source=f"{self.source or self.name}_{field_suffix(code)}",
                    translatable=True,
                    language=code,
                )
                for code in OTHER_LANGUAGES
            ),
        )

    def descriptor(self) -> dict:
        described = {"name": self.name, "type": self.type, "description": self.description}
        if self.format:
            described["format"] = self.format
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.choices is not None:
            values = [choice.value for choice in self.choices if choice.value]
            constraints["enum"] = values
            described["description"] += " One of: " + "; ".join(
                f"{choice.value or '(empty)'}: {choice.label}" for choice in self.choices
            )
        if constraints:
            described["constraints"] = constraints
        if self.translatable:
            described["translatable"] = True
        if self.language:
            described["language"] = self.language
        return described


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...] = ("slug",)


@dataclass(frozen=True)
class Table:
    """One file of a release: a table of records of ``model`` (or pairs of a many-to-many relation)."""

    name: str
    title: str
    description: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("slug",)
    foreign_keys: tuple[ForeignKey, ...] = ()
    # The rows' querysets at a moment; default: the model's public subset (``published()`` where it has one).
    querysets: Callable[[datetime.datetime], list[models.QuerySet]] | None = None
    # Whether the record's own public state is counted for "has published content changed since".
    counted: bool = True

    def __post_init__(self):
        # Every translated field's Russian and Chinese columns follow its English one.
        columns = tuple(translated for column in self.columns for translated in column.translations(self.model))
        object.__setattr__(self, "columns", columns)

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def all_foreign_keys(self) -> list[ForeignKey]:
        linked = [ForeignKey((column.name,), column.link) for column in self.columns if column.link]
        return linked + list(self.foreign_keys)

    def schema(self) -> dict:
        return {
            "fields": [column.descriptor() for column in self.columns],
            "primaryKey": list(self.key),
            "foreignKeys": [
                {
                    "fields": list(foreign_key.fields),
                    "reference": {"resource": foreign_key.table, "fields": list(foreign_key.reference)},
                }
                for foreign_key in self.all_foreign_keys()
            ],
            "missingValues": [""],
        }

    def rows(self, at: datetime.datetime) -> Iterator[tuple]:
        querysets = self.querysets(at) if self.querysets else [public_subset(self.model, at)]
        for queryset in querysets:
            yield from self.selected(queryset, at).iterator(chunk_size=CHUNK_SIZE)

    def selected(self, queryset: models.QuerySet, at: datetime.datetime) -> models.QuerySet:
        """``queryset`` as this table's rows, in key order (byte order: the order ``merge_changes`` reads)."""
        expressions = {f"out_{column.name}": self.expression(column, at) for column in self.columns}
        ordering = [
            byte_order(f"out_{name}") if self.column(name).type == "string" else models.F(f"out_{name}")
            for name in self.key
        ]
        return queryset.order_by().annotate(**expressions).order_by(*ordering).values_list(*expressions)

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    def expression(self, column: Column, at: datetime.datetime):
        source = column.source or column.name
        if column.link is None:
            return models.F(source)
        target = TABLES[column.link].model
        if not hasattr(target.objects, "published"):
            return models.F(f"{source}__slug")
        public = public_subset(target, at).order_by().values("pk")
        return models.Case(
            models.When(**{f"{source}__in": public}, then=models.F(f"{source}__slug")),
            default=models.Value(None),
            output_field=models.CharField(),
        )


def public_subset(model: type[models.Model], at: datetime.datetime) -> models.QuerySet:
    """What a reader may see of ``model`` at ``at``: its ``published()`` subset, or all of it where the model
    has no publication state of its own (sources and topics, as the API lists them)."""
    manager = model._default_manager
    return manager.published(at=at) if hasattr(manager, "published") else manager.all()


def byte_order(name: str):
    """Orders text by its bytes (code points), whatever the database's collation: the changelog merges two
    files in Python's string order."""
    if connection.vendor == "postgresql":
        return Collate(models.F(name), "C")
    return models.F(name)  # SQLite compares text with BINARY unless told otherwise


def text(name: str, description: str, **options) -> Column:
    return Column(name, "string", description, **options)


def slug(description: str) -> Column:
    return Column("slug", "string", description, required=True)


def link(name: str, table: str, description: str, **options) -> Column:
    return Column(name, "string", description, link=table, **options)


def day(name: str, description: str, **options) -> Column:
    return Column(name, "date", description, **options)


PUBLISHED_AT = Column(
    "published_at", "datetime", "When the record was published on the site (UTC, ISO 8601).", required=True
)
SUMMARY = text("summary", "A summary in the archive's words (Markdown).", translatable=True)


def correction_querysets(at: datetime.datetime) -> list[models.QuerySet]:
    """The public corrections of public records, table by table in the order of their names (the file's order)."""
    querysets = []
    for name in sorted(CORRECTED_TABLES):
        model = TABLES[name].model
        records = model._default_manager.filter(pk=models.OuterRef("object_id")).values("slug")
        querysets.append(
            Correction.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=public_subset(model, at).order_by().values("pk"),
            ).annotate(
                corrected_table=models.Value(name, output_field=models.CharField()),
                corrected_record=models.Subquery(records),
            )
        )
    return querysets


def pairs(
    name: str,
    model: type[models.Model],
    field_name: str,
    description: str,
    *,
    right: str,
    right_table: str,
    right_description: str,
    left: tuple[Column, ...] | None = None,
) -> Table:
    """A table of the pairs of a many-to-many relation whose two records are both public, keyed by the two."""
    relation = model._meta.get_field(field_name)
    through = relation.remote_field.through
    left_name, right_name = relation.m2m_field_name(), relation.m2m_reverse_field_name()
    left_table = next(table for table in TABLES.values() if table.model is model)
    if left is None:
        singular = left_table.name.removesuffix("s")
        left = (
            Column(
                singular,
                "string",
                f"The {singular.replace('_', ' ')} (its slug).",
                source=f"{left_name}__slug",
                required=True,
            ),
        )
    columns = (*left, Column(right, "string", right_description, source=f"{right_name}__slug", required=True))

    def querysets(at):
        both_public = {
            f"{left_name}__in": public_subset(model, at).order_by().values("pk"),
            f"{right_name}__in": public_subset(relation.related_model, at).order_by().values("pk"),
        }
        return [through.objects.filter(**both_public)]

    return Table(
        name=name,
        title=name.replace("_", " ").capitalize(),
        description=description,
        model=through,
        columns=columns,
        key=tuple(column.name for column in columns),
        foreign_keys=(
            ForeignKey(tuple(column.name for column in left), left_table.name, left_table.key),
            ForeignKey((right,), right_table),
        ),
        querysets=querysets,
        counted=False,
    )


CORRECTED_TABLES = ("states", "chairmanships", "summits", "documents", "initiatives")

RECORD_TABLES = (
    Table(
        "sources",
        "Sources",
        "The sources the archive cites: each page's headline, publisher, author, date, address and language.",
        Source,
        (
            slug("The source's key."),
            text("title", "The headline of the source as published.", required=True),
            text("publisher", "The organisation or outlet that published it."),
            text("author", "Its author, where one is named."),
            day("published_on", "When it was published, where known."),
            text("url", "Where it can be read (empty where no checked address is known).", format="uri"),
            text("language", "The language it is written in, as a language tag (en, ru, zh-hans, kk...)."),
            text("note", "What the source supports, and any caveat.", translatable=True),
        ),
    ),
    Table(
        "topics",
        "Topics",
        "The topics documents, initiatives and key figures are filed under.",
        Topic,
        (
            slug("The topic's key."),
            text("name", "The topic's name.", required=True, translatable=True),
            text("description", "What the topic covers.", translatable=True),
        ),
    ),
    Table(
        "states",
        "States",
        "Every state that has been a member, observer, dialogue partner or SCO partner.",
        State,
        (
            slug("The state's key, as in the state's address on the site (/states/<slug>/)."),
            text("short_name", "The state's usual English name.", required=True, translatable=True),
            text("official_name", "The state's official English name.", required=True, translatable=True),
            text("iso_alpha2", "ISO 3166-1 alpha-2 code.", required=True),
            text("iso_alpha3", "ISO 3166-1 alpha-3 code.", required=True),
            text("capital", "The capital.", translatable=True),
            SUMMARY,
            PUBLISHED_AT,
        ),
    ),
    Table(
        "memberships",
        "Membership periods",
        "One period of one status of a state. A period runs from its start date up to, not including, its "
        "end date; on the day one status ends the next may begin.",
        Membership,
        (
            link("state", "states", "The state (its slug).", source="state", required=True),
            Column("status", "string", "The status held.", required=True, choices=MembershipStatus),
            day("start_date", "The first day the status held.", required=True),
            day("end_date", "The day the status ended (empty: it still holds)."),
            link("summit", "summits", "The summit at which the status was granted, where known (its slug)."),
            text("note", "A note on the period.", translatable=True),
        ),
        key=("state", "status", "start_date"),
    ),
    Table(
        "chairmanships",
        "Chairmanships",
        "The states that chaired the SCO, with their terms. A term runs from its start date up to, not "
        "including, its end date.",
        Chairmanship,
        (
            slug("The chairmanship's key (/chairmanships/<slug>/ on the site)."),
            link("state", "states", "The chairing state (its slug)."),
            day("start_date", "The day the state took the chair.", required=True),
            day("end_date", "The day it handed the chair on (empty: still chairing)."),
            text("motto", "The chair's motto, where one was published.", translatable=True),
            text("priorities", "The chair's stated priorities (Markdown).", translatable=True),
            SUMMARY,
            PUBLISHED_AT,
        ),
    ),
    Table(
        "summits",
        "Summits",
        "Meetings of the Council of Heads of State, with the documents they are reported to have adopted.",
        Summit,
        (
            slug("The summit's key, city-year (/summits/<slug>/ on the site)."),
            Column("number", "integer", "The summit's ordinal number.", required=True),
            link("host_state", "states", "The host state (its slug)."),
            text("host_city", "The host city.", required=True, translatable=True),
            day("start_date", "The first day the Council met.", required=True),
            day("end_date", "The last day the Council met.", required=True),
            Column("format", "string", "How the summit met.", required=True, choices=SummitFormat),
            text("theme", "The official theme, where one is known.", translatable=True),
            link("chairmanship", "chairmanships", "The chairmanship the summit closed (its slug)."),
            SUMMARY,
            Column(
                "documents_reported",
                "integer",
                "How many documents the summit is reported to have signed or adopted (may exceed those recorded).",
            ),
            text("documents_reported_note", "What the reported figure counts.", translatable=True),
            link("documents_reported_source", "sources", "The source that states the reported figure (its slug)."),
            PUBLISHED_AT,
        ),
    ),
    Table(
        "documents",
        "Documents",
        "Declarations, decisions, agreements and the other documents the SCO adopted.",
        Document,
        (
            slug("The document's key (/documents/<slug>/ on the site)."),
            text("title", "The document's title.", required=True, translatable=True),
            Column(
                "type", "string", "The kind of document.", source="document_type", required=True, choices=DocumentType
            ),
            link("summit", "summits", "The summit that adopted it (its slug)."),
            link("chairmanship", "chairmanships", "The chairmanship during which it was adopted (its slug)."),
            day("date", "The date of adoption or signature."),
            Column(
                "adoption",
                "string",
                "Its legal state (apart from its publication on the site).",
                required=True,
                choices=Adoption,
            ),
            day("entered_into_force", "When it entered into force, only where known."),
            text("official_text_url", "Where the official text is published.", format="uri"),
            SUMMARY,
            text("full_text", "The full text (Markdown), where the archive holds it.", translatable=True),
            text("pdf", "The official text as a PDF: a path under the site's /media/ address."),
            PUBLISHED_AT,
        ),
    ),
    Table(
        "initiatives",
        "Initiatives",
        "Initiatives proposed or launched in the SCO.",
        Initiative,
        (
            slug("The initiative's key (/initiatives/<slug>/ on the site)."),
            text("title", "The initiative's title.", required=True, translatable=True),
            Column("category", "string", "Its field.", required=True, choices=InitiativeCategory),
            Column(
                "implementation_status",
                "string",
                "How far it has come.",
                required=True,
                choices=InitiativeStatus,
            ),
            link("chairmanship", "chairmanships", "The chairmanship that put it forward (its slug)."),
            link("summit", "summits", "The summit that took it up (its slug)."),
            SUMMARY,
            PUBLISHED_AT,
        ),
    ),
    Table(
        "key_figures",
        "Key figures",
        "Numbers the sources report about a chairmanship or a summit, with their units.",
        KeyFigure,
        (
            slug("The figure's key."),
            text("label", "What is counted.", required=True, translatable=True),
            Column("value", "number", "The number.", required=True),
            text("unit", "The unit, e.g. %, USD trillion, events.", translatable=True),
            Column("qualifier", "string", "How exact the number is (empty: exactly).", choices=FigureQualifier),
            day("as_of", "The date the figure was reported for."),
            text("period", "The period the figure covers, e.g. 2023.", translatable=True),
            link("chairmanship", "chairmanships", "The chairmanship it describes (its slug)."),
            link("summit", "summits", "The summit it describes (its slug)."),
            text("note", "A note on the figure.", translatable=True),
            link("source", "sources", "The source that reports it (its slug).", required=True),
        ),
    ),
    Table(
        "corrections",
        "Corrections",
        "The public corrections of records: what was wrong and what is right now, as each record's page shows.",
        Correction,
        (
            Column(
                "table",
                "string",
                "The table of the corrected record.",
                source="corrected_table",
                required=True,
            ),
            text("record", "The corrected record's slug in that table.", source="corrected_record", required=True),
            day("date", "The day of the correction.", required=True),
            text("note", "What was wrong and what is right now.", required=True, translatable=True),
        ),
        key=("table", "record", "date", "note"),
        querysets=correction_querysets,
        counted=False,
    ),
)

TABLES: dict[str, Table] = {table.name: table for table in RECORD_TABLES}

CITES = {"right": "source", "right_table": "sources", "right_description": "A source it cites (its slug)."}
FILED_UNDER = {"right": "topic", "right_table": "topics", "right_description": "A topic (its slug)."}

PAIR_TABLES = (
    pairs("state_sources", State, "sources", "The sources each state's record cites.", **CITES),
    pairs(
        "membership_sources",
        Membership,
        "sources",
        "The sources each membership period cites.",
        left=(
            Column(
                "state", "string", "The period's state (its slug).", source="membership__state__slug", required=True
            ),
            Column("status", "string", "The period's status.", source="membership__status", required=True),
            day("start_date", "The period's first day.", source="membership__start_date", required=True),
        ),
        **CITES,
    ),
    pairs("chairmanship_sources", Chairmanship, "sources", "The sources each chairmanship's record cites.", **CITES),
    pairs("summit_sources", Summit, "sources", "The sources each summit's record cites.", **CITES),
    pairs("document_topics", Document, "topics", "The topics each document is filed under.", **FILED_UNDER),
    pairs(
        "document_signatories",
        Document,
        "signatories",
        "The states that signed each document.",
        right="state",
        right_table="states",
        right_description="A state that signed it (its slug).",
    ),
    pairs("document_sources", Document, "sources", "The sources each document's record cites.", **CITES),
    pairs(
        "initiative_proposers",
        Initiative,
        "proposers",
        "The states that proposed each initiative.",
        right="state",
        right_table="states",
        right_description="A state that proposed it (its slug).",
    ),
    pairs("initiative_topics", Initiative, "topics", "The topics each initiative is filed under.", **FILED_UNDER),
    pairs(
        "initiative_documents",
        Initiative,
        "documents",
        "The documents that carried each initiative out.",
        right="document",
        right_table="documents",
        right_description="A document (its slug).",
    ),
    pairs("initiative_sources", Initiative, "sources", "The sources each initiative's record cites.", **CITES),
    pairs("key_figure_topics", KeyFigure, "topics", "The areas each key figure spans.", **FILED_UNDER),
)
TABLES.update({table.name: table for table in PAIR_TABLES})
ALL_TABLES: tuple[Table, ...] = (*RECORD_TABLES, *PAIR_TABLES)


# --- Writing the tables --------------------------------------------------------------------------------


def iso_datetime(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _csv_cells(kind: str) -> Callable:
    return {
        "string": lambda value: "" if value is None else value,
        "integer": lambda value: "" if value is None else str(value),
        "number": lambda value: "" if value is None else format(value, "f"),
        "date": lambda value: "" if value is None else value.isoformat(),
        "datetime": lambda value: "" if value is None else iso_datetime(value),
    }[kind]


def _json_cells(kind: str) -> Callable:
    # A number is written as the database holds it (a Decimal stays exact, never a rounded float).
    return {
        "string": lambda value: "null" if value is None else encode_text(value),
        "integer": lambda value: "null" if value is None else str(value),
        "number": lambda value: "null" if value is None else format(Decimal(value), "f"),
        "date": lambda value: "null" if value is None else f'"{value.isoformat()}"',
        "datetime": lambda value: "null" if value is None else f'"{iso_datetime(value)}"',
    }[kind]


def csv_path(table: Table) -> str:
    return f"csv/{table.name}.csv"


def json_path(table: Table) -> str:
    return f"json/{table.name}.json"


def write_table(table: Table, at: datetime.datetime, folder: Path) -> int:
    """Streams the table's rows into its CSV and JSON files at once; returns how many rows it wrote."""
    csv_cells = [_csv_cells(column.type) for column in table.columns]
    json_cells = [(json.dumps(column.name) + ": ", _json_cells(column.type)) for column in table.columns]
    rows = 0
    with (
        (folder / csv_path(table)).open("w", encoding="utf-8", newline="") as csv_file,
        (folder / json_path(table)).open("w", encoding="utf-8") as json_file,
    ):
        writer = csv.writer(csv_file)
        writer.writerow(table.column_names)
        json_file.write("[")
        separator = "\n"
        for row in table.rows(at):
            writer.writerow([cell(value) for cell, value in zip(csv_cells, row, strict=True)])
            members = ", ".join(name + cell(value) for (name, cell), value in zip(json_cells, row, strict=True))
            json_file.write(f"{separator}{{{members}}}")
            separator = ",\n"
            rows += 1
        json_file.write("\n]\n")
    return rows


@contextlib.contextmanager
def snapshot():
    """Every table of a release read from one consistent view of the database, while editors keep saving.

    PostgreSQL: a read-only REPEATABLE READ transaction. SQLite: a deferred read transaction (WAL keeps its
    snapshot), begun by hand because the site's own transactions take the write lock when they begin, and
    a build must not hold writers off for as long as it runs. Inside a transaction already (tests), that one.
    """
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")  # nothing was written
    else:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    # The site's statement timeout (DATABASE_STATEMENT_TIMEOUT) is set for pages; sorting the
                    # largest table of pairs may take longer than a page may.
                    cursor.execute("SET LOCAL statement_timeout = %s", [f"{RELEASE_STATEMENT_TIMEOUT}s"])
            yield


# --- "Has published content changed since?" -----------------------------------------------------------


def published_state(at: datetime.datetime | None = None) -> dict[str, list]:
    """For each table of records: how many are public, and the latest edit and publication among them.

    One query. A publish, an unpublish, a scheduled record going live, a deletion or an edit of a public
    record (memberships are edited with their state, key figures with their summit or chairmanship) moves
    it. An edit of a source or a topic on its own page does not: the next build finds it all the same.
    """
    moment = at or timezone.now()
    parts = []
    for table in RECORD_TABLES:
        if not table.counted:
            continue
        versioned = any(field.name == "updated_at" for field in table.model._meta.concrete_fields)

        def latest(name, versioned=versioned):
            return models.Max(name) if versioned else Cast(models.Value(None), models.DateTimeField())

        parts.append(
            public_subset(table.model, moment)
            .order_by()
            .annotate(release_table=models.Value(table.name, output_field=models.CharField()))
            .values("release_table")
            .annotate(
                records=models.Count("pk"), last_updated=latest("updated_at"), last_published=latest("published_at")
            )
            .values_list("release_table", "records", "last_updated", "last_published")
        )
    rows = parts[0].union(*parts[1:], all=True).order_by()
    state = {table.name: [0, None, None] for table in RECORD_TABLES if table.counted}
    for name, records, updated, published in rows:
        state[name] = [records, updated and iso_datetime(updated), published and iso_datetime(published)]
    return state


# --- The changelog: the previous and the new files, merged by key ---------------------------------------


class ReleaseError(Exception):
    pass


def _keyed_rows(path: Path | None, key: tuple[str, ...], columns: list[str]) -> Iterator[tuple[tuple, list]]:
    """(key, row) for each row of a CSV file, the row's cells in the order of ``columns`` (a column the file
    lacks reads as empty), checking that the keys rise strictly."""
    if path is None or not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader, [])
        if header == columns:
            arrange = None
        else:
            positions = {name: index for index, name in enumerate(header)}
            arrange = [positions.get(name) for name in columns]
        at = [columns.index(name) for name in key]
        previous = None
        for row in reader:
            if arrange is not None:
                row = [row[index] if index is not None else "" for index in arrange]
            current = tuple(row[index] for index in at)
            if previous is not None and current <= previous:
                raise ReleaseError(f"{path} is not in key order at {'/'.join(current)}: the changelog cannot be made.")
            previous = current
            yield current, row


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as stream:
        return next(csv.reader(stream), [])


def merge_changes(table: Table, old_path: Path | None, new_path: Path) -> Iterator[tuple[str, str]]:
    """(change, key) for every record of ``table`` added, changed or removed between the two CSV files.

    Both files are sorted by key in byte order, so one pass over each compares them, whatever their size. A
    column added or dropped between the two counts only where it holds a value.
    """
    columns = _header(new_path)
    if old_path is not None and old_path.exists():
        columns += [name for name in _header(old_path) if name not in columns]
    old = _keyed_rows(old_path, table.key, columns)
    new = _keyed_rows(new_path, table.key, columns)
    before, after = next(old, None), next(new, None)
    while before is not None or after is not None:
        if after is None or (before is not None and before[0] < after[0]):
            yield "removed", "/".join(before[0])
            before = next(old, None)
        elif before is None or after[0] < before[0]:
            yield "added", "/".join(after[0])
            after = next(new, None)
        else:
            if before[1] != after[1]:
                yield "changed", "/".join(after[0])
            before, after = next(old, None), next(new, None)


CHANGES = ("added", "changed", "removed")


def write_changes(folder: Path, previous: "Release | None", files: dict[str, dict]) -> tuple[dict, dict]:
    """Writes changes.csv (every change) and returns the counts and the first names of each table's changes.

    The first release has nothing to compare with: its changes.csv holds the header alone.
    """
    counts, named = {}, {}
    with (folder / CHANGES_FILE).open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(("table", "key", "change"))
        for table in ALL_TABLES if previous is not None else ():
            path = csv_path(table)
            earlier = previous.manifest["files"].get(path)
            if earlier is not None and earlier["sha256"] == files[path]["sha256"]:
                continue  # the same file: nothing in it changed
            old = previous.folder / path
            tally = dict.fromkeys(CHANGES, 0)
            names = {change: [] for change in CHANGES}
            for change, key in merge_changes(table, old, folder / csv_path(table)):
                writer.writerow((table.name, key, change))
                tally[change] += 1
                if len(names[change]) < CHANGELOG_NAMES:
                    names[change].append(key)
            if any(tally.values()):
                counts[table.name], named[table.name] = tally, names
    return counts, named


def changelog_text(version: str, built_at: datetime.datetime, previous: "Release | None", counts, named) -> str:
    lines = [f"# {ARCHIVE_NAME}: changes in release {version}", ""]
    if previous is None:
        lines += [f"The first release, built {built_at:%Y-%m-%d %H:%M} UTC: every record in it is new.", ""]
        return "\n".join(lines)
    else:
        lines += [
            f"Built {built_at:%Y-%m-%d %H:%M} UTC. What changed since release {previous.version} "
            f"(built {previous.built_at:%Y-%m-%d %H:%M} UTC), table by table. A record is named by its key "
            f"(its slug; for a table of pairs, the two slugs). {CHANGES_FILE} lists every change.",
            "",
        ]
    if not counts:
        lines += ["Nothing changed.", ""]
        return "\n".join(lines)
    lines += ["| table | added | changed | removed |", "| --- | ---: | ---: | ---: |"]
    lines += [
        f"| {name} | {tally['added']} | {tally['changed']} | {tally['removed']} |" for name, tally in counts.items()
    ]
    lines.append("")
    for name, names in named.items():
        lines += [f"## {name}", ""]
        for change in CHANGES:
            if not names[change]:
                continue
            more = counts[name][change] - len(names[change])
            listed = ", ".join(f"`{key}`" for key in names[change]) + (f" and {more} more" if more else "")
            lines.append(f"- {change.capitalize()}: {listed}")
        lines.append("")
    return "\n".join(lines)


# --- The package ---------------------------------------------------------------------------------------


def licence() -> dict:
    return settings.OPEN_DATA_LICENCE


def licence_text(version: str, built_at: datetime.datetime) -> str:
    terms = licence()
    return "\n".join(
        [
            f"# Licence: {ARCHIVE_NAME} open data, release {version}",
            "",
            f"Built {built_at:%Y-%m-%d %H:%M} UTC. The data in this release (every CSV and JSON file, and "
            f"{DATAPACKAGE}) is made available under the {terms['title']} licence ({terms['name']}): "
            f"{terms['path']}",
            "",
            "You may copy, share and adapt it for any purpose, commercial ones included, provided that you credit "
            f'"{ARCHIVE_NAME}", name the release ({version}), link to the licence and say whether you changed '
            "the data.",
            "",
            f"Suggested credit: {ARCHIVE_NAME}, open data release {version}, {terms['name']}.",
            "",
            "The official texts of SCO documents (the documents' full_text column) and the sources the "
            "archive cites remain their publishers'; their own terms apply to them.",
            "",
        ]
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_facts(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "sha256": sha256_of(path)}


def datapackage(version: str, built_at: datetime.datetime, files: dict[str, dict]) -> dict:
    """The Frictionless Data (tabular) package describing every CSV and JSON file of the release."""
    resources = []
    for table in ALL_TABLES:
        resources.append(
            {
                "name": table.name,
                "path": csv_path(table),
                "profile": "tabular-data-resource",
                "title": table.title,
                "description": table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": files[csv_path(table)]["bytes"],
                "hash": f"sha256:{files[csv_path(table)]['sha256']}",
                "schema": table.schema(),
            }
        )
    for table in ALL_TABLES:
        # The same rows as a JSON list of objects, one member per column of the CSV resource's schema (typed:
        # numbers as numbers, empty values as null). Described as files: a tabular JSON resource cannot be
        # empty, and a table (corrections, say) may well be.
        resources.append(
            {
                "name": f"{table.name}-json",
                "path": json_path(table),
                "profile": "data-resource",
                "title": f"{table.title} (JSON)",
                "description": f"The rows of {table.name} as a JSON list of objects with the columns of the "
                f"{table.name} resource's schema. {table.description}",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                "bytes": files[json_path(table)]["bytes"],
                "hash": f"sha256:{files[json_path(table)]['sha256']}",
            }
        )
    resources.append(
        {
            "name": "changes",
            "path": CHANGES_FILE,
            "profile": "tabular-data-resource",
            "title": "Changes since the previous release",
            "description": "Every record added, changed or removed since the previous release.",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": files[CHANGES_FILE]["bytes"],
            "hash": f"sha256:{files[CHANGES_FILE]['sha256']}",
            "schema": {
                "fields": [
                    {
                        "name": "table",
                        "type": "string",
                        "description": "The table (resource) of the record.",
                        "constraints": {"required": True, "enum": [table.name for table in ALL_TABLES]},
                    },
                    {
                        "name": "key",
                        "type": "string",
                        "description": "The record's key: its slug; for a membership period or a pair, its key "
                        "columns joined by /.",
                        "constraints": {"required": True},
                    },
                    {
                        "name": "change",
                        "type": "string",
                        "description": "added, changed or removed.",
                        "constraints": {"required": True, "enum": list(CHANGES)},
                    },
                ],
                "missingValues": [""],
            },
        }
    )
    terms = licence()
    return {
        "profile": "data-package",
        "name": PACKAGE_NAME,
        "title": f"{ARCHIVE_NAME}: open data",
        "description": (
            "The whole published record of the SCO Chairmanship Archive: states and their membership periods, "
            "chairmanships, summits, documents, initiatives, key figures, topics, sources and corrections, with "
            "the many-to-many relations as tables of pairs. Every table is given twice, as CSV and as JSON "
            "(resources named <table>-json, with the columns of the CSV resource's schema). Records are keyed by slug; dates are ISO 8601 (UTC for times). "
            "Text is in English; translatable columns are marked, and a translation will be a column named "
            "after its language tag (title_ru, title_zh_hans)."
        ),
        "version": version,
        "created": iso_datetime(built_at),
        "languages": list(LANGUAGE_CODES),
        "keywords": ["Shanghai Cooperation Organisation", "SCO", "summits", "treaties", "international relations"],
        "licenses": [{"name": terms["name"], "title": terms["title"], "path": terms["path"]}],
        "resources": resources,
    }


def write_json(path: Path, data) -> None:
    """Written beside and renamed over, so a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)


def zip_name(version: str) -> str:
    return f"sco-archive-{version}.zip"


def write_zip(folder: Path, version: str, names: list[str]) -> str:
    name = zip_name(version)
    with zipfile.ZipFile(folder / name, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for member in names:
            archive.write(folder / member, arcname=member)  # read and compressed in chunks
    return name


# --- Releases on disk ----------------------------------------------------------------------------------


def releases_dir() -> Path:
    return Path(settings.RELEASES_DIR)


@dataclass
class Release:
    version: str
    folder: Path
    manifest: dict = field(repr=False)

    @property
    def built_at(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.manifest["built_at"])

    @property
    def zip_name(self) -> str:
        return self.manifest["zip"]

    @property
    def tables(self) -> list[dict]:
        """Each table with its rows and its two files' sizes, in the package's order."""
        return [{"name": name, **facts} for name, facts in self.manifest["tables"].items()]

    @property
    def records(self) -> int:
        return sum(facts["rows"] for name, facts in self.manifest["tables"].items() if name in RECORD_TABLE_NAMES)

    @property
    def changes(self) -> list[dict]:
        return [{"table": name, **tally} for name, tally in self.manifest["changes"].items()]

    def file(self, name: str) -> Path | None:
        """The path of a file the release offers, or None: only the names its manifest lists are served."""
        if name not in self.manifest["files"]:
            return None
        path = self.folder / name
        return path if path.is_file() else None

    def facts(self, name: str) -> dict:
        return self.manifest["files"][name]

    @property
    def first(self) -> bool:
        return self.manifest["previous"] is None

    def offered_files(self) -> list[dict]:
        """The files a reader downloads whole: the ZIP, the package, checksums, licence and changelog."""
        described = (
            (self.zip_name, "Everything below, in one ZIP file"),
            (DATAPACKAGE, "The Frictionless Data package: every file, column, type and foreign key"),
            (CHECKSUMS, "The SHA-256 checksum of every file (sha256sum -c SHA256SUMS)"),
            (LICENCE_FILE, "The licence, and how to credit the archive"),
            (CHANGELOG_FILE, "What changed since the previous release, table by table"),
            (CHANGES_FILE, "Every record added, changed or removed since the previous release, one per row"),
        )
        return [{"name": name, "label": label, **self.facts(name)} for name, label in described]

    def table_files(self) -> list[dict]:
        """Each table with its description, rows and its CSV and JSON files."""
        listed = []
        for name, facts in self.manifest["tables"].items():
            table = TABLES.get(name)
            listed.append(
                {
                    "name": name,
                    "description": table.description if table else "",
                    "pairs": name not in RECORD_TABLE_NAMES,
                    "rows": facts["rows"],
                    "csv": {"name": f"csv/{name}.csv", **facts["csv"]},
                    "json": {"name": f"json/{name}.json", **facts["json"]},
                }
            )
        return listed


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix, CONTENT_TYPES[""])


RECORD_TABLE_NAMES = frozenset(table.name for table in RECORD_TABLES)


def get_release(version: str) -> Release | None:
    if not VERSION_PATTERN.fullmatch(version):
        return None
    folder = releases_dir() / version
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Release(version, folder, manifest)


def release_index() -> list[dict]:
    """Every release, newest first, as the index written with the last release lists them."""
    try:
        return json.loads((releases_dir() / INDEX).read_text(encoding="utf-8"))["releases"]
    except (OSError, ValueError, KeyError):
        return []


def current_release() -> Release | None:
    index = release_index()
    return get_release(index[0]["version"]) if index else None


def has_changed_since(release: Release) -> bool:
    """Whether published content differs from what the release holds (``published_state``: one query)."""
    return published_state() != release.manifest["fingerprint"]


def _scan_releases(root: Path) -> list[Release]:
    found = []
    for folder in root.iterdir() if root.is_dir() else []:
        if folder.is_dir() and VERSION_PATTERN.fullmatch(folder.name):
            release = get_release(folder.name)
            if release is not None:
                found.append(release)
    # Two releases built within the same second (their times are kept to the second) are told apart by the
    # number the later one's version carries (``next_version``).
    return sorted(found, key=lambda release: (release.built_at, int(release.version[11:] or 1)), reverse=True)


def write_index(root: Path) -> list[Release]:
    releases = _scan_releases(root)
    write_json(
        root / INDEX,
        {
            "releases": [
                {
                    "version": release.version,
                    "built_at": release.manifest["built_at"],
                    "records": release.records,
                    "zip": release.zip_name,
                    "zip_bytes": release.facts(release.zip_name)["bytes"],
                    "changes": {
                        change: sum(tally[change] for tally in release.manifest["changes"].values())
                        for change in CHANGES
                    },
                    "first": release.manifest["previous"] is None,
                }
                for release in releases
            ]
        },
    )
    return releases


def next_version(root: Path, built_at: datetime.datetime) -> str:
    version = built_at.strftime("%Y-%m-%d")
    number = 2
    candidate = version
    while (root / candidate).exists():
        candidate = f"{version}-{number}"
        number += 1
    return candidate


# --- Building ------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    release: Release | None
    reason: str


class ReleaseBusy(ReleaseError):
    pass


class _Lock:
    """One build at a time per releases folder (a scheduled run that overlaps a slow one leaves)."""

    def __init__(self, root: Path):
        self.path = root / ".lock"

    def __enter__(self):
        self.stream = self.path.open("w")
        try:
            fcntl.flock(self.stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            self.stream.close()
            raise ReleaseBusy("Another release is being built into this folder.") from error
        return self

    def __exit__(self, *exc_info):
        fcntl.flock(self.stream, fcntl.LOCK_UN)
        self.stream.close()
        return False


def _content_version() -> int | None:
    try:
        return archive_cache.content_version()
    except archive_cache.CacheUnavailable:
        return None


def _checked(root: Path) -> dict:
    try:
        return json.loads((root / CHECKED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_release(*, force: bool = False) -> Outcome:
    """Builds a new release of the published archive, unless nothing published changed since the last one.

    Nothing changed when the content version is the one the last check saw (no save or delete at all since),
    or else when every table comes out byte for byte as in the last release. ``force`` builds a release
    all the same.
    """
    root = releases_dir()
    root.mkdir(parents=True, exist_ok=True)
    with _Lock(root):
        previous = current_release()
        version_seen = _content_version()
        checked = _checked(root)
        if (
            not force
            and previous is not None
            and version_seen is not None
            and checked.get("content_version") == version_seen
            and checked.get("release") == previous.version
        ):
            return Outcome(None, f"Nothing was saved since release {previous.version} was checked.")
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
        staging.chmod(0o755)  # readable by the web server, like every file in it
        try:
            outcome = _build_into(staging, root, previous, force=force, content_version=version_seen)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        latest = outcome.release or previous
        if latest is not None:
            write_json(
                root / CHECKED,
                {
                    "content_version": version_seen,
                    "release": latest.version,
                    "checked_at": iso_datetime(timezone.now()),
                },
            )
        return outcome


def _build_into(staging: Path, root: Path, previous: Release | None, *, force: bool, content_version) -> Outcome:
    (staging / "csv").mkdir()
    (staging / "json").mkdir()
    built_at = timezone.now().replace(microsecond=0)
    at = timezone.now()
    tables = {}
    with snapshot():
        fingerprint = published_state(at)
        for table in ALL_TABLES:
            tables[table.name] = {"rows": write_table(table, at, staging)}
    data_files = {}
    for table in ALL_TABLES:
        for path in (csv_path(table), json_path(table)):
            data_files[path] = file_facts(staging / path)
        tables[table.name] |= {"csv": data_files[csv_path(table)], "json": data_files[json_path(table)]}

    if previous is not None and not force:
        earlier = previous.manifest["files"]
        if all(
            csv_path(table) in earlier and earlier[csv_path(table)]["sha256"] == data_files[csv_path(table)]["sha256"]
            for table in ALL_TABLES
        ):
            return Outcome(None, f"Published content is the same as in release {previous.version}.")

    version = next_version(root, built_at)
    counts, named = write_changes(staging, previous, data_files)
    (staging / CHANGELOG_FILE).write_text(changelog_text(version, built_at, previous, counts, named), encoding="utf-8")
    (staging / LICENCE_FILE).write_text(licence_text(version, built_at), encoding="utf-8")
    files = {**data_files, CHANGES_FILE: file_facts(staging / CHANGES_FILE)}
    write_json(staging / DATAPACKAGE, datapackage(version, built_at, files))
    for name in (DATAPACKAGE, CHANGELOG_FILE, LICENCE_FILE):
        files[name] = file_facts(staging / name)
    packed = [DATAPACKAGE, *data_files, CHANGES_FILE, CHANGELOG_FILE, LICENCE_FILE]
    archive = write_zip(staging, version, packed)
    files[archive] = file_facts(staging / archive)
    (staging / CHECKSUMS).write_text(
        "".join(f"{files[name]['sha256']}  {name}\n" for name in sorted(files)), encoding="utf-8"
    )
    files[CHECKSUMS] = file_facts(staging / CHECKSUMS)
    manifest = {
        "format": FORMAT_VERSION,
        "version": version,
        "built_at": built_at.isoformat(),
        "content_version": content_version,
        "previous": previous.version if previous is not None else None,
        "fingerprint": fingerprint,
        "tables": tables,
        "changes": counts,
        "zip": archive,
        "files": files,
    }
    write_json(staging / MANIFEST, manifest)
    os.replace(staging, root / version)
    write_index(root)
    return Outcome(get_release(version), f"Built release {version}.")
