"""Pre/post outcomes: the page and its export. Included from measures/urls.py under "outcomes/", so the names
live in the `measures` namespace; the filters travel as query parameters (no id in the path)."""

from django.urls import path

from abrazo.measures import outcome_views as views

urlpatterns = [
    path("", views.outcomes, name="outcomes"),
    path("export/", views.outcomes_export, name="outcomes-export"),
]
