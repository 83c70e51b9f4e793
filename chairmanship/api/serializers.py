"""Representations of the archive's records.

Each record carries ``url`` (its API address) and ``html_url`` (its public page, where it has one).
Related records read as compact summaries (slug, name or title, url) and are written as slugs. A
related record the reader may not see (a draft, a scheduled record) reads as ``null`` or is left out
of the list, so the API never reveals what the site does not publish: the viewsets' querysets
(``for_api()`` in ``chairmanship.models``) leave such records out in SQL, and these serializers render
what they are given.

Languages: a read shows each translated field in the request's language (``?lang=``, then Accept-Language,
then English; ``chairmanship.languages``), falling back to English where it is not translated yet, and
``translations`` holds the stored text in Russian and Chinese (null where there is none). A write is never
ambiguous: the plain field names (``title``) always write English, whatever language the request asks for,
and ``translations`` writes the other languages (the viewsets handle writes with English active).
"""

import copy
from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import slug_re
from django.urls import reverse
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from chairmanship import on_date, publication
from chairmanship.api.permissions import role_refusals_as_403
from chairmanship.languages import OTHER_LANGUAGES, field_suffix
from chairmanship.links import slug_path
from chairmanship.models import (
    Chairmanship,
    Document,
    DocumentType,
    Initiative,
    KeyFigure,
    Membership,
    PublicationStatus,
    Publishable,
    Source,
    State,
    Summit,
    Topic,
)

PUBLICATION_FIELDS = ("status", "published_at", "updated_at", "version")


class SlugLink(serializers.HyperlinkedIdentityField):
    """A record's API address by its slug (``chairmanship.links``: no resolver trip per link).

    The API has no versioning scheme; one added later would need DRF's reverse here again.
    """

    def __init__(self, view_name: str, **kwargs):
        super().__init__(view_name=view_name, lookup_field="slug", **kwargs)

    def get_url(self, obj, view_name, request, format):
        if format or request is None:
            return super().get_url(obj, view_name, request, format)
        return request.build_absolute_uri(slug_path(view_name, obj.slug))


# --- Summaries of related records ------------------------------------------------------------------


class StateSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="short_name", read_only=True)
    url = SlugLink("api:state-detail")

    class Meta:
        model = State
        fields = ("slug", "name", "url")


class ChairmanshipSummarySerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="__str__", read_only=True, help_text="The chair and the years.")
    url = SlugLink("api:chairmanship-detail")

    class Meta:
        model = Chairmanship
        fields = ("slug", "title", "url")


class SummitSummarySerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="__str__", read_only=True, help_text="Number, city and year.")
    url = SlugLink("api:summit-detail")

    class Meta:
        model = Summit
        fields = ("slug", "number", "title", "url")


class DocumentSummarySerializer(serializers.ModelSerializer):
    url = SlugLink("api:document-detail")

    class Meta:
        model = Document
        fields = ("slug", "title", "url")


class TopicSummarySerializer(serializers.ModelSerializer):
    url = SlugLink("api:topic-detail")

    class Meta:
        model = Topic
        fields = ("slug", "name", "url")


class SourceSummarySerializer(serializers.ModelSerializer):
    url = SlugLink("api:source-detail")

    class Meta:
        model = Source
        fields = ("slug", "title", "url")


class SummaryRelatedField(serializers.SlugRelatedField):
    """A related record: written as its slug, read as a compact summary (``null`` when not visible)."""

    def __init__(self, *, summary_serializer, **kwargs):
        self.summary_serializer = summary_serializer
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # A malformed slug never reaches the database (PostgreSQL refuses NUL characters, for one).
        if not isinstance(data, str) or not slug_re.match(data):
            self.fail("invalid")
        return super().to_internal_value(data)

    @cached_property
    def summary(self):
        # One summary serializer per field and request: building one per related record (its fields are
        # deep-copied each time) was most of an API list's time.
        return self.summary_serializer(context=self.context)

    def to_representation(self, record):
        return self.summary.to_representation(record)

    def get_choices(self, cutoff=None):
        # The browsable API's form offers slugs (what a write takes), not summaries.
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {getattr(record, self.slug_field): self.display_value(record) for record in queryset}


def related(model, summary_serializer, *, many=False, read_only=False, **kwargs):
    if not read_only:
        kwargs["queryset"] = model.objects.all()
    return SummaryRelatedField(summary_serializer=summary_serializer, many=many, read_only=read_only, **kwargs)


