"""Whole-response caching for anonymous readers, invalidated by a content version.

Every save or delete of archive content raises one content version. The database keeps it (a one-row table,
raised in a statement of its own as soon as the change is committed), so an invalidation the cache could not
be told about is never lost; the cache keeps a short-lived copy, so a cached hit costs no database query. The
copy is trusted for ``VERSION_COPY_SECONDS``; after that the next request reads the version from the database
again (one small query, shared by every app server through the cache). A change replaces the copy at once when
the cache answers; when it does not (an outage), every server serves the new content at most
``VERSION_COPY_SECONDS`` after the cache is back: the bound for an edit or an unpublish made while the cache was
unreachable. The row is raised after the commit, not inside the change's transaction: held until a commit, its
lock would make concurrent writers that also lock records (a summit's state, a row being edited) deadlock.

Cached responses are keyed by the version and by the absolute address asked for (scheme, host, path and
query), since pages print absolute links. A record scheduled to go live later raises the version when its
time comes. If the cache is down the site keeps serving, uncached, and says so in its logs.
"""

import contextlib
import datetime
import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation

from chairmanship import languages

logger = logging.getLogger(__name__)

VERSION_KEY = "archive:content-version"
# The database's copy: one row (migration 0009), raised once each change is committed.
VERSION_TABLE = "chairmanship_content_version"
# How long the cache's copy of the content version is trusted before the database is asked again.
VERSION_COPY_SECONDS = 5
PAGE_TIMEOUT = 60 * 60
UNCACHED_PREFIXES = (
    "/admin/",
    "/preview/",
    "/healthz",
    "/api/schema",
    "/api/docs",
    "/api/redoc",
    "/static/",
    "/media/",
    # The open data page changes when a release is built, which no content version tells.
    "/data/",
)
# Stored as the next go-live moment when no record is scheduled (the year 10000: never).
NOTHING_SCHEDULED = datetime.datetime.max.replace(tzinfo=datetime.UTC).timestamp()


class CacheUnavailable(Exception):
    pass


