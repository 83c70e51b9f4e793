"""Uploaded files (document PDFs) served by the app itself, when ``SERVE_MEDIA`` is on.

``make serve`` and small one-machine sites turn it on; a site behind a web server lets that server answer
``MEDIA_URL`` from ``MEDIA_ROOT`` instead, and one on several machines keeps uploads in object storage
(``STORAGES["default"]``), whose own addresses the pages then link to (README, Operations).
"""

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404
from django.views.decorators.cache import cache_control
from django.views.static import serve

# Every upload is stored under a new random name, so a file at an address never changes.
MEDIA_MAX_AGE = 24 * 60 * 60


@cache_control(public=True, max_age=MEDIA_MAX_AGE)
def media_file(request, path: str):
    """One file from ``MEDIA_ROOT``; Django's ``serve`` keeps the path inside it and refuses directory listings."""
    if not settings.SERVE_MEDIA:
        raise Http404("Uploaded files are served by the web server.")
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except SuspiciousFileOperation as error:
        # A path that climbs out of MEDIA_ROOT names no upload: answered like any other missing file.
        raise Http404("No such file.") from error
