"""Hostile and odd input through the admin, the importer and the API: refused clearly, or stored and shown inert.

A corpus of hostile strings goes into every editable text field of the archive's records. Each write is
either refused with a clear message (a form error, a row error of the import, a 400 naming the field) and
never a server error, or stored; then every page, feed, sitemap, JSON-LD block, admin list and API answer
that shows the record is read back: no markup from the input survives unescaped, JSON-LD still parses as
JSON, feeds and the sitemap are still well-formed XML, and text that was stored reads back unchanged.
"""

import html
import json
import re
import xml.etree.ElementTree as ElementTree
from decimal import Decimal
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from chairmanship.models import Document, Initiative, PublicationStatus, Source, State, Summit
from chairmanship.resources import DocumentResource, InitiativeResource, SummitResource
from tests import factories
from tests.admin_support import editorial_user, form_data
from tests.api_support import token_client

pytestmark = pytest.mark.django_db

HOSTILE = {
    "script": '<script>alert("owned")</script>',
    "attribute handler": '<img src=x onerror=alert("owned")>',
    "json-ld breakout": '</script><script>alert("owned")</script>',
    "sql": "Robert'); DROP TABLE chairmanship_document; --",
    "path traversal": "../../etc/passwd",
    "one megabyte": "A" * 1_000_000,
    "nul byte": "before\x00after",
    "right-to-left and cjk": "\u202egnp.exe\u202c 上海合作组织 Шанхайская",
    "emoji": "🇰🇿🤝🏽 summit 🎉",
}
# What the corpus's markup does when it runs; none of it may reach a page as markup.
PAYLOAD = "owned"

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


class LiveMarkupFinder(HTMLParser):
    """Elements a browser would build from the input: a script running it, an event handler, an <img src=x>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._script = [], None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        handlers = [name for name, value in attrs if name.startswith("on") and PAYLOAD in (value or "")]
        if handlers:
            self.found.append(f"<{tag} {handlers[0]}=...>")
        if tag == "img" and attributes.get("src") == "x":
            self.found.append("<img src=x>")
        if tag == "script":
            self._script = attributes

    def handle_data(self, data):
        data_block = self._script is not None and "json" in (self._script.get("type") or "")
        if self._script is not None and not data_block and PAYLOAD in data:
            self.found.append(f"<script>{data[:40]}</script>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def live_markup(html_text: str) -> list[str]:
    finder = LiveMarkupFinder()
    finder.feed(html_text)
    return finder.found


# --- Reading back ------------------------------------------------------------------------------------


def assert_inert(response, url: str) -> str:
    """The answer is not a server error, carries no live markup from the input, and its data blocks parse."""
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, f"{url} answered {response.status_code}"
    content_type = response.get("Content-Type", "")
    body = response.content.decode()
    if "json" in content_type:
        json.loads(body)
        return body
    if "html" in content_type:
        found = live_markup(body)
        assert not found, f"{url} turns the input into live markup: {found}"
        for block in JSON_LD.findall(body):
            json.loads(block)  # a "</script>" in the content would have cut the block short
    if "xml" in content_type:
        document = ElementTree.fromstring(response.content)  # noqa: S314 (our own output, read to check it)
        # Feed readers show an item's description as HTML: it must carry none of the input's markup.
        for description in document.iter("description"):
            found = live_markup(description.text or "")
            assert not found, f"{url} puts live markup in a feed description: {found}"
    return body


def crawl(records, *, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Reads every public page, feed, sitemap and API answer that lists or shows ``records``; returns the bodies."""
    reader = Client()
    superuser = Client()
    from django.contrib.auth import get_user_model

    superuser.force_login(get_user_model().objects.filter(is_superuser=True).first())
    urls = [
        "/",
        "/states/",
        "/chairmanships/",
        "/summits/",
        "/documents/",
        "/initiatives/",
        "/feeds/documents/",
        "/feeds/initiatives/",
        "/sitemap.xml",
        "/api/v1/documents/?page_size=100",
        "/api/v1/initiatives/?page_size=100",
        "/api/v1/summits/?page_size=100",
        "/api/v1/states/?page_size=100",
        *extra,
    ]
    for record in records:
        if hasattr(record, "get_absolute_url"):
            urls.append(record.get_absolute_url())
    bodies = {url: assert_inert(reader.get(url), url) for url in urls}
    for record in records:
        # The admin shows the same text to editors: its lists and forms must be as inert as the public pages.
        meta = record._meta
        for url in (
            reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=(record.pk,)),
        ):
            bodies[url] = assert_inert(superuser.get(url), url)
    return bodies


