"""One FilterSet per resource, shared by the HTML archive pages and the JSON API.

Multi-value parameters mean "any of" (``?topic=energy&topic=security``). Callers pass an already
restricted queryset (``published()`` for the public), so facet choices never reveal drafts.
"""

import django_filters
from django import forms
from django.core.validators import validate_slug
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_filters.fields import ModelMultipleChoiceField

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


def published(model):
    """A choice queryset evaluated per request, so the publication time is always 'now'."""
    return lambda request: model.objects.published()


class SlugMultipleChoiceField(ModelMultipleChoiceField):
    def clean(self, value):
        # A malformed slug is refused before it reaches the database (PostgreSQL rejects NUL characters).
        for slug in value or ():
            validate_slug(slug)
        return super().clean(value)


def nothing_chosen(value) -> bool:
    # No choice arrives as ``queryset.none()``: asking that for its truth would build its SQL on every request.
    if isinstance(value, QuerySet):
        return value.query.is_empty()
    return not value


class SlugMultipleFilter(django_filters.ModelMultipleChoiceFilter):
    """Selects related records by slug ("any of"); unknown slugs are a validation error (400 in the API)."""

    field_class = SlugMultipleChoiceField

    def __init__(self, *args, queryset, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, queryset=queryset, **kwargs)

    def filter(self, queryset, value):
        if nothing_chosen(value) or self.is_noop(queryset, value):
            return queryset
        field = queryset.model._meta.get_field(self.field_name)
        if not field.many_to_many:
            return queryset.filter(**{f"{self.field_name}__in": value})
        # Through the link table as a correlated EXISTS rather than a join: it cannot repeat a record, so
        # the list needs no DISTINCT, and the database can walk the archive's order index and stop once a
        # page is full instead of collecting and sorting every match.
        links = field.remote_field.through.objects.filter(
            **{field.m2m_field_name(): OuterRef("pk"), f"{field.m2m_reverse_field_name()}__in": value}
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
    topic = SlugMultipleFilter(field_name="topics", queryset=Topic.objects.all())
    summit = SlugMultipleFilter(field_name="summit", queryset=published(Summit))
    chairmanship = SlugMultipleFilter(field_name="chairmanship", queryset=published(Chairmanship))
    signatory = SlugMultipleFilter(field_name="signatories", queryset=published(State))
    adoption = django_filters.MultipleChoiceFilter(choices=Adoption.choices, distinct=False)
    date = django_filters.DateFromToRangeFilter(label="Date (after / before)")
    year_from = YearFilter(field_name="date__year", lookup_expr="gte", label="From year")
    year_to = YearFilter(field_name="date__year", lookup_expr="lte", label="To year")
    search = django_filters.CharFilter(method="filter_search", label="Words")
    ordering = django_filters.OrderingFilter(
        fields=(("date", "date"), ("title", "title"), ("updated_at", "updated")),
        field_labels={"date": "Date", "title": "Title", "updated_at": "Last updated"},
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
    proposer = SlugMultipleFilter(field_name="proposers", queryset=published(State))
    chairmanship = SlugMultipleFilter(field_name="chairmanship", queryset=published(Chairmanship))
    summit = SlugMultipleFilter(field_name="summit", queryset=published(Summit))
    topic = SlugMultipleFilter(field_name="topics", queryset=Topic.objects.all())
    search = django_filters.CharFilter(method="filter_search", label="Words")
    ordering = django_filters.OrderingFilter(
        fields=(("title", "title"), ("updated_at", "updated")),
        field_labels={"title": "Title", "updated_at": "Last updated"},
    )

    class Meta:
        model = Initiative
        fields = ()

    def filter_search(self, queryset, name, value):
        # The full-text index, as on the search page: every word, the last one also as a word's start.
        return matching(queryset, value)


class StateFilterSet(django_filters.FilterSet):
    member_on = django_filters.DateFilter(method="filter_member_on", label="Member on (YYYY-MM-DD)")
    status = django_filters.MultipleChoiceFilter(
        choices=MembershipStatus.choices, method="filter_status", label="Status today (or on the member_on date)"
    )
    search = django_filters.CharFilter(method="filter_search", label="Words")
    ordering = django_filters.OrderingFilter(fields=(("short_name", "name"),), field_labels={"short_name": "Name"})

    class Meta:
        model = State
        fields = ()

    def filter_member_on(self, queryset, name, value):
        return queryset.members_on(value)

    def filter_status(self, queryset, name, value):
        day = self.form.cleaned_data.get("member_on") or timezone.localdate()
        selected = queryset.none()
        for status in value:
            selected |= queryset.with_status_on(day, status)
        return selected

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("short_name", "official_name", "capital", "iso_alpha3"), value)


class SummitFilterSet(django_filters.FilterSet):
    format = django_filters.MultipleChoiceFilter(choices=SummitFormat.choices, distinct=False)
    host_state = SlugMultipleFilter(field_name="host_state", queryset=published(State))
    start_date = django_filters.DateFromToRangeFilter(label="Start date (after / before)")
    search = django_filters.CharFilter(method="filter_search", label="Words")
    ordering = django_filters.OrderingFilter(fields=(("number", "number"), ("start_date", "date")))

    class Meta:
        model = Summit
        fields = ()

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("host_city", "theme", "summary"), value)


class ChairmanshipFilterSet(django_filters.FilterSet):
    state = SlugMultipleFilter(field_name="state", queryset=published(State))
    ordering = django_filters.OrderingFilter(fields=(("start_date", "date"),))

    class Meta:
        model = Chairmanship
        fields = ()


class MembershipFilterSet(django_filters.FilterSet):
    state = SlugMultipleFilter(field_name="state", queryset=published(State))
    status = django_filters.MultipleChoiceFilter(choices=MembershipStatus.choices)
    active_on = django_filters.DateFilter(method="filter_active_on", label="Active on (YYYY-MM-DD)")
    ordering = django_filters.OrderingFilter(fields=(("start_date", "start"), ("state__short_name", "state")))

    class Meta:
        model = Membership
        fields = ()

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)


class TopicFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Words")
    ordering = django_filters.OrderingFilter(fields=(("name", "name"),))

    class Meta:
        model = Topic
        fields = ()

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("name", "description"), value)


class SourceFilterSet(django_filters.FilterSet):
    published_on = django_filters.DateFromToRangeFilter(label="Published (after / before)")
    search = django_filters.CharFilter(method="filter_search", label="Words")
    ordering = django_filters.OrderingFilter(fields=(("title", "title"), ("published_on", "published")))

    class Meta:
        model = Source
        fields = ()

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("title", "publisher", "author", "note"), value)


class KeyFigureFilterSet(django_filters.FilterSet):
    chairmanship = SlugMultipleFilter(field_name="chairmanship", queryset=published(Chairmanship))
    summit = SlugMultipleFilter(field_name="summit", queryset=published(Summit))
    topic = SlugMultipleFilter(field_name="topics", queryset=Topic.objects.all())
    search = django_filters.CharFilter(method="filter_search", label="Words")
    ordering = django_filters.OrderingFilter(fields=(("label", "label"), ("as_of", "as_of")))

    class Meta:
        model = KeyFigure
        fields = ()

    def filter_search(self, queryset, name, value):
        return text_search(queryset, ("label", "unit", "period", "note"), value)
