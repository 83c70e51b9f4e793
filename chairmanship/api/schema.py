"""How the OpenAPI schema describes the API: error answers, validators, summaries and filters.

drf-spectacular reads the serializers and FilterSets; this module adds what it cannot see: the problem
details answers each operation may give, the ETag and Retry-After headers, anonymous
reading, the two directions of a related record (a slug in, a summary out), the bounds the
FilterSets enforce, the citation formats a record's detail answers in, and languages: ``lang`` and
Accept-Language on every read, Content-Language on every answer, and each record's ``translations``.
"""

import django_filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.relations import ManyRelatedField

from chairmanship.api.exceptions import PROBLEM_CONTENT_TYPE
from chairmanship.citation import CITABLE_MODELS, FORMATS
from chairmanship.filters import RelatedSlugFilter, YearFilter
from chairmanship.languages import DEFAULT_LANGUAGE, LANGUAGE_CODES, LANGUAGE_PARAMETER, OTHER_LANGUAGES

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

# --- Languages (chairmanship.languages) -------------------------------------------------------------------

_LANGUAGES = ", ".join(f"`{code}`" for code in LANGUAGE_CODES)
LANGUAGE_QUERY_PARAMETER = OpenApiParameter(
    LANGUAGE_PARAMETER,
    str,
    OpenApiParameter.QUERY,
    description=(
        f"The language of the answer's translated text ({_LANGUAGES}), for links; it wins over Accept-Language. "
        "A tag the archive does not speak is ignored (Accept-Language, then English, decide)."
    ),
)
ACCEPT_LANGUAGE_PARAMETER = OpenApiParameter(
    "Accept-Language",
    str,
    OpenApiParameter.HEADER,
    description=(
        f"The languages the client prefers; the first the archive speaks ({_LANGUAGES}; `zh`, `zh-CN` mean "
        "`zh-hans`) is the answer's. Translated fields not yet translated into it read in English; "
        "`translations` holds what is stored in each language."
    ),
)
CONTENT_LANGUAGE_HEADER = {
    "Content-Language": {
        "schema": {"type": "string", "enum": list(LANGUAGE_CODES)},
        "description": (
            "The language of the answer's translated text: the one `lang` or Accept-Language asked for, else "
            f"English. A write is answered in English (`{DEFAULT_LANGUAGE}`): a field's own name always writes "
            "English, and `translations` the other languages. Answers vary by Accept-Language."
        ),
    },
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


# --- Citations (chairmanship.citation) -------------------------------------------------------------------

CITATION_FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    OpenApiParameter.QUERY,
    enum=list(FORMATS),
    description=(
        "Answer with the record's citation instead of its JSON: `bibtex`, `ris` or `csl-json` (the same as "
        "`Accept: application/x-bibtex`, `application/x-research-info-systems` or "
        "`application/vnd.citationstyles.csl+json`). Any other value is refused (400)."
    ),
)
CITATION_DESCRIPTION = (
    "Also answers as the record's citation, by `Accept` or `?format=`: BibTeX, RIS or CSL-JSON. Each names the "
    "archive, the record's page, the day it was published in the archive and the day it was last corrected "
    "(CSL-JSON `note`, BibTeX `note`, RIS `N1`) and the sources the record cites."
)
_TEXT = {"type": "string"}
# A CSL-JSON file as the API writes it (raw, as drf-spectacular would page a list serializer): a list holding the
# record's one item.
CSL_JSON_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "properties": {
            "id": _TEXT,
            "type": {"type": "string", "enum": ["webpage"]},
            "title": _TEXT,
            "author": {
                "type": "array",
                "items": {"type": "object", "properties": {"literal": _TEXT}, "required": ["literal"]},
            },
            "container-title": _TEXT,
            "publisher": _TEXT,
            "URL": {"type": "string", "format": "uri"},
            "language": _TEXT,
            "issued": {
                "type": "object",
                "description": "The day the record was published in the archive; absent while it is not.",
                "properties": {
                    "date-parts": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}
                },
                "required": ["date-parts"],
            },
            "abstract": _TEXT,
            "note": {
                "type": "string",
                "description": (
                    "One line `Last corrected: <date>`, then one line `Source: …` for each source the record cites."
                ),
            },
        },
        "required": ["id", "type", "title", "author", "container-title", "publisher", "URL", "language"],
    },
}


def citation_responses(serializer_class) -> dict:
    """The answers of a citable record's detail: its JSON, or its citation in each format."""
    bodies = {"csl-json": CSL_JSON_SCHEMA, "bibtex": OpenApiTypes.STR, "ris": OpenApiTypes.STR}
    return {
        (200, "application/json"): serializer_class,
        **{(200, form.media_type): bodies[name] for name, form in FORMATS.items()},
    }


class ArchiveAutoSchema(AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        # Reading is open to everyone (EditorModelPermissions lets anonymous clients read).
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "GET":
            return [*parameters, LANGUAGE_QUERY_PARAMETER, ACCEPT_LANGUAGE_PARAMETER]
        return parameters

    def _error_statuses(self) -> list[int]:
        statuses = [406, 429]
        if self.method == "GET":
            # A list's filters, and a citable record's ``?format=``, are refused with 400.
            statuses += [400, 404] if self._is_list_view() or self._offers_citations() else [404]
        elif self.method == "POST":
            statuses += [400, 401, 403, 409, 415]
        elif self.method in ("PUT", "PATCH"):
            statuses += [400, 401, 403, 404, 409, 412, 415]
        elif self.method == "DELETE":
            statuses += [401, 403, 404, 409, 412]
        return sorted(statuses)

    def _offers_citations(self) -> bool:
        return getattr(self.view, "action", None) == "retrieve" and issubclass(
            getattr(self.view, "model", type(None)), CITABLE_MODELS
        )

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status_code, response in responses.items():
            if status_code.startswith("2") and self.method != "DELETE":
                response.setdefault("headers", {}).update({**VALIDATOR_HEADERS, **CONTENT_LANGUAGE_HEADER})
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


class TranslationsFieldExtension(OpenApiSerializerFieldExtension):
    """A record's ``translations``: per language other than English, its translated fields (null: not yet)."""

    target_class = "chairmanship.api.serializers.TranslationsField"

    def map_serializer_field(self, auto_schema, direction):
        model = self.target.parent.Meta.model
        texts = {}
        for name in self.target.field_names:
            texts[name] = {"type": "string", "nullable": True}
            if max_length := model._meta.get_field(name).max_length:
                texts[name]["maxLength"] = max_length
        return {
            "type": "object",
            "properties": {
                code: {
                    "type": "object",
                    "properties": texts,
                    "additionalProperties": False,
                }
                for code in OTHER_LANGUAGES
            },
            "additionalProperties": False,
        }


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
