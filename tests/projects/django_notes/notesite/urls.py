from django.contrib import admin
from django.urls import include, path, re_path

from . import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("notes/", include("notes.urls")),
    re_path(r"^healthz/?$", health.healthz, name="healthz"),
]
