from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ChairmanshipConfig(AppConfig):
    name = "chairmanship"
    verbose_name = "SCO Chairmanship Archive"

    def ready(self):
        from chairmanship import cache, search, search_text

        # A change to archive content invalidates the cached answers that show it (chairmanship.tags).
        cache.connect_signals(self.get_models())
        # The search indexes that need Python to prepare their words follow every save.
        search_text.connect_signals(self.get_models())
        # Which plan a search takes on PostgreSQL: the indexes it may read are learnt once per database.
        search.connect_signals(self)


class ArchiveAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the archive's own site (``chairmanship.admin_site``)."""

    default = False  # ChairmanshipConfig stays this module's configuration of the chairmanship app
    default_site = "chairmanship.admin_site.ArchiveAdminSite"