def assert_stored_text_reads_back(bodies: dict[str, str], record, field: str, value: str) -> None:
    """Short, printable text that was accepted is shown as it was written (escaped, not mangled)."""
    if len(value) > 1000 or "\x00" in value:
        return
    page = bodies.get(record.get_absolute_url(), "") if hasattr(record, "get_absolute_url") else ""
    if field in ("title", "short_name", "host_city") and page:
        assert html.escape(value) in page, f"{record.get_absolute_url()} does not show its {field} {value!r}"


@pytest.fixture(autouse=True)
def _uncached(settings):
    settings.PAGE_CACHE = False


# --- The API -----------------------------------------------------------------------------------------

API_FIELDS = {
    # (factory, API prefix): the record's editable text fields
    (factories.StateFactory, "states"): ("short_name", "official_name", "capital", "summary"),
    (factories.ChairmanshipFactory, "chairmanships"): ("motto", "priorities", "summary"),
    (factories.SummitFactory, "summits"): ("host_city", "theme", "summary"),
    (factories.DocumentFactory, "documents"): ("title", "summary", "full_text"),
    (factories.InitiativeFactory, "initiatives"): ("title", "summary"),
    (factories.SourceFactory, "sources"): ("title", "publisher", "author", "note"),
    (factories.TopicFactory, "topics"): ("name", "description"),
    (factories.KeyFigureFactory, "key-figures"): ("label", "unit", "period", "note"),
    (factories.MembershipFactory, "memberships"): ("note",),
}


def _api_address(prefix: str, record) -> str:
    key = record.pk if prefix == "memberships" else record.slug
    return f"/api/v1/{prefix}/{key}/"


@pytest.mark.usefixtures("generous_api_rates")
def test_hostile_text_through_the_api_is_refused_with_a_400_or_stored_and_shown_inert(superuser, django_user_model):
    api = token_client(editorial_user(django_user_model, "Publisher", "hostile-publisher"))
    touched, accepted = [], []
    for (factory, prefix), fields in API_FIELDS.items():
        for index, (name, value) in enumerate(HOSTILE.items()):
            extra = {"value": Decimal(7)} if factory is factories.KeyFigureFactory else _valid_codes(factory, index)
            record = factory(**extra)
            address = _api_address(prefix, record)
            for field in fields:
                response = api.patch(address, {field: value}, format="json")
                assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST), (
                    f"PATCH {address} {field}={name}: {response.status_code} {response.content[:300]!r}"
                )
                if response.status_code == HTTPStatus.BAD_REQUEST:
                    problem = response.json()
                    assert response["Content-Type"] == "application/problem+json"
                    assert field in problem["errors"], f"{name} in {prefix}.{field}: {problem}"
                    continue
                assert response.json()[field] == value, f"{name} in {prefix}.{field} was changed on the way in"
                accepted.append((record, field, value))
                address = _api_address(prefix, type(record).objects.get(pk=record.pk))
            touched.append(type(record).objects.get(pk=record.pk))
    refused = {(type(r).__name__, f, v[:20]) for r, f, v in accepted if "\x00" in v}
    assert not refused, f"NUL bytes were stored: {refused}"

    api_details = tuple(_api_address(prefix, record) for record in touched for (_, prefix) in [_prefix_of(record)])
    bodies = crawl(touched, extra=api_details)
    for record, field, value in accepted:
        assert_stored_text_reads_back(bodies, record, field, value)


def _prefix_of(record):
    for (factory, prefix), _fields in API_FIELDS.items():
        if factory._meta.model is type(record):
            return factory, prefix
    raise LookupError(type(record))


# --- The admin ---------------------------------------------------------------------------------------

ADMIN_FIELDS = {
    factories.StateFactory: ("short_name", "official_name", "capital", "summary"),
    factories.ChairmanshipFactory: ("motto", "priorities", "summary"),
    factories.SummitFactory: ("host_city", "theme", "summary"),
    factories.DocumentFactory: ("title", "summary", "full_text"),
    factories.InitiativeFactory: ("title", "summary"),
    factories.SourceFactory: ("title", "publisher", "author", "note"),
}


