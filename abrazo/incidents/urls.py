"""The incidents app's pages, one module per area; the included modules share this namespace."""

from django.urls import include, path

app_name = "incidents"
urlpatterns = [
    path("", include("abrazo.incidents.roster_urls")),  # the roster, incidents and exclusions
    path("imports/", include("abrazo.incidents.import_urls")),  # roster and BIRS incident files
    path("warnings/", include("abrazo.incidents.warning_urls")),  # early warnings and the timeliness report
]