# --- Shared behaviour -------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "format": "uri", "nullable": True, "readOnly": True})
class PublicPageField(serializers.Field):
    """The absolute address of the public page showing the record (``null`` where there is none)."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, record):
        page = self.parent.public_page(record)
        if page is None:
            return None
        return self.context["request"].build_absolute_uri(page)


class TranslationsField(serializers.Field):
    """A record's translated fields in each language other than English, as stored: null where a language has
    no text yet. Written the same way; only the languages and fields sent change, and null or "" clears one.
    English is not here: the record's own fields write it."""

    default_error_messages = {
        "not_object": "Send an object keyed by language ({languages}), each an object of fields.",
        "language": "{language!r} is not a language to translate into; use one of: {languages}. English is written "
        "through the record's own fields.",
        "field": "{name!r} is not translated; the translated fields are: {names}.",
        "text": "The {language} {name} must be text (or null to clear it).",
    }

    def __init__(self, model, **kwargs):
        self.field_names = model.written_translated_fields()
        kwargs.update(source="*", required=False)
        kwargs.setdefault(
            "help_text",
            "The record's text in Russian (ru) and Simplified Chinese (zh-hans), as stored: null where it is not "
            "translated yet (a read in that language then shows the English). A write changes only what it sends.",
        )
        super().__init__(**kwargs)

    def to_representation(self, record):
        return {
            code: {name: getattr(record, f"{name}_{field_suffix(code)}") or None for name in self.field_names}
            for code in OTHER_LANGUAGES
        }

    def to_internal_value(self, data):
        languages = ", ".join(OTHER_LANGUAGES)
        if not isinstance(data, Mapping):
            self.fail("not_object", languages=languages)
        columns = {}
        for code, texts in data.items():
            if code not in OTHER_LANGUAGES:
                self.fail("language", language=code, languages=languages)
            if not isinstance(texts, Mapping):
                self.fail("not_object", languages=languages)
            for name, text in texts.items():
                if name not in self.field_names:
                    self.fail("field", name=name, names=", ".join(self.field_names))
                if text is not None and not isinstance(text, str):
                    self.fail("text", language=code, name=name)
                # No text is NULL, as the admin and the importer store it.
                columns[f"{name}_{field_suffix(code)}"] = text or None
        return columns


class ArchiveSerializer(serializers.ModelSerializer):
    """Validates a write as the admin would: field rules, constraints and the model's ``clean()``."""

    html_url = PublicPageField(help_text="The record's page on the public site.")

    def public_page(self, record) -> str | None:
        return record.get_absolute_url() if hasattr(record, "get_absolute_url") else None

    def to_internal_value(self, data):
        # DRF's text fields turn a number into text ("name": 7 is saved as "7"); the schema promises a string,
        # so a number where text belongs is refused like any other wrong type.
        if isinstance(data, Mapping):
            not_text = {
                field.field_name: [field.error_messages["invalid"]]
                for field in self._writable_fields
                if isinstance(field, serializers.CharField)
                and data.get(field.field_name) is not None
                and not isinstance(data[field.field_name], str)
            }
            if not_text:
                raise serializers.ValidationError(not_text)
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        if issubclass(model, Publishable):
            self.validate_publication(attrs)
        many_to_many = {field.name for field in model._meta.many_to_many}
        candidate = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name not in many_to_many:
                setattr(candidate, name, value)
        if not issubclass(model, Publishable):
            with role_refusals_as_403():
                publication.check_shown_change(
                    user=getattr(self.context.get("request"), "user", None), before=self.instance, after=candidate
                )
        try:
            candidate.full_clean(exclude=many_to_many)
        except DjangoValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
            errors = {}
            for name, text in messages.items():
                if name == NON_FIELD_ERRORS:
                    errors[api_settings.NON_FIELD_ERRORS_KEY] = text
                elif name not in self.fields and hasattr(
                    field := next((item for item in model._meta.concrete_fields if item.name == name), None),
                    "translated_field",
                ):
                    # A Russian or Chinese column is written through ``translations``: say which one is wrong.
                    label = f"{field.language} {field.translated_field.name}"
                    errors.setdefault("translations", []).extend(f"{label}: {message}" for message in text)
                else:
                    errors[name] = text
            raise serializers.ValidationError(errors) from error
        return attrs

    def validate_publication(self, attrs) -> None:
        """The publication rules of ``chairmanship.publication`` for this write (403 when the role refuses)."""
        status = attrs.get("status", getattr(self.instance, "status", PublicationStatus.DRAFT))
        published_at = attrs.get("published_at", getattr(self.instance, "published_at", None))
        request = self.context.get("request")
        with role_refusals_as_403():
            publication.check_publication_change(
                user=getattr(request, "user", None),
                model=self.Meta.model,
                before=self.instance,
                status=status,
                published_at=published_at,
            )
        if attrs.get("published_at") is not None and status != PublicationStatus.PUBLISHED:
            raise serializers.ValidationError(
                {"published_at": ["Only a published record has a publication time: send status published with it."]}
            )
        normalized = publication.normalized_published_at(status=status, published_at=published_at)
        if normalized != getattr(self.instance, "published_at", None):
            attrs["published_at"] = normalized

    def represent_proposal(self, validated_data: dict) -> dict:
        """The proposed values of a write as this resource reads them (a change kept for a Publisher)."""
        proposal = {}
        for field in self._writable_fields:
            if isinstance(field, TranslationsField):
                proposed = {
                    code: {
                        name: validated_data[column]
                        for name in field.field_names
                        if (column := f"{name}_{field_suffix(code)}") in validated_data
                    }
                    for code in OTHER_LANGUAGES
                }
                if any(proposed.values()):
                    proposal[field.field_name] = {code: texts for code, texts in proposed.items() if texts}
                continue
            if field.source not in validated_data or field.source in publication.NOT_PROPOSED:
                continue
            value = validated_data[field.source]
            proposal[field.field_name] = None if value is None else field.to_representation(value)
        return proposal


