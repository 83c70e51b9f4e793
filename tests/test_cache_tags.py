"""Invalidation by tag: each kind of change makes every page showing it fresh on the next request, and leaves
an unrelated page cached (``chairmanship.tags``, ``chairmanship.cache``)."""

import dataclasses
import datetime
import threading
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from chairmanship import cache as archive_cache
from chairmanship import tags
from chairmanship.models import Document, PublicationStatus
from tests.factories import DocumentFactory, InitiativeFactory, MembershipFactory, SummitFactory, TopicFactory
from tests.page_support import clock_moved_on, facet_total

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["locmem", "file", "redis"])
def any_cache(request, settings, tmp_path):
    """Each cache the archive runs with: one process's memory (tests), a shared folder, Redis."""
    backends = {
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tags"},
        "file": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)},
        # Each database's run of the suite has a Redis database of its own (the two run side by side in CI).
        "redis": {
            "BACKEND": "chairmanship.cache_backends.RedisCache",
            "LOCATION": f"redis://127.0.0.1:6379/{8 if connection.vendor == 'sqlite' else 9}",
        },
    }
    settings.CACHES = {"default": backends[request.param]}
    cache.clear()
    yield request.param
    cache.clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def cached(client, *urls):
    """Asks for each page until it is kept, and checks that it is."""
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit", url


def fresh(client, url):
    response = client.get(url)
    assert response["X-Cache"] == "miss", f"{url} was served from the cache after a change it shows"
    return response


def still_cached(client, url):
    assert client.get(url)["X-Cache"] == "hit", f"{url} was thrown away by a change it does not show"


@pytest.fixture
def two_summits():
    astana = SummitFactory(host_city="Astana")
    tianjin = SummitFactory(
        host_city="Tianjin", start_date=datetime.date(2025, 8, 31), end_date=datetime.date(2025, 9, 1)
    )
    declaration = DocumentFactory(title="Astana Declaration", summit=astana, summary="Before the edit.")
    other = DocumentFactory(title="Tianjin Declaration", summit=tianjin, date=datetime.date(2025, 9, 1))
    return astana, tianjin, declaration, other


def test_an_edit_of_a_documents_text_refreshes_the_pages_showing_it_and_no_other(client, any_cache, two_summits):
    _astana, tianjin, declaration, other = two_summits
    pages = [
        declaration.get_absolute_url(),
        f"/api/v1/documents/{declaration.slug}/",
        "/api/v1/documents/",
        "/ru" + declaration.get_absolute_url(),
    ]
    unrelated = [other.get_absolute_url(), tianjin.get_absolute_url(), f"/api/v1/documents/{other.slug}/", "/states/"]
    cached(client, *pages, *unrelated)

    declaration.summary = "After the edit."
    declaration.save()

    for url in pages:
        assert "After the edit." in fresh(client, url).content.decode()
    for url in unrelated:
        still_cached(client, url)


