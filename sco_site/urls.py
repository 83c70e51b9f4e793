from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from chairmanship.health import healthz
from chairmanship.media import media_file

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", include("chairmanship.api.urls")),
    path("preview/", include("chairmanship.preview_urls")),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media_file, name="media"),
    # English unprefixed, as every address was before; /ru/ and /zh-hans/ for the SCO's official languages.
    *i18n_patterns(path("", include("chairmanship.urls")), prefix_default_language=False),
]

if settings.BENCHMARK_ENDPOINTS:
    urlpatterns.insert(0, path("", include("bench.endpoints")))
