from django.apps import AppConfig


class ChairmanshipConfig(AppConfig):
    name = "chairmanship"
    verbose_name = "SCO Chairmanship Archive"

    def ready(self):
        from chairmanship import cache

        # Any change to archive content invalidates every cached public response.
        cache.connect_signals(self.get_models())
