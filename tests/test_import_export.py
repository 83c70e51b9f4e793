"""Import and export of every record an editor curates: all or nothing, revisions, roles, and round trips."""

import datetime
import json
from http import HTTPStatus

import pytest
import tablib
from django.apps import apps
from django.contrib import admin
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from import_export.formats.base_formats import CSV, JSON, XLSX
from reversion.models import Version

from chairmanship.models import Document, Initiative, Membership, PendingChange, PublicationStatus, Summit
from chairmanship.resources import (
    DocumentResource,
    InitiativeResource,
    MembershipResource,
    StateResource,
    SummitResource,
)
from tests.admin_support import client_for
from tests.factories import (
    ChairmanshipFactory,
    DocumentFactory,
    InitiativeFactory,
    KeyFigureFactory,
    MembershipFactory,
    SourceFactory,
    StateFactory,
    SummitFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

HEADERS = ("slug", "title", "document_type", "date", "summit", "topics", "summary", "sources", "status")


@pytest.fixture
def related():
    return {
        "summit": SummitFactory(slug="astana-2024"),
        "topic": TopicFactory(slug="security"),
        "source": SourceFactory(slug="sco-press-release"),
    }


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


# --- Export, then import: every model the admin offers import and export on comes back unchanged --------

# The admin's formats (chairmanship.admin.ArchiveImportExportMixin.formats).
ADMIN_FORMATS = (CSV, XLSX, JSON)
PUBLISHED_AT = datetime.datetime(2024, 7, 10, 9, 30, 15, 123456, tzinfo=datetime.UTC)


def _registered_resources():
    """Every resource the admin imports and exports with, records referred to before those referring to them."""
    app = apps.get_app_config("chairmanship")
    by_model = {
        model: resource_class
        for model in app.get_models()
        if admin.site.is_registered(model)
        for resource_class in getattr(admin.site.get_model_admin(model), "resource_classes", ())
    }
    return [by_model[model] for model in serializers.sort_dependencies([(app, list(by_model))])]


def _records_of_every_kind():
    """Published and draft records of each resource, with every field and relation filled and a time with
    microseconds."""
    topic = TopicFactory(slug="security", description="Regional security.")
    source = SourceFactory(
        slug="sco-press-release",
        author="Press office",
        published_on=datetime.date(2024, 7, 4),
        url="https://example.org/press",
        note="Official.",
    )
    # And a source and a topic with nothing but what they require.
    SourceFactory(), TopicFactory()
    host = StateFactory(
        slug="kazakhstan",
        iso_alpha2="KZ",
        iso_alpha3="KAZ",
        summary="A founding member.",
        sources=[source],
        published_at=PUBLISHED_AT,
    )
    draft_state = StateFactory(iso_alpha2="IR", iso_alpha3="IRN", draft=True, summary="", capital="", sources=[])
    chairmanship = ChairmanshipFactory(
        state=host, slug="kazakhstan-2023-2024", motto="Unity", priorities="- Trade", sources=[source]
    )
    ChairmanshipFactory(state=host, draft=True, summary="", end_date=None, sources=[])
    summit = SummitFactory(
        host_state=host, chairmanship=chairmanship, theme="Dialogue", documents_reported=25, sources=[source]
    )
    summit.published_at = PUBLISHED_AT
    summit.save()
    SummitFactory(host_state=host, draft=True, summary="", sources=[])
    MembershipFactory(
        state=host,
        start_date=datetime.date(2001, 6, 15),
        end_date=datetime.date(2017, 6, 9),
        summit=summit,
        note="Founding member.",
    ).sources.set([source])
    MembershipFactory(state=draft_state, status="observer", start_date=datetime.date(2005, 7, 5))
    document = DocumentFactory(
        summit=summit,
        chairmanship=chairmanship,
        published_at=PUBLISHED_AT,
        entered_into_force=datetime.date(2025, 1, 1),
        full_text="Article 1\n\tThe parties agree.",
        sources=[source],
    )
    document.topics.set([topic])
    document.signatories.set([host, draft_state])
    DocumentFactory(draft=True, summary="", date=None, sources=[])
    initiative = InitiativeFactory(
        chairmanship=chairmanship, summit=summit, published_at=PUBLISHED_AT, sources=[source]
    )
    initiative.proposers.set([host])
    initiative.topics.set([topic])
    initiative.documents.set([document])
    InitiativeFactory(draft=True, summary="", sources=[])
    KeyFigureFactory(
        value="12.345",
        qualifier="about",
        as_of=datetime.date(2024, 6, 30),
        period="2023",
        chairmanship=chairmanship,
        summit=summit,
        note="Estimate.",
        source=source,
    ).topics.set([topic])
    KeyFigureFactory(chairmanship=None, summit=summit, qualifier="", source=source)


def _stored(resource_class) -> dict[tuple, dict]:
    """What the database holds for each exported field of each record, keyed by natural key (relations too)."""
    model, names = resource_class._meta.model, resource_class._meta.fields
    stored = {}
    for record in model.objects.all():
        values = {}
        for name in names:
            field = model._meta.get_field(name)
            if field.many_to_many:
                values[name] = sorted(related.natural_key() for related in getattr(record, name).all())
            elif field.is_relation:
                related = getattr(record, name)
                values[name] = related.natural_key() if related else None
            else:
                values[name] = getattr(record, name)
        stored[record.natural_key()] = values
    return stored


def _archive(resource_classes) -> dict[str, dict]:
    return {resource_class._meta.model._meta.label: _stored(resource_class) for resource_class in resource_classes}


@pytest.mark.parametrize("file_format", ADMIN_FORMATS, ids=lambda file_format: file_format().get_title())
def test_every_exported_file_imports_back_into_an_empty_archive_unchanged(publisher, file_format):
    resource_classes = _registered_resources()
    _records_of_every_kind()
    before = _archive(resource_classes)
    # A resource whose model has no records here would round-trip nothing and prove nothing.
    assert [label for label, records in before.items() if len(records) < 2] == []
    exported = [
        (resource_class, file_format().export_data(resource_class().export())) for resource_class in resource_classes
    ]
    for resource_class in reversed(resource_classes):
        resource_class._meta.model.objects.all().delete()

    for resource_class, data in exported:
        result = resource_class().import_data(
            file_format().create_dataset(data), user=publisher, file_name=f"export.{file_format().get_extension()}"
        )
        assert not result.has_errors(), (resource_class, result.row_errors())
        assert not result.has_validation_errors(), (resource_class, [row.error_dict for row in result.invalid_rows])

    assert _archive(resource_classes) == before


def test_every_archive_model_an_editor_curates_imports_and_exports():
    models = {resource_class._meta.model.__name__ for resource_class in _registered_resources()}
    assert models == {
        "Source",
        "Topic",
        "State",
        "Membership",
        "Chairmanship",
        "Summit",
        "Document",
        "Initiative",
        "KeyFigure",
    }


def _edited(dataset: tablib.Dataset, **changes) -> tablib.Dataset:
    rows = [{**row, **changes} for row in dataset.dict]
    return tablib.Dataset(*[tuple(row.values()) for row in rows], headers=dataset.headers)


def test_an_editors_import_of_a_published_state_leaves_it_live_as_it_was_and_proposes_the_change(editor):
    state = StateFactory(short_name="Kazakhstan", iso_alpha2="KZ", iso_alpha3="KAZ", summary="A founding member.")
    dataset = _edited(StateResource().export(), short_name_en="Qazaqstan", status="draft")

    result = StateResource().import_data(dataset, user=editor)

    assert not result.has_validation_errors(), [row.error_dict for row in result.invalid_rows]
    state.refresh_from_db()
    assert (state.short_name, state.status) == ("Kazakhstan", PublicationStatus.PUBLISHED)
    (proposal,) = PendingChange.objects.for_record(state)
    assert (proposal.data["short_name"], proposal.author) == ("Qazaqstan", editor)


def test_an_editors_import_of_a_published_states_membership_period_is_refused_naming_the_state(editor):
    MembershipFactory(state=StateFactory(slug="kazakhstan", short_name="Kazakhstan", summary="A member."))
    dataset = _edited(MembershipResource().export(), end_date="2020-01-01")

    result = MembershipResource().import_data(dataset, user=editor)

    (invalid,) = result.invalid_rows
    assert "the published state “Kazakhstan” shows it" in " ".join(invalid.error_dict["__all__"])
    assert Membership.objects.get().end_date is None


def test_the_admin_lists_an_editors_refused_membership_row_with_its_reason(editor):
    MembershipFactory(state=StateFactory(slug="kazakhstan", short_name="Kazakhstan", summary="A member."))
    csv = _edited(MembershipResource().export(), note="Rewritten.").export("csv").encode()

    response = client_for(editor).post(
        reverse("admin:chairmanship_membership_import"),
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("periods.csv", csv)},
    )

    assert response.status_code == HTTPStatus.OK
    assert "confirm_form" not in response.context
    assert "Only a Publisher can add or change this membership: the published state “Kazakhstan”" in response.text
    assert Membership.objects.get().note == ""


