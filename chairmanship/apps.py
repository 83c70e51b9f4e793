from django.apps import AppConfig


class ChairmanshipConfig(AppConfig):
    name = "chairmanship"
    verbose_name = "SCO Chairmanship Archive"
