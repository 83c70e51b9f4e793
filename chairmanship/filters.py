"""One FilterSet per resource, shared by the HTML archive pages and the JSON API.

Multi-value parameters mean "any of" (``?topic=energy&topic=security``). Callers pass an already
restricted queryset (``published()`` for the public). A related record's slug that names nothing a reader
may see matches nothing (``RelatedSlugFilter``); a malformed value is a validation error.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chairmanship.models import (
    Adoption,
    Chairmanship,
    Document,
    DocumentType,
    Initiative,
    InitiativeCategory,
    InitiativeStatus,
    KeyFigure,
    Membership,
    MembershipStatus,
    Source,
    State,
    Summit,
    SummitFormat,
    Topic,
)
from chairmanship.search import matching


def text_search(queryset, fields: tuple[str, ...], value: str):
    """Every word must match one of ``fields`` (case-insensitive)."""
    for word in value.split():
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


class SlugListField(forms.MultipleChoiceField):
    """Any number of slugs; only their form is checked here, since which ones name a record changes with the
    content. Blank values (a half-filled form) are left out."""

    def to_python(self, value):
        return [slug for slug in super().to_python(value) if slug]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        # A malformed slug is refused before it reaches the database (PostgreSQL rejects NUL characters).
        for slug in value:
            validate_slug(slug)


class RelatedSlugFilter(django_filters.MultipleChoiceFilter):
    """Selects records by the slugs of a related record ("any of").

    A slug that names no record the public may see (none at all, a draft, a scheduled record) matches
    nothing, as an unknown word would: the answer is an empty list, not an error, so a client never
    learns whether an unpublished record has that slug, and the API's schema can promise every
    well-formed slug. Only published related records count, for editors too.
    """

    field_class = SlugListField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def related_model(self, model):
        return model._meta.get_field(self.field_name).related_model

    def visible(self, model, slugs):
        """The primary keys of the related records with these slugs that a reader may see (a subquery)."""
        related = self.related_model(model)._default_manager
        records = related.published() if hasattr(related, "published") else related.all()
        return records.filter(slug__in=slugs).values("pk")

    def filter(self, queryset, value):
        if not value:
            return queryset
        field = queryset.model._meta.get_field(self.field_name)
        chosen = self.visible(queryset.model, value)
        if not field.many_to_many:
            return queryset.filter(**{f"{self.field_name}__in": chosen})
        # Through the link table as a correlated EXISTS rather than a join: it cannot repeat a record, so
        # the list needs no DISTINCT, and the database can walk the archive's order index and stop once a
        # page is full instead of collecting and sorting every match.
        links = field.remote_field.through.objects.filter(
            **{field.m2m_field_name(): OuterRef("pk"), f"{field.m2m_reverse_field_name()}__in": chosen}
        )
        return queryset.filter(Exists(links))


class YearFilter(django_filters.NumberFilter):
    """A calendar year; years a date cannot hold are a validation error, not a server error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class DocumentFilterSet(django_filters.FilterSet):
    type = django_filters.MultipleChoiceFilter(field_name="document_type", choices=DocumentType.choices, distinct=False)
    topic = RelatedSlugFilter(field_name="topics")
    summit = RelatedSlugFilter(field_name="summit")
    chairmanship = RelatedSlugFilter(field_name="chairmanship")
    signatory = RelatedSlugFilter(field_name="signatories")
    adoption = django_filters.MultipleChoiceFilter(choices=Adoption.choices, distinct=False)
    date = django_filters.DateFromToRangeFilter(label=_("Date (after / before)"))
    year_from = YearFilter(field_name="date__year", lookup_expr="gte", label=_("From year"))
    year_to = YearFilter(field_name="date__year", lookup_expr="lte", label=_("To year"))
    search = django_filters.CharFilter(method="filter_search", label=_("Words"))
    ordering = django_filters.OrderingFilter(
        fields=(("date", "date"), ("title", "title"), ("updated_at", "updated")),
        # Each direction named here: django-filter writes "(descending)" once, in English, when the module loads.
        field_labels={
            "date": _("Date"),
            "-date": _("Date (descending)"),
            "title": _("Title"),
            "-title": _("Title (descending)"),
            "updated_at": _("Last updated"),
            "-updated": _("Last updated (descending)"),
        },
    )

    class Meta:
        model = Document
        fields = ()

    def filter_search(self, queryset, name, value):
        # The full-text index, as on the search page: every word, the last one also as a word's start.
        return matching(queryset, value)


