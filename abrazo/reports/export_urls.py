"""The exports centre, under /exports/: files being prepared, ready to download, and expired."""

from django.urls import path

from abrazo.reports import export_views

app_name = "exports"

urlpatterns = [
    path("", export_views.centre, name="centre"),
    path("<uuid:export_id>/download/", export_views.download, name="download"),
    path("<uuid:export_id>/delete/", export_views.delete, name="delete"),
]
