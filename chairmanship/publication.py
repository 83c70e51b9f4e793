"""Who may publish, schedule, unpublish, read unpublished records and delete published facts, and what a
publish requires. The one home of these rules: the admin's forms and actions, the API, the importer and
the commands all call this module, and none repeats it.

The status flow is draft → review → published, and back to draft on unpublish. A published record with
a future ``published_at`` is scheduled: ``published()`` leaves it out until that time comes, so nothing
has to run at that moment. Only a published record has a publication time.

The roles: an Editor writes drafts and submits them for review; a Publisher (the model's publish
permission) publishes, schedules, reschedules and unpublishes. An Editor never sets or changes
``published_at``. Deleting what published content shows (a published record, a source it cites, a
membership period of a published state, a key figure of a published chairmanship or summit) is a
Publisher's act, and no deletion leaves a published record without a source. An Editor's change to a
published record does not go live: it is kept as a pending change until a Publisher publishes it.
"""

import datetime
import json
from collections.abc import Iterable

import reversion
from django.core import serializers
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from chairmanship.models import (
    Chairmanship,
    Correction,
    Document,
    KeyFigure,
    Membership,
    PendingChange,
    PublicationStatus,
    Publishable,
    Source,
    Summit,
)

# Every model with an editorial status, in the order they are defined (states first, initiatives last).
PUBLISHABLE_MODELS: tuple[type[Publishable], ...] = tuple(Publishable.__subclasses__())


class PublicationRefused(Exception):
    """Publishing was refused; ``problems`` maps each record to the checks it failed."""

    def __init__(self, problems: dict[Publishable, list[str]]):
        self.problems = problems
        super().__init__(
            "; ".join(f"{record}: {' '.join(reasons)}" for record, reasons in problems.items()) or "Refused."
        )


class NotAllowed(PermissionDenied):
    """The user's role does not allow this; the message says who may, and what to do instead."""


class PendingChangeOutdated(Exception):
    """A pending change cannot be published: its record changed (or went) after it was proposed."""


class LeavesUncited(PermissionDenied):
    """A deletion would leave a published record without a source; refused whoever asks."""


# --- Who may -------------------------------------------------------------------------------------------


def may_publish(user, model: type[Publishable]) -> bool:
    """Only Publishers (and superusers) publish, schedule, reschedule or unpublish."""
    return bool(user and user.is_active and user.has_perm(model.publish_permission()))


def may_read_unpublished(user, model: type[models.Model]) -> bool:
    """Drafts and scheduled records are read by those with the model's view permission, on every path.

    Being staff is not enough: a staff account without a role sees what the public sees.
    """
    opts = model._meta
    return bool(user and user.is_active and user.has_perm(f"{opts.app_label}.view_{opts.model_name}"))


def is_published(record: models.Model | None) -> bool:
    """Published, live or scheduled: what only a Publisher may change the publication of."""
    return isinstance(record, Publishable) and record.status == PublicationStatus.PUBLISHED


def is_scheduled(record: Publishable, *, now: datetime.datetime | None = None) -> bool:
    return (
        record.status == PublicationStatus.PUBLISHED
        and record.published_at is not None
        and record.published_at > (now or timezone.now())
    )


def publication_change_refusal(
    *, user, model: type[Publishable], before: Publishable | None, status: str, published_at
) -> str | None:
    """Why ``user`` may not take the record from ``before`` (None: a new record) to (status, published_at).

    None when allowed. Publishing, unpublishing, and setting or changing the publication time (of a draft
    too: it would schedule the record once published) are a Publisher's.
    """
    if may_publish(user, model):
        return None
    stored_published_at = before.published_at if before is not None else None
    if is_published(before) != (status == PublicationStatus.PUBLISHED) or published_at != stored_published_at:
        plural = model._meta.verbose_name_plural
        return (
            f"Only a Publisher can publish, schedule, reschedule or unpublish {plural}, or set their publication "
            f"time. Save the {model._meta.verbose_name} as a draft or in review, and a Publisher will publish it."
        )
    return None


def check_publication_change(
    *, user, model: type[Publishable], before: Publishable | None, status: str, published_at
) -> None:
    """Raises ``NotAllowed`` when ``publication_change_refusal`` refuses."""
    refusal = publication_change_refusal(
        user=user, model=model, before=before, status=status, published_at=published_at
    )
    if refusal:
        raise NotAllowed(refusal)


