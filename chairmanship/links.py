"""Addresses of records by slug, without a trip through the URL resolver for each one.

A page or an API list links to dozens of records; reversing every link through the resolver was a
noticeable share of rendering them. The pattern of each view is reversed once (per URL configuration
script prefix and language) and a slug is put into it. Only a slug-shaped value takes this path: it needs no
quoting, so the result is what ``reverse()`` gives; anything else is reversed as usual.
"""

import functools
import re

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

PLACEHOLDER = "slug-link-placeholder"
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@functools.lru_cache(maxsize=128)
def _pattern(view_name: str, urlconf: str, prefix: str, language: str | None) -> str:
    # ``language`` keys the cache: a page's address carries its language prefix (/ru/, /zh-hans/).
    return reverse(view_name, urlconf=urlconf, kwargs={"slug": PLACEHOLDER})


def slug_path(view_name: str, slug) -> str:
    """What ``reverse(view_name, kwargs={"slug": slug})`` returns (in the active language: pages of other
    languages than English are under /ru/, /zh-hans/)."""
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        return reverse(view_name, kwargs={"slug": slug})
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _pattern(view_name, urlconf, get_script_prefix(), get_language()).replace(PLACEHOLDER, slug)
