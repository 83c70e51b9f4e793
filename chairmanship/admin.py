"""The editorial admin: roles, review and publishing, history with comparison, imports and previews.

Editors write drafts and submit them for review; Publishers (and superusers) publish, schedule and
unpublish. The rule is enforced on the server: the form offers an Editor no way to publish, and a save
that tries anyway is refused. Every save records a revision (author, time, comment) with
django-reversion; records can be compared version by version, reverted and recovered after deletion.
"""

import copy
import datetime
from http import HTTPStatus

import reversion
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.actions import delete_selected as delete_selected_unguarded
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from modeltranslation.admin import TranslationAdmin
from reversion.admin import VersionAdmin
from reversion.models import Version

from chairmanship import publication
from chairmanship.deletion import refusal_message
from chairmanship.forms import EditorialForm
from chairmanship.languages import LANGUAGE_CODES, OTHER_LANGUAGES, field_suffix, language_name
from chairmanship.models import (
    Chairmanship,
    Correction,
    Document,
    Initiative,
    KeyFigure,
    Membership,
    PendingChange,
    PublicationStatus,
    SlugRedirect,
    Source,
    State,
    Summit,
    Topic,
)
from chairmanship.preview import SHARE_LINK_DEFAULT_DAYS, SHARE_LINK_MAX_DAYS, make_share_token
from chairmanship.publication import PendingChangeOutdated, PublicationRefused, is_scheduled
from chairmanship.resources import (
    ChairmanshipResource,
    DocumentResource,
    InitiativeResource,
    KeyFigureResource,
    MembershipResource,
    SourceResource,
    StateResource,
    SummitResource,
    TopicResource,
)
from chairmanship.security import admin_export_policy
from chairmanship.versions import field_label, record_field_values, version_differences

# The editor note sits with the publication fields: both are about the record, not what readers see.
PUBLICATION_FIELDSET = ("Publication", {"fields": ("status", "published_at", "editor_note")})


# --- Deleting what others refer to ---------------------------------------------------------------


def _refused_with_conflict(request, response):
    # Django's own page lists the records that still refer to the one to delete; once the deletion is
    # confirmed, that refusal is a 409 rather than a 200.
    context = getattr(response, "context_data", None) or {}
    if request.method == "POST" and request.POST.get("post") and context.get("protected"):
        response.status_code = HTTPStatus.CONFLICT
    return response


@admin.action(permissions=["delete"], description=delete_selected_unguarded.short_description)
def delete_selected(modeladmin, request, queryset):
    """Django's "delete selected" action, all or nothing, and refused cleanly when something began
    referring to a selected record after the confirmation page checked (instead of a 500)."""
    try:
        with transaction.atomic(using=router.db_for_write(modeladmin.model)):
            response = delete_selected_unguarded(modeladmin, request, queryset)
    except (ProtectedError, RestrictedError) as refusal:
        modeladmin.message_user(request, refusal_message(refusal, modeladmin.model), messages.ERROR)
        return None
    return _refused_with_conflict(request, response)


admin.site.add_action(delete_selected)


class ArchiveAdmin(VersionAdmin):
    """Every archive record's admin: deleting one that others still refer to is refused, never a 500."""

    def delete_view(self, request, object_id, extra_context=None):
        try:
            response = super().delete_view(request, object_id, extra_context)
        except (ProtectedError, RestrictedError) as refusal:
            # Something began referring to the record after the confirmation page checked.
            self.message_user(request, refusal_message(refusal, self.model), messages.ERROR)
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", object_id)
        return _refused_with_conflict(request, response)


# --- Every language of a translated field ----------------------------------------------------------


def in_every_language(name: str) -> tuple[str, ...]:
    """A form row holding a translated field's column in each language, side by side (English first)."""
    return tuple(f"{name}_{field_suffix(code)}" for code in LANGUAGE_CODES)