def locked_publication_fields(user, model: type[Publishable], record: Publishable | None) -> tuple[str, ...]:
    """The publication fields ``user`` may not edit on ``record`` (None: a record being added)."""
    if may_publish(user, model):
        return ()
    return ("published_at", "status") if is_published(record) else ("published_at",)


def offered_statuses(user, model: type[Publishable]) -> list[tuple[str, str]]:
    """The statuses ``user`` may choose: an Editor's drafts go up to review."""
    publishes = may_publish(user, model)
    return [choice for choice in PublicationStatus.choices if publishes or choice[0] != PublicationStatus.PUBLISHED]


def keep_publication_through_revert(record: Publishable, *, user, status: str, published_at) -> None:
    """A revert or a recovery restores content. Unless a Publisher makes it, the record keeps the publication
    state it had before (``status``, ``published_at``; a recovered record comes back a draft)."""
    if not may_publish(user, type(record)):
        record.status, record.published_at = status, published_at


def stored_publication(record: Publishable) -> Publishable | None:
    """The record's publication state as stored (None for a record not saved yet), read afresh."""
    if record.pk is None:
        return None
    return type(record)._default_manager.filter(pk=record.pk).only("status", "published_at").first()


def goes_live_through_review(user, record: Publishable | None) -> bool:
    """Whether a change ``user`` makes to ``record`` waits for a Publisher (a pending change) instead of
    going live: the record is published (or scheduled) and ``user`` may not publish it."""
    return is_published(record) and not may_publish(user, type(record))


# --- What a publish requires ---------------------------------------------------------------------------


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


def normalized_published_at(*, status: str, published_at: datetime.datetime | None) -> datetime.datetime | None:
    """Only a published record has a publication time: now when none is given; a future one schedules it."""
    if status != PublicationStatus.PUBLISHED:
        return None
    return published_at or timezone.now()


# --- Status changes (the caller saves, except where said) ----------------------------------------------


def mark_published(record: Publishable, *, at: datetime.datetime | None = None) -> None:
    """Sets the published state; a future ``at`` schedules the record. The caller saves."""
    record.status = PublicationStatus.PUBLISHED
    record.published_at = at or record.published_at or timezone.now()


def mark_unpublished(record: Publishable) -> None:
    """Takes the record off the public site (and out of any schedule). The caller saves."""
    record.status = PublicationStatus.DRAFT
    record.published_at = None


def submit_for_review(record: Publishable) -> str | None:
    """Hands a draft to the Publishers and saves it; returns why not when it is not a draft."""
    if record.status != PublicationStatus.DRAFT:
        return f"it is already {record.get_status_display().lower()}."
    record.status = PublicationStatus.REVIEW
    record.save()
    return None


def publish(record: Publishable, *, user, at: datetime.datetime | None = None) -> None:
    """Publishes (or, with a future ``at``, schedules) ``record`` and saves it.

    Raises ``NotAllowed`` for anyone but a Publisher, ``PublicationRefused`` when it is already published
    or not ready.
    """
    if not may_publish(user, type(record)):
        raise NotAllowed(f"Only a Publisher can publish {record._meta.verbose_name_plural}.")
    if record.status == PublicationStatus.PUBLISHED:
        raise PublicationRefused({record: ["It is already published."]})
    problems = publication_problems(record)
    if problems:
        raise PublicationRefused({record: problems})
    mark_published(record, at=at)
    record.save()


def unpublish(record: Publishable, *, user) -> None:
    """Takes ``record`` off the site (back to draft) and saves it; a Publisher's act."""
    if not may_publish(user, type(record)):
        raise NotAllowed(f"Only a Publisher can unpublish {record._meta.verbose_name_plural}.")
    if record.status != PublicationStatus.PUBLISHED:
        raise PublicationRefused({record: ["It is not published."]})
    mark_unpublished(record)
    record.save()


def publish_summit_with_documents(summit: Summit, *, user, at: datetime.datetime | None = None) -> list[Document]:
    """Publishes ``summit`` and all its unpublished documents together, or nothing at all.

    Raises ``NotAllowed`` unless ``user`` may publish summits and documents, ``PublicationRefused`` naming
    every record that is not ready. Returns the documents published.
    """
    if not (may_publish(user, Summit) and may_publish(user, Document)):
        raise NotAllowed("Only a Publisher can publish summits with their documents.")
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


# --- Deleting what published content shows -------------------------------------------------------------


