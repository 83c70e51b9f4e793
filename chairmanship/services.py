"""Editorial writes and checks shared by the admin, the importer and the API."""

from django.utils import timezone

from chairmanship.models import Document, PublicationStatus, Publishable


def can_publish(user, model: type[Publishable]) -> bool:
    """Only Publishers (and superusers) publish, schedule or unpublish."""
    return user.is_active and user.has_perm(model.publish_permission())


def publication_problems(record: Publishable) -> list[str]:
    """What stops ``record`` from being published, as sentences an editor can act on. Empty: ready."""
    problems = []
    if record.pk is None or not record.sources.exists():
        problems.append("Cite at least one source.")
    if not getattr(record, "summary", "x").strip():
        problems.append("Write a summary.")
    if isinstance(record, Document) and record.date is None:
        problems.append("Give the document's date.")
    return problems


def mark_published(record: Publishable, *, at=None) -> None:
    """Sets the published state; a future ``at`` schedules the record. The caller saves."""
    record.status = PublicationStatus.PUBLISHED
    record.published_at = at or record.published_at or timezone.now()
