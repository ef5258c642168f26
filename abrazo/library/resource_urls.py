"""The public resource library: browsing (the site's network, or one named by its slug), one resource, its file.
Every view here is @public."""

from django.urls import path

from abrazo.library import resource_views, suggest_views

urlpatterns = [
    # --- Suggesting a resource (the curation work: suggest_views.py) ---
    path("suggest/", suggest_views.suggest, name="suggest"),
    path("suggest/thanks/", suggest_views.suggest_thanks, name="suggest-thanks"),
    path("suggest/n/<slug:network_slug>/", suggest_views.suggest, name="suggest-for-network"),
    # --- Browsing ---
    path("", resource_views.resource_list, name="resource-list"),
    path("n/<slug:network_slug>/", resource_views.resource_list, name="resource-list-for-network"),
    path("<uuid:pk>/", resource_views.resource_detail, name="resource-detail"),
    path("<uuid:pk>/file/", resource_views.resource_file, name="resource-file"),
]
