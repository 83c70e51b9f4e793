"""The archive's own steps of the request pipeline, in the order settings.MIDDLEWARE runs them.

Each class only wires a rule into the pipeline; the rule itself lives in its module (validators, cache,
health, redirects), where views and commands call it too.
"""

import functools
from http import HTTPStatus

from django.db import DatabaseError
from django.http import HttpResponsePermanentRedirect
from django.middleware.http import ConditionalGetMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from chairmanship import cache as archive_cache
from chairmanship import languages, purge, tags
from chairmanship.health import database_unavailable, is_database_unavailable
from chairmanship.redirects import moved_record_url


class DeferredRefreshMiddleware:
    """Summaries a reading request finds moved on (a total, facet counts past their late time) are served as they
    were and made afresh once the answer is sent (``cache.deferring_refreshes``): the reader who happens to ask
    first does not wait for a recount. Above every middleware that may answer in another response's place (a
    304), so the work is attached to the answer that is sent; the WSGI server calls its closers after writing it
    (Django has no public hook for one response's end)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with archive_cache.deferring_refreshes() as pending:
            response = self.get_response(request)
        if pending:
            response._resource_closers.append(functools.partial(archive_cache.run_deferred, pending))
        return response


class ConditionalReadMiddleware(ConditionalGetMiddleware):
    """Tags every GET answer by its content (unless its view did) and answers If-None-Match with 304
    (``chairmanship.conditional`` says why reads carry no Last-Modified).

    It sits above the page cache, so a cached answer is revalidated by the same rule as a fresh one.
    """

    def process_response(self, request, response):
        if request.method == "GET" and response.has_header("Last-Modified"):
            del response["Last-Modified"]
        return super().process_response(request, response)


class AnonymousPageCacheMiddleware:
    """Serves anonymous GETs of public pages and API reads from the shared cache (``chairmanship.cache``), and
    tells a shared HTTP cache in front what each answer shows (``chairmanship.purge``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.answer(request)
        # A reading request checks a dozen kept values sharing tags: each tag is read once.
        with archive_cache.remembering_tags():
            return self.answer(request)

    def answer(self, request):
        if not archive_cache.is_cacheable_request(request):
            # Parts of the page may still be kept (rows, totals): they begin with the request (``cache._begun_at``).
            with tags.collecting() as shown:
                shown.started = archive_cache.clock_now()
                return self.get_response(request)
        # Raises DisallowedHost for a host not in ALLOWED_HOSTS: answered 400, whether or not a page is cached.
        request.get_host()
        key = archive_cache.page_key(request)
        try:
            lookup = archive_cache.lookup_page(key)
        except archive_cache.CacheUnavailable:
            return self.get_response(request)
        except DatabaseError as error:
            if not is_database_unavailable(error):
                raise
            return database_unavailable(request, error)

        if lookup.cached is not None:
            cached = lookup.cached
            cached["X-Cache"] = "hit"
            # Revalidated like a fresh answer (If-None-Match, 304) by ConditionalReadMiddleware, above this.
            return cached

        try:
            with tags.collecting() as shown:
                shown.started = lookup.started
                response = self.get_response(request)
            patch_vary_headers(response, ("Cookie", "Accept"))
            if archive_cache.is_storable(response):
                # A shared cache in front keeps it until a purge, or until the next scheduled record goes live
                # (no save purges that moment).
                purge.shared_cache_headers(
                    response,
                    shown.tags | shown.summaries | {tags.ARCHIVE},
                    fresh_until=archive_cache.next_go_live_copy(),
                )
                archive_cache.keep_page(key, response, shown, lookup.started, lookup.generation)
        finally:
            # Whatever the answer (an error page is not kept), the readers waiting for it stop waiting.
            archive_cache.release(lookup.holding)
        response["X-Cache"] = "miss"
        return response


class LanguageMiddleware:
    """Speaks the request's language (``languages.request_language``) and says which it is.

    Pages carry their language in the address, so only the API's answers vary by Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = languages.request_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        if languages.is_negotiated(request):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response


class DatabaseUnavailableMiddleware:
    """Answers 503 (``health.database_unavailable``), instead of a 500, while the database cannot be reached.

    Connections are re-opened on the next request (CONN_HEALTH_CHECKS), so service resumes by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        return database_unavailable(request, exception)


class SlugRedirectMiddleware:
    """Turns a 404 on an old public address into a 301 to the record's current one (``redirects``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != HTTPStatus.NOT_FOUND or request.method not in ("GET", "HEAD"):
            return response
        # Resolved and reversed in the request's language, so /ru/ addresses move to /ru/ addresses.
        target = moved_record_url(request.path_info)
        if target is None:
            return response
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