class MissingTranslationFilter(admin.SimpleListFilter):
    """Records lacking a language (``PublicRelationsQuerySet.missing_translation``), or lacking none."""

    title = "translation"
    parameter_name = "translation"

    def lookups(self, request, model_admin):
        return (
            *((f"missing-{code}", f"Missing {language_name(code)}") for code in OTHER_LANGUAGES),
            ("complete", "Complete"),
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value == "complete":
            return queryset.translations_complete()
        for code in OTHER_LANGUAGES:
            if value == f"missing-{code}":
                return queryset.missing_translation(code)
        return queryset


def warn_untranslated(modeladmin, request, records) -> None:
    """Names, for each record just published, the languages and fields it lacks; publishing goes ahead."""
    by_model = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record)
    for model, published in by_model.items():
        gaps = model._default_manager.filter(pk__in=[record.pk for record in published]).translation_gaps()
        for record in published:
            missing = gaps.get(record.pk)
            if not missing:
                continue
            lacks = "; ".join(
                f"{language_name(code)}: {', '.join(str(model._meta.get_field(name).verbose_name) for name in names)}"
                for code, names in missing.items()
            )
            modeladmin.message_user(
                request,
                f"“{record}” is published without some of its translations ({lacks}). Readers in those "
                "languages see the English text until the translation is added.",
                messages.WARNING,
            )


class TranslatedAdmin(TranslationAdmin):
    """django-modeltranslation's admin: each translated field is edited in every language, side by side.

    English keeps the field's own label and stays required where the field is; Russian and Chinese are
    optional and say their language. The change list shows which languages a record lacks and filters by it.
    Plain TranslationAdmin, not the tabbed one: the tabs need jQuery UI from a CDN, which the site's
    Content-Security-Policy (scripts from this site only) and offline machines rule out.
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        # TranslationAdmin.get_form takes no positional ``change``; the admins it is mixed with pass one.
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and hasattr(db_field, "translated_field"):
            formfield.label = field_label(db_field)
        return formfield

    def get_queryset(self, request):
        return super().get_queryset(request).with_missing_languages()

    def get_list_filter(self, request):
        return (*super().get_list_filter(request), MissingTranslationFilter)

    def get_list_display(self, request):
        return (*super().get_list_display(request), "missing_translations")

    @admin.display(description="missing translations")
    def missing_translations(self, record):
        missing = [code for code in OTHER_LANGUAGES if getattr(record, f"missing_{field_suffix(code)}")]
        return f"Missing: {', '.join(missing)}" if missing else "—"


# --- Filters and inlines ---------------------------------------------------------------------------


class PublicationStateFilter(admin.SimpleListFilter):
    """Status as editors think of it: scheduled records are published but not yet live."""

    title = "publication"
    parameter_name = "publication"  # admin_site.IN_REVIEW_QUERY links to its "review" choice

    def lookups(self, request, model_admin):
        return (
            ("draft", "Draft"),
            ("review", "In review"),
            ("live", "Published and live"),
            ("scheduled", "Scheduled"),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "draft":
                return queryset.filter(status=PublicationStatus.DRAFT)
            case "review":
                return queryset.filter(status=PublicationStatus.REVIEW)
            case "live":
                return queryset.published(at=now)
            case "scheduled":
                return queryset.filter(status=PublicationStatus.PUBLISHED, published_at__gt=now)
        return queryset


class PendingChangeFilter(admin.SimpleListFilter):
    """Published records with an Editor's change waiting for a Publisher."""

    title = "proposed change"
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return (("yes", "Has a change waiting"), ("no", "No change waiting"))

    def queryset(self, request, queryset):
        waiting = models.Exists(
            PendingChange.objects.filter(
                content_type=ContentType.objects.get_for_model(queryset.model), object_id=models.OuterRef("pk")
            )
        )
        match self.value():
            case "yes":
                return queryset.filter(waiting)
            case "no":
                return queryset.exclude(waiting)
        return queryset


