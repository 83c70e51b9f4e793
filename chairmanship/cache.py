"""Whole-response caching for anonymous readers, invalidated by tag: a change invalidates only what shows it.

**What is kept.** An anonymous GET of a public page or API read is kept whole, keyed by its absolute address
(pages print it), its Accept header and language. With it are kept the tags of everything it was made from
(``chairmanship.tags``: every record loaded, every list it shows), each tag's last invalidation as seen once
the answer was made, and the tick of the cache's clock when the answer began to be made. Totals, id blocks,
facet counts and API ETags are kept the same way (``cached_for_content``).

**When it is fresh.** The cache keeps one clock, a counter every invalidation moves on (so app servers never
compare their own clocks). A change sets each of its tags to a new tick, once at once and again after its
transaction commits. A kept answer is served while each of its tags still holds what it saw and no tag moved
past the tick the answer began at: an answer made on any server from the rows before a commit is never
reused. A tag evicted from the cache no longer holds what the answer saw, so the answers that saw it are made
again: an eviction never brings back a stale answer.

**Summaries served a few seconds late.** Facet counts and totals (``stale_ok``) are served from their previous
value while one worker (a lock in the cache) makes the new one; an answer made from such a value counts as
made when the value was, so it is made again once the new value is there.

**When the cache cannot be told.** The database keeps a generation (a one-row table), raised by a fixture load
or restore and by a change committed while the cache was unreachable. Every kept answer carries the generation
it was made in; the cache keeps a copy trusted for ``VERSION_COPY_SECONDS``, so every server stops serving
answers of an older generation at most that long after the cache is back. The row also counts every change
(``version``: open data releases compare it) and holds the next moment a scheduled record goes live, when
the tags of the records that went live are invalidated. If the cache is down the site serves uncached.
"""

import contextlib
import contextvars
import datetime
import hashlib
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation

from chairmanship import languages, purge, tags

logger = logging.getLogger(__name__)

VERSION_KEY = "archive:content-version"
TAG_PREFIX = "archive:tag:"
# When each tag last moved on, by the wall clock.
MOVED_PREFIX = "archive:tag-moved:"
CLOCK_KEY = "archive:clock"
# The database's row (migrations 0009 and 0015): the generation, the change count, the next go-live moment.
VERSION_TABLE = "chairmanship_content_version"
# How long the cache's copy of the generation is trusted before the database is asked again.
VERSION_COPY_SECONDS = 5
# How long one worker may take to make a summary before another one tries.
REFRESH_LOCK_SECONDS = 30
# How late an answer's summaries (facet counts, totals) may be: after a change moves them on, an answer made
# before is served this long, then made again by one worker while the others go on serving it.
SUMMARY_LATE_SECONDS = 10
# Pages whose summaries alone moved on are made again one at a time across the site: one worker makes one while
# every other serves what it has, so a publish, which moves the counts on every archive page, costs readers one
# worker at most. How long one page may take before another worker may make the next.
LATE_PAGE_SLOT = "archive:making-late-page"
LATE_PAGE_SLOT_SECONDS = 5
# A page no worker may serve as it was (missing, or showing what changed) is made by one worker while the others
# asking for it wait for its answer, up to MAKER_WAIT_SECONDS, checking every MAKER_POLL_SECONDS (then they make
# it too). The lock outlives a worker that died making it by MAKING_LOCK_SECONDS at most.
MAKING_PREFIX = "archive:making:"
MAKING_LOCK_SECONDS = 10
MAKER_WAIT_SECONDS = 0.5
MAKER_POLL_SECONDS = 0.01
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
    # The open data page changes when a release is built, which no change of content tells.
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
    """Seconds since the epoch, shared by every app server (tag times are compared across them)."""
    return time.time()


# --- The database's row ------------------------------------------------------------------------------------


