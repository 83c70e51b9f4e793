"""The shared HTTP cache in front of the app (a CDN, or Varnish with ``deploy/varnish/archive.vcl``): what it may
keep, for how long, and the purge that tells it a change was committed.

An anonymous page names the records it shows as cache tags (``document-42``, ``documents``, ``home``).
``shared_cache_headers`` lets a shared cache keep it for ``SHARED_CACHE_MAX_AGE`` seconds under those tags
(``Surrogate-Key`` for CDNs, ``xkey`` for Varnish), while browsers revalidate every time (``max-age=0``: their
If-None-Match is answered 304 by the shared cache). ``purge_after_commit`` collects the tags a transaction
changes and, once it has committed, asks every cache in ``CACHE_PURGE_URL`` to drop the pages carrying any of
them: one request per cache per commit, never before the commit (a reader fetching the page again at once
must get the new rows), never for a transaction rolled back.

A purge that fails (the cache is down, slow or refuses) is logged and forgotten: the editor's save has
succeeded and stays so. The cache then serves the old page until ``s-maxage`` runs out, which is why that
lifetime is bounded even when purging is configured.
"""

import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from http import HTTPStatus

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.cache import patch_cache_control

from chairmanship import cache as archive_cache

logger = logging.getLogger(__name__)

# The purge runs in the editor's request once the save has committed: a cache that does not answer holds it
# this long at most (a refused connection fails at once).
PURGE_TIMEOUT_SECONDS = 2.0
# Varnish refuses a request header longer than 8 KB (http_req_hdr_len); a commit touching more tags than fit
# (a bulk publish) is purged in several requests below that.
PURGE_HEADER_LIMIT = 4000
# A tag is one header token: caches split the list on spaces, and nothing may break the header line.
TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


def _checked_tags(tags: Iterable[str]) -> list[str]:
    if isinstance(tags, str):
        raise TypeError(f"Cache tags are a collection of strings, not one string: {tags!r}")
    checked = sorted(set(tags))
    for tag in checked:
        if not isinstance(tag, str) or not TAG.match(tag):
            raise ValueError(f"Not a cache tag (letters, digits, '.', '_', ':' and '-' only): {tag!r}")
    return checked


def shared_cache_headers(response, tags: Iterable[str], *, fresh_until: float | None = None) -> None:
    """Let shared caches keep ``response`` under ``tags``; browsers revalidate it on every visit.

    For an anonymous request's answer only (``cache.is_cacheable_request``). A response that is not for
    everyone (not ``cache.is_storable``: a cookie, ``private``, ``no-store``, not a full 200) or that asks to
    be revalidated (``no-cache``) is left as it is. A lifetime the view already chose is kept when shorter.
    ``fresh_until`` (seconds since the epoch, e.g. when the next scheduled record goes live, which no save
    purges) shortens the lifetime so the page is fetched afresh by then.
    """
    tags = _checked_tags(tags)
    cache_control = response.get("Cache-Control", "")
    if not archive_cache.is_storable(response) or "no-cache" in cache_control:
        return
    lifetime = settings.SHARED_CACHE_MAX_AGE
    chosen = re.search(r"s-maxage=(\d+)", cache_control)
    if chosen:
        lifetime = min(lifetime, int(chosen.group(1)))
    stale = settings.SHARED_CACHE_STALE
    if fresh_until is not None:
        remaining = max(0, int(fresh_until - time.time()))
        lifetime = min(lifetime, remaining)
        stale = min(stale, max(0, remaining - lifetime))
    patch_cache_control(response, public=True, max_age=0, s_maxage=lifetime, stale_while_revalidate=stale)
    if tags:
        response["Surrogate-Key"] = response["xkey"] = " ".join(tags)


def purge_urls() -> list[str]:
    return [url.strip() for url in settings.CACHE_PURGE_URL.split(",") if url.strip()]


class _PendingPurge:
    """The tags of one transaction, sent once when it commits."""

    def __init__(self):
        self.tags: set[str] = set()

    def __call__(self):
        send_purge(self.tags)


def purge_after_commit(tags: Iterable[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Purge the pages tagged with any of ``tags`` from the shared caches once the current transaction commits.

    Every call within one transaction adds to a single purge. Outside a transaction it is sent at once; a
    transaction rolled back sends nothing. Without ``CACHE_PURGE_URL`` nothing is collected or sent.
    """
    tags = _checked_tags(tags)
    if not tags or not purge_urls():
        return
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        send_purge(tags)
        return
    pending = getattr(connection, "archive_pending_purge", None)
    # Django drops the callbacks a rolled-back savepoint registered: a purge whose callback is gone starts
    # afresh. Tags added from a savepoint later rolled back stay in the purge: purging too much is harmless.
    if pending is None or not any(entry[1] is pending for entry in connection.run_on_commit):
        pending = _PendingPurge()
        connection.archive_pending_purge = pending
        transaction.on_commit(pending, using=using, robust=True)
    pending.tags.update(tags)


def _batches(tags: list[str]) -> Iterable[str]:
    batch: list[str] = []
    length = 0
    for tag in tags:
        if batch and length + 1 + len(tag) > PURGE_HEADER_LIMIT:
            yield " ".join(batch)
            batch, length = [], 0
        batch.append(tag)
        length += len(tag) + 1
    if batch:
        yield " ".join(batch)


def send_purge(tags: Iterable[str]) -> None:
    """``PURGE`` with the tags in ``xkey-purge`` (Varnish's xkey) and ``Surrogate-Key`` (CDNs), to every cache in
    ``CACHE_PURGE_URL``. Never raises: a failure is logged as a warning."""
    tags = _checked_tags(tags)
    for url in purge_urls():
        for batch in _batches(tags):
            request = urllib.request.Request(  # noqa: S310 (the address comes from settings, not from input)
                url, method="PURGE", headers={"xkey-purge": batch, "Surrogate-Key": batch}
            )
            try:
                with urllib.request.urlopen(request, timeout=PURGE_TIMEOUT_SECONDS) as answer:  # noqa: S310
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            except (OSError, ValueError) as error:  # refused, unreachable, timed out, a malformed address
                logger.warning(
                    "Shared cache purge failed (%s %s): %s; it serves the old pages for at most %s s",
                    url,
                    batch,
                    error,
                    settings.SHARED_CACHE_MAX_AGE,
                )
                continue
            if not HTTPStatus.OK <= status < HTTPStatus.MULTIPLE_CHOICES:
                logger.warning(
                    "Shared cache refused the purge (%s %s): HTTP %s; it serves the old pages for at most %s s",
                    url,
                    batch,
                    status,
                    settings.SHARED_CACHE_MAX_AGE,
                )
