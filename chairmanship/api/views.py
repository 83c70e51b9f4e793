"""The API's viewsets: one per resource, all sharing the visibility, caching and editing rules.

- Reads: the public subset (``published()``) for everyone but those with the model's view permission
  (``chairmanship.publication.may_read_unpublished``), who read drafts and scheduled records too.
- Lists and details carry an ETag derived from what they show; If-None-Match answers 304
  (``chairmanship.conditional``).
- A published record's detail also answers as its citation (BibTeX, RIS, CSL-JSON: ``chairmanship.citation``),
  chosen by Accept or by ``?format=``.
- Writes need the model permissions (``EditorModelPermissions``), honour If-Match (412 on a lost
  update), follow the publication rules of ``chairmanship.publication`` and record a django-reversion revision.
- Languages: reads answer in the request's language (``chairmanship.languages.request_language``, which the
  middleware activates); writes are handled, and answered, in English, so a field's plain name always writes
  its English text and ``translations`` the others (``chairmanship.api.serializers``).
"""

import copy
from contextlib import contextmanager

import reversion
from django import forms as django_forms
from django.db import IntegrityError, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.functional import classproperty
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.relations import Hyperlink
from rest_framework.response import Response
from rest_framework.views import APIView

from chairmanship import cache as archive_cache
from chairmanship import citation, conditional, filters, on_date, publication, tags
from chairmanship.api import schema, serializers
from chairmanship.api.exceptions import DeletionRefused, PreconditionFailed, PublicationRefused, WriteConflict
from chairmanship.api.permissions import role_refusals_as_403, sees_unpublished
from chairmanship.api.renderers import CITATION_RENDERERS
from chairmanship.languages import DEFAULT_LANGUAGE, LANGUAGE_PARAMETER
from chairmanship.models import PublicationStatus, Publishable
from chairmanship.pagination import PageRecords

SLUG_PATTERN = r"[-a-zA-Z0-9_]+"
# Larger numbers cannot be primary keys; refusing them in the URL keeps them away from the database.
ID_PATTERN = r"[0-9]{1,18}"


