"""factory_boy factories: published by default, so a test makes a draft explicitly."""

import datetime

import factory
from django.utils import timezone

from chairmanship import models


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    slug = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source {n}")
    publisher = "Test Publisher"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Topic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.LazyAttribute(lambda topic: topic.slug.replace("-", " ").title())


class PublishedFactory(factory.django.DjangoModelFactory):
    status = models.PublicationStatus.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    class Meta:
        abstract = True
        # The sources are set after the record is saved, on its many-to-many table: no second save is needed.
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=models.PublicationStatus.DRAFT, published_at=None)
        scheduled = factory.Trait(
            published_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
        )

    @factory.post_generation
    def sources(self, create, extracted, **kwargs):
        if create:
            self.sources.set(extracted if extracted is not None else [SourceFactory()])


def _letters(n: int, width: int) -> str:
    # Lower case never collides with a real (upper-case) ISO code from the curated fixtures.
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    return "".join(alphabet[n // 26**place % 26] for place in reversed(range(width)))


class StateFactory(PublishedFactory):
    class Meta:
        model = models.State

    slug = factory.Sequence(lambda n: f"state-{n}")
    short_name = factory.Sequence(lambda n: f"State {n}")
    official_name = factory.LazyAttribute(lambda state: f"Republic of {state.short_name}")
    iso_alpha2 = factory.Sequence(lambda n: _letters(n, 2))
    iso_alpha3 = factory.Sequence(lambda n: _letters(n, 3))
    capital = "Capital City"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    state = factory.SubFactory(StateFactory)
    status = models.MembershipStatus.MEMBER
    start_date = datetime.date(2001, 6, 15)


def observer_period(state, start: datetime.date, end: datetime.date | None = None):
    """``state``'s period as an observer, from ``start`` up to (not including) ``end``."""
    return MembershipFactory(state=state, status=models.MembershipStatus.OBSERVER, start_date=start, end_date=end)


class ChairmanshipFactory(PublishedFactory):
    class Meta:
        model = models.Chairmanship

    state = factory.SubFactory(StateFactory)
    slug = factory.Sequence(lambda n: f"chairmanship-{n}")
    start_date = datetime.date(2023, 7, 4)
    end_date = datetime.date(2024, 7, 4)
    summary = "A year of chairing."


class SummitFactory(PublishedFactory):
    class Meta:
        model = models.Summit

    number = factory.Sequence(lambda n: 100 + n)
    slug = factory.Sequence(lambda n: f"city-{n}")
    host_state = factory.SubFactory(StateFactory)
    host_city = factory.Sequence(lambda n: f"City {n}")
    start_date = datetime.date(2024, 7, 3)
    end_date = datetime.date(2024, 7, 4)
    summary = "Leaders met."


class DocumentFactory(PublishedFactory):
    class Meta:
        model = models.Document

    title = factory.Sequence(lambda n: f"Declaration number {n}")
    slug = factory.Sequence(lambda n: f"declaration-{n}")
    document_type = models.DocumentType.DECLARATION
    date = datetime.date(2024, 7, 4)
    summary = "A declaration."


class InitiativeFactory(PublishedFactory):
    class Meta:
        model = models.Initiative

    title = factory.Sequence(lambda n: f"Initiative {n}")
    slug = factory.Sequence(lambda n: f"initiative-{n}")
    category = models.InitiativeCategory.ECONOMIC
    summary = "An initiative."


class KeyFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.KeyFigure

    slug = factory.Sequence(lambda n: f"figure-{n}")
    label = "Events held"
    value = 150
    unit = "events"
    chairmanship = factory.SubFactory(ChairmanshipFactory)
    source = factory.SubFactory(SourceFactory)
