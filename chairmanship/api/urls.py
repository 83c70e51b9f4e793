"""The API's one router, mounted at /api/: version 1 under /api/v1/, the schema and its documentation."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from chairmanship.api import views
from chairmanship.security import api_documentation_policy

app_name = "api"

router = DefaultRouter()
router.register("states", views.StateViewSet, basename="state")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("chairmanships", views.ChairmanshipViewSet, basename="chairmanship")
router.register("summits", views.SummitViewSet, basename="summit")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("initiatives", views.InitiativeViewSet, basename="initiative")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("key-figures", views.KeyFigureViewSet, basename="keyfigure")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("v1/on/<str:date>/", views.OnDateView.as_view(), name="on-date"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        api_documentation_policy(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html")
        ),
        name="docs",
    ),
    path(
        "redoc/",
        api_documentation_policy(SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")),
        name="redoc",
    ),
    re_path(r"^", views.UnknownAddressView.as_view(), name="unknown"),
]
