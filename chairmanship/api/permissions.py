"""Who may write what through the API: the model permissions, and the publication rules of
``chairmanship.publication`` answered as 403 problem details.

Anyone reads the public subset. Reading drafts and scheduled records needs the model's view permission.
Writing needs the model's add/change/delete permission (an Editor); publishing, scheduling or
unpublishing also needs the model's publish permission (a Publisher).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly

from chairmanship import publication


class EditorModelPermissions(DjangoModelPermissionsOrAnonReadOnly):
    """Reads are open; a write needs the user's add, change or delete permission on the model."""


def sees_unpublished(user, model) -> bool:
    """Whether ``user`` reads drafts and scheduled records of ``model`` too, not only the public subset."""
    return publication.may_read_unpublished(user, model)


class LeavesUncited(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "leaves_uncited"


@contextmanager
def role_refusals_as_403() -> Iterator[None]:
    """A refusal of the publication rules, answered as a 403 whose detail says who may and what to do
    (a 409 when a deletion would leave a published record without a source, whoever asks)."""
    try:
        yield
    except publication.NotAllowed as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except publication.LeavesUncited as refusal:
        raise LeavesUncited(str(refusal)) from refusal
