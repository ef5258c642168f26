"""REST API v1, under /api/v1/: the OpenAPI document, the interactive docs, and each app's endpoints (api.py)."""

from django.urls import include, path

from abrazo.api.docs_views import DocsView, SchemaView

app_name = "api"

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    # Each app lists its endpoints in its api.py as `urlpatterns` (URL names prefixed by the app, e.g.
    # api:directory-program-list); one line per app here.
    path("", include("abrazo.directory.api")),
    path("", include("abrazo.intake.api")),
    path("", include("abrazo.library.api")),
    path("", include("abrazo.consultations.api")),
    path("", include("abrazo.incidents.api")),
    path("", include("abrazo.measures.api")),
]