def _valid_codes(factory, index: int) -> dict:
    # Every field is validated on save, so a state needs real (upper-case) ISO codes, and a summary to stay published.
    if factory is factories.StateFactory:
        letters = chr(65 + index // 26) + chr(65 + index % 26)
        return {"iso_alpha2": letters, "iso_alpha3": f"Q{letters}", "summary": "A state."}
    return {}


def test_hostile_text_through_the_admin_is_a_form_error_or_stored_and_shown_inert(superuser, django_user_model):
    publisher = Client()
    publisher.force_login(editorial_user(django_user_model, "Publisher", "hostile-admin-publisher"))
    touched, accepted = [], []
    for factory, fields in ADMIN_FIELDS.items():
        for index, (name, value) in enumerate(HOSTILE.items()):
            # A megabyte in every field at once is more than a form may post (Django answers 400): it goes into
            # one field at a time, each of a record of its own, since the form posts back what is stored.
            batches = [(field,) for field in fields] if len(value) > 1000 else [fields]
            for batch_index, batch in enumerate(batches):
                record = factory(**_valid_codes(factory, index * 10 + batch_index))
                meta = record._meta
                change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=(record.pk,))
                data = form_data(publisher.get(change), **dict.fromkeys(batch, value))
                response = publisher.post(change, data)
                assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.OK), (
                    f"{meta.model_name} {batch} = {name}: {response.status_code}"
                )
                if response.status_code == HTTPStatus.OK:
                    form = response.context["adminform"].form
                    # A translated field's English column (title_en) is the field an editor filled in.
                    refused = {name.removesuffix("_en") for name in form.errors}
                    assert refused and refused <= set(batch), f"{meta.model_name} {name}: {form.errors.as_data()}"
                    kept = [field for field in batch if field not in refused]
                    if not kept:
                        continue
                    data = form_data(publisher.get(change), **dict.fromkeys(kept, value))
                    response = publisher.post(change, data)
                    assert response.status_code == HTTPStatus.FOUND, f"{meta.model_name} {kept} = {name}"
                    batch = kept
                accepted += [(record, field, value) for field in batch]
                touched.append(type(record).objects.get(pk=record.pk))
    for record, field, _value in accepted:
        stored = getattr(type(record).objects.get(pk=record.pk), field)
        assert "\x00" not in stored, f"a NUL byte was stored in {record._meta.model_name}.{field}"
    assert all(record.status == PublicationStatus.PUBLISHED for record in touched if hasattr(record, "status"))

    bodies = crawl(touched)
    for record, field, value in accepted:
        assert_stored_text_reads_back(bodies, type(record).objects.get(pk=record.pk), field, value)


# --- The importer ------------------------------------------------------------------------------------

IMPORT_FIELDS = {
    DocumentResource: ("title", "summary", "full_text"),
    InitiativeResource: ("title", "summary"),
    SummitResource: ("host_city", "theme", "summary"),
}


def _import_row(resource, index: int, source: Source, host: State) -> dict:
    common = {"slug": f"hostile-{index}", "sources": source.slug, "status": "published", "summary": "Imported."}
    if resource is DocumentResource:
        return {**common, "title": "Imported", "document_type": "declaration", "date": "2024-07-04"}
    if resource is InitiativeResource:
        return {**common, "title": "Imported", "category": "economic", "implementation_status": "proposed"}
    return {
        **common,
        "number": 500 + index,
        "host_city": "Imported",
        "host_state": host.slug,
        "start_date": "2024-07-03",
        "end_date": "2024-07-04",
        "format": "in_person",
    }


def _import(resource_class, row: dict, user):
    dataset = tablib.Dataset(headers=list(row))
    dataset.append(list(row.values()))
    result = resource_class().import_data(dataset, dry_run=False, user=user, file_name="hostile.csv")
    assert not result.has_errors(), f"the import failed with an error: {result.row_errors()}"
    return result


