from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import api, views

app_name = "notes"

router = DefaultRouter()
router.register(r"notes", api.NoteViewSet, basename="note")

urlpatterns = [
    path("", views.note_list, name="list"),
    path("new/", views.NoteCreateView.as_view(), name="create"),
    path("<int:pk>/", views.NoteDetailView.as_view(), name="detail"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    re_path(r"^tags/(?P<category>[a-z-]+)/$", views.tags_by_category, name="tags"),
]

urlpatterns += [
    path("api/stats/", api.NoteStatsView.as_view(), name="api-stats"),
    path("api/ping/", api.ping, name="api-ping"),
    path("api/recent/", api.recent_notes, name="api-recent"),
    path("api/", include(router.urls)),
]
