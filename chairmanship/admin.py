"""Admin registration: every model editable, searchable and linked to its public page."""

from django.contrib import admin

from chairmanship.models import (
    Chairmanship,
    Document,
    Initiative,
    KeyFigure,
    Membership,
    Source,
    State,
    Summit,
    Topic,
)

PUBLICATION_FIELDSET = ("Publication", {"fields": ("status", "published_at")})


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("status", "start_date", "end_date", "summit", "note", "sources")
    autocomplete_fields = ("summit", "sources")


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ("title", "document_type", "date", "adoption", "status")
    show_change_link = True


class KeyFigureInline(admin.TabularInline):
    model = KeyFigure
    extra = 0
    fields = ("label", "qualifier", "value", "unit", "as_of", "period", "source")
    autocomplete_fields = ("source",)
    show_change_link = True


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("title", "publisher", "published_on", "url")
    search_fields = ("title", "publisher", "author", "url", "note")
    list_filter = ("publisher",)
    prepopulated_fields = {"slug": ("title",)}


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ("short_name", "official_name", "iso_alpha2", "iso_alpha3", "capital", "status")
    list_filter = ("status", "memberships__status")
    search_fields = ("short_name", "official_name", "iso_alpha2", "iso_alpha3", "capital")
    prepopulated_fields = {"slug": ("short_name",)}
    autocomplete_fields = ("sources",)
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("short_name", "official_name", "slug", "iso_alpha2", "iso_alpha3", "capital")}),
        ("Content", {"fields": ("summary", "sources")}),
        PUBLICATION_FIELDSET,
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("state", "status", "start_date", "end_date", "summit")
    list_filter = ("status",)
    search_fields = ("state__short_name", "note")
    autocomplete_fields = ("state", "summit", "sources")
    list_select_related = ("state", "summit")
    date_hierarchy = "start_date"


@admin.register(Chairmanship)
class ChairmanshipAdmin(admin.ModelAdmin):
    list_display = ("__str__", "state", "start_date", "end_date", "status")
    list_filter = ("status",)
    search_fields = ("state__short_name", "motto", "priorities", "summary")
    prepopulated_fields = {"slug": ("state", "start_date")}
    autocomplete_fields = ("state", "sources")
    list_select_related = ("state",)
    inlines = (KeyFigureInline,)
    fieldsets = (
        (None, {"fields": ("state", "slug", "start_date", "end_date", "motto")}),
        ("Content", {"fields": ("priorities", "summary", "sources")}),
        PUBLICATION_FIELDSET,
    )


@admin.register(Summit)
class SummitAdmin(admin.ModelAdmin):
    list_display = ("number", "host_city", "host_state", "start_date", "format", "status")
    list_display_links = ("number", "host_city")
    list_filter = ("status", "format", "host_state")
    search_fields = ("host_city", "theme", "summary", "host_state__short_name")
    prepopulated_fields = {"slug": ("host_city", "start_date")}
    autocomplete_fields = ("host_state", "chairmanship", "sources")
    list_select_related = ("host_state",)
    date_hierarchy = "start_date"
    inlines = (DocumentInline, KeyFigureInline)
    fieldsets = (
        (None, {"fields": ("number", "host_city", "host_state", "slug", "start_date", "end_date", "format")}),
        ("Content", {"fields": ("theme", "chairmanship", "summary", "documents_signed_reported", "sources")}),
        PUBLICATION_FIELDSET,
    )


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "document_type", "date", "summit", "adoption", "status")
    list_filter = ("status", "document_type", "adoption", "topics", "summit")
    search_fields = ("title", "summary", "full_text")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("summit", "chairmanship", "topics", "signatories", "sources")
    list_select_related = ("summit",)
    date_hierarchy = "date"
    fieldsets = (
        (None, {"fields": ("title", "slug", "document_type", "topics")}),
        ("Context", {"fields": ("summit", "chairmanship", "date", "signatories")}),
        ("Legal state", {"fields": ("adoption", "entered_into_force")}),
        ("Content", {"fields": ("summary", "full_text", "pdf", "sources")}),
        PUBLICATION_FIELDSET,
    )


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "implementation_status", "chairmanship", "status")
    list_filter = ("status", "category", "implementation_status", "topics")
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("proposers", "chairmanship", "summit", "topics", "documents", "sources")
    list_select_related = ("chairmanship__state",)
    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "implementation_status", "topics")}),
        ("Context", {"fields": ("proposers", "chairmanship", "summit", "documents")}),
        ("Content", {"fields": ("summary", "sources")}),
        PUBLICATION_FIELDSET,
    )


@admin.register(KeyFigure)
class KeyFigureAdmin(admin.ModelAdmin):
    list_display = ("label", "display_value", "as_of", "chairmanship", "summit", "source")
    list_filter = ("unit", "qualifier")
    search_fields = ("label", "note", "unit")
    prepopulated_fields = {"slug": ("label",)}
    autocomplete_fields = ("chairmanship", "summit", "topics", "source")
    list_select_related = ("chairmanship__state", "summit", "source")

    @admin.display(description="value")
    def display_value(self, figure):
        return figure.display_value
