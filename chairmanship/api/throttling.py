"""Rate limits for anonymous and signed-in clients; the rates come from ``REST_FRAMEWORK`` settings."""

from rest_framework import throttling
from rest_framework.settings import api_settings


class RatesFromSettingsMixin:
    def get_rate(self):
        # DRF binds the rates when its module is imported; reading them per request lets a deployment's
        # environment (and a test's settings) decide.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousRateThrottle(RatesFromSettingsMixin, throttling.AnonRateThrottle):
    pass


class AuthenticatedRateThrottle(RatesFromSettingsMixin, throttling.UserRateThrottle):
    pass
