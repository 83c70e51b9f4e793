"""Answers of the site's security measures: the login lockout page, and the Content Security Policy exceptions.

Login brute force is counted by django-axes (settings ``AXES_*``); this module tells it which client an
attempt comes from behind the trusted proxies, and words its answer.
"""

import base64
import hashlib
import ipaddress
from http import HTTPStatus

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.timesince import timeuntil
from django.views.decorators.csp import csp_override


def client_ip_address(request) -> str | None:
    """The address a sign-in attempt comes from, as django-axes counts it (``AXES_CLIENT_IP_CALLABLE``).

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each proxy appends the address it got the request from to
    ``X-Forwarded-For``, so the client is the entry the outermost trusted proxy wrote, counted from the right;
    entries further left come from the client itself and could name anyone. Without trusted proxies (or with
    a header the proxies cannot have written) the connection's own address counts.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if count and len(forwarded) >= count:
        try:
            return str(ipaddress.ip_address(forwarded[-count]))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets: what happened, for how long, and who can lift it sooner."""
    cool_off = get_cool_off(request)
    now = timezone.now()
    response = render(
        request,
        "axes_lockout.html",
        {
            "username": get_client_username(request, credentials) or "",
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cool_off": timeuntil(now + cool_off, now) if cool_off else "",
        },
        status=HTTPStatus.TOO_MANY_REQUESTS,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


# --- Content Security Policy exceptions -------------------------------------------------------------------
# Every page gets ``SECURE_CSP``. The few views whose markup comes from packages declare their exception with
# Django's ``csp_override``; each allowance is named here, never 'unsafe-inline', and no other page is touched.


def source_hash(code: str) -> str:
    """The CSP source expression that admits exactly ``code``."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"


def policy_with(directives: dict[str, list[str]]) -> dict[str, list[str]]:
    """The site's policy with ``directives`` replaced."""
    return {**settings.SECURE_CSP, **directives}


# The API documentation: Swagger UI's starter is served as a script of its own (``?script``) and Redoc needs
# no inline script, so scripts stay 'self'; Redoc runs its search in a worker started from a ``blob:`` URL.
API_DOCUMENTATION_POLICY = policy_with({"worker-src": [CSP.SELF, "blob:"]})

# The admin's export page (django-import-export) toggles its field checkboxes with one inline handler, admitted
# by its hash with 'unsafe-hashes'; any other handler on that page stays blocked.
ADMIN_EXPORT_HANDLERS = ("onSelectToggleChange(event)",)
ADMIN_EXPORT_POLICY = policy_with(
    {
        "script-src": [
            *settings.SECURE_CSP.get("script-src", [CSP.SELF]),
            CSP.UNSAFE_HASHES,
            *(source_hash(handler) for handler in ADMIN_EXPORT_HANDLERS),
        ]
    }
)

api_documentation_policy = csp_override(API_DOCUMENTATION_POLICY)
admin_export_policy = csp_override(ADMIN_EXPORT_POLICY)