class ShownByPublishedParentInline(admin.TabularInline):
    """Rows shown on a published record's page (its membership periods, its key figures) are published facts
    too: an Editor reads them there, and a Publisher adds, changes or deletes them."""

    def _parent_allows(self, request, obj) -> bool:
        return obj is None or not publication.goes_live_through_review(request.user, obj)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._parent_allows(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_allows(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_allows(request, obj)


class MembershipInline(ShownByPublishedParentInline):
    model = Membership
    extra = 0
    fields = ("status", "start_date", "end_date", "summit", "note", "sources")
    autocomplete_fields = ("summit", "sources")


class DocumentInline(ShownByPublishedParentInline):
    model = Document
    extra = 0
    fields = ("title", "document_type", "date", "adoption", "status")
    # Publishing goes through the document's own form or the list actions, which check completeness.
    readonly_fields = ("status",)
    show_change_link = True


class KeyFigureInline(ShownByPublishedParentInline):
    model = KeyFigure
    extra = 0
    fields = ("label", "qualifier", "value", "unit", "as_of", "period", "source")
    autocomplete_fields = ("source",)
    show_change_link = True


# --- Deleting what published content shows ---------------------------------------------------------


class GuardedDeletionAdmin(ArchiveAdmin):
    """Deletes only what ``chairmanship.publication.deletion_refusals`` allows, on the delete page, the bulk
    action and the delete itself, and says why it refuses (naming the published record concerned)."""

    def delete_view(self, request, object_id, extra_context=None):
        record = self.get_object(request, unquote(object_id))
        if record is not None and self.has_delete_permission(request):
            refusals = publication.deletion_refusals(user=request.user, records=[record])
            if refusals:
                for refusal in refusals:
                    self.message_user(request, refusal, messages.ERROR)
                return redirect(
                    f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change", record.pk
                )
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=("delete",), description=admin_actions.delete_selected.short_description)
    def delete_selected(self, request, queryset):
        refusals = publication.deletion_refusals(user=request.user, records=queryset)
        if refusals:
            for refusal in refusals:
                self.message_user(request, f"Nothing deleted. {refusal}", messages.ERROR)
            return None
        # The module's all-or-nothing "delete selected", which this action narrows by the role rules.
        return delete_selected(self, request, queryset)

    def delete_model(self, request, obj):
        publication.check_deletion(user=request.user, records=[obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        publication.check_deletion(user=request.user, records=queryset)
        super().delete_queryset(request, queryset)


# --- The editorial admin ---------------------------------------------------------------------------


class EditorialAdmin(GuardedDeletionAdmin):
    """Shared by every publishable model: role-aware form and actions, history, preview links."""

    form = EditorialForm
    change_form_template = "admin/chairmanship/editorial_change_form.html"
    object_history_template = "admin/chairmanship/object_history.html"
    history_latest_first = True
    actions = ("delete_selected", "submit_for_review", "publish", "unpublish")
    list_per_page = 50

    # Role checks ----------------------------------------------------------------------------------

    def has_publish_permission(self, request) -> bool:
        return publication.may_publish(request.user, self.model)

    def get_readonly_fields(self, request, obj=None):
        locked = publication.locked_publication_fields(request.user, self.model, obj)
        return [*super().get_readonly_fields(request, obj), *locked]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":
            kwargs["choices"] = publication.offered_statuses(request.user, self.model)
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        extended = []
        for name, options in fieldsets:
            if name == "Publication":
                options = {**options, "fields": (*options["fields"], "loaded_version")}
            extended.append((name, options))
        if obj.status == PublicationStatus.PUBLISHED:
            extended.append(("Public correction", {"fields": ("correction_note",)}))
        return extended

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.may_publish = self.has_publish_permission(request)
        return form

    def save_model(self, request, obj, form, change):
        before = getattr(request, "_editorial_state_before_revert", None)
        stored = None
        if before is not None:
            # A revert restores content; the publication state stays unless a Publisher changes it, and
            # the version keeps rising so editors who loaded the newer version are still warned.
            obj.version = max(obj.version, before["version"])
            publication.keep_publication_through_revert(
                obj, user=request.user, status=before["status"], published_at=before["published_at"]
            )
        else:
            stored = publication.stored_publication(obj) if change else None
            publication.check_publication_change(
                user=request.user, model=type(obj), before=stored, status=obj.status, published_at=obj.published_at
            )
            if publication.goes_live_through_review(request.user, stored):
                many_to_many = {
                    field.name: form.cleaned_data[field.name]
                    for field in obj._meta.many_to_many
                    if field.name in form.cleaned_data
                }
                request._pending_change = publication.propose_change(
                    obj,
                    user=request.user,
                    many_to_many=many_to_many,
                    correction_note=form.cleaned_data.get("correction_note") or "",
                )
                return
        super().save_model(request, obj, form, change)
        if before is None and publication.is_published(obj) and not publication.is_published(stored):
            warn_untranslated(self, request, [obj])
        note = form.cleaned_data.get("correction_note")
        if note:
            Correction.objects.create(record=obj, note=note, author=request.user)
            request._public_correction_note = note

    def save_related(self, request, form, formsets, change):
        if getattr(request, "_pending_change", None) is None:
            super().save_related(request, form, formsets, change)

    def construct_change_message(self, request, form, formsets, add=False):
        if getattr(request, "_pending_change", None) is not None:
            # Nothing was saved: the inline formsets hold no saved objects to describe.
            return "Proposed a change for a Publisher to publish."
        return super().construct_change_message(request, form, formsets, add)

    def response_change(self, request, obj):
        if getattr(request, "_pending_change", None) is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            f"Your change to “{obj}” waits for a Publisher. The public site shows the record as it was until a "
            "Publisher publishes your change.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(request.path)

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        # The revision comment (set from the change message) also says what was publicly corrected.
        note = getattr(request, "_public_correction_note", "")
        if note and reversion.is_active():
            reversion.set_comment(f"{entry.get_change_message()} Public correction: {note}")
        return entry

    # History: revert, recover, compare -------------------------------------------------------------

    def _remember_state_before_revert(self, request, object_id) -> None:
        request._editorial_state_before_revert = (
            self.model._default_manager.filter(pk=object_id).values("version", "status", "published_at").first()
        ) or {"version": 0, "status": PublicationStatus.DRAFT, "published_at": None}

    def get_object(self, request, object_id, from_field=None):
        record = super().get_object(request, object_id, from_field)
        before = getattr(request, "_editorial_state_before_revert", None)
        if record is not None and before is not None:
            # A revert restores content: its form offers the publication state the record has now, not the one
            # of the old version (reverting to a version saved in review must not unpublish the record).
            record.status, record.published_at = before["status"], before["published_at"]
        return record

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and publication.goes_live_through_review(
            request.user, self.model._default_manager.filter(pk=unquote(object_id)).first()
        ):
            # A revert writes the old version (its related records included) at once: a Publisher's act here.
            self.message_user(
                request,
                "Reverting a published record is a Publisher's act. Edit the record instead: your change will wait "
                "for a Publisher.",
                messages.ERROR,
            )
            return redirect(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_history", object_id)
        self._remember_state_before_revert(request, unquote(object_id))
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        version = get_object_or_404(Version, pk=version_id)
        # The record no longer exists: its state before is a draft's, which it keeps unless a Publisher recovers it.
        self._remember_state_before_revert(request, version.object_id)
        return super().recover_view(request, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        opts = self.model._meta
        versions = self._reversion_order_version_queryset(
            request,
            Version.objects.get_for_object_reference(self.model, unquote(object_id)).select_related(
                "revision", "revision__user"
            ),
        )
        action_list = [
            {
                "version": version,
                "revision": version.revision,
                "url": reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_revision",
                    args=(version.object_id, version.pk),
                ),
            }
            for version in versions
        ]
        context = {
            "action_list": action_list,
            "compare_url": reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_compare", args=(object_id,)
            ),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, context)

    def compare_view(self, request, object_id):
        """Two chosen versions of one record side by side: each changed field, with the words changed."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        record = get_object_or_404(self.model, pk=unquote(object_id))
        try:
            chosen = sorted({int(request.GET["from"]), int(request.GET["to"])})
        except (KeyError, ValueError):
            return HttpResponseBadRequest("Choose two versions to compare (from and to).")
        versions = Version.objects.get_for_object(record).filter(pk__in=chosen).select_related("revision__user")
        by_id = {version.pk: version for version in versions}
        if len(chosen) != len(("from", "to")) or set(by_id) != set(chosen):
            messages.error(request, "Choose two different versions of this record to compare.")
            return redirect(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_history", object_id)
        older, newer = by_id[chosen[0]], by_id[chosen[1]]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": record,
            "object_id": object_id,
            "title": f"Compare versions of {record}",
            "older": older,
            "newer": newer,
            "differences": version_differences(self.model, older.field_dict, newer.field_dict),
        }
        return TemplateResponse(request, "admin/chairmanship/compare_versions.html", context)

    # Preview sharing --------------------------------------------------------------------------------

    def share_view(self, request, object_id):
        """A signed link to one record's preview, for a reviewer without an account (Publishers only)."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        record = get_object_or_404(self.model, pk=unquote(object_id))
        try:
            days = int(request.GET.get("days", SHARE_LINK_DEFAULT_DAYS))
        except ValueError:
            days = 0
        error = None
        if not 1 <= days <= SHARE_LINK_MAX_DAYS:
            error = f"A link can last from 1 to {SHARE_LINK_MAX_DAYS} days."
            days = SHARE_LINK_DEFAULT_DAYS
        token = make_share_token(record, days=days)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": record,
            "object_id": object_id,
            "title": f"Share a preview of {record}",
            "share_url": request.build_absolute_uri(reverse("preview:shared", args=(token,))),
            "days": days,
            "max_days": SHARE_LINK_MAX_DAYS,
            "expires": timezone.now() + datetime.timedelta(days=days),
            "error": error,
        }
        return TemplateResponse(request, "admin/chairmanship/share_preview.html", context)

    def get_urls(self):
        opts = self.model._meta
        info = opts.app_label, opts.model_name
        extra = [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            path(
                "<path:object_id>/share/",
                self.admin_site.admin_view(self.share_view),
                name="{}_{}_share".format(*info),
            ),
            path(
                "<path:object_id>/pending/<int:change_id>/publish/",
                self.admin_site.admin_view(self.publish_pending_view),
                name="{}_{}_pending_publish".format(*info),
            ),
            path(
                "<path:object_id>/pending/<int:change_id>/discard/",
                self.admin_site.admin_view(self.discard_pending_view),
                name="{}_{}_pending_discard".format(*info),
            ),
        ]
        return extra + super().get_urls()

    # Changes waiting for a Publisher ----------------------------------------------------------------

    def pending_changes(self, record) -> list[dict]:
        """Each change proposed to ``record``, compared field by field with the live record."""
        current = record_field_values(record)
        compared = []
        for change in PendingChange.objects.for_record(record):
            values, many_to_many = publication.proposed_values(change)
            proposed = {
                **current,
                **values,
                **{self.model._meta.get_field(name).attname: keys for name, keys in many_to_many.items()},
            }
            compared.append(
                {
                    "change": change,
                    "differences": version_differences(self.model, current, proposed),
                    "outdated": change.base_version != record.version,
                }
            )
        return compared

    def _decide_pending(self, request, object_id, change_id, decide, done: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        record = get_object_or_404(self.model, pk=unquote(object_id))
        change = get_object_or_404(PendingChange.objects.for_record(record), pk=change_id)
        try:
            decide(change, user=request.user)
        except (PendingChangeOutdated, PublicationRefused) as refusal:
            self.message_user(request, f"Not published: {refusal}", messages.ERROR)
        else:
            self.log_change(request, record, f"{done} a change proposed by {change.author or 'someone'}.")
            self.message_user(request, f"{done} the proposed change to “{record}”.", messages.SUCCESS)
        return redirect(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change", record.pk)

    def publish_pending_view(self, request, object_id, change_id):
        return self._decide_pending(request, object_id, change_id, publication.publish_pending_change, "Published")

    def discard_pending_view(self, request, object_id, change_id):
        return self._decide_pending(request, object_id, change_id, publication.discard_pending_change, "Discarded")

    def get_list_filter(self, request):
        return (*super().get_list_filter(request), PendingChangeFilter)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_publish"] = self.has_publish_permission(request)
        if obj is not None and obj.pk is not None:
            context["pending_changes"] = self.pending_changes(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # List display and actions -----------------------------------------------------------------------

    @admin.display(description="publication", ordering="status")
    def publication(self, record):
        if is_scheduled(record):
            return f"Scheduled for {timezone.localtime(record.published_at):%Y-%m-%d %H:%M}"
        return record.get_status_display()

    def _report(self, request, verb: str, changed: list, refused: list[tuple[object, str]]) -> None:
        names = self.opts.verbose_name if len(changed) == 1 else self.opts.verbose_name_plural
        if changed:
            self.message_user(request, f"{verb.capitalize()} {len(changed)} {names}.", messages.SUCCESS)
        for record, reason in refused:
            self.message_user(request, f"Not {verb}: “{record}” — {reason}", messages.WARNING)
        if not changed and not refused:
            self.message_user(request, "Nothing to do.", messages.INFO)

    @admin.action(description="Submit selected for review", permissions=("change",))
    def submit_for_review(self, request, queryset):
        changed, refused = [], []
        for record in queryset:
            reason = publication.submit_for_review(record)
            if reason:
                refused.append((record, reason))
                continue
            self.log_change(request, record, "Submitted for review.")
            changed.append(record)
        self._report(request, "submitted for review", changed, refused)

    def _apply_to_each(self, request, queryset, change, verb: str, message: str) -> None:
        """Applies a ``chairmanship.publication`` change to each record, reporting what it refused."""
        changed, refused = [], []
        for record in queryset:
            try:
                change(record, user=request.user)
            except PublicationRefused as refusal:
                refused.append((record, " ".join(refusal.problems[record])))
                continue
            self.log_change(request, record, message)
            changed.append(record)
        self._report(request, verb, changed, refused)
        return changed

    @admin.action(description="Publish selected (scheduled when the publication time is in the future)")
    def publish(self, request, queryset):
        published = self._apply_to_each(request, queryset, publication.publish, "published", "Published.")
        warn_untranslated(self, request, published)

    publish.allowed_permissions = ("publish",)

    @admin.action(description="Unpublish selected (back to draft)")
    def unpublish(self, request, queryset):
        self._apply_to_each(request, queryset, publication.unpublish, "unpublished", "Unpublished.")

    unpublish.allowed_permissions = ("publish",)


class ArchiveImportExportMixin(ImportExportMixin):
    """Adds CSV, XLSX and JSON import (with a dry-run preview) and export; ``chairmanship.resources`` holds
    the rules an import follows."""

    formats = (CSV, XLSX, JSON)

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    @method_decorator(admin_export_policy)
    def export_action(self, request):
        return super().export_action(request)


# --- Registrations ---------------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(ArchiveImportExportMixin, GuardedDeletionAdmin):
    resource_classes = (SourceResource,)
    actions = ("delete_selected",)
    list_display = ("title", "publisher", "published_on", "language", "url")
    search_fields = ("title", "publisher", "author", "url", "note")
    list_filter = ("language", "publisher")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Topic)
class TopicAdmin(ArchiveImportExportMixin, ArchiveAdmin, TranslatedAdmin):
    resource_classes = (TopicResource,)
    list_display = ("name", "slug")
    search_fields = ("name", "name_ru", "name_zh_hans", "description")
    prepopulated_fields = {"slug": ("name_en",)}
    fields = ("slug", in_every_language("name"), in_every_language("description"))


@admin.register(State)
class StateAdmin(ArchiveImportExportMixin, EditorialAdmin, TranslatedAdmin):
    resource_classes = (StateResource,)
    list_display = ("short_name", "official_name", "iso_alpha2", "iso_alpha3", "capital", "publication")
    list_filter = (PublicationStateFilter, "memberships__status")
    search_fields = (
        "short_name",
        "short_name_ru",
        "short_name_zh_hans",
        "official_name",
        "iso_alpha2",
        "iso_alpha3",
        "capital",
        "summary",
    )
    prepopulated_fields = {"slug": ("short_name_en",)}
    autocomplete_fields = ("sources",)
    inlines = (MembershipInline,)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    in_every_language("short_name"),
                    in_every_language("official_name"),
                    "slug",
                    "iso_alpha2",
                    "iso_alpha3",
                    in_every_language("capital"),
                )
            },
        ),
        ("Content", {"fields": (in_every_language("summary"), "sources")}),
        PUBLICATION_FIELDSET,
    )


