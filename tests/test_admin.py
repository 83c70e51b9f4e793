"""Admin smoke tests: every changelist, search, add and change page opens with the curated archive."""

import re
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.urls import reverse

from chairmanship.languages import TRANSLATED_FIELDS
from chairmanship.models import Document, PublicationStatus
from tests.admin_support import change_url, client_for, form_data, messages_of
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


# --- Every language of a translated field -------------------------------------------------------------

TRANSLATED_ADMINS = [(model, model_admin) for model, model_admin in REGISTERED if model.__name__ in TRANSLATED_FIELDS]


@pytest.mark.parametrize(
    ("model", "model_admin"), TRANSLATED_ADMINS, ids=[model._meta.model_name for model, _ in TRANSLATED_ADMINS]
)
def test_every_translated_field_is_edited_in_every_language_side_by_side(admin_client, model, model_admin):
    page = admin_client.get(_url(model, "add"))
    form = page.context["adminform"].form
    for name in model.written_translated_fields():
        columns = [f"{name}_en", f"{name}_ru", f"{name}_zh_hans"]
        assert set(columns) <= set(form.fields), name
        assert name not in form.fields
        # The three columns share one row of the form.
        rows = [line.fields for fieldset in page.context["adminform"] for line in fieldset if columns[0] in line.fields]
        assert rows == [tuple(columns)], name
        original = model._meta.get_field(name)
        assert form.fields[f"{name}_ru"].label == f"{original.verbose_name.capitalize()} (Russian)"
        assert form.fields[f"{name}_zh_hans"].label == f"{original.verbose_name.capitalize()} (Simplified Chinese)"
        assert form.fields[f"{name}_en"].required == (not original.blank)
        assert not form.fields[f"{name}_ru"].required
        assert not form.fields[f"{name}_zh_hans"].required


def test_the_change_form_loads_no_script_from_another_site(admin_client):
    document = DocumentFactory()
    page = admin_client.get(_url(Document, "change", document.pk))
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page.text)
    assert scripts
    assert all(src.startswith("/") and not src.startswith("//") for src in scripts), scripts
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_an_editor_saves_each_language_in_its_own_column(editor):
    document = DocumentFactory(draft=True, title="Astana Declaration", summary="Leaders met in Astana.")
    client = client_for(editor)
    page = client.get(change_url(document))
    data = form_data(
        page,
        title_ru="Астанинская декларация",
        title_zh_hans="阿斯塔纳宣言",
        summary_ru="Лидеры встретились в Астане.",
    )
    response = client.post(change_url(document), data)
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors

    stored = Document.objects.values("title", "title_en", "title_ru", "title_zh_hans", "summary_ru").get()
    assert stored == {
        "title": "Astana Declaration",
        "title_en": "Astana Declaration",
        "title_ru": "Астанинская декларация",
        "title_zh_hans": "阿斯塔纳宣言",
        "summary_ru": "Лидеры встретились в Астане.",
    }


def test_english_is_required_and_the_other_languages_are_not(editor):
    document = DocumentFactory(draft=True, title="Astana Declaration")
    client = client_for(editor)
    data = form_data(client.get(change_url(document)), title_en="", title_ru="Астанинская декларация")
    response = client.post(change_url(document), data)
    assert response.status_code == HTTPStatus.OK
    assert "title_en" in response.context["adminform"].form.errors
    assert set(response.context["adminform"].form.errors) == {"title_en"}


def test_the_change_list_shows_and_filters_the_languages_a_record_lacks(admin_client):
    complete = DocumentFactory(
        title="Complete", title_ru="Полный", title_zh_hans="完整", summary="S.", summary_ru="К.", summary_zh_hans="摘"
    )
    no_chinese = DocumentFactory(title="No Chinese", title_ru="Без китайского", summary="", summary_ru="")
    untranslated = DocumentFactory(title="Untranslated", summary="Only English.")

    page = admin_client.get(_url(Document, "changelist"))
    rows = {row.title: row for row in page.context["cl"].result_list}
    display = page.context["cl"].model_admin.missing_translations
    assert display(rows["Complete"]) == "—"
    assert display(rows["No Chinese"]) == "Missing: zh-hans"
    assert display(rows["Untranslated"]) == "Missing: ru, zh-hans"
    assert "Missing: ru, zh-hans" in page.text

    def listed(value):
        response = admin_client.get(_url(Document, "changelist"), {"translation": value})
        return {document.pk for document in response.context["cl"].result_list}

    assert listed("missing-ru") == {untranslated.pk}
    assert listed("missing-zh-hans") == {no_chinese.pk, untranslated.pk}
    assert listed("complete") == {complete.pk}
    assert "Missing Russian" in page.text
    assert "Missing Simplified Chinese" in page.text


def test_the_change_list_reads_the_missing_languages_in_the_list_query(admin_client, django_assert_max_num_queries):
    DocumentFactory.create_batch(3)
    admin_client.get(_url(Document, "changelist"))
    DocumentFactory.create_batch(7)
    with django_assert_max_num_queries(12):
        response = admin_client.get(_url(Document, "changelist"))
    assert len(response.context["cl"].result_list) == 10


def test_publishing_warns_which_languages_and_fields_are_missing_but_publishes(publisher):
    document = DocumentFactory(draft=True, title="Astana Declaration", title_ru="Астанинская декларация")
    client = client_for(publisher)
    response = client.post(
        _url(Document, "changelist"), {"action": "publish", "_selected_action": [document.pk]}, follow=True
    )
    document.refresh_from_db()
    assert document.status == PublicationStatus.PUBLISHED
    warnings = [str(message) for message in response.context["messages"] if message.level_tag == "warning"]
    assert len(warnings) == 1
    assert "“Astana Declaration” is published without some of its translations" in warnings[0]
    assert "Russian: summary" in warnings[0]
    assert "Simplified Chinese: title, summary" in warnings[0]


def test_publishing_from_the_change_form_warns_too(publisher):
    document = DocumentFactory(draft=True, title="Astana Declaration")
    client = client_for(publisher)
    response = client.post(
        change_url(document), form_data(client.get(change_url(document)), status="published"), follow=True
    )
    document.refresh_from_db()
    assert document.status == PublicationStatus.PUBLISHED
    assert any("without some of its translations" in message for message in messages_of(response))


def test_publishing_a_fully_translated_record_warns_nothing(publisher):
    document = DocumentFactory(
        draft=True, title="T", title_ru="Т", title_zh_hans="题", summary="S.", summary_ru="С.", summary_zh_hans="摘"
    )
    response = client_for(publisher).post(
        _url(Document, "changelist"), {"action": "publish", "_selected_action": [document.pk]}, follow=True
    )
    assert not [message for message in response.context["messages"] if message.level_tag == "warning"]