def plain(value):
    """A representation as plain data to keep: DRF's links (``Hyperlink``) carry the record they link to."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return str(value) if isinstance(value, Hyperlink) else value


class TaggedReadMixin:
    """Answers a read with an ETag derived from its data (``chairmanship.conditional``), and a 304 before any
    query to a client holding the current one. ``reader`` says whom the answer is for: ``"public"``, or
    ``"editor"`` where it shows drafts too."""

    reader = "public"

    def read(self, request, represent):
        """The answer to a read, tagged by its data (``chairmanship.conditional``); ``represent()`` returns the
        data and the record it shows (None for a list).

        The tag is remembered until the content changes, so a client that already holds it is answered 304
        before any query. The browsable API's page also shows who is signed in and a form token: like any
        page, it is tagged by its bytes.
        """
        if request.accepted_renderer.format == "api":
            return Response(represent()[0])
        shown = None

        def tag():
            nonlocal shown
            shown = represent()
            return conditional.read_etag(shown[0], request.accepted_media_type, shown[1])

        etag = archive_cache.cached_for_content(conditional.read_name(request, self.reader), tag)
        if shown is None:  # the tag was remembered: a client holding it needs no data at all
            early = get_conditional_response(request, etag=etag, response=HttpResponse(headers={"ETag": etag}))
            if early.status_code != status.HTTP_200_OK:
                return early
            shown = represent()
        return Response(shown[0], headers={"ETag": etag})


class ArchiveViewSet(TaggedReadMixin, viewsets.ModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

    @classproperty
    def model(cls):
        """The resource's model, as its serializer names it."""
        return cls.serializer_class.Meta.model

    # --- Reading -----------------------------------------------------------------------------------

    def reads_public_subset(self) -> bool:
        return not sees_unpublished(self.request.user, self.model)

    def get_queryset(self):
        manager = self.model.objects
        if self.citation_format() is not None:
            return self.visible(manager.for_citation())
        return self.visible(
            manager.for_api(public=self.reads_public_subset()) if hasattr(manager, "for_api") else manager.all()
        )

    # --- Citations ---------------------------------------------------------------------------------

    def offers_citations(self) -> bool:
        return self.action == "retrieve" and issubclass(self.model, citation.CITABLE_MODELS)

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.offers_citations():
            renderers += [renderer() for renderer in CITATION_RENDERERS]
        return renderers

    def perform_content_negotiation(self, request, force=False):
        """Accept chooses among JSON and the citation formats; ``?format=`` names a citation format outright
        (``URL_FORMAT_OVERRIDE`` is off: ``format`` is the summits' filter on the list)."""
        if force or not self.offers_citations() or "format" not in request.query_params:
            return super().perform_content_negotiation(request, force)
        chosen = request.query_params["format"]
        for renderer in self.get_renderers():
            if getattr(renderer, "citation_format", None) is not None and renderer.format == chosen:
                return renderer, renderer.media_type
        raise ValidationError({"format": [f"Choose one of: {', '.join(citation.FORMATS)}."]})

    def citation_format(self):
        """The citation format this read answers in, or None (JSON)."""
        renderer = getattr(self.request, "accepted_renderer", None)
        return getattr(renderer, "citation_format", None)

    def visible(self, queryset):
        """The records of ``queryset`` this reader may see: the published ones, unless an editor asks."""
        if self.reads_public_subset() and hasattr(queryset, "published"):
            return queryset.published()
        return queryset

    @property
    def reader(self) -> str:
        """Who the answer is for: the public, or editors (who see drafts too)."""
        return "public" if self.reads_public_subset() else "editor"

    def list(self, request, *args, **kwargs):
        def represent():
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
            return self.get_paginated_response(self.represent_page(page)).data, None

        return self.read(request, represent)

    def represent_page(self, records) -> list:
        """The page's records as the serializer represents them, each kept per record, reader, language and
        address the links are absolute to (``cache.cached_per_record``): a list made again after a change
        serializes only the records that changed."""
        if not isinstance(records, PageRecords):
            return self.get_serializer(records, many=True).data

        def make(ids):
            fetched = records.fetch(ids)
            # What a record shows is what its own answer shows (related records only while public...).
            return {
                record.pk: (plain(item), tags.loaded_with(record).union(tags.detail_tags(record)))
                for record, item in zip(fetched, self.get_serializer(fetched, many=True).data, strict=True)
            }

        name = f"api:{self.reader}:{self.model._meta.model_name}:{self.request.build_absolute_uri('/')}"
        kept = archive_cache.cached_per_record(name, records.ids, make)
        return [kept[pk] for pk in records.ids if pk in kept]

    def filter_queryset(self, queryset):
        # The list's filters select records; a record asked for by its URL is found whatever they say.
        if self.action == "retrieve":
            return queryset
        self.refuse_repeated_parameters()
        return super().filter_queryset(queryset)

    def refuse_repeated_parameters(self):
        """A filter that takes one value, given twice, is refused (400) rather than read as its last value."""
        single = [
            name
            for name, list_filter in self.filterset_class.base_filters.items()
            if not issubclass(list_filter.field_class, django_forms.MultipleChoiceField)
        ]
        repeated = {
            name: ["Give this parameter once."]
            for name in (*single, LANGUAGE_PARAMETER)
            if len(self.request.query_params.getlist(name)) > 1
        }
        if repeated:
            raise ValidationError(repeated)

    def retrieve(self, request, *args, **kwargs):
        form = self.citation_format()

        def represent():
            record = self.get_object()
            tags.show(*tags.detail_tags(record))
            if form is not None:
                return form.write(citation.for_record(record, absolute=request.build_absolute_uri)), record
            return self.get_serializer(record).data, record

        return self.read(request, represent)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The representation depends on who asks (editors see drafts), and a record's on the format asked for.
        patch_vary_headers(response, ("Authorization", "Cookie", "Accept"))
        return response

    # --- Writing -----------------------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        if request.method in permissions.SAFE_METHODS:
            return super().dispatch(request, *args, **kwargs)
        # Whatever language the client reads in, a field's plain name writes English (KeptInEnglish).
        with translation.override(DEFAULT_LANGUAGE):
            response = super().dispatch(request, *args, **kwargs)
        response["Content-Language"] = DEFAULT_LANGUAGE
        return response

    def get_object(self):
        record = super().get_object()
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and conditional.precondition_failed(
            self.request, record
        ):
            raise PreconditionFailed()
        return record

    def save_with_revision(self, serializer, action: str):
        with transaction.atomic(), reversion.create_revision():
            record = serializer.save()
            # Checked after saving, on the record as it will stand (its sources included); a refusal
            # rolls the whole write back.
            if isinstance(record, Publishable) and record.status == PublicationStatus.PUBLISHED:
                problems = publication.publication_problems(record)
                if problems:
                    raise PublicationRefused(problems)
            reversion.set_user(self.request.user)
            changed = ", ".join(sorted(serializer.validated_data)) or "nothing"
            reversion.set_comment(f"Changed through the API: {action} ({changed}).")
        self.saved_record = record

    def perform_create(self, serializer):
        self.save_with_revision(serializer, "created")

    def perform_update(self, serializer):
        if publication.goes_live_through_review(self.request.user, serializer.instance):
            self.propose(serializer)
            return
        self.save_with_revision(serializer, "updated")

    def propose(self, serializer):
        """Keeps an Editor's change to a published record for a Publisher; the record stays as it is."""
        data = serializer.validated_data
        many_to_many = {field.name for field in self.model._meta.many_to_many}
        candidate = copy.copy(serializer.instance)
        for name, value in data.items():
            if name not in many_to_many:
                setattr(candidate, name, value)
        try:
            self.pending_change = publication.propose_change(
                candidate,
                user=self.request.user,
                many_to_many={name: value for name, value in data.items() if name in many_to_many},
            )
        except publication.PublicationRefused as refusal:
            raise PublicationRefused(next(iter(refusal.problems.values()))) from refusal
        self.proposal = serializer.represent_proposal(data)

    def perform_destroy(self, record):
        with role_refusals_as_403():
            publication.check_deletion(user=self.request.user, records=[record])
        with transaction.atomic():
            # The last state is saved as a revision first (django-reversion skips objects that no longer
            # exist when a revision closes), so the deleted record can be recovered from the history.
            with reversion.create_revision():
                reversion.add_to_revision(record)
                reversion.set_user(self.request.user)
                reversion.set_comment(f"Changed through the API: deleted {record}.")
            record.delete()

    @contextmanager
    def one_write(self):
        """The If-Match check, the write and its revision as one transaction, one writer at a time.

        The record's row stays locked from before it is read until the write commits, so a concurrent
        write with the same If-Match waits, then sees the new version (or representation) and answers 412
        instead of overwriting. SQLite has no row locks; there every transaction takes the database's
        write lock when it begins (``transaction_mode`` in settings), which serializes writes the same way.
        A unique value taken meanwhile by another write answers as a sequential duplicate would.
        """
        try:
            with transaction.atomic():
                lookup = self.lookup_url_kwarg or self.lookup_field
                if lookup in self.kwargs:
                    # Locked before get_object() reads the record; the rows themselves are not needed.
                    rows = self.model._default_manager.select_for_update().filter(
                        **{self.lookup_field: self.kwargs[lookup]}
                    )
                    list(rows.values_list("pk", flat=True))
                yield
        except IntegrityError as error:
            raise self.clash() from error

    def clash(self) -> Exception:
        """What a write refused by the database answers, checked again now that the other write is in."""
        if self.action == "destroy":
            try:
                # Django's deletion check now sees the record that arrived meanwhile, and names it.
                Collector(using=router.db_for_write(self.model)).collect([self.get_object()])
            except (ProtectedError, RestrictedError) as refusal:
                return DeletionRefused(refusal, self.model)
            return WriteConflict()
        instance = self.get_object() if self.action in ("update", "partial_update") else None
        serializer = self.get_serializer(instance, data=self.request.data, partial=self.action == "partial_update")
        if not serializer.is_valid():
            return ValidationError(serializer.errors)
        return WriteConflict()

    def create(self, request, *args, **kwargs):
        with self.one_write():
            response = super().create(request, *args, **kwargs)
        return self.with_validators_of_saved(response)

    def update(self, request, *args, **kwargs):
        with self.one_write():
            response = super().update(request, *args, **kwargs)
        change = getattr(self, "pending_change", None)
        if change is not None:
            context = {**self.get_serializer_context(), "proposed": self.proposal}
            return Response(
                serializers.PendingChangeSerializer(change, context=context).data, status=status.HTTP_202_ACCEPTED
            )
        return self.with_validators_of_saved(response)

    def destroy(self, request, *args, **kwargs):
        with self.one_write():
            return super().destroy(request, *args, **kwargs)

    def with_validators_of_saved(self, response):
        # The client can send the new ETag with its next If-Match.
        record = getattr(self, "saved_record", None)
        if record is not None:
            response["ETag"] = conditional.read_etag(response.data, self.request.accepted_media_type, record)
        return response