class PendingChangeSerializer(serializers.Serializer):
    """An Editor's change to a published record, kept for a Publisher to publish; the record is unchanged."""

    id = serializers.IntegerField(read_only=True, help_text="The proposed change's number.")
    record = serializers.SerializerMethodField(help_text="The API address of the published record.")
    author = serializers.CharField(source="author.get_username", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    base_version = serializers.IntegerField(
        read_only=True, help_text="The record's version the change was made on; it is refused once that moved on."
    )
    proposed = serializers.SerializerMethodField(help_text="The values proposed, as the record's fields read.")
    detail = serializers.SerializerMethodField()

    def get_record(self, change) -> str:
        record = change.record
        view_name = f"api:{record._meta.model_name}-detail"
        return self.context["request"].build_absolute_uri(slug_path(view_name, record.slug))

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_proposed(self, change) -> dict:
        return self.context.get("proposed", {})

    def get_detail(self, change) -> str:
        return (
            "The record is published: your change waits for a Publisher, who publishes it. "
            "The record reads as before until then."
        )


# --- One serializer per resource --------------------------------------------------------------------


class MembershipPeriodSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:membership-detail")

    class Meta:
        model = Membership
        fields = ("id", "url", "status", "start_date", "end_date")


class StateSerializer(ArchiveSerializer):
    url = SlugLink("api:state-detail")
    memberships = MembershipPeriodSerializer(
        many=True, read_only=True, help_text="Its periods as member, observer or dialogue partner, oldest first."
    )
    sources = related(Source, SourceSummarySerializer, many=True, required=False)
    translations = TranslationsField(State)

    class Meta:
        model = State
        fields = (
            "url",
            "html_url",
            "slug",
            "short_name",
            "official_name",
            "iso_alpha2",
            "iso_alpha3",
            "capital",
            "summary",
            "translations",
            "memberships",
            "sources",
            *PUBLICATION_FIELDS,
        )


class MembershipSerializer(ArchiveSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:membership-detail")
    state = related(State, StateSummarySerializer)
    summit = related(Summit, SummitSummarySerializer, allow_null=True, required=False)
    sources = related(Source, SourceSummarySerializer, many=True, required=False)

    class Meta:
        model = Membership
        fields = ("id", "url", "html_url", "state", "status", "start_date", "end_date", "summit", "note", "sources")

    def public_page(self, record):
        return record.state.get_absolute_url()


class ChairmanshipSerializer(ArchiveSerializer):
    url = SlugLink("api:chairmanship-detail")
    state = related(State, StateSummarySerializer)
    closing_summit = related(
        Summit,
        SummitSummarySerializer,
        source="culminating_summit",
        read_only=True,
        help_text="The summit that closed the term (set on the summit).",
    )
    sources = related(Source, SourceSummarySerializer, many=True, required=False)
    translations = TranslationsField(Chairmanship)

    class Meta:
        model = Chairmanship
        fields = (
            "url",
            "html_url",
            "slug",
            "state",
            "start_date",
            "end_date",
            "motto",
            "priorities",
            "summary",
            "translations",
            "closing_summit",
            "sources",
            *PUBLICATION_FIELDS,
        )


class SummitSerializer(ArchiveSerializer):
    url = SlugLink("api:summit-detail")
    host_state = related(State, StateSummarySerializer)
    chairmanship = related(Chairmanship, ChairmanshipSummarySerializer, allow_null=True, required=False)
    documents_reported_source = related(
        Source,
        SourceSummarySerializer,
        allow_null=True,
        required=False,
        help_text="The source that states documents_reported.",
    )
    sources = related(Source, SourceSummarySerializer, many=True, required=False)
    translations = TranslationsField(Summit)

    class Meta:
        model = Summit
        fields = (
            "url",
            "html_url",
            "slug",
            "number",
            "host_state",
            "host_city",
            "start_date",
            "end_date",
            "format",
            "theme",
            "chairmanship",
            "summary",
            "documents_reported",
            "documents_reported_note",
            "documents_reported_source",
            "translations",
            "sources",
            *PUBLICATION_FIELDS,
        )


class DocumentSerializer(ArchiveSerializer):
    url = SlugLink("api:document-detail")
    type = serializers.ChoiceField(source="document_type", choices=Document._meta.get_field("document_type").choices)
    topics = related(Topic, TopicSummarySerializer, many=True, required=False)
    summit = related(Summit, SummitSummarySerializer, allow_null=True, required=False)
    chairmanship = related(Chairmanship, ChairmanshipSummarySerializer, allow_null=True, required=False)
    signatories = related(State, StateSummarySerializer, many=True, required=False)
    pdf = serializers.FileField(read_only=True, allow_null=True, help_text="The official text as a PDF, if any.")
    sources = related(Source, SourceSummarySerializer, many=True, required=False)
    translations = TranslationsField(Document)

    class Meta:
        model = Document
        fields = (
            "url",
            "html_url",
            "slug",
            "title",
            "type",
            "topics",
            "summit",
            "chairmanship",
            "date",
            "signatories",
            "adoption",
            "entered_into_force",
            "official_text_url",
            "summary",
            "translations",
            "full_text",
            "pdf",
            "sources",
            *PUBLICATION_FIELDS,
        )


class InitiativeSerializer(ArchiveSerializer):
    url = SlugLink("api:initiative-detail")
    proposers = related(State, StateSummarySerializer, many=True, required=False)
    chairmanship = related(Chairmanship, ChairmanshipSummarySerializer, allow_null=True, required=False)
    summit = related(Summit, SummitSummarySerializer, allow_null=True, required=False)
    topics = related(Topic, TopicSummarySerializer, many=True, required=False)
    documents = related(Document, DocumentSummarySerializer, many=True, required=False)
    sources = related(Source, SourceSummarySerializer, many=True, required=False)
    translations = TranslationsField(Initiative)

    class Meta:
        model = Initiative
        fields = (
            "url",
            "html_url",
            "slug",
            "title",
            "category",
            "implementation_status",
            "proposers",
            "chairmanship",
            "summit",
            "topics",
            "documents",
            "summary",
            "translations",
            "sources",
            *PUBLICATION_FIELDS,
        )


class KeyFigureSerializer(ArchiveSerializer):
    url = SlugLink("api:keyfigure-detail")
    display_value = serializers.CharField(read_only=True, help_text="Qualifier, number and unit, as the site shows.")
    chairmanship = related(Chairmanship, ChairmanshipSummarySerializer, allow_null=True, required=False)
    summit = related(Summit, SummitSummarySerializer, allow_null=True, required=False)
    topics = related(Topic, TopicSummarySerializer, many=True, required=False)
    source = related(Source, SourceSummarySerializer)
    translations = TranslationsField(KeyFigure)

    class Meta:
        model = KeyFigure
        fields = (
            "url",
            "html_url",
            "slug",
            "label",
            "value",
            "unit",
            "qualifier",
            "display_value",
            "as_of",
            "period",
            "chairmanship",
            "summit",
            "topics",
            "note",
            "source",
            "translations",
        )

    def public_page(self, record):
        for described in (record.chairmanship, record.summit):
            if described is not None:
                return described.get_absolute_url()
        return None


class TopicSerializer(ArchiveSerializer):
    url = SlugLink("api:topic-detail")
    translations = TranslationsField(Topic)

    class Meta:
        model = Topic
        fields = ("url", "html_url", "slug", "name", "description", "translations")

    def public_page(self, record):
        return f"{reverse('chairmanship:document_list')}?topic={record.slug}"


class SourceSerializer(ArchiveSerializer):
    url = SlugLink("api:source-detail")
    address = serializers.URLField(
        source="url", max_length=500, required=False, allow_blank=True, help_text="Where the source can be read."
    )

    class Meta:
        model = Source
        fields = (
            "url",
            "html_url",
            "slug",
            "title",
            "publisher",
            "author",
            "published_on",
            "address",
            "language",
            "note",
        )


# --- The SCO on a date (``chairmanship.on_date``) ----------------------------------------------------


class StandingSerializer(serializers.Serializer):
    state = StateSummarySerializer(read_only=True)
    since = serializers.DateField(read_only=True, help_text="The day the status began.")
    until = serializers.DateField(
        read_only=True, allow_null=True, help_text="The day the status ended (it no longer held that day), or null."
    )

    class Meta:
        ref_name = "Standing"


class ChairmanshipTermSerializer(ChairmanshipSummarySerializer):
    class Meta(ChairmanshipSummarySerializer.Meta):
        fields = (*ChairmanshipSummarySerializer.Meta.fields, "start_date", "end_date")
        ref_name = "ChairmanshipTerm"


class SummitDatesSerializer(SummitSummarySerializer):
    class Meta(SummitSummarySerializer.Meta):
        fields = (*SummitSummarySerializer.Meta.fields, "start_date", "end_date")
        ref_name = "SummitDates"


class DatedDocumentSerializer(DocumentSummarySerializer):
    type = serializers.ChoiceField(source="document_type", choices=DocumentType.choices, read_only=True)

    class Meta(DocumentSummarySerializer.Meta):
        fields = (*DocumentSummarySerializer.Meta.fields, "type", "date")
        ref_name = "DatedDocument"


class DocumentsUpToSerializer(serializers.Serializer):
    adopted = serializers.IntegerField(
        source="documents_adopted",
        read_only=True,
        help_text="How many documents the archive dates on or before the day.",
    )
    latest = DatedDocumentSerializer(
        source="latest_documents", many=True, read_only=True, help_text="The latest of them, newest first."
    )
    url = serializers.SerializerMethodField(help_text="All of them: the documents list filtered by date_before.")
    html_url = serializers.SerializerMethodField(help_text="All of them in the archive on the public site.")

    class Meta:
        ref_name = "DocumentsUpTo"

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, snapshot) -> str:
        path = f"{reverse('api:document-list')}?date_before={snapshot.day.isoformat()}"
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, snapshot) -> str:
        return self.context["request"].build_absolute_uri(snapshot.documents_url)


