"""Archive pages at any depth: the right records in the right order, and totals that follow every change."""

import datetime

import pytest
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import QueryDict
from django.urls import reverse

from chairmanship.cache import cache_generation
from chairmanship.models import Document, DocumentType, PublicationStatus
from chairmanship.pagination import ArchivePaginator, list_cache_name
from tests.factories import DocumentFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uncached_pages(settings):
    settings.PAGE_CACHE = False
    cache.clear()


@pytest.fixture
def documents():
    topic = TopicFactory(slug="energy")
    made = []
    for number in range(45):
        document = DocumentFactory(
            title=f"Document {number % 7}",  # repeated titles: the order must still be the archive's own
            date=datetime.date(2000, 1, 1) + datetime.timedelta(days=number % 11),
            document_type=DocumentType.DECISION if number % 2 else DocumentType.DECLARATION,
        )
        if number % 3:
            document.topics.add(topic)
        made.append(document)
    return made


def test_every_page_holds_what_a_plain_offset_page_holds(documents):
    archive = Document.objects.published().for_archive().filter(topics__slug="energy").distinct()
    archive = archive.order_by("-date", "title", "pk")
    plain, two_step = Paginator(archive, 7), ArchivePaginator(archive, 7, orphans=2, list_cache_name="test:energy")

    assert two_step.count == plain.count == 30
    for number in two_step.page_range:
        expected = [record.pk for record in Paginator(archive, 7, orphans=2).page(number)]
        assert [record.pk for record in two_step.page(number)] == expected, f"page {number}"


@pytest.mark.parametrize("pages_per_block", [1, 2, 3])
def test_pages_read_from_remembered_blocks_of_ids_match_plain_offset_pages(documents, pages_per_block):
    """Blocks of a few pages each, so that pages (and the last page's orphans) straddle block edges."""
    archive = Document.objects.published().for_archive().order_by("-date", "title", "pk")
    plain = Paginator(archive, 4, orphans=2)
    blocks = ArchivePaginator(archive, 4, orphans=2, list_cache_name=f"test:blocks:{pages_per_block}")
    blocks.pages_per_block = pages_per_block

    for _ in range(2):  # computed, then read back from the cache
        for number in plain.page_range:
            expected = [record.pk for record in plain.page(number)]
            assert [record.pk for record in blocks.page(number)] == expected, f"page {number}"


def test_a_list_sorted_another_way_is_not_served_the_remembered_order(documents):
    by_date = Document.objects.published().order_by("-date", "title", "pk")
    by_title = Document.objects.published().order_by("title", "-date", "pk")
    ArchivePaginator(by_date, 5, list_cache_name="test:same-filters").page(2)

    page = ArchivePaginator(by_title, 5, list_cache_name="test:same-filters").page(2)

    assert [record.pk for record in page] == [record.pk for record in Paginator(by_title, 5).page(2)]


def test_a_deep_page_after_the_first_visit_to_its_block_reads_only_its_rows(
    client, documents, django_assert_num_queries
):
    client.get(reverse("chairmanship:document_list") + "?page=2")
    with django_assert_num_queries(1):  # the rows of page 3: its ids come from the block page 2 read
        page = client.get(reverse("chairmanship:document_list") + "?page=3").content.decode()
    assert page.count('<li class="record">') == 5


def test_the_archive_total_follows_a_publication_at_once(client, documents):
    url = reverse("chairmanship:document_list") + "?type=decision"
    assert "22 documents match your filters" in client.get(url).content.decode()

    DocumentFactory(document_type=DocumentType.DECISION, title="Newly published decision")
    DocumentFactory(document_type=DocumentType.DECISION, title="Another new decision")
    hidden = Document.objects.filter(document_type=DocumentType.DECISION).first()
    hidden.status = PublicationStatus.DRAFT
    hidden.save()

    html = client.get(url).content.decode()
    assert "23 documents match your filters" in html  # two more, one fewer
    assert "Newly published decision" in html


def test_a_filtered_total_is_counted_once_per_content_version(client, documents, django_assert_num_queries):
    url = reverse("chairmanship:document_list") + "?topic=energy&page=2"
    client.get(url)
    with django_assert_num_queries(0):  # no COUNT; the ids and the rendered rows are remembered
        page = client.get(url).content.decode()
    assert "30 documents match your filters" in page


def test_totals_of_different_filters_are_kept_apart():
    assert list_cache_name(Document, QueryDict("type=decision")) != list_cache_name(
        Document, QueryDict("type=declaration")
    )
    # The page, its size and the order do not change the total; the order of the parameters does not either.
    assert list_cache_name(Document, QueryDict("type=decision&topic=a&page=3&page_size=5&ordering=title")) == (
        list_cache_name(Document, QueryDict("topic=a&type=decision"))
    )


def test_an_editors_total_counting_drafts_is_kept_apart_from_the_publics():
    query = QueryDict("type=decision")
    assert list_cache_name(Document, query, reader="editor") != list_cache_name(Document, query)


@pytest.mark.parametrize("pages_per_block", [1, 2, 3, 50])
def test_a_list_is_counted_by_its_first_block_of_ids_when_it_fits_and_by_a_count_when_it_does_not(
    documents, pages_per_block, django_assert_num_queries
):
    archive = Document.objects.published().order_by("-date", "title_en", "pk")
    paginator = ArchivePaginator(archive, 4, list_cache_name=f"test:count:{pages_per_block}")
    paginator.pages_per_block = pages_per_block
    fits = paginator.block_size > len(documents)
    cache_generation()  # read from the database once, as any request's first look at the cache does
    # The first block's ids, then a COUNT only when the list runs past it.
    with django_assert_num_queries(1 if fits else 2) as queries:
        assert paginator.count == len(documents)
    assert any("COUNT(" in query["sql"] for query in queries.captured_queries) is not fits


def test_a_total_past_the_first_block_is_counted_once_the_answer_finding_it_moved_is_sent(
    client, documents, monkeypatch
):
    """The first reader after a change does not wait for a COUNT of the whole list: that answer has the new rows and
    the previous total, its worker counts once it has answered, and the next answer has the new total."""
    monkeypatch.setattr(ArchivePaginator, "pages_per_block", 1)
    url = reverse("chairmanship:document_list")
    assert "45 documents" in client.get(url).content.decode()

    DocumentFactory(title="Newly published declaration", date=datetime.date(2001, 1, 1))
    DocumentFactory(title="The oldest declaration", date=datetime.date(1990, 1, 1))

    first = client.get(url).content.decode()
    assert "Newly published declaration" in first
    assert "45 documents" in first
    assert "47 documents" in client.get(url).content.decode()
    last = client.get(url + "?page=3").content.decode()
    assert last.count('<li class="record">') == 7
    assert "The oldest declaration" in last


def test_the_last_page_shows_a_record_published_at_the_end_while_the_total_is_late(client, documents, monkeypatch):
    monkeypatch.setattr(ArchivePaginator, "pages_per_block", 1)
    url = reverse("chairmanship:document_list") + "?page=3"
    assert client.get(url).content.decode().count('<li class="record">') == 5

    DocumentFactory(title="The oldest declaration", date=datetime.date(1990, 1, 1))

    late = client.get(url).content.decode()  # the total is counted once this is answered
    assert late.count('<li class="record">') == 6
    assert "The oldest declaration" in late
