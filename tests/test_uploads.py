"""Document PDFs: only real PDFs, at most 20 MB, stored under a generated name."""

import re
from http import HTTPStatus
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chairmanship import models
from tests.admin_support import change_url, client_for, editorial_user, form_data
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def editor_client(django_user_model):
    return client_for(editorial_user(django_user_model, "Editor"))


def _upload(client, document, upload):
    data = form_data(client.get(change_url(document)))
    data["pdf"] = upload
    return client.post(change_url(document), data)


def test_a_real_pdf_is_stored_under_a_generated_name(editor_client):
    document = DocumentFactory(draft=True)
    response = _upload(editor_client, document, SimpleUploadedFile("../../My secret notes.pdf", PDF_BYTES))
    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", document.pdf.name)
    assert document.pdf.read() == PDF_BYTES


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(editor_client):
    document = DocumentFactory(draft=True)
    response = _upload(editor_client, document, SimpleUploadedFile("report.pdf", b"<html>not a pdf</html>"))
    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors["pdf"] == [
        "This file is not a PDF (its content does not start with %PDF-)."
    ]
    document.refresh_from_db()
    assert not document.pdf


def test_a_pdf_with_another_extension_is_refused(editor_client):
    response = _upload(editor_client, DocumentFactory(draft=True), SimpleUploadedFile("report.exe", PDF_BYTES))
    assert "File extension “exe” is not allowed" in response.context["adminform"].form.errors["pdf"][0]


def test_a_pdf_over_20_mb_is_refused(editor_client):
    document = DocumentFactory(draft=True)
    with mock.patch.object(models, "PDF_MAX_BYTES", len(PDF_BYTES) - 1):
        response = _upload(editor_client, document, SimpleUploadedFile("big.pdf", PDF_BYTES))
    assert response.context["adminform"].form.errors["pdf"][0].startswith("The PDF is 0.0 MB; the limit is")


def test_the_limit_is_twenty_megabytes():
    assert models.PDF_MAX_BYTES == 20 * 1024 * 1024


# --- Serving the uploads -----------------------------------------------------------------------------


@pytest.fixture
def document_with_pdf():
    from django.core.files.base import ContentFile

    document = DocumentFactory()
    document.pdf.save("astana-declaration.pdf", ContentFile(PDF_BYTES))
    return document


def test_with_serve_media_on_a_reader_downloads_the_pdf_from_the_documents_address(client, settings, document_with_pdf):
    settings.DEBUG, settings.SERVE_MEDIA = False, True

    response = client.get(document_with_pdf.pdf.url)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "public" in response["Cache-Control"]


def test_with_serve_media_off_the_app_leaves_uploads_to_the_web_server(client, settings, document_with_pdf):
    settings.SERVE_MEDIA = False

    assert client.get(document_with_pdf.pdf.url).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("path", ["/media/../manage.py", "/media/%2e%2e/manage.py", "/media/documents/", "/media/"])
def test_the_app_serves_nothing_outside_media_root_and_lists_no_folder(client, settings, document_with_pdf, path):
    settings.SERVE_MEDIA = True

    assert client.get(path).status_code == HTTPStatus.NOT_FOUND


def test_make_serve_runs_the_production_stack_with_media_served():
    import subprocess

    from django.conf import settings as django_settings

    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "serve"],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout

    assert 'SERVE_MEDIA="${SERVE_MEDIA:-1}"' in dry_run
    assert "DEBUG=0" in dry_run
