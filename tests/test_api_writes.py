"""Who sees and who writes what through the API: the privacy rule, the Editor/Publisher roles,
lost-update protection and the revision history."""

import datetime
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from reversion.models import Version

from chairmanship.models import Document, KeyFigure, Membership, PublicationStatus, Source, State, Topic
from tests import factories
from tests.api_support import assert_problem, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_api_rates")]


def new_document(**overrides):
    source = factories.SourceFactory(slug="yearbook")
    return {
        "slug": "new-declaration",
        "title": "A new declaration",
        "type": "declaration",
        "date": "2025-09-01",
        "summary": "Leaders agreed.",
        "sources": [source.slug],
        **overrides,
    }


# --- Privacy -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("trait", ["draft", "scheduled"])
def test_unpublished_documents_do_not_exist_for_the_public(api_client, trait):
    factories.DocumentFactory(slug="public")
    factories.DocumentFactory(slug="hidden", **{trait: True})

    listing = api_client.get("/api/v1/documents/").json()

    assert [item["slug"] for item in listing["results"]] == ["public"]
    assert listing["count"] == 1
    assert_problem(api_client.get("/api/v1/documents/hidden/"), HTTPStatus.NOT_FOUND)


@pytest.mark.parametrize("resource", ["states", "chairmanships", "summits", "initiatives"])
def test_every_publishable_resource_hides_drafts_from_the_public(api_client, resource):
    factory = {
        "states": factories.StateFactory,
        "chairmanships": factories.ChairmanshipFactory,
        "summits": factories.SummitFactory,
        "initiatives": factories.InitiativeFactory,
    }[resource]
    hidden = factory(draft=True, slug="hidden")

    assert_problem(api_client.get(f"/api/v1/{resource}/{hidden.slug}/"), HTTPStatus.NOT_FOUND)
    assert "hidden" not in [item["slug"] for item in api_client.get(f"/api/v1/{resource}/").json()["results"]]


def test_records_of_a_draft_state_are_hidden_with_it(api_client):
    state = factories.StateFactory(draft=True)
    membership = factories.MembershipFactory(state=state)

    assert api_client.get("/api/v1/memberships/").json()["count"] == 0
    assert_problem(api_client.get(f"/api/v1/memberships/{membership.pk}/"), HTTPStatus.NOT_FOUND)


def test_a_public_record_never_reveals_an_unpublished_related_record(api_client):
    draft_summit = factories.SummitFactory(draft=True)
    scheduled_state = factories.StateFactory(scheduled=True)
    document = factories.DocumentFactory(slug="public", summit=draft_summit)
    document.signatories.add(scheduled_state, factories.StateFactory(slug="signed"))

    body = api_client.get("/api/v1/documents/public/").json()

    assert body["summit"] is None
    assert [state["slug"] for state in body["signatories"]] == ["signed"]


def test_editors_read_drafts_and_scheduled_records(editor_client):
    factories.DocumentFactory(slug="draft", draft=True)
    factories.DocumentFactory(slug="scheduled", scheduled=True)

    listing = editor_client.get("/api/v1/documents/?ordering=title").json()

    assert listing["count"] == 2
    assert editor_client.get("/api/v1/documents/draft/").json()["status"] == PublicationStatus.DRAFT


def test_a_staff_account_without_a_role_reads_no_draft_on_any_path(django_user_model):
    """Staff status lets an account sign in; only the model's view permission shows drafts (API, preview, admin)."""
    bystander = django_user_model.objects.create_user("bystander", password="password", is_staff=True)
    factories.DocumentFactory(slug="public")
    draft = factories.DocumentFactory(slug="draft", draft=True)
    factories.DocumentFactory(slug="scheduled", scheduled=True)
    api = token_client(bystander)
    browser = Client()
    browser.force_login(bystander)

    listing = api.get("/api/v1/documents/").json()
    detail = api.get("/api/v1/documents/draft/")
    preview = browser.get(f"/preview/document/{draft.slug}/")
    admin_page = browser.get(f"/admin/chairmanship/document/{draft.pk}/change/")

    assert [item["slug"] for item in listing["results"]] == ["public"]
    assert detail.status_code == HTTPStatus.NOT_FOUND
    assert preview.status_code == HTTPStatus.NOT_FOUND
    assert admin_page.status_code == HTTPStatus.FORBIDDEN