def raise_stored_version(
    *, go_live: float | None = None, schedule: float | None = None, flush: bool = False, at_least: int = 0
) -> tuple[int, float | None]:
    """Count a change in the database; with ``flush``, raise the generation too. Return the generation and the
    next go-live moment.

    ``go_live`` is a record just scheduled (the earliest moment wins); ``schedule`` replaces the stored moment
    with one worked out afresh. The generation never goes below the current time in microseconds, so a
    restored or recreated row cannot count again through numbers that answers were kept under before (nor
    below ``at_least``).
    """
    if schedule is not None:
        next_go_live, parameters = "%s", [schedule]
    elif go_live is not None:
        # An unknown moment (NULL) stays unknown: it is worked out in full when next read.
        next_go_live, parameters = "CASE WHEN next_go_live > %s THEN %s ELSE next_go_live END", [go_live, go_live]
    else:
        next_go_live, parameters = "next_go_live", []
    floor = max(time.time_ns() // 1000, at_least)
    generation = "CASE WHEN generation + 1 > %s THEN generation + 1 ELSE %s END" if flush else "generation"
    generation_parameters = [floor, floor] if flush else []
    sql = (
        f"UPDATE {VERSION_TABLE} SET version = version + 1, generation = {generation}, "  # noqa: S608 (no input in the SQL text)
        f"next_go_live = {next_go_live} WHERE id = 1 RETURNING generation, next_go_live"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*generation_parameters, *parameters])
        row = cursor.fetchone()
        if row is None:  # the row is gone (a database emptied by hand): start it again, as a flush
            cursor.execute(
                f"INSERT INTO {VERSION_TABLE} (id, version, generation, next_go_live) VALUES (1, 0, 0, NULL) "  # noqa: S608
                "ON CONFLICT (id) DO NOTHING"
            )
            return raise_stored_version(go_live=go_live, schedule=schedule, flush=True, at_least=at_least)
    return row[0], row[1]


def read_stored_version() -> tuple[int, float]:
    """The generation the database keeps and the next go-live moment; records that went live since the moment
    came have their tags invalidated first."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation, next_go_live FROM {VERSION_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None or row[1] is None:
        # The moment was never worked out (a recreated row): start afresh.
        return raise_stored_version(schedule=next_go_live_timestamp(), flush=True)
    if row[1] <= wall_clock():
        return went_live(since=row[1])
    return row


def went_live(*, since: float) -> tuple[int, float]:
    """Invalidates the tags of the records whose publication time came since ``since``; one server does it
    (the one whose update moves the stored moment on), the others read the result."""
    from chairmanship.models import PublicationStatus
    from chairmanship.publication import PUBLISHABLE_MODELS

    now = timezone.now()
    next_moment = next_go_live_timestamp()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {VERSION_TABLE} SET version = version + 1, next_go_live = %s WHERE id = 1 AND next_go_live = %s",  # noqa: S608
            [next_moment, since],
        )
        won = cursor.rowcount == 1
    if won:
        live = datetime.datetime.fromtimestamp(since, tz=datetime.UTC)
        changed = set()
        for model in PUBLISHABLE_MODELS:
            for record in model.objects.filter(
                status=PublicationStatus.PUBLISHED, published_at__gte=live, published_at__lte=now
            ):
                changed |= tags.tags_for_change(record, created=True, linked=True)
        if not invalidate_or_flush(changed):
            return raise_stored_version(flush=True)
        purge.purge_after_commit(changed)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation, next_go_live FROM {VERSION_TABLE} WHERE id = 1")  # noqa: S608
        return cursor.fetchone()


def share_version(generation: int, next_go_live: float | None) -> None:
    """Replace the cache's copy of the generation; when the cache cannot be told, its old copy expires by itself."""
    try:
        cache.set(VERSION_KEY, (generation, next_go_live or 0.0, wall_clock()), timeout=None)
    except Exception as error:  # the cache backend's own connection errors vary by backend
        logger.warning(
            "Cache unavailable, content change recorded in the database only (the cache follows within %s s): %s",
            VERSION_COPY_SECONDS,
            error,
        )