def documented(list_summary: str, detail_summary: str, description: str = ""):
    """The schema's words for a resource's list and detail; a publishable resource's updates also document the
    202 of an Editor's change to a published record (``chairmanship.publication``), and its detail the citation
    formats it answers in (``chairmanship.citation``)."""

    def decorate(viewset):
        operations = {
            "list": extend_schema(summary=list_summary, description=description or None),
            "retrieve": extend_schema(summary=detail_summary),
        }
        if issubclass(viewset.model, citation.CITABLE_MODELS):
            operations["retrieve"] = extend_schema(
                summary=detail_summary,
                description=schema.CITATION_DESCRIPTION,
                parameters=[schema.CITATION_FORMAT_PARAMETER],
                responses=schema.citation_responses(viewset.serializer_class),
            )
        if issubclass(viewset.model, Publishable):
            responses = {200: viewset.serializer_class, 202: serializers.PendingChangeSerializer}
            review = (
                "A change to a published (or scheduled) record by an account without the publish permission (an "
                "Editor) does not go live: it is kept as a proposed change for a Publisher, the record stays as it "
                "is, and the answer is 202 Accepted with the proposed change."
            )
            operations["update"] = operations["partial_update"] = extend_schema(responses=responses, description=review)
        return extend_schema_view(**operations)(viewset)

    return decorate


