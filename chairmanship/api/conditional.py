"""ETag and Last-Modified validators, and the conditional request rules (RFC 9110 section 13).

A versioned record's ETag is its primary key and version (raised on every save); a list's comes from
the count and the latest change of the filtered records, computed in one aggregate query before the
page is read, so a 304 costs one query. Records without a version (sources, topics, memberships,
key figures) are tagged by a hash of their representation.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Max
from django.utils.http import http_date, parse_etags, parse_http_date_safe, quote_etag


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: datetime.datetime | None = None
    count: int | None = None  # a list's number of records, when the aggregate already counted them

    def apply(self, response):
        response["ETag"] = self.etag
        if self.last_modified is not None:
            response["Last-Modified"] = http_date(self.last_modified.timestamp())
        return response

    def not_modified(self, request) -> bool:
        """If-None-Match (weak comparison) wins; otherwise If-Modified-Since, to the second."""
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = parse_etags(if_none_match)
            return "*" in tags or any(_opaque(tag) == _opaque(self.etag) for tag in tags)
        if_modified_since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        if if_modified_since is None or self.last_modified is None:
            return False
        return int(self.last_modified.timestamp()) <= if_modified_since

    def precondition_failed(self, request) -> bool:
        """If-Match uses the strong comparison: a weak tag never matches."""
        if_match = request.headers.get("If-Match")
        if if_match is None:
            return False
        tags = parse_etags(if_match)
        return "*" not in tags and self.etag not in tags


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


def _digest(text: str) -> str:
    return quote_etag(hashlib.sha256(text.encode()).hexdigest()[:32])


def is_revalidation(request) -> bool:
    """Whether the client asks "has it changed since?" (a 304 may answer it)."""
    return "If-None-Match" in request.headers or "If-Modified-Since" in request.headers


def for_representation(data) -> Validators:
    return Validators(etag=_digest(json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder)))


def is_versioned(model) -> bool:
    field_names = {field.name for field in model._meta.get_fields()}
    return {"version", "updated_at"} <= field_names


def for_record(record, data=None) -> Validators:
    if is_versioned(type(record)):
        return Validators(etag=quote_etag(f"{record.pk}-{record.version}"), last_modified=record.updated_at)
    return for_representation(data)


def for_queryset(queryset, *, variant: str = "") -> Validators | None:
    """Validators of a filtered list of versioned records, in one aggregate query (None if unversioned).

    ``variant`` tells apart representations of the same records (the public's and an editor's).
    """
    if not is_versioned(queryset.model):
        return None
    summary = queryset.aggregate(count=Count("pk"), last=Max("updated_at"), top=Max("version"))
    last = summary["last"]
    fingerprint = f"{variant}-{summary['count']}-{last.isoformat() if last else ''}-{summary['top'] or 0}"
    return Validators(etag=_digest(fingerprint), last_modified=last, count=summary["count"])
