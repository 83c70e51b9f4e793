"""Markdown is rendered and sanitised once, when a record is saved; pages, lists and feeds read what was stored."""

import importlib
from http import HTTPStatus

import markdown
import pytest
from django.apps import apps
from django.core import serializers
from django.urls import reverse

from chairmanship.models import Chairmanship, Document, Initiative, State, Summit
from tests.factories import ChairmanshipFactory, DocumentFactory, InitiativeFactory, StateFactory, SummitFactory

pytestmark = pytest.mark.django_db

# About 200 kB: enough to show whether a list prints it, quick enough for Markdown to render on save.
LONG_SUMMARY = "**Very** long summary. " + "Very long summary. " * 10_000


@pytest.fixture(autouse=True)
def _render_every_request(settings):
    settings.PAGE_CACHE = False


def refuse_to_render(*args, **kwargs):
    raise AssertionError("Markdown rendered while a reader waits")


@pytest.mark.parametrize(
    ("factory", "fields", "shown"),
    [
        (StateFactory, {"summary": "A *member* state."}, ["<em>member</em>", 'content="A member state."']),
        (
            ChairmanshipFactory,
            {"summary": "A *busy* year.", "priorities": "- *Security*"},
            ["<em>busy</em>", "<li><em>Security</em></li>", 'content="A busy year."'],
        ),
        (SummitFactory, {"summary": "Leaders *met*."}, ["<em>met</em>", 'content="Leaders met."']),
        (
            DocumentFactory,
            {"summary": "A *declaration*.", "full_text": "## Article 1\n\n*Text*"},
            ["<em>declaration</em>", "<h4>Article 1</h4>", "<em>Text</em>", 'content="A declaration."'],
        ),
        (InitiativeFactory, {"summary": "An *initiative*."}, ["<em>initiative</em>", 'content="An initiative."']),
    ],
)
def test_a_page_shows_the_html_stored_on_save_without_rendering_markdown(client, monkeypatch, factory, fields, shown):
    record = factory(**fields)  # saved with Markdown at hand, as the admin, the API and the importer save
    monkeypatch.setattr(markdown, "markdown", refuse_to_render)

    response = client.get(record.get_absolute_url())

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert all(part in html for part in shown), [part for part in shown if part not in html]


def test_saving_stores_sanitised_html_and_a_plain_excerpt_beside_the_markdown():
    document = DocumentFactory(
        summary='A **declaration** <script>alert("x")</script>\n\n# Heading',
        full_text="<iframe src='https://example.com'></iframe>[link](javascript:alert(2)) *text*",
    )

    assert "<strong>declaration</strong>" in document.summary_html and "<script>" not in document.summary_html
    assert "<h3>Heading</h3>" in document.summary_html  # a page's own h1 and h2 come first
    assert "<iframe" not in document.full_text_html and "javascript:" not in document.full_text_html
    assert "<em>text</em>" in document.full_text_html
    assert document.summary_excerpt.startswith("A declaration") and "*" not in document.summary_excerpt


def test_the_stored_html_follows_every_way_a_record_is_saved():
    summit = SummitFactory(summary="First *version*.")
    summit.summary = "Second *version*."
    summit.save(update_fields=["summary"])
    summit.refresh_from_db()

    (bulk,) = Initiative.objects.bulk_create([InitiativeFactory.build(summary="Made *in bulk*.")])
    (loaded,) = serializers.deserialize(
        "json",
        '[{"model": "chairmanship.state", "fields": {"slug": "loaded", "short_name": "Loaded", '
        '"official_name": "Loaded", "iso_alpha2": "lq", "iso_alpha3": "lqq", "summary": "From a *fixture*."}}]',
    )
    loaded.save()  # as loaddata saves: raw, without the model's save()

    assert summit.summary_html == "<p>Second <em>version</em>.</p>"
    assert Initiative.objects.get(pk=bulk.pk).summary_html == "<p>Made <em>in bulk</em>.</p>"
    assert State.objects.get(slug="loaded").summary_html == "<p>From a <em>fixture</em>.</p>"


def test_a_summary_changed_in_bulk_shows_its_new_text_on_the_page(client):
    changed = DocumentFactory(summary="Old *text*.")
    untouched = DocumentFactory(summary="Other *text*.")

    Document.objects.filter(pk=changed.pk).update(summary="New *text*.", summary_ru="Новый *текст*.")
    response = client.get(changed.get_absolute_url())
    russian = client.get(f"/ru{changed.get_absolute_url()}")

    html = response.content.decode()
    assert "<p>New <em>text</em>.</p>" in html and 'content="New text."' in html
    assert "Old" not in html
    assert "<p>Новый <em>текст</em>.</p>" in russian.content.decode()
    untouched.refresh_from_db()
    assert untouched.summary_html == "<p>Other <em>text</em>.</p>"


def test_records_updated_together_get_their_new_html():
    first, second = SummitFactory(summary="One."), SummitFactory(summary="Two.")
    first.summary, second.summary = "One *again*.", "Two *again*."

    Summit.objects.bulk_update([first, second], ["summary"])

    assert Summit.objects.get(pk=first.pk).summary_html == "<p>One <em>again</em>.</p>"
    assert Summit.objects.get(pk=second.pk).summary_excerpt == "Two again."


def test_the_migration_fills_the_html_of_records_stored_before_it():
    chairmanship = ChairmanshipFactory(summary="A *busy* year.", priorities="- *Security*")
    document = DocumentFactory(summary="A *declaration*.", full_text="*Text*")
    Chairmanship.objects.update(summary_html="", priorities_html="", summary_excerpt="")
    Document.objects.update(summary_html="", full_text_html="", summary_excerpt="")
    Summit.objects.update(summary_html="", summary_excerpt="")

    migration = importlib.import_module("chairmanship.migrations.0009_editorial_integrity")
    migration.render_stored_markdown(apps, None)

    chairmanship.refresh_from_db()
    document.refresh_from_db()
    assert chairmanship.priorities_html == "<ul>\n<li><em>Security</em></li>\n</ul>"
    assert chairmanship.summary_excerpt == "A busy year."
    assert (
        document.full_text_html == "<p><em>Text</em></p>" and document.summary_html == "<p>A <em>declaration</em>.</p>"
    )


def test_a_feed_entry_carries_a_bounded_plain_excerpt_of_a_very_long_summary(client):
    DocumentFactory(title="Long declaration", summary=LONG_SUMMARY)

    response = client.get(reverse("chairmanship:document_feed"))

    assert response.status_code == HTTPStatus.OK
    assert len(response.content) < 10_000
    assert "Very long summary. Very long summary." in response.content.decode()


def test_list_pages_never_print_a_very_long_summary(client):
    state = StateFactory(summary=LONG_SUMMARY)
    document = DocumentFactory(title="Long declaration", summary=LONG_SUMMARY)
    document.signatories.add(state)

    for url in (
        reverse("chairmanship:home"),
        reverse("chairmanship:document_list"),
        reverse("chairmanship:state_list"),
        reverse("chairmanship:search") + "?q=declaration",
    ):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert len(response.content) < 100_000, url
