"""The workforce capacity report and its export, under /workforce/capacity/ (names in the `workforce` namespace);
the filters travel as query parameters, so no id is in the path."""

from django.urls import path

from abrazo.workforce import capacity_views as views

urlpatterns = [
    path("", views.capacity_report, name="capacity-report"),
    path("export/", views.capacity_export, name="capacity-export"),
]
