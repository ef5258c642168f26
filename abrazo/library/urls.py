"""/library/: the public resource library (browse, search, suggest) and its curation; each area keeps its own URL
module. Public views are marked @public."""

from django.urls import include, path

app_name = "library"

urlpatterns = [
    path("", include("abrazo.library.resource_urls")),
    path("curation/", include("abrazo.library.curation_urls")),
    path("plans/", include("abrazo.library.plan_urls")),
]
