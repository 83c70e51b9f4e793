"""Who may write what: the admin's Editor and Publisher rules, applied to the API.

Anyone reads (the public subset). Writing needs the model's add/change/delete permission (an
Editor). Publishing, rescheduling or unpublishing a record needs the model's publish permission
too (a Publisher), as ``chairmanship.services.can_publish`` decides.
"""

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly

from chairmanship.models import PublicationStatus, Publishable
from chairmanship.services import can_publish


class EditorModelPermissions(DjangoModelPermissionsOrAnonReadOnly):
    """Reads are open; a write needs the user's add, change or delete permission on the model."""


def sees_unpublished(user) -> bool:
    """Editors (staff) read drafts and scheduled records too; everyone else reads the public subset."""
    return bool(user and user.is_authenticated and user.is_staff and user.is_active)


def changes_publication(before: Publishable | None, *, status: str, published_at) -> bool:
    """Whether going from ``before`` to (status, published_at) publishes, reschedules or unpublishes."""
    was_published = before is not None and before.status == PublicationStatus.PUBLISHED
    will_be_published = status == PublicationStatus.PUBLISHED
    if was_published != will_be_published:
        return True
    return was_published and before.published_at != published_at


def check_publication_change(user, model: type[Publishable], before: Publishable | None, *, status, published_at):
    if changes_publication(before, status=status, published_at=published_at) and not can_publish(user, model):
        plural = model._meta.verbose_name_plural
        raise PermissionDenied(
            f"Only a Publisher can publish, reschedule or unpublish {plural}. "
            f"Save the {model._meta.verbose_name} as a draft or in review, and a Publisher will publish it."
        )


def check_deletion(user, record: Publishable) -> None:
    # Deleting a published record takes it off the site: that is unpublishing.
    if record.status == PublicationStatus.PUBLISHED and not can_publish(user, type(record)):
        raise PermissionDenied(
            f"Only a Publisher can delete a published {record._meta.verbose_name}: it would take it off the site."
        )