def test_the_export_writes_times_as_the_api_does():
    _records_of_every_kind()

    exported = json.loads(DocumentResource().export().json)

    assert {row["published_at"] for row in exported} == {"2024-07-10T09:30:15.123456Z", ""}


@pytest.mark.parametrize(
    "published_at", ["2024-07-10T09:30:15Z", "2024-07-10T09:30:15+00:00", "2024-07-10T11:30:15+02:00"]
)
def test_an_import_takes_the_apis_iso_times(related, publisher, published_at):
    dataset = tablib.Dataset((*_row("astana-declaration"), published_at), headers=(*HEADERS, "published_at"))

    result = DocumentResource().import_data(dataset, user=publisher)

    assert not result.has_validation_errors(), [row.error_dict for row in result.invalid_rows]
    stored = Document.objects.get(slug="astana-declaration").published_at
    assert stored == datetime.datetime(2024, 7, 10, 9, 30, 15, tzinfo=datetime.UTC)


def test_an_unreadable_time_is_a_row_error_that_shows_the_expected_form(related, publisher):
    dataset = tablib.Dataset((*_row("astana-declaration"), "10/07/2024 nine"), headers=(*HEADERS, "published_at"))

    result = DocumentResource().import_data(dataset, user=publisher)

    (invalid,) = result.invalid_rows
    assert "such as 2024-07-10T09:30:00Z" in " ".join(invalid.error_dict["published_at"])
    assert not Document.objects.exists()


