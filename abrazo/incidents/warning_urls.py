"""Early warnings and the timeliness report (included under /incidents/warnings/ in the incidents namespace)."""

from django.urls import path

from abrazo.incidents import warning_views as views

urlpatterns = [
    path("", views.warning_list, name="warning-list"),
    path("settings/", views.warning_settings, name="warning-settings"),
    path("timeliness/", views.timeliness_report, name="timeliness"),
    path("<uuid:pk>/", views.warning_detail, name="warning-detail"),
    path("<uuid:pk>/request/", views.warning_request, name="warning-request"),
    path("<uuid:pk>/close/", views.warning_close, name="warning-close"),
]
