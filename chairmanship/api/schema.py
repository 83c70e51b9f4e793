"""How the OpenAPI schema describes the API: error answers, validators, summaries and filters.

drf-spectacular reads the serializers and FilterSets; this module adds what it cannot see: the problem
details answers each operation may give, the ETag and Retry-After headers, anonymous
reading, the two directions of a related record (a slug in, a summary out) and the bounds the
FilterSets enforce.
"""

import django_filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.relations import ManyRelatedField

from chairmanship.api.exceptions import PROBLEM_CONTENT_TYPE
from chairmanship.filters import RelatedSlugFilter, YearFilter

SLUG_SCHEMA_PATTERN = "^[-a-zA-Z0-9_]+$"
# A related-record filter leaves a blank value out (a half-filled form), so the schema allows one.
SLUG_OR_BLANK_SCHEMA_PATTERN = "^[-a-zA-Z0-9_]*$"
# Form fields refuse NUL characters (PostgreSQL cannot store them).
NO_NUL_PATTERN = "^[^\\x00]*$"


class ProblemSerializer(serializers.Serializer):
    """An error, as RFC 9457 problem details."""

    type = serializers.CharField(help_text="The problem type; `about:blank`: the HTTP status says what it is.")
    title = serializers.CharField(help_text="The HTTP status phrase, e.g. `Not Found`.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person can act on.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: the messages for each field or query parameter.",
    )

    class Meta:
        ref_name = "Problem"


VALIDATOR_HEADERS = {
    "ETag": {
        "schema": {"type": "string"},
        "description": (
            "Changes whenever anything in the answer changes. Send it back in If-None-Match (reads) or "
            "If-Match (writes: only the record's own version is compared)."
        ),
    },
}
RETRY_AFTER_HEADER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}
}

ERROR_DESCRIPTIONS = {
    400: "A field or query parameter is not valid; `errors` lists the messages per name.",
    401: "Writing needs credentials: `Authorization: Token <key>` (or a signed-in session with CSRF).",
    403: "The account may not do this (model permission, or the publish permission of a Publisher).",
    404: "No such record (drafts and scheduled records do not exist for the public), or no such page.",
    406: "None of the media types in Accept can be served.",
    409: "Other records still refer to this one, or deleting it would leave a published record without a source (both named), or a write made at the same moment conflicts.",
    412: "If-Match does not match the record's current ETag: someone changed it meanwhile.",
    415: "The request body's media type is not supported: send JSON.",
    429: "Too many requests; wait the number of seconds in Retry-After.",
}


class ArchiveAutoSchema(AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        # Reading is open to everyone (EditorModelPermissions lets anonymous clients read).
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def _error_statuses(self) -> list[int]:
        statuses = [406, 429]
        if self.method == "GET":
            statuses += [400, 404] if self._is_list_view() else [404]
        elif self.method == "POST":
            statuses += [400, 401, 403, 409, 415]
        elif self.method in ("PUT", "PATCH"):
            statuses += [400, 401, 403, 404, 409, 412, 415]
        elif self.method == "DELETE":
            statuses += [401, 403, 404, 409, 412]
        return sorted(statuses)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status_code, response in responses.items():
            if status_code.startswith("2") and self.method != "DELETE":
                response.setdefault("headers", {}).update(VALIDATOR_HEADERS)
        if self.method == "GET":
            responses["304"] = {
                "description": "Not modified since the ETag in If-None-Match.",
                "headers": VALIDATOR_HEADERS,
            }
        for status_code in self._error_statuses():
            error = self._get_response_for_code(
                ProblemSerializer, str(status_code), media_types=[PROBLEM_CONTENT_TYPE], direction=direction
            )
            error["description"] = ERROR_DESCRIPTIONS[status_code]
            if status_code == 429:
                error["headers"] = RETRY_AFTER_HEADER
            responses.setdefault(str(status_code), error)
        return responses


class SummaryRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """A related record is written as its slug and read as a summary object (null when not visible)."""

    target_class = "chairmanship.api.serializers.SummaryRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "string", "pattern": SLUG_SCHEMA_PATTERN, "description": "The record's slug."}
        component = auto_schema.resolve_serializer(self.target.summary_serializer, direction)
        if isinstance(self.target.parent, ManyRelatedField):
            return component.ref
        return {"allOf": [component.ref], "nullable": True}


class ArchiveFilterExtension(DjangoFilterExtension):
    """Adds the bounds the shared FilterSets enforce, so the schema promises what the server accepts."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        for parameter in parameters:
            if parameter["schema"].get("type") != "array" or isinstance(filter_field, django_filters.OrderingFilter):
                # An empty value means "no filter" (or the default order), as when the archive's form is sent
                # half filled in.
                parameter["allowEmptyValue"] = True
            if isinstance(filter_field, django_filters.CharFilter):
                parameter["schema"]["pattern"] = NO_NUL_PATTERN
            if isinstance(filter_field, YearFilter):
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": 9999}
            elif isinstance(filter_field, RelatedSlugFilter):
                # Any well-formed slug: which slugs name a record changes with the content, so the schema
                # cannot list them, and one that names nothing a reader may see matches nothing.
                parameter["schema"] = {
                    "type": "array",
                    "items": {"type": "string", "pattern": SLUG_OR_BLANK_SCHEMA_PATTERN},
                }
                related = filter_field.related_model(model)
                name = related._meta.verbose_name
                published = "published " if hasattr(related._default_manager, "published") else ""
                parameter["description"] = (
                    f"The slug of a {name}; repeat the parameter to mean any of several. "
                    f"A slug that names no {published}{name} matches nothing (an empty list, not an error); "
                    "a blank value is left out."
                )
        return parameters
