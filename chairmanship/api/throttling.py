"""Rate limits for anonymous and signed-in clients; the rates come from ``REST_FRAMEWORK`` settings.

Anonymous answers served from the page cache (``chairmanship.cache``) never reach these, by choice: a
cached answer costs no database work, and counting it would cost a cache write per hit. Only answers the
app computes are counted and limited.
"""

import logging

from rest_framework import throttling
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


class RatesFromSettingsMixin:
    def get_rate(self):
        # DRF binds the rates when its module is imported; reading them per request lets a deployment's
        # environment (and a test's settings) decide.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        # The counters live in the shared cache; while it is down, serving beats refusing everyone.
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache backend's own connection errors vary by backend
            logger.warning("Cache unavailable, rate limits not applied: %s", error)
            return True


class AnonymousRateThrottle(RatesFromSettingsMixin, throttling.AnonRateThrottle):
    pass


class AuthenticatedRateThrottle(RatesFromSettingsMixin, throttling.UserRateThrottle):
    pass