class ShownRowAdmin(GuardedDeletionAdmin):
    """Rows that published pages show (membership periods, key figures): an Editor reads those of a published
    record, and a Publisher adds, changes or deletes them (``chairmanship.publication.shown_change_refusal``)."""

    actions = ("delete_selected",)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (
            obj is None or publication.shown_change_refusal(user=request.user, before=obj, after=obj) is None
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        user = request.user
        # The form writes its values onto ``obj`` itself: the row as stored is kept apart.
        stored = copy.copy(obj)

        class ShownRowForm(form):
            def _post_clean(self):
                super()._post_clean()
                refusal = publication.shown_change_refusal(user=user, before=stored, after=self.instance)
                if refusal:
                    self.add_error(None, refusal)

        return ShownRowForm


@admin.register(Membership)
class MembershipAdmin(ArchiveImportExportMixin, ShownRowAdmin):
    resource_classes = (MembershipResource,)
    list_display = ("state", "status", "start_date", "end_date", "summit")
    list_filter = ("status",)
    search_fields = ("state__short_name", "note")
    autocomplete_fields = ("state", "summit", "sources")
    list_select_related = ("state", "summit")
    date_hierarchy = "start_date"


@admin.register(Chairmanship)
class ChairmanshipAdmin(ArchiveImportExportMixin, EditorialAdmin, TranslatedAdmin):
    resource_classes = (ChairmanshipResource,)
    list_display = ("__str__", "state", "start_date", "end_date", "publication")
    list_filter = (PublicationStateFilter,)
    search_fields = ("state__short_name", "motto", "priorities", "summary")
    prepopulated_fields = {"slug": ("state", "start_date")}
    autocomplete_fields = ("state", "sources")
    list_select_related = ("state",)
    date_hierarchy = "start_date"
    inlines = (KeyFigureInline,)
    fieldsets = (
        (None, {"fields": ("state", "slug", "start_date", "end_date", in_every_language("motto"))}),
        ("Content", {"fields": (in_every_language("priorities"), in_every_language("summary"), "sources")}),
        PUBLICATION_FIELDSET,
    )


@admin.register(Summit)
class SummitAdmin(ArchiveImportExportMixin, EditorialAdmin, TranslatedAdmin):
    resource_classes = (SummitResource,)
    list_display = ("number", "host_city", "host_state", "start_date", "format", "publication")
    list_display_links = ("number", "host_city")
    list_filter = (PublicationStateFilter, "format", "host_state")
    search_fields = ("host_city", "theme", "summary", "host_state__short_name")
    prepopulated_fields = {"slug": ("host_city_en", "start_date")}
    autocomplete_fields = ("host_state", "chairmanship", "documents_reported_source", "sources")
    list_select_related = ("host_state",)
    date_hierarchy = "start_date"
    inlines = (DocumentInline, KeyFigureInline)
    actions = (*EditorialAdmin.actions, "publish_with_documents")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    in_every_language("host_city"),
                    "host_state",
                    "slug",
                    "start_date",
                    "end_date",
                    "format",
                )
            },
        ),
        ("Content", {"fields": (in_every_language("theme"), "chairmanship", in_every_language("summary"), "sources")}),
        (
            "Coverage",
            {
                "fields": (
                    "documents_reported",
                    in_every_language("documents_reported_note"),
                    "documents_reported_source",
                )
            },
        ),
        PUBLICATION_FIELDSET,
    )

    @admin.action(description="Publish selected with their documents (all or nothing per summit)")
    def publish_with_documents(self, request, queryset):
        for summit in queryset:
            try:
                documents = publication.publish_summit_with_documents(summit, user=request.user)
            except PublicationRefused as refusal:
                reasons = "; ".join(
                    f"“{record}”: {' '.join(problems)}" for record, problems in refusal.problems.items()
                )
                self.message_user(request, f"Nothing published for “{summit}” — {reasons}", messages.ERROR)
                continue
            summit.refresh_from_db()
            self.log_change(request, summit, f"Published with {len(documents)} documents.")
            for document in documents:
                self.log_change(request, document, f"Published with its summit {summit}.")
            self.message_user(request, f"Published “{summit}” with {len(documents)} documents.", messages.SUCCESS)
            warn_untranslated(self, request, [summit, *documents])

    publish_with_documents.allowed_permissions = ("publish",)


