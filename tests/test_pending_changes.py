"""An Editor's change to a published record waits for a Publisher: the live record stays as it is, the change is
kept aside, compared field by field in the admin, and published (or discarded) by a Publisher."""

from http import HTTPStatus

import pytest
import reversion
from django.core.cache import cache
from django.urls import reverse
from reversion.models import Version

from chairmanship import publication
from chairmanship.models import Correction, Document, PendingChange
from tests import factories
from tests.admin_support import change_url, changelist_url, client_for, editorial_user, form_data, messages_of
from tests.api_support import assert_problem, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }
    cache.clear()


def pending_url(record, change, verdict: str) -> str:
    return reverse(f"admin:chairmanship_{record._meta.model_name}_pending_{verdict}", args=(record.pk, change.pk))


def propose_in_the_admin(editor, document, **changes):
    client = client_for(editor)
    client.post(change_url(document), form_data(client.get(change_url(document)), **changes))
    return PendingChange.objects.for_record(document).get()


# --- The admin ----------------------------------------------------------------------------------------------


def test_an_editors_admin_change_to_a_published_document_stays_off_the_site(editor, client):
    document = factories.DocumentFactory(summary="Signed by five states.")
    version = document.version

    change = propose_in_the_admin(editor, document, summary="Signed by six states.")

    document.refresh_from_db()
    assert (document.summary, document.version) == ("Signed by five states.", version)
    assert "Signed by five states." in client.get(document.get_absolute_url()).text
    assert (change.author, change.base_version, change.data["summary"]) == (editor, version, "Signed by six states.")
    assert not Version.objects.get_for_object(document).filter(revision__user=editor).exists()


@pytest.mark.parametrize("model", ["state", "summit", "chairmanship"])
def test_records_edited_with_inline_rows_keep_those_rows_through_a_proposed_change(editor, publisher, model):
    """A state's periods, a summit's documents and figures, a chairmanship's figures: shown read-only to the
    Editor, untouched by the proposal and by its publication."""
    # Valid codes: the state's own form checks them.
    state = factories.StateFactory(summary="Old.", iso_alpha2="QA", iso_alpha3="QQA")
    period = factories.MembershipFactory(state=state)
    summit = factories.SummitFactory(host_state=state, summary="Old.")
    factories.DocumentFactory(summit=summit)
    chairmanship = factories.ChairmanshipFactory(state=state, summary="Old.")
    factories.KeyFigureFactory(chairmanship=chairmanship)
    record = {"state": state, "summit": summit, "chairmanship": chairmanship}[model]

    change = propose_in_the_admin(editor, record, summary="New.")
    record.refresh_from_db()
    assert record.summary == "Old."
    (pending,) = client_for(publisher).get(change_url(record)).context["pending_changes"]
    assert [difference.label for difference in pending["differences"]] == ["Summary"]

    client_for(publisher).post(pending_url(record, change, "publish"))

    record.refresh_from_db()
    assert record.summary == "New."
    assert list(state.memberships.all()) == [period]
    assert summit.documents.count() == chairmanship.figures.count() == 1


def test_a_publisher_sees_the_proposed_change_field_by_field_and_finds_it_in_the_list(editor, publisher):
    new_source = factories.SourceFactory(title="SCO yearbook 2025")
    document = factories.DocumentFactory(title="Astana Declaration", summary="Signed by five states.")
    untouched = factories.DocumentFactory(title="Untouched")
    propose_in_the_admin(editor, document, summary="Signed by six states.", sources=[str(new_source.pk)])
    client = client_for(publisher)

    page = client.get(change_url(document))
    (pending,) = page.context["pending_changes"]
    differences = {difference.label: difference for difference in pending["differences"]}
    waiting = client.get(changelist_url(Document) + "?pending=yes")
    not_waiting = client.get(changelist_url(Document) + "?pending=no")

    assert set(differences) == {"Summary", "Sources"}
    assert ("delete", "five") in differences["Summary"].segments
    assert ("insert", "six") in differences["Summary"].segments
    assert differences["Sources"].new == "SCO yearbook 2025"
    assert "Proposed changes waiting for a Publisher" in page.text
    assert "Publish this change" in page.text
    assert list(waiting.context["cl"].result_list) == [document]
    assert list(not_waiting.context["cl"].result_list) == [untouched]


def test_a_publisher_publishes_the_proposed_change_with_a_revision_and_its_correction_note(editor, publisher, client):
    new_source = factories.SourceFactory()
    document = factories.DocumentFactory(summary="Signed by five states.")
    change = propose_in_the_admin(
        editor,
        document,
        summary="Signed by six states.",
        sources=[str(new_source.pk)],
        correction_note="The number of signatories was wrong.",
    )

    response = client_for(publisher).post(pending_url(document, change, "publish"), follow=True)

    document.refresh_from_db()
    assert any("Published the proposed change" in message for message in messages_of(response))
    assert document.summary == "Signed by six states."
    assert list(document.sources.all()) == [new_source]
    assert not PendingChange.objects.exists()
    latest = Version.objects.get_for_object(document).first()
    assert latest.revision.user == publisher
    assert "proposed by editor" in latest.revision.get_comment()
    assert Correction.objects.for_record(document).get().note == "The number of signatories was wrong."
    assert "Signed by six states." in client.get(document.get_absolute_url()).text