def test_publishing_a_document_refreshes_every_list_it_joins(client, two_summits):
    astana, tianjin, _declaration, other = two_summits
    draft = DocumentFactory(title="Newly Signed Agreement", summit=astana, draft=True, date=datetime.date(2026, 1, 1))
    lists = ["/", "/documents/", "/documents/?type=declaration", astana.get_absolute_url(), "/api/v1/documents/"]
    lists += ["/feeds/documents/", "/sitemap-documents.xml", "/search/?q=Newly+Signed", "/ru/documents/"]
    unrelated = [other.get_absolute_url(), tianjin.get_absolute_url(), "/states/"]
    cached(client, *lists, *unrelated)
    assert client.get(draft.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND

    draft.status, draft.published_at = PublicationStatus.PUBLISHED, timezone.now()
    draft.save()

    for url in lists:
        body = fresh(client, url).content.decode()
        assert draft.slug in body, url  # a link to it (search marks the words of its title)
    assert client.get(draft.get_absolute_url()).status_code == HTTPStatus.OK
    for url in unrelated:
        still_cached(client, url)


def test_unpublishing_or_deleting_a_document_takes_it_off_every_page_at_once(client, two_summits):
    astana, _tianjin, _declaration, other = two_summits
    gone = DocumentFactory(title="Withdrawn Statement", summit=astana)
    removed = DocumentFactory(title="Deleted Statement", summit=astana)
    pages = ["/documents/", astana.get_absolute_url(), "/api/v1/documents/", "/"]
    cached(client, *pages, gone.get_absolute_url(), removed.get_absolute_url(), other.get_absolute_url())

    gone.status = PublicationStatus.DRAFT
    gone.save()
    Document.objects.get(pk=removed.pk).delete()

    for url in pages:
        body = fresh(client, url).content.decode()
        assert "Withdrawn Statement" not in body and "Deleted Statement" not in body, url
    assert client.get(gone.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    assert client.get(removed.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    still_cached(client, other.get_absolute_url())


def test_a_scheduled_document_joins_its_lists_when_its_time_comes(
    client, two_summits, django_capture_on_commit_callbacks
):
    astana, _tianjin, _declaration, other = two_summits
    with django_capture_on_commit_callbacks(execute=True):
        scheduled = DocumentFactory(title="Scheduled Communique", summit=astana, scheduled=True)
    cached(client, "/documents/", astana.get_absolute_url(), other.get_absolute_url())
    assert "Scheduled Communique" not in client.get("/documents/").content.decode()

    # Its time comes, with nobody saving anything: its publication time and the stored go-live moment are
    # now in the past, and every server's copy of that moment has run out.
    went_live = timezone.now() - datetime.timedelta(seconds=1)
    Document.objects.filter(pk=scheduled.pk).update(published_at=went_live)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {archive_cache.VERSION_TABLE} SET next_go_live = %s WHERE id = 1",
            [went_live.timestamp()],
        )
    cache.delete(archive_cache.VERSION_KEY)

    assert "Scheduled Communique" in fresh(client, "/documents/").content.decode()
    assert "Scheduled Communique" in fresh(client, astana.get_absolute_url()).content.decode()
    assert client.get(scheduled.get_absolute_url()).status_code == HTTPStatus.OK
    still_cached(client, other.get_absolute_url())


def test_a_topic_added_to_a_document_shows_on_its_page_and_in_the_topics_list(client, two_summits):
    _astana, _tianjin, declaration, other = two_summits
    energy = TopicFactory(slug="energy", name="Energy")
    cached(client, declaration.get_absolute_url(), "/documents/?topic=energy", other.get_absolute_url())

    declaration.topics.add(energy)

    assert "Energy" in fresh(client, declaration.get_absolute_url()).content.decode()
    assert "Astana Declaration" in fresh(client, "/documents/?topic=energy").content.decode()
    still_cached(client, other.get_absolute_url())


def test_a_renamed_topic_shows_on_every_page_naming_it(client, two_summits):
    _astana, _tianjin, declaration, other = two_summits
    energy = TopicFactory(slug="energy", name="Energy")
    declaration.topics.add(energy)
    cached(client, declaration.get_absolute_url(), "/documents/", other.get_absolute_url())

    energy.name = "Energy security"
    energy.save()

    assert "Energy security" in fresh(client, declaration.get_absolute_url()).content.decode()
    assert "Energy security" in fresh(client, "/documents/").content.decode()  # its facet
    still_cached(client, other.get_absolute_url())


def test_a_renamed_summit_shows_on_its_documents_pages_only(client, two_summits):
    astana, _tianjin, declaration, other = two_summits
    cached(client, declaration.get_absolute_url(), astana.get_absolute_url(), other.get_absolute_url())

    astana.host_city = "Nur-Sultan"
    astana.save()

    assert "Nur-Sultan" in fresh(client, declaration.get_absolute_url()).content.decode()
    assert "Nur-Sultan" in fresh(client, astana.get_absolute_url()).content.decode()
    still_cached(client, other.get_absolute_url())


def test_a_published_summit_appears_on_the_pages_of_its_documents(client):
    summit = SummitFactory(host_city="Bishkek", draft=True)
    document = DocumentFactory(title="Founding Declaration", summit=summit)
    cached(client, document.get_absolute_url())
    assert "Bishkek" not in client.get(document.get_absolute_url()).content.decode()

    summit.status, summit.published_at = PublicationStatus.PUBLISHED, timezone.now()
    summit.save()

    assert "Bishkek" in fresh(client, document.get_absolute_url()).content.decode()


def test_a_new_slug_moves_the_page_and_every_link_to_it(client, two_summits):
    astana, _tianjin, declaration, other = two_summits
    old = declaration.get_absolute_url()
    cached(client, old, "/documents/", astana.get_absolute_url(), other.get_absolute_url())

    declaration.slug = "astana-declaration-2024"
    declaration.save()

    moved = client.get(old)
    assert moved.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert moved["Location"].endswith("/documents/astana-declaration-2024/")
    for url in ("/documents/", astana.get_absolute_url()):
        assert "/documents/astana-declaration-2024/" in fresh(client, url).content.decode()
    still_cached(client, other.get_absolute_url())


def test_an_initiative_linked_to_a_document_shows_on_both_pages(client, two_summits):
    _astana, _tianjin, declaration, other = two_summits
    initiative = InitiativeFactory(title="Green Belt")
    cached(client, declaration.get_absolute_url(), initiative.get_absolute_url(), other.get_absolute_url())

    initiative.documents.add(declaration)

    assert "Green Belt" in fresh(client, declaration.get_absolute_url()).content.decode()
    assert "Astana Declaration" in fresh(client, initiative.get_absolute_url()).content.decode()
    still_cached(client, other.get_absolute_url())


def test_a_new_membership_period_shows_on_its_states_page_and_the_states_list(client, two_summits):
    astana, _tianjin, _declaration, other = two_summits
    state = astana.host_state
    cached(client, state.get_absolute_url(), "/states/", other.get_absolute_url())

    MembershipFactory(state=state, start_date=datetime.date(2017, 6, 9))

    assert "2017" in fresh(client, state.get_absolute_url()).content.decode()
    fresh(client, "/states/")
    still_cached(client, other.get_absolute_url())


def test_a_page_names_what_it_shows_for_a_shared_cache_in_front(client, two_summits):
    astana, _tianjin, declaration, _other = two_summits
    keys = client.get(declaration.get_absolute_url())["Surrogate-Key"].split()
    assert f"document-{declaration.pk}" in keys
    assert f"summit-{astana.pk}" in keys
    assert "archive" in keys
    assert "document" not in keys  # a document's page is not a list: a publish elsewhere leaves it be
    assert "document" in client.get("/documents/")["Surrogate-Key"].split()


def test_facet_counts_are_served_stale_while_one_worker_counts_them_afresh(client, two_summits):
    """Never several workers counting the whole archive at once: the others serve the previous counts."""
    _astana, _tianjin, declaration, _other = two_summits
    client.get("/documents/")
    DocumentFactory(title="A third declaration")
    # Another worker is counting the facets right now (it holds the refresh lock).
    lock = archive_cache.refresh_lock("facets:document:en")
    assert cache.add(lock, 1, 30)

    stale = client.get("/documents/")
    assert "A third declaration" in stale.content.decode()  # the list itself is never stale
    assert facet_total(stale, "type") == 2  # the previous counts
    assert declaration.title in client.get(declaration.get_absolute_url()).content.decode()

    cache.delete(lock)  # that worker is done
    # A page made with the previous counts is served a few seconds at most, then made again. The worker making it
    # finds the counts due too: it serves them as they were and counts them once it has answered.
    with clock_moved_on(archive_cache.SUMMARY_LATE_SECONDS):
        due = client.get("/documents/")
        refreshed = client.get("/documents/")
    assert due["X-Cache"] == "miss"
    assert facet_total(due, "type") == 2
    assert refreshed["X-Cache"] == "miss"
    assert facet_total(refreshed, "type") == 3


def test_a_list_filtered_by_type_changes_only_with_documents_of_that_type(client, two_summits):
    _astana, _tianjin, declaration, _other = two_summits
    decisions, declarations = "/documents/?type=decision", "/documents/?type=declaration"
    cached(client, decisions, declarations, "/api/v1/documents/?type=decision")

    DocumentFactory(title="A new decision", document_type="decision")

    assert "A new decision" in fresh(client, decisions).content.decode()
    assert "A new decision" in fresh(client, "/api/v1/documents/?type=decision").content.decode()
    still_cached(client, declarations)

    declaration.document_type = "decision"  # it leaves one list and joins the other
    declaration.save()
    assert "Astana Declaration" in fresh(client, decisions).content.decode()
    assert "Astana Declaration" not in fresh(client, declarations).content.decode()


def test_a_topic_given_to_a_document_from_the_topics_side_refreshes_lists_filtered_by_type(client, two_summits):
    _astana, _tianjin, declaration, _other = two_summits
    energy = TopicFactory(slug="energy", name="Energy")
    both = "/documents/?type=declaration&topic=energy"
    cached(client, both)

    energy.documents.add(declaration)

    assert "Astana Declaration" in fresh(client, both).content.decode()


def test_facet_counts_on_a_page_the_change_leaves_are_refreshed_a_few_seconds_later(client, two_summits):
    decisions = "/documents/?type=decision"
    cached(client, decisions)
    DocumentFactory(title="Another declaration")  # not a decision: the list stays, its counts do not

    late = client.get(decisions)
    assert late["X-Cache"] == "hit"
    with clock_moved_on(archive_cache.SUMMARY_LATE_SECONDS):
        due = client.get(decisions)
        refreshed = client.get(decisions)
    assert due["X-Cache"] == "miss"
    assert facet_total(due, "type") == 2  # served as they were: its worker counts them once it has answered
    assert refreshed["X-Cache"] == "miss"
    assert facet_total(refreshed, "type") == 3


def test_a_tag_invalidated_and_then_evicted_never_passes_a_kept_value_as_fresh(any_cache):
    """The cache may evict any key. A value kept while its tag was never invalidated must not look fresh again
    once the tag has been invalidated and evicted (it would read "never invalidated" once more)."""
    assert archive_cache.cached_for_content("evicted", lambda: "before", shows=("topic-999",)) == "before"
    archive_cache.invalidate(["topic-999"])
    cache.delete(archive_cache.TAG_PREFIX + "topic-999")  # evicted
    assert archive_cache.cached_for_content("evicted", lambda: "after", shows=("topic-999",)) == "after"
    # Kept again: the tag is held once more, and the value stays fresh until it changes.
    assert archive_cache.cached_for_content("evicted", lambda: "again", shows=("topic-999",)) == "after"


def test_summaries_are_late_from_when_they_moved_not_from_when_the_page_was_made(client, two_summits):
    """A page kept for a minute is still served for a few seconds after a change moves its counts alone."""
    decisions = "/documents/?type=decision"
    cached(client, decisions)
    with clock_moved_on(60):
        DocumentFactory(title="Another declaration")  # not a decision: the list stays, its counts do not
        assert client.get(decisions)["X-Cache"] == "hit"  # late since now
    with clock_moved_on(60 + archive_cache.SUMMARY_LATE_SECONDS - 1):
        assert client.get(decisions)["X-Cache"] == "hit"
    with clock_moved_on(60 + archive_cache.SUMMARY_LATE_SECONDS):
        assert facet_total(client.get(decisions), "type") == 2  # made again; counted once it is answered
        refreshed = client.get(decisions)
    assert refreshed["X-Cache"] == "miss"
    assert facet_total(refreshed, "type") == 3


def test_pages_with_late_summaries_are_made_again_one_at_a_time_across_the_site(client, two_summits):
    """A publish moves the counts on every archive page: the site makes one of them again at a time while every
    other reader is served the page as it was; a page the change does show is made at once."""
    decisions, declarations = "/documents/?type=decision", "/documents/?type=declaration"
    cached(client, decisions, declarations)
    DocumentFactory(title="A new declaration")  # moves the declarations list, and the counts on both pages
    client.get(decisions)  # its counts are late from now
    assert cache.add(archive_cache.LATE_PAGE_SLOT, "another page", 60)  # another worker is making a late page
    with clock_moved_on(archive_cache.SUMMARY_LATE_SECONDS):
        assert client.get(decisions)["X-Cache"] == "hit"  # due, but the slot is taken: served as it was
        assert "A new declaration" in fresh(client, declarations).content.decode()  # its list moved: made at once
        cache.delete(archive_cache.LATE_PAGE_SLOT)  # that worker is done
        assert client.get(decisions)["X-Cache"] == "miss"  # with the counts as they were: counted once answered
        assert client.get(decisions)["X-Cache"] == "miss"  # with the new counts
        assert client.get(decisions)["X-Cache"] == "hit"
    assert cache.get(archive_cache.LATE_PAGE_SLOT) is None  # the page made as a late one gave the slot back


def test_a_value_made_in_a_request_begun_before_a_change_is_not_kept_as_fresh(any_cache):
    """A request's querysets take their moment of "now" as they are built: a record published after that moment
    and committed before the request reads it is missing from what the request makes. Such a value must be made
    again on the next request, however late in the request it was computed."""
    with tags.collecting() as shown:
        shown.started = archive_cache.clock_now()  # the request begins
        archive_cache.invalidate(["document"])  # a publish commits while it runs
        assert archive_cache.cached_for_content("begun-before", lambda: "without it", shows=("document",)) == (
            "without it"
        )
    assert archive_cache.cached_for_content("begun-before", lambda: "with it", shows=("document",)) == "with it"


# --- One worker makes a page; the others asking for it meanwhile wait for its answer -----------------------


def page_key_of(url: str) -> str:
    return archive_cache.page_key(RequestFactory().get(url))


def answer_from_another_worker(key: str, text: str) -> None:
    """What another worker does once it has made the page: keeps its answer, fresh, and gives its lock back."""
    before = cache.get(key)
    ticks = archive_cache.tag_times(before.seen)
    made_at = archive_cache.clock_now()
    cache.set(key, dataclasses.replace(before, value=HttpResponse(text), seen=ticks, made_at=made_at), 60)
    cache.delete(archive_cache.MAKING_PREFIX + key)


def test_readers_of_a_page_being_made_wait_for_its_answer_instead_of_making_it_again(client, any_cache, two_summits):
    cached(client, "/documents/")
    DocumentFactory(title="A new declaration")  # the archive's first page must be made again
    key = page_key_of("/documents/")
    assert cache.add(archive_cache.MAKING_PREFIX + key, "another worker", 60)  # which another worker is doing
    threading.Timer(0.05, answer_from_another_worker, (key, "Made by the other worker.")).start()

    response = client.get("/documents/")

    assert response.content.decode() == "Made by the other worker."
    assert response["X-Cache"] == "hit"


def test_a_reader_makes_the_page_itself_when_its_maker_does_not_answer_in_time(client, two_summits, monkeypatch):
    monkeypatch.setattr(archive_cache, "MAKER_WAIT_SECONDS", 0.05)
    cached(client, "/documents/")
    DocumentFactory(title="A new declaration")
    assert cache.add(archive_cache.MAKING_PREFIX + page_key_of("/documents/"), "a worker that died", 60)

    response = client.get("/documents/")

    assert response["X-Cache"] == "miss"
    assert "A new declaration" in response.content.decode()


def test_a_page_not_kept_gives_its_lock_back_at_once(client, two_summits):
    """An error page is not kept: the readers waiting for it stop waiting as soon as it is answered."""
    assert client.get("/documents/no-such-document/").status_code == HTTPStatus.NOT_FOUND
    assert cache.get(archive_cache.MAKING_PREFIX + page_key_of("/documents/no-such-document/")) is None
    assert client.get("/documents/")["X-Cache"] == "miss"
    assert cache.get(archive_cache.MAKING_PREFIX + page_key_of("/documents/")) is None


def test_a_value_another_worker_is_making_is_waited_for_not_made_again(any_cache):
    """An id block no worker may serve as it was: after a publish, the archive's pages asking for it at once wait
    for the one worker making it."""
    name = "list:ids:block-0"
    key, lock = archive_cache.derived_key(name), archive_cache.MAKING_PREFIX + archive_cache.derived_key(name)
    assert cache.add(lock, "another worker", 60)

    def keep_from_the_other_worker():
        started, generation = archive_cache.clock_now(), archive_cache.cache_generation()
        made = archive_cache.kept([3, 2, 1], tags.Shown(tags={"document"}), started, generation)
        cache.set(key, made, 60)
        cache.delete(lock)

    threading.Timer(0.05, keep_from_the_other_worker).start()
    made_here = []
    with tags.collecting() as shown:
        value = archive_cache.cached_for_content(name, lambda: made_here.append(1) or [1, 2, 3])

    assert value == [3, 2, 1] and made_here == []
    assert "document" in shown.tags  # the answer using it shows what it shows
    assert cache.get(lock) is None


@pytest.fixture
def two_topics(two_summits):
    """The Astana Declaration on energy, the Tianjin Declaration on security, each topic's list kept."""
    _astana, _tianjin, declaration, other = two_summits
    energy = TopicFactory(slug="energy", name="Energy")
    security = TopicFactory(slug="security", name="Security")
    declaration.topics.add(energy)
    other.topics.add(security)
    return energy, security, declaration, other


ENERGY, SECURITY = "/documents/?topic=energy", "/documents/?topic=security"


def test_a_document_published_on_one_topic_leaves_the_other_topics_lists_cached(client, any_cache, two_topics):
    energy, _security, _declaration, _other = two_topics
    draft = DocumentFactory(title="Energy Communique", draft=True)
    draft.topics.add(energy)
    api_security = "/api/v1/documents/?topic=security"
    cached(client, ENERGY, SECURITY, api_security, "/documents/?type=declaration&topic=security")

    draft.status, draft.published_at = PublicationStatus.PUBLISHED, timezone.now()
    draft.save()

    assert "Energy Communique" in fresh(client, ENERGY).content.decode()
    # Narrowed by its type first: any declaration moving may move it.
    assert "Energy Communique" not in fresh(client, "/documents/?type=declaration&topic=security").content.decode()
    still_cached(client, SECURITY)
    still_cached(client, api_security)


def test_a_document_moved_in_its_lists_refreshes_its_topics_lists(client, two_topics):
    _energy, _security, declaration, other = two_topics
    cached(client, ENERGY, SECURITY)

    declaration.status = PublicationStatus.DRAFT  # withdrawn
    declaration.save()

    assert "Astana Declaration" not in fresh(client, ENERGY).content.decode()
    still_cached(client, SECURITY)

    other.delete()

    assert "Tianjin Declaration" not in fresh(client, SECURITY).content.decode()


def test_a_topic_taken_from_a_document_refreshes_that_topics_list_only(client, two_topics):
    energy, security, declaration, other = two_topics
    cached(client, ENERGY, SECURITY)

    declaration.topics.remove(energy)

    assert "Astana Declaration" not in fresh(client, ENERGY).content.decode()
    still_cached(client, SECURITY)

    other.topics.clear()  # the links cleared are not named: every topic's list

    assert "Tianjin Declaration" not in fresh(client, SECURITY).content.decode()
    cached(client, ENERGY)
    security.documents.add(declaration)  # from the topic's side

    assert "Astana Declaration" in fresh(client, SECURITY).content.decode()
    still_cached(client, ENERGY)


def test_topic_counts_follow_a_documents_new_topic_a_few_seconds_later(client, two_topics):
    _energy, security, declaration, _other = two_topics
    cached(client, "/documents/")
    assert facet_total(client.get("/documents/"), "topic") == 2

    declaration.topics.add(security)

    with clock_moved_on(archive_cache.SUMMARY_LATE_SECONDS):
        client.get("/documents/")  # counted afresh once this is answered
        assert facet_total(client.get("/documents/"), "topic") == 3
