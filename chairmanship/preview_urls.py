"""Draft previews for staff (``/preview/<model>/<slug>/``) and shared preview links."""

from django.urls import path

from chairmanship import preview

app_name = "preview"

urlpatterns = [
    path("share/<str:token>/", preview.shared_preview, name="shared"),
    path("<slug:model>/<slug:slug>/", preview.preview, name="detail"),
]