class OnDateSerializer(serializers.Serializer):
    """The SCO on a date, as the published record gives it."""

    date = serializers.DateField(source="day", read_only=True)
    html_url = serializers.SerializerMethodField(help_text="The same on the public site.")
    sco_existed = serializers.BooleanField(
        source="founded", read_only=True, help_text="Whether the SCO existed (it was founded on 15 June 2001)."
    )
    members = StandingSerializer(source="standings.member", many=True, read_only=True, help_text="Member states.")
    partners = StandingSerializer(
        source="standings.partner",
        many=True,
        read_only=True,
        help_text="SCO partners (the status since 1 September 2025).",
    )
    observers = StandingSerializer(
        source="standings.observer", many=True, read_only=True, help_text="Observer states (before 1 September 2025)."
    )
    dialogue_partners = StandingSerializer(
        source="standings.dialogue_partner",
        many=True,
        read_only=True,
        help_text="Dialogue partners (before 1 September 2025).",
    )
    chairmanship = ChairmanshipTermSerializer(
        read_only=True, allow_null=True, help_text="The chairmanship whose term covers the day, or null."
    )
    earlier_chairmanship = ChairmanshipTermSerializer(
        read_only=True,
        allow_null=True,
        help_text="When no recorded term covers the day: the latest one recorded before it (else null).",
    )
    latest_summit = SummitDatesSerializer(
        read_only=True, allow_null=True, help_text="The latest summit held on or before the day."
    )
    next_summit = SummitDatesSerializer(read_only=True, allow_null=True, help_text="The first summit after the day.")
    documents = DocumentsUpToSerializer(source="*", read_only=True, help_text="The documents adopted up to the day.")

    class Meta:
        ref_name = "OnDate"

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, snapshot) -> str:
        return self.context["request"].build_absolute_uri(on_date.page_url(snapshot.day))
