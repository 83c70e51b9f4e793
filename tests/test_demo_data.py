import pytest
from django.core.management import CommandError, call_command

from chairmanship.models import Chairmanship, Document, Initiative, Source, State, Summit, Topic

pytestmark = pytest.mark.django_db


def generate(**options):
    call_command("generate_demo_data", documents=300, initiatives=40, states=12, summits=10, verbosity=0, **options)


def test_the_synthetic_dataset_has_the_requested_size_and_is_marked_synthetic():
    generate()
    assert Document.objects.count() == 300
    assert Initiative.objects.count() == 40
    assert not Document.objects.exclude(title__startswith="[Synthetic]").exists()
    assert Document.objects.published().count() == 300
    assert not Document.objects.filter(sources__isnull=True).exists()


def snapshot() -> list[tuple]:
    return list(
        Document.objects.order_by("slug").values_list("slug", "title", "document_type", "adoption", "summit__number")
    )


def test_the_same_seed_gives_the_same_dataset():
    generate(seed=7)
    first = snapshot()
    # Empty the database again, dependants first (states and sources are protected while in use).
    for model in (Document, Initiative, Summit, Chairmanship, State, Topic, Source):
        model.objects.all().delete()
    generate(seed=7)
    assert snapshot() == first


def test_it_refuses_a_database_holding_real_archive_content(archive):
    with pytest.raises(CommandError, match="holds real archive content"):
        generate()
    assert not Document.objects.filter(title__startswith="[Synthetic]").exists()


def test_it_refuses_a_count_below_one():
    with pytest.raises(CommandError, match="--documents must be at least 1"):
        call_command("generate_demo_data", documents=0, verbosity=0)
