"""Import and export of every record an editor curates (CSV, XLSX, JSON) with django-import-export.

Relations are written as slugs (natural keys), several separated by commas, so a file reads like the
archive and survives a database rebuild; dates and times are ISO 8601 in UTC, as the API writes them, so
an exported file imports back unchanged. An import is all or nothing: when any row is invalid,
nothing is saved and every bad row is listed with its error. It records one revision, and it follows
the roles: an Editor's rows arrive as drafts, and only a Publisher's rows may publish (after the same
completeness checks as the admin). An Editor's row changing a published record does not go live: it is
kept as a proposed change for a Publisher, as the admin and the API keep it; an Editor's row adding or
changing what a published page shows (a membership period of a published state, a key figure of a published
chairmanship or summit) is refused with a row error naming that record.

A translated field has a column per language (``title_en``, ``title_ru``, ``title_zh_hans``), both ways. A
file from before the archive kept languages apart has only ``title``: that column is read as the English one.
"""

import copy
import datetime
import functools

import reversion
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from import_export import resources, widgets

from chairmanship import publication
from chairmanship.languages import DEFAULT_LANGUAGE, LANGUAGE_CODES, TRANSLATED_FIELDS, field_suffix
from chairmanship.models import (
    Chairmanship,
    Document,
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

PUBLICATION_FIELDS = ("status", "published_at")


def with_language_columns(model, fields: tuple[str, ...]) -> tuple[str, ...]:
    """``fields`` with each translated field replaced by its column in each language, English first."""
    translated = TRANSLATED_FIELDS.get(model.__name__, ())
    return tuple(
        column
        for name in fields
        for column in ([f"{name}_{field_suffix(code)}" for code in LANGUAGE_CODES] if name in translated else [name])
    )


class SlugWidget(widgets.ForeignKeyWidget):
    """A related record named by its slug; an unknown slug is a row error that says which."""

    def __init__(self, model, **kwargs):
        super().__init__(model, field="slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist as error:
            raise ValueError(f"No {self.model._meta.verbose_name} with the slug “{value}”.") from error


class SlugsWidget(widgets.ManyToManyWidget):
    """Several related records named by their slugs, separated by commas."""

    def __init__(self, model, **kwargs):
        super().__init__(model, field="slug", separator=",", **kwargs)

    def clean(self, value, row=None, **kwargs):
        found = super().clean(value.replace(" ", "") if isinstance(value, str) else value, row, **kwargs)
        wanted = {slug.strip() for slug in str(value or "").split(",") if slug.strip()}
        missing = sorted(wanted - set(found.values_list("slug", flat=True)))
        if missing:
            raise ValueError(f"No {self.model._meta.verbose_name} with the slug(s): {', '.join(missing)}.")
        return found


class ISODateTimeWidget(widgets.DateTimeWidget):
    """Dates and times as ISO 8601 in UTC (``2024-07-10T09:30:00.123456Z``), the form the API writes.

    The library's default writes local time without seconds' fractions and reads only Django's input formats,
    so an exported file could not be imported again unchanged, nor could the API's output be imported.
    A time without an offset is read as UTC; the input formats are still accepted.
    """

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str) and value.strip():
            parsed = parse_datetime(value.strip())
            if parsed is not None:
                return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, datetime.UTC)
        try:
            return super().clean(value, row, **kwargs)
        except ValueError as error:
            raise ValueError(f"Enter a date and time such as 2024-07-10T09:30:00Z, not “{value}”.") from error

    def render(self, value, obj=None, **kwargs):
        if not isinstance(value, datetime.datetime) or kwargs.get("force_native_type"):
            # Spreadsheets (XLSX) store a native date and time, which reads back as one.
            return super().render(value, obj, **kwargs)
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