@documented("List states", "One state", "SCO states, with their membership periods.")
class StateViewSet(ArchiveViewSet):
    serializer_class = serializers.StateSerializer
    filterset_class = filters.StateFilterSet


@documented("List membership periods", "One membership period", "Who held which status, and when.")
class MembershipViewSet(ArchiveViewSet):
    serializer_class = serializers.MembershipSerializer
    filterset_class = filters.MembershipFilterSet
    lookup_field = "pk"
    lookup_value_regex = ID_PATTERN


@documented("List chairmanships", "One chairmanship", "Annual chairmanships, latest first.")
class ChairmanshipViewSet(ArchiveViewSet):
    serializer_class = serializers.ChairmanshipSerializer
    filterset_class = filters.ChairmanshipFilterSet


@documented("List summits", "One summit", "Meetings of the Council of Heads of State.")
class SummitViewSet(ArchiveViewSet):
    serializer_class = serializers.SummitSerializer
    filterset_class = filters.SummitFilterSet


@documented("List documents", "One document", "Declarations, decisions, agreements and more.")
class DocumentViewSet(ArchiveViewSet):
    serializer_class = serializers.DocumentSerializer
    filterset_class = filters.DocumentFilterSet


@documented("List initiatives", "One initiative", "Initiatives proposed or launched in the SCO.")
class InitiativeViewSet(ArchiveViewSet):
    serializer_class = serializers.InitiativeSerializer
    filterset_class = filters.InitiativeFilterSet


@documented("List topics", "One topic")
class TopicViewSet(ArchiveViewSet):
    serializer_class = serializers.TopicSerializer
    filterset_class = filters.TopicFilterSet


@documented("List key figures", "One key figure", "Numbers the sources report, with units.")
class KeyFigureViewSet(ArchiveViewSet):
    serializer_class = serializers.KeyFigureSerializer
    filterset_class = filters.KeyFigureFilterSet


@documented("List sources", "One source", "The sources every fact in the archive cites.")
class SourceViewSet(ArchiveViewSet):
    serializer_class = serializers.SourceSerializer
    filterset_class = filters.SourceFilterSet


@extend_schema(
    summary="The SCO on a date",
    description=(
        "The member states, SCO partners, observers and dialogue partners on the date (each status as the "
        "record gives it for that day: a period runs from its start up to, not including, its end), the "
        "chairmanship whose term covers it (or, where none is recorded, the latest earlier one), the latest "
        "summit held on or before it and the next one, and the documents adopted up to it. The statuses are "
        "what `/api/v1/states/?status=<status>&status_on=<date>` lists; the documents what "
        "`/api/v1/documents/?date_before=<date>` lists. Only published records count, whoever asks. "
        "A date that is not one of the calendar answers 404."
    ),
    parameters=[
        OpenApiParameter(
            "date", OpenApiTypes.DATE, OpenApiParameter.PATH, description="The day, as YYYY-MM-DD (e.g. 2024-07-04)."
        )
    ],
    responses=serializers.OnDateSerializer,
)
class OnDateView(TaggedReadMixin, APIView):
    """The SCO on a date (``chairmanship.on_date.sco_on``), as the page ``/on/<date>/`` shows it."""

    # Read only, and the same for everyone: other methods answer 405.
    permission_classes = (permissions.AllowAny,)

    def get(self, request, date: str):
        try:
            day = on_date.parse_day(date)
        except ValueError as error:
            raise NotFound(str(error)) from error

        def represent():
            tags.show(*tags.ON_DATE_LISTS)
            snapshot = on_date.sco_on(day)
            return serializers.OnDateSerializer(snapshot, context={"request": request}).data, None

        return self.read(request, represent)


@extend_schema(exclude=True)
class UnknownAddressView(APIView):
    """Any other address under /api/: a 404 in the problem shape, whatever the method."""

    authentication_classes = ()
    permission_classes = ()

    def dispatch_not_found(self, request, *args, **kwargs):
        raise NotFound(f"There is nothing at {request.path}. The API starts at /api/v1/.")

    get = head = post = put = patch = delete = options = dispatch_not_found