def _published_records_citing(sources: list[Source]) -> list[tuple[Publishable, set[int]]]:
    """Each published record citing any of ``sources``, with the ids of all the sources it cites."""
    source_ids = [source.pk for source in sources]
    found = []
    for model in PUBLISHABLE_MODELS:
        citing = (
            model.objects.filter(status=PublicationStatus.PUBLISHED, sources__in=source_ids)
            .distinct()
            .prefetch_related(models.Prefetch("sources", queryset=Source.objects.only("pk")))
        )
        found += [(record, {source.pk for source in record.sources.all()}) for record in citing]
    return found


def _shown_by(record: models.Model) -> list[Publishable]:
    """The published records that show ``record`` on their pages (a period on its state's page, ...)."""
    if isinstance(record, Publishable):
        return [record] if is_published(record) else []
    if isinstance(record, Membership):
        return [record.state] if is_published(record.state) else []
    if isinstance(record, KeyFigure):
        return [described for described in (record.chairmanship, record.summit) if is_published(described)]
    return []


def _deletion_refusals(*, user, records: list[models.Model]) -> tuple[list[str], list[str]]:
    """(what the user's role does not allow, what would leave a published record uncited)."""
    by_role, uncited = [], []
    for record in records:
        for shown in _shown_by(record):
            if not may_publish(user, type(shown)):
                what = "it" if shown is record else f"the published {shown._meta.verbose_name} “{shown}”"
                by_role.append(
                    f"Only a Publisher can delete the {record._meta.verbose_name} “{record}”: {what} is on the "
                    "public site. Ask a Publisher, or unpublish first."
                )
    sources = [record for record in records if isinstance(record, Source)]
    if sources:
        deleted = {source.pk for source in sources}
        names = ", ".join(f"“{source}”" for source in sources)
        for citing, cited in _published_records_citing(sources):
            if not may_publish(user, type(citing)):
                by_role.append(
                    f"Only a Publisher can delete {names}: the published {citing._meta.verbose_name} “{citing}” "
                    "cites it."
                )
            elif cited <= deleted:
                uncited.append(
                    f"Deleting {names} would leave the published {citing._meta.verbose_name} “{citing}” without a "
                    "source. Cite another source there first, or unpublish it."
                )
    return by_role, uncited


def shown_change_refusal(*, user, before: models.Model | None, after: models.Model) -> str | None:
    """Why ``user`` may not add or change a row that published pages show (a membership period of a published
    state, a key figure of a published chairmanship or summit): it would go live unreviewed. None: allowed.

    ``before`` is the row as stored (None for a new one), ``after`` as it would be saved; moving a row away
    from a published record, or onto one, counts.
    """
    for record in (before, after):
        if record is None or isinstance(record, Publishable):
            continue
        for shown in _shown_by(record):
            if not may_publish(user, type(shown)):
                return (
                    f"Only a Publisher can add or change this {record._meta.verbose_name}: the published "
                    f"{shown._meta.verbose_name} “{shown}” shows it, and the change would go live unreviewed. "
                    "Ask a Publisher."
                )
    return None


def check_shown_change(*, user, before: models.Model | None, after: models.Model) -> None:
    """Raises ``NotAllowed`` when ``shown_change_refusal`` refuses."""
    refusal = shown_change_refusal(user=user, before=before, after=after)
    if refusal:
        raise NotAllowed(refusal)


def deletion_refusals(*, user, records: Iterable[models.Model]) -> list[str]:
    """Why ``user`` may not delete ``records`` (deleted together), one sentence each. Empty: allowed."""
    by_role, uncited = _deletion_refusals(user=user, records=list(records))
    return by_role + uncited


def check_deletion(*, user, records: Iterable[models.Model]) -> None:
    """Raises ``NotAllowed`` when the role refuses, ``LeavesUncited`` when a published record would lose
    its last source (whoever deletes)."""
    by_role, uncited = _deletion_refusals(user=user, records=list(records))
    if by_role:
        raise NotAllowed(" ".join(by_role))
    if uncited:
        raise LeavesUncited(" ".join(uncited))


# --- Changes to published records that wait for a Publisher --------------------------------------------

# What a pending change never carries: the record's identity, and its publication, a Publisher's to change.
NOT_PROPOSED = ("status", "published_at", "updated_at", "version")


