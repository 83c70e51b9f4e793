"""Open data releases: ``manage.py build_release`` and the /data/ page (``chairmanship.releases``).

A release must hold every published record and nothing else, be a valid Frictionless Data package, load back
into an empty database as the same records, list what changed since the previous one, carry checksums that
match, and be built again only when published content changed.
"""

import csv
import datetime
import hashlib
import io
import json
import zipfile
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from frictionless import Package, validate

from chairmanship import publication, releases
from chairmanship.models import (
    Chairmanship,
    Correction,
    Document,
    Initiative,
    KeyFigure,
    Membership,
    PublicationStatus,
    Publishable,
    Source,
    State,
    Summit,
    Topic,
)
from tests import factories

pytestmark = pytest.mark.django_db

HIDDEN_SLUGS = ("draft-state", "draft-summit", "draft-document", "scheduled-document", "draft-chairmanship")


@pytest.fixture
def archive(archive_for_module):
    """The curated archive (loaded once for the module; what a test writes is rolled back)."""


@pytest.fixture
def unpublished(archive):
    """Drafts and scheduled records, and published records that refer to them."""
    kazakhstan = State.objects.get(slug="kazakhstan")
    draft_state = factories.StateFactory(draft=True, slug="draft-state")
    factories.MembershipFactory(state=draft_state)
    draft_summit = factories.SummitFactory(draft=True, slug="draft-summit", host_state=kazakhstan)
    draft_chairmanship = factories.ChairmanshipFactory(draft=True, slug="draft-chairmanship", state=kazakhstan)
    factories.KeyFigureFactory(slug="figure-of-a-draft", chairmanship=draft_chairmanship)
    draft_document = factories.DocumentFactory(draft=True, slug="draft-document")
    scheduled = factories.DocumentFactory(scheduled=True, slug="scheduled-document")
    signed = factories.DocumentFactory(slug="declaration-signed-with-others", summit=draft_summit)
    signed.signatories.set([kazakhstan, draft_state])
    initiative = factories.InitiativeFactory(slug="initiative-with-others", summit=draft_summit)
    initiative.documents.set([draft_document, signed])
    initiative.proposers.set([draft_state])
    for record in (draft_document, scheduled, signed):
        Correction.objects.create(record=record, note=f"Corrected {record.slug}.")
    return {"signed": signed, "initiative": initiative, "draft_document": draft_document}


def build(**options) -> str:
    output = io.StringIO()
    call_command("build_release", stdout=output, **options)
    return output.getvalue()