def test_a_change_proposed_on_an_older_version_is_refused_and_the_newer_text_stays(editor, publisher):
    document = factories.DocumentFactory(summary="Original.")
    change = propose_in_the_admin(editor, document, summary="Editor's wording.")
    document.summary = "Publisher's fix."
    document.save()

    response = client_for(publisher).post(pending_url(document, change, "publish"), follow=True)

    refusal = next(message for message in messages_of(response) if message.startswith("Not published"))
    assert "changed after this proposal" in refusal
    document.refresh_from_db()
    assert document.summary == "Publisher's fix."
    assert PendingChange.objects.filter(pk=change.pk).exists()


def test_a_publisher_discards_a_proposed_change_and_the_record_stays(editor, publisher):
    document = factories.DocumentFactory(summary="Original.")
    change = propose_in_the_admin(editor, document, summary="Unwanted.")

    client_for(publisher).post(pending_url(document, change, "discard"))

    document.refresh_from_db()
    assert document.summary == "Original."
    assert not PendingChange.objects.exists()


def test_an_editor_may_not_publish_a_proposed_change_but_may_withdraw_their_own(editor, django_user_model):
    document = factories.DocumentFactory(summary="Original.")
    change = propose_in_the_admin(editor, document, summary="Mine.")
    other_editor = editorial_user(django_user_model, "Editor", "other-editor")

    refused = client_for(editor).post(pending_url(document, change, "publish"))
    not_theirs = client_for(other_editor).post(pending_url(document, change, "discard"))
    assert (refused.status_code, not_theirs.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN)
    document.refresh_from_db()
    assert document.summary == "Original."

    client_for(editor).post(pending_url(document, change, "discard"))
    assert not PendingChange.objects.exists()


def test_an_editor_may_not_revert_a_published_record_to_an_older_version(editor):
    document = factories.DocumentFactory(summary="First.")
    with reversion.create_revision():
        document.save()
    older = Version.objects.get_for_object(document).last()
    document.summary = "Second."
    document.save()
    client = client_for(editor)
    url = reverse("admin:chairmanship_document_revision", args=(document.pk, older.pk))

    response = client.post(url, form_data(client.get(url)), follow=True)

    assert any("Reverting a published record is a Publisher's act" in message for message in messages_of(response))
    document.refresh_from_db()
    assert document.summary == "Second."


def test_an_editors_change_to_a_draft_goes_through_at_once(editor):
    document = factories.DocumentFactory(draft=True, summary="Draft.")
    client = client_for(editor)

    client.post(change_url(document), form_data(client.get(change_url(document)), summary="Better draft."))

    document.refresh_from_db()
    assert document.summary == "Better draft."
    assert not PendingChange.objects.exists()


def test_a_deleted_record_takes_its_proposed_changes_with_it(editor):
    document = factories.DocumentFactory()
    propose_in_the_admin(editor, document, summary="Proposed.")

    document.delete()

    assert not PendingChange.objects.exists()


# --- The API -------------------------------------------------------------------------------------------------


def test_an_editors_put_to_a_published_document_answers_202_and_a_publisher_publishes_it(editor, publisher):
    document = factories.DocumentFactory(slug="astana", summary="As signed.")
    topic = factories.TopicFactory(slug="energy")
    api = token_client(editor)
    body = api.get("/api/v1/documents/astana/").json()
    body.update(summary="Corrected.", topics=["energy"], sources=[source["slug"] for source in body["sources"]])
    for name in ("summit", "chairmanship"):
        body[name] = None
    body["signatories"] = []

    response = api.put("/api/v1/documents/astana/", body, format="json")

    assert response.status_code == HTTPStatus.ACCEPTED, response.content
    answer = response.json()
    assert answer["proposed"]["summary"] == "Corrected."
    assert [item["slug"] for item in answer["proposed"]["topics"]] == ["energy"]
    assert answer["base_version"] == document.version
    document.refresh_from_db()
    assert (document.summary, list(document.topics.all())) == ("As signed.", [])

    publication.publish_pending_change(PendingChange.objects.get(pk=answer["id"]), user=publisher)

    live = token_client(publisher).get("/api/v1/documents/astana/").json()
    assert live["summary"] == "Corrected."
    assert [item["slug"] for item in live["topics"]] == [topic.slug]


def test_an_editors_change_that_would_leave_a_published_record_uncited_answers_400(editor):
    factories.DocumentFactory(slug="astana")

    response = token_client(editor).patch("/api/v1/documents/astana/", {"sources": []}, format="json")

    body = assert_problem(response, HTTPStatus.BAD_REQUEST)
    assert body["errors"]["status"] == ["Cite at least one source."]
    assert not PendingChange.objects.exists()


def test_a_publishers_change_to_a_published_document_goes_live_at_once(publisher):
    factories.DocumentFactory(slug="astana", summary="As signed.")

    response = token_client(publisher).patch("/api/v1/documents/astana/", {"summary": "Corrected."}, format="json")

    assert response.status_code == HTTPStatus.OK
    assert Document.objects.get(slug="astana").summary == "Corrected."


def test_the_schema_says_an_editors_change_to_a_published_record_answers_202(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for method in ("put", "patch"):
        operation = schema["paths"]["/api/v1/documents/{slug}/"][method]
        assert "202" in operation["responses"]
        assert "Publisher" in operation["description"]
    assert "proposed" in schema["components"]["schemas"]["PendingChange"]["properties"]


def test_a_change_naming_a_source_deleted_since_is_refused_with_the_reason(editor, publisher):
    document = factories.DocumentFactory()
    new_source = factories.SourceFactory()
    change = propose_in_the_admin(editor, document, sources=[str(new_source.pk)])
    new_source.delete()

    response = client_for(publisher).post(pending_url(document, change, "publish"), follow=True)

    refusal = next(message for message in messages_of(response) if message.startswith("Not published"))
    assert "deleted since it was proposed" in refusal
    assert document.sources.exists()