@admin.register(Document)
class DocumentAdmin(ArchiveImportExportMixin, EditorialAdmin, TranslatedAdmin):
    resource_classes = (DocumentResource,)
    list_display = ("title", "document_type", "date", "summit", "adoption", "publication")
    list_filter = (PublicationStateFilter, "document_type", "adoption", "topics", "summit")
    search_fields = ("title", "title_ru", "title_zh_hans", "summary", "full_text")
    prepopulated_fields = {"slug": ("title_en",)}
    autocomplete_fields = ("summit", "chairmanship", "topics", "signatories", "sources")
    list_select_related = ("summit",)
    date_hierarchy = "date"
    fieldsets = (
        (None, {"fields": (in_every_language("title"), "slug", "document_type", "topics")}),
        ("Context", {"fields": ("summit", "chairmanship", "date", "signatories")}),
        ("Legal state", {"fields": ("adoption", "entered_into_force")}),
        (
            "Content",
            {"fields": (in_every_language("summary"), "official_text_url", "full_text", "pdf", "sources")},
        ),
        PUBLICATION_FIELDSET,
    )


@admin.register(Initiative)
class InitiativeAdmin(ArchiveImportExportMixin, EditorialAdmin, TranslatedAdmin):
    resource_classes = (InitiativeResource,)
    list_display = ("title", "category", "implementation_status", "chairmanship", "publication")
    list_filter = (PublicationStateFilter, "category", "implementation_status", "topics")
    search_fields = ("title", "title_ru", "title_zh_hans", "summary")
    prepopulated_fields = {"slug": ("title_en",)}
    autocomplete_fields = ("proposers", "chairmanship", "summit", "topics", "documents", "sources")
    list_select_related = ("chairmanship__state",)
    date_hierarchy = "updated_at"
    fieldsets = (
        (None, {"fields": (in_every_language("title"), "slug", "category", "implementation_status", "topics")}),
        ("Context", {"fields": ("proposers", "chairmanship", "summit", "documents")}),
        ("Content", {"fields": (in_every_language("summary"), "sources")}),
        PUBLICATION_FIELDSET,
    )


