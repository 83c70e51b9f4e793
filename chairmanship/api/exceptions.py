"""RFC 9457 problem details: the one error shape of the API.

Every error under ``/api/`` answers ``{"type", "title", "status", "detail"}`` (plus ``errors``, a map
of field or query parameter to messages, for 400) with the content type ``application/problem+json``.
"""

import logging
from http import HTTPStatus

from django.conf import settings
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from chairmanship.deletion import refusal_message
from chairmanship.health import is_database_unavailable

PROBLEM_CONTENT_TYPE = "application/problem+json"
# RFC 9457 section 4.2.1: the status code says all there is to say about the problem.
PROBLEM_TYPE = "about:blank"

logger = logging.getLogger("django.request")


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record changed since you read it (its ETag no longer matches If-Match). "
        "Fetch it again and reapply your change."
    )
    default_code = "precondition_failed"


class WriteConflict(exceptions.APIException):
    """A write that lost a race to another one made at the same moment (a unique value, a deleted record)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "Another change made at the same moment conflicts with this one; nothing was saved. "
        "Fetch the record again and retry."
    )
    default_code = "conflict"


class DeletionRefused(exceptions.APIException):
    """A 409 naming the records that still refer to the one a client asked to delete."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "protected"

    def __init__(self, error: ProtectedError | RestrictedError, model=None):
        super().__init__(refusal_message(error, model))


class PublicationRefused(exceptions.ValidationError):
    """A 400 whose detail lists what an editor must do before the record can be published."""

    def __init__(self, problems: list[str]):
        super().__init__({"status": problems})
        self.problem_detail = "This record cannot be published yet: " + " ".join(problems)


def problem(status_code: int, detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    body = {
        "type": PROBLEM_TYPE,
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field": [...], "field.0": [...]}`` (one level, lists of strings)."""
    if isinstance(detail, dict):
        errors = {}
        for key, value in detail.items():
            errors.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return errors
    name = prefix or "non_field_errors"
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {name: [str(item) for item in detail]}
        errors = {}
        for index, item in enumerate(detail):
            errors.update(flatten_errors(item, f"{name}.{index}"))
        return errors
    return {name: [str(detail)]}


def describe_validation(errors: dict[str, list[str]]) -> str:
    if set(errors) == {"non_field_errors"}:
        return " ".join(errors["non_field_errors"])
    fields = ", ".join(sorted(errors))
    return f"Some values are not valid ({fields}); the errors member says why."


def problem_exception_handler(exc, context):
    if isinstance(exc, ProtectedError | RestrictedError):
        exc = DeletionRefused(exc, getattr(context.get("view"), "model", None))
    response = exception_handler(exc, context)
    if response is None and is_database_unavailable(exc):
        # An outage, not a bug: raised on to the request pipeline's one 503 (chairmanship.health).
        return None
    if response is None:
        if settings.DEBUG:
            return None  # Django's debug page shows the traceback
        request = context.get("request")
        logger.error("Internal Server Error: %s", getattr(request, "path", "?"), exc_info=exc)
        set_rollback()
        response = Response(status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        response.data = problem(response.status_code, "Something went wrong on our side; it has been logged.")
        return response

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = getattr(exc, "problem_detail", None) or describe_validation(errors)
        response.data = problem(response.status_code, detail, errors)
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = problem(response.status_code, str(detail) or HTTPStatus(response.status_code).phrase)
    return response
