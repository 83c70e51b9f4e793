"""HTTP validators (ETag, 304, 412): one rule for pages, API answers and answers replayed from the page cache.

- **A read's ETag is derived from what it shows**, so it changes whenever anything in the body can change:
  a renamed topic, an edited signatory state, an unpublished summit, a record joining or leaving a list.
  Pages (and anything else without a tag of its own) are tagged by a digest of their bytes; API answers by
  a digest of their data and media type (``read_etag``), remembered until what they show changes
  (``chairmanship.cache.cached_for_content``) so that a client holding the current tag is answered before any query.
  An answer about one record puts the record's own tag first: ``"<pk>-<version>-<digest>"``. The digest
  includes the answer's language, so the same record read in Russian and in English has two tags, even where
  its text is not translated yet (a cache or client holding one language's answer never gets a 304 for another).
- **A record's own tag guards writes.** It is the record's primary key and version (raised on every save of
  the record itself), or, for records without a version (sources, topics, memberships, key figures), its
  primary key and a digest of its own columns. ``If-Match`` is compared with that part only, so an edit of a
  related record never makes a write fail; the bare ``"<pk>-<version>"`` is accepted as well.
- **Reads carry no Last-Modified.** The only dates at hand (a record's ``updated_at``, a list's or feed's
  newest change, a sitemap's newest ``lastmod``) stay the same when a related record is renamed or a listed
  record is unpublished, so If-Modified-Since would be answered 304 with a stale body. The middleware below
  removes the header that some views (feeds, sitemaps) set; clients revalidate with If-None-Match.
- **Every 304 of a rendered answer** (a page, an API answer, a replay from the page cache) comes from Django's
  ``get_conditional_response`` in ``ConditionalReadMiddleware``; the API's early answer calls the same
  function with the remembered tag.
"""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.http import parse_etags, quote_etag


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _serialised(data) -> str:
    return json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder)


def is_versioned(model) -> bool:
    field_names = {field.name for field in model._meta.get_fields()}
    return {"version", "updated_at"} <= field_names


def own_version(record) -> str:
    """What changes when ``record`` itself is saved, and only then: its version, or a digest of its columns."""
    if is_versioned(type(record)):
        return f"{record.pk}-{record.version}"
    columns = {field.attname: field.value_to_string(record) for field in record._meta.concrete_fields}
    return f"{record.pk}-{_digest(_serialised(columns))}"


def own_etag(record) -> str:
    return quote_etag(own_version(record))


def read_etag(data, media_type: str, record=None) -> str:
    """The ETag of an API answer showing ``data`` as ``media_type`` in the active language; ``record``'s own tag
    first, if given."""
    digest = _digest(f"{media_type}\n{translation.get_language()}\n{_serialised(data)}")
    return quote_etag(f"{own_version(record)}-{digest}" if record is not None else digest)


def read_name(request, reader: str) -> str:
    """What an API answer's ETag is remembered under until the content changes: who reads (``"public"`` or
    ``"editor"``), the media type, the language and the full address (host and query included: both show in the
    answer)."""
    answer = f"{request.accepted_media_type}\n{translation.get_language()}\n{request.build_absolute_uri()}"
    return f"etag:{reader}:{hashlib.sha256(answer.encode()).hexdigest()}"


def precondition_failed(request, record) -> bool:
    """Whether the request's If-Match names another version of ``record`` than the stored one (answer 412).

    A tag matches when it is the record's own tag or a read tag starting with it; the comparison is strong
    (a weak ``W/`` tag never matches), and ``*`` matches any existing record.
    """
    if "If-Match" not in request.headers:
        return False
    own = own_version(record)
    tags = parse_etags(request.headers["If-Match"])
    return not any(tag in ("*", quote_etag(own)) or tag.startswith(f'"{own}-') for tag in tags)
