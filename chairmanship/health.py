"""``/healthz``, and the one answer the site gives while its database cannot be reached.

``database_unavailable`` is the single 503 of pages, the API and ``/healthz``: the pipeline's middleware
calls it for a view that lost the database, the page cache when it cannot read the cache generation, the
API's exception handler leaves database errors to the middleware, and ``/healthz`` reports through it.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

PROBE_KEY = "archive:health-probe"
# /healthz answers within a second whatever the database does: a probe still waiting then counts as down.
DATABASE_PROBE_SECONDS = 0.8
RETRY_AFTER_SECONDS = 60

# One probe at a time: while one hangs (until the connect and statement timeouts end it), later health
# checks answer 503 at once instead of piling up threads.
_probes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz-database")


def is_database_unavailable(error: BaseException) -> bool:
    """A lost, refused or timed-out database: an outage to wait out, not a bug."""
    return isinstance(error, (OperationalError, InterfaceError))


def database_unavailable(request, error: BaseException | None = None, *, report: dict | None = None):
    """The 503 answered while the database cannot be reached: a health ``report`` as JSON, a problem
    document under ``/api/``, else the maintenance page; always with ``Retry-After``."""
    if error is not None:
        logger.error("Database unavailable while serving %s: %s", request.path, error)
    if report is not None:
        response = JsonResponse(report, status=HTTPStatus.SERVICE_UNAVAILABLE)
    elif request.path.startswith("/api/"):
        from chairmanship.api.exceptions import PROBLEM_CONTENT_TYPE, problem

        response = JsonResponse(
            problem(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "The archive's database cannot be reached. Please try again in a minute.",
            ),
            status=HTTPStatus.SERVICE_UNAVAILABLE,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    else:
        response = render(request, "503.html", status=HTTPStatus.SERVICE_UNAVAILABLE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _select_one(alias: str) -> None:
    # A connection of its own, closed afterwards: a hung probe never holds a request's connection.
    probe = connections.create_connection(alias)
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        probe.close()


def database_state(alias: str = DEFAULT_DB_ALIAS, timeout: float = DATABASE_PROBE_SECONDS) -> dict:
    vendor = connections[alias].vendor
    probe = _probes.submit(_select_one, alias)
    try:
        probe.result(timeout=timeout)
    except TimeoutError:
        probe.cancel()  # still queued behind a hung probe: never run it
        return {"ok": False, "vendor": vendor, "error": "Timeout"}
    except DatabaseError as error:
        return {"ok": False, "vendor": vendor, "error": error.__class__.__name__}
    return {"ok": True, "vendor": vendor}


def cache_state() -> dict:
    try:
        cache.set(PROBE_KEY, "ok", timeout=10)
        ok = cache.get(PROBE_KEY) == "ok"
        return {"ok": ok, "backend": cache.__class__.__name__}
    except Exception as error:  # backends raise their own connection errors
        return {"ok": False, "backend": cache.__class__.__name__, "error": error.__class__.__name__}


@never_cache
def healthz(request):
    """200 when the database answers (the cache being down only degrades speed); 503 otherwise."""
    database, shared_cache = database_state(), cache_state()
    if not database["ok"]:
        report = {"status": "unavailable", "database": database, "cache": shared_cache}
        return database_unavailable(request, report=report)
    label = "ok" if shared_cache["ok"] else "degraded"
    return JsonResponse({"status": label, "database": database, "cache": shared_cache})
