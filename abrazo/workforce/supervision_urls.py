"""Reflective supervision, mounted under /workforce/supervision/ (names in the `workforce` namespace). The
network's workforce settings (endorsement thresholds, countable kinds, completion share) live here too."""

from django.urls import path

from abrazo.workforce import settings_views
from abrazo.workforce import supervision_views as views

urlpatterns = [
    path("", views.supervision_list, name="supervision-list"),
    path("new/", views.supervision_new, name="supervision-new"),
    path("team/", views.supervision_team, name="supervision-team"),
    path("sign-off/", views.supervision_sign_off_bulk, name="supervision-sign-off-bulk"),
    path("settings/", settings_views.workforce_settings, name="workforce-settings"),
    path("<uuid:pk>/", views.supervision_detail, name="supervision-detail"),
    path("<uuid:pk>/edit/", views.supervision_edit, name="supervision-edit"),
    path("<uuid:pk>/sign-off/", views.supervision_sign_off, name="supervision-sign-off"),
    path("<uuid:pk>/return/", views.supervision_return, name="supervision-return"),
]