def propose_change(
    record: Publishable, *, user, many_to_many: dict[str, Iterable] | None = None, correction_note: str = ""
) -> PendingChange:
    """Keeps the change set on ``record`` (in memory, not saved) aside for a Publisher; the live record stays.

    ``many_to_many`` gives the proposed related records (``sources``, ``topics``...) by field name; the
    others stay as stored. Raises ``PublicationRefused`` when the change would leave the record unfit to
    be published (no source, no summary...).
    """
    many_to_many = dict(many_to_many or {})
    problems = publication_problems(record, sources=many_to_many.get("sources"))
    if problems:
        raise PublicationRefused({record: problems})
    ((entry),) = serializers.serialize("python", [record])
    data = {name: value for name, value in entry["fields"].items() if name not in NOT_PROPOSED}
    for name, related in many_to_many.items():
        data[name] = sorted(item.pk for item in related)
    return PendingChange.objects.create(
        record=record,
        data=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
        base_version=record.version,
        correction_note=correction_note,
        author=user if user is not None and user.is_authenticated else None,
    )


def proposed_values(change: PendingChange) -> tuple[dict, dict[str, list]]:
    """The change's field values keyed by attname, and its many-to-many keys by field name."""
    model = change.content_type.model_class()
    (deserialized,) = serializers.deserialize(
        "python", [{"model": model._meta.label_lower, "pk": change.object_id, "fields": change.data}]
    )
    values = {
        field.attname: getattr(deserialized.object, field.attname)
        for field in model._meta.concrete_fields
        if field.name in change.data
    }
    return values, {name: list(keys) for name, keys in deserialized.m2m_data.items()}


def _related_records_gone(model, values: dict, many_to_many: dict[str, list]) -> list[str]:
    """The related records a proposal names that no longer exist, described for a person."""
    gone = []
    for field in model._meta.concrete_fields:
        key = values.get(field.attname)
        if field.is_relation and key is not None and not field.related_model._default_manager.filter(pk=key).exists():
            gone.append(f"{field.verbose_name} #{key}")
    for name, keys in many_to_many.items():
        related = model._meta.get_field(name).related_model
        missing = set(keys) - set(related._default_manager.filter(pk__in=keys).values_list("pk", flat=True))
        gone += [f"{related._meta.verbose_name} #{key}" for key in sorted(missing)]
    return gone


def publish_pending_change(change: PendingChange, *, user) -> Publishable:
    """Applies ``change`` to its live record in one step, with a revision naming both people, and removes it.

    Raises ``NotAllowed`` for anyone but a Publisher, ``PendingChangeOutdated`` when the record changed
    after the proposal (publishing it would silently undo that change) and ``PublicationRefused`` when the
    result would not be fit to be published.
    """
    model = change.content_type.model_class()
    if not may_publish(user, model):
        raise NotAllowed(f"Only a Publisher can publish a proposed change to {model._meta.verbose_name_plural}.")
    with transaction.atomic():
        record = model._default_manager.select_for_update().filter(pk=change.object_id).first()
        if record is None:
            raise PendingChangeOutdated(f"The {model._meta.verbose_name} this change was proposed for was deleted.")
        if record.version != change.base_version:
            raise PendingChangeOutdated(
                f"“{record}” was changed after this proposal was made (it was version {change.base_version}, "
                f"it is now version {record.version}); publishing it would undo that change. Discard it, and "
                "propose the change again on the current version."
            )
        values, many_to_many = proposed_values(change)
        gone = _related_records_gone(model, values, many_to_many)
        if gone:
            raise PendingChangeOutdated(
                f"This change to “{record}” refers to records deleted since it was proposed ({', '.join(gone)}). "
                "Discard it, and propose the change again."
            )
        for attname, value in values.items():
            setattr(record, attname, value)
        sources = Source.objects.filter(pk__in=many_to_many["sources"]) if "sources" in many_to_many else None
        problems = publication_problems(record, sources=sources) if is_published(record) else []
        if problems:
            raise PublicationRefused({record: problems})
        author = change.author.get_username() if change.author else "someone"
        with reversion.create_revision():
            record.save()
            for name, keys in many_to_many.items():
                getattr(record, name).set(keys)
            reversion.set_user(user)
            reversion.set_comment(f"Published a change proposed by {author} on {change.created_at:%Y-%m-%d %H:%M}.")
        if change.correction_note:
            Correction.objects.create(record=record, note=change.correction_note, author=change.author)
        change.delete()
    return record


def discard_pending_change(change: PendingChange, *, user) -> None:
    """Drops ``change``; its author may withdraw it, a Publisher may turn it down."""
    model = change.content_type.model_class()
    if not (may_publish(user, model) or (change.author_id is not None and change.author_id == user.pk)):
        raise NotAllowed("Only a Publisher, or the person who proposed it, can discard a proposed change.")
    change.delete()
