"""The archive's admin site: Django's own, with what waits for a Publisher on its index page.

It replaces the default site (``chairmanship.apps.ArchiveAdminConfig`` in INSTALLED_APPS), so every
``@admin.register`` in the project and in the libraries it uses lands here.
"""

from django.contrib import admin
from django.urls import reverse

from chairmanship.publication import awaiting_review_counts

# The change lists' "publication" filter (admin.PublicationStateFilter) narrowed to records in review.
IN_REVIEW_QUERY = "?publication=review"


class ArchiveAdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        waiting = [
            {
                "name": model._meta.verbose_name_plural,
                "count": count,
                "url": reverse(f"{self.name}:{model._meta.app_label}_{model._meta.model_name}_changelist")
                + IN_REVIEW_QUERY,
            }
            for model, count in awaiting_review_counts()
            if request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        ]
        return super().index(request, {"awaiting_review": waiting, **(extra_context or {})})