def _generation_from(copy) -> int:
    """The generation: the cache's copy while it is fresh, else the database's (the copy is then renewed)."""
    now = wall_clock()
    read = _read_this_request.get()
    if copy is not None:
        generation, next_go_live, read_at = copy
        if now - read_at < VERSION_COPY_SECONDS and now < next_go_live:
            if read is not None:
                read[VERSION_KEY] = copy
            return generation
    try:
        generation, next_go_live = read_stored_version()
    except DatabaseError:
        if copy is None:
            raise
        return copy[0]
    cache_call(cache.set, VERSION_KEY, (generation, next_go_live, now), None)
    if read is not None:
        read[VERSION_KEY] = (generation, next_go_live, now)
    return generation


def cache_generation() -> int:
    """The current generation. Raises CacheUnavailable when the cache cannot be reached; a database error when
    the database cannot be reached and the cache holds no copy."""
    return _generation_from(cache_call(cache.get, VERSION_KEY))


def next_go_live_copy() -> float | None:
    """The next go-live moment as the cache's copy has it (None when unknown or the cache is down); as this
    request read it, where it did."""
    read = _read_this_request.get()
    if read is not None and VERSION_KEY in read:
        copy = read[VERSION_KEY]
    else:
        try:
            copy = cache_call(cache.get, VERSION_KEY)
        except CacheUnavailable:
            return None
    return copy[1] if copy and copy[1] < NOTHING_SCHEDULED else None


def content_version() -> int:
    """How many changes the database has counted (open data releases compare it with the last one they saw)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else 0


# --- Tags --------------------------------------------------------------------------------------------------


def _tick() -> int:
    """Moves the cache's clock on and returns its new tick. A clock the cache lost starts again from the time in
    microseconds, above any tick it gave before. Raises CacheUnavailable."""
    try:
        return cache.incr(CLOCK_KEY)
    except ValueError:  # no clock kept
        cache_call(cache.add, CLOCK_KEY, time.time_ns() // 1000, None)
        return cache_call(cache.incr, CLOCK_KEY)
    except Exception as error:  # the cache backend's own connection errors vary by backend
        logger.warning("Cache unavailable, serving uncached: %s", error)
        raise CacheUnavailable from error


def _now_tick(found: dict) -> int:
    """The clock's tick read with other keys (``found``); started when the cache has none."""
    tick = found.get(CLOCK_KEY)
    if tick is None:
        cache_call(cache.add, CLOCK_KEY, time.time_ns() // 1000, None)
        tick = cache_call(cache.get, CLOCK_KEY)
    return tick or 0


def clock_now() -> int | None:
    """The cache clock's tick now (None while the cache is down)."""
    try:
        return _now_tick(cache_call(cache.get_many, [CLOCK_KEY]))
    except CacheUnavailable:
        return None


def _begun_at(found: dict) -> int:
    """The tick a value made now begins at: the request's own start when it began earlier. Its querysets took
    their moment of "now" (which records are published) when they were built, so a record published after that
    and committed before the value is read must count as a change after the value began. Raises
    CacheUnavailable."""
    tick = _now_tick(found)
    shown = tags.current()
    return tick if shown is None or shown.started is None else min(tick, shown.started)


def invalidate(names) -> None:
    """Sets each tag to a new tick of the cache's clock, noting the moment by the wall clock (from which a summary
    that moved on counts as late). Raises CacheUnavailable."""
    tick, moment = _tick(), wall_clock()
    moved = {MOVED_PREFIX + name: moment for name in names}
    cache_call(cache.set_many, {**{TAG_PREFIX + name: tick for name in names}, **moved}, None)
    if (read := _read_this_request.get()) is not None:
        for name in names:
            read.pop(name, None)
            read.pop(MOVED_PREFIX + name, None)


# The tags' ticks read so far in the request being answered (``remembering_tags``). A page checks a dozen kept
# values and rows that share tags (the archive's, the documents list's...); each tag is read once. A value found
# fresh against a tick read earlier in the request was fresh after the request began, which is when the answer
# is kept as begun; a tag that moved since is read as it was, so the value is made again, never passed as fresh.
# The moments tags moved at (``MOVED_PREFIX`` + name: how late a summary is) and the generation's copy
# (``VERSION_KEY``) are remembered in it too.
_read_this_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "archive_read_this_request", default=None
)


