"""REST API v1, under /api/v1/: the OpenAPI document, the interactive docs, and each app's endpoints (api.py)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from abrazo.api.docs_views import DocsView, SchemaView

app_name = "api"


@csrf_exempt  # it changes nothing; a POST to an unknown path must get this 404, not the CSRF page
@login_not_required
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any other path under /api/v1/ (an id that is not a UUID, a typo) answers in the API's JSON error shape,
    not with the site's HTML 404 page (found by the schemathesis fuzz run)."""
    return JsonResponse({"error": {"code": "not_found", "message": _("Not found.")}}, status=404)


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
    path("", include("abrazo.reports.api")),
    # Keep last: everything above did not match.
    re_path(r"", not_found),
]
