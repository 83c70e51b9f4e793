"""The editorial workflow in the admin: roles, status flow, scheduling, list actions, corrections, moved slugs."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from chairmanship import models
from chairmanship.models import Correction, Document, PublicationStatus, SlugRedirect, Summit
from tests import factories
from tests.admin_support import change_url, changelist_url, client_for, editorial_user, form_data, messages_of, readable
from tests.factories import DocumentFactory, SourceFactory, SummitFactory

pytestmark = pytest.mark.django_db

# --- roles --------------------------------------------------------------------------------------------


def test_editor_group_may_edit_but_not_publish_or_delete_content(editor):
    assert editor.has_perm("chairmanship.change_document")
    assert editor.has_perm("chairmanship.add_summit")
    assert editor.has_perm("chairmanship.delete_membership")
    assert not editor.has_perm("chairmanship.delete_document")
    assert not any(editor.has_perm(model.publish_permission()) for model in (Document, Summit))


def test_publisher_group_may_publish_and_delete_every_content_model(publisher):
    for model in ("state", "chairmanship", "summit", "document", "initiative"):
        assert publisher.has_perm(f"chairmanship.publish_{model}")
        assert publisher.has_perm(f"chairmanship.delete_{model}")


def test_editor_is_not_offered_the_published_status(editor):
    document = DocumentFactory(draft=True)
    response = client_for(editor).get(change_url(document))
    status_choices = [value for value, _ in response.context["adminform"].form.fields["status"].choices]
    assert status_choices == [PublicationStatus.DRAFT, PublicationStatus.REVIEW]
    assert "published_at" not in response.context["adminform"].form.fields


def test_editor_cannot_publish_a_draft_document_through_a_forged_form(editor):
    document = DocumentFactory(draft=True)
    client = client_for(editor)
    data = form_data(client.get(change_url(document)), status="published", published_at_0="2020-01-01")
    response = client.post(change_url(document), data)
    assert response.status_code == HTTPStatus.OK
    assert "status" in response.context["adminform"].form.errors
    document.refresh_from_db()
    assert document.status == PublicationStatus.DRAFT
    assert document.published_at is None


def test_editor_edit_of_a_published_document_waits_for_a_publisher_and_leaves_it_published(editor):
    document = DocumentFactory(summary="Old summary.")
    published_at = document.published_at
    client = client_for(editor)
    data = form_data(client.get(change_url(document)), summary="Better summary.", status="draft")
    response = client.post(change_url(document), data, follow=True)
    assert response.status_code == HTTPStatus.OK
    assert any("waits for a Publisher" in message for message in messages_of(response))
    document.refresh_from_db()
    assert (document.summary, document.status, document.published_at) == (
        "Old summary.",
        PublicationStatus.PUBLISHED,
        published_at,
    )


def test_admin_refuses_an_editor_save_that_would_publish_by_any_path(editor, rf):
    document = DocumentFactory(draft=True)
    request = rf.post("/")
    request.user = editor
    document.status, document.published_at = PublicationStatus.PUBLISHED, timezone.now()
    with pytest.raises(PermissionDenied):
        site._registry[Document].save_model(request, document, form=None, change=True)
    document.refresh_from_db()
    assert document.status == PublicationStatus.DRAFT


def test_anonymous_visitor_is_sent_to_the_admin_login_for_actions(client):
    document = DocumentFactory(draft=True)
    response = client.post(changelist_url(Document), {"action": "publish", "_selected_action": [document.pk]})
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("admin:login") in response["Location"]
    document.refresh_from_db()
    assert document.status == PublicationStatus.DRAFT


# --- status flow and list actions --------------------------------------------------------------------


def _act(client, model, action: str, records):
    return client.post(
        changelist_url(model), {"action": action, "_selected_action": [record.pk for record in records]}, follow=True
    )


@pytest.mark.parametrize(
    ("role", "action", "start", "end"),
    [
        ("Editor", "submit_for_review", "draft", "review"),
        ("Editor", "publish", "review", "review"),
        ("Editor", "unpublish", "published", "published"),
        ("Publisher", "submit_for_review", "draft", "review"),
        ("Publisher", "publish", "review", "published"),
        ("Publisher", "unpublish", "published", "draft"),
    ],
)
def test_role_matrix_of_the_list_actions(django_user_model, role, action, start, end):
    user = editorial_user(django_user_model, role)
    document = DocumentFactory(draft=start != "published", status=start)
    _act(client_for(user), Document, action, [document])
    document.refresh_from_db()
    assert document.status == end


def test_editor_is_not_offered_publish_or_unpublish_actions(editor):
    response = client_for(editor).get(changelist_url(Document))
    actions = {name for name, _ in response.context["action_form"].fields["action"].choices}
    assert "submit_for_review" in actions
    assert not actions & {"publish", "unpublish", "delete_selected"}


def test_submit_for_review_reports_changed_and_refused_records(editor):
    drafts = DocumentFactory.create_batch(2, draft=True)
    published = DocumentFactory(title="Already out")
    response = _act(client_for(editor), Document, "submit_for_review", [*drafts, published])
    messages = messages_of(response)
    assert "Submitted for review 2 documents." in messages
    assert any("Already out" in message and "already published" in message for message in messages)


def test_publishing_names_the_completeness_check_that_failed(publisher):
    incomplete = DocumentFactory(title="No date yet", draft=True, date=None, summary="", sources=[])
    ready = DocumentFactory(title="Ready", draft=True)
    response = _act(client_for(publisher), Document, "publish", [incomplete, ready])
    messages = messages_of(response)
    assert "Published 1 document." in messages
    refusal = next(message for message in messages if "No date yet" in message)
    assert "Cite at least one source." in refusal
    assert "Write a summary." in refusal
    assert "Give the document's date." in refusal
    incomplete.refresh_from_db()
    assert incomplete.status == PublicationStatus.DRAFT


def test_published_document_appears_on_the_public_site_and_unpublished_one_goes(publisher, client):
    document = DocumentFactory(draft=True, status=PublicationStatus.REVIEW)
    assert client.get(document.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    _act(client_for(publisher), Document, "publish", [document])
    assert client.get(document.get_absolute_url()).status_code == HTTPStatus.OK
    _act(client_for(publisher), Document, "unpublish", [document])
    document.refresh_from_db()
    assert (document.status, document.published_at) == (PublicationStatus.DRAFT, None)
    assert client.get(document.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_publisher_schedules_a_document_that_goes_live_by_itself(publisher, client):
    document = DocumentFactory(draft=True)
    go_live = timezone.now() + datetime.timedelta(days=2)
    publisher_client = client_for(publisher)
    data = form_data(
        publisher_client.get(change_url(document)),
        status="published",
        published_at_0=go_live.strftime("%Y-%m-%d"),
        published_at_1=go_live.strftime("%H:%M:%S"),
    )
    assert publisher_client.post(change_url(document), data).status_code == HTTPStatus.FOUND
    assert client.get(document.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert not Document.objects.published().filter(pk=document.pk).exists()
    assert Document.objects.published(at=go_live + datetime.timedelta(minutes=1)).filter(pk=document.pk).exists()
    listing = publisher_client.get(changelist_url(Document))
    assert "Scheduled for" in listing.text


def test_publisher_form_refuses_to_publish_an_incomplete_document(publisher):
    document = DocumentFactory(draft=True, summary="")
    client = client_for(publisher)
    response = client.post(change_url(document), form_data(client.get(change_url(document)), status="published"))
    assert response.status_code == HTTPStatus.OK
    assert "Not ready to publish: Write a summary." in response.context["adminform"].form.non_field_errors()
    document.refresh_from_db()
    assert document.status == PublicationStatus.DRAFT


def test_publisher_publishes_a_summit_with_all_its_draft_documents(publisher, client):
    summit = SummitFactory(draft=True)
    documents = DocumentFactory.create_batch(3, draft=True, summit=summit)
    response = _act(client_for(publisher), Summit, "publish_with_documents", [summit])
    assert f"Published “{summit}” with 3 documents." in messages_of(response)
    for document in documents:
        assert client.get(document.get_absolute_url()).status_code == HTTPStatus.OK


def test_summit_with_one_incomplete_document_is_not_published_at_all(publisher):
    summit = SummitFactory(draft=True)
    DocumentFactory(draft=True, summit=summit)
    DocumentFactory(draft=True, summit=summit, title="Undated", date=None)
    response = _act(client_for(publisher), Summit, "publish_with_documents", [summit])
    refusal = next(message for message in messages_of(response) if "Nothing published" in message)
    assert "“Undated”: Give the document's date." in refusal
    assert not Summit.objects.filter(status=PublicationStatus.PUBLISHED).exists()
    assert not Document.objects.filter(status=PublicationStatus.PUBLISHED).exists()


def test_document_of_an_unpublished_summit_waits_for_the_summit(publisher):
    document = DocumentFactory(draft=True, summit=SummitFactory(draft=True))
    response = _act(client_for(publisher), Document, "publish", [document])
    assert any("Publish its summit" in message for message in messages_of(response))


# --- corrections and moved slugs ---------------------------------------------------------------------


def test_saving_a_published_record_with_a_correction_note_logs_a_public_correction(publisher, client):
    document = DocumentFactory(summary="Signed by five states.", sources=[SourceFactory()])
    publisher_client = client_for(publisher)
    data = form_data(
        publisher_client.get(change_url(document)),
        summary="Signed by six states.",
        correction_note="The number of signatories was wrong.",
    )
    assert publisher_client.post(change_url(document), data).status_code == HTTPStatus.FOUND
    correction = Correction.objects.for_record(document).get()
    assert (correction.note, correction.author) == ("The number of signatories was wrong.", publisher)
    page = client.get(document.get_absolute_url())
    assert f"Corrected on {correction.date:%-d %B %Y}: The number of signatories was wrong." in readable(page.text)


def test_correction_note_is_neither_offered_nor_accepted_on_a_draft(publisher):
    document = DocumentFactory(draft=True)
    client = client_for(publisher)
    page = client.get(change_url(document))
    assert 'name="correction_note"' not in page.text
    response = client.post(change_url(document), form_data(page, correction_note="Fixed a date."))
    assert response.context["adminform"].form.errors["correction_note"] == [
        "Only a published record takes a public correction; this one is not public."
    ]
    assert not Correction.objects.exists()


def test_corrections_partial_lists_corrections_newest_first_in_one_query(django_assert_num_queries):
    document = DocumentFactory()
    Correction.objects.create(record=document, note="First fix.", date=datetime.date(2024, 1, 5))
    Correction.objects.create(record=document, note="Second fix.", date=datetime.date(2024, 3, 9))
    with django_assert_num_queries(1):
        text = readable(render_to_string("chairmanship/partials/corrections.html", {"record": document}))
    assert text.index("Corrected on 9 March 2024: Second fix.") < text.index("Corrected on 5 January 2024: First fix.")


def test_old_address_of_a_published_document_redirects_permanently_after_a_slug_change(publisher, client):
    document = DocumentFactory(slug="tashkent-declaration")
    publisher_client = client_for(publisher)
    data = form_data(publisher_client.get(change_url(document)), slug="tashkent-declaration-2016")
    assert publisher_client.post(change_url(document), data).status_code == HTTPStatus.FOUND
    response = client.get("/documents/tashkent-declaration/?ref=citation")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == "/documents/tashkent-declaration-2016/?ref=citation"


def test_slug_changes_of_drafts_leave_no_redirect_and_a_chain_ends_at_the_current_address(client):
    draft = DocumentFactory(draft=True, slug="draft-slug")
    draft.slug = "draft-slug-2"
    draft.save()
    assert not SlugRedirect.objects.exists()
    document = DocumentFactory(slug="first")
    for slug in ("second", "third"):
        document.slug = slug
        document.save()
    assert client.get("/documents/first/")["Location"] == "/documents/third/"
    assert client.get("/documents/second/")["Location"] == "/documents/third/"
    document.slug = "first"
    document.save()
    assert client.get("/documents/first/").status_code == HTTPStatus.OK


# --- deleting what published content shows -------------------------------------------------------------


def _delete_url(record) -> str:
    return reverse(f"admin:chairmanship_{record._meta.model_name}_delete", args=(record.pk,))


def test_editor_is_refused_the_delete_page_of_a_source_a_published_document_cites(editor):
    source = SourceFactory(title="SCO yearbook")
    DocumentFactory(title="Astana Declaration", sources=[source])

    response = client_for(editor).post(_delete_url(source), {"post": "yes"}, follow=True)

    assert any("Astana Declaration" in message for message in messages_of(response))
    assert models.Source.objects.filter(pk=source.pk).exists()


def test_bulk_delete_never_leaves_a_published_document_without_a_source(publisher):
    sources = SourceFactory.create_batch(2)
    DocumentFactory(title="Astana Declaration", sources=sources)

    response = client_for(publisher).post(
        changelist_url(models.Source),
        {"action": "delete_selected", "_selected_action": [source.pk for source in sources], "post": "yes"},
        follow=True,
    )

    refusal = next(message for message in messages_of(response) if "Nothing deleted" in message)
    assert "Astana Declaration" in refusal and "without a source" in refusal
    assert models.Source.objects.count() == 2


def test_editor_may_not_delete_a_membership_period_of_a_published_state(editor):
    period = factories.MembershipFactory(state=factories.StateFactory(short_name="Kazakhstan"))
    client = client_for(editor)

    refused = client.post(
        changelist_url(models.Membership),
        {"action": "delete_selected", "_selected_action": [period.pk], "post": "yes"},
        follow=True,
    )
    inline = client.get(change_url(period.state)).context["inline_admin_formsets"][0]

    assert any("Kazakhstan" in message for message in messages_of(refused))
    assert models.Membership.objects.filter(pk=period.pk).exists()
    assert not inline.has_delete_permission and not inline.has_change_permission


def test_editor_may_not_delete_a_key_figure_of_a_published_chairmanship(editor, publisher):
    figure = factories.KeyFigureFactory()

    client_for(editor).post(_delete_url(figure), {"post": "yes"})
    assert models.KeyFigure.objects.filter(pk=figure.pk).exists()

    client_for(publisher).post(_delete_url(figure), {"post": "yes"})
    assert not models.KeyFigure.objects.filter(pk=figure.pk).exists()


def test_editor_reads_but_may_not_change_or_add_a_period_of_a_published_state(editor):
    state = factories.StateFactory(short_name="Kazakhstan")
    period = factories.MembershipFactory(state=state, note="As recorded.")
    client = client_for(editor)

    page = client.get(change_url(period))
    changed = client.post(change_url(period), {"state": state.pk, "status": "member", "start_date": "2001-06-15"})
    added = client.post(
        reverse("admin:chairmanship_membership_add"),
        {"state": state.pk, "status": "observer", "start_date": "1990-01-01", "end_date": "1991-01-01"},
    )

    assert page.status_code == HTTPStatus.OK and not page.context["has_change_permission"]
    assert changed.status_code == HTTPStatus.FORBIDDEN
    assert "Only a Publisher can add or change" in str(added.context["adminform"].form.non_field_errors())
    assert list(models.Membership.objects.all()) == [period]