def test_hostile_text_through_the_importer_is_a_row_error_or_stored_and_shown_inert(superuser, django_user_model):
    publisher = editorial_user(django_user_model, "Publisher", "hostile-importer")
    source, host = factories.SourceFactory(), factories.StateFactory()
    touched, accepted = [], []
    for resource in IMPORT_FIELDS:
        model = resource._meta.model
        for index, (name, value) in enumerate(HOSTILE.items()):
            row = _import_row(resource, index, source, host) | dict.fromkeys(IMPORT_FIELDS[resource], value)
            result = _import(resource, row, publisher)
            kept = list(IMPORT_FIELDS[resource])
            if result.has_validation_errors():
                refused = {
                    field.removesuffix("_en")
                    for invalid in result.invalid_rows
                    for field in invalid.field_specific_errors
                }
                assert refused and refused <= set(kept), f"{model.__name__} {name}: {result.invalid_rows[0].error_dict}"
                kept = [field for field in kept if field not in refused]
                if not kept:
                    continue
                row = _import_row(resource, index, source, host) | dict.fromkeys(kept, value)
                result = _import(resource, row, publisher)
                assert not result.has_validation_errors(), f"{model.__name__} {name}: {result.invalid_rows}"
            record = model.objects.get(slug=row["slug"])
            assert record.status == PublicationStatus.PUBLISHED
            touched.append(record)
            accepted += [(record, field, value) for field in kept]
    for record, field, _value in accepted:
        assert "\x00" not in getattr(record, field), f"a NUL byte was stored in {record._meta.model_name}.{field}"

    bodies = crawl(touched)
    for record, field, value in accepted:
        assert_stored_text_reads_back(bodies, record, field, value)


# --- Hostile addresses and queries -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_search_queries_and_filters_are_answered_without_an_error(name):
    factories.DocumentFactory(title="A declaration on energy")
    value = HOSTILE[name][:5000]
    reader = Client()
    for url, params in (
        ("/search/", {"q": value}),
        ("/documents/", {"q": value, "type": value, "topic": value}),
        ("/initiatives/", {"category": value, "proposer": value}),
        ("/api/v1/documents/", {"search": value, "type": value}),
    ):
        response = reader.get(url, params)
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST), f"{url} {name}: {response.status_code}"
        assert_inert(response, url)


@pytest.mark.parametrize(
    "path", ["/documents/../../etc/passwd", "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd/", "/media/../manage.py"]
)
def test_path_traversal_finds_nothing(client, path):
    assert client.get(path).status_code == HTTPStatus.NOT_FOUND


def test_the_hostile_records_do_not_leak_into_other_models(superuser):
    """Guards the corpus itself: SQL in a title is text, so the tables it names are still there afterwards."""
    factories.DocumentFactory(title=HOSTILE["sql"], summary=HOSTILE["sql"])
    assert Document.objects.filter(title=HOSTILE["sql"]).count() == 1
    assert Initiative.objects.count() == 0
    assert Summit.objects.count() == 0


# --- Control characters and oversized text: refused on every path, the field named --------------------

# Vertical tab, form feed, escape, DEL and a C1 control: none can be written into an Atom feed.
CONTROL_CHARACTERS = {"vertical tab": "\x0b", "form feed": "\x0c", "escape": "\x1b", "delete": "\x7f", "C1": "\x85"}


def _free_text_fields():
    """Every editable CharField and TextField of the archive's models whose value is free text (no choices)."""
    from django.apps import apps
    from django.db import models

    for model in apps.get_app_config("chairmanship").get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and field.editable and not field.choices:
                yield model, field


@pytest.mark.parametrize(("model", "field"), list(_free_text_fields()), ids=lambda value: getattr(value, "name", ""))
def test_every_free_text_field_of_every_model_refuses_an_escape_character(model, field):
    with pytest.raises(ValidationError):
        field.run_validators("Astana\x1bDeclaration")


