"""``manage.py backup`` and ``manage.py restore``: everything comes back, or nothing does."""

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import pytest
import reversion
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from reversion.models import Version

from chairmanship.models import Correction, Document, State
from tests.factories import ChairmanshipFactory, DocumentFactory, MembershipFactory, StateFactory, SummitFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _forget_content_type_ids():
    # The tests below renumber content types; the process-wide cache must not keep the old numbers.
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def serialized_content() -> dict:
    """Everything a backup promises to keep, serialized by Django's own ``dumpdata`` (not by the backup)."""

    def dump(*labels, **options) -> list:
        out = io.StringIO()
        call_command("dumpdata", *labels, natural_foreign=True, stdout=out, **options)
        return json.loads(out.getvalue())

    return {
        "content": dump("auth.user", "admin.logentry", "chairmanship", "reversion"),
        # Groups are matched by name on restore, so their numeric ids may differ.
        "groups": dump("auth.group", natural_primary=True),
    }


def empty_the_database() -> None:
    """A freshly migrated database, with content types and permissions numbered differently than before."""
    if connection.vendor == "postgresql":
        # PostgreSQL cannot TRUNCATE tables with foreign key checks still pending in this test's transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    ContentType.objects.bulk_create(ContentType(app_label="unrelated", model=f"model{n}") for n in range(7))
    ContentType.objects.clear_cache()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    # Migrations create the editorial roles; a restore updates them by name.
    Group.objects.create(name="Editor")


def make_backup(output: Path) -> Path:
    call_command("backup", output=output, stdout=io.StringIO())
    (archive,) = output.glob("*.tar.gz")
    return archive


def rewrite_archive(source: Path, destination: Path, change) -> Path:
    """Copies a backup, letting ``change(members)`` alter its members; the manifest's checksums follow."""
    with tarfile.open(source, "r:gz") as archive:
        members = {member.name: archive.extractfile(member).read() for member in archive.getmembers()}
    manifest = json.loads(members.pop("manifest.json"))
    change(members)
    manifest["files"] = {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(destination, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return destination


@pytest.fixture
def content(django_user_model):
    """What editors add to an archive: records, an account, history, a correction, an uploaded PDF."""
    editor = django_user_model.objects.create_user(username="editor", password="correct horse battery", is_staff=True)
    editor.groups.add(Group.objects.get_or_create(name="Editor")[0])
    MembershipFactory()
    document = DocumentFactory(summit=SummitFactory(), chairmanship=ChairmanshipFactory())
    document.signatories.set(StateFactory.create_batch(2))
    with reversion.create_revision():
        document.summary = "Corrected summary of the declaration."
        document.pdf.save("official.pdf", ContentFile(PDF_BYTES), save=False)
        document.save()
        reversion.set_user(editor)
        reversion.set_comment("Added the official PDF.")
    Correction.objects.create(record=document, note="The date was wrong.", author=editor)
    LogEntry.objects.log_actions(
        user_id=editor.pk, queryset=[document], action_flag=CHANGE, change_message="Added the official PDF."
    )
    return document


def test_a_backup_is_one_timestamped_archive_in_the_backups_folder(content, settings, tmp_path):
    settings.BASE_DIR = tmp_path
    out = io.StringIO()
    call_command("backup", stdout=out)
    (archive,) = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"sco-archive-\d{8}T\d{6}Z\.tar\.gz", archive.name)
    assert f"Wrote {archive}" in out.getvalue()
    with tarfile.open(archive, "r:gz") as opened:
        names = opened.getnames()
    assert names[:2] == ["manifest.json", "data.json"]
    assert f"media/{content.pdf.name}" in names


def test_restoring_into_an_empty_database_gives_back_identical_content_history_and_files(
    archive, content, settings, tmp_path
):
    before = serialized_content()
    content_type_before = ContentType.objects.get_for_model(Document).pk
    pdf_path = Path(settings.MEDIA_ROOT) / content.pdf.name
    archive = make_backup(tmp_path / "backups")

    empty_the_database()
    pdf_path.unlink()
    assert not State.objects.exists()
    assert ContentType.objects.get_for_model(Document).pk != content_type_before

    out = io.StringIO()
    call_command("restore", archive, stdout=out)

    assert "Restored" in out.getvalue()
    assert serialized_content() == before
    assert pdf_path.read_bytes() == PDF_BYTES
    restored = Document.objects.get(pk=content.pk)
    history = Version.objects.get_for_object(restored)
    assert history.first().revision.comment == "Added the official PDF."
    assert history.first().revision.user.username == "editor"
    assert history.first().field_dict["summary"] == "Corrected summary of the declaration."
    assert [correction.note for correction in Correction.objects.for_record(restored)] == ["The date was wrong."]
    assert Group.objects.get(name="Editor").permissions.filter(codename="change_document").exists()


def test_restore_refuses_a_database_that_holds_content_and_names_what_is_there(content, tmp_path):
    archive = make_backup(tmp_path / "backups")
    states = State.objects.count()

    with pytest.raises(CommandError, match=r"The database is not empty: it holds .*\d+ states \(chairmanship\.state\)"):
        call_command("restore", archive)

    assert State.objects.count() == states


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    not_a_backup = tmp_path / "notes.tar.gz"
    not_a_backup.write_text("my notes")

    with pytest.raises(CommandError, match=re.escape("is not a backup written by `manage.py backup`")):
        call_command("restore", not_a_backup)


def test_restore_refuses_an_archive_whose_content_was_altered(content, tmp_path):
    archive = make_backup(tmp_path / "backups")
    altered = tmp_path / "altered.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(altered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "data.json":
                data = data.replace(b"Corrected summary", b"Defaced summary!!")
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    empty_the_database()

    with pytest.raises(CommandError, match=re.escape("data.json does not match its checksum; the archive is damaged")):
        call_command("restore", altered)

    assert not Document.objects.exists()


def test_restore_refuses_a_member_that_would_land_outside_the_media_folder(content, settings, tmp_path):
    escape = tmp_path / "escaped.txt"
    archive = rewrite_archive(
        make_backup(tmp_path / "backups"),
        tmp_path / "hostile.tar.gz",
        lambda members: members.update({"media/../../escaped.txt": b"owned"}),
    )
    empty_the_database()

    with pytest.raises(CommandError, match="would be written outside MEDIA_ROOT"):
        call_command("restore", archive)

    assert not escape.exists()
    assert not Document.objects.exists()


def test_a_restore_that_fails_half_way_leaves_no_record_and_no_file(content, settings, tmp_path):
    def break_one_reference(members):
        records = json.loads(members["data.json"])
        document = next(record for record in records if record["model"] == "chairmanship.document")
        document["fields"]["summit"] = [9999]  # a summit the backup does not hold
        members["data.json"] = json.dumps(records).encode()

    archive = rewrite_archive(make_backup(tmp_path / "backups"), tmp_path / "broken.tar.gz", break_one_reference)
    pdf_path = Path(settings.MEDIA_ROOT) / content.pdf.name
    empty_the_database()
    pdf_path.unlink()

    with pytest.raises(CommandError, match="Nothing was restored"):
        call_command("restore", archive)

    assert not State.objects.exists()
    assert not Version.objects.exists()
    assert not pdf_path.exists()
    assert [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] == []


def test_restore_refuses_a_media_folder_that_already_holds_the_backups_files(content, tmp_path):
    archive = make_backup(tmp_path / "backups")
    empty_the_database()  # the uploaded PDF stays where it is

    with pytest.raises(CommandError, match=r"MEDIA_ROOT \(.*\) already holds files of this backup"):
        call_command("restore", archive)

    assert not State.objects.exists()