class LanguageColumnWidget(widgets.CharWidget):
    """A translated field's column in a language other than English: an empty cell is no text (NULL, as the
    admin stores it, so that a unique field's records can all lack it)."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs) or None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else super().render(value, obj, **kwargs)


class EditorialResource(resources.ModelResource):
    """Shared import rules: natural keys, all-or-nothing, revisions and roles.

    Records without an editorial status (sources, topics, membership periods, key figures) have no
    publication fields; their rows follow the rule for what published pages show.
    """

    # Long text is read like short text: an empty spreadsheet cell is an empty summary, not a missing one.
    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        "DateTimeField": ISODateTimeWidget,
        "TextField": widgets.CharWidget,
    }

    class Meta:
        # Rows name records by slug; an import is all or nothing, and every row is checked as the admin would.
        import_id_fields = ("slug",)
        # Every relation is written as the related record's slug (``get_fk_widget``, ``get_m2m_widget``).
        use_natural_foreign_keys = True
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = False

    @classmethod
    def get_fk_widget(cls, field):
        return functools.partial(SlugWidget, model=field.related_model)

    @classmethod
    def get_m2m_widget(cls, field):
        return functools.partial(SlugsWidget, model=field.related_model)

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        # The English column mirrors the field's own one and is read like it.
        if hasattr(f, "translated_field") and f.language != DEFAULT_LANGUAGE:
            return LanguageColumnWidget
        return super().widget_from_django_field(f, default)

    @classmethod
    def widget_kwargs_for_field(cls, field_name, django_field):
        kwargs = super().widget_kwargs_for_field(field_name, django_field)
        if isinstance(django_field, models.TextField) and django_field.blank:
            kwargs.update(coerce_to_string=True, allow_blank=True)
        return kwargs

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.user = None

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user")
        translated = TRANSLATED_FIELDS.get(self._meta.model.__name__, ())
        english = {name: f"{name}_{field_suffix(DEFAULT_LANGUAGE)}" for name in translated}
        if dataset.headers:
            # A file from before the archive kept languages apart: its plain column is the English one.
            dataset.headers = [
                english[header] if header in english and english[header] not in dataset.headers else header
                for header in dataset.headers
            ]
        super().before_import(dataset, **kwargs)

    @property
    def locks_publication(self) -> bool:
        """Whether this import may not set the status and publication time (a membership's status is not one)."""
        model = self._meta.model
        return issubclass(model, Publishable) and not publication.may_publish(self.user, model)

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        # Any invalid row rolls the whole import back, so a file is imported completely or not at all.
        kwargs["rollback_on_validation_errors"] = True
        # Each column names its language; the language of the request that uploads the file plays no part.
        with translation.override(DEFAULT_LANGUAGE):
            return super().import_data(dataset, dry_run, raise_errors, use_transactions, **kwargs)

    def import_data_inner(self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs):
        # Inside the import's transaction: a rolled-back import leaves no revision behind.
        with reversion.create_revision():
            user = kwargs.get("user")
            if user is not None and user.is_authenticated:
                reversion.set_user(user)
            reversion.set_comment(f"Imported from {kwargs.get('file_name') or 'a file'}.")
            return super().import_data_inner(
                dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
            )

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute in PUBLICATION_FIELDS and self.locks_publication:
            # An Editor's file cannot publish or unpublish: new rows stay drafts, existing ones keep their state.
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        # The row as stored, before this row's values are written onto it.
        stored = copy.copy(instance) if instance.pk is not None else None
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        related = {}
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    related[field.attribute] = field.clean(row, **kwargs)
                except ValueError as error:
                    errors[field.attribute] = ValidationError(str(error), code="invalid")
        if isinstance(instance, Publishable):
            self._check_publication(instance, related, errors)
        elif not errors:
            # A membership period or key figure that a published page shows is a Publisher's to add or change.
            refusal = publication.shown_change_refusal(user=self.user, before=stored, after=instance)
            if refusal:
                errors[NON_FIELD_ERRORS] = ValidationError(refusal, code="permission_denied")
        if errors:
            raise ValidationError(errors)
        if instance.pk is not None and publication.goes_live_through_review(self.user, instance):
            instance._proposed_many_to_many = related

    @staticmethod
    def _check_publication(instance, related, errors):
        """Gives a published row its publication time, and adds to ``errors`` what stops it being published."""
        instance.published_at = publication.normalized_published_at(
            status=instance.status, published_at=instance.published_at
        )
        if instance.status == PublicationStatus.PUBLISHED and "status" not in errors:
            sources = related.get("sources")
            problems = publication.publication_problems(instance, sources=sources if "sources" in related else None)
            if problems:
                errors["status"] = ValidationError([f"Not ready to publish: {problem}" for problem in problems])

    def save_instance(self, instance, is_create, row, **kwargs):
        proposed = getattr(instance, "_proposed_many_to_many", None)
        if proposed is None:
            super().save_instance(instance, is_create, row, **kwargs)
        elif not self._is_dry_run(kwargs) or self._is_using_transactions(kwargs):
            publication.propose_change(instance, user=self.user, many_to_many=proposed)

    def save_m2m(self, instance, row, **kwargs):
        if getattr(instance, "_proposed_many_to_many", None) is None:
            super().save_m2m(instance, row, **kwargs)


class DocumentResource(EditorialResource):
    class Meta:
        model = Document
        fields = with_language_columns(
            Document,
            (
                "slug",
                "title",
                "document_type",
                "date",
                "summit",
                "chairmanship",
                "adoption",
                "entered_into_force",
                "official_text_url",
                "topics",
                "signatories",
                "summary",
                "full_text",
                "sources",
                "editor_note",
                "status",
                "published_at",
            ),
        )


class InitiativeResource(EditorialResource):
    class Meta:
        model = Initiative
        fields = with_language_columns(
            Initiative,
            (
                "slug",
                "title",
                "category",
                "implementation_status",
                "chairmanship",
                "summit",
                "proposers",
                "topics",
                "documents",
                "summary",
                "sources",
                "editor_note",
                "status",
                "published_at",
            ),
        )


class SummitResource(EditorialResource):
    class Meta:
        model = Summit
        fields = with_language_columns(
            Summit,
            (
                "slug",
                "number",
                "host_city",
                "host_state",
                "start_date",
                "end_date",
                "format",
                "theme",
                "chairmanship",
                "summary",
                "documents_reported",
                "documents_reported_note",
                "documents_reported_source",
                "sources",
                "editor_note",
                "status",
                "published_at",
            ),
        )


class StateResource(EditorialResource):
    class Meta:
        model = State
        fields = with_language_columns(
            State,
            (
                "slug",
                "short_name",
                "official_name",
                "iso_alpha2",
                "iso_alpha3",
                "capital",
                "summary",
                "sources",
                "editor_note",
                "status",
                "published_at",
            ),
        )


class ChairmanshipResource(EditorialResource):
    class Meta:
        model = Chairmanship
        fields = with_language_columns(
            Chairmanship,
            (
                "slug",
                "state",
                "start_date",
                "end_date",
                "motto",
                "priorities",
                "summary",
                "sources",
                "editor_note",
                "status",
                "published_at",
            ),
        )


class MembershipResource(EditorialResource):
    """Membership periods, one a row, named by state slug, status and start date (as the fixtures name them).

    They import on their own rather than inside a state's row: a state has several periods, each with its
    own dates, summit and sources, which one spreadsheet cell could not hold readably.
    """

    class Meta:
        model = Membership
        import_id_fields = ("state", "status", "start_date")
        fields = ("state", "status", "start_date", "end_date", "summit", "note", "sources")


class SourceResource(EditorialResource):
    class Meta:
        model = Source
        fields = ("slug", "title", "publisher", "author", "published_on", "url", "language", "note", "editor_note")


class TopicResource(EditorialResource):
    class Meta:
        model = Topic
        fields = with_language_columns(
            Topic,
            ("slug", "name", "description"),
        )


class KeyFigureResource(EditorialResource):
    class Meta:
        model = KeyFigure
        fields = with_language_columns(
            KeyFigure,
            (
                "slug",
                "label",
                "value",
                "unit",
                "qualifier",
                "as_of",
                "period",
                "chairmanship",
                "summit",
                "topics",
                "note",
                "source",
            ),
        )