# --- Every language -----------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ADMIN_FORMATS, ids=lambda file_format: file_format().get_title())
def test_russian_and_chinese_text_round_trips_through_export_and_import(publisher, file_format):
    DocumentFactory(
        slug="astana-declaration",
        title="Astana Declaration",
        title_ru="Астанинская декларация",
        title_zh_hans="阿斯塔纳宣言",
        summary="Leaders met in Astana.",
        summary_ru="Лидеры встретились в Астане.",
        summary_zh_hans="",
        summit=None,
    )
    exported = file_format().export_data(DocumentResource().export())
    headers = file_format().create_dataset(exported).headers
    assert {"title_en", "title_ru", "title_zh_hans", "summary_en", "summary_ru", "summary_zh_hans"} <= set(headers)
    assert "title" not in headers
    Document.objects.all().delete()

    result = DocumentResource().import_data(file_format().create_dataset(exported), user=publisher)

    assert not result.has_validation_errors(), [row.error_dict for row in result.invalid_rows]
    stored = Document.objects.values(
        "title", "title_en", "title_ru", "title_zh_hans", "summary_ru", "summary_zh_hans", "summary_html_ru"
    ).get()
    assert stored["title"] == stored["title_en"] == "Astana Declaration"
    assert (stored["title_ru"], stored["title_zh_hans"]) == ("Астанинская декларация", "阿斯塔纳宣言")
    assert stored["summary_ru"] == "Лидеры встретились в Астане."
    assert "Лидеры встретились в Астане." in stored["summary_html_ru"]
    # An empty cell is no translation: readers in Chinese see the English summary, and the admin lists it missing.
    assert stored["summary_zh_hans"] is None
    assert list(Document.objects.missing_translation("zh-hans").values_list("slug", flat=True)) == [
        "astana-declaration"
    ]


def test_a_file_with_only_the_plain_column_imports_it_as_english(related, publisher):
    dataset = _dataset(_row("astana-declaration", title="Astana Declaration"))
    result = DocumentResource().import_data(dataset, user=publisher)
    assert not result.has_validation_errors(), [row.error_dict for row in result.invalid_rows]
    document = Document.objects.get(slug="astana-declaration")
    assert (document.title_en, document.title_ru) == ("Astana Declaration", None)


def test_an_import_in_a_russian_speaking_request_still_writes_each_column_as_named(related, publisher):
    dataset = tablib.Dataset(
        ("astana-declaration", "Astana Declaration", "Астанинская декларация", "declaration", "draft"),
        headers=("slug", "title_en", "title_ru", "document_type", "status"),
    )
    with translation.override("ru"):
        result = DocumentResource().import_data(dataset, user=publisher)
    assert not result.has_validation_errors(), [row.error_dict for row in result.invalid_rows]
    stored = Document.objects.values("title", "title_en", "title_ru").get()
    assert stored == {
        "title": "Astana Declaration",
        "title_en": "Astana Declaration",
        "title_ru": "Астанинская декларация",
    }