def rows_of(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


# --- What a release holds ------------------------------------------------------------------------------


def test_a_release_holds_every_published_record_and_no_draft_or_scheduled_one(unpublished):
    assert "Built release" in build()
    release = releases.current_release()

    for name, model in (
        ("states", State),
        ("chairmanships", Chairmanship),
        ("summits", Summit),
        ("documents", Document),
        ("initiatives", Initiative),
    ):
        slugs = [row["slug"] for row in rows_of(release.folder / "csv" / f"{name}.csv")]
        assert sorted(slugs) == sorted(model.objects.published().values_list("slug", flat=True)), name
    signed = rows_of(release.folder / "csv" / "documents.csv")
    assert next(row for row in signed if row["slug"] == "declaration-signed-with-others")["summit"] == ""
    signatories = rows_of(release.folder / "csv" / "document_signatories.csv")
    assert [row["state"] for row in signatories if row["document"] == "declaration-signed-with-others"] == [
        "kazakhstan"
    ]
    corrections = rows_of(release.folder / "csv" / "corrections.csv")
    assert [row["record"] for row in corrections] == ["declaration-signed-with-others"]

    with zipfile.ZipFile(release.folder / release.zip_name) as archive:
        members = {name: archive.read(name).decode() for name in archive.namelist()}
    assert {"datapackage.json", "csv/documents.csv", "json/documents.json", "LICENCE.md"} <= set(members)
    for name, content in members.items():
        for slug in HIDDEN_SLUGS:
            assert slug not in content, f"{slug} appears in {name}"


def test_the_package_is_valid_frictionless_data_with_every_column_described(unpublished):
    build()
    release = releases.current_release()

    report = validate(str(release.folder / "datapackage.json"))
    assert report.valid, report.flatten(["taskName", "type", "note"])[:10]
    assert validate(str(release.folder / release.zip_name)).valid

    package = Package(str(release.folder / "datapackage.json"))
    assert package.version == release.version
    assert package.licenses[0]["name"] == "CC-BY-4.0"
    documents = package.get_resource("documents").schema
    assert all(field.description for field in documents.fields)
    assert documents.get_field("date").type == "date"
    assert documents.get_field("published_at").type == "datetime"
    assert documents.get_field("title").to_descriptor()["translatable"] is True
    assert {(tuple(key["fields"]), key["reference"]["resource"]) for key in documents.foreign_keys} == {
        (("summit",), "summits"),
        (("chairmanship",), "chairmanships"),
    }
    sources_of_periods = package.get_resource("membership_sources").schema.foreign_keys
    assert sources_of_periods[0]["reference"] == {
        "resource": "memberships",
        "fields": ["state", "status", "start_date"],
    }


def test_the_json_files_hold_the_same_rows_as_the_csv_files_typed(archive):
    build()
    release = releases.current_release()

    for name in ("documents", "key_figures", "memberships", "document_signatories"):
        as_csv = rows_of(release.folder / "csv" / f"{name}.csv")
        as_json = json.loads(
            (release.folder / "json" / f"{name}.json").read_text(encoding="utf-8"), parse_float=Decimal
        )
        assert len(as_json) == len(as_csv) > 0, name
        for from_csv, from_json in zip(as_csv, as_json, strict=True):
            assert list(from_json) == list(from_csv)
            assert {key: "" if value is None else str(value) for key, value in from_json.items()} == from_csv
    figure = json.loads((release.folder / "json" / "key_figures.json").read_text(encoding="utf-8"))[0]
    assert isinstance(figure["value"], float)  # a number, not a string
    assert "Creative Commons Attribution 4.0 International" in (release.folder / "LICENCE.md").read_text()


def test_a_release_carries_each_translation_as_a_column_of_its_language(archive):
    build()
    release = releases.current_release()

    states = {row["slug"]: row for row in rows_of(release.folder / "csv" / "states.csv")}
    state = State.objects.get(slug="kazakhstan")
    assert states["kazakhstan"]["short_name"] == state.short_name_en
    assert states["kazakhstan"]["short_name_ru"] == state.short_name_ru == "Казахстан"
    assert states["kazakhstan"]["short_name_zh_hans"] == state.short_name_zh_hans
    package = json.loads((release.folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["languages"] == ["en", "ru", "zh-hans"]
    documents = next(resource for resource in package["resources"] if resource["name"] == "documents")
    fields = {field["name"]: field for field in documents["schema"]["fields"]}
    assert fields["title_zh_hans"]["language"] == "zh-hans" and fields["title_ru"]["translatable"]


def test_an_empty_archive_makes_a_valid_empty_release(archive, client):
    empty_the_database()

    assert "the first release" in build()
    release = releases.current_release()

    assert release.records == 0
    assert validate(str(release.folder / "datapackage.json")).valid
    assert "Up to date" in client.get("/data/").text


def test_a_broken_foreign_key_fails_validation(unpublished):
    """The package's foreign keys are checked, not only declared: a pair naming no document is refused."""
    build()
    release = releases.current_release()
    pairs = release.folder / "csv" / "document_topics.csv"
    pairs.write_text(pairs.read_text() + "no-such-document,energy\n")

    package = Package(str(release.folder / "datapackage.json"))
    package.get_resource("document_topics").hash = None
    package.get_resource("document_topics").bytes = None
    report = package.validate()

    assert not report.valid
    assert "foreign-key" in {error.type for task in report.tasks for error in task.errors}


# --- Reloading it --------------------------------------------------------------------------------------

# What a reader never sees, or what only the site keeps: everything else must come back from a release.
EDITORIAL = {
    "id",
    "status",
    "version",
    "updated_at",
    "editor_note",
    "summary_html",
    "summary_excerpt",
    "full_text_html",
    "priorities_html",
}
RECORD_MODELS = (Source, Topic, State, Chairmanship, Summit, Membership, Document, Initiative, KeyFigure)
TABLE_OF = {
    Source: "sources",
    Topic: "topics",
    State: "states",
    Chairmanship: "chairmanships",
    Summit: "summits",
    Membership: "memberships",
    Document: "documents",
    Initiative: "initiatives",
    KeyFigure: "key_figures",
}
PAIRS = {
    "state_sources": (State, "sources"),
    "membership_sources": (Membership, "sources"),
    "chairmanship_sources": (Chairmanship, "sources"),
    "summit_sources": (Summit, "sources"),
    "document_topics": (Document, "topics"),
    "document_signatories": (Document, "signatories"),
    "document_sources": (Document, "sources"),
    "initiative_proposers": (Initiative, "proposers"),
    "initiative_topics": (Initiative, "topics"),
    "initiative_documents": (Initiative, "documents"),
    "initiative_sources": (Initiative, "sources"),
    "key_figure_topics": (KeyFigure, "topics"),
}
COLUMN_FIELDS = {"type": "document_type"}


def is_visible(record) -> bool:
    """What a reader sees, decided record by record in Python (independently of the SQL the release uses)."""
    if isinstance(record, Publishable):
        return record.is_public
    if isinstance(record, Membership):
        return record.state.is_public
    if isinstance(record, KeyFigure):
        return any(described is not None and described.is_public for described in (record.chairmanship, record.summit))
    return True  # sources and topics have no publication state of their own


def key_of(record):
    if isinstance(record, Membership):
        return (record.state.slug, record.status, record.start_date)
    return record.slug


def public_records() -> dict:
    """Every record a reader sees, field by field, with its relations to the records a reader sees."""
    found = {}
    for model in RECORD_MODELS:
        relations = [field.name for field in model._meta.concrete_fields if field.is_relation]
        records = model.objects.prefetch_related(*relations, *(field.name for field in model._meta.many_to_many))
        for record in records:
            if not is_visible(record):
                continue
            values = {}
            for field in model._meta.concrete_fields:
                if field.name in EDITORIAL:
                    continue
                if field.is_relation:
                    related = getattr(record, field.name)
                    values[field.name] = key_of(related) if related is not None and is_visible(related) else None
                else:
                    value = field.value_from_object(record)
                    values[field.name] = value.name if isinstance(value, FieldFile) else value
            for field in model._meta.many_to_many:
                values[field.name] = sorted(
                    key_of(other) for other in getattr(record, field.name).all() if is_visible(other)
                )
            found[(model.__name__, key_of(record))] = values
    found["corrections"] = sorted(
        (correction.content_type.model, key_of(correction.record), correction.date, correction.note)
        for correction in Correction.objects.select_related("content_type").prefetch_related("record")
        if is_visible(correction.record)
    )
    return found


def empty_the_database() -> None:
    for model in (Correction, KeyFigure, Initiative, Document, Membership, Summit, Chairmanship, State, Topic, Source):
        model.objects.all().delete()
    assert not any(model.objects.exists() for model in RECORD_MODELS)


def find(model, key):
    if model is Membership:
        state, status, start_date = key
        return Membership.objects.get(state__slug=state, status=status, start_date=start_date)
    return model.objects.get(slug=key)


def load_release(folder: Path) -> None:
    """Loads a release into the database as a researcher would: typed rows read by frictionless, records
    made from the columns, relations found by slug."""
    package = Package(str(folder / "datapackage.json"))
    for model in RECORD_MODELS:
        for row in package.get_resource(TABLE_OF[model]).read_rows():
            values = {}
            for column, value in row.to_dict().items():
                field = model._meta.get_field(COLUMN_FIELDS.get(column, column))
                if field.is_relation:
                    value = find(field.related_model, value) if value is not None else None
                elif value is None and not field.null:
                    value = ""
                values[field.name] = value
            if issubclass(model, Publishable):
                values["status"] = PublicationStatus.PUBLISHED
            model.objects.create(**values)
    for name, (model, relation) in PAIRS.items():
        for row in package.get_resource(name).read_rows():
            cells = list(row.to_dict().values())
            left = find(model, tuple(cells[:-1]) if model is Membership else cells[0])
            getattr(left, relation).add(find(model._meta.get_field(relation).related_model, cells[-1]))
    tables = {TABLE_OF[model]: model for model in RECORD_MODELS}
    for row in package.get_resource("corrections").read_rows():
        record = find(tables[row["table"]], row["record"])
        Correction.objects.create(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            date=row["date"],
            note=row["note"],
        )


def test_the_package_loads_into_an_empty_database_as_every_published_record(unpublished):
    correction = Correction.objects.create(record=State.objects.get(slug="kazakhstan"), note="The capital, corrected.")
    expected = public_records()
    build()
    release = releases.current_release()

    empty_the_database()
    load_release(release.folder)

    assert expected[("State", "kazakhstan")]["capital"]  # the comparison sees real values
    assert ("state", "kazakhstan", correction.date, correction.note) in expected["corrections"]
    actual = public_records()
    assert actual.keys() == expected.keys()
    for key, values in expected.items():
        assert actual[key] == values, key
    assert not Document.objects.filter(slug__in=HIDDEN_SLUGS).exists()


# --- Rebuilding, the changelog, checksums ----------------------------------------------------------------


def test_a_second_build_without_a_change_makes_no_new_release(archive):
    build()

    assert "No new release" in build()
    assert len(releases.release_index()) == 1
    assert "Built release" in build(force=True)
    assert len(releases.release_index()) == 2


def test_an_edit_of_a_draft_alone_makes_no_new_release(unpublished, django_capture_on_commit_callbacks):
    build()
    draft = unpublished["draft_document"]
    draft.title = "A new title nobody can read yet"
    with django_capture_on_commit_callbacks(execute=True):  # the content version moves, as after a commit
        draft.save()

    assert "Published content is the same as in release" in build()
    assert len(releases.release_index()) == 1


def test_the_changelog_lists_what_was_added_changed_and_removed_since_the_previous_release(
    unpublished, django_capture_on_commit_callbacks
):
    build()
    first = releases.current_release()
    with django_capture_on_commit_callbacks(execute=True):
        signed = unpublished["signed"]
        signed.title = "The declaration, amended"
        signed.save()
        draft = unpublished["draft_document"]
        publication.mark_published(draft)
        draft.save()
        laos = State.objects.get(slug="laos")
        publication.mark_unpublished(laos)
        laos.save()

    assert "Built release" in build()
    second = releases.current_release()

    assert second.version != first.version
    assert second.manifest["previous"] == first.version
    changes = {(row["table"], row["key"], row["change"]) for row in rows_of(second.folder / "changes.csv")}
    assert ("documents", "declaration-signed-with-others", "changed") in changes
    assert ("documents", "draft-document", "added") in changes
    assert ("states", "laos", "removed") in changes
    assert ("initiative_documents", "initiative-with-others/draft-document", "added") in changes
    assert not any(change == "changed" and table == "states" for table, _, change in changes)
    changelog = (second.folder / "CHANGELOG.md").read_text()
    assert f"since release {first.version}" in changelog
    assert "- Changed: `declaration-signed-with-others`" in changelog
    assert "- Removed: `laos`" in changelog
    assert releases.get_release(first.version).file("csv/states.csv") is not None  # earlier releases stay


def test_slugs_that_collations_sort_differently_are_compared_in_byte_order(archive, django_capture_on_commit_callbacks):
    """A locale collation puts "ab" before "a-c" (it skips the hyphen); the changelog reads bytes."""
    for slug in ("a-c", "ab", "a_b", "aa"):
        factories.DocumentFactory(slug=slug)
    build()
    with django_capture_on_commit_callbacks(execute=True):
        factories.DocumentFactory(slug="a-b")

    build()

    changes = rows_of(releases.current_release().folder / "changes.csv")
    assert {(row["table"], row["key"], row["change"]) for row in changes if row["table"] == "documents"} == {
        ("documents", "a-b", "added")
    }


def test_every_checksum_matches_its_file(archive):
    build()
    release = releases.current_release()

    listed = {}
    for line in (release.folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        listed[name] = digest
    assert {"datapackage.json", "csv/documents.csv", "json/documents.json", release.zip_name} <= set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((release.folder / name).read_bytes()).hexdigest() == digest, name
    with zipfile.ZipFile(release.folder / release.zip_name) as archive:
        for name in archive.namelist():
            assert hashlib.sha256(archive.read(name)).hexdigest() == listed[name], name


def test_only_one_build_runs_at_a_time(archive, settings):
    Path(settings.RELEASES_DIR).mkdir(parents=True)
    with releases._Lock(Path(settings.RELEASES_DIR)):
        assert "Another release is being built" in build()
    assert releases.current_release() is None


# --- The /data/ page and the files -----------------------------------------------------------------------


def test_the_page_says_when_no_release_has_been_published_yet(client, db):
    response = client.get("/data/")

    assert response.status_code == HTTPStatus.OK
    assert "No release has been published yet." in response.text


def test_the_page_offers_the_current_release_its_licence_changelog_and_earlier_releases(client, archive):
    build()
    first = releases.current_release()
    build(force=True)
    current = releases.current_release()

    page = client.get("/data/").text

    assert f"Release {current.version}" in page
    assert "Up to date" in page
    for name in (
        "datapackage.json",
        "SHA256SUMS",
        "LICENCE.md",
        "CHANGELOG.md",
        "csv/documents.csv",
        "json/states.json",
    ):
        assert reverse("chairmanship:release_file", args=(current.version, name)) in page
    assert reverse("chairmanship:release_file", args=(current.version, current.zip_name)) in page
    assert "Creative Commons Attribution 4.0 International" in page
    assert "No record changed since release" in page
    assert "Earlier releases" in page
    assert reverse("chairmanship:release_file", args=(first.version, first.zip_name)) in page


def test_the_page_says_published_content_changed_after_a_publish(client, unpublished):
    build()
    assert "Up to date" in client.get("/data/").text

    draft = unpublished["draft_document"]
    publication.mark_published(draft)
    draft.save()

    assert "Published content has changed since this release was built." in client.get("/data/").text


def test_a_scheduled_record_going_live_counts_as_a_change(client, unpublished):
    build()
    scheduled = Document.objects.get(slug="scheduled-document")
    Document.objects.filter(pk=scheduled.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))

    assert "Published content has changed since this release was built." in client.get("/data/").text


def test_the_page_costs_one_query_however_many_releases_and_tables(client, archive, django_assert_num_queries):
    """Guards against reading a release's facts, or counting each table's records, one query at a time: the
    releases come from their folder, and the comparison with published content is one query."""
    build()
    with django_assert_num_queries(1):
        assert client.get("/data/").status_code == HTTPStatus.OK
    build(force=True)
    build(force=True)
    with django_assert_num_queries(1):
        response = client.get("/data/")
    assert response.text.count("Changelog of release") == 2  # the two earlier releases are listed


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("csv/documents.csv", "text/csv; charset=utf-8"),
        ("json/documents.json", "application/json"),
        ("datapackage.json", "application/json"),
        ("SHA256SUMS", "text/plain; charset=utf-8"),
        ("CHANGELOG.md", "text/markdown; charset=utf-8"),
        ("LICENCE.md", "text/markdown; charset=utf-8"),
    ],
)
def test_each_file_is_streamed_with_its_content_type(client, archive, name, content_type):
    build()
    release = releases.current_release()

    response = client.get(reverse("chairmanship:release_file", args=(release.version, name)))

    assert response.status_code == HTTPStatus.OK
    assert response.streaming
    assert response["Content-Type"] == content_type
    assert b"".join(response.streaming_content) == (release.folder / name).read_bytes()


def test_the_zip_downloads_as_an_attachment_and_answers_304_to_its_etag(client, archive):
    build()
    release = releases.current_release()
    address = reverse("chairmanship:release_file", args=(release.version, release.zip_name))

    response = client.get(address, headers={"Origin": "https://notebook.example"})

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{release.zip_name}"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["ETag"] == f'"{release.facts(release.zip_name)["sha256"]}"'
    assert client.get(address, headers={"If-None-Match": response["ETag"]}).status_code == HTTPStatus.NOT_MODIFIED


def test_the_latest_address_redirects_to_the_current_release(client, archive):
    assert client.get("/data/latest/datapackage.json").status_code == HTTPStatus.NOT_FOUND
    build()

    response = client.get("/data/latest/datapackage.json")

    version = releases.current_release().version
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/data/{version}/datapackage.json"


@pytest.mark.parametrize(
    "path",
    [
        "/data/{version}/manifest.json",
        "/data/{version}/csv/no-such-table.csv",
        "/data/{version}/../index.json",
        "/data/{version}/csv/../../index.json",
        "/data/2001-01-01/datapackage.json",
        "/data/not-a-version/datapackage.json",
        "/data/latest/manifest.json",
    ],
)
def test_only_the_files_a_release_offers_are_served(client, archive, path):
    build()

    response = client.get(path.format(version=releases.current_release().version))

    assert response.status_code == HTTPStatus.NOT_FOUND
