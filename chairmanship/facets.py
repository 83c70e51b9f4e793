"""The archive's filter options with their counts ("Decision (12)"), for the document and initiative archives.

A facet says where a filter's options come from (a choice field, or the slug of a related record) and how
to label and sort them; ``facet_counts()`` counts every option of every facet of a list in one round trip.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils.translation import get_language

from chairmanship.languages import DEFAULT_LANGUAGE, field_suffix
from chairmanship.models import (
    Adoption,
    Document,
    DocumentType,
    Initiative,
    InitiativeCategory,
    InitiativeStatus,
    published_condition,
    summit_title,
)


@dataclass(frozen=True)
class FacetOption:
    """One option of an archive filter: the value it submits, what a reader sees, how many records have it."""

    value: str
    label: str
    count: int
    sort_key: tuple = ()


@dataclass(frozen=True)
class Facet:
    """Where a filter's options come from: ``lookup`` is the path to the value an option submits (a choice
    field, or a related record's slug); ``label``, ``number``, ``start`` and ``end`` are paths to what
    describes and orders it."""

    lookup: str
    label: str = ""
    relation: str = ""  # the related publishable record, whose drafts must not be offered
    choices: type[models.TextChoices] | None = None
    number: str = ""
    start: str = ""
    end: str = ""
    describe: Callable[[dict], str] | None = None

    def label_for(self, row: dict) -> str:
        if self.choices is not None:
            return self.choices(row["value"]).label
        if self.describe is not None:
            return self.describe(row)
        return row["label"]

    def sort_key(self, row: dict) -> tuple:
        if self.choices is not None:
            return (self.choices.values.index(row["value"]),)
        if self.number:
            return (-row["number"],)
        if self.start:
            return (-row["start"].toordinal(),)
        return (row["label"].casefold(),)


SUMMIT_FACET = Facet(
    lookup="summit__slug",
    label="summit__host_city",
    relation="summit",
    number="summit__number",
    start="summit__start_date",
    describe=lambda row: summit_title(row["number"], row["label"], row["start"].year),
)
CHAIRMANSHIP_FACET = Facet(
    lookup="chairmanship__slug",
    label="chairmanship__state__short_name",
    relation="chairmanship",
    start="chairmanship__start_date",
    end="chairmanship__end_date",
    # As Chairmanship.__str__ names a term.
    describe=lambda row: f"{row['label']} {row['start'].year}–{row['end'].year if row['end'] else '…'}",
)
TOPIC_FACET = Facet(lookup="topics__slug", label="topics__name")

FACETS: dict[type[models.Model], dict[str, Facet]] = {
    Document: {
        "type": Facet(lookup="document_type", choices=DocumentType),
        "adoption": Facet(lookup="adoption", choices=Adoption),
        "topic": TOPIC_FACET,
        "summit": SUMMIT_FACET,
        "chairmanship": CHAIRMANSHIP_FACET,
        "signatory": Facet(lookup="signatories__slug", label="signatories__short_name", relation="signatories"),
    },
    Initiative: {
        "category": Facet(lookup="category", choices=InitiativeCategory),
        "status": Facet(lookup="implementation_status", choices=InitiativeStatus),
        "proposer": Facet(lookup="proposers__slug", label="proposers__short_name", relation="proposers"),
        "chairmanship": CHAIRMANSHIP_FACET,
        "summit": SUMMIT_FACET,
        "topic": TOPIC_FACET,
    },
}


def in_reader_language(path: str):
    """A related record's name (``topics__name``) in the reader's language, or its English where it has none.

    Querysets name the English column (``models.PublicRelationsQuerySet``); every facet label is a translated
    field (a topic's name, a state's short name, a summit's host city).
    """
    language = get_language() or DEFAULT_LANGUAGE
    if language == DEFAULT_LANGUAGE:
        return models.F(path)
    own = NullIf(models.F(f"{path}_{field_suffix(language)}"), models.Value(""))
    return Coalesce(own, models.F(path), output_field=models.CharField())


def facet_counts(queryset) -> dict[str, list[FacetOption]]:
    """How many records of ``queryset`` (the public subset) carry each option of each of its model's facets,
    in one round trip (a UNION of GROUP BYs).

    Options whose related record is not public are left out, so a count never reveals a draft. Labels are in
    the active language.
    """
    facets = FACETS[queryset.model]
    parts = []
    for name, facet in facets.items():
        # One filter() call, so the join it makes is the join the values below group by.
        condition = Q(**{f"{facet.lookup}__isnull": False})
        if facet.relation:
            condition &= published_condition(f"{facet.relation}__")
        part = (
            queryset.order_by()
            .filter(condition)
            .values(
                facet=models.Value(name, output_field=models.CharField()),
                value=models.F(facet.lookup),
                label=in_reader_language(facet.label) if facet.label else models.F(facet.lookup),
                number=models.F(facet.number) if facet.number else Cast(None, models.IntegerField()),
                start=models.F(facet.start) if facet.start else Cast(None, models.DateField()),
                end=models.F(facet.end) if facet.end else Cast(None, models.DateField()),
            )
            .annotate(count=models.Count("pk", distinct=True))
        )
        parts.append(part)
    options: dict[str, list[FacetOption]] = {name: [] for name in facets}
    for row in parts[0].union(*parts[1:], all=True).order_by():
        facet = facets[row["facet"]]
        options[row["facet"]].append(
            FacetOption(
                value=row["value"], label=facet.label_for(row), count=row["count"], sort_key=facet.sort_key(row)
            )
        )
    for values in options.values():
        values.sort(key=lambda option: option.sort_key)
    return options