# --- Who may write ---------------------------------------------------------------------------------------


def test_an_anonymous_write_answers_401_with_a_token_challenge(api_client):
    response = api_client.post("/api/v1/documents/", new_document(), format="json")

    assert_problem(response, HTTPStatus.UNAUTHORIZED)
    assert response["WWW-Authenticate"] == "Token"
    assert not Document.objects.exists()


def test_an_invalid_token_answers_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert_problem(api_client.get("/api/v1/documents/"), HTTPStatus.UNAUTHORIZED)


def test_an_account_without_model_permissions_may_not_write(django_user_model):
    reader = django_user_model.objects.create_user("reader", password="password")

    response = token_client(reader).post("/api/v1/topics/", {"slug": "water", "name": "Water"}, format="json")

    assert_problem(response, HTTPStatus.FORBIDDEN)
    assert not Topic.objects.exists()


def test_an_editor_creates_a_draft_and_the_revision_names_them(editor_client, editor):
    response = editor_client.post("/api/v1/documents/", new_document(), format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    assert response["Location"] == "http://testserver/api/v1/documents/new-declaration/"
    document = Document.objects.get(slug="new-declaration")
    assert document.status == PublicationStatus.DRAFT
    assert response["ETag"].startswith(f'"{document.pk}-{document.version}-')
    (version,) = Version.objects.get_for_object(document)
    assert version.revision.user == editor
    assert version.revision.comment.startswith("Changed through the API: created")


def test_an_editors_change_to_a_published_document_waits_for_a_publisher(editor_client, api_client):
    factories.DocumentFactory(slug="published", summary="As signed.")

    response = editor_client.patch("/api/v1/documents/published/", {"summary": "Corrected."}, format="json")

    assert response.status_code == HTTPStatus.ACCEPTED, response.content
    assert response.json()["proposed"] == {"summary": "Corrected."}
    assert response.json()["record"] == "http://testserver/api/v1/documents/published/"
    assert Document.objects.get(slug="published").summary == "As signed."
    assert api_client.get("/api/v1/documents/published/").json()["summary"] == "As signed."


def test_an_editor_may_not_publish_a_document(editor_client):
    response = editor_client.post("/api/v1/documents/", new_document(status="published"), format="json")

    body = assert_problem(response, HTTPStatus.FORBIDDEN)
    assert "Only a Publisher can publish" in body["detail"]
    assert not Document.objects.exists()


def test_an_editor_may_not_publish_their_draft_later_either(editor_client):
    factories.DocumentFactory(slug="draft", draft=True)

    response = editor_client.patch("/api/v1/documents/draft/", {"status": "published"}, format="json")

    assert_problem(response, HTTPStatus.FORBIDDEN)
    assert Document.objects.get(slug="draft").status == PublicationStatus.DRAFT


def test_an_editor_may_not_reschedule_or_unpublish_a_published_document(editor_client):
    factories.DocumentFactory(slug="published")
    later = (timezone.now() + datetime.timedelta(days=3)).isoformat()

    reschedule = editor_client.patch("/api/v1/documents/published/", {"published_at": later}, format="json")
    unpublish = editor_client.patch("/api/v1/documents/published/", {"status": "draft"}, format="json")

    assert_problem(reschedule, HTTPStatus.FORBIDDEN)
    assert_problem(unpublish, HTTPStatus.FORBIDDEN)
    assert Document.objects.get(slug="published").is_public


def test_an_editor_may_not_give_a_draft_a_publication_time(editor_client, publisher):
    """An Editor's publication time would schedule the record once a Publisher publishes it."""
    factories.DocumentFactory(slug="draft", draft=True)
    later = (timezone.now() + datetime.timedelta(days=3)).isoformat()

    response = editor_client.patch("/api/v1/documents/draft/", {"published_at": later}, format="json")

    body = assert_problem(response, HTTPStatus.FORBIDDEN)
    assert "Only a Publisher" in body["detail"]
    assert Document.objects.get(slug="draft").published_at is None


def test_an_editor_may_not_create_a_draft_with_a_publication_time(editor_client):
    later = (timezone.now() + datetime.timedelta(days=3)).isoformat()

    response = editor_client.post("/api/v1/documents/", new_document(published_at=later), format="json")

    assert_problem(response, HTTPStatus.FORBIDDEN)
    assert not Document.objects.exists()


def test_a_publication_time_without_the_published_status_answers_400(publisher_client):
    factories.DocumentFactory(slug="draft", draft=True)
    later = (timezone.now() + datetime.timedelta(days=3)).isoformat()

    response = publisher_client.patch("/api/v1/documents/draft/", {"published_at": later}, format="json")

    body = assert_problem(response, HTTPStatus.BAD_REQUEST)
    assert list(body["errors"]) == ["published_at"]
    assert Document.objects.get(slug="draft").published_at is None


def test_an_editor_may_not_delete_a_published_document(editor_client):
    factories.DocumentFactory(slug="published")

    assert_problem(editor_client.delete("/api/v1/documents/published/"), HTTPStatus.FORBIDDEN)
    assert Document.objects.filter(slug="published").exists()


def test_a_publisher_publishes_and_the_document_goes_live(publisher_client, api_client):
    factories.DocumentFactory(slug="ready", draft=True)

    response = publisher_client.patch("/api/v1/documents/ready/", {"status": "published"}, format="json")

    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["published_at"] is not None
    assert api_client.get("/api/v1/documents/ready/").status_code == HTTPStatus.OK


def test_a_publisher_schedules_a_document_for_later(publisher_client, api_client):
    later = (timezone.now() + datetime.timedelta(days=3)).isoformat()

    response = publisher_client.post(
        "/api/v1/documents/", new_document(status="published", published_at=later), format="json"
    )

    assert response.status_code == HTTPStatus.CREATED, response.content
    assert_problem(api_client.get("/api/v1/documents/new-declaration/"), HTTPStatus.NOT_FOUND)


def test_publishing_a_record_that_is_not_ready_answers_400_listing_what_is_missing(publisher_client):
    response = publisher_client.post(
        "/api/v1/documents/", new_document(status="published", summary="", sources=[]), format="json"
    )

    body = assert_problem(response, HTTPStatus.BAD_REQUEST)
    assert body["errors"]["status"] == ["Cite at least one source.", "Write a summary."]
    assert "Cite at least one source." in body["detail"]
    assert not Document.objects.exists()


def test_a_superuser_can_publish(superuser):
    response = token_client(superuser).post("/api/v1/documents/", new_document(status="published"), format="json")

    assert response.status_code == HTTPStatus.CREATED, response.content
    assert Document.objects.get().is_public


def test_a_publisher_deletes_a_published_document_and_the_history_keeps_it(publisher_client, publisher):
    document = factories.DocumentFactory(slug="withdrawn")

    response = publisher_client.delete("/api/v1/documents/withdrawn/")

    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not Document.objects.exists()
    (version,) = Version.objects.get_deleted(Document)
    assert version.object_id == str(document.pk)
    assert version.revision.user == publisher
    assert version.revision.comment.startswith("Changed through the API: deleted")


def test_a_browser_session_needs_the_csrf_token_to_write(editor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)

    response = client.post("/api/v1/topics/", {"slug": "water", "name": "Water"}, format="json")

    body = assert_problem(response, HTTPStatus.FORBIDDEN)
    assert "CSRF" in body["detail"]


# --- Validation -------------------------------------------------------------------------------------------


def test_a_write_is_validated_like_the_admin_validates_it(editor_client):
    state = factories.StateFactory()

    response = editor_client.post(
        "/api/v1/chairmanships/",
        {"slug": "backwards", "state": state.slug, "start_date": "2024-07-04", "end_date": "2023-07-04"},
        format="json",
    )

    body = assert_problem(response, HTTPStatus.BAD_REQUEST)
    assert body["errors"] == {"non_field_errors": ["The end date must not be before the start date."]}


def test_an_unknown_related_slug_answers_400(editor_client):
    response = editor_client.post("/api/v1/documents/", new_document(topics=["no-such-topic"]), format="json")

    body = assert_problem(response, HTTPStatus.BAD_REQUEST)
    assert list(body["errors"]) == ["topics"]


def test_overlapping_membership_periods_are_refused(editor_client):
    existing = factories.MembershipFactory(
        state=factories.StateFactory(draft=True), start_date=datetime.date(2001, 6, 15)
    )

    response = editor_client.post(
        "/api/v1/memberships/",
        {"state": existing.state.slug, "status": "observer", "start_date": "2010-01-01"},
        format="json",
    )

    body = assert_problem(response, HTTPStatus.BAD_REQUEST)
    assert "overlaps" in body["detail"] or "overlaps" in str(body["errors"])


# --- Lost updates -------------------------------------------------------------------------------------------


def test_a_write_with_a_stale_if_match_answers_412_and_changes_nothing(publisher_client):
    factories.DocumentFactory(slug="contested", summary="Original.")
    stale = publisher_client.get("/api/v1/documents/contested/")["ETag"]
    publisher_client.patch("/api/v1/documents/contested/", {"summary": "First edit."}, format="json")

    response = publisher_client.patch(
        "/api/v1/documents/contested/", {"summary": "Second edit."}, format="json", HTTP_IF_MATCH=stale
    )

    body = assert_problem(response, HTTPStatus.PRECONDITION_FAILED)
    assert "changed since you read it" in body["detail"]
    assert Document.objects.get(slug="contested").summary == "First edit."


def test_a_write_with_the_current_if_match_succeeds_and_answers_the_new_etag(publisher_client):
    factories.DocumentFactory(slug="current")
    etag = publisher_client.get("/api/v1/documents/current/")["ETag"]

    response = publisher_client.patch(
        "/api/v1/documents/current/", {"summary": "Edited."}, format="json", HTTP_IF_MATCH=etag
    )

    assert response.status_code == HTTPStatus.OK, response.content
    assert response["ETag"] != etag
    assert response["ETag"] == publisher_client.get("/api/v1/documents/current/")["ETag"]


def test_if_match_protects_unversioned_records_too(editor_client):
    factories.TopicFactory(slug="water", name="Water")
    stale = editor_client.get("/api/v1/topics/water/")["ETag"]
    Topic.objects.filter(slug="water").update(name="Water resources")

    response = editor_client.delete("/api/v1/topics/water/", HTTP_IF_MATCH=stale)

    assert_problem(response, HTTPStatus.PRECONDITION_FAILED)
    assert Topic.objects.filter(slug="water").exists()


# --- Deleting what others refer to -------------------------------------------------------------------


def test_deleting_a_state_that_hosted_summits_answers_409_naming_them(publisher_client):
    state = factories.StateFactory(slug="kazakhstan", short_name="Kazakhstan")
    factories.SummitFactory(host_state=state, host_city="Astana", number=24, slug="astana-2024")
    factories.SummitFactory(host_state=state, host_city="Almaty", number=6, slug="almaty-2006")

    response = publisher_client.delete("/api/v1/states/kazakhstan/")

    body = assert_problem(response, HTTPStatus.CONFLICT)
    assert body["detail"].startswith("This state cannot be deleted: 2 summits (")
    assert "Astana" in body["detail"] and "Almaty" in body["detail"]
    assert State.objects.filter(slug="kazakhstan").exists()


def test_deleting_a_source_that_a_key_figure_cites_answers_409_naming_the_figure(publisher_client):
    figure = factories.KeyFigureFactory(label="Trade turnover", source=factories.SourceFactory(slug="yearbook"))

    response = publisher_client.delete("/api/v1/sources/yearbook/")

    body = assert_problem(response, HTTPStatus.CONFLICT)
    figure.refresh_from_db()
    assert f"1 key figure ({figure}) still refers to it" in body["detail"]
    assert Source.objects.filter(slug="yearbook").exists()


def test_the_browsable_api_offers_an_editor_a_form_with_slugs_to_choose(client, editor):
    factories.TopicFactory(slug="energy", name="Energy")
    client.force_login(editor)

    response = client.get("/api/v1/documents/", HTTP_ACCEPT="text/html")

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/html")
    assert '<option value="energy"' in response.content.decode()


# --- Deleting what published content shows ------------------------------------------------------------------


def test_an_editor_may_not_delete_a_source_that_a_published_record_cites(editor_client):
    source = factories.SourceFactory(slug="yearbook")
    factories.DocumentFactory(title="Astana Declaration", sources=[source, factories.SourceFactory()])

    response = editor_client.delete("/api/v1/sources/yearbook/")

    body = assert_problem(response, HTTPStatus.FORBIDDEN)
    assert "Astana Declaration" in body["detail"]
    assert Source.objects.filter(slug="yearbook").exists()


def test_an_editor_deletes_a_source_that_only_drafts_cite(editor_client):
    source = factories.SourceFactory(slug="yearbook")
    factories.DocumentFactory(draft=True, sources=[source])

    assert editor_client.delete("/api/v1/sources/yearbook/").status_code == HTTPStatus.NO_CONTENT


def test_not_even_a_publisher_deletes_the_last_source_of_a_published_record(publisher_client):
    source = factories.SourceFactory(slug="yearbook")
    factories.DocumentFactory(title="Astana Declaration", sources=[source])

    response = publisher_client.delete("/api/v1/sources/yearbook/")

    body = assert_problem(response, HTTPStatus.CONFLICT)
    assert "Astana Declaration" in body["detail"] and "without a source" in body["detail"]
    assert Source.objects.filter(slug="yearbook").exists()


def test_a_publisher_deletes_a_source_of_a_published_record_that_cites_another(publisher_client):
    source = factories.SourceFactory(slug="yearbook")
    document = factories.DocumentFactory(sources=[source, factories.SourceFactory()])

    assert publisher_client.delete("/api/v1/sources/yearbook/").status_code == HTTPStatus.NO_CONTENT
    assert document.sources.count() == 1


def test_an_editor_may_not_delete_a_membership_period_of_a_published_state(editor_client, publisher_client):
    period = factories.MembershipFactory(state=factories.StateFactory(short_name="Kazakhstan"))

    response = editor_client.delete(f"/api/v1/memberships/{period.pk}/")

    assert "Kazakhstan" in assert_problem(response, HTTPStatus.FORBIDDEN)["detail"]
    assert Membership.objects.filter(pk=period.pk).exists()
    assert publisher_client.delete(f"/api/v1/memberships/{period.pk}/").status_code == HTTPStatus.NO_CONTENT


def test_an_editor_may_not_delete_a_key_figure_of_a_published_chairmanship(editor_client):
    figure = factories.KeyFigureFactory(slug="events")

    assert_problem(editor_client.delete("/api/v1/key-figures/events/"), HTTPStatus.FORBIDDEN)
    assert KeyFigure.objects.filter(pk=figure.pk).exists()


def test_an_editor_deletes_a_key_figure_of_a_draft_chairmanship(editor_client):
    factories.KeyFigureFactory(slug="events", chairmanship=factories.ChairmanshipFactory(draft=True))

    assert editor_client.delete("/api/v1/key-figures/events/").status_code == HTTPStatus.NO_CONTENT


def test_an_editor_may_not_change_or_add_a_membership_period_of_a_published_state(editor_client):
    period = factories.MembershipFactory(state=factories.StateFactory(slug="kazakhstan", short_name="Kazakhstan"))

    changed = editor_client.patch(f"/api/v1/memberships/{period.pk}/", {"note": "Rewritten."}, format="json")
    added = editor_client.post(
        "/api/v1/memberships/",
        {"state": "kazakhstan", "status": "observer", "start_date": "1990-01-01", "end_date": "1991-01-01"},
        format="json",
    )

    assert "Kazakhstan" in assert_problem(changed, HTTPStatus.FORBIDDEN)["detail"]
    assert_problem(added, HTTPStatus.FORBIDDEN)
    assert Membership.objects.get().note == ""