@admin.register(KeyFigure)
class KeyFigureAdmin(ArchiveImportExportMixin, ShownRowAdmin, TranslatedAdmin):
    resource_classes = (KeyFigureResource,)
    list_display = ("label", "display_value", "as_of", "chairmanship", "summit", "source")
    list_filter = ("unit", "qualifier")
    search_fields = ("label", "label_ru", "label_zh_hans", "note", "unit")
    prepopulated_fields = {"slug": ("label_en",)}
    fields = (
        "slug",
        in_every_language("label"),
        "value",
        in_every_language("unit"),
        "qualifier",
        "as_of",
        "period",
        "chairmanship",
        "summit",
        "topics",
        "note",
        "source",
    )
    autocomplete_fields = ("chairmanship", "summit", "topics", "source")
    list_select_related = ("chairmanship__state", "summit", "source")

    @admin.display(description="value")
    def display_value(self, figure):
        return figure.display_value


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ("date", "note", "content_type", "object_id", "author")
    list_filter = ("content_type",)
    search_fields = ("note",)
    date_hierarchy = "date"
    fields = ("date", "note")

    def has_add_permission(self, request):
        # A correction is made by saving the corrected record with a note, so it is tied to that save.
        return False


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ("old_slug", "content_type", "object_id", "created_at")
    list_filter = ("content_type",)
    search_fields = ("old_slug",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