def cache_call(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except Exception as error:  # the cache backend's own connection errors vary by backend
        logger.warning("Cache unavailable, serving uncached: %s", error)
        raise CacheUnavailable from error


def wall_clock() -> float:
    """Seconds since the epoch, shared by every app server (the copy's age is compared across them)."""
    return time.time()


def raise_stored_version(
    *, go_live: float | None = None, schedule: float | None = None, at_least: int = 0
) -> tuple[int, float | None]:
    """Raise the version the database keeps; return it and the next go-live moment.

    ``go_live`` is a record just scheduled (the earliest moment wins); ``schedule`` replaces the stored
    moment with one worked out afresh. The version never goes below the current time in microseconds (nor
    below ``at_least``), so a restored or recreated row cannot count again through numbers that keyed pages
    before.
    """
    if schedule is not None:
        next_go_live, parameters = "%s", [schedule]
    elif go_live is not None:
        # An unknown moment (NULL) stays unknown: it is worked out in full when next read.
        next_go_live, parameters = "CASE WHEN next_go_live > %s THEN %s ELSE next_go_live END", [go_live, go_live]
    else:
        next_go_live, parameters = "next_go_live", []
    floor = max(time.time_ns() // 1000, at_least)
    sql = (
        f"UPDATE {VERSION_TABLE} SET version = CASE WHEN version + 1 > %s THEN version + 1 ELSE %s END, "  # noqa: S608 (no input in the SQL text)
        f"next_go_live = {next_go_live} WHERE id = 1 RETURNING version, next_go_live"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [floor, floor, *parameters])
        row = cursor.fetchone()
        if row is None:  # the row is gone (a database emptied by hand): start it again
            cursor.execute(
                f"INSERT INTO {VERSION_TABLE} (id, version, next_go_live) VALUES (1, 0, NULL) ON CONFLICT (id) DO NOTHING"  # noqa: S608
            )
            return raise_stored_version(go_live=go_live, schedule=schedule, at_least=at_least)
    return row[0], row[1]


def read_stored_version() -> tuple[int, float]:
    """The version the database keeps and the next go-live moment, moving the version on once that has come."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version, next_go_live FROM {VERSION_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None or row[1] is None or row[1] <= wall_clock():
        # Records went live since the version was last raised (or the moment was never worked out).
        return raise_stored_version(schedule=next_go_live_timestamp())
    return row


def share_version(version: int, next_go_live: float | None) -> None:
    """Replace the cache's copy of the version; when the cache cannot be told, its old copy expires by itself."""
    try:
        cache.set(VERSION_KEY, (version, next_go_live or 0.0, wall_clock()), timeout=None)
    except Exception as error:  # the cache backend's own connection errors vary by backend
        logger.warning(
            "Cache unavailable, content change recorded in the database only (the cache follows within %s s): %s",
            VERSION_COPY_SECONDS,
            error,
        )


def content_version() -> int:
    """The current content version: the cache's copy while it is fresh, else the database's.

    Raises CacheUnavailable when the cache cannot be reached; a database error when the database cannot be
    reached and the cache holds no copy (with a copy, the last version known still holds: nothing can change
    in a database nobody reaches).
    """
    copy = cache_call(cache.get, VERSION_KEY)
    now = wall_clock()
    if copy is not None:
        version, next_go_live, read_at = copy
        if now - read_at < VERSION_COPY_SECONDS and now < next_go_live:
            return version
    try:
        version, next_go_live = read_stored_version()
    except DatabaseError:
        if copy is None:
            raise
        return copy[0]
    cache_call(cache.set, VERSION_KEY, (version, next_go_live, now), None)
    return version


def record_change(*, go_live: float | None = None, schedule: float | None = None) -> int:
    """Tell the cache at once (its copy moves to an interim version) and the database once the change is
    committed, with a version above the interim one: a page another server cached from the old rows while the
    transaction was open (under the interim version) is never reused.

    Without a cache the interim step is skipped; the database's step alone invalidates, within the copy's
    lifetime. The interim copy keeps the next go-live moment it had (or ``go_live``, if earlier).
    """
    copy = None
    with contextlib.suppress(CacheUnavailable):
        copy = cache_call(cache.get, VERSION_KEY)
    interim = max(time.time_ns() // 1000, copy[0] + 1 if copy else 0)
    next_go_live = min(copy[1] if copy else NOTHING_SCHEDULED, go_live or NOTHING_SCHEDULED)
    share_version(interim, next_go_live)

    def in_the_database():
        share_version(*raise_stored_version(go_live=go_live, schedule=schedule, at_least=interim + 1))

    transaction.on_commit(in_the_database, robust=True)
    return interim


def bump_content_version() -> int:
    """Invalidate every cached response after a change made without model signals (fixture loads, restores)."""
    return record_change(schedule=next_go_live_timestamp())


def next_go_live_timestamp() -> float:
    """When the earliest scheduled record goes live, so the version can move on by itself at that moment."""
    from chairmanship.models import Chairmanship, Document, Initiative, PublicationStatus, State, Summit

    now = timezone.now()
    upcoming = [
        model.objects.filter(status=PublicationStatus.PUBLISHED, published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
        for model in (State, Chairmanship, Summit, Document, Initiative)
    ]
    upcoming = [moment for moment in upcoming if moment is not None]
    return min(upcoming).timestamp() if upcoming else NOTHING_SCHEDULED


def scheduled_go_live(record) -> float | None:
    published_at = getattr(record, "published_at", None)
    if getattr(record, "status", None) == "published" and published_at and published_at > timezone.now():
        return published_at.timestamp()
    return None


def content_changed(sender, instance=None, **kwargs):
    if kwargs.get("raw"):
        # Fixture loads and restores bump the version once, when they are done.
        return
    if kwargs.get("action", "post").startswith("pre"):
        return  # a many-to-many change counts once, when it is done
    record_change(go_live=scheduled_go_live(instance))


def connect_signals(models) -> None:
    for model in models:
        post_save.connect(content_changed, sender=model, dispatch_uid=f"content-version-save-{model.__name__}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"content-version-delete-{model.__name__}")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                content_changed, sender=field.remote_field.through, dispatch_uid=f"content-version-m2m-{field}"
            )


def is_cacheable_request(request) -> bool:
    if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(UNCACHED_PREFIXES):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    # No session cookie means an anonymous reader, known without touching the database.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def page_key(request, version: int) -> str:
    """Keyed by the absolute address: pages print it (canonical link, og:url, sitemap, feed and API links)."""
    accept = request.headers.get("Accept", "")
    # A page's address carries its language; the API's answers vary by the negotiated one.
    language = languages.request_language(request)
    digest = hashlib.sha256(f"{request.build_absolute_uri()}\n{accept}\n{language}".encode()).hexdigest()
    return f"archive:page:{version}:{digest}"


def is_storable(response) -> bool:
    """Whether a response may be kept for everyone: a full, public answer that sets no cookie."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


def cached_for_content(name: str, compute):
    """A value derived from archive content, kept until the content changes; computed afresh if the cache is down."""
    try:
        key = f"archive:derived:{content_version()}:{translation.get_language()}:{name}"
    except CacheUnavailable:
        return compute()
    return _cached(key, compute, PAGE_TIMEOUT)


def cached_by_key(name: str, compute, timeout: int = PAGE_TIMEOUT):
    """A value wholly determined by ``name`` (a digest of everything it is made from), so no change of content
    can make it stale: it is kept without the content version. Computed afresh if the cache is down."""
    return _cached(f"archive:keyed:{name}", compute, timeout)


def _cached(key: str, compute, timeout: int):
    try:
        value = cache_call(cache.get, key)
    except CacheUnavailable:
        return compute()
    if value is None:
        value = compute()
        with contextlib.suppress(CacheUnavailable):
            cache_call(cache.set, key, value, timeout)
    return value
