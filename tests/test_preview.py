"""Draft previews on the public templates: staff only, plus expiring share links from Publishers."""

import datetime
import time
from http import HTTPStatus
from unittest import mock

import pytest
from django.urls import reverse

from chairmanship.preview import make_share_token
from tests.admin_support import change_url, client_for
from tests.factories import (
    ChairmanshipFactory,
    DocumentFactory,
    InitiativeFactory,
    StateFactory,
    SummitFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = {
    "state": StateFactory,
    "chairmanship": ChairmanshipFactory,
    "summit": SummitFactory,
    "document": DocumentFactory,
    "initiative": InitiativeFactory,
}


def preview_url(record) -> str:
    return reverse("preview:detail", args=(record._meta.model_name, record.slug))


@pytest.mark.parametrize("model", FACTORIES)
def test_staff_preview_shows_a_draft_on_its_public_template_with_the_banner(editor, client, model):
    record = FACTORIES[model](draft=True)
    assert client.get(record.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND

    response = client_for(editor).get(preview_url(record))

    assert response.status_code == HTTPStatus.OK
    assert response.context["preview"] is True
    assert response.context["object"] == record
    assert f"chairmanship/{model}_detail.html" in [template.name for template in response.templates]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_visitors_without_a_staff_account_are_sent_to_log_in(client, django_user_model):
    document = DocumentFactory(draft=True)
    response = client.get(preview_url(document))
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("admin:login") in response["Location"]
    reader = django_user_model.objects.create_user("reader", password="pw")
    assert client_for(reader).get(preview_url(document)).status_code == HTTPStatus.FOUND


def test_preview_of_an_unknown_model_or_slug_is_not_found(editor):
    client = client_for(editor)
    assert client.get(reverse("preview:detail", args=("user", "admin"))).status_code == HTTPStatus.NOT_FOUND
    assert client.get(reverse("preview:detail", args=("document", "nothing"))).status_code == HTTPStatus.NOT_FOUND


def test_change_form_links_to_the_preview_and_offers_sharing_only_to_publishers(editor, publisher):
    document = DocumentFactory(draft=True)
    editor_page = client_for(editor).get(change_url(document))
    assert preview_url(document) in editor_page.text
    share = reverse("admin:chairmanship_document_share", args=(document.pk,))
    assert share not in editor_page.text
    assert client_for(editor).get(share).status_code == HTTPStatus.FORBIDDEN
    assert share in client_for(publisher).get(change_url(document)).text


def test_publisher_shares_a_draft_with_a_reviewer_who_has_no_account(publisher, client):
    document = DocumentFactory(draft=True, title="Draft road map")
    page = client_for(publisher).get(reverse("admin:chairmanship_document_share", args=(document.pk,)))
    assert page.status_code == HTTPStatus.OK
    assert page.context["days"] == 7

    response = client.get(page.context["share_url"])

    assert response.status_code == HTTPStatus.OK
    assert response.context["preview"] is True
    assert response.context["object"] == document


def test_share_link_expires_after_seven_days(client):
    document = DocumentFactory(draft=True)
    eight_days_ago = time.time() - datetime.timedelta(days=8).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        expired = make_share_token(document)
    fresh = make_share_token(document)

    response = client.get(reverse("preview:shared", args=(expired,)))

    assert response.status_code == HTTPStatus.GONE
    assert "This preview link has expired" in response.text
    assert client.get(reverse("preview:shared", args=(fresh,))).status_code == HTTPStatus.OK


def test_forged_or_chosen_lifetime_links_are_refused(publisher, client):
    document = DocumentFactory(draft=True)
    token = make_share_token(document)
    assert client.get(reverse("preview:shared", args=(token[:-2] + "xx",))).status_code == HTTPStatus.NOT_FOUND
    page = client_for(publisher).get(reverse("admin:chairmanship_document_share", args=(document.pk,)), {"days": "400"})
    assert "A link can last from 1 to 30 days." in page.text
