"""``/healthz``: what a load balancer or an operator asks before sending traffic to this app server."""

import logging
from http import HTTPStatus

from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

PROBE_KEY = "archive:health-probe"


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except DatabaseError as error:
        return {"ok": False, "vendor": connection.vendor, "error": error.__class__.__name__}


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
        status, label = HTTPStatus.SERVICE_UNAVAILABLE, "unavailable"
    elif not shared_cache["ok"]:
        status, label = HTTPStatus.OK, "degraded"
    else:
        status, label = HTTPStatus.OK, "ok"
    return JsonResponse({"status": label, "database": database, "cache": shared_cache}, status=status)


class DatabaseUnavailableMiddleware:
    """Answers 503 with a maintenance page, instead of a 500, while the database cannot be reached.

    Connections are re-opened on the next request (CONN_HEALTH_CHECKS), so service resumes by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable while serving %s: %s", request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {
                    "type": "about:blank",
                    "title": "Service unavailable",
                    "status": HTTPStatus.SERVICE_UNAVAILABLE,
                    "detail": "The archive's database cannot be reached. Please try again in a minute.",
                },
                status=HTTPStatus.SERVICE_UNAVAILABLE,
                content_type="application/problem+json",
            )
        else:
            response = render(request, "503.html", status=HTTPStatus.SERVICE_UNAVAILABLE)
        response["Retry-After"] = "60"
        return response
