"""Editorial writes and checks shared by the admin, the importer and the API.

The status flow is draft → review → published, and back to draft on unpublish. A published record
with a future ``published_at`` is scheduled: ``published()`` leaves it out until that time comes,
so nothing has to run at that moment.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from chairmanship.models import (
    Chairmanship,
    Document,
    Initiative,
    PublicationStatus,
    Publishable,
    State,
    Summit,
)

PUBLISHABLE_MODELS: tuple[type[Publishable], ...] = (State, Chairmanship, Summit, Document, Initiative)


class PublicationRefused(Exception):
    """Publishing was refused; ``problems`` maps each record to the checks it failed."""

    def __init__(self, problems: dict[Publishable, list[str]]):
        self.problems = problems
        super().__init__(
            "; ".join(f"{record}: {' '.join(reasons)}" for record, reasons in problems.items()) or "Refused."
        )


def can_publish(user, model: type[Publishable]) -> bool:
    """Only Publishers (and superusers) publish, schedule or unpublish."""
    return user.is_active and user.has_perm(model.publish_permission())


def publication_problems(record: Publishable, *, sources: Iterable | None = None) -> list[str]:
    """What stops ``record`` from being published, as sentences an editor can act on. Empty: ready.

    ``sources`` are the sources about to be saved with the record (a form or an import row sets the
    many-to-many relations only after the record itself is saved); without it the stored ones count.
    """
    problems = []
    if sources is not None:
        has_source = any(True for _ in sources)
    else:
        has_source = record.pk is not None and record.sources.exists()
    if not has_source:
        problems.append("Cite at least one source.")
    if not (getattr(record, "summary", "") or "").strip():
        problems.append("Write a summary.")
    if isinstance(record, Document):
        if record.date is None:
            problems.append("Give the document's date.")
        summit = record.summit if record.summit_id else None
        if summit is not None and summit.status != PublicationStatus.PUBLISHED:
            problems.append(f"Publish its summit ({summit}) first, or publish the summit with its documents.")
    if isinstance(record, Chairmanship) and record.state_id and record.state.status != PublicationStatus.PUBLISHED:
        problems.append(f"Publish the chairing state ({record.state}) first.")
    if isinstance(record, Summit) and record.host_state_id and record.host_state.status != PublicationStatus.PUBLISHED:
        problems.append(f"Publish the host state ({record.host_state}) first.")
    return problems


def mark_published(record: Publishable, *, at=None) -> None:
    """Sets the published state; a future ``at`` schedules the record. The caller saves."""
    record.status = PublicationStatus.PUBLISHED
    record.published_at = at or record.published_at or timezone.now()


def mark_unpublished(record: Publishable) -> None:
    """Takes the record off the public site (and out of any schedule). The caller saves."""
    record.status = PublicationStatus.DRAFT
    record.published_at = None


def mark_in_review(record: Publishable) -> None:
    """Hands a draft to the Publishers. The caller saves."""
    record.status = PublicationStatus.REVIEW


def is_scheduled(record: Publishable, *, now: datetime.datetime | None = None) -> bool:
    return (
        record.status == PublicationStatus.PUBLISHED
        and record.published_at is not None
        and record.published_at > (now or timezone.now())
    )


def publish_summit_with_documents(summit: Summit, *, at: datetime.datetime | None = None) -> list[Document]:
    """Publishes ``summit`` and all its unpublished documents together, or nothing at all.

    Raises ``PublicationRefused`` naming every record that is not ready. Returns the documents published.
    """
    with transaction.atomic():
        summit = Summit.objects.select_for_update().select_related("host_state").get(pk=summit.pk)
        problems: dict[Publishable, list[str]] = {}
        if summit.status != PublicationStatus.PUBLISHED:
            summit_problems = publication_problems(summit)
            if summit_problems:
                problems[summit] = summit_problems
            mark_published(summit, at=at)
            summit.save()
        documents = list(
            summit.documents.exclude(status=PublicationStatus.PUBLISHED).select_related("summit").order_by("pk")
        )
        for document in documents:
            document_problems = publication_problems(document)
            if document_problems:
                problems[document] = document_problems
                continue
            mark_published(document, at=at or summit.published_at)
            document.save()
        if problems:
            raise PublicationRefused(problems)
    return documents


def awaiting_review_counts() -> list[tuple[type[Publishable], int]]:
    """How many records of each publishable model wait for a Publisher."""
    return [(model, model.objects.awaiting_review().count()) for model in PUBLISHABLE_MODELS]