@pytest.mark.parametrize("character", list(CONTROL_CHARACTERS.values()), ids=list(CONTROL_CHARACTERS))
@pytest.mark.usefixtures("generous_api_rates")
def test_the_api_refuses_a_control_character_in_a_title_naming_the_field(django_user_model, character):
    api = token_client(editorial_user(django_user_model, "Publisher", "control-api"))
    document = factories.DocumentFactory(title="Astana Declaration")

    response = api.patch(
        f"/api/v1/documents/{document.slug}/", {"title": f"Astana{character}Declaration"}, format="json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    (message,) = response.json()["errors"]["title"]
    assert f"control character U+{ord(character):04X}" in message
    document.refresh_from_db()
    assert document.title == "Astana Declaration"


def test_the_admin_refuses_a_control_character_in_a_title_as_a_form_error(django_user_model):
    publisher = Client()
    publisher.force_login(editorial_user(django_user_model, "Publisher", "control-admin"))
    document = factories.DocumentFactory(title="Astana Declaration")
    change = reverse("admin:chairmanship_document_change", args=(document.pk,))

    response = publisher.post(change, form_data(publisher.get(change), title="Astana\x0bDeclaration"))

    assert response.status_code == HTTPStatus.OK
    assert "control character U+000B" in " ".join(response.context["adminform"].form.errors["title_en"])
    document.refresh_from_db()
    assert document.title == "Astana Declaration"


def test_an_import_row_with_a_control_character_is_a_row_error_naming_the_field(django_user_model):
    publisher = editorial_user(django_user_model, "Publisher", "control-importer")
    row = _import_row(DocumentResource, 0, factories.SourceFactory(), factories.StateFactory()) | {
        "title": "Astana\x0cDeclaration"
    }

    result = _import(DocumentResource, row, publisher)

    (invalid,) = result.invalid_rows
    assert "control character U+000C" in " ".join(invalid.field_specific_errors["title"])
    assert not Document.objects.filter(slug=row["slug"]).exists()


def test_long_text_keeps_tabs_and_line_breaks_while_a_title_takes_none():
    document = factories.DocumentFactory.build(
        summary="First paragraph.\r\n\r\nSecond\tparagraph.", full_text="Article 1\n\tText.", title="A\nB"
    )

    with pytest.raises(ValidationError) as refused:
        document.clean_fields(exclude={"summit", "chairmanship", "pdf"})

    # The title is refused (under its own name and its English column's); the long texts are not.
    assert set(refused.value.message_dict) == {"title", "title_en"}


OVERSIZED = {"summary": 5_001, "full_text": 200_001}


@pytest.mark.parametrize(("field", "length"), list(OVERSIZED.items()))
@pytest.mark.usefixtures("generous_api_rates")
def test_the_api_refuses_text_longer_than_its_limit_naming_the_limit(django_user_model, field, length):
    api = token_client(editorial_user(django_user_model, "Publisher", "oversized-api"))
    document = factories.DocumentFactory()

    response = api.patch(f"/api/v1/documents/{document.slug}/", {field: "A" * length}, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert f"at most {length - 1:,}".replace(",", "") in response.json()["errors"][field][0].replace(",", "")


def test_a_summary_at_its_limit_is_accepted_and_one_character_more_is_refused_in_the_admin(django_user_model):
    publisher = Client()
    publisher.force_login(editorial_user(django_user_model, "Publisher", "oversized-admin"))
    document = factories.DocumentFactory()
    change = reverse("admin:chairmanship_document_change", args=(document.pk,))

    refused = publisher.post(change, form_data(publisher.get(change), summary="A" * 5_001))
    accepted = publisher.post(change, form_data(publisher.get(change), summary="A" * 5_000))

    assert refused.status_code == HTTPStatus.OK
    assert "at most 5000 characters" in " ".join(refused.context["adminform"].form.errors["summary_en"])
    assert accepted.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert len(document.summary) == 5_000


def test_an_import_row_with_an_oversized_summary_is_a_row_error(django_user_model):
    publisher = editorial_user(django_user_model, "Publisher", "oversized-importer")
    row = _import_row(SummitResource, 0, factories.SourceFactory(), factories.StateFactory()) | {
        "summary": "A" * 1_000_000
    }

    result = _import(SummitResource, row, publisher)

    (invalid,) = result.invalid_rows
    assert "at most 5000 characters" in " ".join(invalid.field_specific_errors["summary"])
    assert not Summit.objects.filter(slug=row["slug"]).exists()


def test_a_noncharacter_that_xml_cannot_carry_is_refused_by_name():
    document = factories.DocumentFactory.build(title="Astana\uffffDeclaration")

    with pytest.raises(ValidationError) as refused:
        document.clean_fields(exclude={"summit", "chairmanship", "pdf"})

    assert refused.value.message_dict["title"] == [
        "Remove the character U+FFFF at position 7; this field takes printable text only (no line breaks or tabs)."
    ]
