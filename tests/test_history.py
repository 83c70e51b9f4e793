"""History with django-reversion: revisions on every admin save, comparison, revert and recovery."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from reversion.models import Version

from chairmanship.models import Document, PublicationStatus
from chairmanship.versions import version_differences, word_diff
from tests.admin_support import change_url, client_for, form_data, readable
from tests.factories import DocumentFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _save(client, record, **changes):
    response = client.post(change_url(record), form_data(client.get(change_url(record)), **changes))
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    record.refresh_from_db()


def _url(name, *args):
    return reverse(f"admin:chairmanship_document_{name}", args=args)


def test_every_admin_save_records_a_revision_with_author_time_and_comment(editor):
    document = DocumentFactory(draft=True, summary="First words.")
    _save(client_for(editor), document, summary="Second words.")
    version = Version.objects.get_for_object(document).select_related("revision__user").get()
    assert version.revision.user == editor
    assert version.revision.date_created is not None
    assert version.revision.get_comment() == "Changed Summary."
    assert version.field_dict["summary"] == "Second words."


def test_list_actions_record_revisions_with_their_comment(editor):
    document = DocumentFactory(draft=True)
    client_for(editor).post(
        reverse("admin:chairmanship_document_changelist"),
        {"action": "submit_for_review", "_selected_action": [document.pk]},
    )
    version = Version.objects.get_for_object(document).get()
    assert (version.revision.user, version.revision.get_comment()) == (editor, "Submitted for review.")
    assert version.field_dict["status"] == PublicationStatus.REVIEW


def test_history_page_lets_the_editor_choose_two_versions_to_compare(editor):
    document = DocumentFactory(draft=True)
    client = client_for(editor)
    _save(client, document, summary="One.")
    _save(client, document, summary="Two.")
    page = client.get(_url("history", document.pk))
    assert page.status_code == HTTPStatus.OK
    assert page.text.count('name="from"') == 2
    assert _url("compare", document.pk) in page.text


def test_comparison_shows_the_words_removed_and_added(editor):
    topic = TopicFactory(name="Security")
    document = DocumentFactory(draft=True, title="Old title", summary="Leaders agreed on trade and energy.")
    client = client_for(editor)
    _save(client, document, summary="Leaders agreed on trade.")
    _save(client, document, title="New title", summary="Leaders agreed on trade and transport.", topics=[topic.pk])
    older, newer = Version.objects.get_for_object(document).order_by("pk")

    response = client.get(_url("compare", document.pk), {"from": newer.pk, "to": older.pk})

    assert response.status_code == HTTPStatus.OK
    labels = [difference.label for difference in response.context["differences"]]
    assert labels == ["Title", "Topics", "Summary"]
    assert "<td><del>Old</del> title</td>" in response.text
    assert "<td><ins>New</ins> title</td>" in response.text
    summary = response.context["differences"][2]
    assert "transport" in "".join(text for kind, text in summary.segments if kind == "insert")
    assert "energy" not in "".join(text for kind, text in summary.segments if kind != "delete")
    assert "Security" in readable(response.text)


def test_comparison_of_text_escapes_what_editors_typed(editor):
    document = DocumentFactory(draft=True, summary="Plain.")
    client = client_for(editor)
    _save(client, document, summary="Plain.")
    _save(client, document, summary="<script>alert(1)</script>")
    older, newer = Version.objects.get_for_object(document).order_by("pk")
    response = client.get(_url("compare", document.pk), {"from": older.pk, "to": newer.pk})
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_comparison_with_missing_or_foreign_versions_is_refused_clearly(editor):
    document, other = DocumentFactory(draft=True), DocumentFactory(draft=True)
    client = client_for(editor)
    _save(client, document, summary="Mine.")
    _save(client, other, summary="Theirs.")
    mine, theirs = Version.objects.get_for_object(document).get(), Version.objects.get_for_object(other).get()
    assert client.get(_url("compare", document.pk), {"from": "x"}).status_code == HTTPStatus.BAD_REQUEST
    response = client.get(_url("compare", document.pk), {"from": mine.pk, "to": theirs.pk}, follow=True)
    assert "Choose two different versions" in readable(response.text)


def test_word_diff_and_field_differences_ignore_bookkeeping_fields():
    segments = word_diff("leaders met in Astana", "leaders met online in Astana and Tashkent")
    assert "".join(text for kind, text in segments if kind != "insert") == "leaders met in Astana"
    assert "".join(text for kind, text in segments if kind != "delete") == "leaders met online in Astana and Tashkent"
    assert [text.strip() for kind, text in segments if kind == "insert"] == ["online", "and Tashkent"]
    old = {"title": "Same", "version": 1, "summary": "x"}
    new = {"title": "Same", "version": 2, "summary": "y"}
    assert [difference.label for difference in version_differences(Document, old, new)] == ["Summary"]


def test_revert_restores_the_old_text(editor):
    document = DocumentFactory(draft=True, full_text="The agreed text.")
    client = client_for(editor)
    _save(client, document, full_text="The agreed text.")
    _save(client, document, full_text="A mistaken edit.")
    first = Version.objects.get_for_object(document).order_by("pk").first()

    revert_page = client.get(_url("revision", document.pk, first.pk))
    response = client.post(_url("revision", document.pk, first.pk), form_data(revert_page))

    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.full_text == "The agreed text."
    latest = Version.objects.get_for_object(document).first()
    assert latest.revision.get_comment().startswith("Reverted to previous version")
    assert document.version == 4  # keeps rising, so anyone holding version 3 is warned


def test_editor_reverting_keeps_the_current_publication_state(editor, publisher):
    document = DocumentFactory(draft=True, summary="Draft summary.")
    _save(client_for(editor), document, summary="Ready summary.")
    draft_version = Version.objects.get_for_object(document).get()
    client_for(publisher).post(
        reverse("admin:chairmanship_document_changelist"), {"action": "publish", "_selected_action": [document.pk]}
    )
    client = client_for(editor)
    client.post(
        _url("revision", document.pk, draft_version.pk),
        form_data(client.get(_url("revision", document.pk, draft_version.pk))),
    )
    document.refresh_from_db()
    assert document.status == PublicationStatus.PUBLISHED


def test_deleted_document_can_be_recovered_from_the_admin(publisher):
    document = DocumentFactory(title="Charter of the SCO")
    client = client_for(publisher)
    _save(client, document, summary="The founding charter.")
    pk = document.pk
    client.post(reverse("admin:chairmanship_document_delete", args=(pk,)), {"post": "yes"})
    assert not Document.objects.filter(pk=pk).exists()

    recover_list = client.get(_url("recoverlist"))
    assert "Charter of the SCO" in recover_list.text
    deleted = Version.objects.get_deleted(Document).get()
    recover_page = client.get(_url("recover", deleted.pk))
    response = client.post(_url("recover", deleted.pk), form_data(recover_page))

    assert response.status_code == HTTPStatus.FOUND
    assert Document.objects.get(pk=pk).summary == "The founding charter."


def test_editor_cannot_delete_content_records(editor):
    document = DocumentFactory(draft=True)
    response = client_for(editor).post(reverse("admin:chairmanship_document_delete", args=(document.pk,)))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Document.objects.filter(pk=document.pk).exists()


def test_a_publisher_reverting_to_a_version_saved_in_review_keeps_the_record_published(editor, publisher):
    document = DocumentFactory(draft=True, summary="Reviewed summary.")
    _save(client_for(editor), document, summary="Reviewed summary.", status=PublicationStatus.REVIEW)
    in_review = Version.objects.get_for_object(document).get()
    client = client_for(publisher)
    client.post(
        reverse("admin:chairmanship_document_changelist"), {"action": "publish", "_selected_action": [document.pk]}
    )
    _save(client, document, summary="A mistaken summary.")
    published_at = Document.objects.get(pk=document.pk).published_at

    revert_page = client.get(_url("revision", document.pk, in_review.pk))
    assert revert_page.context["adminform"].form["status"].value() == PublicationStatus.PUBLISHED
    client.post(_url("revision", document.pk, in_review.pk), form_data(revert_page))

    document.refresh_from_db()
    assert document.summary == "Reviewed summary."
    assert (document.status, document.published_at) == (PublicationStatus.PUBLISHED, published_at)


# --- Every language -------------------------------------------------------------------------------------


def test_comparison_shows_the_changes_of_each_language(editor):
    document = DocumentFactory(draft=True, title="Astana Declaration")
    client = client_for(editor)
    _save(client, document, title_ru="Астанская декларация")
    _save(client, document, title_ru="Астанинская декларация", title_zh_hans="阿斯塔纳宣言")
    older, newer = Version.objects.get_for_object(document).order_by("pk")

    response = client.get(_url("compare", document.pk), {"from": older.pk, "to": newer.pk})

    labels = [difference.label for difference in response.context["differences"]]
    assert labels == ["Title (Russian)", "Title (Simplified Chinese)"]
    russian, chinese = response.context["differences"]
    assert ("delete", "Астанская") in russian.segments
    assert ("insert", "Астанинская") in russian.segments
    assert (chinese.old, chinese.new) == ("(empty)", "阿斯塔纳宣言")
    assert "<ins>阿斯塔纳宣言</ins>" in response.text


def test_revert_restores_every_language(editor):
    document = DocumentFactory(draft=True, title="Astana Declaration", summary="Leaders met.")
    client = client_for(editor)
    _save(client, document, title_ru="Астанинская декларация", summary_zh_hans="领导人会晤。")
    _save(client, document, title="Astana Statement", title_ru="Ошибка", summary_zh_hans="")
    first = Version.objects.get_for_object(document).order_by("pk").first()

    revert_page = client.get(_url("revision", document.pk, first.pk))
    response = client.post(_url("revision", document.pk, first.pk), form_data(revert_page))

    assert response.status_code == HTTPStatus.FOUND
    stored = Document.objects.values("title", "title_en", "title_ru", "summary_zh_hans", "summary_html_zh_hans").get()
    assert stored["title"] == stored["title_en"] == "Astana Declaration"
    assert stored["title_ru"] == "Астанинская декларация"
    assert stored["summary_zh_hans"] == "领导人会晤。"
    assert "领导人会晤。" in stored["summary_html_zh_hans"]
