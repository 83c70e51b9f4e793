"""Whole-response caching for anonymous readers, invalidated by a content version.

Every save or delete of archive content raises one shared version number (kept in the cache itself, so
every app server sees it at once); cached responses are keyed by that version, so nothing stale is served
after a publish, an edit or an unpublish. A record scheduled to go live later raises the version when its
time comes. If the cache is down the site keeps serving, uncached, and says so in its logs.
"""

import contextlib
import datetime
import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)

VERSION_KEY = "archive:content-version"
NEXT_GO_LIVE_KEY = "archive:next-go-live"
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
)


class CacheUnavailable(Exception):
    pass


def _cache_call(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except Exception as error:  # the cache backend's own connection errors vary by backend
        logger.warning("Cache unavailable, serving uncached: %s", error)
        raise CacheUnavailable from error


NOTHING_SCHEDULED = float("inf")


def start_version() -> int:
    """Sets the version when the key is missing, to a number no earlier version can have held: when the
    key is lost (a cache restarted, or the key culled), counting again from 1 could meet pages cached
    under those numbers before. Another process may start it at the same moment; both read the winner's."""
    cache.add(VERSION_KEY, time.time_ns() // 1000, timeout=None)
    return cache.get(VERSION_KEY, 0)


def content_version() -> int:
    """The current content version; raises CacheUnavailable when the cache cannot be reached."""
    values = _cache_call(cache.get_many, [VERSION_KEY, NEXT_GO_LIVE_KEY])
    version = values.get(VERSION_KEY)
    if version is None:
        version = _cache_call(start_version)
    go_live = values.get(NEXT_GO_LIVE_KEY)
    if go_live is None:
        # A cache that has never seen a change (or was just restarted) learns when the next record goes live.
        _cache_call(cache.set, NEXT_GO_LIVE_KEY, next_go_live_timestamp(), None)
    elif go_live <= timezone.now().timestamp():
        version = bump_content_version()
        _cache_call(cache.set, NEXT_GO_LIVE_KEY, next_go_live_timestamp(), None)
    return version


def bump_content_version(*, go_live: datetime.datetime | None = None) -> int:
    """Invalidate every cached response; ``go_live`` is when a record just scheduled will appear.

    Safe to call when the cache is down (then there is nothing to invalidate).
    """
    try:
        try:
            version = cache.incr(VERSION_KEY)
        except ValueError:  # the key does not exist (yet, or any more)
            version = start_version()
        if go_live is not None:
            earliest = cache.get(NEXT_GO_LIVE_KEY)
            if earliest is None or go_live.timestamp() < earliest:
                cache.set(NEXT_GO_LIVE_KEY, go_live.timestamp(), timeout=None)
        return version
    except Exception as error:
        logger.warning("Cache unavailable, could not record a content change: %s", error)
        return 0


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


def scheduled_go_live(record) -> datetime.datetime | None:
    published_at = getattr(record, "published_at", None)
    if getattr(record, "status", None) == "published" and published_at and published_at > timezone.now():
        return published_at
    return None


def content_changed(sender, instance=None, **kwargs):
    if kwargs.get("raw"):
        # Fixture loads and restores bump the version once, when they are done.
        return
    go_live = scheduled_go_live(instance)
    bump_content_version(go_live=go_live)
    # Once more after the commit: a page another server cached from the old rows meanwhile is never reused.
    transaction.on_commit(lambda: bump_content_version(go_live=go_live))


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
    accept = request.headers.get("Accept", "")
    digest = hashlib.sha256(f"{request.get_full_path()}\n{accept}".encode()).hexdigest()
    return f"archive:page:{version}:{digest}"


class AnonymousPageCacheMiddleware:
    """Serves anonymous GETs of public pages and API reads from the shared cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable_request(request):
            return self.get_response(request)
        try:
            key = page_key(request, content_version())
            cached = _cache_call(cache.get, key)
        except CacheUnavailable:
            return self.get_response(request)

        if cached is not None:
            cached["X-Cache"] = "hit"
            # Revalidated like a fresh answer (If-None-Match, 304) by chairmanship.validators, above this.
            return cached

        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept"))
        if self.storable(response):
            with contextlib.suppress(CacheUnavailable):
                _cache_call(cache.set, key, response, PAGE_TIMEOUT)
        response["X-Cache"] = "miss"
        return response

    @staticmethod
    def storable(response) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        cache_control = response.get("Cache-Control", "")
        return "private" not in cache_control and "no-store" not in cache_control


def remember(name: str, compute):
    """A value derived from archive content, kept until the content changes; computed afresh if the cache is down."""
    try:
        key = f"archive:derived:{content_version()}:{name}"
        value = _cache_call(cache.get, key)
    except CacheUnavailable:
        return compute()
    if value is None:
        value = compute()
        with contextlib.suppress(CacheUnavailable):
            _cache_call(cache.set, key, value, PAGE_TIMEOUT)
    return value