class InitiativeFilterSet(django_filters.FilterSet):
    category = django_filters.MultipleChoiceFilter(choices=InitiativeCategory.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(
        field_name="implementation_status", choices=InitiativeStatus.choices, distinct=False
    )
    proposer = RelatedSlugFilter(field_name="proposers")
    chairmanship = RelatedSlugFilter(field_name="chairmanship")
    summit = RelatedSlugFilter(field_name="summit")
    topic = RelatedSlugFilter(field_name="topics")
    search = django_filters.CharFilter(method="filter_search", label=_("Words"))
    ordering = django_filters.OrderingFilter(
        fields=(("title", "title"), ("updated_at", "updated")),
        field_labels={
            "title": _("Title"),
            "-title": _("Title (descending)"),
            "updated_at": _("Last updated"),
            "-updated": _("Last updated (descending)"),
        },
    )

    class Meta:
        model = Initiative
        fields = ()

    def filter_search(self, queryset, name, value):
        # The full-text index, as on the search page: every word, the last one also as a word's start.
        return matching(queryset, value)


class StateFilterSet(django_filters.FilterSet):
    member_on = django_filters.DateFilter(method="filter_member_on", label=_("Member on (YYYY-MM-DD)"))
    status = django_filters.MultipleChoiceFilter(
        choices=MembershipStatus.choices, method="filter_status", label=_("Status today (or on the status_on date)")
    )
    # Only read by the status filter: on which day the statuses hold.
    status_on = django_filters.DateFilter(method="filter_nothing", label=_("Status on (YYYY-MM-DD)"))
    search = django_filters.CharFilter(method="filter_search", label=_("Words"))
    ordering = django_filters.OrderingFilter(fields=(("short_name", "name"),), field_labels={"short_name": _("Name")})

    class Meta:
        model = State
        fields = ()

    def filter_member_on(self, queryset, name, value):
        return queryset.members_on(value)

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_status(self, queryset, name, value):
        data = self.form.cleaned_data
        day = data.get("status_on") or data.get("member_on") or timezone.localdate()
        selected = queryset.none()
        for status in value:
            selected |= queryset.with_status_on(day, status)
        return selected

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("short_name", "official_name", "capital", "iso_alpha3"), value)


class SummitFilterSet(django_filters.FilterSet):
    format = django_filters.MultipleChoiceFilter(choices=SummitFormat.choices, distinct=False)
    host_state = RelatedSlugFilter(field_name="host_state")
    start_date = django_filters.DateFromToRangeFilter(label=_("Start date (after / before)"))
    search = django_filters.CharFilter(method="filter_search", label=_("Words"))
    ordering = django_filters.OrderingFilter(fields=(("number", "number"), ("start_date", "date")))

    class Meta:
        model = Summit
        fields = ()

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("host_city", "theme", "summary"), value)


class ChairmanshipFilterSet(django_filters.FilterSet):
    state = RelatedSlugFilter(field_name="state")
    ordering = django_filters.OrderingFilter(fields=(("start_date", "date"),))

    class Meta:
        model = Chairmanship
        fields = ()


class MembershipFilterSet(django_filters.FilterSet):
    state = RelatedSlugFilter(field_name="state")
    status = django_filters.MultipleChoiceFilter(choices=MembershipStatus.choices)
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("Active on (YYYY-MM-DD)"))
    ordering = django_filters.OrderingFilter(fields=(("start_date", "start"), ("state__short_name", "state")))

    class Meta:
        model = Membership
        fields = ()

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)


class TopicFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Words"))
    ordering = django_filters.OrderingFilter(fields=(("name", "name"),))

    class Meta:
        model = Topic
        fields = ()

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("name", "description"), value)


class SourceFilterSet(django_filters.FilterSet):
    published_on = django_filters.DateFromToRangeFilter(label=_("Published (after / before)"))
    search = django_filters.CharFilter(method="filter_search", label=_("Words"))
    ordering = django_filters.OrderingFilter(fields=(("title", "title"), ("published_on", "published")))

    class Meta:
        model = Source
        fields = ()

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("title", "publisher", "author", "note"), value)


class KeyFigureFilterSet(django_filters.FilterSet):
    chairmanship = RelatedSlugFilter(field_name="chairmanship")
    summit = RelatedSlugFilter(field_name="summit")
    topic = RelatedSlugFilter(field_name="topics")
    search = django_filters.CharFilter(method="filter_search", label=_("Words"))
    ordering = django_filters.OrderingFilter(fields=(("label", "label"), ("as_of", "as_of")))

    class Meta:
        model = KeyFigure
        fields = ()

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("label", "unit", "period", "note"), value)
