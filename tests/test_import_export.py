"""Import and export of documents, initiatives and summits: all or nothing, revisions, roles."""

import json
from http import HTTPStatus

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from chairmanship.models import Document, Initiative, PendingChange, PublicationStatus, Summit
from chairmanship.resources import DocumentResource, InitiativeResource, SummitResource
from tests.factories import DocumentFactory, SourceFactory, StateFactory, SummitFactory, TopicFactory
from tests.test_workflow import client_for, editorial_user

pytestmark = pytest.mark.django_db

HEADERS = ("slug", "title", "document_type", "date", "summit", "topics", "summary", "sources", "status")


@pytest.fixture
def related():
    return {
        "summit": SummitFactory(slug="astana-2024"),
        "topic": TopicFactory(slug="security"),
        "source": SourceFactory(slug="sco-press-release"),
    }


@pytest.fixture
def editor(django_user_model):
    return editorial_user(django_user_model, "Editor")


@pytest.fixture
def publisher(django_user_model):
    return editorial_user(django_user_model, "Publisher")


def _row(slug, **overrides):
    row = {
        "slug": slug,
        "title": f"Title of {slug}",
        "document_type": "declaration",
        "date": "2024-07-04",
        "summit": "astana-2024",
        "topics": "security",
        "summary": "A summary.",
        "sources": "sco-press-release",
        "status": "published",
    }
    row.update(overrides)
    return tuple(row[header] for header in HEADERS)


def _dataset(*rows):
    return tablib.Dataset(*rows, headers=HEADERS)


def test_publisher_imports_published_documents_with_relations_by_slug(related, publisher):
    result = DocumentResource().import_data(_dataset(_row("astana-declaration")), user=publisher)
    assert not result.has_errors() and not result.has_validation_errors()
    document = Document.objects.get(slug="astana-declaration")
    assert document.summit == related["summit"]
    assert list(document.topics.all()) == [related["topic"]]
    assert list(document.sources.all()) == [related["source"]]
    assert document.status == PublicationStatus.PUBLISHED and document.published_at is not None


def test_editors_imported_rows_arrive_as_drafts(related, editor):
    DocumentResource().import_data(_dataset(_row("astana-declaration")), user=editor)
    document = Document.objects.get(slug="astana-declaration")
    assert (document.status, document.published_at) == (PublicationStatus.DRAFT, None)


def test_editor_import_neither_unpublishes_nor_rewrites_a_published_record(related, editor):
    existing = DocumentFactory(slug="astana-declaration", title="Old")
    DocumentResource().import_data(_dataset(_row("astana-declaration", status="draft", title="New")), user=editor)
    existing.refresh_from_db()
    assert (existing.title, existing.status) == ("Old", PublicationStatus.PUBLISHED)
    (proposal,) = PendingChange.objects.for_record(existing)
    assert (proposal.data["title"], proposal.author) == ("New", editor)


def test_one_bad_row_imports_nothing_and_every_bad_row_is_listed(related, publisher):
    dataset = _dataset(
        _row("good-one"),
        _row("bad-summit", summit="nowhere-1999"),
        _row("bad-type", document_type="poem"),
        _row("bad-topic", topics="security,astrology"),
        _row("incomplete", summary="", status="published"),
    )
    result = DocumentResource().import_data(dataset, user=publisher)

    assert not Document.objects.exists()
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert sorted(errors) == [2, 3, 4, 5]
    assert errors[2]["summit"] == ["No summit with the slug “nowhere-1999”."]
    assert "document_type" in errors[3]
    assert errors[4]["topics"] == ["No topic with the slug(s): astrology."]
    assert errors[5]["status"] == ["Not ready to publish: Write a summary."]


def test_import_records_one_revision_with_the_importer_as_author(related, publisher):
    DocumentResource().import_data(_dataset(_row("a"), _row("b")), user=publisher, file_name="documents.csv")
    versions = Version.objects.get_for_model(Document).select_related("revision__user")
    assert versions.count() == 2
    assert {version.revision_id for version in versions} == {versions[0].revision_id}
    assert versions[0].revision.user == publisher
    assert versions[0].revision.get_comment() == "Imported from documents.csv."


def test_a_dry_run_saves_nothing_and_leaves_no_revision(related, publisher):
    result = DocumentResource().import_data(_dataset(_row("a")), dry_run=True, user=publisher)
    assert not result.has_errors()
    assert not Document.objects.exists()
    assert not Version.objects.exists()


def test_export_writes_relations_as_slugs():
    document = DocumentFactory(summit=SummitFactory(slug="qingdao-2018"), sources=[SourceFactory(slug="tass")])
    document.topics.set([TopicFactory(slug="trade"), TopicFactory(slug="energy")])
    exported = json.loads(DocumentResource().export().json)[0]
    assert exported["summit"] == "qingdao-2018"
    assert sorted(exported["topics"].split(",")) == ["energy", "trade"]
    assert exported["sources"] == "tass"


def test_summits_and_initiatives_round_trip_through_export_and_import(publisher):
    summit = SummitFactory(host_state=StateFactory(slug="kazakhstan"), summary="Leaders met.")
    data = SummitResource().export()
    Summit.objects.all().delete()
    result = SummitResource().import_data(data, user=publisher)
    assert not result.has_validation_errors(), result.invalid_rows
    assert Summit.objects.get(slug=summit.slug).host_state.slug == "kazakhstan"

    initiative_data = tablib.Dataset(
        ("energy-club", "Energy Club", "economic", "proposed", "A club.", "draft"),
        headers=("slug", "title", "category", "implementation_status", "summary", "status"),
    )
    InitiativeResource().import_data(initiative_data, user=publisher)
    assert Initiative.objects.get(slug="energy-club").status == PublicationStatus.DRAFT


def test_admin_import_shows_a_dry_run_and_lists_bad_rows_without_importing(related, editor):
    client = client_for(editor)
    csv = _dataset(_row("fine"), _row("broken", summit="atlantis")).export("csv").encode()
    response = client.post(
        reverse("admin:chairmanship_document_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("documents.csv", csv)},
    )
    assert response.status_code == HTTPStatus.OK
    assert "confirm_form" not in response.context
    assert "No summit with the slug “atlantis”." in response.text
    assert not Document.objects.exists()


def test_admin_import_confirmed_after_the_dry_run_imports_an_editors_rows_as_drafts(related, editor):
    client = client_for(editor)
    csv = _dataset(_row("fine")).export("csv").encode()
    preview = client.post(
        reverse("admin:chairmanship_document_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("documents.csv", csv)},
    )
    confirm = preview.context["confirm_form"]
    response = client.post(reverse("admin:chairmanship_document_process_import"), confirm.initial)
    assert response.status_code == HTTPStatus.FOUND
    document = Document.objects.get(slug="fine")
    assert document.status == PublicationStatus.DRAFT
    assert Version.objects.get_for_object(document).get().revision.user == editor


def test_export_is_offered_as_csv_xlsx_and_json(editor):
    response = client_for(editor).get(reverse("admin:chairmanship_document_export"))
    formats = [label for value, label in response.context["form"].fields["format"].choices if value != ""]
    assert formats == ["csv", "xlsx", "json"]