@contextlib.contextmanager
def remembering_tags():
    token = _read_this_request.set({})
    try:
        yield
    finally:
        _read_this_request.reset(token)


def invalidate_or_flush(names) -> bool:
    """Invalidates the tags; False when the cache could not be told (the caller raises the generation)."""
    try:
        invalidate(names)
    except CacheUnavailable:
        return False
    return True


def tag_times(names) -> dict:
    """Each tag's last invalidation (None: none kept), each read once a request (``remembering_tags``). Raises
    CacheUnavailable."""
    names = sorted(names)
    read = _read_this_request.get()
    if read is None:
        found = cache_call(cache.get_many, [TAG_PREFIX + name for name in names])
        return {name: found.get(TAG_PREFIX + name) for name in names}
    if missing := [name for name in names if name not in read]:
        found = cache_call(cache.get_many, [TAG_PREFIX + name for name in missing])
        read.update({name: found.get(TAG_PREFIX + name) for name in missing})
    return {name: read[name] for name in names}


def moved_moments(names) -> dict:
    """The wall-clock moment each tag last moved at (None: not kept), each read once a request. Raises
    CacheUnavailable."""
    read = _read_this_request.get()
    if read is None:
        read = {}
    keys = [MOVED_PREFIX + name for name in names]
    if missing := [key for key in keys if key not in read]:
        found = cache_call(cache.get_many, missing)
        read.update({key: found.get(key) for key in missing})
    return {name: read[MOVED_PREFIX + name] for name in names}


def times_to_keep(names, started: int) -> dict:
    """Each tag's tick, as an answer begun at ``started`` and kept now records it. A tag the cache does not hold
    (never invalidated, or evicted) is given ``started``: once it is evicted again, or invalidated, the answer no
    longer matches it and is made again. Were None kept, a tag invalidated and then evicted would read None
    again and pass a stale answer as fresh. Raises CacheUnavailable."""
    found = tag_times(names)
    for name, tick in found.items():
        if tick is None:
            # ``add``: a change invalidating the tag meanwhile is not overwritten, and its tick is read instead.
            added = cache_call(cache.add, TAG_PREFIX + name, started, None)
            found[name] = started if added else cache_call(cache.get, TAG_PREFIX + name)
            if (read := _read_this_request.get()) is not None:
                read[name] = found[name]
    return found


_bulk_change: contextvars.ContextVar[bool] = contextvars.ContextVar("archive_bulk_change", default=False)


@contextlib.contextmanager
def one_change_for_all():
    """For loads that write thousands of records (fixtures, restores): no record's change is recorded on its
    own; the caller invalidates everything once it is done (``bump_content_version``)."""
    token = _bulk_change.set(True)
    try:
        yield
    finally:
        _bulk_change.reset(token)


def record_change(names, *, go_live: float | None = None) -> None:
    """Invalidates ``names`` at once and again after the commit, counts the change in the database, and purges
    a shared HTTP cache in front. A change the cache could not be told about raises the generation."""
    if _bulk_change.get():
        return
    with contextlib.suppress(CacheUnavailable):
        invalidate(names)

    def after_commit():
        told = invalidate_or_flush(names)
        generation, next_go_live = raise_stored_version(go_live=go_live, flush=not told)
        if not told or go_live is not None:
            share_version(generation, next_go_live)

    transaction.on_commit(after_commit, robust=True)
    purge.purge_after_commit(names)


