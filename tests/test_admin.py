"""Admin smoke tests: every changelist, search, add and change page opens with the curated archive."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.urls import reverse

from chairmanship.models import Correction, Document, PublicationStatus, SlugRedirect
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "chairmanship"
    ),
    key=lambda item: item[0]._meta.model_name,
)
MODEL_IDS = [model._meta.model_name for model, _ in REGISTERED]


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_every_changelist_opens_and_searches(archive, admin_client, model, model_admin):
    assert admin_client.get(_url(model, "changelist")).status_code == HTTPStatus.OK
    if model_admin.search_fields:
        response = admin_client.get(_url(model, "changelist"), {"q": "Astana"})
        assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_every_add_page_opens_where_adding_is_allowed(archive, admin_client, admin_user, rf, model, model_admin):
    response = admin_client.get(_url(model, "add"))
    request = rf.get("/")
    request.user = admin_user
    # Corrections and slug redirects are made by saving the record they belong to, never added by hand.
    expected = HTTPStatus.OK if model_admin.has_add_permission(request) else HTTPStatus.FORBIDDEN
    assert response.status_code == expected


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_every_change_page_opens(archive, admin_client, model, model_admin):
    if model in (Correction, SlugRedirect):
        _correct_and_move(Document.objects.published().first())
    record = model._default_manager.first()
    assert admin_client.get(_url(model, "change", record.pk)).status_code == HTTPStatus.OK


def _correct_and_move(document):
    Correction.objects.create(record=document, note="The date was wrong.")
    document.slug = f"{document.slug}-moved"
    document.save()


def test_admin_index_counts_records_waiting_for_review(admin_client):
    DocumentFactory.create_batch(2, draft=True, status=PublicationStatus.REVIEW)
    DocumentFactory(draft=True)
    response = admin_client.get(reverse("admin:index"))
    waiting = {item["name"]: item["count"] for item in response.context["awaiting_review"]}
    assert waiting[Document._meta.verbose_name_plural] == 2
    assert "Waiting for review" in response.text


def test_document_list_filters_by_publication_state_including_scheduled(admin_client):
    DocumentFactory(title="Live declaration")
    DocumentFactory(title="Scheduled declaration", scheduled=True)
    DocumentFactory(title="Draft declaration", draft=True)
    response = admin_client.get(_url(Document, "changelist"), {"publication": "scheduled"})
    assert [document.title for document in response.context["cl"].result_list] == ["Scheduled declaration"]
    assert "Scheduled for" in response.text
