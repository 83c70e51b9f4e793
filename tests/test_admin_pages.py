"""Admin smoke tests: every changelist, search, add and change page opens with the curated archive (loaded once
for the module; each test's own writes are rolled back)."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from chairmanship.models import Correction, Document, SlugRedirect
from tests.test_admin import MODEL_IDS, REGISTERED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive_for_module")]


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_every_changelist_opens_and_searches(admin_client, model, model_admin):
    assert admin_client.get(_url(model, "changelist")).status_code == HTTPStatus.OK
    if model_admin.search_fields:
        response = admin_client.get(_url(model, "changelist"), {"q": "Astana"})
        assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_every_add_page_opens_where_adding_is_allowed(admin_client, admin_user, rf, model, model_admin):
    response = admin_client.get(_url(model, "add"))
    request = rf.get("/")
    request.user = admin_user
    # Corrections and slug redirects are made by saving the record they belong to, never added by hand.
    expected = HTTPStatus.OK if model_admin.has_add_permission(request) else HTTPStatus.FORBIDDEN
    assert response.status_code == expected


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_every_change_page_opens(admin_client, model, model_admin):
    if model in (Correction, SlugRedirect):
        _correct_and_move(Document.objects.published().first())
    record = model._default_manager.first()
    assert admin_client.get(_url(model, "change", record.pk)).status_code == HTTPStatus.OK


def _correct_and_move(document):
    Correction.objects.create(record=document, note="The date was wrong.")
    document.slug = f"{document.slug}-moved"
    document.save()