def bump_content_version() -> None:
    """Invalidates every cached answer after a change made without model signals (fixture loads, restores):
    the cache's copy moves to an interim generation at once, the database's above it once committed."""
    copy = None
    with contextlib.suppress(CacheUnavailable):
        invalidate([tags.ARCHIVE])
        copy = cache_call(cache.get, VERSION_KEY)
    interim = max(time.time_ns() // 1000, copy[0] + 1 if copy else 0)
    share_version(interim, copy[1] if copy else NOTHING_SCHEDULED)

    def after_commit():
        share_version(*raise_stored_version(schedule=next_go_live_timestamp(), flush=True, at_least=interim + 1))

    transaction.on_commit(after_commit, robust=True)
    purge.purge_after_commit([tags.ARCHIVE])


def next_go_live_timestamp() -> float:
    """When the earliest scheduled record goes live, so its tags can be invalidated at that moment."""
    from chairmanship.models import PublicationStatus
    from chairmanship.publication import PUBLISHABLE_MODELS

    now = timezone.now()
    upcoming = [
        model.objects.filter(status=PublicationStatus.PUBLISHED, published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
        for model in PUBLISHABLE_MODELS
    ]
    upcoming = [moment for moment in upcoming if moment is not None]
    return min(upcoming).timestamp() if upcoming else NOTHING_SCHEDULED


def scheduled_go_live(record) -> float | None:
    published_at = getattr(record, "published_at", None)
    if getattr(record, "status", None) == "published" and published_at and published_at > timezone.now():
        return published_at.timestamp()
    return None


def record_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return  # fixture loads and restores invalidate everything once, when they are done
    if not _bulk_change.get():  # nor is what a bulk load's change touches read (a document's links: a query)
        record_change(tags.tags_for_change(instance, created=created), go_live=scheduled_go_live(instance))
    tags.forget_loaded(instance)


def record_deleted(sender, instance, **kwargs):
    if not _bulk_change.get():
        record_change(tags.tags_for_change(instance, deleted=True))


def relation_changed(sender, instance, action, model, pk_set, reverse=False, **kwargs):
    if action.startswith("pre") or _bulk_change.get():
        return  # a many-to-many change counts once, when it is done
    record_change(tags.tags_for_relation_change(instance, model, pk_set, reverse=reverse))


def connect_signals(models) -> None:
    for model in models:
        post_save.connect(record_saved, sender=model, dispatch_uid=f"content-version-save-{model.__name__}")
        post_delete.connect(record_deleted, sender=model, dispatch_uid=f"content-version-delete-{model.__name__}")
        for relation in model._meta.many_to_many:
            m2m_changed.connect(
                relation_changed, sender=relation.remote_field.through, dispatch_uid=f"content-version-m2m-{relation}"
            )


# --- Kept answers ------------------------------------------------------------------------------------------


def is_cacheable_request(request) -> bool:
    if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(UNCACHED_PREFIXES):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    # No session cookie means an anonymous reader, known without touching the database.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def page_key(request) -> str:
    """Keyed by the absolute address: pages print it (canonical link, og:url, sitemap, feed and API links)."""
    accept = request.headers.get("Accept", "")
    # A page's address carries its language; the API's answers vary by the negotiated one.
    language = languages.request_language(request)
    digest = hashlib.sha256(f"{request.build_absolute_uri()}\n{accept}\n{language}".encode()).hexdigest()
    return f"archive:page:{digest}"


def is_storable(response) -> bool:
    """Whether a response may be kept for everyone: a full, public answer that sets no cookie."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


@dataclass(frozen=True)
class Kept:
    """A stored answer or value: each tag's tick as seen once it was made (its summaries' apart), the tick it
    was begun at, its generation, and when it was made by the wall clock (for ``SUMMARY_LATE_SECONDS``)."""

    value: object
    seen: dict
    summaries_seen: dict
    made_at: int
    summaries_made_at: int
    generation: int
    made_wall: float

    @property
    def names(self) -> set:
        return {*self.seen, *self.summaries_seen}


def kept(value, shown: tags.Shown, started: int, generation: int) -> Kept:
    """Raises CacheUnavailable."""
    hard = shown.tags | {tags.ARCHIVE}
    seen = times_to_keep(hard | shown.summaries, started)
    return Kept(
        value,
        {name: seen[name] for name in hard},
        {name: seen[name] for name in shown.summaries},
        started,
        started if shown.summaries_made_at is None else min(started, shown.summaries_made_at),
        generation,
        wall_clock(),
    )


def _moved(seen: dict, now: dict, made_at: int) -> bool:
    return any(now[name] != tick or (tick is not None and tick > made_at) for name, tick in seen.items())


def freshness(entry: Kept, generation: int) -> str:
    """For a stored ``Kept``: "fresh"; "stale" (a tag moved on, or a generation passed: never served); "late"
    (only its summaries moved on, less than ``SUMMARY_LATE_SECONDS`` ago: served); "due" (later than that: made
    again by one worker while the others serve it). Raises CacheUnavailable."""
    if entry.generation != generation:
        return "stale"
    now = tag_times(entry.names)
    if _moved(entry.seen, now, entry.made_at):
        return "stale"
    if not _moved(entry.summaries_seen, now, entry.summaries_made_at):
        return "fresh"
    # Late since the summaries it shows moved on, whenever it was made: a page kept for an hour is still served
    # for a few seconds after a publish moves its counts, and one made with counts already late is not.
    moved = [
        name
        for name, tick in entry.summaries_seen.items()
        if now[name] != tick or (tick is not None and tick > entry.summaries_made_at)
    ]
    moments = moved_moments(moved)
    since = max((moment for moment in moments.values() if moment is not None), default=None)
    # None: the moments were evicted, so it is due
    return "late" if since is not None and wall_clock() - since < SUMMARY_LATE_SECONDS else "due"


@dataclass(frozen=True)
class PageLookup:
    """What ``lookup_page`` found: the answer to serve (None: make it), the tick a new one begins at, the generation
    to keep it under, and the locks this worker took to make it ({key: value}, given back by ``release``)."""

    cached: object
    started: int | None
    generation: int
    holding: dict = field(default_factory=dict)


def lookup_page(key: str) -> PageLookup:
    """The kept answer at ``key`` if it may be served, else what making it needs. Raises CacheUnavailable, or a
    database error (no copy of the generation and no database)."""
    found = cache_call(cache.get_many, [VERSION_KEY, CLOCK_KEY, key])
    generation = _generation_from(found.get(VERSION_KEY))
    entry = found.get(key)
    state = freshness(entry, generation) if isinstance(entry, Kept) else "missing"
    if state in ("fresh", "late"):
        return PageLookup(entry.value, None, generation)
    if state == "due":
        # Made again by the worker that takes the site's one slot for such pages; every other worker serves it as it
        # is meanwhile.
        if not cache_call(cache.add, LATE_PAGE_SLOT, key, LATE_PAGE_SLOT_SECONDS):
            return PageLookup(entry.value, None, generation)
        return PageLookup(None, _now_tick(found), generation, {LATE_PAGE_SLOT: key})
    # Missing, or it shows what changed: one worker makes it, and every other asking meanwhile waits for its answer
    # rather than make the same page (after a publish, the home page is asked for several times at once).
    lock, token = MAKING_PREFIX + key, uuid.uuid4().hex
    if cache_call(cache.add, lock, token, MAKING_LOCK_SECONDS):
        return PageLookup(None, _now_tick(found), generation, {lock: token})
    if (made := _made_by_another(lock, key, generation)) is not None:
        return PageLookup(made.value, None, generation)
    return PageLookup(None, _now_tick(found), generation)


def _made_by_another(lock: str, key: str, generation: int) -> Kept | None:
    """What another worker, holding ``lock``, keeps at ``key``, once it is there and may be served; None if it is
    not by ``MAKER_WAIT_SECONDS`` (that worker is slow, failed or made an answer that is not kept)."""
    deadline = time.monotonic() + MAKER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(MAKER_POLL_SECONDS)
        if cache_call(cache.get, lock) is None:
            break
    entry = cache_call(cache.get, key)
    if isinstance(entry, Kept) and freshness(entry, generation) in ("fresh", "late"):
        return entry
    return None


def keep_page(key: str, response, shown: tags.Shown, started: int, generation: int) -> None:
    with contextlib.suppress(CacheUnavailable):
        cache_call(cache.set, key, kept(response, shown, started, generation), PAGE_TIMEOUT)


def release(holding: dict) -> None:
    """Gives back the locks ``lookup_page`` took, whether the answer was kept or not: each only while it is still
    this worker's (a lock that expired may be another's now)."""
    if not holding:
        return
    with contextlib.suppress(CacheUnavailable):
        held = cache_call(cache.get_many, list(holding))
        cache_call(cache.delete_many, [lock for lock, value in holding.items() if held.get(lock) == value])


# The summaries the request being answered serves as they were, to be made afresh once its answer is sent
# (``deferring_refreshes``).
_deferred: contextvars.ContextVar[list | None] = contextvars.ContextVar("archive_deferred", default=None)


@contextlib.contextmanager
def deferring_refreshes():
    """Within: a summary this worker is to make afresh is served as it was, and made once the answer is sent
    (``run_deferred``, which the caller arranges). Yields the list of what is to be made."""
    pending = []
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)


def run_deferred(pending: list) -> None:
    """Makes the summaries a request deferred; a failure is logged and leaves the previous value kept (its refresh
    lock expires, and another request makes it)."""
    for refresh in pending:
        try:
            refresh()
        except Exception:  # after the answer is sent, nobody else would hear of it
            logger.exception("A deferred refresh failed")


def cached_for_content(name: str, compute, *, shows=(), stale_ok: bool = False, late_ok=(), deferrable: bool = False):
    """A value derived from archive content, kept until what it was made from changes (its tags: what
    ``compute`` loads, and ``shows``); computed afresh if the cache is down.

    With ``stale_ok`` (summaries: totals, facet counts), a value whose tags moved on is served as it was while
    one worker makes the new one, and an answer using it takes its tags as the tags of a summary. ``late_ok``
    names tags whose moves alone let it be served as it was for ``SUMMARY_LATE_SECONDS`` too, before one worker
    makes it again: the counted records' list for facet counts and the forms and charts showing them (not a
    renamed topic they name, nor a list's total, which pages the list).

    Where its request defers refreshes (``deferring_refreshes``: reading pages), the worker making a summary afresh
    serves it as it was too, and makes it once its answer is sent, so that no reader waits for a recount: a summary
    whose late time is over (only its ``late_ok`` tags moved), and a ``deferrable`` one (a list's total, a few
    milliseconds late). A summary naming what changed (a renamed topic) is made at once.
    """
    tags.show(*shows, summary=stale_ok)
    key = derived_key(name)
    try:
        found = cache_call(cache.get_many, [VERSION_KEY, CLOCK_KEY, key])
        generation = _generation_from(found.get(VERSION_KEY))
        started = _begun_at(found)
        entry = found.get(key)
        state = freshness(entry, generation) if isinstance(entry, Kept) else "missing"
        if state == "fresh":
            tags.show(*entry.names, summary=stale_ok)
            return entry.value
        if state != "missing" and stale_ok and entry.generation == generation:
            pending = _deferred.get()
            # Late (moved on less than SUMMARY_LATE_SECONDS ago), or another worker is making it afresh, or this one
            # will once its answer is sent.
            serve_as_it_was = (state == "late" and late_ok) or not cache_call(
                cache.add, refresh_lock(name), 1, REFRESH_LOCK_SECONDS
            )
            if not serve_as_it_was and pending is not None and (state == "due" or deferrable):
                language = translation.get_language()
                pending.append(lambda: _refresh_later(language, name, compute, shows, late_ok, started, generation))
                serve_as_it_was = True
            if serve_as_it_was:
                tags.show(*entry.names, summary=True)  # the previous value meanwhile
                if (shown := tags.current()) is not None:
                    shown.summaries_older_than(entry.made_at)
                return entry.value
        holding = {}
        if not stale_ok:
            # Never served as it was (an id block): one worker makes it while the others wait for it, as for pages.
            lock, token = MAKING_PREFIX + key, uuid.uuid4().hex
            if cache_call(cache.add, lock, token, MAKING_LOCK_SECONDS):
                holding = {lock: token}
            elif (made := _made_by_another(lock, key, generation)) is not None:
                tags.show(*made.names)
                return made.value
    except CacheUnavailable:
        return compute()
    try:
        return _make_and_keep(name, compute, shows, stale_ok, late_ok, started, generation)
    finally:
        release(holding)


def _make_and_keep(name: str, compute, shows, stale_ok: bool, late_ok, started: int, generation: int):
    """Computes a ``cached_for_content`` value and keeps it as begun at ``started``."""
    with tags.collecting(summary=stale_ok) as shown:
        tags.show(*shows)
        value = compute()
    late = shown.tags & set(late_ok)
    shown.summaries |= late
    shown.tags -= late
    with contextlib.suppress(CacheUnavailable):
        cache_call(cache.set, derived_key(name), kept(value, shown, started, generation), PAGE_TIMEOUT)
        if stale_ok:
            cache_call(cache.delete, refresh_lock(name))
    return value


def _refresh_later(language: str, name: str, compute, shows, late_ok, started: int, generation: int) -> None:
    """A summary made after the answer that served it as it was: in that answer's language, begun when that
    answer began (its querysets took their moment then), so a change since makes it stale."""
    with translation.override(language):
        _make_and_keep(name, compute, shows, True, late_ok, started, generation)


def cached_per_record(name: str, ids: list, make) -> dict:
    """Pieces made from one record each (a list's rows, rendered), by record id, each kept until what it was made
    from changes, like ``cached_for_content``'s values. A whole list costs two cache reads; ``make(ids)`` makes
    the pieces not kept (or no longer fresh) and returns ``{id: (piece, the tags it shows)}``. A list re-made
    after a change (a new document heads every archive page) re-renders only the rows that changed."""
    keys = {pk: derived_key(f"{name}:{pk}") for pk in ids}
    try:
        found = cache_call(cache.get_many, [VERSION_KEY, CLOCK_KEY, *keys.values()])
        generation = _generation_from(found.get(VERSION_KEY))
        started = _begun_at(found)
        entries = {
            pk: entry
            for pk, key in keys.items()
            if isinstance(entry := found.get(key), Kept) and entry.generation == generation
        }
        now = tag_times(set().union(*(entry.names for entry in entries.values())))
    except CacheUnavailable:
        return {pk: piece for pk, (piece, _shows) in make(ids).items()}
    pieces = {}
    for pk, entry in entries.items():
        if not _moved(entry.seen, now, entry.made_at):
            tags.show(*entry.seen)
            pieces[pk] = entry.value
    missing = [pk for pk in ids if pk not in pieces]
    if not missing:
        return pieces
    made = make(missing)
    with contextlib.suppress(CacheUnavailable):
        seen = times_to_keep({tags.ARCHIVE}.union(*(shows for _piece, shows in made.values())), started)
        made_wall = wall_clock()
        cache_call(
            cache.set_many,
            {
                keys[pk]: Kept(
                    piece,
                    {tag: seen[tag] for tag in {*shows, tags.ARCHIVE}},
                    {},
                    started,
                    started,
                    generation,
                    made_wall,
                )
                for pk, (piece, shows) in made.items()
            },
            PAGE_TIMEOUT,
        )
    for pk, (piece, shows) in made.items():
        tags.show(*shows)
        pieces[pk] = piece
    return pieces


def derived_key(name: str) -> str:
    return f"archive:derived:{translation.get_language()}:{name}"


def refresh_lock(name: str) -> str:
    """Held by the one worker making a summary afresh (``cached_for_content(stale_ok=True)``)."""
    return f"{derived_key(name)}:refreshing"


def cached_by_key(name: str, compute, timeout: int = PAGE_TIMEOUT):
    """A value wholly determined by ``name`` (a digest of everything it is made from), so no change of content
    can make it stale: it is kept without tags. Computed afresh if the cache is down."""
    key = f"archive:keyed:{name}"
    try:
        value = cache_call(cache.get, key)
    except CacheUnavailable:
        return compute()
    if value is None:
        value = compute()
        with contextlib.suppress(CacheUnavailable):
            cache_call(cache.set, key, value, timeout)
    return value
