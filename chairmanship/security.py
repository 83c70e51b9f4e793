"""Answers of the site's security measures: the login lockout page, and the Content Security Policy exceptions.

Login brute force is counted by django-axes (settings ``AXES_*``); this module only words its answer.
"""

import base64
import hashlib
import re
from http import HTTPStatus

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.timesince import timeuntil


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


# --- Content Security Policy ---------------------------------------------------------------------------

# Swagger UI and Redoc are started by an inline script that their packaged templates write.
API_DOCUMENTATION_PREFIXES = ("/api/docs/", "/api/redoc/")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
DATA_SCRIPT_TYPES = re.compile(r"""type=["']application/(ld\+)?json["']""", re.IGNORECASE)


def source_hash(code: str) -> str:
    """The CSP source expression that admits exactly ``code``."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"


def inline_script_hashes(html: str) -> list[str]:
    """The CSP source expressions ('sha256-…') of the inline scripts in ``html``; JSON data blocks are no scripts."""
    hashes = []
    for match in INLINE_SCRIPT.finditer(html):
        if DATA_SCRIPT_TYPES.search(match.group(0).split(">", 1)[0]):
            continue
        hashes.append(source_hash(match.group(1)))
    return hashes


# The admin's export page (django-import-export) toggles its field checkboxes with one inline handler.
ADMIN_EXPORT_PATH = re.compile(r"^/admin/[a-z_]+/[a-z_]+/export/$")
ADMIN_EXPORT_HANDLERS = ("onSelectToggleChange(event)",)


class PagePolicyExceptionsMiddleware:
    """Lets a few pages whose markup comes from packages run the inline code those packages wrote.

    Each allowance is the hash of one script or handler, never 'unsafe-inline', and no other page is touched.
    - The API documentation (Swagger UI, Redoc) starts from an inline script built from the server's own
      settings (no reader or editor content is rendered into these pages), so the scripts of the rendered
      page are admitted by hash; inline event handlers and ``javascript:`` URLs stay blocked. Redoc also
      runs its search in a worker started from a ``blob:`` URL.
    - The admin's export page has one known inline ``onchange`` handler, admitted by its hash with
      'unsafe-hashes'; any other handler on that page stays blocked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming or "text/html" not in response.get("Content-Type", ""):
            return response
        script_src = list(settings.SECURE_CSP.get("script-src", [CSP.SELF]))
        extra = {}
        if request.path.startswith(API_DOCUMENTATION_PREFIXES):
            html = response.content.decode(response.charset or "utf-8", errors="replace")
            script_src += inline_script_hashes(html)
            extra["worker-src"] = [CSP.SELF, "blob:"]
        elif ADMIN_EXPORT_PATH.match(request.path):
            script_src += [CSP.UNSAFE_HASHES, *(source_hash(handler) for handler in ADMIN_EXPORT_HANDLERS)]
        else:
            return response
        response._csp_config = {**settings.SECURE_CSP, "script-src": script_src, **extra}
        return response
